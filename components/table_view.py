"""One viewer's window onto a table: its own page size, page, sort and search.

The data belongs to the URL; the view belongs to the viewer. Every query runs
off the event loop and asks the engine for one page only.
"""
from __future__ import annotations

import math
import weakref
from collections.abc import Callable

from nicegui import ui

from components.column_profile import show_profile
from components.lazy_menu import LazyMenu
from components.offload import off_loop
from tsvcore import PageRequest, QueryEngine, TableChanged
from tsvcore.queries.query import Page
from tsvcore.storage.store import LRU
from tsvcore.reading.types import NUMERIC

PAGE_SIZES = [25, 50, 100, 500]
# The engine's default page is the one read once for everyone after a replacement (web/services.py).
DEFAULT_ROWS = PageRequest().limit
PAGINATION_LABEL = ("(start, end, total) => 'rows ' + start.toLocaleString('en-US') + '-' + "
                    "end.toLocaleString('en-US') + ' of ' + total.toLocaleString('en-US')")
HEADER_SLOT = r'''
<q-th :props="props" class="tsv-head">
  {{ props.col.label }}
  <q-btn flat dense round size="xs" icon="insights" class="tsv-profile-button" :title="'Profile of ' + props.col.label"
         @click.stop="() => $parent.$emit('profile', props.col.name)" />
</q-th>
'''
CELL_SLOT = r'''
<q-td :props="props" class="tsv-cell" :title="props.value">{{ props.value }}</q-td>
'''


# Column definitions per (table, version), shared by every tab showing that version: a list of
# dicts NiceGUI would keep as an observable copy per tab (about 1 KB a column), a tuple it keeps as is.
# Shared, so never changed in place: a new tuple replaces them (and is sent) when columns change.
_SHARED_COLUMNS = LRU(64)


def table_columns(meta: dict) -> tuple[dict, ...]:
    """Quasar column definitions; labels are shown as text, never as markup."""
    return _SHARED_COLUMNS.get_or_load((meta['id'], meta['version']), lambda: tuple({
        'name': f'c{i}', 'field': f'c{i}', 'label': column['name'], 'sortable': True,
        'align': 'right' if column['type'] in NUMERIC else 'left',
        'headerClasses': 'tsv-head', 'headerStyle': 'white-space: nowrap',
    } for i, column in enumerate(meta['columns'])))


# Rows are built once per computed page and shared by every viewer showing that page. A
# tuple, because NiceGUI keeps a list of dicts as an observable copy per viewer (about
# 60 KB for a page of 50 rows); a tuple it stores as it is. Nothing ever mutates them.
_SHARED_ROWS: weakref.WeakKeyDictionary[Page, tuple[dict, ...]] = weakref.WeakKeyDictionary()


def table_rows(page: Page) -> tuple[dict, ...]:
    rows = _SHARED_ROWS.get(page)
    if rows is None:
        rows = _SHARED_ROWS[page] = tuple({'__i': page.offset + i, **{f'c{j}': cell for j, cell in enumerate(row)}}
                                          for i, row in enumerate(page.rows))
    return rows


class PageTable(ui.table):
    """ui.table showing one server-side page of plain cells."""

    def _to_dict(self) -> dict:
        # ui.table looks at every cell of every row for lists each time it sends the table, to
        # add a template for them; cells here are text and numbers, and with hundreds of tabs that
        # look ran once per tab per replacement, for every column.
        return super(ui.table, self)._to_dict()


