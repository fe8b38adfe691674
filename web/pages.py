"""The pages: a landing page with the drop zone, and one page per table."""
from __future__ import annotations

import json
from collections.abc import Awaitable
from html import escape
from pathlib import Path

from fastapi.responses import HTMLResponse
from nicegui import ui

from components.offload import off_loop
from components.paste import paste_controls
from components.table_info import TableInfo, when
from components.table_view import TableView
from components.upload_zone import upload_zone
from components.version_list import VersionList
from tsvcore import NotFound, TableChanged, TsvError
from tsvcore.reading.read_options import ReadOptions

from . import sockets
from .services import Services

STYLE = '''
.tsv-cell { max-width: 22rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.tsv-table { max-height: calc(100vh - 12rem); }
.tsv-table thead tr th { position: sticky; top: 0; z-index: 1; background: var(--tsv-head-bg, #fff); }
.body--dark .tsv-table thead tr th { --tsv-head-bg: #1d1d1d; }
.tsv-drop { min-height: 12rem; }
.tsv-note::before { font-family: 'Material Icons'; content: 'info'; vertical-align: -0.2em; margin-right: 0.25rem; }
.tsv-drop .q-uploader__list { min-height: 9rem; padding: 0; }
'''

PAGE_TIMEOUT = 30.0
SAMPLE = Path(__file__).resolve().parent.parent / 'samples' / 'cities.tsv'

NOT_FOUND = '''<!doctype html><html><head><meta charset="utf-8"><title>Table not found</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1rem;color:#333}
a{color:#1976d2}</style></head><body>
<h1>Table not found</h1>
<p>There is no table at <code>{path}</code>. The link may be mistyped, or incomplete.</p>
<p><a href="/">Upload a file to start a new table</a></p>
</body></html>'''


def frame(title: str = '') -> ui.header:
    """The header every page shares (with the dark mode switch); pages may add to it."""
    ui.add_css(STYLE)
    ui.page_title(f'{title} · TSV Share' if title else 'TSV Share')
    dark = ui.dark_mode()
    with ui.header().classes('items-center py-2') as header:
        ui.link('TSV Share', '/').classes('text-lg font-medium text-white no-underline')

    def toggle() -> None:
        dark.value = not dark.value
        ui.run_javascript(f"localStorage.setItem('tsv-dark', '{1 if dark.value else 0}')")

    async def remembered() -> None:  # the choice lives in this browser, not on the server
        try:
            dark.value = await ui.run_javascript("return localStorage.getItem('tsv-dark') === '1'") is True
        except TimeoutError:
            pass  # a browser that does not answer in time keeps the light theme

    with header:
        # a title, not ui.tooltip: every element is kept per open tab on the server
        ui.button(icon='dark_mode', on_click=toggle).props('flat round dense color=white title="Dark mode"') \
            .mark('tsv-dark')
    # after the websocket connects: asking the browser earlier would send the page half-built
    ui.context.client.on_connect(remembered)
    return header


RECENT_JS = '''
const key = 'tsv-recent';
const entry = %s;
let list = [];
try { list = JSON.parse(localStorage.getItem(key) || '[]'); } catch (e) { list = []; }
list = [entry, ...list.filter(e => e.url !== entry.url)].slice(0, 12);
localStorage.setItem(key, JSON.stringify(list));
'''


def remember_in_browser(url: str, meta: dict) -> None:
    """Add this table to the browser's own list of recent tables (localStorage, never the server)."""
    entry = {'url': url, 'name': meta['name'], 'rows': meta['rows'], 'at': meta['uploaded_at']}
    ui.run_javascript(RECENT_JS % json.dumps(entry))


def not_found(path: str) -> HTMLResponse:
    return HTMLResponse(NOT_FOUND.replace('{path}', escape(path)), status_code=404)


def register(services: Services) -> None:
    limit = services.config.max_upload_bytes

    @ui.page('/')
    def index() -> None:
        frame()
        with ui.column().classes('w-full max-w-2xl mx-auto items-stretch gap-4 pt-10 px-2'):
            ui.label('Share a table').classes('text-3xl font-light')
            ui.label('Drop a tab-separated file to get a link anyone on the team can open. '
                     'Upload a new file at that link and everyone sees it at once.').classes('opacity-80')
            upload_zone(url='/api/tables', method='POST', max_bytes=limit,
                        label='Drop a TSV file here or click to choose',
                        on_success=lambda body: ui.navigate.to(body['url']))
            paste_controls(url='/api/tables', method='POST', action='Make a table',
                           on_success=lambda body: ui.navigate.to(body['url']))
            with ui.row().classes('items-center gap-2 text-sm'):
                ui.label('No file at hand?').classes('opacity-70')
                ui.button('Try a sample table', icon='table_view', on_click=open_sample).props('flat dense no-caps')
            recent = ui.column().classes('w-full gap-1 tsv-recent')

        async def show_recent() -> None:
            try:
                entries = await ui.run_javascript("return JSON.parse(localStorage.getItem('tsv-recent') || '[]')")
            except TimeoutError:
                return
            if not isinstance(entries, list) or not entries:
                return
            with recent:
                ui.label('Opened recently in this browser').classes('text-sm font-medium pt-4')
                for entry in entries[:12]:
                    with ui.row().classes('items-center gap-3 w-full'):
                        ui.link(str(entry.get('name', 'table')), str(entry.get('url', '/'))).classes('ellipsis max-w-xs')
                        ui.label(f"{int(entry.get('rows', 0)):,} rows").classes('text-sm opacity-70')
                        ui.label(f"changed {when(float(entry.get('at', 0)))}").classes('text-sm opacity-60')
        ui.context.client.on_connect(show_recent)

    async def open_sample() -> None:
        meta = await off_loop(services.store.create, SAMPLE, SAMPLE.name)
        ui.navigate.to(f"/t/{meta['id']}")

    # Many tabs opening at once on two cores can take longer than NiceGUI's default 3 s to build;
    # a slow page is better than an error page.
    @ui.page('/t/{table_id}', response_timeout=PAGE_TIMEOUT)
    async def edit_page(table_id: str, version: int | None = None):
        return await table_screen(services, table_id, version, editable=True)

    @ui.page('/v/{view_id}', response_timeout=PAGE_TIMEOUT)
    async def view_page(view_id: str, version: int | None = None):
        return await table_screen(services, view_id, version, editable=False)


