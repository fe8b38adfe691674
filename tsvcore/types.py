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
        for i, column in enumerate(columns):
            if not self.candidates[i]:
                continue
            values = pc.filter(column, pc.not_equal(column, ''))
            if len(values) == 0:
                continue
            self.seen_value[i] = True
            for kind in list(self.candidates[i]):
                if not pc.all(pc.match_substring_regex(values, PATTERNS[kind])).as_py():
                    self.candidates[i].discard(kind)
                elif kind in (DATE, DATETIME) and not _parses_as_time(values, kind):
                    self.candidates[i].discard(kind)

    def types(self) -> list[str]:
        result = []
        for candidates, seen in zip(self.candidates, self.seen_value):
            kind = next((k for k in PATTERNS if k in candidates), TEXT) if seen else TEXT
            result.append(kind)
        return result


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
