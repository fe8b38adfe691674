"""What changed between two versions, over HTTP (issue #15): ``/api/tables/{id}/diff`` and its TSV download.

``GET /api/tables/{id}/diff?from=N&to=M&key=COLUMN&kind=added|removed|changed&offset=0&limit=50``
answers ``tsvcore.queries.diff.page``'s JSON; ``GET /api/tables/{id}/diff/download`` with the
same parameters (no offset or limit) streams every listed row as TSV with a leading ``change``
column. Either id works (edit or view-only): a diff only reads. Errors are ``{"error": sentence}``:
404 an unknown table or version, 422 an unknown or unusable key, kind, offset or limit.

``mount`` must run before ``web.api.mount``: that one ends with a catch-all
``/api/{rest:path}`` answering 404, and Starlette tries routes in the order
they were added, so routes added after it are never reached.
"""
from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from nicegui import run

from tsvcore.queries import diff, export

from .api import UNBUFFERED, _int, json_errors
from .services import Services


def _versions(request: Request) -> tuple[int | None, int | None]:
    return _int(request, 'from', None), _int(request, 'to', None)


def _text(request: Request, name: str) -> str | None:
    """A text parameter; absent and empty both mean "not given"."""
    return request.query_params.get(name) or None


def mount(app: FastAPI, services: Services) -> None:
    """Add the diff routes to the app (before ``api.mount``, whose catch-all would shadow them)."""

    @app.get('/api/tables/{table_id}/diff')
    @json_errors
    async def table_diff(table_id: str, request: Request) -> JSONResponse:
        """The summary and one page of the listed rows (changed, added, removed)."""
        older, newer = _versions(request)
        offset, limit = _int(request, 'offset', 0), _int(request, 'limit', 50)
        target, _ = await run.io_bound(services.store.resolve, table_id)
        answer = await run.io_bound(diff.page, services.engine, target, older, newer, _text(request, 'key'),
                                    _text(request, 'kind'), offset, limit)
        return JSONResponse(answer)

    @app.get('/api/tables/{table_id}/diff/download')
    @json_errors
    async def table_diff_download(table_id: str, request: Request) -> StreamingResponse:
        """Every listed row as TSV, ``change`` first; computed (or found cached) before the first byte."""
        older, newer = _versions(request)
        kind = _text(request, 'kind')
        target, _ = await run.io_bound(services.store.resolve, table_id)
        older, newer = await run.io_bound(diff.versions, services.engine, target, older, newer)
        found = await run.io_bound(diff.diff, services.engine, target, older, newer, _text(request, 'key'))
        pieces = await run.io_bound(diff.export_tsv, services.engine, target, found, kind)  # a bad kind: 422 here
        meta = await run.io_bound(services.store.meta, target, newer)
        stem = meta['name'].rsplit('.', 1)[0] or 'table'
        name = f'{stem}-changes-v{older}-v{newer}.tsv'
        return StreamingResponse(pieces, media_type=export.MEDIA_TYPES['tsv'],
                                 headers={'Content-Disposition': f"attachment; filename*=UTF-8''{quote(name)}",
                                          **UNBUFFERED})
