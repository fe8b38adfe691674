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
        structural = _structural(delim)
        at_start = structural[np.take(raw, quotes - 1, mode='clip')]
        at_start[0] |= quotes[0] == 0
        if not at_start.any():
            quotes = quotes[:0]  # every quote is inside a field: literal text for both readers
    if len(quotes) == 0:
        safe = n if final else (int(ends[-1]) if len(ends) else 0)
        return Scan(safe, False, False, ends, _lines(raw, ends, safe, final))
    first_bad, malformed = _first_bad_quote(raw, quotes, at_start, structural, final)
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


def _structural(delim: int) -> np.ndarray:
    """A lookup table: which byte values end a field (the delimiter, LF, CR)."""
    table = np.zeros(256, dtype=bool)
    table[[delim, LF, CR]] = True
    return table


def _first_bad_quote(raw: np.ndarray, quotes: np.ndarray, at_start: np.ndarray, structural: np.ndarray,
                     final: bool) -> tuple[int | None, bool]:
    """The first quote PyArrow and rule 5 may read differently, or that is not decided yet.

    Returns its index into ``quotes`` (None when every quote is fine) and
    whether it is wrong for good (malformed) rather than waiting for more bytes.
    Written for speed (a quoted CSV has a quote in every five bytes): lookup
    tables and slices rather than comparisons and index arithmetic.
    """
    n = len(raw)
    count = len(quotes)
    adjacent = quotes[1:] == quotes[:-1] + 1          # quote k+1 right after quote k
    ok = structural[np.take(raw, quotes + 1, mode='clip')]   # as a close: the delimiter or a line end follows
    ok[:-1] |= adjacent                                # ...or a quote: a doubled quote
    at_end = bool(quotes[-1] + 1 >= n)
    if at_end:
        ok[-1] = final                                 # undecided until the next byte is known
    opens_ok = at_start.copy()
    opens_ok[1:] |= adjacent                           # a re-open after a close: a doubled quote
    ok[0::2] = opens_ok[0::2]                          # even quotes open, odd ones close
    if count % 2:
        ok[-1] = False                                 # an open quote that has not closed (yet)
    bad = np.flatnonzero(~ok)
    if not len(bad):
        return None, False
    first = int(bad[0])
    is_open = first % 2 == 0
    waiting = not final and ((is_open and first == count - 1 and bool(opens_ok[first]))
                             or (not is_open and first == count - 1 and at_end))
    return first, not waiting
