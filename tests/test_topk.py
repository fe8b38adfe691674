"""First pages of a sort before its whole order exists (issue #14): the same rows as the full sort.

A sorted view's first pages come from a top-k selection while the full order
is computed in the background. Whatever the column, direction, ties, empty
cells, search or filters, every such page must be exactly the page the full
stable sort gives (file order among equal keys, empty cells last both ways);
once the background order is there, pages are slices of it.
"""
from __future__ import annotations

import random
import threading
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tests.helpers import tsv
from tsvcore import PageRequest, QueryEngine
from tsvcore.queries import query
from tsvcore.queries.filters import Filter
from tsvcore.queries.keys import typed_key
from tsvcore.queries.topk import first_rows, full_order, take_few
from tsvcore.reading.types import sort_key

# -- the selection itself, against Arrow's full stable sort -----------------------------------------------


def chunked(values: list, kind: pa.DataType, pieces: int, rng: random.Random) -> pa.ChunkedArray:
    """``values`` cut into ``pieces`` chunks at random places (some chunks empty)."""
    cuts = sorted(rng.randint(0, len(values)) for _ in range(pieces - 1))
    bounds = [0, *cuts, len(values)]
    return pa.chunked_array([pa.array(values[a:b], kind) for a, b in zip(bounds, bounds[1:])], type=kind)


def random_keys(rng: random.Random, n: int) -> Iterator[tuple[str, pa.ChunkedArray]]:
    """Key arrays of every type ``sort_key`` makes, with many ties and nulls."""
    def some(make):
        return [None if rng.random() < 0.2 else make() for _ in range(n)]
    yield 'int64, 4 values', chunked(some(lambda: rng.randint(0, 3)), pa.int64(), 4, rng)
    yield 'int64, spread', chunked(some(lambda: rng.randint(-10**12, 10**12)), pa.int64(), 3, rng)
    yield 'float64 with -0.0', chunked(some(lambda: rng.choice([-0.0, 0.0, 1.5, -2.25, 1e300])), pa.float64(), 3, rng)
    yield 'text', chunked(some(lambda: rng.choice(['', 'a', 'ab', 'b', 'zz', 'é', '10', '9'])), pa.string(), 5, rng)
    yield 'boolean', chunked(some(lambda: rng.random() < 0.5), pa.bool_(), 2, rng)
    yield 'date32', chunked(some(lambda: rng.randint(0, 30)), pa.date32(), 3, rng)
    yield 'decimal128', chunked(some(lambda: 10**30 * rng.randint(-2, 2)), pa.decimal128(38, 0), 2, rng)
    yield 'all null', chunked([None] * n, pa.int64(), 2, rng)


@pytest.mark.parametrize('seed', range(6))
def test_first_rows_equal_the_head_of_the_full_stable_sort(seed: int):
    rng = random.Random(seed)
    n = rng.choice([1, 7, 60, 300])
    for name, keys in random_keys(rng, n):
        for desc in (False, True):
            whole = full_order(keys, desc).to_pylist()
            keep = pa.array([rng.random() < 0.6 for _ in range(n)])
            kept_order = [i for i in whole if keep[i].as_py()]
            for k in (1, 2, 5, 17, n, n + 3):
                assert first_rows(keys, k, desc).to_pylist() == whole[:k], (name, desc, k)
                assert first_rows(keys, k, desc, keep).to_pylist() == kept_order[:k], (name, desc, k, 'kept')


def test_a_nan_among_the_best_falls_back_to_the_full_sort():
    keys = pa.chunked_array([pa.array([2.0, float('nan'), None, 1.0]), pa.array([float('nan'), 1.0])])
    for desc in (False, True):
        for k in range(1, 7):
            assert first_rows(keys, k, desc).to_pylist() == full_order(keys, desc)[:k].to_pylist()


def test_take_few_fetches_from_many_chunks_in_the_order_asked():
    values = pa.chunked_array([pa.array(['a', 'b']), pa.array([], pa.string()), pa.array(['c']), pa.array(['d', 'e'])])
    assert take_few(values, pa.array([4, 0, 2, 2, 3])).to_pylist() == ['e', 'a', 'c', 'c', 'd']
    assert take_few(values, pa.array([], pa.uint64())).to_pylist() == []


# -- the faster sort keys, against sort_key ----------------------------------------------------------------

