"""The HTTP API: everything the page does, for scripts and curl.

Errors are always JSON ``{"error": "<sentence>"}`` with the status the engine
chose (400 unreadable, 404 unknown, 413 too large, 422 bad parameter, 507
over the storage cap or out of disk).
"""
from __future__ import annotations

import asyncio
import errno
import functools
import time
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from nicegui import run

from tsvcore import BadParameter, PageRequest, TsvError
from tsvcore.storage import originals
from tsvcore.storage.housekeeping import StorageCap
from tsvcore.queries import export, filters
from tsvcore.queries.rows import row_cells
from tsvcore.reading.read_options import ReadOptions
from tsvcore.reading.streaming import StreamedParse

from . import uploads
from .metrics import outcome_of
from .services import Services

log = logging.getLogger(__name__)


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({'error': message}, status_code=status)


def version_answer(meta: dict) -> dict:
    """The answer to an upload or replacement."""
    return {
        'id': meta['id'],
        'url': f"/t/{meta['id']}",
        'version': meta['version'],
        'name': meta['name'],
        'rows': meta['rows'],
        'columns': meta['columns'],
        'encoding': meta['encoding'],
        'delimiter': meta['delimiter'],
        'warnings': meta['warnings'],
        'view_id': meta['view_id'],
        'view_url': f"/v/{meta['view_id']}",
        **({'uploaded_by': meta['uploaded_by']} if meta.get('uploaded_by') else {}),
    }


def version_entry(meta: dict) -> dict:
    """One line of a table's history; it names no id, so a view link reveals no edit link."""
    entry = {k: meta[k] for k in ('version', 'name', 'rows', 'uploaded_at', 'encoding', 'delimiter')}
    entry['columns'] = len(meta['columns'])
    for key in ('restored_from', 'reread_from', 'read_options', 'uploaded_by'):
        if key in meta:
            entry[key] = meta[key]
    return entry


READ_ONLY = 'This is a view-only link; it cannot change the table.'

# On downloads: nginx passes them on as they come instead of spooling them to its disk for a slow client
# (up to 1 GB each by default). Proxies other than nginx ignore it.
UNBUFFERED = {'X-Accel-Buffering': 'no'}


async def ingest_upload(services: Services, request: Request, table_id: str | None) -> dict:
    """Stream the body to disk, ingest it off the event loop, commit, notify; counted in /metrics.

    Shared by the API and the page's uploader: one path, one set of rules.
    """
    tally = Tally()
    try:
        meta = await _ingest(services, request, table_id, tally)
    except BaseException as error:
        if services.metrics is not None and not isinstance(error, asyncio.CancelledError):
            services.metrics.upload(outcome_of(error), tally.received)
        raise
    if services.metrics is not None:
        services.metrics.upload('ok', tally.received, tally.ingest_seconds)
    return meta


async def _ingest(services: Services, request: Request, table_id: str | None, tally: 'Tally') -> dict:
    store = services.store
    options = read_options(request)  # a bad option is refused before the body is read
    if table_id is not None:
        table_id = await writable(services, table_id)
    by = services.uploaded_by(request.headers)
    declared = request.headers.get('content-length', '')
    expected = int(declared) if declared.isdigit() else None
    streamed = StreamedParse(store.staging_path('.stream'), expected)
    started = time.perf_counter()
    tally.progress = Progress(services, table_id, expected) if table_id is not None else None
    room = room_check(store.cap, expected) if store.cap is not None else None
    try:
        upload = await uploads.receive(request, store.staging_path('.upload'),
                                       services.config.max_upload_bytes, streamed,
                                       services.config.upload_idle_seconds, tally, room)
        received = time.perf_counter()
        if tally.progress is not None:
            tally.progress.tell('reading')
        try:
            if table_id is None:
                meta = await run.io_bound(store.create, upload.path, upload.name or uploads.DEFAULT_NAME, upload.scan,
                                          streamed, options, by)
            else:  # `curl --data-binary @file` names no file: the table keeps the name it has
                name = upload.name or (await run.io_bound(store.meta, table_id, None))['name']
                meta = await run.io_bound(store.replace, table_id, upload.path, name, upload.scan,
                                          streamed, options, by)
        finally:
            upload.path.unlink(missing_ok=True)
    except BaseException:
        if tally.progress is not None:
            tally.progress.tell('failed')
        raise
    finally:
        await run.io_bound(streamed.close)
    tally.ingest_seconds = time.perf_counter() - received
    log.info('upload of %s bytes: received in %.3f s, committed %.3f s later', upload.scan.size,
             received - started, tally.ingest_seconds)
    services.committed(meta)
    return meta


