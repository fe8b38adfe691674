"""The pages: a landing page with the drop zone, and one page per table (``table_screen``)."""
from __future__ import annotations

from pathlib import Path

from nicegui import run, ui

from components.offload import off_loop
from components.paste import paste_controls
from components.table_info import when
from components.upload_zone import upload_zone
from components.words import counted
from tsvcore import TsvError

from .frame import frame
from .services import Services
from .table_screen import TableScreen

PAGE_TIMEOUT = 30.0
SAMPLE = Path(__file__).resolve().parent.parent / 'samples' / 'cities.tsv'


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
            entries = [e for e in entries[:12] if isinstance(e, dict) and await still_there(str(e.get('url', '')))]
            if not entries:
                return  # every table it remembers was deleted (or expired) since
            with recent:
                ui.label('Opened recently in this browser').classes('text-sm font-medium pt-4')
                for entry in entries[:12]:
                    with ui.row().classes('items-center gap-3 w-full'):
                        ui.link(str(entry.get('name', 'table')), str(entry.get('url', '/'))).classes('ellipsis max-w-xs')
                        ui.label(counted(int(entry.get('rows', 0)), 'row')).classes('text-sm opacity-70')
                        ui.label(f"changed {when(float(entry.get('at', 0)))}").classes('text-sm opacity-60')
        ui.context.client.on_connect(show_recent)

    async def still_there(url: str) -> bool:
        """Whether a remembered ``/t/<id>`` or ``/v/<id>`` still opens a table (it may have been deleted)."""
        link_id = url.rsplit('/', 1)[-1]
        try:
            await run.io_bound(lambda: services.store.resolve(link_id, viewing=False))  # listed is not viewed
        except TsvError:
            return False
        return True

    async def open_sample() -> None:
        meta = await off_loop(services.store.create, SAMPLE, SAMPLE.name)
        ui.navigate.to(f"/t/{meta['id']}")

    # Many tabs opening at once on two cores can take longer than NiceGUI's default 3 s to build;
    # a slow page is better than an error page.
    @ui.page('/t/{table_id}', response_timeout=PAGE_TIMEOUT)
    async def edit_page(table_id: str, version: int | None = None):
        return await TableScreen.open(services, table_id, version, editable=True)

    @ui.page('/v/{view_id}', response_timeout=PAGE_TIMEOUT)
    async def view_page(view_id: str, version: int | None = None):
        return await TableScreen.open(services, view_id, version, editable=False)
