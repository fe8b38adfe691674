"""One viewer's window onto a table: its own page size, page, sort and search.

The data belongs to the URL; the view belongs to the viewer. Every query runs
off the event loop and asks the engine for one page only.
"""
from __future__ import annotations

import asyncio
import json
import math
import weakref
from collections.abc import Awaitable, Callable, Iterable
from inspect import isawaitable
from typing import Any

from nicegui import Client, ui

from components.column_profile import show_profile
from components.filter_chips import STYLE as CHIPS_STYLE
from components.filter_chips import FilterChips
from components.filter_menu import STYLE as PANEL_STYLE
from components.filter_menu import FilterPanel, filter_problem
from components.lazy_menu import LazyMenu
from components.offload import off_loop
from components.shortcuts import ShortcutsDialog
from components.words import counted
from tsvcore import MAX_LIMIT, PageRequest, QueryEngine, TableChanged
from tsvcore.queries.filters import Filter
from tsvcore.queries.query import Page
from tsvcore.reading.types import (
    BOOLEAN,
    DATE,
    DATETIME,
    DECIMAL_COMMA,
    INTEGER,
    NUMBER,
    NUMERIC,
    TEXT,
)
from tsvcore.storage.store import LRU

from .view_state import DEFAULT_ROWS, RESERVED, ViewState, filter_order

PAGE_SIZES = [25, 50, 100, 500]
VIRTUAL_FROM = 100  # rows per page above which only the rows in sight are drawn
BUSY_AFTER = 0.3  # seconds: a query that has not answered by then shows the loading bar (issue #13)

# A short tag per column type in the header, with the type's name as its title.
TYPE_TAGS = {INTEGER: '123', NUMBER: '1.5', DECIMAL_COMMA: '1,5', DATE: 'date', DATETIME: 'time',
             BOOLEAN: 't/f', TEXT: 'abc'}

# Material's filter_alt as an SVG path (Quasar draws a QIcon named "M..." as one): an icon font's
# ligature would put the word "filter_alt" into every header's text, and into what a person copies.
FILTER_ICON = ('M4.25 5.61C6.27 8.2 10 13 10 13v6c0 .55.45 1 1 1h2c.55 0 1-.45 1-1v-6s3.72-4.8 5.74-7.39'
               'A.998.998 0 0 0 18.95 4H5.04c-.83 0-1.3.95-.79 1.61z|0 0 24 24')

# Slots are Vue templates NiceGUI sends once per tab; nothing in them is an element on the server.
# NiceGUI mounts a slot's template afresh whenever anything on the page changes, so only the
# header (a cell per column) and the pager use them; the rows do not (CELL_TITLES).
# ``$parent`` is the QTable: its $attrs carry this view's state, its $emit reaches the server.
HEADER_SLOT = r'''
<th :class="props.col.__thClass" :style="props.col.headerStyle" @click="props.sort(props.col)">
  <div class="tsv-head-in" :class="props.col.align === 'right' ? 'tsv-head-in--right' : null">
    <span class="tsv-sort" :title="'Sort by ' + props.col.label + ' (click again for descending, a third time for file order)'"
      ><span class="tsv-type" :title="'Type: ' + props.col.tsvType">{{ props.col.tsvTag }}</span><span
      class="tsv-name">{{ props.col.label }}</span><q-icon name="arrow_upward" :class="props.col.__iconClass" /></span>
    <span class="tsv-head-buttons">
      <q-btn flat dense round size="9px" icon="FILTER_ICON" class="tsv-filter-button"
             :class="($parent.$attrs['tsv-filtered'] || []).includes(props.col.name) ? 'tsv-filter-button--on' : null"
             :aria-label="'Filter ' + props.col.label" :title="'Filter ' + props.col.label"
             @click.stop="() => $parent.$emit('act', ['filter', props.col.name])" />
      <q-btn flat dense round size="9px" icon="insights" class="tsv-profile-button"
             :aria-label="'Profile of ' + props.col.label" :title="'Profile of ' + props.col.label"
             :loading="$parent.$attrs['tsv-profiling'] === props.col.name"
             @click.stop="() => $parent.$emit('profile', props.col.name)" />
    </span>
  </div>
</th>
'''.replace('FILTER_ICON', FILTER_ICON)
# Cut cells show their whole text on hover. Rows are Quasar's own plain <td>s: a slot template
# (one per cell before, or per row) is mounted afresh each time anything on the page changes.
CELL_TITLES = '''<script>
document.addEventListener('mouseover', (e) => {
  const td = e.target.closest ? e.target.closest('.tsv-table tbody td') : null;
  if (td) td.title = td.scrollWidth > td.clientWidth ? td.textContent : '';
});
</script>'''
_RANGE = ("(props.pagination.rowsNumber === 1 ? 'row 1 of 1' : 'rows ' + "
          "((props.pagination.page - 1) * props.pagination.rowsPerPage + 1).toLocaleString('en-US') + '-' + "
          "Math.min(props.pagination.page * props.pagination.rowsPerPage, props.pagination.rowsNumber)"
          ".toLocaleString('en-US') + ' of ' + props.pagination.rowsNumber.toLocaleString('en-US'))")
