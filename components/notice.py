"""The page's notice of what happened to the table: a new version, a restore, a re-read, an upload under way.

A toast that vanished after four seconds (light cyan, white text) was easy to
miss and said "Table replaced" even for a restore. This notice stays until it
is dismissed or the next change replaces it, says which version and what
kind of change it was, and is readable in light and dark mode. It is made
when there is first something to say: most tabs never need one.

What a replacement changed (issue #15) comes a moment later, as a second
line with "Show changes": it is computed after the new version reached
every viewer, so that the rows never wait for the comparison.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from .table_info import DELIMITERS, when
from .words import counted

# Added while the page is built (in ``Notice.__init__``): added at the first notice, it
# would cost every open tab one more script message on that change.
STYLE = '''
.tsv-notice { background: #e3f2fd; color: #0d3c61; border-radius: 4px; }
.body--dark .tsv-notice { background: #0d3c61; color: #e3f2fd; }
.body--dark .tsv-notice .q-btn { color: #90caf9 !important; }
'''


def change_text(meta: dict) -> str:
    """One sentence on how version ``meta['version']`` came to be."""
    version, rows = meta['version'], counted(meta['rows'], 'row')
    by = f" by {meta['uploaded_by']}" if meta.get('uploaded_by') else ''  # --trusted-user-header
    at = when(meta['uploaded_at'])
    if 'restored_from' in meta:
        return f"Version {meta['restored_from']} restored{by} as version {version}: {meta['name']}, {rows} ({at})."
    if 'reread_from' in meta:
        how = f"{meta['encoding']}, {DELIMITERS.get(meta['delimiter'], meta['delimiter'])}"
        return f"Version {meta['reread_from']} read again{by} ({how}) as version {version}: {rows} ({at})."
    return f"Table replaced{by}: {meta['name']}, {rows}, now version {version} ({at})."


def _names(names: list[str]) -> str:
    """Column names as a sentence lists them: ``"a", "b" and 2 more``."""
    shown = ', '.join(f'"{name[:40]}"' for name in names[:3])
    return shown + (f' and {len(names) - 3} more' if len(names) > 3 else '')


def summary_text(summary: dict) -> str:
    """What a change changed, in a sentence: "Replaced by version 5: 12 rows added, 3 removed, 40 changed."

    Counts of zero are left out ("no rows changed" when all are); columns that
    came or went are named after the rows.
    """
    counts = [(summary[kind], kind) for kind in ('added', 'removed', 'changed') if summary[kind]]
    rows = ', '.join(counted(n, 'row') + f' {kind}' if i == 0 else f'{n:,} {kind}'
                     for i, (n, kind) in enumerate(counts)) or 'no rows changed'
    columns = [f"{'column' if len(names) == 1 else 'columns'} {_names(names)} {kind}"
               for names, kind in ((summary['columns_added'], 'added'), (summary['columns_removed'], 'removed'))
               if names]
    return f"Replaced by version {summary['to']}: {'; '.join([rows, *columns])}."


def progress_text(news: dict) -> str | None:
    """What an upload under way looks like to the other viewers; None once there is nothing to say."""
    if news.get('phase') == 'uploading':
        percent = news.get('percent')
        return 'A new version is being uploaded' + (f' ({percent}%)...' if percent is not None else '...')
    if news.get('phase') == 'reading':
        return 'A new version is being read...'
    return None


class Notice:
    """A banner above the table: icon, sentence, Dismiss. Built on first use, then reused.

    ``show_summary`` adds what the change changed and a "Show changes" button
    to the notice shown; the next ``show`` takes them away again.
    """

    def __init__(self) -> None:
        ui.add_css(STYLE)  # with the page, while it is built
        self._slot = ui.context.slot
        self._index = len(self._slot.children)  # where it goes: after what was built before it
        self._row: ui.row | None = None
        self._text: ui.label | None = None
        self._lines: ui.column | None = None
        self._icon: ui.icon | None = None
        self._summary: ui.label | None = None     # made at the first summary: most tabs never see one
        self._action: ui.button | None = None
        self._on_action: Callable[[], Any] | None = None
        self.kind = ''

    def show(self, text: str, *, kind: str = 'change') -> None:
        """``kind``: 'change' (stays until dismissed or replaced) or 'progress' (replaced by what follows)."""
        if self._row is None:
            with self._slot:
                with ui.row().classes('w-full items-center gap-2 px-3 py-1 tsv-notice no-wrap') as self._row:
                    self._icon = ui.icon('info')
                    with ui.column().classes('gap-0 col') as self._lines:  # takes the room the buttons leave
                        self._text = ui.label().classes('text-sm')
                    ui.button('Dismiss', on_click=self.hide).props('flat dense no-caps color=primary') \
                        .classes('ml-auto')
            self._row.move(target_index=self._index)
        assert self._text is not None and self._icon is not None
        self.kind = kind
        self._icon.name = 'cloud_upload' if kind == 'progress' else 'info'
        self._text.text = text
        self._row.set_visibility(True)
        if self._summary is not None and self._summary.visible:
            self._summary.set_visibility(False)
            assert self._action is not None
            self._action.set_visibility(False)

    def show_summary(self, text: str, on_show: Callable[[], Any]) -> None:
        """Add what the change changed under the notice shown, with "Show changes" calling ``on_show``."""
        if self._row is None or not self._row.visible:
            return  # dismissed meanwhile: it stays dismissed
        self._on_action = on_show
        if self._summary is None:
            assert self._lines is not None
            with self._lines:
                self._summary = ui.label().classes('text-sm font-medium tsv-notice-summary')
            with self._row:
                self._action = ui.button('Show changes', icon='difference', on_click=lambda: self._on_action()) \
                    .props('outline dense no-caps color=primary').classes('ml-auto px-2 tsv-show-changes') \
                    .mark('tsv-show-changes')
            self._action.move(target_index=2)  # before Dismiss
        assert self._action is not None
        self._summary.text = text
        self._summary.set_visibility(True)
        self._action.set_visibility(True)

    @property
    def text(self) -> str:
        """The sentence shown, or '' when there is none in sight."""
        return self._text.text if self._text is not None and self._row is not None and self._row.visible else ''

    def hide(self) -> None:
        if self._row is not None:
            self._row.set_visibility(False)

    def clear_progress(self) -> None:
        """An upload came to nothing (it failed or was refused): its progress goes, a change notice stays."""
        if self.kind == 'progress':
            self.hide()
