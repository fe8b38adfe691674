"""Records by the project's quoting rule, one at a time, in Python: the careful reader.

No library reads quotes the way the reading rules ask (rule 5): a field is
quoted only when it starts with a double quote and its closing quote (``""``
inside stands for ``"``) is followed directly by the delimiter or the line
end; every other quote is literal text, and an opening quote that never closes
swallows nothing. Python's csv module, pandas and PyArrow merge rows in that
case, so this module does it by hand, on UTF-8 bytes (quotes, delimiters and
line breaks are single ASCII bytes there, so cutting bytes never splits a
character).

It is the slow path: ``reader.py`` hands it only the records that PyArrow
cannot read exactly (a malformed quote, a ragged row) and the sniffer's sample.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .escapes import unescape

QUOTE, LF, CR = 0x22, 0x0A, 0x0D
BREAK = re.compile(rb'[\r\n]')
_QUOTE_OR_BACKSLASH = re.compile(rb'["\\]')
# A quote that has not closed within this many bytes is literal text. A quoted
# cell that long would be refused anyway (cells are capped at 10 MB), and the
# bound keeps the look-ahead, and so the memory, of one record finite.
LOOKAHEAD = 12 * 1024 * 1024
_PLAIN: dict[bytes, re.Pattern[bytes]] = {}


def _plain(delimiter: bytes) -> re.Pattern[bytes]:
    """A field's unquoted text: everything up to the delimiter or a line break."""
    if delimiter not in _PLAIN:
        _PLAIN[delimiter] = re.compile(b'[^' + re.escape(delimiter) + rb'\r\n]*' if delimiter else rb'[^\r\n]*')
    return _PLAIN[delimiter]


class NeedMore(Exception):
    """The record may go on past the bytes at hand; read more and ask again."""


def quoted_field(data: bytes, pos: int, end: int, delimiter: bytes, final: bool,
                 escape: bool = False) -> tuple[bytes, int, int] | None:
    """The text of the quoted field opening at ``data[pos]``, the index after its closing quote,
    and how many backslash escapes it held (0 unless ``escape``).

    None when the quote does not open a quoted field (it is literal text).
    Raises NeedMore when ``data[:end]`` stops before that is decided and more
    bytes follow (``final`` is False). With ``escape``, a backslash inside
    makes the next byte text (``\\"`` a quote, ``\\\\`` a backslash): how the
    sniffer tries a file for backslash-escaped quotes (see ``escapes``).
    """
    k = pos + 1
    delim = delimiter[0] if delimiter else -1
    while True:
        k = _next_quote(data, k, end, escape)
        if k < 0:
            if final or end - pos > LOOKAHEAD:
                return None
            raise NeedMore
        if k + 1 >= end:
            if not final:
                raise NeedMore  # the byte after the quote decides
            return _closed(data[pos + 1:k], k + 1, escape)
        follow = data[k + 1]
        if follow == QUOTE:
            k += 2
            continue
        if follow in (LF, CR) or follow == delim:
            return _closed(data[pos + 1:k], k + 1, escape)
        return None


def _closed(inner: bytes, after: int, escape: bool) -> tuple[bytes, int, int]:
    text, escapes = _field_text(inner, escape)
    return text, after, escapes


def _next_quote(data: bytes, k: int, end: int, escape: bool) -> int:
    """The index of the next quote from ``k`` that is not backslash-escaped (when ``escape``), or -1."""
    if not escape:
        return data.find(b'"', k, end)
    while True:
        match = _QUOTE_OR_BACKSLASH.search(data, k, end)
        if match is None:
            return -1
        if data[match.start()] == QUOTE:
            return match.start()
        k = match.start() + 2   # the escaped byte is text


def _field_text(inner: bytes, escape: bool) -> tuple[bytes, int]:
    """A quoted field's text (what ``escapes.Unescaping`` and then the quoting rule make of it) and its escapes."""
    if not escape:
        return inner.replace(b'""', b'"'), 0
    text, escapes = unescape(inner)
    return text.replace(b'""', b'"'), escapes


def parse_record(data: bytes, pos: int, end: int, delimiter: bytes, final: bool,
                 escape: bool = False) -> tuple[list[bytes], int, int, int]:
    """One record starting at ``pos`` (not on a line break): (cells, index after its line break,
    literal quotes, backslash escapes read inside quoted fields).

    Raises NeedMore when the record may continue past ``end``.
    """
    cells: list[bytes] = []
    literal = escapes = 0
    plain = _plain(delimiter)
    while True:
        if pos < end and data[pos] == QUOTE:
            field = quoted_field(data, pos, end, delimiter, final, escape)
            if field is None:
                literal += 1
            else:
                text, pos, held = field
                escapes += held
                cells.append(text)
        else:
            field = None
        if field is None:
            match = plain.match(data, pos, end)
            assert match is not None  # the pattern matches the empty string
            cells.append(match.group())
            pos = match.end()
        if pos >= end:
            if not final:
                raise NeedMore
            return cells, pos, literal, escapes
        byte = data[pos]
        if delimiter and byte == delimiter[0]:
            pos += 1
            continue
        return cells, _after_break(data, pos, end, final), literal, escapes


def _after_break(data: bytes, pos: int, end: int, final: bool) -> int:
    """The index after the line break at ``pos`` (LF, CRLF or a lone CR)."""
    if data[pos] == CR:
        if pos + 1 >= end and not final:
            raise NeedMore  # half of a CRLF, perhaps
        if pos + 1 < end and data[pos + 1] == LF:
            return pos + 2
    return pos + 1


@dataclass
class Rows:
    """What ``parse_rows`` read: the records, where it stopped, and what it met on the way."""

    rows: list[list[bytes]]
    end: int
    empty_lines: int = 0
    literal_quotes: int = 0
    escapes: int = 0        # backslash escapes read inside quoted fields (when reading with escapes)


def parse_rows(data: bytes, pos: int, stop: int, end: int, delimiter: bytes, final: bool,
               max_rows: int | None = None, escape: bool = False) -> Rows:
    """Records starting at ``pos`` until one ends at or past ``stop`` (or ``max_rows`` are read).

    Empty lines are skipped and counted (rule 3). A record may run past
    ``stop`` up to ``end``; the answer stops before a record that needs bytes
    past ``end`` while ``final`` is False (``Rows.end`` says where to go on).
    Lines without a quote, the common case, are split at C speed.
    """
    result = Rows([], pos)
    rows = result.rows
    while pos < min(stop, end) and (max_rows is None or len(rows) < max_rows):
        try:
            byte = data[pos]
            if byte == LF or byte == CR:
                pos = _after_break(data, pos, end, final)
                result.empty_lines += 1
                result.end = pos
                continue
            brk = BREAK.search(data, pos, end)
            if brk is None and not final:
                raise NeedMore
            line_end = brk.start() if brk else end
            if data.find(b'"', pos, line_end) < 0:
                line = data[pos:line_end]
                pos = _after_break(data, line_end, end, final) if brk else end
                rows.append(line.split(delimiter) if delimiter else [line])
            else:
                cells, pos, literal, escapes = parse_record(data, pos, end, delimiter, final, escape)
                rows.append(cells)
                result.literal_quotes += literal
                result.escapes += escapes
        except NeedMore:
            break
        result.end = pos
    return result
