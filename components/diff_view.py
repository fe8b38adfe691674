"""What changed between two versions of a table, on the page (issue #15): the diff view.

A dialog over the table (the whole screen on a phone) listing only the rows
that differ, a server-side page at a time through ``tsvcore.queries.diff.page``
(computed once per comparison, then sliced): added rows green, removed rows
red, and in a changed row each changed cell shows its new text with the old
one struck through beside it, as Grist's import preview does. A filter by
kind with counts, the key column named and changeable, the columns that came
or went, and the listing as a TSV download.

It is made when asked for and deleted when closed: NiceGUI keeps every element
of every open tab on the server. While open, the address says what it shows
(``?diff=4..5&kind=changed&key=id``, see ``parse_diff``), so that the link can
be sent; closing takes that out again.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from nicegui import Client, ui

from tsvcore import BadParameter, QueryEngine, TsvError
from tsvcore.queries import diff

from .offload import off_loop
from .table_view import PageTable
from .words import counted

PAGE_SIZES = [25, 50, 100]
ALL = 'all'  # the kind filter's "every kind": the API's kind left out
DIFF_PARAMS = ('diff', 'kind', 'key')  # the address's part that belongs to this view

# One template for every cell (a diff page is at most 100 rows, in one tab at a time): the row's kind
# colours each of its cells, and a changed cell shows the new text with the old one (``b``, the
# row's "before", only the cells that changed) struck through beside it. {{ }} is text, never markup.
CELL_SLOT = r'''
<q-td :props="props" :class="['tsv-diff-' + props.row.k,
                              props.row.b && props.row.b[props.col.name] !== undefined ? 'tsv-diff-cell' : null]">
  <span v-if="props.col.name === 'k'" class="tsv-diff-kind">{{ props.row.k }}</span>
  <template v-else-if="props.row.b && props.row.b[props.col.name] !== undefined"
    ><span class="tsv-diff-new" :title="props.value">{{ props.value }}</span><s class="tsv-diff-old"
      :title="'Was: ' + props.row.b[props.col.name]">{{ props.row.b[props.col.name] }}</s></template>
  <template v-else>{{ props.value }}</template>
</q-td>
'''
STYLE = '''
.tsv-diff-card { display: flex; flex-direction: column; max-height: 92vh; gap: .5rem; }
.q-dialog__inner--maximized > .tsv-diff-card { max-height: none; height: 100%; }  /* a phone: the whole screen */
.tsv-diff-table { flex: 1 1 auto; min-height: 8rem; }
.tsv-diff-table .q-table__middle { flex: 1 1 auto; overflow: auto; }
.tsv-diff-table thead tr th { position: sticky; top: 0; z-index: 1; background: #fff; }
.body--dark .tsv-diff-table thead tr th { background: #1d1d1d; }
.tsv-diff-table tbody td { max-width: 20rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
/* a changed cell wraps between its new and old text, never inside them (cut, with the whole on hover) */
.tsv-diff-table tbody td.tsv-diff-cell { white-space: normal; }
.tsv-diff-table .tsv-diff-new, .tsv-diff-table .tsv-diff-old { display: inline-block; max-width: 100%;
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; vertical-align: top; }
.tsv-diff-table td.tsv-diff-added { background: #e6f4ea; }
.tsv-diff-table td.tsv-diff-removed { background: #fce8e6; }
.tsv-diff-table td.tsv-diff-cell { background: #fef7e0; }
.tsv-diff-table .tsv-diff-kind { font-size: 12px; font-weight: 600; }
.tsv-diff-table .tsv-diff-added .tsv-diff-kind { color: #137333; }
.tsv-diff-table .tsv-diff-removed .tsv-diff-kind { color: #a50e0e; }
.tsv-diff-table .tsv-diff-changed .tsv-diff-kind { color: #8a5a00; }
.tsv-diff-table .tsv-diff-new { color: #137333; font-weight: 500; margin-right: .5rem; }
.tsv-diff-table .tsv-diff-old { color: #a50e0e; opacity: .85; }
.body--dark .tsv-diff-table td.tsv-diff-added { background: rgba(52, 168, 83, .25); }
.body--dark .tsv-diff-table td.tsv-diff-removed { background: rgba(234, 67, 53, .25); }
.body--dark .tsv-diff-table td.tsv-diff-cell { background: rgba(251, 188, 4, .16); }
.body--dark .tsv-diff-table .tsv-diff-added .tsv-diff-kind, .body--dark .tsv-diff-table .tsv-diff-new { color: #81c995; }
.body--dark .tsv-diff-table .tsv-diff-removed .tsv-diff-kind, .body--dark .tsv-diff-table .tsv-diff-old { color: #f28b82; }
.body--dark .tsv-diff-table .tsv-diff-changed .tsv-diff-kind { color: #fdd663; }
.tsv-diff-table th.tsv-diff-col-added { color: #137333; }
.tsv-diff-table th.tsv-diff-col-removed { color: #a50e0e; text-decoration: line-through; }
.body--dark .tsv-diff-table th.tsv-diff-col-added { color: #81c995; }
.body--dark .tsv-diff-table th.tsv-diff-col-removed { color: #f28b82; }
.tsv-diff-controls { gap: .5rem 1rem; }
.tsv-diff-controls .q-btn-group { flex-wrap: wrap; border: 1px solid rgba(127, 127, 127, .45); }
'''


_unstyled: set[str] = set()  # the tabs that were open when the style became every page's: they lack it


def _style_tab() -> None:
    """The view's style in this tab: made part of every page at the first view (once for all, not a
    copy per tab), and sent on its own to a tab that was already open then."""
    client = ui.context.client
    if '.tsv-diff-card' not in Client.shared_head_html:
        _unstyled.update(other for other in Client.instances if other != client.id)
        ui.add_css(STYLE, shared=True)  # this tab gets it too
    elif client.id in _unstyled:
        _unstyled.discard(client.id)
        ui.add_css(STYLE)


def parse_diff(text: str) -> tuple[int | None, int | None]:
    """A link's ``diff=``: ``N..M`` (version N against M), ``..M`` (M against the one before it),
    ``N..`` (N against the current one), ``M`` (M against the one before) or empty (the latest change).

    None stands for the default; ValueError for anything else.
    """
    text = text.strip()
    if '..' not in text:
        return None, (int(text) if text else None)
    older, newer = text.split('..', 1)
    return (int(older) if older.strip() else None), (int(newer) if newer.strip() else None)


def address_script(params: dict[str, str]) -> str:
    """Script that puts ``diff``, ``kind`` and ``key`` into the address as ``params`` says (none: out),
    the rest left as written (no reload, no new history entry).

    The table's own view rewrites the address as it changes and keeps these
    (``view_state.RESERVED``); this one keeps the view's part as the server spelled it.
    """
    added = [f'{name}={quote(value, safe=".,")}' for name, value in params.items()]
    return ('{ const drop = DROP; const kept = location.search.slice(1).split("&")'
            '.filter(p => p && !drop.includes(p.split("=")[0]));'
            ' const search = kept.concat(ADDED).join("&");'
            ' history.replaceState(history.state, "", location.pathname + (search ? "?" + search : "") + location.hash); }'
            ).replace('DROP', json.dumps(list(DIFF_PARAMS))).replace('ADDED', json.dumps(added))


class DiffView:
    """Version ``older`` against ``newer`` of one table, in a dialog; ``load()`` shows the first page.

    ``table_id`` is the edit id the engine reads; ``link_id`` the id of the page
    (edit or view-only), which the download link uses. ``key`` and ``kind`` are
    where it starts (a link's); ``on_close`` hears when it is gone.
    """

    def __init__(self, engine: QueryEngine, table_id: str, link_id: str, older: int, newer: int, *,
                 key: str | None = None, kind: str | None = None,
                 on_close: Callable[[DiffView], Any] | None = None) -> None:
        _style_tab()
        self.engine, self.table_id, self.link_id = engine, table_id, link_id
        self.older, self.newer = older, newer
        self.key = key                      # the key asked for; None lets the engine choose
        self._shown_key = None              # the key asked for by what is shown, to go back to if a new one fails
        self.kind = kind if kind in diff.KINDS else None
        self.page, self.rows_per_page = 1, PAGE_SIZES[1]
        self.answer: dict | None = None
        self.on_close = on_close
        self._generation = 0
        self._quiet = False                 # set while the page sets a control itself: no reload for that
        # the whole screen on a phone, most of the window elsewhere
        with ui.dialog().props('full-width :maximized="window.innerWidth < 600"') as self.dialog, \
                ui.card().classes('w-full tsv-diff-card').mark('tsv-diff'):
            with ui.row().classes('w-full items-center no-wrap gap-2'):
                ui.icon('difference').classes('text-xl')
                self.title = ui.label(f'What changed from version {older} to version {newer}') \
                    .classes('text-lg font-medium')
                ui.button(icon='close', on_click=self.close).props('flat round dense aria-label=Close title=Close') \
                    .classes('ml-auto').mark('tsv-diff-close')
            self.summary = ui.label().classes('text-sm tsv-diff-summary')
            self.columns_note = ui.label().classes('text-sm tsv-diff-columns')
            with ui.row().classes('w-full items-center tsv-diff-controls'):
                self.kinds = ui.toggle({ALL: 'All', **{k: k.capitalize() for k in diff.KINDS}}, value=self.kind or ALL,
                                       on_change=self._kind_chosen) \
                    .props('dense no-caps unelevated toggle-color=primary').mark('tsv-diff-kind')
                self.key_select = ui.select({}, label='Key column', on_change=self._key_chosen) \
                    .props('dense outlined options-dense').classes('min-w-[10rem] tsv-diff-key').mark('tsv-diff-key')
                self.download = ui.link('Download changes (TSV)', '#').props('download') \
                    .classes('text-sm ml-auto tsv-diff-download')
            self.why = ui.label().classes('text-sm opacity-80 tsv-diff-why')
            self.problem = ui.label().classes('text-sm text-negative tsv-diff-problem')
            for label in (self.why, self.problem, self.columns_note):
                label.set_visibility(False)
            self.table = PageTable(columns=(), rows=(), row_key='__i', pagination=self._pagination(0)) \
                .props(f':rows-per-page-options="{PAGE_SIZES}" flat bordered dense separator="cell" '
                       'rows-per-page-label="Rows per page:" no-data-label="No rows differ."') \
                .classes('w-full tsv-diff-table').mark('tsv-diff-table')
            self.table.add_slot('body-cell', CELL_SLOT)
            self.table.on('request', self._on_request, js_handler='(e) => emit(e.pagination)')
            # Quasar echoes the pagination it mounted with; in a dialog that opened before the first page came,
            # that echo (0 rows) would overwrite the page's own: the server's count stands
            self.table.on_pagination_change(self._keep_pagination)
        self.dialog.on_value_change(lambda e: None if e.value else self._closed())
        self.dialog.open()

    # -- what it shows ---------------------------------------------------------------

    async def load(self) -> None:
        """Fetch and show the page asked for; a key that cannot match rows is said and dropped."""
        self._generation += 1
        generation = self._generation
        self.table.props['loading'] = True
        try:
            answer = await off_loop(diff.page, self.engine, self.table_id, self.older, self.newer, self.key,
                                    self.kind, (self.page - 1) * self.rows_per_page, self.rows_per_page)
        except BadParameter as refused:
            if self.key is None:
                raise
            with self.dialog:
                ui.notify(refused.message, type='warning', multi_line=True, timeout=8000)
            self.key = self._shown_key  # back to what was shown
            await self.load()
            return
        except TsvError as missing:  # e.g. a version trimmed away meanwhile
            self.table.props['loading'] = False
            self.problem.text = missing.message
            self.problem.set_visibility(True)
            return
        if generation != self._generation or self.dialog.is_deleted:
            return  # superseded, or closed while it was read
        self._show(answer)

    def _show(self, answer: dict) -> None:
        self.answer, self._shown_key = answer, self.key
        summary = answer['summary']
        counts = {'changed': summary['changed'], 'added': summary['added'], 'removed': summary['removed']}
        if answer['key'] is None:  # whole rows are added or removed, never changed
            counts.pop('changed')
        listed = sum(counts.values())
        self.summary.text = (f'{counted(listed, "row")} differ: ' if listed else 'No rows differ. ') + \
            (', '.join(f'{n:,} {kind}' for kind, n in counts.items()) + '; ' if listed else '') + \
            f'{counted(summary["unchanged"], "row")} unchanged.'
        self.columns_note.text = self._columns_sentence(summary)
        self.columns_note.set_visibility(bool(self.columns_note.text))
        self._quiet = True
        try:
            self.kinds.set_options({ALL: f'All {listed:,}', **{kind: f'{kind.capitalize()} {n:,}'
                                                                 for kind, n in counts.items()}},
                                   value=self.kind if self.kind in counts else ALL)
            shared = [c for c in answer['columns']
                      if c not in summary['columns_added'] and c not in summary['columns_removed']]
            options = {name: name for name in shared}
            if answer['key'] is None:
                options = {'': 'whole rows', **options}
            self.key_select.set_options(options, value=answer['key'] or '')
        finally:
            self._quiet = False
        self.why.text = answer['why_no_key'] or ''
        self.why.set_visibility(bool(answer['why_no_key']))
        self.problem.set_visibility(False)
        self.download.props['href'] = self._download_url(answer['key'])
        self.table.props.update({'columns': self._columns(answer), 'rows': self._rows(answer),
                                 'pagination': self._pagination(answer['total']), 'loading': False})
        self._follow_address()

    def _columns_sentence(self, summary: dict) -> str:
        """"Column note added in version 5. Column fax removed." (nothing when the columns are the same)."""
        parts = []
        for names, kind, version in ((summary['columns_added'], 'added', self.newer),
                                     (summary['columns_removed'], 'removed', self.older)):
            if names:
                where = 'new in' if kind == 'added' else 'only in'
                parts.append(f"{'Column' if len(names) == 1 else 'Columns'} {', '.join(names)}: {kind} "
                             f'({where} version {version}).')
        return ' '.join(parts)

    def _columns(self, answer: dict) -> tuple[dict, ...]:
        """The kind, then every column (the newer version's, then those removed), the key one named so."""
        added, removed = answer['summary']['columns_added'], answer['summary']['columns_removed']
        columns = [{'name': 'k', 'label': 'Change', 'field': 'k', 'align': 'left'}]
        for i, name in enumerate(answer['columns']):
            classes = 'tsv-diff-col-added' if name in added else 'tsv-diff-col-removed' if name in removed else ''
            columns.append({'name': f'c{i}', 'field': f'c{i}', 'align': 'left', 'headerClasses': classes,
                            'label': f'{name} (key)' if name == answer['key'] else name})
        return tuple(columns)

    @staticmethod
    def _rows(answer: dict) -> tuple[dict, ...]:
        """Rows as the cell template reads them: ``k`` the kind, ``cN`` the cells, ``b`` the changed cells' old
        text (only those: the page sends nothing twice)."""
        index = {name: f'c{i}' for i, name in enumerate(answer['columns'])}
        rows = []
        for n, row in enumerate(answer['rows'], start=answer['offset']):
            shown = {'__i': n, 'k': row['kind'], **{index[name]: text for name, text in row['cells'].items()}}
            if row.get('before'):
                shown['b'] = {index[name]: text for name, text in row['before'].items()}
            rows.append(shown)
        return tuple(rows)

    def _pagination(self, total: int) -> dict:
        return {'page': self.page, 'rowsPerPage': self.rows_per_page, 'rowsNumber': total}

    def _keep_pagination(self) -> None:
        ours = self._pagination(self.answer['total'] if self.answer else 0)
        if self.table.pagination != ours:
            self.table.pagination = ours

    def _download_url(self, key: str | None) -> str:
        params = {'from': self.older, 'to': self.newer, **({'key': key} if key else {}),
                  **({'kind': self.kind} if self.kind else {})}
        return f'/api/tables/{self.link_id}/diff/download?{urlencode(params)}'

    def params(self) -> dict[str, str]:
        """What the address says while it is open: the versions, and the kind and key if chosen."""
        params = {'diff': f'{self.older}..{self.newer}'}
        if self.kind:
            params['kind'] = self.kind
        if self.key:
            params['key'] = self.key
        return params

    def _follow_address(self) -> None:
        self.dialog.client.run_javascript(address_script(self.params()))

    # -- what the person does --------------------------------------------------------

    async def _kind_chosen(self, e) -> None:
        if self._quiet:
            return
        self.kind = e.value if e.value in diff.KINDS else None
        self.page = 1
        await self.load()

    async def _key_chosen(self, e) -> None:
        if self._quiet or not e.value or e.value == (self.answer or {}).get('key'):
            return
        self.key = e.value
        self.page = 1
        await self.load()

    async def _on_request(self, e) -> None:
        p = e.args if isinstance(e.args, dict) else {}
        self.rows_per_page = min(max(int(p.get('rowsPerPage') or PAGE_SIZES[1]), 1), diff.MAX_LIMIT)
        self.page = max(int(p.get('page') or 1), 1)
        await self.load()

    def close(self) -> None:
        self.dialog.close()  # its value change (also Escape or a click outside) does the rest

    def _closed(self) -> None:
        """Gone: its parameters leave the address, and its elements the server."""
        if self.dialog.is_deleted:
            return
        self.dialog.client.run_javascript(address_script({}))
        self.dialog.delete()
        if self.on_close is not None:
            self.on_close(self)
