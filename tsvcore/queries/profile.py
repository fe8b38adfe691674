"""A column at a glance: type, empties, distinct values, range, top values, histogram.

Computed once per version and column with Arrow kernels over the stored
(memory-mapped) column, never as Python objects per cell.
"""
from __future__ import annotations

import datetime as dt
import decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..reading.types import DATE, DATETIME, NUMERIC, sort_key

TOP = 10
BINS = 20


def profile(column: pa.ChunkedArray, kind: str) -> dict:
    """The profile of one column of a stored version (``kind`` is its inferred type)."""
    rows = len(column)
    empty = pc.sum(pc.equal(column, '')).as_py() or 0 if rows else 0
    values = pc.filter(column, pc.not_equal(column, '')) if empty else column
    counts = pc.value_counts(values) if len(values) else pa.StructArray.from_arrays(
        [pa.array([], pa.string()), pa.array([], pa.int64())], names=['values', 'counts'])
    order = pc.sort_indices(counts.field('counts'), sort_keys=[('x', 'descending')]) if len(counts) else []
    top = [{'value': counts.field('values')[i].as_py(), 'count': counts.field('counts')[i].as_py()}
           for i in (order.to_pylist()[:TOP] if len(counts) else [])]
    result = {'type': kind, 'rows': rows, 'empty': int(empty), 'distinct': len(counts), 'top': top,
              'min': None, 'max': None, 'histogram': None}
    if kind in NUMERIC or kind in (DATE, DATETIME):
        keys = sort_key(column, kind).drop_null()
        if len(keys):
            low, high = pc.min_max(keys).values()
            result['min'], result['max'] = _show(low.as_py()), _show(high.as_py())
            result['histogram'] = _histogram(keys, kind)
    return result


def _show(value) -> str | float | int:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):  # integers past 64 bits: exact, as text
        return str(int(value))
    return value


def _histogram(keys: pa.ChunkedArray | pa.Array, kind: str) -> dict:
    """Counts in equal-width bins; dates and datetimes bin by time."""
    if kind == DATE:
        numbers = pc.cast(keys, pa.int32()).to_numpy().astype(np.float64)
    elif kind == DATETIME:
        numbers = pc.cast(keys, pa.int64()).to_numpy().astype(np.float64)
    else:
        numbers = np.asarray(keys.to_numpy(), dtype=np.float64)
    numbers = numbers[np.isfinite(numbers)]
    if not len(numbers):
        return {'edges': [], 'counts': []}
    counts, edges = np.histogram(numbers, bins=BINS if numbers.min() != numbers.max() else 1)
    if kind == DATE:
        labels = [(dt.date(1970, 1, 1) + dt.timedelta(days=int(e))).isoformat() for e in edges]
    elif kind == DATETIME:
        labels = [(dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=int(e))).isoformat(timespec='minutes')
                  for e in edges]
    else:
        labels = [f'{e:.6g}' for e in edges]
    return {'edges': labels, 'counts': counts.tolist()}
