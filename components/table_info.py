"""The heading of a table page: what the file is, and a link to share it."""
from __future__ import annotations

from datetime import datetime, timezone

from nicegui import ui

DELIMITERS = {'\t': 'tab-separated', ',': 'comma-separated', ';': 'semicolon-separated', '|': 'pipe-separated',
              '': 'one column'}


def reading_note(meta: dict) -> str:
    """One plain sentence about how the file was read, or '' for a clean UTF-8 file."""
    return ' '.join(meta.get('warnings', []))


def uploaded_label(meta: dict) -> str:
    when = datetime.fromtimestamp(meta['uploaded_at'], tz=timezone.utc)
    return f"uploaded {when:%Y-%m-%d %H:%M} UTC"


class TableInfo:
    """File name, counts, upload time, reading notes and "Copy link"."""

    def __init__(self, meta: dict) -> None:
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
                ui.label(uploaded_label(meta)).classes('text-sm opacity-60')
                ui.label(f"{meta['encoding']}, {DELIMITERS.get(meta['delimiter'], meta['delimiter'])}") \
                    .classes('text-sm opacity-60 tsv-dialect')
                ui.space()
                with ui.button('Download', icon='download').props('flat dense no-caps'):
                    with ui.menu():
                        for fmt in ('tsv', 'csv'):
                            url = f"/api/tables/{meta['id']}/download?format={fmt}&version={meta['version']}"
                            ui.menu_item(f'as {fmt.upper()}', on_click=lambda url=url: ui.download.from_url(url))
                ui.button('Copy link', icon='link', on_click=self.copy_link).props('flat dense no-caps')
            note = reading_note(meta)
            if note:
                with ui.row().classes('items-center gap-1 text-sm text-amber-9 tsv-note'):
                    ui.icon('info', size='xs')
                    ui.label(note)

    @staticmethod
    def copy_link() -> None:
        ui.run_javascript('navigator.clipboard && navigator.clipboard.writeText(window.location.href)')
        ui.notify('Link copied to the clipboard.', type='positive', timeout=1500)

