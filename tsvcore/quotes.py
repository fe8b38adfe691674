"""Where PyArrow may read a stretch of bytes: a vectorised check of its quotes and line breaks.

PyArrow's CSV reader is 20-100x faster than any Python loop, but it reads
quotes more leniently than rule 5 (``"ab"cd`` becomes ``abcd``, an unclosed
quote swallows the rest of the file). This module finds, in a few numpy
passes over the raw bytes, the longest prefix of whole records in which every
quote is either literal for both readers or part of a well-formed quoted
field (RFC 4180: it opens at a field start, closes before the delimiter or a
line break, ``""`` inside), so that PyArrow with quoting on reads exactly what
rule 5 says. Whatever follows that prefix goes, record by record, to the
careful reader (``records.py``).

Pairing quotes by count is what makes it vectorised: inside a stretch that
starts at a record boundary, a well-formed stretch alternates opening and
closing quotes, a doubled quote being a close immediately followed by a
re-open. Checked with hypothesis against the careful reader (tests/test_quotes.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

QUOTE, LF, CR = 0x22, 0x0A, 0x0D


@dataclass(frozen=True)
class Scan:
    """The verdict on ``raw[:len]``.

    ``safe``: bytes ``[0, safe)`` are whole records PyArrow reads exactly.
    ``quoted``: some field in that prefix starts with a quote (read with quoting on).
    ``malformed``: the prefix stopped at a record with a quote rule 5 reads
    differently from PyArrow (it goes to the careful reader); otherwise the rest
    is a record that is not complete yet.
    ``records``: the record boundaries in ``(0, safe]`` (indexes after a line break),
    which split the prefix for a retry in halves.
    ``lines``: records plus empty lines in ``[0, safe)``: line breaks not inside a
    quoted field, and an unfinished last line at the end of the file.
    """

    safe: int
    quoted: bool
    malformed: bool
    records: np.ndarray
    lines: int


def record_ends(raw: np.ndarray, final: bool) -> np.ndarray:
    """Indexes just past each line break: LF, CRLF (once) or a lone CR.

    A CR at the very end is left out unless ``final``: it may be half of a CRLF.
    """
    lf = np.flatnonzero(raw == LF)
    cr = np.flatnonzero(raw == CR)
    if len(cr) == 0:
        return lf + 1
    n = len(raw)
    following = raw[np.minimum(cr + 1, n - 1)]
    lone = cr[(cr + 1 < n) & (following != LF) | ((cr + 1 == n) & final)]
    return np.sort(np.concatenate((lf, lone))) + 1


def scan(raw: np.ndarray, delimiter: str, final: bool) -> Scan:
    """Judge ``raw`` (uint8, starting at a record boundary); ``final`` when nothing follows it."""
    n = len(raw)
    ends = record_ends(raw, final)
    quotes = np.flatnonzero(raw == QUOTE)
    delim = ord(delimiter) if delimiter else LF
    if len(quotes):
        before = raw[np.maximum(quotes - 1, 0)]
        at_start = (quotes == 0) | (before == delim) | (before == LF) | (before == CR)
        if not at_start.any():
            quotes = quotes[:0]  # every quote is inside a field: literal text for both readers
    if len(quotes) == 0:
        safe = n if final else (int(ends[-1]) if len(ends) else 0)
        return Scan(safe, False, False, ends, _lines(raw, ends, safe, final))
    first_bad, malformed = _first_bad_quote(raw, quotes, at_start, delim, final)
    # a record boundary is a line break with an even number of quotes before it
    parity = np.searchsorted(quotes, ends - 1) % 2 == 0
    boundaries = ends[parity]
    limit = n if first_bad is None else int(quotes[first_bad])
    if first_bad is None and final:
        safe = n
    else:
        inside = boundaries[boundaries <= limit]
        safe = int(inside[-1]) if len(inside) else 0
    quoted = bool(at_start[quotes < safe].any())
    return Scan(safe, quoted, malformed, boundaries[boundaries <= safe], _lines(raw, boundaries, safe, final))


def _lines(raw: np.ndarray, ends: np.ndarray, safe: int, final: bool) -> int:
    """Records and empty lines before ``safe``: the breaks, and a last line without one."""
    lines = int(np.searchsorted(ends, safe, side='right'))
    if final and safe == len(raw) and safe and raw[-1] != LF and raw[-1] != CR:
        lines += 1
    return lines


def _first_bad_quote(raw: np.ndarray, quotes: np.ndarray, at_start: np.ndarray, delim: int,
                     final: bool) -> tuple[int | None, bool]:
    """The first quote PyArrow and rule 5 may read differently, or that is not decided yet.

    Returns its index into ``quotes`` (None when every quote is fine) and
    whether it is wrong for good (malformed) rather than waiting for more bytes.
    """
    n = len(raw)
    count = len(quotes)
    adjacent = quotes[1:] == quotes[:-1] + 1          # quote k+1 right after quote k
    opens_ok = at_start.copy()
    opens_ok[1:] |= adjacent                           # a re-open after a close: a doubled quote
    after = raw[np.minimum(quotes + 1, n - 1)]
    closes_ok = (after == delim) | (after == LF) | (after == CR)
    closes_ok[:-1] |= adjacent
    at_end = quotes + 1 >= n
    closes_ok = np.where(at_end, final, closes_ok)      # undecided until the next byte is known
    is_open = np.arange(count) % 2 == 0
    ok = np.where(is_open, opens_ok, closes_ok)
    if count % 2:
        ok[-1] = False                                  # an open quote that has not closed (yet)
    bad = np.flatnonzero(~ok)
    if not len(bad):
        return None, False
    first = int(bad[0])
    waiting = not final and ((is_open[first] and first == count - 1 and opens_ok[first])
                             or (not is_open[first] and bool(at_end[first])))
    return first, not waiting
