"""What changed between two versions of a table (issue #15): the engine behind ``/api/tables/{id}/diff``.

Rows are matched by a key column: by default the first column (in the newer
version's order, among columns both versions have) whose cells are filled and
unique in both; ``key=`` chooses another, and a chosen column that is not
filled and unique is refused (BadParameter) rather than quietly replaced.
Key cells are compared as text (``007`` is not ``7``). A matched row is
*changed* when a cell differs in a column both versions have; a column only
in one version is listed (``columns_added``/``columns_removed``) and never
makes a row changed. Without a usable key, rows are compared whole (on the
shared columns) as a multiset: added and removed only, and ``why_no_key``
says why in a sentence.

The comparison is computed once per (table, from, to, key) into a ``Diff``
(row numbers per kind and packed changed-column bits: about 20 bytes per
changed row, 8 per added or removed row) held in the query engine's byte-
bounded cache; every page after the first is a slice of it plus a ``take``
of at most ``limit`` rows from each version. ``QueryEngine.forget_older``
drops it with the versions it compares (its key's third item is ``from``).

Shapes: ``page(...)`` answers the API's JSON (see ``page``); ``summary(...)``
``{"added", "removed", "changed", "unchanged", "columns_added",
"columns_removed"}``; ``export_tsv(...)`` yields UTF-8 bytes.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import BadParameter, NotFound
from . import export, matching
from .query import MAX_LIMIT, QueryEngine, take_rows

KINDS = ('changed', 'added', 'removed')   # the order rows are listed in


@dataclass(frozen=True, eq=False)
class Diff:
    """The comparison of version ``older`` (``from``) with ``newer`` (``to``); immutable, cached."""

    older: int
    newer: int
    key: str | None
    why_no_key: str | None
    columns: tuple[str, ...]            # the newer version's columns, then those only the older one has
    columns_added: tuple[str, ...]
    columns_removed: tuple[str, ...]
    compared: tuple[str, ...]           # shared columns but the key: the ones a change is looked for in
    changed: pa.Array                   # int64 row numbers in ``newer``, file order
    changed_from: pa.Array              # int64 row numbers in ``older``, one per changed row
    masks: np.ndarray                   # uint8 (changed, ceil(compared / 8)): packed bits of the differing columns
    added: pa.Array                     # int64 row numbers in ``newer``, file order
    removed: pa.Array                   # int64 row numbers in ``older``, file order
    unchanged: int

    @property
    def nbytes(self) -> int:
        """What it holds in memory, for the cache's budget."""
        arrays = (self.changed, self.changed_from, self.added, self.removed)
        return 500 + sum(a.nbytes for a in arrays) + self.masks.nbytes + 50 * len(self.columns)

    def rows_of(self, kind: str) -> pa.Array:
        return {'changed': self.changed, 'added': self.added, 'removed': self.removed}[kind]

    def changed_columns(self, position: int) -> list[str]:
        """The compared columns whose cell differs in the ``position``-th changed row."""
        bits = np.unpackbits(self.masks[position], count=len(self.compared))
        return [name for name, bit in zip(self.compared, bits) if bit]

    def summary(self) -> dict:
        return {'added': len(self.added), 'removed': len(self.removed), 'changed': len(self.changed),
                'unchanged': self.unchanged, 'columns_added': list(self.columns_added),
                'columns_removed': list(self.columns_removed)}


def versions(engine: QueryEngine, table_id: str, from_version: int | None,
             to_version: int | None) -> tuple[int, int]:
    """(from, to) with the defaults filled in: ``to`` the current version, ``from`` the one before ``to``.

    NotFound (404) with a sentence for a version the table does not have.
    """
    store = engine.store
    to_version = store.current(table_id) if to_version is None else to_version
    store.meta(table_id, to_version)
    if from_version is None:
        if to_version <= 1:
            raise NotFound(f'Version {to_version} is the first version of this table; there is no version '
                           'before it to compare with (give from=N).')
        from_version = to_version - 1
    store.meta(table_id, from_version)
    return from_version, to_version


def diff(engine: QueryEngine, table_id: str, from_version: int, to_version: int, key: str | None = None) -> Diff:
    """The comparison, computed once per (table, from, to, key) and then served from the engine's cache.

    ``table_id`` is an edit id (``Store.resolve``); BadParameter (422) for an
    unknown ``key`` or one that is not filled and unique in both versions.
    """
    store = engine.store
    older_meta, newer_meta = store.meta(table_id, from_version), store.meta(table_id, to_version)
    if key is not None:
        _check_key_exists(key, older_meta, newer_meta, from_version, to_version)

    def compute() -> Diff:
        return compare(store.open(table_id, from_version), store.open(table_id, to_version),
                        from_version, to_version, key)
    return engine.cache.get_or_compute(('diff', table_id, from_version, to_version, key), compute)


def _names(meta: dict) -> list[str]:
    return [c['name'] for c in meta['columns']]


