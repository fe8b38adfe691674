"""The heading of a table page: what the file is, how it was read, and links to share it."""
from __future__ import annotations

from datetime import datetime, timezone

from nicegui import ui

DELIMITERS = {'\t': 'tab-separated', ',': 'comma-separated', ';': 'semicolon-separated', '|': 'pipe-separated',
              '': 'one column'}


def reading_note(meta: dict) -> str:
    """One plain sentence about how the file was read, or '' for a clean UTF-8 file."""
    return ' '.join(meta.get('warnings', []))


def when(timestamp: float) -> str:
    return f'{datetime.fromtimestamp(timestamp, tz=timezone.utc):%Y-%m-%d %H:%M} UTC'


class TableInfo:
    """File name, counts, upload time, reading notes, downloads and share links.

    ``link_id`` is the id this page was opened with (an edit or a view-only id)
    and is the only id the page hands out, except the view-only id, which an
    edit page offers too.
    """

    def __init__(self, meta: dict, link_id: str, *, view_id: str | None = None) -> None:
        self.link_id = link_id
        self.view_id = view_id
        self.container = ui.column().classes('w-full gap-1')
        self.show(meta)

    def show(self, meta: dict) -> None:
        self.container.clear()
        with self.container:
            with ui.row().classes('items-center gap-3 w-full'):
                name = ui.label(meta['name']).classes('text-xl font-medium tsv-name')
                name.props['title'] = meta['name']
                ui.label(f"{meta['rows']:,} rows · {len(meta['columns']):,} columns · version {meta['version']}") \
                    .classes('text-sm opacity-80 tsv-counts')
                ui.label(f"uploaded {when(meta['uploaded_at'])}").classes('text-sm opacity-60')
                ui.label(f"{meta['encoding']}, {DELIMITERS.get(meta['delimiter'], meta['delimiter'])}") \
                    .classes('text-sm opacity-60 tsv-dialect')
                ui.space()
                with ui.button('Download', icon='download').props('flat dense no-caps'):
                    with ui.menu():
                        for fmt in ('tsv', 'csv'):
                            url = f"/api/tables/{self.link_id}/download?format={fmt}&version={meta['version']}"
                            ui.menu_item(f'as {fmt.upper()}', on_click=lambda url=url: ui.download.from_url(url))
                if self.view_id is None:
                    ui.button('Copy link', icon='link', on_click=lambda: copy_link(None)) \
                        .props('flat dense no-caps')
                else:
                    ui.button('Copy edit link', icon='edit', on_click=lambda: copy_link(None)) \
                        .props('flat dense no-caps')
                    ui.button('Copy view-only link', icon='visibility',
                              on_click=lambda: copy_link(f'/v/{self.view_id}')).props('flat dense no-caps')
            note = reading_note(meta)
            if note:
                with ui.row().classes('items-center gap-1 text-sm text-amber-9 tsv-note'):
                    ui.icon('info', size='xs')
                    ui.label(note)


def copy_link(path: str | None) -> None:
    """Copy this page's address (or another path on this server) to the clipboard."""
    target = 'window.location.href' if path is None else f'window.location.origin + {path!r}'
    ui.run_javascript(f'navigator.clipboard && navigator.clipboard.writeText({target})')
    ui.notify('Link copied to the clipboard.', type='positive', timeout=1500)
