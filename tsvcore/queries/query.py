"""Pages of a stored version: sorted, filtered, and only the page as Python values.

Sorting and searching produce an array of row indices once per
(version, sort, search); every later page of the same view is a slice of it
plus a ``take`` of at most ``limit`` rows. Those arrays live in a small LRU
bounded by bytes, so memory does not grow with the number of viewers.

A sorted view's first pages do not wait for its whole order (issue #14): while
that order is not cached, a page ending within the first ``TOP_ROWS`` rows is
a slice of a top-k selection of them (``topk.first_rows``: the same rows as
the full stable sort), and the full order is computed in a background thread,
through the same single-flight cache, for the pages after.
"""
from __future__ import annotations

import logging
import os
import queue
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import BadParameter
from ..reading.types import BOOLEAN, DATE, DATETIME, DECIMAL_COMMA, INTEGER, MISSING_TOKENS, NUMBER, sort_key
from ..storage.store import Store
from .filters import Filter
from .filters import mask as filter_mask
from .keys import typed_key
from .profile import profile
from .topk import first_rows, full_order

MAX_LIMIT = 1000
# Prefix lengths a sorted view's first pages are served from before its whole
# order exists: a page ending within 1,000 rows shares one selection of 1,000
# (pages 1-20 of 50 cost one selection); up to 10,000, one of 10,000. Further
# pages wait for the full order. Selecting 10,000 of 10M keys costs about
# what selecting 50 does (the scan, not k, dominates).
TOP_ROWS = (1_000, 10_000)
# A column's sort keys stay cached while they take at most this share of the
# cache's budget: 10M integers (80 MB) do, 10M text keys (350 MB) do not, as
# they would push out every other view to save 0.05-0.2 s (keys.typed_key).
KEY_SHARE = 4
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageRequest:
    """What one viewer (or one API call) asks to see."""

    offset: int = 0
    limit: int = 50
    sort: str | None = None   # a column name
    desc: bool = False
    q: str = ''
    filters: tuple[Filter, ...] = ()   # see ``filters``: all of them, and the search, must pass


@dataclass(eq=False)  # identity, so a page can key a weak cache of what is built from it
class Page:
    version: int
    meta: dict
    total: int
    offset: int
    limit: int
    rows: list[list[str]]
    numbers: list[int]   # each row's 1-based place in the version's file, as /rows/N counts (row detail)

    @property
    def nbytes(self) -> int:
        """About what the page holds in memory, for the cache's budget."""
        return 200 + 30 * len(self.numbers) + sum(60 + len(cell) for row in self.rows for cell in row)


def _numbers(indices: pa.Array) -> list[int]:
    """Row indices (0-based) as the file's row numbers (1-based)."""
    return [i + 1 for i in indices.to_pylist()]


def rows_of(part: pa.Table) -> list[list[str]]:
    columns = [col.to_pylist() for col in part.columns]
    return [list(row) for row in zip(*columns)] if columns else []


def take_rows(table: pa.Table, indices: pa.Array) -> list[list[str]]:
    """The rows at ``indices`` (in that order), touching only the chunks they live in.

    ``Table.take`` on a table of many record batches concatenates whole
    columns first (16 ms for a million rows); a page needs at most ``limit``
    rows, so each is fetched from its own chunk instead.
    """
    wanted = indices.to_numpy(zero_copy_only=False).astype(np.int64)
    if len(wanted) == 0:
        return []
    starts = _chunk_starts(table)
    chunk_of = np.searchsorted(starts, wanted, side='right') - 1
    rows: list[list[str] | None] = [None] * len(wanted)
    for chunk in np.unique(chunk_of):
        positions = np.flatnonzero(chunk_of == chunk)
        local = pa.array(wanted[positions] - starts[chunk])
        columns = [table.column(i).chunk(int(chunk)).take(local).to_pylist() for i in range(table.num_columns)]
        for position, row in zip(positions, zip(*columns) if columns else []):
            rows[position] = list(row)
    return rows  # type: ignore[return-value]


def _chunk_starts(table: pa.Table) -> np.ndarray:
    """First row of each record batch (all columns share the IPC file's batching)."""
    lengths = [len(chunk) for chunk in table.column(0).chunks] if table.num_columns else [table.num_rows]
    return np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)