KEY_COLUMNS = {  # name: (type, cells)
    'integer': ('integer', ['12', '-3', '', 'NA', '0', '007', '-0', '99']),
    'integer with a sign': ('integer', ['+5', '-5', '3', '', 'null']),
    'integer, no empty cell': ('integer', ['5', '-3', '0012']),
    'integer with a token, no empty cell': ('integer', ['5', 'NA', '-3']),
    'integer with a sign, no empty cell': ('integer', ['+5', '-3', '1']),
    'wide integer': ('integer', ['123456789012345678901234567890', '-1', '', '5']),
    'integer of 19 characters': ('integer', ['-123456789012345678', '1', 'N/A']),
    'number': ('number', ['1.5', '-0', '0', '1e3', '.5', '', 'NaN', '-2.25']),
    'number with a sign': ('number', ['+1.5', '2', '']),
    'number, no empty cell': ('number', ['1.5', '-0', '1e3', '+2', '.5']),
    'number with NaN, no empty cell': ('number', ['1.5', 'NaN', '2']),
    'decimal comma': ('decimal comma', ['1.234,50', '0,99', '-3,5', '', '12', '#N/A']),
    'decimal comma with a sign': ('decimal comma', ['+0,5', '1,25', '']),
    'text': ('text', ['Zebra', 'apple', '', 'Äpfel', 'ÉCOLE', 'école', 'NA', 'b']),
    'ASCII text': ('text', ['Zebra', 'apple', 'B', 'a b', 'Q-1', '~x', '@', 'z']),
    'date': ('date', ['2024-02-29', '', '1999-12-31', 'null']),
    'datetime': ('datetime', ['2024-01-01T10:00:00Z', '2024-01-01 09:00', '', '2024-01-01T12:00+02:00']),
    'boolean': ('boolean', ['true', 'FALSE', '', 'True']),
}


@pytest.mark.parametrize('name', sorted(KEY_COLUMNS))
def test_typed_key_is_sort_key(name: str):
    kind, cells = KEY_COLUMNS[name]
    # three chunks, one of them a slice (offset into its buffers), so the ASCII check sees each alone
    column = pa.chunked_array([pa.array(cells[:3], pa.string()), pa.array(['x'] + cells[3:], pa.string()).slice(1),
                               pa.array([], pa.string())])
    expected = pa.chunked_array([sort_key(column, kind)]).combine_chunks()
    assert pa.chunked_array([typed_key(column, kind)]).combine_chunks().equals(expected)


# -- pages through the engine ------------------------------------------------------------------------------

ROWS = 1500
CITIES = ['Oslo', 'Lima', 'oslo', 'Quito', 'Perth', '']


def big_table(seed: int = 7) -> bytes:
    """Typed columns with many ties, empty cells and missing tokens, in file order by ``id``."""
    rng = random.Random(seed)

    def maybe(value: str) -> str:
        return rng.choice(['', 'NA']) if rng.random() < 0.1 else value
    rows = [('id', 'few', 'amount', 'price', 'comma', 'day', 'note', 'city')]
    for i in range(ROWS):
        rows.append((str(i), maybe(str(rng.randint(0, 4))), maybe(str(rng.randint(-50, 50))),
                     maybe(f'{rng.uniform(-10, 10):.2f}'), maybe(f'{rng.randint(0, 3)}.{rng.randint(100, 999)},5'),
                     maybe(f'2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}'),
                     '' if rng.random() < 0.1 else rng.choice(['Alpha', 'alpha', 'beta', 'Beta gamma', 'zeta', 'ÉTÉ']),
                     rng.choice(CITIES)))
    return tsv(*rows)


@pytest.fixture
def held_back(monkeypatch: pytest.MonkeyPatch):
    """Background orders wait until ``release()``: pages meanwhile must come from the selection."""
    monkeypatch.setattr(query, 'TOP_ROWS', (100, 400))
    gate = threading.Event()
    blocker = query.ORDER_POOL.submit(gate.wait)
    selections = []
    real = query.first_rows

    def counted(*args, **kwargs):
        selections.append(args[1])
        return real(*args, **kwargs)
    monkeypatch.setattr(query, 'first_rows', counted)

    def release() -> None:
        gate.set()
        blocker.result()
        query.ORDER_POOL.submit(lambda: None).result()  # one worker, in order: every queued order is done
    yield release, selections
    gate.set()


def reference(engine: QueryEngine, table: str, request: PageRequest) -> tuple[int, list[list[str]]]:
    """(total, rows) of the page from the view's full order, on an engine of its own."""
    other = QueryEngine(engine.store)
    order = other.order(table, request, 1)
    stored = engine.store.open(table, 1)
    return len(order), query.take_rows(stored, order.slice(request.offset, request.limit))


VIEWS = [dict(sort=column, desc=desc) for column in ('few', 'amount', 'price', 'comma', 'day', 'note', 'id', 'city')
         for desc in (False, True)]
