"""One row of a stored version by its place in the file: the row detail of the page and the API.

Row N is the N-th data row of that version's file (1-based, the header not
counted), whatever view someone is looking at: a sorted or filtered page
links to a row by this number. Reading it slices the memory-mapped Arrow
table, so it costs the same in a ten-million-row table as in a small one.

Shape: ``row_cells(store, table_id, version, n) -> {"row": n, "version": v,
"cells": {column name: cell text}}`` (columns in file order); NotFound past
the end or for a version the table lacks, BadParameter below 1.
"""
from __future__ import annotations

from ..errors import BadParameter, NotFound
from ..storage.store import Store


def row_cells(store: Store, table_id: str, version: int | None, n: int) -> dict:
    """Row ``n`` of ``version`` (None: the current one) of the table ``table_id`` (an edit id)."""
    version = store.current(table_id) if version is None else version
    meta = store.meta(table_id, version)
    table = store.open(table_id, version)
    if n < 1:
        raise BadParameter(f'Rows are numbered from 1; there is no row {n}.')
    if n > table.num_rows:
        held = f'{table.num_rows:,} row' + ('' if table.num_rows == 1 else 's')
        raise NotFound(f'Version {version} has {held}; there is no row {n:,}.')
    row = table.slice(n - 1, 1)   # zero-copy: one row of each column
    names = [c['name'] for c in meta['columns']]
    return {'row': n, 'version': version, 'cells': {name: column[0].as_py() for name, column in zip(names, row.columns)}}
