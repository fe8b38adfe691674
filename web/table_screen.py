"""A table's page: the spine that puts its panels together, one method per panel.

Issues 13-16 keep adding panels (filters, value counts, diffs...); each is a
method here that builds its component and wires it to the others, rather
than another closure inside one long function.
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, urlencode

from fastapi.responses import HTMLResponse
from nicegui import background_tasks, ui

from components.diff_view import DiffView, address_script, parse_diff
from components.live_status import LiveStatus
from components.notice import Notice, change_text, progress_text, summary_text
from components.offload import off_loop
from components.paste import paste_controls
from components import row_detail
from components.row_detail import RowDetail
from components.table_info import TableInfo
from components.table_view import TableView
from components.view_state import ViewState
from components.upload_zone import upload_zone
from components.version_list import VersionList
from tsvcore import NotFound, TableChanged, TsvError
from tsvcore.queries import diff
from tsvcore.queries.rows import row_cells
from tsvcore.reading.read_options import ReadOptions

from . import sockets
from .frame import frame, not_found, remember_in_browser, version_not_found
from .services import Services


# One scrollbar: the page is exactly the window's height and the table takes what the
# heading, notes and notices leave (its rows scroll inside it, under a sticky header).
LAYOUT = '''
.tsv-screen { height: calc(100vh - 50px - 2rem); }
.tsv-screen .tsv-table { flex: 1 1 auto; min-height: 10rem; max-height: none; }
.tsv-screen .tsv-table .q-table__middle { flex: 1 1 auto; }
@media (max-width: 599px) {  /* the header bar wraps: the page scrolls, the table keeps a height of its own */
  .tsv-screen { height: auto; }
  .tsv-screen .tsv-table { flex: none; height: 70vh; }
  /* the actions as icons (their names stay for screen readers and as titles), the count on one line */
  .tsv-actions .q-btn .q-btn__content > .block { position: absolute; width: 1px; height: 1px; overflow: hidden;
    clip: rect(0 0 0 0); white-space: nowrap; }
  .tsv-actions .q-btn .q-btn__content > .q-icon { margin: 0; }
  .tsv-actions { gap: 0; }
  .tsv-actions .tsv-presence { white-space: nowrap; margin-right: .25rem; }
}
'''

def row_in_address(number: int | None) -> str:
    """Script that puts ``row=N`` into the address (None takes it out), with no reload and no new history entry."""
    change = f"url.searchParams.set('row', '{number}')" if number else "url.searchParams.delete('row')"
    return ('{ const url = new URL(window.location.href); ' + change +
            '; window.history.replaceState(window.history.state, "", url); }')


class TableScreen:
    """One open tab of a table: an edit link may replace, re-read and restore; a view-only link only looks.

    ``version`` is set when the page is pinned to an old version (``?version=N``):
    it then never follows the table, and offers no replacing.
    """

    def __init__(self, services: Services, link_id: str, table_id: str, meta: dict, current: int,
                 version: int | None, editable: bool) -> None:
        self.services = services
        self.store = services.store
        self.link_id, self.table_id = link_id, table_id
        self.meta, self.current, self.version = meta, current, version
        self.editable = editable
        self.prefix = '/t/' if editable else '/v/'
        self.versions: VersionList | None = None
        self.showing: str | None = None   # the drawer's panel: 'replace', 'history', 'row' or None (closed)
        self.row_shown: int | None = None  # the row whose panel is open (``?row=N``)
        self.diff_view: DiffView | None = None  # what changed between two versions, while open (``?diff=N..M``)
        self._noticed = ''                 # the notice's sentence about the latest change, for its summary
        self.client = ui.context.client
        self.deleted = False               # the table was deleted: the page says so instead

    @classmethod
    async def open(cls, services: Services, link_id: str, version: int | None, *,
                   editable: bool) -> HTMLResponse | None:
        """Build the page for ``link_id``; a not-found page when the id, its kind or the version is wrong."""
        prefix = '/t/' if editable else '/v/'
        try:
            table_id, may_write = await off_loop(services.store.resolve, link_id)
        except NotFound:
            return not_found(prefix + link_id)
        if may_write != editable:
            return not_found(prefix + link_id)
        try:
            meta = await off_loop(services.store.meta, table_id, version)
            current = await off_loop(services.store.current, table_id)
        except NotFound:
            return await version_not_found(services.store, prefix + link_id, table_id, version)
        await cls(services, link_id, table_id, meta, current, version, editable).build()
        return None

    async def build(self) -> None:
        header = frame(self.meta['name'])
        with header:
            # Replace and History live in the header bar and open a drawer: below a table that
            # fills the window they could not be seen, and Replace opened off-screen.
            self.actions = ui.row().classes('ml-auto items-center gap-1 no-wrap tsv-actions')
        ui.add_css(LAYOUT)
        row_detail.add_style()
        with ui.column().classes('w-full gap-3 px-2 no-wrap tsv-screen') as screen:
            self.screen = screen  # emptied when the table is deleted (``show_deleted``)
            if self.version is not None:
                self.pinned_notice()
            await self.heading()
            self.notice = Notice()
            # the link's own view: /t/<id>?sort=price&desc=true&q=oslo&city__exact=Oslo&offset=100&hide=note
            asked, ignored = ViewState.from_params(ui.context.client.request.query_params.multi_items(), self.meta)
            self.view = TableView(self.services.engine, self.table_id, self.meta, pinned=self.version is not None,
                                  view=asked)
            self.view.tell_ignored(ignored)
            self.view.on_replaced = self.replaced
            self.view.on_row = self.show_row
            self.view.keys_elsewhere = lambda: self.diff_view is not None
        self.drawer()
        await self.view.load()
        sockets.page_components_loaded(ui.context.client)
        if self.version is None:
            self.live_controls()
            ui.context.client.on_connect(lambda: remember_in_browser(f'{self.prefix}{self.link_id}', self.view.meta))
            self.services.upload_event(self.table_id).subscribe(self.upload_news)
            live = LiveStatus(screen)  # "Live updates paused" while this process has lost its Redis
            self.services.live_event.subscribe(live.show)
            if not self.services.live():
                live.show(False)
        with self.actions:
            if self.editable and self.version is None:
                ui.button('Replace', icon='swap_horiz', on_click=lambda: self.open_drawer('replace')) \
                    .props('flat dense no-caps color=white title="Replace with a new file"').classes('tsv-replace-button') \
                    .mark('tsv-replace')
                ui.button('Delete table', icon='delete', on_click=self.confirm_delete) \
                    .props('flat dense no-caps color=white title="Delete this table"').mark('tsv-delete')
            ui.button('History', icon='history', on_click=lambda: self.open_drawer('history')) \
                .props('flat dense no-caps color=white title="Every version: view, compare, restore"') \
                .classes('tsv-history-button').mark('tsv-history')
        self.services.table_event(self.table_id).subscribe(self.changed)
        asked = ui.context.client.request.query_params.get('row', '')
        if asked.isdigit():  # a link to a row opens its panel
            await self.show_row(int(asked))
        if self.version is None:
            self.services.summary_event(self.table_id).subscribe(self.summarized)
        if 'diff' in ui.context.client.request.query_params:  # a link to what changed opens the diff view
            await self.open_diff_link(ui.context.client.request.query_params)

    # -- panels ---------------------------------------------------------------------

    def pinned_notice(self) -> None:
        with ui.row().classes('items-center gap-2 text-sm tsv-pinned'):
            ui.icon('history')
            ui.label(f'You are looking at version {self.version}; it does not change when the table does.')
            ui.link('Go to the current version', f'{self.prefix}{self.link_id}')

    async def heading(self) -> None:
        """Name, counts, how the file was read, downloads, share links, and "Read differently"."""
        view_id = await off_loop(self.store.view_id, self.table_id) if self.editable else None
        rereads = self.editable and self.meta.get('original')
        self.info = TableInfo(self.meta, self.link_id, view_id=view_id, on_reread=self.reread if rereads else None,
                              view=self.download_view)

    def download_view(self) -> tuple[str, int]:
        """The viewer's view as download parameters (sort, search, filters, the columns in sight; every row
        of it, not one page) and how many rows it has."""
        kept = [(k, v) for k, v in parse_qsl(self.view.view_query(), keep_blank_values=True)
                if k not in ('offset', 'limit', 'hide', 'row')]
        if self.view.hidden:
            visible = [c['name'] for c in self.view.meta['columns'] if c['name'] not in self.view.hidden]
            kept.append(('columns', json.dumps(visible) if any(',' in n for n in visible) else ','.join(visible)))
        return urlencode(kept), self.view.total

    def drawer(self) -> None:
        """A drawer on the right for Replace and History; its insides are made when first opened."""
        # never wider than the window: on a phone it is the whole width
        with ui.right_drawer(value=False).props(':width="Math.min(460, window.innerWidth)" overlay elevated '
                                                'behavior=desktop') \
                .classes('p-4 tsv-drawer') as self.side:
            with ui.row().classes('w-full items-center no-wrap'):
                self.side_title = ui.label().classes('text-lg font-medium')
                ui.button(icon='close', on_click=self.close_drawer).props('flat round dense').classes('ml-auto')
            self.side_body = ui.column().classes('w-full gap-3')
        self.side.on_value_change(lambda e: None if e.value else self.close_drawer())
        self.panels: dict[str, ui.column] = {}

    def open_drawer(self, name: str) -> None:
        """Show the Replace or History panel in the drawer (made on first use); the same button again closes it."""
        if self.showing == name:
            self.close_drawer()
            return
        self._show_panel(name, 'Replace with a new file' if name == 'replace' else 'History',
                         self.replace_panel if name == 'replace' else self.history_panel)
        if name == 'history':
            background_tasks.create(self.refresh_history(), name='history')

    def _show_panel(self, name: str, title: str, build: Callable[[], None] | None) -> ui.column:
        """Make ``name``'s panel (``build`` fills it the first time), show it alone, open the drawer."""
        if self.showing == 'row' and name != 'row':
            self._forget_row()
        if name not in self.panels:
            with self.side_body:
                self.panels[name] = ui.column().classes('w-full gap-3')
            if build is not None:
                with self.panels[name]:
                    build()
        for other, panel in self.panels.items():
            panel.set_visibility(other == name)  # hidden, so a paste cannot reach a closed Replace panel
        self.side_title.text = title
        self.showing = name
        self.side.value = True
        return self.panels[name]

    def close_drawer(self) -> None:
        if self.showing == 'row':
            self._forget_row()
        self.showing = None
        self.side.value = False
        for panel in self.panels.values():
            panel.set_visibility(False)
        if self.versions is not None:
            self.versions.show([], self.view.meta['version'])  # drawn while open, emptied when closed

    async def show_row(self, number: int) -> None:
        """Row ``number`` (1-based, in the file of the version shown) whole, in the drawer, with its link.

        The address bar gets ``row=N``, so a reload or a copied address opens it
        again; a row past the end says so and opens nothing.
        """
        version = self.view.meta['version']
        try:
            answer = await off_loop(row_cells, self.store, self.table_id, version, number)
        except TsvError as missing:
            with self.side_body:
                ui.notify(missing.message, type='warning')
            if self.showing == 'row':  # e.g. a replacement with fewer rows: the old row's panel goes too
                self.close_drawer()
            else:
                self.client.run_javascript(row_in_address(None))  # a link's row= that opened nothing leaves it
            return
        panel = self._show_panel('row', 'Row detail', None)
        panel.clear()  # one row's elements at a time: every open tab keeps what it shows
        with panel:
            # the whole address, to paste anywhere (the Share dialog gives whole ones too)
            origin = str(self.client.request.base_url).rstrip('/')
            RowDetail(answer, path=f'{origin}{self.prefix}{self.link_id}', rows=self.view.meta['rows'],
                      pinned=self.version is not None, on_step=self.show_row)
        self.row_shown = number
        self.client.run_javascript(row_in_address(number))  # the clicked step button may be gone by now

    def _forget_row(self) -> None:
        """The row's panel closes: its elements go, and so does ``row=`` from the address."""
        self.row_shown = None
        if 'row' in self.panels:
            self.panels['row'].clear()
        self.client.run_javascript(row_in_address(None))

    def replace_panel(self) -> None:
        """Drop, paste or choose a new file."""
        url = f'/api/tables/{self.link_id}'
        # the viewers' live update shows the new version, whether dropped or pasted
        upload_zone(url=url, method='PUT', max_bytes=self.services.config.max_upload_bytes,
                    header='Replace the table', label='Drop a TSV file here or click to choose',
                    on_success=lambda body: self.close_drawer())
        paste_controls(url=url, method='PUT', action='Replace the table', on_success=lambda body: self.close_drawer())

    def history_panel(self) -> None:
        """Every kept version, drawn only while open: every viewer redrawing it on every replacement
        made each update (and each tab's replay buffer) several times larger."""
        self.versions = VersionList(self.link_id, [], self.current,
                                    on_restore=self.confirm_restore if self.editable else None,
                                    on_compare=self.show_changes)

    async def show_changes(self, older: int | None = None, newer: int | None = None, *,
                           key: str | None = None, kind: str | None = None) -> None:
        """What changed from version ``older`` to ``newer`` (defaults: the current one and the one before it),
        in the diff view (components/diff_view.py): made now, deleted when closed."""
        try:
            older, newer = await off_loop(diff.versions, self.services.engine, self.table_id, older, newer)
        except TsvError as missing:
            with self.client.content:
                ui.notify(missing.message, type='warning', multi_line=True)
            self.client.run_javascript(address_script({}))  # a link's diff= that opened nothing leaves the address
            return
        if self.diff_view is not None:
            self.diff_view.close()
        with self.client.content:  # not inside a panel or the notice, which may be cleared under it
            self.diff_view = DiffView(self.services.engine, self.table_id, self.link_id, older, newer,
                                      key=key, kind=kind, on_close=self._diff_closed)
        await self.diff_view.load()

    def _diff_closed(self, view: DiffView) -> None:
        if self.diff_view is view:  # not one that was just opened in its place
            self.diff_view = None

    async def open_diff_link(self, params) -> None:
        """``?diff=N..M&kind=changed&key=COLUMN`` (see ``parse_diff`` for the short forms) opens the diff view."""
        try:
            older, newer = parse_diff(params.get('diff', ''))
        except ValueError:
            ui.notify(f"Left out of this link: diff={params.get('diff', '')[:40]} (N..M: two version numbers)",
                      type='warning', multi_line=True)
            self.client.run_javascript(address_script({}))
            return
        await self.show_changes(older, newer, key=params.get('key') or None, kind=params.get('kind') or None)

    def live_controls(self) -> None:
        """Presence ("3 viewing") and follow mode, in the header bar.

        Follow mode has a leader: whoever switches on Lead. Followers see the
        leader's page, sort and search and never drag each other; another
        Lead takes over; the leader leaving ends it. "N viewing" counts tabs
        with a live connection: a page fetched by curl, or a tab that closed,
        is not a viewer.
        """
        client, services, table_id, view = ui.context.client, self.services, self.table_id, self.view
        with self.actions:
            presence = ui.label().classes('text-sm text-white tsv-presence')
            lead = ui.switch('Lead').props('dense color=white keep-color').classes('text-white').mark('tsv-lead')
            lead.props['title'] = 'Followers see your page, sort and search'
            follow = ui.switch('Follow').props('dense color=white keep-color').classes('text-white') \
                .mark('tsv-follow')
            follow.props['title'] = 'See the page, sort and search of whoever leads'
        count = {'n': 0}

        def show_presence(n: int) -> None:  # no default: NiceGUI's Event passes arguments only to those that require them
            count['n'] = n
            viewing = f"{count['n']} viewing" if count['n'] != 1 else '1 viewing (you)'
            leader = services.leaders.get(table_id)
            led = '' if leader is None else (' · you lead' if leader == client.id else ' · someone leads')
            presence.text = viewing + led

        async def followed(sender: str, state: dict) -> None:
            if follow.value and sender != client.id:
                await view.apply_view(state)

        async def follow_toggled(e) -> None:
            if e.value:
                lead.value = False
                if table_id in services.presented:
                    await view.apply_view(services.presented[table_id])
                elif table_id not in services.leaders:
                    ui.notify('Nobody leads yet: you will follow whoever switches on Lead.', timeout=4000)

        def lead_toggled(e) -> None:
            if e.value:
                follow.value = False
                services.take_lead(table_id, client.id, view.view_state())
            else:
                services.end_lead(table_id, client.id)

        def leader_changed(leader: str | None) -> None:
            if leader != client.id and lead.value:
                lead.value = False  # someone else took over
            if leader is None and follow.value:
                follow.value = False
                self.notice.show('The leader stopped leading; you move on your own again.')
            show_presence(count['n'])

        def moved(state: dict) -> None:
            if lead.value:
                services.present(table_id, client.id, state)

        def connected() -> None:
            show_presence(services.arrive(table_id, client.id))

        def gone() -> None:
            services.end_lead(table_id, client.id)
            services.leave(table_id, client.id)

        view.on_view_change = moved
        follow.on_value_change(follow_toggled)
        lead.on_value_change(lead_toggled)
        services.follow_event(table_id).subscribe(followed)
        services.presence_event(table_id).subscribe(show_presence)
        services.lead_event(table_id).subscribe(leader_changed)
        client.on_connect(connected)       # a viewer is a tab with a live connection
        client.on_disconnect(gone)
        client.on_delete(gone)

    # -- actions --------------------------------------------------------------------

    async def reread(self, options: dict) -> str | None:
        """Read the version shown again, as "Read differently" asks; a sentence if that cannot be done."""
        try:
            read_options = ReadOptions.parse(**options)
            made = await off_loop(self.store.reread, self.table_id, self.view.meta['version'], read_options,
                                  self.services.uploaded_by(self.client.request.headers))
        except TsvError as refused:
            return refused.message
        except OSError:
            return 'The server could not store the new version (its disk may be full); the table was not changed.'
        self.services.committed(made)
        if self.version is not None:
            ui.navigate.to(f'{self.prefix}{self.link_id}')  # the new version is current: leave the pinned one
        return None

    def confirm_restore(self, number: int) -> None:
        """Ask first: a restore changes what every viewer sees (nothing is lost, history only grows)."""
        with ui.dialog() as dialog, ui.card().classes('tsv-confirm-restore'):
            ui.label(f'Restore version {number}?').classes('text-lg font-medium')
            ui.label(f'Its cells become the next version, which everyone viewing sees at once. '
                     f'Version {self.view.meta["version"]} stays in the history.').classes('text-sm')
            with ui.row().classes('w-full justify-end'):
                ui.button('Cancel', on_click=dialog.close).props('flat no-caps')

                async def confirmed() -> None:
                    dialog.close()
                    await self.restore(number)
                ui.button(f'Restore version {number}', icon='restore', on_click=confirmed).props('no-caps') \
                    .mark('tsv-restore-confirm')
        dialog.on_value_change(lambda e: None if e.value else dialog.delete())  # made per question, not kept
        dialog.open()

    async def restore(self, number: int) -> None:
        try:
            restored = await off_loop(self.store.restore, self.table_id, number,
                                      self.services.uploaded_by(self.client.request.headers))
        except TsvError as missing:  # trimmed meanwhile, or over the storage cap
            ui.notify(missing.message, type='negative')
            return
        self.services.committed(restored)

    def confirm_delete(self) -> None:
        """Ask first: deleting takes the table away from everyone, for good."""
        with ui.dialog() as dialog, ui.card().classes('tsv-confirm-delete'):
            ui.label('Delete this table?').classes('text-lg font-medium')
            ui.label('Both links stop working for everyone, and every version and the original files are '
                     'removed from the server. This cannot be undone.').classes('text-sm')
            with ui.row().classes('w-full justify-end'):
                ui.button('Cancel', on_click=dialog.close).props('flat no-caps')

                async def confirmed() -> None:
                    dialog.close()
                    await self.delete()
                ui.button('Delete table', icon='delete', on_click=confirmed).props('no-caps color=negative') \
                    .mark('tsv-delete-confirm')
        dialog.on_value_change(lambda e: None if e.value else dialog.delete())  # made per question, not kept
        dialog.open()

    async def delete(self) -> None:
        """Delete the table; this tab, like every other one, then hears it (``show_deleted``)."""
        try:
            await off_loop(self.store.delete, self.table_id)
        except NotFound:
            pass  # deleted by someone else just before: the news is on its way
        self.services.deleted(self.table_id)

    def show_deleted(self) -> None:
        """The table is gone: say so in its place, with the way on; nothing here can act on it any more."""
        if self.deleted:
            return
        self.deleted = True
        if self.diff_view is not None:
            self.diff_view.close()
        self.close_drawer()
        self.actions.clear()
        self.screen.clear()
        with self.screen:
            with ui.column().classes('w-full items-center gap-2 pt-16 tsv-deleted'):
                ui.icon('delete_forever').classes('text-5xl opacity-60')
                ui.label('This table was deleted.').classes('text-xl')
                ui.link('Go to the start page', '/')

    async def refresh_history(self) -> None:
        if self.versions is None:
            return
        if self.showing == 'history':
            self.versions.show(await off_loop(self.store.versions, self.table_id), self.view.meta['version'])
        else:
            self.versions.show([], self.view.meta['version'])

    def replaced(self, meta: dict) -> None:
        """The notice says how the new version came; what it changed follows when known (``summarized``)."""
        self._noticed = change_text(meta)
        self.notice.show(self._noticed)
        known = self.services.summary_of(self.table_id, meta['version'])
        if known is not None:  # this tab was slow to switch: the summary came first
            self.summarized(known)

    def summarized(self, summary: dict) -> None:
        """What the latest change changed, under its notice, with "Show changes"; nothing if the notice
        now says something else (dismissed, an upload under way, a later version)."""
        if summary['to'] != self.view.meta['version'] or self.notice.text != self._noticed or not self._noticed:
            return
        self.notice.show_summary(summary_text(summary),
                                 lambda: self.show_changes(summary['from'], summary['to']))

    def upload_news(self, news: dict) -> None:
        """Someone is replacing the table: say so, then the change says what came of it."""
        text = progress_text(news)
        if text is None:
            self.notice.clear_progress()
        else:
            self.notice.show(text, kind='progress')

    # -- live updates ---------------------------------------------------------------

    def changed(self, change: TableChanged) -> Awaitable[None] | None:
        """A synchronous answer when the cache allows: hundreds of tabs then cost no task each."""
        if change.deleted or self.deleted:
            self.show_deleted()
            return None
        if not self.view.apply_change_now(change):
            return self._change_slowly(change)
        self.info.show(self.view.meta)
        if self.showing == 'row' and self.row_shown is not None and self.version is None:
            return self.show_row(self.row_shown)  # the same row of the new version
        return self.refresh_history() if self.showing == 'history' else None

    async def _change_slowly(self, change: TableChanged) -> None:
        await self.view.apply_change(change)
        self.info.show(self.view.meta)
        if self.showing == 'row' and self.row_shown is not None and self.version is None:
            await self.show_row(self.row_shown)
        elif self.showing == 'history':
            await self.refresh_history()