PAGINATION_SLOT = r'''
<div class="tsv-pager row items-center">
  <span class="tsv-range">{{ RANGE }}</span>
  <label class="tsv-page">Page <input class="tsv-page-input" inputmode="numeric" aria-label="Page number"
    :value="props.pagination.page" :size="Math.max(2, String(props.pagesNumber).length)"
    @focus="e => e.target.select()" @change="e => $parent.$emit('act', ['jump', e.target.value])"> of
    {{ props.pagesNumber.toLocaleString('en-US') }}</label>
  <q-btn flat round icon="first_page" aria-label="First page" title="First page (Home)"
         :disable="props.isFirstPage" @click="props.firstPage" />
  <q-btn flat round icon="chevron_left" aria-label="Previous page" title="Previous page (←)"
         :disable="props.isFirstPage" @click="props.prevPage" />
  <q-btn flat round icon="chevron_right" aria-label="Next page" title="Next page (→)"
         :disable="props.isLastPage" @click="props.nextPage" />
  <q-btn flat round icon="last_page" aria-label="Last page" title="Last page (End)"
         :disable="props.isLastPage" @click="props.lastPage" />
  <q-btn flat round dense icon="keyboard" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)"
         class="tsv-keys-button" @click="$parent.$emit('act', ['shortcuts'])" />
</div>
'''.replace('RANGE', _RANGE)
# 'tsv-empty' says why there are no rows: 'table' (none at all), 'page', 'search', 'filters' or 'both'.
NO_DATA_SLOT = r'''
<div class="tsv-empty full-width column items-center text-center">
  <q-icon size="2rem" class="opacity-50"
          :name="{search: 'search_off', filters: 'filter_alt_off', both: 'filter_alt_off'}[$parent.$attrs['tsv-empty']]
                 || 'table_rows'" />
  <div class="tsv-empty-message">{{ props.message }}</div>
  <div class="row justify-center tsv-empty-actions">
    <q-btn v-if="['filters', 'both'].includes($parent.$attrs['tsv-empty'])" outline no-caps color="primary"
           icon="filter_alt_off" label="Clear filters" class="tsv-clear-filters"
           @click="$parent.$emit('act', ['clear_filters'])" />
    <q-btn v-if="['search', 'both'].includes($parent.$attrs['tsv-empty'])" outline no-caps color="primary" icon="close"
           label="Clear the search" class="tsv-clear-search" @click="$parent.$emit('act', ['clear_search'])" />
  </div>
</div>
'''
STYLE = '''
.tsv-table tbody td { max-width: 22rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.tsv-table .tsv-head-in { display: flex; align-items: center; justify-content: space-between; gap: .2rem; }
.tsv-table .tsv-head-in--right { flex-direction: row-reverse; }
.tsv-table .tsv-head-in--right .q-table__sort-icon { order: -1; }
.tsv-table .tsv-sort { display: inline-flex; align-items: center; white-space: nowrap; }
.tsv-table .tsv-type { margin-right: .3rem; padding: 0 .15rem; border: 1px solid currentColor; border-radius: 3px;
  font: 600 9px/12px ui-monospace, Menlo, Consolas, monospace; opacity: .5; }
.tsv-table .tsv-head-buttons { flex: none; display: inline-flex; }
.tsv-table .tsv-profile-button, .tsv-table .tsv-filter-button { flex: none; opacity: .5; }
.tsv-table th:hover .tsv-profile-button, .tsv-table .tsv-profile-button:focus,
.tsv-table .tsv-profile-button:has(.q-spinner), .tsv-table th:hover .tsv-filter-button,
.tsv-table .tsv-filter-button:focus { opacity: 1; }
.tsv-table .tsv-filter-button--on { opacity: 1; color: var(--q-primary); }
.body--dark .tsv-table .tsv-filter-button--on { color: #90caf9; }
/* wide tables: the first column in sight stays put while the rest scroll sideways (on a background of
   its own, so the cells passing under it do not show through); the header row stays above both */
.tsv-table tbody tr td:first-child { position: sticky; left: 0; z-index: 1; background: var(--tsv-cell-bg, #fff); }
.tsv-table tbody tr td:first-child, .tsv-table thead tr th:first-child {
  box-shadow: inset -1px 0 0 rgba(127, 127, 127, .45); }  /* its edge: the cell separators scroll away under it */
.body--dark .tsv-table tbody tr td:first-child { --tsv-cell-bg: #1d1d1d; }
.tsv-table.q-table__container thead tr th { z-index: 2; }
.tsv-table.q-table__container thead tr th:first-child { left: 0; z-index: 3; }
@media (max-width: 599px) { .tsv-table tbody tr td:first-child { max-width: 40vw; } }
.tsv-table .q-table__linear-progress { height: 4px; }
.tsv-table.q-table--loading tbody { opacity: .45; transition: opacity .15s; }
.tsv-table .q-table__bottom { font-size: 14px; flex-wrap: wrap; row-gap: .25rem; }
.tsv-table .q-table__bottom .q-table__select .q-field__native { font-size: 14px; }
.tsv-pager { gap: .25rem; }
.tsv-pager .tsv-range { margin-right: .75rem; white-space: nowrap; }
.tsv-pager .tsv-page { margin-right: .5rem; white-space: nowrap; }
.tsv-page-input { width: auto; padding: 2px 4px; text-align: center; font: inherit; color: inherit; background: transparent;
  border: 1px solid rgba(127, 127, 127, .5); border-radius: 4px; }
.tsv-page-input:focus { outline: 2px solid var(--q-primary); outline-offset: -1px; }
.tsv-pager .q-btn.disabled { opacity: .25 !important; }
.tsv-pager .tsv-keys-button { margin-left: .5rem; opacity: .7; }
.tsv-empty { gap: .5rem; padding: 2.5rem 1rem; font-size: 15px; }
.tsv-empty-actions { gap: .5rem; }
.tsv-table.q-table__container:has(.q-table__bottom--nodata) .q-table__middle { flex: 0 0 auto; }
.tsv-table .q-table__bottom--nodata { flex: 1 1 auto; align-items: flex-start; }
.tsv-shortcuts .tsv-keys { display: grid; grid-template-columns: auto 1fr; gap: .5rem 1rem; align-items: center; }
.tsv-shortcuts kbd { justify-self: start; min-width: 2rem; padding: .1rem .45rem; text-align: center;
  border: 1px solid rgba(127, 127, 127, .6); border-bottom-width: 2px; border-radius: 4px; font: 13px ui-monospace, monospace; }
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
        'tsvType': column['type'], 'tsvTag': TYPE_TAGS.get(column['type'], column['type']),
    } for i, column in enumerate(meta['columns'])))


# Rows are built once per computed page and shared by every viewer showing that page. A
# tuple, because NiceGUI keeps a list of dicts as an observable copy per viewer (about
# 60 KB for a page of 50 rows); a tuple it stores as it is. Nothing ever mutates them.
_SHARED_ROWS: weakref.WeakKeyDictionary[Page, tuple[dict, ...]] = weakref.WeakKeyDictionary()


def table_rows(page: Page) -> tuple[dict, ...]:
    rows = _SHARED_ROWS.get(page)
    if rows is None:
        # '__n': the row's place in the file, which a click opens as row detail (/t/<id>?row=N)
        rows = _SHARED_ROWS[page] = tuple({'__i': page.offset + i, '__n': number,
                                           **{f'c{j}': cell for j, cell in enumerate(row)}}
                                          for i, (row, number) in enumerate(zip(page.rows, page.numbers)))
    return rows


# Puts the view's query string into the address bar: no reload, no new history entry, ``version=`` and
# ``row=`` kept from the address as it is (a pinned version; another panel's row).
# The view's part goes in as the server spelled it (URLSearchParams would write every comma as %2C).
ADDRESS_JS = '''{
  const here = new URLSearchParams(location.search);
  const kept = RESERVED.filter(key => here.has(key)).map(key => key + '=' + encodeURIComponent(here.get(key)));
  const search = kept.concat(QUERY ? [QUERY] : []).join('&');
  history.replaceState(history.state, '', location.pathname + (search ? '?' + search : '') + location.hash);
}'''.replace('RESERVED', json.dumps(RESERVED))



class PageTable(ui.table):
    """ui.table showing one server-side page of plain cells."""

    def _to_dict(self) -> dict:
        # ui.table looks at every cell of every row for lists each time it sends the table, to
        # add a template for them; cells here are text and numbers, and with hundreds of tabs that
        # look ran once per tab per replacement, for every column.
        return super(ui.table, self)._to_dict()


class TableView:
    """A paginated, sortable, searchable, filterable table that follows the table's current version.

    ``view`` is where it opens (a link's ``ViewState``); from then on the address
    bar follows the view (``view_query``), so a copied address or a reload shows it again.
    """

    def __init__(self, engine: QueryEngine, table_id: str, meta: dict, *, pinned: bool = False,
                 view: ViewState | None = None) -> None:
        view = view or ViewState()
        self.engine = engine
        self.table_id = table_id
        self.meta = meta
        self.pinned = pinned          # a viewer of an old version does not follow replacements
        self.rows_per_page = view.rows_per_page
        self.page = view.page
        self.sort: str | None = view.sort  # a column name, so it survives a replacement
        self.desc = view.desc
        self.q = view.q
        self.filters: tuple[Filter, ...] = view.filters  # in the engine's order (filter_order)
        self.total = meta['rows']
        self._generation = 0
        self._address = view.query()  # what the address bar says (as far as this view is concerned)
        self._on_row: Callable[[int], Any] | None = None
        self.on_view_change: Callable[[dict], None] | None = None  # follow mode listens here
        self.on_replaced: Callable[[dict], None] | None = None     # the page says what changed
        self.keys_elsewhere: Callable[[], bool] = lambda: False     # True while a dialog over the table has the keys

        with ui.row().classes('w-full items-center gap-3'):
            self.search = ui.input(placeholder='Search all columns (press /)', value=self.q) \
                .props('clearable dense outlined debounce=300').classes('w-72 tsv-search')
            self.search.on_value_change(self._on_search)
            self.count = ui.label().classes('text-sm opacity-80 tsv-count')
            columns_button = ui.button('Columns', icon='view_column').props('flat dense no-caps').classes('ml-auto')
            # a checkbox per column in every tab was most of a page's elements
            self.column_menu = LazyMenu(columns_button, self._fill_column_menu, marker='tsv-columns-menu',
                                        props='auto-close=false', classes='p-2')
        self.hidden: set[str] = set(view.hidden)  # column names this viewer chose not to see
        # Quasar's sort cycles ascending, descending, none (file order): no binary-state-sort
        self.table = PageTable(columns=table_columns(meta), rows=(), row_key='__i', pagination=self._pagination()) \
            .props(f':rows-per-page-options="{self._page_sizes()}" flat bordered dense separator="cell" '
                   'color="primary" rows-per-page-label="Rows per page:" virtual-scroll-item-size=29 '
                   'virtual-scroll-sticky-size-start=33') \
            .classes('w-full tsv-table')
        self.chips = FilterChips(self.table, on_remove=self.remove_filter, on_clear=self.clear_filters)
        self._show_filters()
        for name, template in (('header-cell', HEADER_SLOT), ('pagination', PAGINATION_SLOT), ('no-data', NO_DATA_SLOT)):
            self.table.add_slot(name, template)
        self.table.on('profile', self._on_profile)
        # one listener for the slots' other buttons: every listener goes out with every update of the table
        self.table.on('act', self._on_act)
        self.table.on('request', self._on_request, js_handler='(e) => emit(e.pagination)')
        self._apply_hidden()
        self.shortcuts = ShortcutsDialog()  # no element until someone asks for it
        # a focused button (the pager's, after a click) no longer swallows the keys
        ui.keyboard(on_key=self._on_key, ignore=['input', 'select', 'textarea'])
        if '.tsv-pager' not in Client.shared_head_html:  # once for every page, not a copy per tab
            ui.add_css(STYLE + CHIPS_STYLE + PANEL_STYLE, shared=True)
            ui.add_head_html(CELL_TITLES, shared=True)

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
        self._view_changed()  # the link and the followers carry hidden columns too

    def _apply_hidden(self) -> None:
        self.table.props['visible-columns'] = tuple(f'c{i}' for i, c in enumerate(self.meta['columns'])
                                                    if c['name'] not in self.hidden)

    async def _on_key(self, e) -> None:
        """Left/right arrows page back and forth; Home and End jump to the first and last page;
        ``/`` goes to the search box and ``?`` lists these keys (components/shortcuts.py)."""
        if not e.action.keydown or e.modifiers.ctrl or e.modifiers.meta or e.modifiers.alt:
            return
        if self.keys_elsewhere():  # e.g. the diff view: its pages are not the table's
            return
        if e.key.name == '/':
            self.search.run_method('focus')
            return
        if e.key.name == '?':
            self.shortcuts.open()
            return
        pages = max(1, math.ceil(self.total / self.rows_per_page))
        target = {'ArrowLeft': self.page - 1, 'ArrowRight': self.page + 1, 'Home': 1, 'End': pages}.get(e.key.name)
        if target is not None:
            await self._go_to(target)

    async def _go_to(self, page: int) -> None:
        """Turn to ``page``, kept within the pages there are."""
        page = min(max(page, 1), max(1, math.ceil(self.total / self.rows_per_page)))
        if page != self.page:
            self.page = page
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

    async def _on_act(self, e) -> None:
        """What the header, the pager and the empty state ask for: ['filter', 'c3'], ['jump', page],
        ['shortcuts'], ['clear_search'], ['clear_filters']."""
        args = e.args if isinstance(e.args, list) and e.args else [None]
        if args[0] == 'jump':
            await self._jump(args[1] if len(args) > 1 else '')
        elif args[0] == 'filter':
            self.open_filter(args[1] if len(args) > 1 else '')
        elif args[0] == 'shortcuts':
            self.shortcuts.open()
        elif args[0] == 'clear_search':
            self.search.value = ''  # its change handler loads the table
        elif args[0] == 'clear_filters':
            await self.clear_filters()

    # -- filters -----------------------------------------------------------------

    def _column_at(self, key) -> dict | None:
        """The column a header's key (``c3``) names, if this version has it."""
        if isinstance(key, str) and key.startswith('c') and key[1:].isdigit():
            index = int(key[1:])
            return self.meta['columns'][index] if index < len(self.meta['columns']) else None
        return None

    def open_filter(self, key: str) -> FilterPanel | None:
        """The filter panel of the column ``key`` (``c3``), its values counted in this viewer's view."""
        column = self._column_at(key)
        if column is None:
            return None
        name, request, version = column['name'], self._request(self.sort), self.meta['version']

        def facets(search: str = '') -> Awaitable[dict]:
            return off_loop(self.engine.facets, self.table_id, name, request, MAX_LIMIT, version, search)

        def apply(made: tuple[Filter, ...]) -> Awaitable[None]:
            return self.set_filters([f for f in self.filters if f.column != name] + list(made))
        return FilterPanel(column, self.filters, facets=facets, on_apply=apply)

    async def set_filters(self, filters: Iterable[Filter]) -> None:
        """Show the rows these filters let through, from the first page."""
        chosen = tuple(sorted(set(filters), key=filter_order))
        if chosen == self.filters:
            return
        self.filters = chosen
        self.page = 1
        self._show_filters()
        await self.load()
        self._viewer_moved()

    async def remove_filter(self, test: Filter) -> None:
        await self.set_filters(f for f in self.filters if f != test)

    async def clear_filters(self) -> None:
        await self.set_filters(())

    def _show_filters(self) -> None:
        """The chips above the table, and which headers' filter buttons show as on."""
        self.chips.show(self.filters)
        filtered = {f.column for f in self.filters}
        self.table.props['tsv-filtered'] = tuple(f'c{i}' for i, c in enumerate(self.meta['columns'])
                                                 if c['name'] in filtered)

    def _filters_for(self, meta: dict) -> tuple[Filter, ...]:
        """The filters that still apply to ``meta``'s columns (a replacement may drop or retype a column)."""
        columns = {c['name']: c for c in meta['columns']}
        return tuple(f for f in self.filters if f.column in columns and filter_problem(columns[f.column], f) is None)

    # -- rows --------------------------------------------------------------------

    @property
    def on_row(self) -> Callable[[int], Any] | None:
        """Called with a clicked row's 1-based row number in the file (``'__n'`` of the row), if set."""
        return self._on_row

    @on_row.setter
    def on_row(self, handler: Callable[[int], Any] | None) -> None:
        if handler is not None and self._on_row is None:  # rows look clickable only once someone listens
            # only the row's number crosses the wire, not the row
            self.table.on('row-click', self._on_row_click, js_handler='(e, row) => emit(row ? row.__n : null)')
        self._on_row = handler

    async def _on_row_click(self, e) -> None:
        number = e.args
        if self._on_row is None or isinstance(number, bool) or not isinstance(number, int) or number < 1:
            return  # a click that carried no row number (not on a row)
        result = self._on_row(number)
        if isawaitable(result):
            await result

    async def _jump(self, typed) -> None:
        """The page number typed into the pager; anything but a number puts the current one back."""
        text = str(typed or '').strip().replace(',', '')
        before = self.page
        if text.isdigit():
            await self._go_to(int(text))
        if self.page == before:  # nothing to turn to (or clamped to where it was): show the page it is on again
            self.table.update()

    async def _on_profile(self, e) -> None:
        name = e.args
        if not (isinstance(name, str) and name.startswith('c') and name[1:].isdigit()):
            return
        index = int(name[1:])
        if index >= len(self.meta['columns']):
            return
        column = self.meta['columns'][index]['name']
        # the button turns into a spinner if the profile takes longer than a moment
        spinner = asyncio.get_running_loop().call_later(BUSY_AFTER, self._set_table_prop, 'tsv-profiling', name)
        try:
            result = await off_loop(self.engine.profile, self.table_id, column, self.meta['version'])
        finally:
            spinner.cancel()
            if self.table.props.get('tsv-profiling') == name:
                self._set_table_prop('tsv-profiling', None)
        show_profile(result)

    def _set_table_prop(self, name: str, value) -> None:
        if self.table.is_deleted:  # the tab closed while it waited
            return
        if value is None:
            self.table.props.pop(name, None)
        else:
            self.table.props[name] = value

    async def _on_search(self, e) -> None:
        if (e.value or '') == self.q:
            return  # set by apply_view, not typed
        self.q = e.value or ''
        self.page = 1
        await self.load(searching=True)
        self._viewer_moved()

    def _viewer_moved(self) -> None:
        """After every change of the view that shows other rows."""
        self.table.run_method('scrollTo', 0)  # a new page, sort or search starts at its first row
        self._view_changed()

    def _view_changed(self) -> None:
        """Followers and the address bar hear of every change of the view."""
        if self.on_view_change is not None:
            self.on_view_change(self.view_state())
        self._follow_address()

    def current_view(self) -> ViewState:
        return ViewState(page=self.page, rows_per_page=self.rows_per_page, sort=self.sort,
                         desc=self.desc and self.sort is not None, q=self.q, filters=self.filters,
                         hidden=tuple(c['name'] for c in self.meta['columns'] if c['name'] in self.hidden))

    def view_query(self) -> str:
        """The view as a query string in the API's spelling (no ``?``): the same rows from ``/api/tables/<id>``."""
        return self.current_view().query()

    def view_state(self) -> dict:
        """What follow mode shares: the whole view, hidden columns too (see ``ViewState.as_dict``).

        Hidden columns follow because the leader shows the followers what it sees, as
        its link would; a follower who wants its own columns stops following.
        """
        return self.current_view().as_dict()

    def _follow_address(self) -> None:
        """The address bar says this view (replacing the history entry, no reload), so that copying it
        shares the view and a reload comes back to it."""
        query = self.view_query()
        if query == self._address or self.table.is_deleted:
            return
        self._address = query
        self.table.client.run_javascript(ADDRESS_JS.replace('QUERY', json.dumps(query)))

    def tell_ignored(self, ignored: list[str]) -> None:
        """Say which parts of the link were left out of the view, and take them out of the address."""
        if not ignored:
            return
        more = f' and {len(ignored) - 8} more' if len(ignored) > 8 else ''
        ui.notify("Left out of this link's view: " + ', '.join(ignored[:8]) + more,
                  type='warning', multi_line=True, timeout=10000, close_button=True)
        self._address = None  # whatever it said, it says the view now
        self._follow_address()

    async def apply_view(self, state: dict) -> None:
        """Take another viewer's view (follow mode), where this table's columns allow."""
        view = ViewState.from_dict(state, self.meta)
        self.rows_per_page, self.page = view.rows_per_page, view.page
        self.sort, self.desc, self.q = view.sort, view.desc, view.q
        self.search.value = self.q
        if view.filters != self.filters:
            self.filters = view.filters
            self._show_filters()
        if set(view.hidden) != self.hidden:
            self.hidden = set(view.hidden)
            self._apply_hidden()
            if self.column_menu.menu is not None:
                self._fill_column_menu()
        self._offer_page_size()
        await self.load()
        self._follow_address()

    def _page_sizes(self) -> list[int]:
        """The pager's page sizes, with this view's own when a link asked for another."""
        return sorted({*PAGE_SIZES, self.rows_per_page})

    def _offer_page_size(self) -> None:
        if self.rows_per_page not in PAGE_SIZES:
            self.table.props[':rows-per-page-options'] = str(self._page_sizes())

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
        page = self.engine.cached_page(self.table_id, self._request(sort, self._filters_for(meta)), change.version)
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
        """Take a new version's metadata; a sort or a filter on a column that is gone is dropped."""
        same_columns = meta['columns'] == self.meta['columns']  # a cheap test first: hundreds of tabs run this
        self.meta = meta
        if same_columns:
            return
        if self.sort not in [c['name'] for c in meta['columns']]:
            self.sort, self.desc = None, False
        # send the columns (and rebuild the menu) only when they changed
        self.table.props['columns'] = table_columns(meta)
        if self.column_menu.menu is not None:
            self._fill_column_menu()
        self._apply_hidden()
        self.filters = self._filters_for(meta)
        self._show_filters()
        self._follow_address()  # a dropped sort or filter leaves the address too

    def _tell_replaced(self) -> None:
        """Say that a new version is shown: through ``on_replaced`` (the page's notice) when set."""
        if self.on_replaced is not None:
            self.on_replaced(self.meta)
        else:
            ui.notify(f"Table replaced: {self.meta['name']}, {counted(self.meta['rows'], 'row')}", type='info',
                      timeout=4000)

    # -- queries -----------------------------------------------------------------

    async def load(self, *, searching: bool = False) -> None:
        """Fetch this viewer's page; a newer request supersedes an older one in flight.

        A page the cache holds shows at once. Any other shows the table's loading bar if it
        has not come within ``BUSY_AFTER`` (the old rows dimmed under it), and a search says
        "searching..." in its box until its answer is shown.
        """
        self._generation += 1
        generation = self._generation
        page = await self._fetch(generation, searching)
        if page is None:
            return  # superseded: the newer request shows its own page
        pages = max(1, math.ceil(page.total / self.rows_per_page))
        if self.page > pages:  # the table shrank (or a link asked past its end): clamp to its last page
            self.page = pages
            page = await self._fetch(generation, searching)
            if page is None:
                return
            self._follow_address()
        self._show(page)

    def _show(self, page: Page) -> None:
        self.total = page.total
        # one props change, so one element update, for all of them (each assignment costs a change event)
        shown = {'rows': table_rows(page), 'pagination': self._pagination(), 'loading': False,
                 # pages of more than 100 rows draw only the rows in sight (bench/render.py: a page of
                 # 500 drawn whole took 0.3-0.4 s in Chromium here, 1.0-1.8 s on the machine)
                 'virtual-scroll': self.rows_per_page > VIRTUAL_FROM}
        if page.total == 0:
            shown.update(self._empty_state())
        self.table.props.update(shown)
        self.count.text = self._count_text()
        if 'suffix' in self.search.props:
            self.search.props.pop('suffix')

    def _empty_state(self) -> dict:
        """What the table says instead of rows, and whether it offers to clear the search."""
        if self.meta['rows'] == 0:
            columns = counted(len(self.meta['columns']), 'column')
            return {'no-data-label': f'This table has a header ({columns}) and no rows.', 'tsv-empty': 'table'}
        if self.filters:
            searched = f' and "{self.q}"' if self.q else ''
            return {'no-data-label': f'No rows match the filters{searched}',
                    'tsv-empty': 'both' if self.q else 'filters'}
        if self.q:
            return {'no-data-label': f'No rows match "{self.q}"', 'tsv-empty': 'search'}
        return {'no-data-label': 'No rows on this page.', 'tsv-empty': 'page'}

    async def _fetch(self, generation: int | None = None, searching: bool = False) -> Page | None:
        """This viewer's page: straight from the cache when another viewer already asked for it.

        None when a newer request (``generation``) came in while this one was being read.
        """
        request = self._request(self.sort)
        version = self.meta['version']
        page = self.engine.cached_page(self.table_id, request, version)
        if page is not None:
            return page
        if searching and request.q:
            self.search.props['suffix'] = 'searching...'
        busy = asyncio.get_running_loop().call_later(BUSY_AFTER, self._busy, generation)
        try:
            page = await off_loop(self.engine.page, self.table_id, request, version)
        except BaseException:
            if generation == self._generation:  # nothing newer will clear them
                self.table.props['loading'] = False
                self.search.props.pop('suffix', None)
            raise
        finally:
            busy.cancel()
        return page if generation is None or generation == self._generation else None

    def _busy(self, generation: int | None) -> None:
        if (generation is None or generation == self._generation) and not self.table.is_deleted:
            self.table.props['loading'] = True

    def _request(self, sort: str | None, filters: tuple[Filter, ...] | None = None) -> PageRequest:
        """This viewer's page, sort, search and filters as the engine takes them."""
        return PageRequest(offset=(self.page - 1) * self.rows_per_page, limit=self.rows_per_page,
                           sort=sort, desc=self.desc and sort is not None, q=self.q,
                           filters=self.filters if filters is None else filters)

    def _pagination(self) -> dict:
        sort_by = None
        if self.sort is not None:
            names = [c['name'] for c in self.meta['columns']]
            sort_by = f'c{names.index(self.sort)}'
        return {'page': self.page, 'rowsPerPage': self.rows_per_page, 'rowsNumber': self.total,
                'sortBy': sort_by, 'descending': self.desc}

    def _count_text(self) -> str:
        """"1,000,000 rows", or "1,234 of 1,000,000 rows match" when a search or filters narrow it."""
        if self.q or self.filters:
            return f"{self.total:,} of {counted(self.meta['rows'], 'row')} {'matches' if self.total == 1 else 'match'}"
        return counted(self.meta['rows'], 'row')
