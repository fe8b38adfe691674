"""Column filters: ``COLUMN__OP=VALUE``, as Datasette spells them, for the API, the page and downloads.

A filter keeps the rows whose cell in one column passes one test; several
filters (and the search) combine with AND. Comparisons are typed where the
column is: numbers by value, dates by date, text in the sort order (case
folded), through the same ``sort_key`` that orders the column, so a filter
and a sort never disagree. Empty cells (and missing-value tokens in typed
columns) pass no comparison; ``isblank`` finds them.

Shapes: ``parse(params, meta) -> tuple[Filter, ...]`` raises BadParameter with
a sentence naming an unknown column or operator, or a value the column's type
cannot compare; ``mask(table, meta, filter) -> ChunkedArray[bool]``.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import BadParameter
from ..reading.types import MISSING, TEXT, sort_key
from .keys import typed_key

TEXT_TESTS = ('exact', 'not', 'contains', 'notcontains', 'startswith', 'endswith')
ORDER_TESTS = ('gt', 'gte', 'lt', 'lte')
OPERATORS = TEXT_TESTS + ORDER_TESTS + ('in', 'isblank', 'notblank')
# What the ordered tests compute, by name.
COMPARE = {'gt': pc.greater, 'gte': pc.greater_equal, 'lt': pc.less, 'lte': pc.less_equal}


@dataclass(frozen=True)
class Filter:
    """One test on one column; ``value`` as given (a JSON array or commas for ``in``)."""

    column: str
    op: str
    value: str

    @property
    def param(self) -> tuple[str, str]:
        """The query parameter that says it again: ``(column__op, value)``."""
        return f'{self.column}__{self.op}', self.value


def parse(params: Iterable[tuple[str, str]], meta: dict) -> tuple[Filter, ...]:
    """The filters among query parameters: every name holding ``__`` (the column is what comes before
    the last one). Other parameters are left to their readers."""
    names = [c['name'] for c in meta['columns']]
    found = []
    for key, value in params:
        if '__' not in key:
            continue
        column, op = key.rsplit('__', 1)
        if column not in names:
            raise BadParameter(f'There is no column named "{column[:80]}" to filter on.')
        if op not in OPERATORS:
            raise BadParameter(f'"{op[:40]}" is not a filter; use one of {", ".join(OPERATORS)}.')
        found.append(Filter(column, op, value))
    return tuple(sorted(found, key=lambda f: (f.column, f.op, f.value)))  # one order: one cache key


def mask(table: pa.Table, meta: dict, test: Filter,
         keys_of: Callable[[int], pa.ChunkedArray | pa.Array] | None = None) -> pa.ChunkedArray:
    """Which rows pass ``test`` (nulls count as not passing).

    ``keys_of(column index)`` gives the column's sort keys; the engine passes
    its cached ones (the same a sort uses), else they are made here.
    """
    names = [c['name'] for c in meta['columns']]
    index = names.index(test.column)
    column, kind = table.column(index), meta['columns'][index]['type']
    if test.op in ('isblank', 'notblank'):
        blank = pc.equal(column, '') if kind == TEXT else pc.is_in(column, MISSING)
        wanted = test.value.strip().lower() not in ('0', 'false', 'no')
        return blank if (test.op == 'isblank') == wanted else pc.invert(blank)
    if test.op in TEXT_TESTS:
        return _text_test(column, test)
    if test.op == 'in':
        return pc.is_in(column, pa.array(in_values(test.value), pa.string()))
    keys = keys_of(index) if keys_of is not None else typed_key(column, kind)
    bound = _bound(test, kind)
    if bound.type != keys.type:  # e.g. an int64 column and a bound past 64 bits, or the other way round
        try:
            bound = bound.cast(keys.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            keys = pc.cast(keys, bound.type)
    return pc.fill_null(COMPARE[test.op](keys, bound), False)


def _text_test(column: pa.ChunkedArray, test: Filter) -> pa.ChunkedArray:
    value = test.value
    if test.op == 'exact':
        return pc.equal(column, value)
    if test.op == 'not':
        return pc.not_equal(column, value)
    if test.op in ('contains', 'notcontains'):
        hit = pc.match_substring(column, value, ignore_case=value.lower() != value.upper())
        return hit if test.op == 'contains' else pc.invert(hit)
    if test.op == 'startswith':
        return pc.starts_with(column, value, ignore_case=True)
    return pc.ends_with(column, value, ignore_case=True)


def in_values(raw: str) -> list[str]:
    """``in``: a JSON array of strings (or numbers), else values separated by commas."""
    text = raw.strip()
    if text.startswith('['):
        try:
            values = json.loads(text)
        except ValueError:
            raise BadParameter(f'"{raw[:60]}" is not a JSON array.') from None
        if not isinstance(values, list):
            raise BadParameter('in takes a JSON array or values separated by commas.')
        return [v if isinstance(v, str) else json.dumps(v) for v in values]
    return raw.split(',')


def _bound(test: Filter, kind: str) -> pa.Scalar:
    """The value as the column's sort key, so that it compares as the column sorts."""
    try:
        key = sort_key(pa.chunked_array([pa.array([test.value], pa.string())]), kind)
        bound = key.chunk(0)[0] if isinstance(key, pa.ChunkedArray) else key[0]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, IndexError):
        bound = None
    if bound is None or not bound.is_valid:
        raise BadParameter(f'{test.column}__{test.op} compares {kind} values; "{test.value[:40]}" is not one.')
    return bound
