"""Receiving an upload: the body streams to a file, the size limit is checked as it arrives.

Both the page's uploader (raw body) and the API (raw body or multipart with a
``file`` field) come through here, so there is one path with one set of rules.
Nothing holds the whole body in memory. The storage cap (``--max-data-mb``) is
asked as the body grows, the same way: a body that cannot fit is cut off
with a 507 before the rest of it is sent.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote

from fastapi import Request
from nicegui import run
from python_multipart.multipart import MultipartParser, parse_options_header

from tsvcore import TooLarge, TsvError, UnreadableFile
from tsvcore.reading.encoding import ByteScan
from tsvcore.reading.ingest import start_writeback
from tsvcore.reading.streaming import StreamedParse

FLUSH_BYTES = 1 << 20
RoomCheck = Callable[[int], Awaitable[int]]  # bytes received -> bytes that fit now, or raises (507)


DEFAULT_NAME = 'upload.tsv'  # a new table's name when its upload names none (a replacement keeps the table's)


def upload_name(request: Request) -> str:
    """The file name from ?name= or X-Filename, without any directory part; '' when none was given."""
    name = request.query_params.get('name') or unquote(request.headers.get('x-filename', ''))
    name = name.replace('\\', '/').rsplit('/', 1)[-1].strip()
    return name[:255]


def too_large(limit: int) -> TooLarge:
    return TooLarge(f'The file is larger than the limit of {limit // (1024 * 1024):,} MB.')


class _Sink:
    """Writes the body to disk off the event loop while more of it arrives.

    Received pieces go through a small queue to one worker call at a time, so
    the order is kept, the event loop never waits on the disk, and a slow disk
    slows the sender (backpressure) instead of filling memory. Each piece is
    also fed to the byte scan and to the streamed parse in the same worker
    call, so that work overlaps the transfer.
    """

    def __init__(self, path: Path, limit: int, streamed: StreamedParse | None,
                 on_progress: Callable[[int], None] | None = None, room: RoomCheck | None = None) -> None:
        self.path = path
        self.room = room
        self.fits = 0  # bytes the storage cap made room for, as last asked
        self.file = path.open('wb')
        self.on_progress = on_progress
        self.limit = limit
        self.size = 0
        self.buffer = bytearray()
        self.scan = ByteScan(check_utf8=streamed is None)
        self.streamed = streamed
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=2)
        self._error: OSError | None = None
        self._worker = asyncio.create_task(self._drain())

    async def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error  # the disk refused an earlier piece (full, or failing)
        self.size += len(data)
        if self.size > self.limit:
            raise too_large(self.limit)
        if self.room is not None and self.size > self.fits:
            self.fits = await self.room(self.size)
        if self.on_progress is not None:
            self.on_progress(self.size)
        if not self.buffer and len(data) >= FLUSH_BYTES:
            await self._queue.put(data)  # already a large piece (web/body.py): no copy
            return
        self.buffer += data
        if len(self.buffer) >= FLUSH_BYTES:
            await self._hand_over()

    async def _hand_over(self) -> None:
        if self.buffer:
            chunk, self.buffer = bytes(self.buffer), bytearray()
            await self._queue.put(chunk)

    async def _drain(self) -> None:
        while (chunk := await self._queue.get()) is not None:
            if self._error is None:
                try:
                    await run.io_bound(self._write, chunk)
                except OSError as error:  # keep draining so the receiving side never blocks
                    self._error = error

    def _write(self, chunk: bytes) -> None:
        self.file.write(chunk)
        self.file.flush()
        start_writeback(self.path)  # the upload becomes the version's original, fsynced at the commit
        self.scan.feed(chunk)
        if self.streamed is not None:
            self.streamed.feed(chunk)

    async def complete(self) -> None:
        """Everything received is on disk (and scanned)."""
        await self._hand_over()
        await self._queue.put(None)
        await self._worker
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        if not self._worker.done():
            self._worker.cancel()
        self.file.close()


class Received(NamedTuple):
    """An upload on disk: the file, its name and its byte scan."""

    path: Path
    name: str
    scan: ByteScan


async def receive(request: Request, path: Path, limit: int, streamed: StreamedParse | None = None,
                  idle_timeout: float = 60.0, on_progress: Callable[[int], None] | None = None,
                  room: RoomCheck | None = None) -> Received:
    """Stream the request body (raw or multipart) to ``path``.

    ``streamed``, if given, is fed the same bytes so parsing overlaps the
    transfer; ``on_progress`` hears the bytes received so far, on the event
    loop, with every piece; ``room`` (the storage cap) is asked whenever the
    body outgrows the room it made last. On any failure the file is removed.
    """
    declared = request.headers.get('content-length')
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise too_large(limit)
    name = upload_name(request)
    content_type = request.headers.get('content-type', '')
    sink = _Sink(path, limit, streamed, on_progress, room)
    try:
        if content_type.startswith('multipart/form-data'):
            name = await _receive_multipart(request, sink, content_type, idle_timeout) or name
        else:
            async for chunk in _with_idle_timeout(request.stream(), idle_timeout):
                await sink.write(chunk)
        await sink.complete()
    except BaseException:
        sink.close()
        path.unlink(missing_ok=True)
        if streamed is not None:
            streamed.abandon()
        raise
    sink.close()
    if streamed is not None:
        await run.io_bound(streamed.finish)  # waits for the parse and write threads: not on the event loop
    return Received(path, name, sink.scan.finish())


async def _receive_multipart(request: Request, sink: _Sink, content_type: str, idle_timeout: float) -> str:
    """Write the part named ``file`` (or the first file part) to the sink; return its file name."""
    _, params = parse_options_header(content_type)
    boundary = params.get(b'boundary')
    if not boundary:
        raise UnreadableFile('The multipart upload has no boundary.')
    state = {'field': b'', 'value': b'', 'headers': {}, 'take': False, 'done': False, 'name': ''}
    pending: list[bytes] = []

    def on_part_begin() -> None:
        state['headers'] = {}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state['field'] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state['value'] += data[start:end]

    def on_header_end() -> None:
        state['headers'][state['field'].lower()] = state['value']
        state['field'], state['value'] = b'', b''

    def on_headers_finished() -> None:
        _, disposition = parse_options_header(state['headers'].get(b'content-disposition', b''))
        is_file = disposition.get(b'name') == b'file' or b'filename' in disposition
        state['take'] = is_file and not state['done']
        if state['take']:
            state['name'] = disposition.get(b'filename', b'').decode('utf-8', 'replace')

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state['take']:
            pending.append(data[start:end])

    def on_part_end() -> None:
        if state['take']:
            state['done'] = True
            state['take'] = False

    parser = MultipartParser(boundary, {
        'on_part_begin': on_part_begin, 'on_header_field': on_header_field, 'on_header_value': on_header_value,
        'on_header_end': on_header_end, 'on_headers_finished': on_headers_finished,
        'on_part_data': on_part_data, 'on_part_end': on_part_end,
    })
    async for chunk in _with_idle_timeout(request.stream(), idle_timeout):
        parser.write(chunk)
        for piece in pending:
            await sink.write(piece)
        pending.clear()
    parser.finalize()
    if not state['done']:
        raise UnreadableFile('The multipart upload has no field named "file".')
    name = state['name'].replace('\\', '/').rsplit('/', 1)[-1].strip()
    return name[:255]


async def _with_idle_timeout(chunks: AsyncIterator[bytes], seconds: float) -> AsyncIterator[bytes]:
    """The body's pieces; a sender that goes quiet for ``seconds`` is cut off (408)."""
    iterator = chunks.__aiter__()
    while True:
        try:
            chunk = await asyncio.wait_for(iterator.__anext__(), timeout=seconds)
        except StopAsyncIteration:
            return
        except asyncio.TimeoutError:
            raise TsvError(f'The upload stalled: no data arrived for {seconds:g} seconds. '
                           'Nothing was stored; please try again.', 408) from None
        yield chunk