# Every character a cell of a typed column can hold (see types.PATTERNS): a
# query with any other character cannot match there, so those columns are skipped.
_MISSING_CHARS = set(''.join(MISSING_TOKENS))  # typed columns may also hold "NA", "null", "#N/A"...
TYPE_ALPHABETS = {
    INTEGER: set('0123456789+-') | _MISSING_CHARS,
    NUMBER: set('0123456789+-.eE') | _MISSING_CHARS,
    DECIMAL_COMMA: set('0123456789+-.,') | _MISSING_CHARS,
    DATE: set('0123456789-') | _MISSING_CHARS,
    DATETIME: set('0123456789-:T .Z+') | _MISSING_CHARS,
    BOOLEAN: set('truefalsTRUEFALS') | _MISSING_CHARS,
}
SEARCH_POOL = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2), thread_name_prefix='search')


class Background:
    """Jobs run one at a time, in order, on one daemon thread.

    For the full orders computed after a view's first page was answered from
    a top-k selection: one at a time, so they never take both cores from the
    requests being answered; a daemon, so a process that is stopping does not
    wait for sorts no one will see (a ThreadPoolExecutor's worker would).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], Any]) -> Future:
        """Queue ``job``; the future is done when it ran (waiting on a no-op waits for all before it)."""
        future: Future = Future()
        self._jobs.put((job, future))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
        return future

    def _run(self) -> None:
        while True:
            job, future = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job())
            except BaseException as error:  # noqa: BLE001 (handed to whoever waits on the future)
                future.set_exception(error)


ORDER_POOL = Background('view-order')


@dataclass(eq=False)
class _Top:
    """The first rows of a sorted view, before (or instead of) its whole order."""

    rows: pa.Array   # uint64 row indices: the view's first len(rows) rows, in its order
    total: int       # rows in the whole view

    @property
    def nbytes(self) -> int:
        return 100 + self.rows.nbytes


@dataclass(eq=False)
class _Facets:
    """Every value of a column in a view, ranked (most frequent first, ties in sort order), with its count.

    Arrow arrays, not a dict per value: a column of ten million distinct
    values would be gigabytes as Python objects; a page of them is made per answer.
    """

    values: pa.Array
    counts: pa.Array

    @property
    def nbytes(self) -> int:
        return 100 + self.values.nbytes + self.counts.nbytes


def could_contain(kind: str, q: str) -> bool:
    alphabet = TYPE_ALPHABETS.get(kind)
    return alphabet is None or set(q) <= alphabet | {c.lower() for c in alphabet} | {c.upper() for c in alphabet}


def contains(column: pa.ChunkedArray, q: str) -> pa.ChunkedArray:
    """Case-insensitive substring match; a plain byte search when case cannot matter."""
    if q.lower() == q.upper():  # no cased characters: digits, punctuation, most scripts without case
        return pc.match_substring(column, q)
    return pc.match_substring(column, q, ignore_case=True)


class ByteLRU:
    """An LRU of Arrow arrays that evicts by total size, not count."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self._flights: dict[Any, threading.Event] = {}

    def get_or_compute(self, key: Any, compute: Callable[[], Any],
                       keep: Callable[[Any], bool] | None = None) -> Any:
        """The cached value, computing it once even when many threads ask at the same moment.

        After a replacement every open viewer asks for its page at once; the
        first computes, the others wait for its answer (single flight).
        ``keep``: whether a computed value is worth its room; one it rejects
        is returned but not kept (and those waiting compute it again).
        """
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    self.hits += 1
                    return self._items[key]
                waiting = self._flights.get(key)
                if waiting is None:
                    self._flights[key] = threading.Event()
                    self.misses += 1
                    break
            waiting.wait()  # someone else computes it; then look again (it may have failed)
        try:
            value = compute()
            if keep is None or keep(value):
                self.put(key, value)
            return value
        finally:
            with self._lock:
                self._flights.pop(key).set()

    @property
    def nbytes(self) -> int:
        """Bytes the cached values hold (their own ``nbytes``), at most about ``max_bytes``."""
        with self._lock:
            return self._bytes

    def peek(self, key: Any) -> Any:
        """The cached value or None, never computing and never waiting."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
                self.hits += 1
            return value

    def drop(self, keep: Callable[[Any], bool]) -> None:
        """Forget every entry whose key ``keep`` rejects."""
        with self._lock:
            for key in [k for k in self._items if not keep(k)]:
                self._bytes -= getattr(self._items.pop(key), 'nbytes', 64)

    def put(self, key: Any, value: Any) -> None:
        size = getattr(value, 'nbytes', 64)
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._bytes += size
            while self._bytes > self.max_bytes and len(self._items) > 1:
                _, old = self._items.popitem(last=False)
                self._bytes -= getattr(old, 'nbytes', 64)


class QueryEngine:
    """Answers page requests against the store, reusing sort and search work."""

    def __init__(self, store: Store, cache_bytes: int = 512 << 20) -> None:
        self.store = store
        self.cache = ByteLRU(cache_bytes)
        self.pages_computed = 0  # how many pages were really read (the rest came from the cache)
        self._later: set[tuple] = set()        # keys of full orders queued on ORDER_POOL
        self._later_lock = threading.Lock()
        self._superseded: dict[str, int] = {}  # table id -> its current version, from forget_older

    def page(self, table_id: str, request: PageRequest, version: int | None = None) -> Page:
        """One page of a table; raises NotFound or BadParameter with a sentence."""
        if request.limit < 1 or request.limit > MAX_LIMIT:
            raise BadParameter(f'limit must be between 1 and {MAX_LIMIT}.')
        if request.offset < 0:
            raise BadParameter('offset must be 0 or more.')
        version = self.store.current(table_id) if version is None else version
        meta = self.store.meta(table_id, version)
        key = self._page_key(table_id, version, meta, request)
        return self.cache.get_or_compute(key, lambda: self._compute_page(table_id, version, meta, key[3], request))

    def cached_page(self, table_id: str, request: PageRequest, version: int) -> Page | None:
        """The page if it is already computed, else None; never blocks, so the event loop may call it.

        After a replacement the first viewer's request computes page 1 in a
        worker thread; the hundreds of viewers behind it on the same page then
        skip the thread hop entirely.
        """
        meta = self.store.cached_meta(table_id, version)
        if meta is None or not 1 <= request.limit <= MAX_LIMIT or request.offset < 0:
            return None
        try:
            key = self._page_key(table_id, version, meta, request)
        except BadParameter:
            return None
        return self.cache.peek(key)

    @staticmethod
    def _page_key(table_id: str, version: int, meta: dict, request: PageRequest) -> tuple:
        sort_index = None
        if request.sort is not None:
            names = [c['name'] for c in meta['columns']]
            if request.sort not in names:
                raise BadParameter(f'There is no column named "{request.sort}" to sort by.')
            sort_index = names.index(request.sort)
        return ('page', table_id, version, sort_index, request.desc, request.q, request.filters, request.offset,
                request.limit)

    def _compute_page(self, table_id: str, version: int, meta: dict, sort_index: int | None,
                      request: PageRequest) -> Page:
        self.pages_computed += 1
        table = self.store.open(table_id, version)
        view = (sort_index, request.desc, request.q, request.filters)
        top = self._top(table_id, version, table, meta, view, request.offset + request.limit)
        if top is not None:
            total, indices = top.total, top.rows.slice(request.offset, request.limit)
            return Page(version, meta, total, request.offset, request.limit, take_rows(table, indices),
                        _numbers(indices))
        order = self._order(table_id, version, table, meta, *view)
        total = table.num_rows if order is None else len(order)
        if order is None:
            rows = rows_of(table.slice(request.offset, request.limit))
            numbers = list(range(request.offset + 1, request.offset + 1 + len(rows)))
        else:
            indices = order.slice(request.offset, request.limit)
            rows, numbers = take_rows(table, indices), _numbers(indices)
        return Page(version, meta, total, request.offset, request.limit, rows, numbers)

    def _top(self, table_id: str, version: int, table: pa.Table, meta: dict, view: tuple, end: int) -> _Top | None:
        """The first rows of a sorted view whose whole order is not cached yet, or None to use that order.

        ``view``: (sort index, desc, q, filters); ``end``: the row after the
        page. Queues the whole order for the background, so that later pages
        (and downloads) find it.
        """
        sort_index, desc, q, filters = view
        if sort_index is None or end > TOP_ROWS[-1]:
            return None
        if self.cache.peek(('order', table_id, version, *view)) is not None:
            return None
        sizes = [size for size in TOP_ROWS if size >= end]
        for size in sizes:  # a longer prefix already selected serves this page too
            found = self.cache.peek(('top', table_id, version, *view, size))
            if found is not None:
                return found

        def compute() -> _Top:
            keep = self._kept(table_id, version, table, meta, q, filters)
            keys = self._keys(table_id, version, table, meta, sort_index)
            total = table.num_rows if keep is None else int(pc.sum(keep).as_py() or 0)
            return _Top(first_rows(keys, sizes[0], desc, keep), total)
        top = self.cache.get_or_compute(('top', table_id, version, *view, sizes[0]), compute)
        self._order_later(table_id, version, table, meta, view)
        return top

    def _order_later(self, table_id: str, version: int, table: pa.Table, meta: dict, view: tuple) -> None:
        """Compute a view's whole order on ORDER_POOL, once, unless its version is superseded by then."""
        key = ('order', table_id, version, *view)
        with self._later_lock:
            if key in self._later:
                return
            self._later.add(key)

        def run() -> None:
            try:
                if version >= self._superseded.get(table_id, 0):
                    self._order(table_id, version, table, meta, *view)
            except Exception:  # noqa: BLE001 (a page that needs it computes it again and says why)
                log.exception('computing the order of a view in the background failed')
            finally:
                with self._later_lock:
                    self._later.discard(key)
        ORDER_POOL.submit(run)

    def forget_older(self, table_id: str, current: int) -> None:
        """Drop what was computed for a table's superseded versions (they are rarely looked at again)."""
        self._superseded[table_id] = max(current, self._superseded.get(table_id, 0))
        self.cache.drop(lambda key: key[1] != table_id or key[2] >= current)

    def _column(self, table_id: str, column: str, version: int | None) -> tuple[int, dict, int]:
        """(version, its metadata, the column's index); BadParameter for a column the version lacks."""
        version = self.store.current(table_id) if version is None else version
        meta = self.store.meta(table_id, version)
        names = [c['name'] for c in meta['columns']]
        if column not in names:
            raise BadParameter(f'There is no column named "{column[:80]}".')
        return version, meta, names.index(column)

    def profile(self, table_id: str, column: str, version: int | None = None) -> dict:
        """A column's profile, computed once per version and column."""
        version, meta, index = self._column(table_id, column, version)

        def compute() -> dict:
            result = profile(self.store.open(table_id, version).column(index), meta['columns'][index]['type'])
            return {**result, 'column': column, 'version': version}
        return self.cache.get_or_compute(('profile', table_id, version, index), compute)

    def _order(self, table_id: str, version: int, table: pa.Table, meta: dict,
               sort_index: int | None, desc: bool, q: str, filters: tuple[Filter, ...] = ()) -> pa.Array | None:
        """Row indices of the view, or None when the view is the file itself."""
        if sort_index is None and not q and not filters:
            return None
        def compute() -> pa.Array:
            keep = self._kept(table_id, version, table, meta, q, filters)
            if sort_index is None:
                return pc.indices_nonzero(keep) if len(keep) else pa.array([], pa.uint64())
            order = self._sorted(table_id, version, table, meta, sort_index, desc)
            if keep is not None:
                order = pc.filter(order, pc.take(keep, order))
            return order
        return self.cache.get_or_compute(('order', table_id, version, sort_index, desc, q, filters), compute)

    def order(self, table_id: str, request: PageRequest, version: int) -> pa.Array | None:
        """The row indices of a whole view in its order (None: the file's own order, every row), for downloads."""
        meta = self.store.meta(table_id, version)
        sort_index = self._page_key(table_id, version, meta, request)[3]
        table = self.store.open(table_id, version)
        return self._order(table_id, version, table, meta, sort_index, request.desc, request.q, request.filters)

    def facets(self, table_id: str, column: str, request: PageRequest, limit: int = 20,
               version: int | None = None, search: str = '') -> dict:
        """A column's values with how many rows hold each, most frequent first, ties in sort order.

        Honours the search and the filters on other columns (a filter on this
        column would hide the values one may want to tick next). Computed once
        per version, column and view, then served from the cache. ``search``
        keeps the values containing it (ignoring case), so a value past the
        first ``limit`` can be found. Answers ``{"column", "version",
        "distinct", "matching", "truncated", "values": [{"value", "count"}]}``;
        ``matching`` counts the values the search keeps (all without one).
        """
        if not 1 <= limit <= MAX_LIMIT:
            raise BadParameter(f'limit must be between 1 and {MAX_LIMIT}.')
        version, meta, index = self._column(table_id, column, version)
        others = tuple(f for f in request.filters if f.column != column)

        def compute() -> _Facets:
            table = self.store.open(table_id, version)
            keep = self._kept(table_id, version, table, meta, request.q, others)
            cells = table.column(index) if keep is None else pc.filter(table.column(index), keep)
            counts = pc.value_counts(cells) if len(cells) else None
            if counts is None or not len(counts):
                return _Facets(pa.array([], pa.string()), pa.array([], pa.int64()))
            values, tallies = counts.field('values'), counts.field('counts')
            keys = sort_key(pa.chunked_array([values]), meta['columns'][index]['type'])
            order = pc.sort_indices(pa.table({'n': tallies, 'k': keys}),
                                    sort_keys=[('n', 'descending', 'at_end'), ('k', 'ascending', 'at_end')])
            return _Facets(pc.take(values, order), pc.take(tallies, order))
        found = self.cache.get_or_compute(('facets', table_id, version, index, request.q, others), compute)
        values, counts = found.values, found.counts
        if search:
            hit = pc.fill_null(contains(values, search), False)
            values, counts = values.filter(hit), counts.filter(hit)
        return {'column': column, 'version': version, 'distinct': len(found.values), 'matching': len(values),
                'truncated': len(values) > limit,
                'values': [{'value': v, 'count': n} for v, n in zip(values[:limit].to_pylist(),
                                                                     counts[:limit].to_pylist())]}

    def _kept(self, table_id: str, version: int, table: pa.Table, meta: dict, q: str,
              filters: tuple[Filter, ...]) -> pa.ChunkedArray | None:
        """The rows the search and every filter let through, or None when nothing is left out."""
        masks = [self._mask(table_id, version, table, meta, q)] if q else []
        for test in filters:
            masks.append(self.cache.get_or_compute(('filter', table_id, version, test),
                                                   lambda test=test: filter_mask(
                                                       table, meta, test,
                                                       lambda i: self._keys(table_id, version, table, meta, i))))
        if not masks:
            return None
        keep = masks[0]
        for other in masks[1:]:
            keep = pc.and_(keep, other)
        return keep

    def _sorted(self, table_id: str, version: int, table: pa.Table, meta: dict,
                index: int, desc: bool) -> pa.Array:
        """A stable sort by typed value, empty cells last either way (rule 10)."""
        def compute() -> pa.Array:
            return full_order(self._keys(table_id, version, table, meta, index), desc)
        return self.cache.get_or_compute(('sort', table_id, version, index, desc), compute)

    def _keys(self, table_id: str, version: int, table: pa.Table, meta: dict, index: int) -> pa.ChunkedArray:
        """A column's sort keys (``sort_key``), once per version and column while they fit KEY_SHARE.

        The key is most of a first sorted page's cost (a cast or a case fold
        of every cell); kept, the other direction and the background full
        order skip it.
        """
        def compute() -> pa.ChunkedArray:
            return typed_key(table.column(index), meta['columns'][index]['type'])
        return self.cache.get_or_compute(('key', table_id, version, index), compute,
                                         keep=lambda keys: keys.nbytes <= self.cache.max_bytes // KEY_SHARE)

    def _mask(self, table_id: str, version: int, table: pa.Table, meta: dict, q: str) -> pa.ChunkedArray:
        """Rows with a cell containing ``q``, ignoring case (rule 11)."""
        def compute() -> pa.ChunkedArray:
            types = [c['type'] for c in meta['columns']]
            columns = [i for i, kind in enumerate(types) if could_contain(kind, q)]
            hits = list(SEARCH_POOL.map(lambda i: contains(table.column(i), q), columns))
            mask = pa.chunked_array([pa.array(np.zeros(table.num_rows, dtype=bool))]) if not hits else hits[0]
            for hit in hits[1:]:
                mask = pc.or_(mask, hit)
            return mask
        return self.cache.get_or_compute(('mask', table_id, version, q), compute)
