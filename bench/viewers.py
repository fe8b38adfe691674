"""Headless viewers: clients that open /t/<id> and connect the way a browser does.

A browser loads the page, reads its client id from the page, and opens a
socket.io connection to NiceGUI with it; from then on the server pushes
"update" messages. These viewers do exactly that and record when an update
mentioning a marker text arrives, so a benchmark can time how long a
replacement takes to reach every viewer. All on loopback.

They speak the Engine.IO/Socket.IO wire protocol over a plain aiohttp
websocket rather than through python-socketio's client: a real viewer is a
browser on its own machine, but here a thousand viewers share one Python
process (and two cores) with the server, and python-socketio's client spent
about half a second per replacement decoding a thousand messages one after
another, which the timings then charged to the server. Reading each frame as
text and looking for the marker in it costs next to nothing, and it is the same
client library the 2017 baseline is measured with.
"""
from __future__ import annotations

import ast
import asyncio
import re
import time
import uuid
from collections import Counter
from urllib.parse import urlencode

import aiohttp
import httpx

QUERY = re.compile(r'query: (\{.*?\}),\n')
SOCKET_PATH = '/_nicegui_ws/socket.io/'


class Viewer:
    """One browser tab on a table page, without the browser."""

    def __init__(self, base_url: str, path: str) -> None:
        self.base_url, self.path = base_url, path
        self.updates = 0
        self.messages: Counter[str] = Counter()  # socket.io event name -> how many arrived
        self.seen: dict[str, float] = {}   # marker -> when it first arrived
        self.watch: set[str] = set()
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task | None = None

    async def open(self, http: httpx.AsyncClient) -> None:
        page = await http.get(self.base_url + self.path)
        page.raise_for_status()
        query = ast.literal_eval(QUERY.search(page.text).group(1))
        query.update(document_id=str(uuid.uuid4()), tab_id=str(uuid.uuid4()), old_tab_id='',
                     EIO='4', transport='websocket')
        params = urlencode({k: str(v).lower() if isinstance(v, bool) else v for k, v in query.items()})
        self._session = aiohttp.ClientSession()
        self._socket = await self._session.ws_connect(f'{self.base_url}{SOCKET_PATH}?{params}', timeout=30)
        opened = await self._socket.receive_str(timeout=30)      # Engine.IO "open": 0{"sid": ...}
        if not opened.startswith('0'):
            raise ConnectionError(f'unexpected Engine.IO greeting: {opened[:80]}')
        await self._socket.send_str('40')                         # Socket.IO connect, default namespace
        connected = await self._socket.receive_str(timeout=30)
        if not connected.startswith('40'):                        # "44..." is a refusal
            raise ConnectionError(f'NiceGUI refused the connection: {connected[:80]}')
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._socket is not None
        async for message in self._socket:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            text: str = message.data
            if text == '2':                                        # Engine.IO ping: answer, or be dropped
                await self._socket.send_str('3')
            elif text.startswith('42["'):                        # a Socket.IO event: 42["name",{...}]
                event = text[4:text.find('"', 4)]
                self.messages[event] += 1
                if event == 'update':
                    self.updates += 1
                    for marker in [m for m in self.watch if m in text]:
                        self.seen[marker] = time.perf_counter()
                        self.watch.discard(marker)

    @property
    def connected(self) -> bool:
        """Still open: the server has not dropped this tab (a missed ping, an error)."""
        return (self._socket is not None and not self._socket.closed
                and self._reader is not None and not self._reader.done())

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self._socket is not None:
            await self._socket.close()
        if self._session is not None:
            await self._session.close()


async def open_viewers(base_url: str, path: str, count: int, concurrency: int = 20) -> list[Viewer]:
    viewers = [Viewer(base_url, path) for _ in range(count)]
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as http:
        async def one(viewer: Viewer) -> None:
            async with limit:
                await viewer.open(http)
        await asyncio.gather(*(one(v) for v in viewers))
    return viewers
