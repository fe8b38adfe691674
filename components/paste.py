"""Paste from a spreadsheet: cells copied from Excel, Sheets or a web page become a table.

Cells copied from a spreadsheet are TSV on the clipboard, and the clipboard is
only in the browser: Python cannot read it. So this module holds the one bit of
JavaScript the feature needs (``PASTE_JS``, installed once per document): it
takes the text of a paste event, or of the Paste dialog's text area, and sends
it as the raw UTF-8 body of the same request the drop zone makes (``POST
/api/tables`` or ``PUT /api/tables/{edit id}``, named ``Pasted table
YYYY-MM-DD HH:MM.tsv`` in the browser's local time), so pasted cells go through
the same reader under the same rules as a file. The text never crosses
NiceGUI's websocket (a pasted sheet can be megabytes); Python only hears the
API's answer and navigates or explains, as it does for the drop zone.

Where a paste goes is read from the page itself: the visible Paste button
carries its request (``data-tsv-paste`` and ``data-tsv-method``). A paste with
no visible Paste button (the Replace panel closed) does nothing, and the
listener dies with its page, since every NiceGUI page is a document of its own.
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

HINT = 'or paste cells copied from a spreadsheet (Ctrl+V)'
PLACEHOLDER = 'Paste cells here (Ctrl+V)'
SHOW_PROGRESS_FROM = 1_000_000  # bytes; smaller pastes are read before a notice could say so

# Installed once per document (a second run is a no-op). ``send`` answers through the
# Paste button's "pasted" event: {empty}, {started, size}, then {status, body}.
PASTE_JS = r'''
window.tsvPaste || (window.tsvPaste = (() => {
  const two = (n) => String(n).padStart(2, '0');
  const name = (d = new Date()) => `Pasted table ${d.getFullYear()}-${two(d.getMonth() + 1)}-` +
    `${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}.tsv`;
  const send = (button, text) => {
    const tell = (answer) => getElement(button).$emit('pasted', answer);
    if (!text || !text.trim()) return tell({empty: true});
    if (button.dataset.tsvBusy) return;  // a second Ctrl+V while the first is read makes no second table
    const body = new TextEncoder().encode(text);
    button.dataset.tsvBusy = '1';
    tell({started: true, size: body.length});
    fetch(button.dataset.tsvPaste, {method: button.dataset.tsvMethod, body,
      headers: {'X-Filename': encodeURIComponent(name()), 'Content-Type': 'text/tab-separated-values; charset=utf-8'}})
      .then((r) => r.text().then((text) => tell({status: r.status, body: text})))
      .catch(() => tell({status: 0, body: ''}))
      .finally(() => delete button.dataset.tsvBusy);
  };
  document.addEventListener('paste', (e) => {
    const into = e.target instanceof Element ? e.target : null;
    if (into && (into.isContentEditable || into.closest('input, textarea, select, .q-dialog'))) return;
    const button = [...document.querySelectorAll('[data-tsv-paste]')].find((b) => b.offsetParent !== null);
    const text = e.clipboardData ? e.clipboardData.getData('text/plain') : '';
    if (!button || !text) return;
    e.preventDefault();
    send(button, text);
  });
  return {send};
})());
'''
SEND_TEXTAREA_JS = '() => tsvPaste.send(getHtmlElement({button}), getHtmlElement({area}).value)'
TEXTAREA_STYLE = ('font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85rem; '
                  'color: inherit; background: transparent; border: 1px solid rgba(128, 128, 128, 0.5); '
                  'border-radius: 4px; padding: 0.5rem; resize: vertical; white-space: pre; tab-size: 12')


def paste_controls(*, url: str, method: str, action: str,
                   on_success: Callable[[dict], Awaitable[Any] | Any]) -> ui.button:
    """The hint and the Paste button, and the paste listener for this page.

    ``on_success`` receives the API's JSON answer, as the drop zone's does.
    """
    ui.run_javascript(PASTE_JS)
    dialog: ui.dialog | None = None
    with ui.row().classes('items-center gap-2 text-sm tsv-paste') as row:
        ui.label(HINT).classes('opacity-70')
        button = ui.button('Paste', icon='content_paste').props('flat dense no-caps').mark('tsv-paste')
    button.props['data-tsv-paste'] = url
    button.props['data-tsv-method'] = method

    def open_dialog() -> None:
        """The dialog is made on the first click: every element is kept per open tab, and most never paste."""
        nonlocal dialog
        if dialog is None:
            with row, ui.dialog() as dialog, ui.card().classes('w-full max-w-3xl tsv-paste-dialog'):
                ui.label('Paste cells from a spreadsheet').classes('text-lg')
                ui.label('Copy cells in Excel, Google Sheets, LibreOffice or a web page, then paste them here.') \
                    .classes('text-sm opacity-70')
                # A plain <textarea>, not ui.textarea: that one sends its value to the server on every
                # change, and the point is that the pasted text goes to the API, not over the websocket.
                area = ui.element('textarea').classes('w-full').style(TEXTAREA_STYLE)
                area.props.update(rows='14', placeholder=PLACEHOLDER, spellcheck='false', autofocus='')
                with ui.row().classes('w-full justify-end gap-2'):
                    ui.button('Cancel', on_click=dialog.close).props('flat no-caps')
                    ui.button(action, icon='table_view').props('no-caps unelevated color=primary') \
                        .mark('tsv-paste-send') \
                        .on('click', js_handler=SEND_TEXTAREA_JS.format(button=button.id, area=area.id))
        dialog.open()

    async def answered(e: Any) -> None:
        """What the browser says about the paste it sent: the API's answer, or that there was nothing."""
        answer = e.args if isinstance(e.args, dict) else {}
        if answer.get('empty'):
            ui.notify('Nothing to paste: copy some cells in a spreadsheet first.', type='warning')
            return
        if answer.get('started'):
            size = int(answer.get('size') or 0)
            if size >= SHOW_PROGRESS_FROM:
                ui.notify(f'Reading the pasted cells ({size / 1e6:,.1f} MB)...', type='ongoing', timeout=3000)
            return
        status = int(answer.get('status') or 0)
        body = _json(answer.get('body', ''))
        if status in (200, 201) and body.get('url'):
            if dialog is not None:
                dialog.close()
            result = on_success(body)
            if hasattr(result, '__await__'):
                await result
            return
        ui.notify(refusal(status, body), type='negative', multi_line=True, timeout=8000)

    button.on('click', open_dialog)
    button.on('pasted', answered)
    return button


def refusal(status: int, body: dict) -> str:
    """The sentence for a paste the API did not take; the table shown stays as it was."""
    reason = body.get('error') or ('The server could not be reached.' if status == 0
                                   else f'The server answered HTTP {status}.')
    return f'The pasted cells were not read. {reason}'


def _json(text: Any) -> dict:
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}
