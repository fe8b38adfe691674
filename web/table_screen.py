"""A table's page: the spine that puts its panels together, one method per panel.

Issues 13-16 keep adding panels (filters, value counts, diffs...); each is a
method here that builds its component and wires it to the others, rather
than another closure inside one long function.
"""
from __future__ import annotations

from collections.abc import Awaitable

from fastapi.responses import HTMLResponse
from nicegui import ui

from components.offload import off_loop
from components.paste import paste_controls
from components.table_info import TableInfo
from components.table_view import TableView
from components.upload_zone import upload_zone
from components.version_list import VersionList
from tsvcore import NotFound, TableChanged, TsvError
from tsvcore.reading.read_options import ReadOptions

from . import sockets
from .frame import frame, not_found, remember_in_browser
from .services import Services


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
        self.history: ui.expansion | None = None
        self.versions: VersionList | None = None

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
            return not_found(f'{prefix}{link_id}?version={version}')
        await cls(services, link_id, table_id, meta, current, version, editable).build()
        return None

    async def build(self) -> None:
        header = frame(self.meta['name'])
        with ui.column().classes('w-full gap-3 px-2'):
            if self.version is not None:
                self.pinned_notice()
            await self.heading()
            self.view = TableView(self.services.engine, self.table_id, self.meta, pinned=self.version is not None)
            if self.editable and self.version is None:
                self.replace_panel()
            self.history_panel()
        await self.view.load()
        sockets.page_components_loaded(ui.context.client)
        if self.version is None:
            self.live_controls(header)
            ui.context.client.on_connect(lambda: remember_in_browser(f'{self.prefix}{self.link_id}', self.view.meta))
        self.services.table_event(self.table_id).subscribe(self.changed)

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
        self.info = TableInfo(self.meta, self.link_id, view_id=view_id, on_reread=self.reread if rereads else None)

    def replace_panel(self) -> None:
        """Drop, paste or choose a new file. Built when first opened: most tabs only look."""
        replace = ui.expansion('Replace with a new file', icon='swap_horiz').classes('w-full tsv-replace') \
            .mark('tsv-replace')
        url = f'/api/tables/{self.link_id}'

        def open_replace(e) -> None:
            if e.value and not replace.default_slot.children:
                with replace:
                    # the viewers' live update shows the new version, whether dropped or pasted
                    upload_zone(url=url, method='PUT', max_bytes=self.services.config.max_upload_bytes,
                                header='Replace the table', label='Drop a TSV file here or click to choose',
                                on_success=lambda body: None)
                    paste_controls(url=url, method='PUT', action='Replace the table', on_success=lambda body: None)
        replace.on_value_change(open_replace)

    def history_panel(self) -> None:
        """Every kept version, drawn only while open: every viewer redrawing it on every replacement
        made each update (and each tab's replay buffer) several times larger."""
        with ui.expansion('History', icon='history').classes('w-full tsv-history') as self.history:
            self.versions = VersionList(self.link_id, [], self.current,
                                        on_restore=self.restore if self.editable else None)
        self.history.on_value_change(self.refresh_history)  # drawn while open, emptied when closed

    def live_controls(self, header: ui.header) -> None:
        """Presence ("3 viewing") and follow mode, added to the page's header bar."""
        client, services, table_id, view = ui.context.client, self.services, self.table_id, self.view
        with header:
            presence = ui.label().classes('text-sm text-white ml-auto tsv-presence')
            follow = ui.switch('Follow').props('dense color=white keep-color').classes('text-white') \
                .mark('tsv-follow')
            follow.props['title'] = 'See the page, sort and search of whoever last moved while following'

        def show_presence(count: int) -> None:
            presence.text = f'{count} viewing' if count != 1 else '1 viewing (you)'

        async def followed(sender: str, state: dict) -> None:
            if follow.value and sender != client.id:
                await view.apply_view(state)

        async def toggled(e) -> None:
            if e.value and table_id in services.presented:
                await view.apply_view(services.presented[table_id])

        def moved(state: dict) -> None:
            if follow.value:
                services.present(table_id, client.id, state)

        view.on_view_change = moved
        follow.on_value_change(toggled)
        services.follow_event(table_id).subscribe(followed)
        services.presence_event(table_id).subscribe(show_presence)
        show_presence(services.arrive(table_id, client.id))
        client.on_delete(lambda: services.leave(table_id, client.id))

    # -- actions --------------------------------------------------------------------

    async def reread(self, options: dict) -> str | None:
        """Read the version shown again, as "Read differently" asks; a sentence if that cannot be done."""
        try:
            read_options = ReadOptions.parse(**options)
            made = await off_loop(self.store.reread, self.table_id, self.view.meta['version'], read_options)
        except TsvError as refused:
            return refused.message
        self.services.committed(made)
        if self.version is not None:
            ui.navigate.to(f'{self.prefix}{self.link_id}')  # the new version is current: leave the pinned one
        return None

    async def restore(self, number: int) -> None:
        try:
            restored = await off_loop(self.store.restore, self.table_id, number)
        except NotFound as missing:
            ui.notify(missing.message, type='negative')
            return
        self.services.committed(restored)

    async def refresh_history(self) -> None:
        assert self.history is not None and self.versions is not None
        if self.history.value:
            self.versions.show(await off_loop(self.store.versions, self.table_id), self.view.meta['version'])
        else:
            self.versions.show([], self.view.meta['version'])

    # -- live updates ---------------------------------------------------------------

    def changed(self, change: TableChanged) -> Awaitable[None] | None:
        """A synchronous answer when the cache allows: hundreds of tabs then cost no task each."""
        if not self.view.apply_change_now(change):
            return self._change_slowly(change)
        self.info.show(self.view.meta)
        return self.refresh_history() if self.history is not None and self.history.value else None

    async def _change_slowly(self, change: TableChanged) -> None:
        await self.view.apply_change(change)
        self.info.show(self.view.meta)
        if self.history is not None and self.history.value:
            await self.refresh_history()
