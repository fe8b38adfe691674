"""The table's keyboard shortcuts, listed in a small dialog made the first time someone asks (``?``)."""
from __future__ import annotations

from nicegui import ui

SHORTCUTS = (
    ('←', 'Previous page'),
    ('→', 'Next page'),
    ('Home', 'First page'),
    ('End', 'Last page'),
    ('/', 'Search all columns'),
    ('?', 'This list'),
)


class ShortcutsDialog:
    """Built on first use, in the slot it was made in: most viewers never open it, and every
    element of every open tab is kept on the server."""

    def __init__(self) -> None:
        self._slot = ui.context.slot
        self.dialog: ui.dialog | None = None

    def open(self) -> None:
        if self.dialog is None:
            with self._slot:
                self.dialog = ui.dialog().mark('tsv-shortcuts')
            with self.dialog, ui.card().classes('tsv-shortcuts gap-3'):
                with ui.row().classes('items-center w-full no-wrap'):
                    ui.label('Keyboard shortcuts').classes('text-lg font-medium')
                    ui.button(icon='close', on_click=self.dialog.close) \
                        .props('flat round dense aria-label="Close" title="Close (Esc)"').classes('ml-auto')
                # one element for the list: keys and words are fixed text, none of it from a user
                ui.html(''.join(f'<kbd>{key}</kbd><span>{what}</span>' for key, what in SHORTCUTS)) \
                    .classes('tsv-keys')
                ui.label('Keys work when the cursor is not in a text field.').classes('text-xs opacity-70')
        self.dialog.open()
