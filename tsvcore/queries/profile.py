"""A column at a glance: type, empties, distinct values, range, top values, histogram.

Computed once per version and column with Arrow kernels over the stored
(memory-mapped) column, never as Python objects per cell.

Cells are shown as written (rule 8), here too: min and max are the cells that
hold the smallest and largest typed value (the first in file order on a tie),
not a number printed back, so ``1.00`` stays ``1.00``. Histogram bins are a
whole number of the data's own steps (the integers' 1, ``0.01`` for cells with
two decimals, a day, a minute...), rounded to 1, 2 or 5 times a power of ten
of those steps (or a round span of time), and their edges are written with
the data's precision and decimal mark.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..reading.types import DATE, DATETIME, DECIMAL_COMMA, INTEGER, NUMBER, NUMERIC, TZ_SUFFIX, sort_key

TOP = 10
BINS = 20
EXACT = 2 ** 52          # whole numbers a float64 holds exactly (with room for a subtraction)
MAX_DECIMALS = 15        # past this a float holds no more digits: numbers are shown like 1.5e-18
NUMBER_STEPS = (1,)      # then 2, 5, 10, 20, 50... (see _step)
SECOND = 1_000_000       # datetimes are counted in microseconds
DAY_STEPS = (1, 2, 7, 14, 30)  # past two weeks, bins are calendar months (_by_month)
MONTH_STEPS = (1, 2, 3, 6, 12)  # then 24, 60, 120, 240... months
YEAR_ONE = (1 - 1970) * 12      # January of year 1, in months since 1970
TIME_STEPS = tuple(s * SECOND for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800,
                                        21600, 43200)) + tuple(d * 86400 * SECOND for d in DAY_STEPS)
SUBSECOND_STEPS = tuple(m * 10 ** p for p in range(6) for m in (1, 2, 5))
DAY = 86400 * SECOND


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
        keys = sort_key(column, kind)  # empty cells and missing-value tokens (NA, null...) are null
        if keys.null_count < len(keys):
            low, high = pc.min_max(keys).values()
            first = column[pc.index(keys, low).as_py()].as_py()   # the cells as written
            last = column[pc.index(keys, high).as_py()].as_py()
            result['min'], result['max'] = first, last
            result['histogram'] = _histogram(column, keys, kind, low, high, first, last)
    return result


def _histogram(column: pa.ChunkedArray, keys: pa.ChunkedArray | pa.Array, kind: str,
               low: pa.Scalar, high: pa.Scalar, first: str, last: str) -> dict | None:
    """Counts in equal bins ``[edges[i], edges[i + 1])`` of the data's own steps; edges written like the data."""
    texts = column  # read for how cells are written: empty cells and NA, null... show no digits, point or time
    if kind == INTEGER:
        try:
            lo, hi = int(first), int(last)  # exact at any size
        except ValueError:
            return None  # past Python's 4,300 digits
        if (int(low.as_py()), int(high.as_py())) != (lo, hi):
            return None  # keys that are not the values (ranks past 76 digits, types._by_digits): no honest bins
        units, steps, label = _numpy(keys), NUMBER_STEPS, _fixed(0)
    elif kind in (NUMBER, DECIMAL_COMMA):
        point = ',' if kind == DECIMAL_COMMA else '.'
        decimals = _decimals(texts, point)
        if kind == NUMBER and (decimals > MAX_DECIMALS or pc.any(pc.match_substring(texts, 'e', ignore_case=True)).as_py()
                               and pc.any(pc.match_substring_regex(texts, '[0-9][eE]')).as_py()):  # not the e of None
            return _scientific(keys, low.as_py(), high.as_py())
        decimals = min(decimals, MAX_DECIMALS)
        biggest = max(abs(low.as_py()), abs(high.as_py()))
        while decimals and biggest * 10 ** decimals >= EXACT:
            decimals -= 1  # more digits than a float holds: show what it does hold
        scale = 10 ** decimals
        lo, hi = round(low.as_py() * scale), round(high.as_py() * scale)
        units = np.rint(_numpy(keys) * scale)
        group = '.' if kind == DECIMAL_COMMA and pc.any(pc.match_substring(texts, '.')).as_py() else ''
        steps, label = NUMBER_STEPS, _fixed(decimals, point, group)
    elif kind == DATE:
        lo, hi = low.value, high.value  # days since 1970-01-01
        units, steps = _numpy(pc.cast(keys, pa.int32())), DAY_STEPS
        label = lambda n: str(np.datetime64(n, 'D'))  # numpy writes years past 9999 too
    else:
        lo, hi = low.value, high.value  # microseconds since 1970-01-01 UTC
        units = _numpy(pc.cast(keys, pa.int64()))
        digits = _decimals(pc.replace_substring_regex(texts, TZ_SUFFIX, ''), '.')  # of the seconds
        shows_seconds = digits or pc.any(pc.match_substring_regex(texts, r'[T ][0-9]{2}:[0-9]{2}:')).as_py()
        resolution = 10 ** (6 - min(digits, 6)) if shows_seconds else 60 * SECOND
        steps = tuple(s for s in SUBSECOND_STEPS + TIME_STEPS if s % resolution == 0)
        sep = ' ' if pc.any(pc.match_substring_regex(texts, '^.{10} ')).as_py() else 'T'
        label = _moment(sep, 'seconds' if shows_seconds else 'minutes', min(digits, 6))
    width = _step(hi - lo, steps)
    if kind == DATE and width > 14 or kind == DATETIME and width > 14 * DAY:
        return _by_month(units, kind, label)  # months and years, not runs of 30 or 365 days
    if kind == DATE or (kind == DATETIME and width >= DAY):
        start = lo if kind == DATE else lo // DAY * DAY  # a week or a month starts with the first day, not on a Thursday
    else:
        start = lo // width * width  # round numbers (0, 1000.00, 2000.00...), whole hours
    bins = (hi - start) // width + 1
    counts = _counts(units, start, width, bins, hi)
    return {'edges': [label(start + i * width) for i in range(bins + 1)], 'counts': counts}


