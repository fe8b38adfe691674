"""The drop zone: a Quasar uploader that streams the raw file to our own route.

NiceGUI's default upload route parses a multipart form in memory and answers
"success" before its handler runs; pointing the uploader at the API with
``send-raw`` instead streams the file to disk with the size limit enforced on
the server, and the browser only hears "success" once the table is committed.
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

ACCEPT = '.tsv,.tab,.txt,.csv,text/plain,text/tab-separated-values,text/csv'
FILENAME_HEADER = "files => [{name: 'X-Filename', value: encodeURIComponent(files[0].name)}]"
RESPONSE_JS = '(e) => emit({status: e.xhr.status, body: e.xhr.responseText})'
STARTED_JS = '(e) => emit({name: e.files[0].name, size: e.files[0].size})'


def upload_zone(*, url: str, method: str, max_bytes: int, label: str,
                on_success: Callable[[dict], Awaitable[Any] | Any], header: str = 'Upload a table') -> ui.upload:
    """A drop zone; ``on_success`` receives the API's JSON answer."""

    def busy(started: dict | None) -> None:
        """While the file streams in and is read, say so: the uploader's bar shows the bytes."""
        status.set_visibility(bool(started))
        if started:
            size = started.get('size') or 0
            status_text.text = f"Uploading and reading {started.get('name', 'the file')} ({size / 1e6:,.1f} MB)..."

    async def uploaded(e: Any) -> None:
        busy(None)
        body = _json(e.args.get('body', ''))
        zone.reset()
        result = on_success(body)
        if hasattr(result, '__await__'):
            await result

    def failed(e: Any) -> None:
        busy(None)
        status_code = e.args.get('status') or 0
        message = _json(e.args.get('body', '')).get('error') or (
            'The upload was interrupted.' if status_code == 0 else f'The upload failed (HTTP {status_code}).')
        zone.reset()
        ui.notify(message, type='negative', multi_line=True, timeout=8000)

    def rejected() -> None:
        ui.notify(f'That file is larger than the limit of {max_bytes // (1024 * 1024):,} MB.', type='negative')

    zone = ui.upload(label=header, auto_upload=True, max_file_size=max_bytes, on_rejected=rejected) \
        .props(f'url={url} method={method} send-raw accept="{ACCEPT}" flat bordered') \
        .classes('w-full tsv-drop')
    zone.props[':headers'] = FILENAME_HEADER
    zone.on('uploaded', uploaded, js_handler=RESPONSE_JS)
    zone.on('failed', failed, js_handler=RESPONSE_JS)
    zone.on('uploading', lambda e: busy(e.args), js_handler=STARTED_JS)
    # The list area becomes the click target; the default header keeps its progress bar.
    with zone.add_slot('list'):
        with ui.column().classes('items-center justify-center w-full gap-1 py-6 relative-position cursor-pointer'):
            ui.element('q-uploader-add-trigger')
            ui.icon('upload_file', size='xl').classes('opacity-60')
            ui.label(label).classes('text-base')
            ui.label(f'.tsv .tab .txt .csv · up to {max_bytes // (1024 * 1024):,} MB').classes('text-xs opacity-70')
    with ui.row().classes('items-center gap-2 tsv-busy') as status:
        ui.spinner(size='sm')
        status_text = ui.label()
    status.set_visibility(False)
    return zone


def _json(text: str) -> dict:
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}
