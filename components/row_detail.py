"""One row, whole: every column with its full text, each cell copyable, and a link to the row (issue #14).

A table cell is cut at 22rem; a note, an address or a JSON blob in a cell
cannot be read there. The row's panel shows each cell in full (line breaks
kept, long words broken), names its column, and copies it on click. Its link,
``/t/<id>?row=N``, opens the same panel for whoever it is sent to; N is the
row's 1-based position in the file of that version, as
``GET /api/tables/{id}/rows/{N}`` counts it.

Copying runs in the browser inside the click (a page may write the clipboard
only in answer to a person's gesture); off a secure context, where there is no
``navigator.clipboard``, it falls back to ``document.execCommand('copy')`` on
a hidden text area, as the Share dialog does.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import Client, ui

from .share import SELECT_JS
from .words import counted

# Copies the text of the cell the clicked button belongs to; emits true when the clipboard has it.
COPY_CELL_JS = '''(e) => {
  const host = e?.target?.closest ? e.target.closest('[data-tsv-copy]') : null;
  const source = host ? document.querySelector(host.dataset.tsvCopy) : null;
  if (!source) return emit(false);
  const input = source.tagName === 'INPUT' ? source : source.querySelector('input');
  const text = input ? input.value : source.innerText;
  const fallback = () => {
    const area = document.createElement('textarea');
    area.value = text; area.style.position = 'fixed'; area.style.opacity = '0';
    document.body.appendChild(area); area.focus(); area.select();
    let copied = false;
    try { copied = document.execCommand('copy'); } catch (err) { copied = false; }
    area.remove();
    emit(copied);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(() => emit(true), fallback);
  } else {
    fallback();
  }
}'''

STYLE = '''
.tsv-row-detail .tsv-row-cell { padding: .35rem 0; border-bottom: 1px solid rgba(127, 127, 127, .25); }
.tsv-row-detail .tsv-row-name { font-size: 12px; opacity: .7; }
.tsv-row-detail .tsv-row-text { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 14px; }
.tsv-row-detail .tsv-row-empty { font-style: italic; opacity: .5; }
.tsv-row-detail .tsv-row-copy { opacity: .45; }
.tsv-row-detail .tsv-row-cell:hover .tsv-row-copy, .tsv-row-detail .tsv-row-copy:focus { opacity: 1; }
'''

Step = Callable[[int], Awaitable[None]]


def add_style() -> None:
    """The panel's CSS, once for every page, while a page is built: added only when a row is first
    opened, it would reach the pages opened from then on, not the tabs already open."""
    if '.tsv-row-detail' not in Client.shared_head_html:
        ui.add_css(STYLE, shared=True)


class RowDetail:
    """The panel's insides for one row: ``answer`` is ``{"row", "version", "cells": {column: text}}``.

    ``path`` is the page's own address without a query (``http://host:8080/t/<id>``
    or ``.../v/<id>``); ``rows`` how many rows the version has, for the steps to
    the rows before and after; ``pinned`` adds ``version=`` to the link, since
    a pinned page shows an old version whose row N another version may not share.
    """

    def __init__(self, answer: dict, *, path: str, rows: int, pinned: bool, on_step: Step) -> None:
        number, version = answer['row'], answer['version']
        query = f'version={version}&row={number}' if pinned else f'row={number}'
        self.link = f'{path}?{query}'
        with ui.column().classes('w-full gap-2 tsv-row-detail').mark('tsv-row-detail'):
            with ui.row().classes('w-full items-center gap-1 no-wrap'):
                ui.label(f'Row {number:,} of {counted(rows, "row")} in the file').classes('text-sm opacity-80 grow')
                ui.button(icon='chevron_left', on_click=lambda: on_step(number - 1)) \
                    .props(f'flat round dense aria-label="Row before" title="Row before"'
                           f'{" disable" if number <= 1 else ""}').mark('tsv-row-before')
                ui.button(icon='chevron_right', on_click=lambda: on_step(number + 1)) \
                    .props(f'flat round dense aria-label="Row after" title="Row after"'
                           f'{" disable" if number >= rows else ""}').mark('tsv-row-after')
            with ui.row().classes('w-full items-center gap-1 no-wrap'):
                link = ui.input('Link to this row', value=self.link).props('readonly outlined dense') \
                    .classes('grow tsv-row-link').mark('tsv-row-link')
                link.on('focus', js_handler=SELECT_JS)
                self._copy_button(f'#c{link.id}', 'Copy the link', 'link')
            for column, text in answer['cells'].items():
                self._cell(column, text)

    def _cell(self, column: str, text: str | None) -> None:
        with ui.row().classes('w-full items-start gap-1 no-wrap tsv-row-cell'):
            with ui.column().classes('grow gap-0 min-w-0'):
                ui.label(column).classes('tsv-row-name')
                shown = ui.label(text if text else '(empty)') \
                    .classes('tsv-row-text' + ('' if text else ' tsv-row-empty'))
            if text:
                self._copy_button(f'#c{shown.id}', f'Copy {column}', 'cell')

    @staticmethod
    def _copy_button(selector: str, title: str, what: str) -> None:
        button = ui.button(icon='content_copy').props('flat round dense size=sm').classes('tsv-row-copy')
        button.props['title'] = button.props['aria-label'] = title
        button.props['data-tsv-copy'] = selector
        said = 'Link copied' if what == 'link' else 'Cell copied'
        button.on('click', lambda e: ui.notify(said if e.args is True else 'Select the text and copy it (Ctrl+C)',
                                               type='positive' if e.args is True else 'info', timeout=1500),
                  js_handler=COPY_CELL_JS)