def _check_key_exists(key: str, older_meta: dict, newer_meta: dict, older: int, newer: int) -> None:
    missing = [v for v, meta in ((older, older_meta), (newer, newer_meta)) if key not in _names(meta)]
    if missing:
        where = 'either version' if len(missing) == 2 else f'version {missing[0]}'
        raise BadParameter(f'There is no column named "{key[:80]}" in {where}, so rows cannot be matched by it.')


def compare(older: pa.Table, newer: pa.Table, older_version: int, newer_version: int, key: str | None) -> Diff:
    """The comparison of two versions' cells (string columns), uncached; the version numbers go into sentences.

    ``key`` must be a column of both (``diff`` checks that first); None picks the default.
    """
    in_older, in_newer = set(older.column_names), set(newer.column_names)
    shared = [n for n in newer.column_names if n in in_older]
    added_columns = tuple(n for n in newer.column_names if n not in in_older)
    removed_columns = tuple(n for n in older.column_names if n not in in_newer)
    chosen, encoded, why = _key(older, newer, older_version, newer_version, shared, key)
    compared = [n for n in shared if n != chosen]
    common = dict(older=older_version, newer=newer_version, columns=tuple(newer.column_names) + removed_columns,
                  columns_added=added_columns, columns_removed=removed_columns)
    if chosen is None:
        whole = matching.match_whole_rows(older, newer, shared)
        no_rows = pa.array([], pa.int64())
        return Diff(key=None, why_no_key=why, compared=(), changed=no_rows, changed_from=no_rows,
                    masks=np.zeros((0, 0), np.uint8), added=pa.array(whole.added, pa.int64()),
                    removed=pa.array(whole.removed, pa.int64()), unchanged=whole.unchanged, **common)
    found = matching.match_by_key(older, newer, encoded, compared)
    matched = newer.num_rows - len(found.added)
    return Diff(key=chosen, why_no_key=None, compared=tuple(compared),
                changed=pa.array(found.changed, pa.int64()),
                changed_from=pa.array(found.older_of_newer[found.changed], pa.int64()), masks=found.masks,
                added=pa.array(found.added, pa.int64()), removed=pa.array(found.removed, pa.int64()),
                unchanged=matched - len(found.changed), **common)


def _key(older: pa.Table, newer: pa.Table, older_version: int, newer_version: int, shared: list[str],
         requested: str | None) -> tuple[str | None, matching.Encoded | None, str | None]:
    """(key column, its cells numbered, None), or (None, None, why rows are compared whole).

    The default is the first shared column that is filled and unique in both
    versions; the sentence names what disqualified the first shared column
    (usually the one a person would have picked). A requested key that does
    not qualify is a BadParameter with that sentence.
    """
    first_problem = None
    for name in [requested] if requested is not None else shared:
        encoded, problem = _qualify(name, older[name], newer[name], older_version, newer_version)
        if problem is None:
            return name, encoded, None
        if requested is not None:
            raise BadParameter(f'{problem[0].upper()}{problem[1:]}, so it cannot match rows; leave key out to let '
                               'the first filled and unique column be chosen, or rows be compared whole.')
        first_problem = first_problem or problem
    if not shared:
        return None, None, 'The two versions have no column in common: every row counts as removed and added.'
    return None, None, (f'Rows are compared whole: no column is filled and unique in both versions '
                        f'({first_problem}).')


def _qualify(name: str, older: pa.ChunkedArray, newer: pa.ChunkedArray, older_version: int,
             newer_version: int) -> tuple[matching.Encoded | None, str | None]:
    """(cells numbered, None) when ``name`` can be the key, else (None, a sentence saying why not)."""
    shown = f'"{name[:80]}"'
    for version, cells in ((newer_version, newer), (older_version, older)):
        if matching.empty_cells(cells):
            return None, f'column {shown} has empty cells in version {version}'
    for version, cells in ((newer_version, newer), (older_version, older)):
        value = matching.repeated_in_prefix(cells)
        if value is not None:
            return None, f'column {shown} has "{value[:80]}" more than once in version {version}'
    encoded = matching.encode(older, newer)
    for version, codes in ((newer_version, encoded.newer), (older_version, encoded.older)):
        value = matching.repeated(codes, encoded)
        if value is not None:
            return None, f'column {shown} has "{value[:80]}" more than once in version {version}'
    return encoded, None


# -- answers ---------------------------------------------------------------------------------------------------

def _check_listing(kind: str | None, offset: int, limit: int) -> None:
    if kind is not None and kind not in KINDS:
        raise BadParameter(f'kind must be one of {", ".join(KINDS)}, not "{kind[:40]}".')
    if not 1 <= limit <= MAX_LIMIT:
        raise BadParameter(f'limit must be between 1 and {MAX_LIMIT}.')
    if offset < 0:
        raise BadParameter('offset must be 0 or more.')


def summary(engine: QueryEngine, table_id: str, from_version: int | None = None, to_version: int | None = None,
            key: str | None = None) -> dict:
    """``{"from", "to", "key", "why_no_key", "added", "removed", "changed", "unchanged", "columns_added",
    "columns_removed"}``: what a notice about a replacement says (computed, or found in the cache)."""
    from_version, to_version = versions(engine, table_id, from_version, to_version)
    found = diff(engine, table_id, from_version, to_version, key)
    return {'from': from_version, 'to': to_version, 'key': found.key, 'why_no_key': found.why_no_key,
            **found.summary()}


