"""Cells as typed values, for the downloads that carry types (Parquet and XLSX).

Cells are strings (rule 8); a typed download gives a column its type only
where nothing a reader needs is lost. The rule, decided once per column of a
version (so every view of a version downloads with the same types):

- A typed column's empty cells and missing-value tokens (``NA``, ``null``...,
  ``types.MISSING_TOKENS``) become null. They say "no value" (issue #12), so
  this is counted as lossless even though which token was written is not kept.
- Every other cell must convert and keep its value; if one does not, the
  whole column stays text, every cell as written (``007`` stays ``007``).
  The value survives, not the spelling. By column type:

  - integer -> int64 (Parquet) / a number (XLSX): every value written
    canonically (no leading zero, no ``+``, no ``-0``), within 18 digits
    (always inside int64), or 15 for Excel (its precision);
  - number, decimal comma -> float64 / a number: at most 15 significant
    digits (what a double gives back exactly) and 0 or 1e-307 to 1e308 in
    size; ``1.50`` comes back as 1.5, ``1.234,5`` as 1234.5, ``1e3`` as 1000;
  - date -> date32 / a date shown yyyy-mm-dd: years from 0001 (from 1900 in
    Excel, whose dates start there);
  - datetime -> timestamp[us] / a date-time: no time zone; or, Parquet only,
    every value with one -> timestamp[us, UTC] (the instant survives, the
    offset written does not); years as for dates; at most milliseconds in Excel;
  - boolean -> bool / TRUE or FALSE: always (``TRUE`` and ``true`` are one value);
  - text: never converted, every cell as written, ``''`` included (not null).

Integers past those digits stay text rather than become decimals: pandas
reads a decimal column as Python objects and Excel holds 15 digits.

Shapes: ``plan(column, kind, excel) -> pa.DataType`` (``pa.string()`` where the
column stays text), decided chunk by chunk so a ten-million-row column never
has a copy made whole; ``convert(cells, kind, to) -> pa.Array`` (or ChunkedArray) for one batch.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..reading.types import BOOLEAN, DATE, DATETIME, DECIMAL_COMMA, INTEGER, MISSING, NUMBER, TZ_SUFFIX, sort_key

STRING = pa.string()
# Canonical integers: what int64 (18 digits always fit) or Excel (15 significant digits) gives back as written.
CANONICAL_INTEGER = {False: r'^(0|-?[1-9][0-9]{0,17})$', True: r'^(0|-?[1-9][0-9]{0,14})$'}
MOST_DIGITS = 15            # significant digits a double always gives back (DBL_DIG)
SMALLEST, LARGEST = 1e-307, 1e308   # normal doubles, where those digits hold
EXCEL_EPOCH = '1900-01-01'  # Excel's first date
TIMESTAMP, TIMESTAMP_UTC = pa.timestamp('us'), pa.timestamp('us', tz='UTC')


def plan(column: pa.ChunkedArray, kind: str, excel: bool = False) -> pa.DataType:
    """The type a column is written as: typed where every value converts without loss, else string."""
    if kind == BOOLEAN:
        return pa.bool_()
    if kind not in (INTEGER, NUMBER, DECIMAL_COMMA, DATE, DATETIME):
        return STRING
    zones: set[bool] = set()   # datetimes: which of naive (False) and zoned (True) occur
    for chunk in column.chunks:
        values = pc.filter(chunk, pc.invert(pc.is_in(chunk, MISSING)))
        if len(values) and not _converts(values, kind, excel, zones):
            return STRING
    if kind == DATETIME:
        if len(zones) > 1 or (excel and True in zones):
            return STRING   # a mix of zoned and naive times has no one type; Excel has no time zones
        return TIMESTAMP_UTC if True in zones else TIMESTAMP
    return {INTEGER: pa.int64(), NUMBER: pa.float64(), DECIMAL_COMMA: pa.float64(), DATE: pa.date32()}[kind]


def _converts(values: pa.Array, kind: str, excel: bool, zones: set[bool]) -> bool:
    """Every value (none missing) of a typed chunk keeps its value under ``plan``'s rule."""
    if kind == INTEGER:
        return _all(pc.match_substring_regex(values, CANONICAL_INTEGER[excel]))
    if kind in (NUMBER, DECIMAL_COMMA):
        return _numbers_hold(values, kind)
    first = EXCEL_EPOCH if excel else '0001-01-01'
    if not _all(pc.greater_equal(values, first)):  # YYYY-MM-DD... compares as text
        return False
    if kind == DATETIME:
        zoned = pc.match_substring_regex(values, TZ_SUFFIX)
        zones.update(v for v in (True, False) if pc.any(pc.equal(zoned, v)).as_py())
        if excel and pc.any(pc.match_substring_regex(values, r'\.[0-9]{4}')).as_py():
            return False   # Excel keeps milliseconds
    return True


def _numbers_hold(values: pa.Array, kind: str) -> bool:
    """At most 15 significant digits, and a size a double holds at full precision."""
    if kind == DECIMAL_COMMA:   # 1.234,50 -> 1234.50
        values = pc.replace_substring(pc.replace_substring(values, '.', ''), ',', '.')
    mantissa = pc.replace_substring_regex(values, r'[eE].*$', '')
    digits = pc.replace_substring_regex(pc.replace_substring_regex(mantissa, r'[^0-9]', ''), r'^0+|0+$', '')
    if (pc.max(pc.utf8_length(digits)).as_py() or 0) > MOST_DIGITS:
        return False
    size = pc.abs(pc.cast(pc.replace_substring_regex(values, r'^\+', ''), pa.float64()))
    return _all(pc.or_(pc.equal(size, 0), pc.and_(pc.greater_equal(size, SMALLEST), pc.less(size, LARGEST))))


def _all(mask: pa.Array) -> bool:
    return bool(pc.all(mask).as_py())


def convert(cells: pa.Array | pa.ChunkedArray, kind: str, to: pa.DataType) -> pa.Array | pa.ChunkedArray:
    """One batch of a column as ``to`` (from ``plan``): typed values with nulls for missing ones, or the cells."""
    if to == STRING:
        return cells
    chunked = cells if isinstance(cells, pa.ChunkedArray) else pa.chunked_array([cells], STRING)
    values = sort_key(chunked, kind)  # the engine's one parser of each type
    return values.cast(to)  # int64 stays; naive UTC from sort_key becomes zoned UTC for zoned columns