class TableView:
    """A paginated, sortable, searchable table that follows the table's current version."""

    def __init__(self, engine: QueryEngine, table_id: str, meta: dict, *, pinned: bool = False) -> None:
        self.engine = engine
        self.table_id = table_id
        self.meta = meta
        self.pinned = pinned          # a viewer of an old version does not follow replacements
        self.rows_per_page = DEFAULT_ROWS
        self.page = 1
        self.sort: str | None = None  # a column name, so it survives a replacement
        self.desc = False
        self.q = ''
        self.total = meta['rows']
        self._generation = 0
        self.on_view_change: Callable[[dict], None] | None = None  # follow mode listens here

        with ui.row().classes('w-full items-center gap-3'):
            self.search = ui.input(placeholder='Search all columns').props('clearable dense outlined debounce=300') \
                .classes('w-72 tsv-search')
            self.search.on_value_change(self._on_search)
            self.count = ui.label().classes('text-sm opacity-80 tsv-count')
            columns_button = ui.button('Columns', icon='view_column').props('flat dense no-caps').classes('ml-auto')
            # a checkbox per column in every tab was most of a page's elements
            self.column_menu = LazyMenu(columns_button, self._fill_column_menu, marker='tsv-columns-menu',
                                        props='auto-close=false', classes='p-2')
        self.hidden: set[str] = set()  # column names this viewer chose not to see
        self.table = PageTable(columns=table_columns(meta), rows=(), row_key='__i', pagination=self._pagination()) \
            .props(f':rows-per-page-options="{PAGE_SIZES}" :pagination-label="{PAGINATION_LABEL}" '
                   'flat bordered dense separator="cell" binary-state-sort rows-per-page-label="Rows per page:"') \
            .classes('w-full tsv-table')
        self.table.add_slot('body-cell', CELL_SLOT)
        self.table.add_slot('header-cell', HEADER_SLOT)
        self.table.on('profile', self._on_profile)
        self.table.on('request', self._on_request, js_handler='(e) => emit(e.pagination)')
        self._apply_hidden()
        ui.keyboard(on_key=self._on_key, ignore=['input', 'select', 'button', 'textarea'])

    def _fill_column_menu(self) -> None:
        """One checkbox per column; hiding is this viewer's own choice and survives replacements by name."""
        menu = self.column_menu.menu
        menu.clear()
        with menu, ui.column().classes('gap-0'):
            for column in self.meta['columns']:
                ui.checkbox(column['name'], value=column['name'] not in self.hidden,
                            on_change=lambda e, name=column['name']: self._show_column(name, e.value)).props('dense')

    def _show_column(self, name: str, visible: bool) -> None:
        (self.hidden.discard if visible else self.hidden.add)(name)
        self._apply_hidden()

    def _apply_hidden(self) -> None:
        self.table.props['visible-columns'] = tuple(f'c{i}' for i, c in enumerate(self.meta['columns'])
                                                    if c['name'] not in self.hidden)

    async def _on_key(self, e) -> None:
        """Left/right arrows page back and forth; Home and End jump to the first and last page."""
        if not e.action.keydown:
            return
        pages = max(1, math.ceil(self.total / self.rows_per_page))
        target = {'ArrowLeft': self.page - 1, 'ArrowRight': self.page + 1, 'Home': 1, 'End': pages}.get(e.key.name)
        if target is None:
            return
        target = min(max(target, 1), pages)
        if target != self.page:
            self.page = target
            await self.load()
            self._viewer_moved()

    # -- events ------------------------------------------------------------------

    async def _on_request(self, e) -> None:
        p = e.args
        self.rows_per_page = int(p.get('rowsPerPage') or DEFAULT_ROWS)
        self.page = int(p.get('page') or 1)
        sort_by = p.get('sortBy')
        if sort_by and sort_by.startswith('c') and sort_by[1:].isdigit():
            index = int(sort_by[1:])
            self.sort = self.meta['columns'][index]['name'] if index < len(self.meta['columns']) else None
        else:
            self.sort = None
        self.desc = bool(p.get('descending')) and self.sort is not None
        await self.load()
        self._viewer_moved()

    async def _on_profile(self, e) -> None:
        name = e.args
        if not (isinstance(name, str) and name.startswith('c') and name[1:].isdigit()):
            return
        column = self.meta['columns'][int(name[1:])]['name']
        result = await off_loop(self.engine.profile, self.table_id, column, self.meta['version'])
        show_profile(result)

    async def _on_search(self, e) -> None:
        if (e.value or '') == self.q:
            return  # set by apply_view, not typed
        self.q = e.value or ''
        self.page = 1
        await self.load()
        self._viewer_moved()

    def _viewer_moved(self) -> None:
        if self.on_view_change is not None:
            self.on_view_change(self.view_state())

    def view_state(self) -> dict:
        """This viewer's page size, page, sort and search: what follow mode shares."""
        return {'rows_per_page': self.rows_per_page, 'page': self.page, 'sort': self.sort, 'desc': self.desc,
                'q': self.q}

    async def apply_view(self, state: dict) -> None:
        """Take another viewer's page, sort and search (follow mode), where this table's columns allow."""
        self.rows_per_page = int(state.get('rows_per_page') or self.rows_per_page)
        self.page = int(state.get('page') or 1)
        names = [c['name'] for c in self.meta['columns']]
        self.sort = state.get('sort') if state.get('sort') in names else None
        self.desc = bool(state.get('desc')) and self.sort is not None
        self.q = state.get('q') or ''
        self.search.value = self.q
        await self.load()

    def apply_change_now(self, change: TableChanged) -> bool:
        """Show a new version from what the cache already holds, without waiting; False if it holds too little.

        After a replacement the first page is read once for everyone before
        viewers hear of it (web/services.py), so most viewers end here: no
        task, no thread hop, no query of their own.
        """
        if self.pinned or change.version <= self.meta['version']:
            return True
        meta = self.engine.store.cached_meta(self.table_id, change.version)
        if meta is None:
            return False
        sort = self.sort if self.sort in [c['name'] for c in meta['columns']] else None
        page = self.engine.cached_page(self.table_id, self._request(sort), change.version)
        if page is None or (self.page > 1 and page.offset >= page.total):
            return False  # not read yet, or the table shrank below this page: the slow way clamps
        self._generation += 1  # supersedes a load still in flight
        self._adopt(meta)
        self._show(page)
        self._tell_replaced()
        return True

    async def apply_change(self, change: TableChanged) -> None:
        """A new version is current: show it, keeping this viewer's page size, sort and search."""
        if self.pinned or change.version <= self.meta['version']:
            return
        meta = self.engine.store.cached_meta(self.table_id, change.version) \
            or await off_loop(self.engine.store.meta, self.table_id, change.version)
        if meta['version'] <= self.meta['version']:
            return
        self._adopt(meta)
        await self.load()
        self._tell_replaced()

    def _adopt(self, meta: dict) -> None:
        """Take a new version's metadata; a sort by a column that is gone is dropped."""
        same_columns = meta['columns'] == self.meta['columns']  # a cheap test first: hundreds of tabs run this
        self.meta = meta
        if self.sort not in [c['name'] for c in meta['columns']]:
            self.sort, self.desc = None, False
        if not same_columns:  # send the columns (and rebuild the menu) only when they changed
            self.table.props['columns'] = table_columns(meta)
            if self.column_menu.menu is not None:
                self._fill_column_menu()
            self._apply_hidden()

    def _tell_replaced(self) -> None:
        ui.notify(f"Table replaced: {self.meta['name']}, {self.meta['rows']:,} rows", type='info', timeout=4000)

    # -- queries -----------------------------------------------------------------

    async def load(self) -> None:
        """Fetch this viewer's page; a newer request supersedes an older one in flight."""
        self._generation += 1
        generation = self._generation
        page = await self._fetch()
        if generation != self._generation:
            return
        pages = max(1, math.ceil(page.total / self.rows_per_page))
        if self.page > pages:  # the table shrank: clamp to its new last page
            self.page = pages
            page = await self._fetch()
            if generation != self._generation:
                return
        self._show(page)

    def _show(self, page: Page) -> None:
        self.total = page.total
        # one props change, so one element update, for both (each assignment costs a change event)
        self.table.props.update(rows=table_rows(page), pagination=self._pagination())
        self.count.text = self._count_text()

    async def _fetch(self) -> Page:
        """This viewer's page: straight from the cache when another viewer already asked for it."""
        request = self._request(self.sort)
        version = self.meta['version']
        page = self.engine.cached_page(self.table_id, request, version)
        return page if page is not None else await off_loop(self.engine.page, self.table_id, request, version)

    def _request(self, sort: str | None) -> PageRequest:
        """This viewer's page, sort and search as the engine takes them."""
        return PageRequest(offset=(self.page - 1) * self.rows_per_page, limit=self.rows_per_page,
                           sort=sort, desc=self.desc and sort is not None, q=self.q)

    def _pagination(self) -> dict:
        sort_by = None
        if self.sort is not None:
            names = [c['name'] for c in self.meta['columns']]
            sort_by = f'c{names.index(self.sort)}'
        return {'page': self.page, 'rowsPerPage': self.rows_per_page, 'rowsNumber': self.total,
                'sortBy': sort_by, 'descending': self.desc}

    def _count_text(self) -> str:
        if self.q:
            return f"{self.total:,} of {self.meta['rows']:,} rows match"
        return f"{self.meta['rows']:,} rows"
