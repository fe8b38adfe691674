"""Column types: inferred from every non-empty cell, used only to order rows.

Cells stay strings forever (rule 8); a type only decides sort order and
alignment (rules 9 and 10). Inference runs batch by batch while a file is
ingested, so it sees all values without holding the table.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

INTEGER, NUMBER, DATE, DATETIME, BOOLEAN, TEXT = 'integer', 'number', 'date', 'datetime', 'boolean', 'text'
NUMERIC = {INTEGER, NUMBER}

# Checked in this order; the first type that every non-empty value fits wins.
PATTERNS: dict[str, str] = {
    BOOLEAN: r'(?i)^(true|false)$',
    INTEGER: r'^[+-]?[0-9]+$',
    NUMBER: r'^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$',
    DATE: r'^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
    DATETIME: r'^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$',
}
ANY_OR_EMPTY = {kind: f'^$|{pattern}' if not pattern.startswith('(?i)') else f'(?i)^$|{pattern[4:]}'
                for kind, pattern in PATTERNS.items()}
BOOLEAN_SPELLINGS = pa.array(['', 'true', 'false', 'TRUE', 'FALSE', 'True', 'False'])
TZ_SUFFIX = r'(Z|[+-][0-9]{2}:?[0-9]{2})$'


class TypeGuesser:
    """Narrows each column's possible types as batches of cells go by."""

    def __init__(self, width: int) -> None:
        self.candidates: list[set[str]] = [set(PATTERNS) for _ in range(width)]
        self.seen_value = [False] * width

    def widen(self, width: int) -> None:
        while len(self.candidates) < width:
            self.candidates.append(set(PATTERNS))
            self.seen_value.append(False)

    def feed(self, columns: list[pa.Array | pa.ChunkedArray]) -> None:
        """Drop the types some value in this batch does not fit.

        Patterns accept the empty string, so no filtering copy is made. Only
        the most specific remaining type is checked on the whole batch: an
        integer column is a number column too, so that check is skipped.
        """
        for i, column in enumerate(columns):
            candidates = self.candidates[i]
            if not candidates:
                continue
            if not self.seen_value[i]:
                if pc.all(pc.equal(column, '')).as_py():
                    continue
                self.seen_value[i] = True
            sample = column.slice(0, 256)
            for kind in [k for k in PATTERNS if k in candidates]:  # a small sample rules most types out cheaply
                if not _fits(sample, kind):
                    candidates.discard(kind)
            for kind in [k for k in PATTERNS if k in candidates]:
                if _fits(column, kind):
                    break  # everything less specific (number after integer) fits too
                candidates.discard(kind)

    def types(self) -> list[str]:
        result = []
        for candidates, seen in zip(self.candidates, self.seen_value):
            kind = next((k for k in PATTERNS if k in candidates), TEXT) if seen else TEXT
            result.append(kind)
        return result


def _fits(values: pa.Array | pa.ChunkedArray, kind: str) -> bool:
    """Every value of ``values`` is empty or of type ``kind``.

    Arrow's casts are 4-5x faster than its regular expressions, so a cast
    decides when it agrees exactly with the pattern; where a cast is more
    lenient (0x10 as an integer, nan or inf as a number) or stricter (+5 as
    an integer), the pattern has the last word.
    """
    if kind == INTEGER:
        # plain digits (or empty) are the common case, decided without a copy or a cast
        if pc.all(pc.or_(pc.ascii_is_decimal(values), pc.equal(values, ''))).as_py():
            return True
        if not pc.any(pc.match_substring(values, 'x')).as_py() and _casts(values, pa.int64()):
            return True
    elif kind == NUMBER:
        numbers = _casts(values, pa.float64(), keep=True)
        if numbers is not None and not pc.any(pc.invert(pc.is_finite(numbers))).as_py() \
                and not pc.any(pc.match_substring(values, 'x')).as_py():
            return True
    elif kind == DATE:
        return _casts(values, pa.date32())  # Arrow takes exactly YYYY-MM-DD, as the rule does
    elif kind == BOOLEAN:
        if pc.all(pc.is_in(values, BOOLEAN_SPELLINGS)).as_py():
            return True
    if not pc.all(pc.match_substring_regex(values, ANY_OR_EMPTY[kind])).as_py():
        return False
    if kind == DATETIME:
        return _parses_as_time(_empty_as_null(values), kind)
    return True


def _empty_as_null(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    empty = pc.equal(values, '')
    if not pc.any(empty).as_py():
        return values  # no copy when there is nothing to blank out (most typed columns)
    return pc.if_else(empty, pa.scalar(None, pa.string()), values)


def _casts(values: pa.Array | pa.ChunkedArray, to: pa.DataType, keep: bool = False):
    try:
        cast = pc.cast(_empty_as_null(values), to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None if keep else False
    return cast if keep else True


def _parses_as_time(values: pa.Array, kind: str) -> bool:
    """The pattern admits 2024-13-45; a real calendar does not."""
    try:
        time_key(values, kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def time_key(values: pa.Array | pa.ChunkedArray, kind: str) -> pa.Array | pa.ChunkedArray:
    """Dates as date32; datetimes as UTC timestamps (naive ones taken as UTC)."""
    if kind == DATE:
        return pc.cast(values, pa.date32())
    has_tz = pc.match_substring_regex(values, TZ_SUFFIX)
    naive = pc.cast(pc.if_else(has_tz, pa.scalar(None, pa.string()), values), pa.timestamp('us'))
    aware = pc.cast(pc.if_else(has_tz, values, pa.scalar(None, pa.string())), pa.timestamp('us', tz='UTC'))
    return pc.coalesce(naive, pc.cast(aware, pa.timestamp('us')))


def sort_key(column: pa.ChunkedArray, kind: str) -> pa.ChunkedArray | pa.Array:
    """A typed array whose order is the column's order; empty cells are null.

    Nulls sort last in both directions (rule 10), which is why empties become
    null here rather than a smallest value.
    """
    empty = pc.equal(column, '')
    values = pc.if_else(empty, pa.scalar(None, pa.string()), column)
    if kind == INTEGER:
        plain = pc.replace_substring_regex(values, r'^\+', '')
        try:
            return pc.cast(plain, pa.int64())
        except pa.ArrowInvalid:  # beyond 64 bits: order as floating point
            return pc.cast(plain, pa.float64())
    if kind == NUMBER:
        return pc.cast(pc.replace_substring_regex(values, r'^\+', ''), pa.float64())
    if kind == BOOLEAN:
        return pc.equal(pc.utf8_lower(values), 'true')
    if kind in (DATE, DATETIME):
        return time_key(values, kind)
    # Text orders by the code points of its case-folded form; Arrow's lower-casing
    # is the closest vectorised fold (it differs from casefold() only for ß-like cases).
    return pc.utf8_lower(values)
