"""The page's notice of what happened to the table: a new version, a restore, a re-read, an upload under way.

A toast that vanished after four seconds (light cyan, white text) was easy to
miss and said "Table replaced" even for a restore. This notice stays until it
is dismissed or the next change replaces it, says which version and what
kind of change it was, and is readable in light and dark mode. It is made
when there is first something to say: most tabs never need one.
"""
from __future__ import annotations

from nicegui import ui

from .table_info import DELIMITERS, when
from .words import counted

# Added while the page is built (in ``Notice.__init__``): added at the first notice, it
# would cost every open tab one more script message on that change.
STYLE = '''
.tsv-notice { background: #e3f2fd; color: #0d3c61; border-radius: 4px; }
.body--dark .tsv-notice { background: #0d3c61; color: #e3f2fd; }
'''


def change_text(meta: dict) -> str:
    """One sentence on how version ``meta['version']`` came to be."""
    version, rows = meta['version'], counted(meta['rows'], 'row')
    by = f" by {meta['by']}" if meta.get('by') else ''
    at = when(meta['uploaded_at'])
    if 'restored_from' in meta:
        return f"Version {meta['restored_from']} restored{by} as version {version}: {meta['name']}, {rows} ({at})."
    if 'reread_from' in meta:
        how = f"{meta['encoding']}, {DELIMITERS.get(meta['delimiter'], meta['delimiter'])}"
        return f"Version {meta['reread_from']} read again{by} ({how}) as version {version}: {rows} ({at})."
    return f"Table replaced{by}: {meta['name']}, {rows}, now version {version} ({at})."


def progress_text(news: dict) -> str | None:
    """What an upload under way looks like to the other viewers; None once there is nothing to say."""
    if news.get('phase') == 'uploading':
        percent = news.get('percent')
        return 'A new version is being uploaded' + (f' ({percent}%)...' if percent is not None else '...')
    if news.get('phase') == 'reading':
        return 'A new version is being read...'
    return None


class Notice:
    """A banner above the table: icon, sentence, Dismiss. Built on first use, then reused."""

    def __init__(self) -> None:
        ui.add_css(STYLE)  # with the page, while it is built
        self._slot = ui.context.slot
        self._index = len(self._slot.children)  # where it goes: after what was built before it
        self._row: ui.row | None = None
        self._text: ui.label | None = None
        self._icon: ui.icon | None = None
        self.kind = ''

    def show(self, text: str, *, kind: str = 'change') -> None:
        """``kind``: 'change' (stays until dismissed or replaced) or 'progress' (replaced by what follows)."""
        if self._row is None:
            with self._slot:
                with ui.row().classes('w-full items-center gap-2 px-3 py-1 tsv-notice no-wrap') as self._row:
                    self._icon = ui.icon('info')
                    self._text = ui.label().classes('text-sm')
                    ui.button('Dismiss', on_click=self.hide).props('flat dense no-caps size=sm color=primary') \
                        .classes('ml-auto')
            self._row.move(target_index=self._index)
        assert self._text is not None and self._icon is not None
        self.kind = kind
        self._icon.name = 'cloud_upload' if kind == 'progress' else 'info'
        self._text.text = text
        self._row.set_visibility(True)

    def hide(self) -> None:
        if self._row is not None:
            self._row.set_visibility(False)

    def clear_progress(self) -> None:
        """An upload came to nothing (it failed or was refused): its progress goes, a change notice stays."""
        if self.kind == 'progress':
            self.hide()
