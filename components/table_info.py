"""The heading of a table page: what the file is, how it was read, and links to share it."""
from __future__ import annotations

from datetime import datetime, timezone

from nicegui import ui

from .lazy_menu import LazyMenu
from .words import counted
from .read_differently import ReadDifferently, Reread
from .share import ShareButton

DELIMITERS = {'\t': 'tab-separated', ',': 'comma-separated', ';': 'semicolon-separated', '|': 'pipe-separated',
              '': 'one column'}
VIEW_ONLY = 'View only: ask the owner for the edit link to replace it.'


def reading_note(meta: dict) -> str:
    """One plain sentence about how the file was read, or '' for a clean UTF-8 file."""
    return ' '.join(meta.get('warnings', []))


def when(timestamp: float) -> str:
    return f'{datetime.fromtimestamp(timestamp, tz=timezone.utc):%Y-%m-%d %H:%M} UTC'


class TableInfo:
    """File name, counts, upload time, reading notes, downloads and share links.

    ``link_id`` is the id this page was opened with (an edit or a view-only id)
    and is the only id the page hands out, except the view-only id, which an
    edit page offers too: ``view_id`` is given on edit pages and None on
    view-only pages, which then say that they are.
    """

    def __init__(self, meta: dict, link_id: str, *, view_id: str | None = None,
                 on_reread: Reread | None = None) -> None:
        self.link_id = link_id
        # Few elements, on purpose: each one is kept on the server for every open tab.
        with ui.row().classes('items-center gap-3 w-full'):
            self.name = ui.label().classes('text-xl font-medium tsv-name')
            self.facts = ui.label().classes('text-sm opacity-70 tsv-facts')  # counts, version, when, how it was read
            if on_reread is not None:
                ReadDifferently(on_reread, lambda: self.meta)
            download = ui.button('Download', icon='download').props('flat dense no-caps').classes('ml-auto')
            self.formats = LazyMenu(download, self._fill_formats, marker='tsv-download-menu')
            # one button; the links, selectable and copyable, are in its dialog, built when first opened
            if view_id is None:
                ShareButton(edit_path=None, view_path=f'/v/{link_id}')
            else:
                ShareButton(edit_path=f'/t/{link_id}', view_path=f'/v/{view_id}')
        if view_id is None:  # a view-only page says so, and what to do about it
            ui.label(VIEW_ONLY).classes('text-sm opacity-80 tsv-view-only').mark('tsv-view-only')
        self.note = ui.label().classes('text-sm text-amber-9 tsv-note')  # its icon comes from CSS (pages.py)
        self.show(meta)

    def show(self, meta: dict) -> None:
        """Update the texts in place: a replacement sends a few strings, not a new heading."""
        self.meta = meta
        self.name.text = meta['name']
        if self.name.props.get('title') != meta['name']:  # setting a prop re-sends the element, even unchanged
            self.name.props['title'] = meta['name']
        self.facts.text = (f"{counted(meta['rows'], 'row')} · {counted(len(meta['columns']), 'column')} · "
                           f"version {meta['version']} · "
                           f"uploaded {when(meta['uploaded_at'])} · "
                           f"{meta['encoding']}, {DELIMITERS.get(meta['delimiter'], meta['delimiter'])}")
        self.note.text = reading_note(meta)
        self.note.set_visibility(bool(self.note.text))

    def _fill_formats(self) -> None:
        with self.formats.menu:
            for fmt in ('tsv', 'csv'):
                ui.menu_item(f'as {fmt.upper()}', on_click=lambda fmt=fmt: self.download(fmt))
            if self.meta.get('original'):
                ui.menu_item('the original file', on_click=self.download_original)

    def download(self, fmt: str) -> None:
        ui.download.from_url(f"/api/tables/{self.link_id}/download?format={fmt}&version={self.meta['version']}")

    def download_original(self) -> None:
        """Exactly the bytes that were uploaded for the version shown."""
        ui.download.from_url(f"/api/tables/{self.link_id}/original?version={self.meta['version']}")

