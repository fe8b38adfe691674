"""What every page shares: the header with the dark mode switch, the style, the not-found page, the recent list."""
from __future__ import annotations

import json
from html import escape

from fastapi.responses import HTMLResponse
from nicegui import ui

STYLE = '''
.tsv-cell { max-width: 22rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.tsv-table { max-height: calc(100vh - 12rem); }
.tsv-table thead tr th { position: sticky; top: 0; z-index: 1; background: var(--tsv-head-bg, #fff); }
.body--dark .tsv-table thead tr th { --tsv-head-bg: #1d1d1d; }
.tsv-drop { min-height: 12rem; }
.tsv-note::before { font-family: 'Material Icons'; content: 'info'; vertical-align: -0.2em; margin-right: 0.25rem; }
.tsv-drop .q-uploader__list { min-height: 9rem; padding: 0; }
'''

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
