"""The heading of a table page: what the file is, how it was read, and links to share it."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from nicegui import ui

from .lazy_menu import LazyMenu
from .words import counted
from .read_differently import ReadDifferently, Reread
from .share import ShareButton

DELIMITERS = {'\t': 'tab-separated', ',': 'comma-separated', ';': 'semicolon-separated', '|': 'pipe-separated',
              '': 'one column'}
VIEW_ONLY = 'View only: ask the owner for the edit link to replace it.'
# What the Download menu offers, in the API's ``format=`` spelling.
FORMATS = {'tsv': 'TSV', 'csv': 'CSV', 'json': 'JSON', 'parquet': 'Parquet (typed, for pandas and R)',
           'xlsx': 'Excel (.xlsx)'}
EXCEL_ROWS = 1_048_575  # a sheet's 1,048,576 rows, less the header

# The current view as download parameters (no paging: all of its rows) and how many rows it has.
ViewQuery = Callable[[], tuple[str, int]]


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
    view-only pages, which then say that they are. ``view`` gives the viewer's
    current view for "Download this view" (issue #14).
    """

    def __init__(self, meta: dict, link_id: str, *, view_id: str | None = None,
                 on_reread: Reread | None = None, view: ViewQuery | None = None) -> None:
        self.link_id = link_id
        self.view = view
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
        """Two lists: the view as this viewer sees it (when the page says what that is), and the whole table."""
        with self.formats.menu, ui.list().props('dense').classes('min-w-[14rem]'):
            if self.view is not None:
                ui.item_label('This view: its rows, order and columns').props('header').classes('text-xs')
                for fmt, label in FORMATS.items():
                    ui.menu_item(label, on_click=lambda fmt=fmt: self.download(fmt, whole=False)) \
                        .mark(f'tsv-download-view-{fmt}')
                ui.separator()
                ui.item_label('The whole table').props('header').classes('text-xs')
            for fmt, label in FORMATS.items():
                ui.menu_item(label, on_click=lambda fmt=fmt: self.download(fmt, whole=True)) \
                    .mark(f'tsv-download-{fmt}')
            if self.meta.get('original'):
                ui.menu_item('The original file, byte for byte', on_click=self.download_original) \
                    .mark('tsv-download-original')

    def download(self, fmt: str, *, whole: bool = True) -> None:
        """The version shown, whole or as this viewer's view; Excel refuses what does not fit a sheet."""
        query, rows = ('', self.meta['rows']) if whole or self.view is None else self.view()
        if fmt == 'xlsx' and rows > EXCEL_ROWS:
            ui.notify(f'Excel holds at most {EXCEL_ROWS:,} rows under the header, and this has {rows:,}. '
                      'Filter it down, or download it as CSV or Parquet.', type='warning', multi_line=True,
                      timeout=8000)
            return
        extra = f'&{query}' if query else ''
        ui.download.from_url(f"/api/tables/{self.link_id}/download?format={fmt}&version={self.meta['version']}{extra}")

    def download_original(self) -> None:
        """Exactly the bytes that were uploaded for the version shown."""
        ui.download.from_url(f"/api/tables/{self.link_id}/original?version={self.meta['version']}")
