"""The drop zone: a Quasar uploader that streams the raw file to our own route.

NiceGUI's default upload route parses a multipart form in memory and answers
"success" before its handler runs; pointing the uploader at the API with
``send-raw`` instead streams the file to disk with the size limit enforced on
the server, and the browser only hears "success" once the table is committed.

What the zone says while a file goes up ("Uploading sales.tsv — 45% of 104.6
MB", then "Reading sales.tsv...") is drawn by the browser from the uploader's
own state, in two slot templates: progress costs no message to the server and
no element per tab. Sizes are in one unit system everywhere, the limit's
included: 1 MB = 1,048,576 bytes (``MB``), as ``--max-upload-mb`` counts them.
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from nicegui import ui

ACCEPT = '.tsv,.tab,.txt,.csv,text/plain,text/tab-separated-values,text/csv'
EXTENSIONS = '.tsv .tab .txt .csv'
MB = 1024 * 1024  # one megabyte, here, in web/uploads.py's 413 and in --max-upload-mb
FILENAME_HEADER = "files => [{name: 'X-Filename', value: encodeURIComponent(files[0].name)}]"
RESPONSE_JS = '(e) => emit({status: e.xhr.status, body: e.xhr.responseText})'
REJECTED_JS = ('(r) => emit({reason: r[0] && r[0].failedPropValidation, '
               'name: r[0] && r[0].file && r[0].file.name, size: r[0] && r[0].file && r[0].file.size})')

# The same sizes in JavaScript as size_text below (a Vue template may call no function of ours).
SIZE_JS = ("(f.size < 1024 ? f.size + (f.size === 1 ? ' byte' : ' bytes') : f.size < 1048576 "
           "? (f.size / 1024).toLocaleString('en-US', {maximumFractionDigits: 1}) + ' KB' "
           ": (f.size / 1048576).toLocaleString('en-US', {minimumFractionDigits: 1, maximumFractionDigits: 1}) + ' MB')")
SENT_JS = "(f.__status === 'uploaded' || (f.__status === 'uploading' && props.uploadedSize >= f.size))"
PERCENT_JS = 'Math.floor(100 * props.uploadedSize / Math.max(f.size, 1))'
# Shown in the zone instead of the "drop a file" text while a file is on its way.
STATUS_TEMPLATE = f'''
<div v-if="props.files.length" class="column items-center justify-center no-wrap full-width q-px-md q-py-lg tsv-upload-status"
     style="min-height: 9rem">
  <template v-for="f in props.files.slice(0, 1)" :key="f.__key">
    <q-icon :name="{SENT_JS} ? 'hourglass_top' : 'upload'" size="md" class="opacity-60" />
    <div class="text-base text-center ellipsis full-width tsv-upload-text" :title="f.name">{{{{
      f.__status === 'failed' ? 'The upload of ' + f.name + ' stopped.'
      : {SENT_JS} ? 'Reading ' + f.name + '...'
      : 'Uploading ' + f.name + ' \u2014 ' + {PERCENT_JS} + '% of ' + {SIZE_JS} }}}}</div>
    <q-linear-progress v-if="f.__status !== 'failed'" :value="props.uploadedSize / Math.max(f.size, 1)"
      :indeterminate="{SENT_JS}" rounded size="6px" class="q-mt-sm" style="max-width: 24rem" />
  </template>
</div>'''
# The header: the title alone (Quasar's own shows "0.0B / 0.00%" and a "+" button).
HEADER_TEMPLATE = '<div class="q-uploader__header-content"><div class="q-uploader__title">{title}</div></div>'


def size_text(size: int) -> str:
    """A file size as the zone writes it: 512 bytes, 20.5 KB, 104.6 MB (1 KB = 1,024 bytes, 1 MB = 1,024 KB)."""
    if size < 1024:
        return f"{size:,} {'byte' if size == 1 else 'bytes'}"
    if size < MB:
        return f'{size / 1024:,.1f} KB'.replace('.0 KB', ' KB')
    return f'{size / MB:,.1f} MB'


def limit_text(max_bytes: int) -> str:
    """The upload limit: "1,024 MB"."""
    return f'{max_bytes // MB:,} MB' if max_bytes % MB == 0 else size_text(max_bytes)


def upload_zone(*, url: str, method: str, max_bytes: int, label: str,
                on_success: Callable[[dict], Awaitable[Any] | Any], header: str = 'Upload a table') -> ui.upload:
    """A drop zone; ``on_success`` receives the API's JSON answer."""

    async def uploaded(e: Any) -> None:
        body = _json(e.args.get('body', ''))
        zone.reset()
        result = on_success(body)
        if hasattr(result, '__await__'):
            await result

    def failed(e: Any) -> None:
        status_code = e.args.get('status') or 0
        message = _json(e.args.get('body', '')).get('error') or (
            'The upload was interrupted.' if status_code == 0 else f'The upload failed (HTTP {status_code}).')
        zone.reset()
        ui.notify(message, type='negative', multi_line=True, timeout=8000)

    def rejected(e: Any) -> None:
        args = e.args if isinstance(e.args, dict) else {}
        name = args.get('name') or 'That file'
        if args.get('reason') == 'accept':
            ui.notify(f'{name} is not a {EXTENSIONS} file.', type='negative')
        else:
            size = f' ({size_text(args["size"])})' if isinstance(args.get('size'), int) else ''
            ui.notify(f'{name}{size} is larger than the limit of {limit_text(max_bytes)}.', type='negative')

    zone = ui.upload(label=header, auto_upload=True, max_file_size=max_bytes) \
        .props(f'url={url} method={method} send-raw accept="{ACCEPT}" flat bordered') \
        .classes('w-full tsv-drop')
    zone.props[':headers'] = FILENAME_HEADER
    zone.on('uploaded', uploaded, js_handler=RESPONSE_JS)
    zone.on('failed', failed, js_handler=RESPONSE_JS)
    zone.on('rejected', rejected, js_handler=REJECTED_JS)
    zone.add_slot('header', HEADER_TEMPLATE.format(title=_template_text(header)))
    # The list area is the click target at rest, and says what happens to the file once one is chosen.
    with zone.add_slot('list', STATUS_TEMPLATE), \
            ui.column().classes('items-center justify-center w-full gap-1 py-6 relative-position cursor-pointer') as rest:
        rest.props[':style'] = "props.files.length ? 'display: none' : ''"  # hidden once a file is chosen
        ui.element('q-uploader-add-trigger')
        ui.icon('upload_file', size='xl').classes('opacity-60')
        ui.label(label).classes('text-base')
        ui.label(f'{EXTENSIONS} · up to {limit_text(max_bytes)}').classes('text-xs opacity-70')
    return zone


def _template_text(text: str) -> str:
    """Text inside a Vue template: HTML-escaped, and no ``{{`` for Vue to read as an expression."""
    return escape(text).replace('{', '&#123;').replace('}', '&#125;')


def _json(text: str) -> dict:
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}