VIEWS += [dict(sort='few', q='alpha'), dict(sort='note', desc=True, q='OSLO'),
          dict(sort='amount', filters=(Filter('city', 'in', 'Oslo,Lima'),)),
          dict(sort='day', desc=True, filters=(Filter('amount', 'gt', '0'), Filter('note', 'notblank', '1'))),
          dict(sort='price', q='1', filters=(Filter('few', 'lte', '2'),)),
          dict(sort='note', filters=(Filter('city', 'exact', 'nowhere'),))]


@pytest.mark.parametrize('view', VIEWS, ids=lambda v: '-'.join(f'{k}={v[k]}' for k in v))
def test_pages_before_the_full_order_equal_pages_of_it(loaded, held_back, view: dict):
    engine, load = loaded
    release, selections = held_back
    table, meta = load(big_table())
    index = [c['name'] for c in meta['columns']].index(view['sort'])
    order_key = ('order', table, 1, index, view.get('desc', False), view.get('q', ''), view.get('filters', ()))
    for offset, limit in ((0, 50), (50, 50), (100, 50), (350, 50), (0, 100)):  # pages 1, 2, 3, a far one
        request = PageRequest(offset=offset, limit=limit, **view)
        page = engine.page(table, request)
        total, rows = reference(engine, table, request)
        assert (page.total, page.rows) == (total, rows), (offset, limit)
    assert engine.cache.peek(order_key) is None, 'the full order was computed while held back'
    assert selections == [100, 400], 'one selection per prefix, shared by the pages within it'
    release()
    assert engine.cache.peek(order_key) is not None, 'the full order followed in the background'
    request = PageRequest(offset=20, limit=30, **view)
    assert (engine.page(table, request).total, engine.page(table, request).rows) == reference(engine, table, request)
    assert selections == [100, 400], 'after the full order, pages are slices of it'


def test_a_page_past_the_selections_waits_for_the_full_order(loaded, held_back):
    engine, load = loaded
    release, selections = held_back
    table, _ = load(big_table())
    request = PageRequest(offset=1000, limit=50, sort='amount', desc=True)
    page = engine.page(table, request)
    assert (page.total, page.rows) == reference(engine, table, request)
    assert selections == []
    release()


def test_default_prefix_serves_the_first_thousand_rows(loaded):
    """Without test settings: a table past the first prefix, its first pages, and the order after."""
    engine, load = loaded
    rng = random.Random(3)
    table, _ = load(tsv(('n', 'word'), *[(str(rng.randint(0, 20)), rng.choice(['x', 'Y', ''])) for _ in range(2500)]))
    for offset in (0, 950, 1500, 0):
        request = PageRequest(offset=offset, limit=50, sort='word', desc=True)
        page = engine.page(table, request)
        assert (page.total, page.rows) == reference(engine, table, request)
    query.ORDER_POOL.submit(lambda: None).result()


def test_a_superseded_versions_queued_order_is_skipped(loaded, held_back):
    engine, load = loaded
    release, _ = held_back
    table, _ = load(big_table())
    engine.page(table, PageRequest(sort='note'))
    engine.forget_older(table, 2)
    release()
    assert not [key for key in engine.cache._items if key[0] == 'order']


def test_big_sort_keys_are_not_kept(loaded, monkeypatch: pytest.MonkeyPatch):
    """A key over a quarter of the cache is used and dropped, so it never pushes every view out."""
    engine, load = loaded
    table, _ = load(big_table())
    engine.page(table, PageRequest(sort='amount'))
    query.ORDER_POOL.submit(lambda: None).result()
    assert any(key[0] == 'key' for key in engine.cache._items)
    small = QueryEngine(engine.store, cache_bytes=4 * 1024)
    page = small.page(table, PageRequest(sort='note', desc=True))
    query.ORDER_POOL.submit(lambda: None).result()
    assert not any(key[0] == 'key' for key in small.cache._items)
    assert page.rows == reference(engine, table, PageRequest(sort='note', desc=True))[1]


def test_pages_of_a_big_column_of_numbers(loaded):
    """A selection of 1,000 out of 600,000 rows, some of them empty."""
    engine, load = loaded
    rng = np.random.default_rng(5)
    values = rng.integers(-1000, 1000, 600_000).astype(str)
    values[rng.random(600_000) < 0.05] = ''
    table, _ = load(('n\n' + '\n'.join(values.tolist()) + '\n').encode())
    for desc in (False, True):
        request = PageRequest(offset=900, limit=100, sort='n', desc=desc)
        page = engine.page(table, request)
        assert (page.total, page.rows) == reference(engine, table, request)
    query.ORDER_POOL.submit(lambda: None).result()
    assert pc.sum(pc.equal(pa.array(values), '')).as_py() > 0