def _by_month(units: np.ndarray, kind: str, label: Callable[[int], str]) -> dict:
    """Dates or moments over months or years, counted in calendar months from the first of a month."""
    months = units.astype('datetime64[D]' if kind == DATE else 'datetime64[us]').astype('datetime64[M]').astype(np.int64)
    lo, hi = int(months.min()), int(months.max())
    width = _step(hi - lo, MONTH_STEPS)
    start = lo // width * width  # quarters, half-years, years (and 5 or 10 years) as the calendar has them
    start = max(start, min(lo, YEAR_ONE))  # not before the calendar's year 1 (numpy would write -030-01-01)
    bins = (hi - start) // width + 1
    counts = _counts(months, start, width, bins, hi)
    per_unit = 1 if kind == DATE else DAY

    def first_day(month: int) -> str:
        return label(int(np.datetime64(month, 'M').astype('datetime64[D]').astype(np.int64)) * per_unit)
    return {'edges': [first_day(start + i * width) for i in range(bins + 1)], 'counts': counts}


def _step(span: int, steps: tuple[int, ...]) -> int:
    """The smallest step that makes at most BINS bins of ``span``: one of ``steps``, then 2, 5, 10, 20, 50...
    times the last of them."""
    for step in steps:
        if step * BINS >= span:
            return step
    scale = steps[-1]
    while True:
        for step in (scale * 2, scale * 5, scale * 10):
            if step * BINS >= span:
                return step
        scale *= 10


def _counts(numbers: np.ndarray, start: int, width: int, bins: int, hi: int) -> list[int]:
    """How many values fall in each bin: in whole numbers where they fit, else in floats (integers past 62 bits)."""
    whole = np.issubdtype(numbers.dtype, np.integer) and -2 ** 62 < start and hi < 2 ** 62
    if whole or (-EXACT < start and hi < EXACT):
        index = (numbers.astype(np.int64) - start) // width
    else:
        index = np.floor((numbers.astype(np.float64) - float(start)) / float(width)).astype(np.int64)
    return np.bincount(np.clip(index, 0, bins - 1), minlength=bins).tolist()


def _numpy(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """The non-null values as numbers (decimals, that is integers past 64 bits, as floats)."""
    values = values.drop_null()
    if pa.types.is_decimal(values.type):
        values = pc.cast(values, pa.float64())
    return np.asarray(values.to_numpy(), dtype=np.float64 if pa.types.is_floating(values.type) else None)


def _decimals(texts: pa.ChunkedArray, point: str) -> int:
    """The most digits any cell shows after its decimal mark."""
    position = pc.find_substring(texts, point)
    after = pc.subtract(pc.subtract(pc.binary_length(texts), position), 1)
    return int(pc.max(pc.if_else(pc.less(position, 0), 0, after)).as_py() or 0)


def _fixed(decimals: int, point: str = '.', group: str = '') -> Callable[[int], str]:
    """Writes n steps of 10**-decimals exactly (no float on the way), with the data's decimal mark."""
    def label(n: int) -> str:
        digits = str(abs(n)).rjust(decimals + 1, '0')
        whole, fraction = (digits[:-decimals], digits[-decimals:]) if decimals else (digits, '')
        if group:
            whole = f'{int(whole):,}'.replace(',', group)
        return ('-' if n < 0 else '') + whole + (point + fraction if decimals else '')
    return label


def _moment(sep: str, timespec: str, digits: int) -> Callable[[int], str]:
    """Writes a moment (microseconds since 1970, UTC) to the minute, the second or as many decimals as the data."""
    cut = 10 if timespec == 'minutes' else 6 - digits + (digits == 0)  # of YYYY-MM-DDTHH:MM:SS.ffffff

    def label(n: int) -> str:
        text = str(np.datetime_as_string(np.datetime64(n, 'us'), unit='us'))
        return text[:len(text) - cut].replace('T', sep)
    return label


def _scientific(keys: pa.ChunkedArray | pa.Array, low: float, high: float) -> dict:
    """Numbers some cell writes with an exponent (1e3, 2.5E-4): round steps, edges with as many digits as they need."""
    span = high - low
    if span <= 0:
        power = 10.0 ** np.floor(np.log10(abs(low))) if low else 1.0
        width = power
    else:
        power = 10.0 ** np.floor(np.log10(span / BINS))
        width = next(s * power for s in (1, 2, 5, 10) if s * power * BINS >= span)
    start = np.floor(low / width) * width
    bins = int((high - start) // width) + 1
    index = np.floor((_numpy(keys) - start) / width).astype(np.int64)
    counts = np.bincount(np.clip(index, 0, bins - 1), minlength=bins).tolist()
    digits = max(1, int(np.ceil(np.log10(max(abs(start), abs(high), width) / width))) + 1)
    return {'edges': [f'{start + i * width:.{digits}g}' for i in range(bins + 1)], 'counts': counts}
