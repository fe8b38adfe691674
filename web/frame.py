"""What every page shares: the header with the dark mode switch, the style, the error pages, the recent list."""
from __future__ import annotations

import json

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from nicegui import Client, ui
from starlette.exceptions import HTTPException

from components.offload import off_loop
from components.words import counted
from tsvcore import NotFound, Store

from .security import HEADERS

STYLE = '''
.tsv-cell { max-width: 22rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.tsv-table { max-height: calc(100vh - 12rem); }
.tsv-table thead tr th { position: sticky; top: 0; z-index: 1; background: var(--tsv-head-bg, #fff); }
.body--dark .tsv-table thead tr th { --tsv-head-bg: #1d1d1d; }
.tsv-drop { min-height: 12rem; }
.tsv-note::before { font-family: 'Material Icons'; content: 'info'; vertical-align: -0.2em; margin-right: 0.25rem; }
.tsv-drop .q-uploader__list { min-height: 9rem; padding: 0; }
.tsv-view-only::before { font-family: 'Material Icons'; content: 'visibility'; vertical-align: -0.2em;
                         margin-right: 0.25rem; }
.tsv-error-path { overflow-wrap: anywhere; }
.tsv-link .q-field__control:before { border-style: solid; }  /* readonly, not disabled */
'''


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


# -- error pages --------------------------------------------------------------------
# Every error page is a NiceGUI page in the app's frame (header, fonts, dark mode) with the
# right status and links onward. Table pages build theirs in place (``not_found``,
# ``version_not_found``); for any other address, ``install_error_pages`` takes over the two
# FastAPI exception handlers NiceGUI registers (404 and Exception), whose own pages say
# "HTTPException: 404" and show the exception's text.


def error_page(status: int, *, title: str, icon: str, sentences: list[str],
               links: list[tuple[str, str]]) -> None:
    """Build an error page into the current client: a heading, plain sentences, links onward."""
    ui.context.client.status_code = status  # NiceGUI answers a page with this status
    frame(title)
    with ui.column().classes('w-full max-w-xl mx-auto gap-2 pt-16 px-4 tsv-error').mark('tsv-error'):
        ui.icon(icon).classes('text-5xl opacity-50')
        ui.label(title).classes('text-3xl font-light tsv-error-title')
        for sentence in sentences:
            ui.label(sentence).classes('opacity-80 tsv-error-path')
        with ui.row().classes('gap-2 pt-4'):
            for i, (text, url) in enumerate(links):
                link = ui.button(text).props('no-caps ' + ('unelevated' if i == 0 else 'outline'))
                link.props['href'] = url  # an <a>: it works before and without the websocket


def shown(path: str) -> str:
    """An address as a sentence may quote it: a hostile one stays text (labels are text) and short."""
    return path if len(path) <= 120 else path[:117] + '...'


START = ('Go to the start page', '/')


def not_found(path: str) -> None:
    """The page of a table address that leads nowhere (built in place; the page answers 404)."""
    error_page(404, title='Table not found', icon='search_off',
               sentences=[f'There is no table at {shown(path)}.',
                          'The link may be mistyped or incomplete; ask whoever sent it for the whole link.'],
               links=[('Upload a file to start a new table', '/')])


async def version_not_found(store: Store, path: str, table_id: str, version: int | None) -> None:
    """``?version=N`` of a table that has no version N (never made, or deleted as too old)."""
    try:
        kept = sorted(m['version'] for m in await off_loop(store.versions, table_id))
    except NotFound:
        kept = []
    if version is None or not kept:  # the table itself went away
        return not_found(path)
    current = kept[-1]
    has = f'versions {kept[0]} to {current}' if len(kept) > 1 else f'only version {current}'
    if 1 <= version < kept[0]:
        said = (f'Version {version} was deleted: the server keeps the latest '
                f'{counted(store.keep_versions, "version")} of a table (its --keep-versions option), here {has}.')
    else:
        said = f'Version {version} does not exist: this table has {has}.'
    error_page(404, title=f'Version {version} not found', icon='history',
               sentences=[said, 'The table itself is there; its current version is below.'],
               links=[(f'Open the current version ({current})', path), START])


def unknown_path(path: str) -> None:
    error_page(404, title='Page not found', icon='search_off',
               sentences=[f'There is nothing at {shown(path)}.', 'The address may be mistyped or incomplete.'],
               links=[START])


def server_error(address: str) -> None:
    """What a page that failed shows: no exception text, which may name files or data."""
    error_page(500, title='Something went wrong', icon='error_outline',
               sentences=['The server could not show this page. Reload it to try again; if that does not help, '
                          "the server's log says what failed."],
               links=[('Reload', address), START])


def install_error_pages(app: FastAPI) -> None:
    """The app's 404 and 500 pages for every address that is not a table page (NiceGUI's replaced).

    These are the handlers NiceGUI registers in ``nicegui/nicegui.py``
    (``_exception_handler_404`` and ``_exception_handler_500``); ours keep
    their choices of who gets a page: a non-page endpoint's 404 (``/_nicegui``
    resources) stays FastAPI's JSON, a non-page's exception stays a bare 500,
    and the page is built the way NiceGUI builds its own, in a fresh ``Client``.
    ``/api/...`` never gets here: its catch-all answers JSON itself.
    """
    @app.exception_handler(404)
    async def page_not_found(request: Request, exception: Exception) -> Response:
        endpoint = request.scope.get('endpoint')
        if endpoint is not None and endpoint is not app and not request.scope.get('nicegui_page_path') \
                and isinstance(exception, HTTPException):
            return await http_exception_handler(request, exception)
        with Client(ui.page(''), request=request) as client:
            unknown_path(request.url.path)
        return client.build_response(request, 404)

    @app.exception_handler(Exception)
    async def page_failed(request: Request, exception: Exception) -> Response:
        if not request.scope.get('nicegui_page_path'):
            raise exception  # "Internal Server Error", as FastAPI answers; uvicorn logs the traceback
        with Client(ui.page(''), request=request) as client:
            # the exception's text stays in the log (uvicorn's), never on the page
            server_error(request.url.path + (f'?{request.url.query}' if request.url.query else ''))
        response = client.build_response(request, 500)
        for name, value in HEADERS.items():  # this answer leaves outside the middleware that adds them
            response.headers.setdefault(name, value)
        return response