class Tally:
    """What an upload came to, for /metrics: bytes received so far and the seconds its ingest took.

    Called with the bytes received after every piece (``uploads.receive``'s
    ``on_progress``), and passes that on to the viewers' ``Progress``.
    """

    def __init__(self) -> None:
        self.received = 0
        self.ingest_seconds: float | None = None
        self.progress: Progress | None = None

    def __call__(self, received: int) -> None:
        self.received = received
        if self.progress is not None:
            self.progress(received)


def room_check(cap: StorageCap, expected: int | None) -> Callable[[int], Awaitable[int]]:
    """The storage cap, asked while the body streams: ``check(received) -> bytes that fit now`` or StorageFull.

    The need is the declared length when there is one (so a large upload is
    refused at its first piece), else what arrived so far; as much again is
    made room for if possible, since the version will hold its cells beside
    the original. Asked again only once the upload outgrows the answer.
    """
    async def check(received: int) -> int:
        needed = max(received, expected or 0)
        return await run.io_bound(cap.make_room, needed, None, needed)
    return check


class Progress:
    """Tells the table's viewers how far a replacement has come, every half second at most.

    A replacement that arrives within half a second is announced by its
    change alone: with a thousand tabs open, every notice is a thousand updates.
    """

    EVERY = 0.5  # seconds: often enough for a person, rarely enough for hundreds of tabs

    def __init__(self, services: Services, table_id: str, expected: int | None) -> None:
        self.services, self.table_id, self.expected = services, table_id, expected
        self._at = time.monotonic()
        self.announced = False

    def __call__(self, received: int) -> None:
        now = time.monotonic()
        if now - self._at < self.EVERY:
            return
        self._at = now
        self.announced = True
        percent = min(99, received * 100 // self.expected) if self.expected else None
        self.services.uploading(self.table_id, 'uploading', percent)

    def tell(self, phase: str) -> None:
        """'reading' or 'failed', for viewers who were told the upload was under way."""
        if self.announced:
            self.services.uploading(self.table_id, phase)


async def writable(services: Services, any_id: str) -> str:
    """The table behind an edit id; a view-only id may not write (403)."""
    table_id, may_write = await run.io_bound(services.store.resolve, any_id)
    if not may_write:
        raise TsvError(READ_ONLY, 403)
    return table_id


def _int(request: Request, name: str, default: int | None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == '':
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadParameter(f'{name} must be a whole number, not "{raw[:40]}".') from None


def read_options(request: Request) -> ReadOptions:
    """``?encoding=``, ``?delimiter=``, ``?header_row=`` and ``?escape=``: what the reader must not guess."""
    params = request.query_params
    return ReadOptions.parse(params.get('encoding'), params.get('delimiter'), params.get('header_row'),
                             params.get('escape'))


def view_request(request: Request, meta: dict, offset: int | None, limit: int | None) -> PageRequest:
    """A view from query parameters: ``sort``, ``desc``, ``q`` and filters (``COLUMN__OP=VALUE``)."""
    return PageRequest(offset=0 if offset is None else offset, limit=50 if limit is None else limit,
                       sort=request.query_params.get('sort') or None,
                       desc=_bool(request, 'desc'), q=request.query_params.get('q', ''),
                       filters=filters.parse(request.query_params.multi_items(), meta))


def _bool(request: Request, name: str) -> bool:
    raw = request.query_params.get(name, '').lower()
    if raw in ('', '0', 'false', 'no'):
        return False
    if raw in ('1', 'true', 'yes'):
        return True
    raise BadParameter(f'{name} must be true or false.')


def json_errors(route: Callable[..., Awaitable[Response]]) -> Callable[..., Awaitable[Response]]:
    """Turn the engine's refusals (and a full disk) into ``{"error": sentence}`` answers."""
    @functools.wraps(route)
    async def answer(*args, **kwargs) -> Response:
        try:
            return await route(*args, **kwargs)
        except TsvError as e:
            return error(e.status, e.message)
        except OSError as e:
            if e.errno == errno.ENOSPC:
                return error(507, 'The server ran out of disk space; the table was not changed.')
            log.exception('I/O error')
            return error(500, 'The server could not store the file; the table was not changed.')
    return answer


def mount(app: FastAPI, services: Services) -> None:
    """Add the API routes to NiceGUI's FastAPI app."""

    @app.get('/api/health')
    async def health() -> dict:
        """Liveness: always 200 while the process answers; ``ok`` false while Redis is away (it still serves)."""
        return services.health()

    @app.get('/api/ready')
    async def ready() -> JSONResponse:
        """Readiness: 503 while this process cannot serve live updates (its Redis is away), for load balancers."""
        answer = services.health()
        return JSONResponse(answer, status_code=200 if answer['ok'] else 503)

    @app.post('/api/tables')
    @json_errors
    async def create_table(request: Request) -> JSONResponse:
        meta = await ingest_upload(services, request, None)
        return JSONResponse(version_answer(meta), status_code=201)

    @app.put('/api/tables/{table_id}')
    @json_errors
    async def replace_table(table_id: str, request: Request) -> JSONResponse:
        meta = await ingest_upload(services, request, table_id)
        return JSONResponse(version_answer(meta), status_code=200)

    @app.delete('/api/tables/{table_id}')
    @json_errors
    async def delete_table(table_id: str) -> Response:
        """Delete the table, every version and its view link: 204; 403 through a view-only id, 404 when gone."""
        target = await writable(services, table_id)
        await run.io_bound(services.store.delete, target)
        log.info('table %s deleted', target)
        services.deleted(target)
        return Response(status_code=204)

    @app.get('/api/tables/{table_id}')
    @json_errors
    async def read_table(table_id: str, request: Request) -> JSONResponse:
        version = _int(request, 'version', None)
        target, _ = await run.io_bound(services.store.resolve, table_id)
        version = await run.io_bound(services.store.current, target) if version is None else version
        meta = await run.io_bound(services.store.meta, target, version)
        page_request = view_request(request, meta, _int(request, 'offset', 0), _int(request, 'limit', 50))
        page = await run.io_bound(services.engine.page, target, page_request, version)
        return JSONResponse({
            'id': table_id,
            'version': page.version,
            'name': page.meta['name'],
            'columns': page.meta['columns'],
            'total': page.total,
            'offset': page.offset,
            'limit': page.limit,
            'rows': page.rows,
        })

    @app.get('/api/tables/{table_id}/download')
    @json_errors
    async def download(table_id: str, request: Request):
        """The view's rows in its order (sort, q, filters), only the chosen columns, streamed a batch at a time."""
        fmt = request.query_params.get('format', 'tsv').lower()
        if fmt not in export.FORMATS:
            raise BadParameter(f'format must be one of {", ".join(export.FORMATS)}.')
        version = _int(request, 'version', None)
        store = services.store
        target, _ = await run.io_bound(store.resolve, table_id)
        version = await run.io_bound(store.current, target) if version is None else version
        meta = await run.io_bound(store.meta, target, version)
        picked = export.pick_columns(meta, request.query_params.get('columns'))
        order = await run.io_bound(services.engine.order, target, view_request(request, meta, 0, 1), version)
        table = await run.io_bound(store.open, target, version)
        view = export.Download.of(table, meta, order, picked)
        stem = meta['name'].rsplit('.', 1)[0] or 'table'
        headers = {'Content-Disposition': f"attachment; filename*=UTF-8''{quote(f'{stem}.{fmt}')}", **UNBUFFERED}
        if fmt != 'xlsx':  # a generator: Starlette runs each step in a worker thread, off the event loop
            return StreamingResponse(export.stream(view, fmt), media_type=export.MEDIA_TYPES[fmt], headers=headers)
        path = store.staging_path('.xlsx')
        await run.io_bound(export.write_xlsx, view, path, store.tmp_dir)
        handle, size = await run.io_bound(export.opened_and_removed, path)
        return StreamingResponse(originals.chunks(handle), media_type=export.MEDIA_TYPES[fmt],
                                 headers={**headers, 'Content-Length': str(size)})

    @app.get('/api/tables/{table_id}/rows/{n}')
    @json_errors
    async def row(table_id: str, n: str, request: Request) -> JSONResponse:
        """Row N of the version's file (1-based): ``{"row", "version", "cells": {column: text}}``."""
        try:
            number = int(n)
        except ValueError:
            raise BadParameter(f'Rows are numbered 1, 2, 3...; "{n[:40]}" is not a row number.') from None
        version = _int(request, 'version', None)
        target, _ = await run.io_bound(services.store.resolve, table_id)
        return JSONResponse(await run.io_bound(row_cells, services.store, target, version, number))

    @app.get('/api/tables/{table_id}/original')
    @json_errors
    async def download_original(table_id: str, request: Request):
        """Exactly the bytes that were uploaded for the version, under the name they came with."""
        store = services.store
        target, _ = await run.io_bound(store.resolve, table_id)
        version = _int(request, 'version', None)
        version = await run.io_bound(store.current, target) if version is None else version
        meta = await run.io_bound(store.meta, target, version)
        original = await run.io_bound(store.original, target, version)
        return StreamingResponse(originals.chunks(original), media_type='application/octet-stream', headers={
            'Content-Disposition': f"attachment; filename*=UTF-8''{quote(meta['name'])}",
            'Content-Length': str(meta['bytes']), **UNBUFFERED})

    @app.post('/api/tables/{table_id}/reread')
    @json_errors
    async def reread(table_id: str, request: Request) -> JSONResponse:
        """Read a version's original again with other options, as the next version."""
        options = read_options(request)
        target = await writable(services, table_id)
        version = _int(request, 'version', None)
        version = await run.io_bound(services.store.current, target) if version is None else version
        meta = await run.io_bound(services.store.reread, target, version, options,
                                  services.uploaded_by(request.headers))
        services.committed(meta)
        return JSONResponse(version_answer(meta))

    @app.get('/api/tables/{table_id}/facets/{column}')
    @json_errors
    async def facets(table_id: str, column: str, request: Request) -> JSONResponse:
        """A column's values and their counts in the view the other parameters describe."""
        version = _int(request, 'version', None)
        target, _ = await run.io_bound(services.store.resolve, table_id)
        version = await run.io_bound(services.store.current, target) if version is None else version
        meta = await run.io_bound(services.store.meta, target, version)
        view = view_request(request, meta, 0, 1)
        answer = await run.io_bound(services.engine.facets, target, column, view, _int(request, 'limit', 20), version,
                                    request.query_params.get('search', ''))
        return JSONResponse(answer)

    @app.get('/api/tables/{table_id}/versions')
    @json_errors
    async def versions(table_id: str) -> JSONResponse:
        target, _ = await run.io_bound(services.store.resolve, table_id)
        history = await run.io_bound(services.store.versions, target)
        current = await run.io_bound(services.store.current, target)
        return JSONResponse({'id': table_id, 'current': current,
                             'versions': [version_entry(meta) for meta in history]})

    @app.get('/api/tables/{table_id}/columns/{column}/profile')
    @json_errors
    async def column_profile(table_id: str, column: str, request: Request) -> JSONResponse:
        version = _int(request, 'version', None)
        target, _ = await run.io_bound(services.store.resolve, table_id)
        return JSONResponse(await run.io_bound(services.engine.profile, target, column, version))

    @app.post('/api/tables/{table_id}/restore')
    @json_errors
    async def restore(table_id: str, request: Request) -> JSONResponse:
        version = _int(request, 'version', None)
        if version is None:
            raise BadParameter('Say which version to restore: ?version=N.')
        target = await writable(services, table_id)
        meta = await run.io_bound(services.store.restore, target, version, services.uploaded_by(request.headers))
        services.committed(meta)
        return JSONResponse(version_answer(meta))

    @app.api_route('/api/{rest:path}', methods=['GET', 'POST', 'PUT', 'DELETE', 'PATCH'])
    async def unknown(rest: str) -> JSONResponse:
        """Anything else under /api is a JSON 404, never a page or a file."""
        return error(404, 'There is nothing at this address.')
