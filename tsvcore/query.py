"""Pages of a stored version: sorted, filtered, and only the page as Python values.

Sorting and searching produce an array of row indices once per
(version, sort, search); every later page of the same view is a slice of it
plus a ``take`` of at most ``limit`` rows. Those arrays live in a small LRU
bounded by bytes, so memory does not grow with the number of viewers.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .errors import BadParameter
from .store import Store
from .types import sort_key

MAX_LIMIT = 1000


@dataclass(frozen=True)
class PageRequest:
    """What one viewer (or one API call) asks to see."""

    offset: int = 0
    limit: int = 50
    sort: str | None = None   # a column name
    desc: bool = False
    q: str = ''


@dataclass
class Page:
    version: int
    meta: dict
    total: int
    offset: int
    limit: int
    rows: list[list[str]]


class ByteLRU:
    """An LRU of Arrow arrays that evicts by total size, not count."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Any) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
            return None

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

    def page(self, table_id: str, request: PageRequest, version: int | None = None) -> Page:
        """One page of a table; raises NotFound or BadParameter with a sentence."""
        if request.limit < 1 or request.limit > MAX_LIMIT:
            raise BadParameter(f'limit must be between 1 and {MAX_LIMIT}.')
        if request.offset < 0:
            raise BadParameter('offset must be 0 or more.')
        version = self.store.current(table_id) if version is None else version
        meta = self.store.meta(table_id, version)
        names = [c['name'] for c in meta['columns']]
        sort_index = None
        if request.sort is not None:
            if request.sort not in names:
                raise BadParameter(f'There is no column named "{request.sort}" to sort by.')
            sort_index = names.index(request.sort)
        table = self.store.open(table_id, version)
        order = self._order(table_id, version, table, meta, sort_index, request.desc, request.q)
        total = table.num_rows if order is None else len(order)
        if order is None:
            part = table.slice(request.offset, request.limit)
        else:
            part = table.take(order.slice(request.offset, request.limit))
        columns = [col.to_pylist() for col in part.columns]
        rows = [list(row) for row in zip(*columns)] if columns else []
        return Page(version, meta, total, request.offset, request.limit, rows)

    def _order(self, table_id: str, version: int, table: pa.Table, meta: dict,
               sort_index: int | None, desc: bool, q: str) -> pa.Array | None:
        """Row indices of the view, or None when the view is the file itself."""
        if sort_index is None and not q:
            return None
        key = ('order', table_id, version, sort_index, desc, q)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        if sort_index is None:
            order = self._matches(table_id, version, table, q)
        else:
            order = self._sorted(table_id, version, table, meta, sort_index, desc)
            if q:
                mask = self._mask(table_id, version, table, q)
                order = pc.filter(order, pc.take(mask, order))
        self.cache.put(key, order)
        return order

    def _sorted(self, table_id: str, version: int, table: pa.Table, meta: dict,
                index: int, desc: bool) -> pa.Array:
        """A stable sort by typed value, empty cells last either way (rule 10)."""
        key = ('sort', table_id, version, index, desc)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        kind = meta['columns'][index]['type']
        keys = sort_key(table.column(index), kind)
        order = pc.sort_indices(pa.table({'k': keys}),
                                sort_keys=[('k', 'descending' if desc else 'ascending', 'at_end')])
        self.cache.put(key, order)
        return order

    def _mask(self, table_id: str, version: int, table: pa.Table, q: str) -> pa.ChunkedArray:
        """Rows with a cell containing ``q``, ignoring case (rule 11)."""
        key = ('mask', table_id, version, q)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        mask = None
        for column in table.columns:
            hit = pc.match_substring(column, q, ignore_case=True)
            mask = hit if mask is None else pc.or_(mask, hit)
        if mask is None:
            mask = pa.chunked_array([pa.array([], pa.bool_())])
        self.cache.put(key, mask)
        return mask

    def _matches(self, table_id: str, version: int, table: pa.Table, q: str) -> pa.Array:
        mask = self._mask(table_id, version, table, q)
        return pa.array([], pa.uint64()) if len(mask) == 0 else pc.indices_nonzero(mask)