def live_controls(services: Services, table_id: str, view: TableView, header: ui.header) -> None:
    """Presence ("3 viewing") and follow mode, added to the page's header bar."""
    client = ui.context.client
    with header:
        presence = ui.label().classes('text-sm text-white ml-auto tsv-presence')
        follow = ui.switch('Follow').props('dense color=white keep-color').classes('text-white').mark('tsv-follow')
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


async def table_screen(services: Services, link_id: str, version: int | None, *, editable: bool):
    """A table page; an edit link may replace and restore, a view-only link only looks."""
    store = services.store
    prefix = '/t/' if editable else '/v/'
    try:
        table_id, may_write = await off_loop(store.resolve, link_id)
    except NotFound:
        return not_found(prefix + link_id)
    if may_write != editable:
        return not_found(prefix + link_id)
    try:
        meta = await off_loop(store.meta, table_id, version)
        current = await off_loop(store.current, table_id)
    except NotFound:
        return not_found(f'{prefix}{link_id}?version={version}')
    header = frame(meta['name'])
    limit = services.config.max_upload_bytes
    with ui.column().classes('w-full gap-3 px-2'):
        if version is not None:
            with ui.row().classes('items-center gap-2 text-sm tsv-pinned'):
                ui.icon('history')
                ui.label(f'You are looking at version {version}; it does not change when the table does.')
                ui.link('Go to the current version', f'{prefix}{link_id}')
        view_id = await off_loop(store.view_id, table_id) if editable else None

        async def reread(options: dict) -> str | None:
            """Read the version shown again, as the page's "Read differently" asks; a sentence if not."""
            try:
                read_options = ReadOptions.parse(**options)
                made = await off_loop(store.reread, table_id, view.meta['version'], read_options)
            except TsvError as refused:
                return refused.message
            services.committed(made)
            if version is not None:
                ui.navigate.to(f'{prefix}{link_id}')  # the new version is current: leave the pinned one
            return None

        info = TableInfo(meta, link_id, view_id=view_id,
                         on_reread=reread if editable and meta.get('original') else None)
        view = TableView(services.engine, table_id, meta, pinned=version is not None)
        if editable and version is None:
            # The drop zone is built when first opened: most tabs only look.
            replace = ui.expansion('Replace with a new file', icon='swap_horiz').classes('w-full tsv-replace') \
                .mark('tsv-replace')

            def open_replace(e) -> None:
                if e.value and not replace.default_slot.children:
                    with replace:
                        upload_zone(url=f'/api/tables/{link_id}', method='PUT', max_bytes=limit,
                                    header='Replace the table', label='Drop a TSV file here or click to choose',
                                    on_success=lambda body: None)
                        # the viewers' live update shows the pasted version, as it does a dropped file's
                        paste_controls(url=f'/api/tables/{link_id}', method='PUT', action='Replace the table',
                                       on_success=lambda body: None)
            replace.on_value_change(open_replace)

        async def restore(number: int) -> None:
            try:
                restored = await off_loop(store.restore, table_id, number)
            except NotFound as missing:
                ui.notify(missing.message, type='negative')
                return
            services.committed(restored)

        # The history is drawn only while it is open: every viewer redrawing it on every
        # replacement made each update (and each tab's replay buffer) several times larger.
        with ui.expansion('History', icon='history').classes('w-full tsv-history') as history_panel:
            versions = VersionList(link_id, [], current, on_restore=restore if editable else None)

        async def refresh_history() -> None:
            if history_panel.value:
                versions.show(await off_loop(store.versions, table_id), view.meta['version'])
            else:
                versions.show([], view.meta['version'])
        history_panel.on_value_change(refresh_history)  # drawn while open, emptied when closed
    await view.load()
    sockets.page_components_loaded(ui.context.client)
    if version is None:
        live_controls(services, table_id, view, header)
        ui.context.client.on_connect(lambda: remember_in_browser(f'{prefix}{link_id}', view.meta))

    def changed(change: TableChanged) -> Awaitable[None] | None:
        """A synchronous answer when the cache allows: hundreds of tabs then cost no task each."""
        if not view.apply_change_now(change):
            return change_slowly(change)
        info.show(view.meta)
        return refresh_history() if history_panel.value else None

    async def change_slowly(change: TableChanged) -> None:
        await view.apply_change(change)
        info.show(view.meta)
        if history_panel.value:
            await refresh_history()

    services.table_event(table_id).subscribe(changed)
