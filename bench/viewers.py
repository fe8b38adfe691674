"""Headless viewers: socket.io clients that open /t/<id> and connect the way a browser does.

A browser loads the page, reads its client id from the page, and opens a
socket.io connection to NiceGUI with it; from then on the server pushes
"update" messages. These viewers do exactly that and record when an update
mentioning a marker text arrives, so a benchmark can time how long a
replacement takes to reach every viewer. All on loopback.
"""
from __future__ import annotations

import ast
import asyncio
import re
import time
import uuid

import httpx
import socketio

QUERY = re.compile(r'query: (\{.*?\}),\n')


class Viewer:
    """One browser tab on a table page, without the browser."""

    def __init__(self, base_url: str, path: str) -> None:
        self.base_url, self.path = base_url, path
        self.sio = socketio.AsyncClient(reconnection=False)
        self.updates = 0
        self.seen: dict[str, float] = {}   # marker -> when it first arrived
        self.watch: set[str] = set()
        self.sio.on('update', self._on_update)

    async def _on_update(self, message: dict) -> None:
        self.updates += 1
        if self.watch:
            text = str(message)
            for marker in list(self.watch):
                if marker in text:
                    self.seen[marker] = time.perf_counter()
                    self.watch.discard(marker)

    async def open(self, http: httpx.AsyncClient) -> None:
        page = await http.get(self.base_url + self.path)
        page.raise_for_status()
        query = ast.literal_eval(QUERY.search(page.text).group(1))
        query.update(document_id=str(uuid.uuid4()), tab_id=str(uuid.uuid4()), old_tab_id='')
        params = '&'.join(f'{k}={str(v).lower() if isinstance(v, bool) else v}' for k, v in query.items())
        await self.sio.connect(f'{self.base_url}?{params}', socketio_path='/_nicegui_ws/socket.io',
                               transports=['websocket'], wait_timeout=30)

    async def close(self) -> None:
        await self.sio.disconnect()


async def open_viewers(base_url: str, path: str, count: int, concurrency: int = 20) -> list[Viewer]:
    viewers = [Viewer(base_url, path) for _ in range(count)]
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as http:
        async def one(viewer: Viewer) -> None:
            async with limit:
                await viewer.open(http)
        await asyncio.gather(*(one(v) for v in viewers))
    return viewers