def page(engine: QueryEngine, table_id: str, from_version: int | None = None, to_version: int | None = None,
         key: str | None = None, kind: str | None = None, offset: int = 0, limit: int = 50) -> dict:
    """The API's answer: the summary, and rows ``offset .. offset+limit`` of the listing.

    The listing is the changed rows, then the added, then the removed (or only
    ``kind``), each in its version's file order; ``total`` counts it. Rows are
    ``{"kind", "cells": {column: text}}`` (the newer version's cells; a removed
    row's are the older's), and a changed row also has ``"before"``: the older
    cells of its changed columns only.
    """
    _check_listing(kind, offset, limit)
    from_version, to_version = versions(engine, table_id, from_version, to_version)
    found = diff(engine, table_id, from_version, to_version, key)
    kinds = KINDS if kind is None else (kind,)
    counts = [len(found.rows_of(k)) for k in kinds]
    rows = _listed_rows(engine, table_id, found, kinds, counts, offset, limit)
    return {'from': from_version, 'to': to_version, 'key': found.key, 'why_no_key': found.why_no_key,
            'summary': found.summary(), 'columns': list(found.columns), 'total': sum(counts),
            'offset': offset, 'limit': limit, 'rows': rows}


def _listed_rows(engine: QueryEngine, table_id: str, found: Diff, kinds: tuple[str, ...], counts: list[int],
                 offset: int, limit: int) -> list[dict]:
    """The rows of the listing between ``offset`` and ``offset + limit``, kind after kind."""
    rows: list[dict] = []
    start = 0
    for kind, count in zip(kinds, counts):
        first, last = max(offset - start, 0), min(offset + limit - start, count)
        if first < last:
            rows += _rows(engine, table_id, found, kind, first, last - first)
        start += count
    return rows


def _rows(engine: QueryEngine, table_id: str, found: Diff, kind: str, first: int, count: int) -> list[dict]:
    """``count`` rows of one kind from its ``first``-th, as the API lists them."""
    version = found.older if kind == 'removed' else found.newer
    names = _names(engine.store.meta(table_id, version))
    cells = take_rows(engine.store.open(table_id, version), found.rows_of(kind).slice(first, count))
    listed = [{'kind': kind, 'cells': dict(zip(names, row))} for row in cells]
    if kind == 'changed':
        older_names = _names(engine.store.meta(table_id, found.older))
        before = take_rows(engine.store.open(table_id, found.older), found.changed_from.slice(first, count))
        for i, (row, old) in enumerate(zip(listed, before)):
            old_cells = dict(zip(older_names, old))
            row['before'] = {name: old_cells[name] for name in found.changed_columns(first + i)}
    return listed


# -- download ----------------------------------------------------------------------------------------------------

class _Listing:
    """The listed rows as record batches of ``change`` then ``columns`` text, what ``export.export`` writes.

    A column the row's version lacks is written empty. Each kind is taken from
    its version a batch at a time (``export.Taken``), so memory stays at one batch.
    """

    def __init__(self, parts: list[tuple[str, pa.Table, pa.Array]], columns: list[str]) -> None:
        self.parts, self.columns = parts, columns
        self.schema = pa.schema([pa.field(n, pa.string()) for n in ['change', *columns]])

    def to_batches(self, max_chunksize: int) -> Iterator[pa.RecordBatch]:
        for kind, table, rows in self.parts:
            if len(rows) == 0:
                continue
            for batch in export.Taken(table, rows).to_batches(max_chunksize):
                yield self._widened(kind, batch)

    def _widened(self, kind: str, batch: pa.RecordBatch) -> pa.RecordBatch:
        n = batch.num_rows
        blank = pc.fill_null(pa.nulls(n, pa.string()), '')
        have = set(batch.schema.names)
        arrays = [pc.fill_null(pa.nulls(n, pa.string()), kind)]
        arrays += [pc.fill_null(batch.column(name), '') if name in have else blank for name in self.columns]
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)


def export_tsv(engine: QueryEngine, table_id: str, found: Diff, kind: str | None = None) -> Iterator[bytes]:
    """The listing as TSV: a leading ``change`` column (changed, added, removed), then ``columns``.

    Cells are written by ``export.export``, the table download's own TSV
    writer (quoted only where a cell must be), so the file reads back as a table.
    """
    if kind is not None and kind not in KINDS:
        raise BadParameter(f'kind must be one of {", ".join(KINDS)}, not "{kind[:40]}".')
    store = engine.store
    older, newer = store.open(table_id, found.older), store.open(table_id, found.newer)
    tables = {'changed': newer, 'added': newer, 'removed': older}
    parts = [(k, tables[k], found.rows_of(k)) for k in (KINDS if kind is None else (kind,))]
    listing = _Listing(parts, list(found.columns))
    return export.export(listing, ['change', *found.columns], 'tsv')
