"""NiceGUI's websocket connections go straight to its socket.io app; everything else takes the usual way."""
from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from bench.viewers import Viewer
from tests.helpers import Server, tsv
from web import sockets
from web.sockets import DirectSockets


async def route(monkeypatch, scope: dict) -> tuple[list, list]:
    to_socketio: list[dict] = []
    to_app: list[dict] = []

    async def socketio_app(scope, receive, send) -> None:
        to_socketio.append(scope)

    async def app(scope, receive, send) -> None:
        to_app.append(scope)

    monkeypatch.setattr(sockets, 'sio_app', socketio_app)
    await DirectSockets(app)(scope, None, None)
    return to_socketio, to_app


async def test_a_tab_socket_skips_the_http_middleware(monkeypatch):
    to_socketio, to_app = await route(monkeypatch, {'type': 'websocket', 'path': '/_nicegui_ws/socket.io/'})
    assert to_app == []
    assert to_socketio[0]['root_path'] == '/_nicegui_ws'  # as Starlette's Mount would pass it on
    assert to_socketio[0]['path'] == '/_nicegui_ws/socket.io/'


async def test_behind_a_path_prefix_too(monkeypatch):
    scope = {'type': 'websocket', 'path': '/tsv/_nicegui_ws/socket.io/', 'root_path': '/tsv'}
    to_socketio, _ = await route(monkeypatch, scope)
    assert to_socketio[0]['root_path'] == '/tsv/_nicegui_ws'
    assert to_socketio[0]['app_root_path'] == '/tsv'


async def test_pages_api_calls_and_socketio_polling_take_the_usual_way(monkeypatch):
    for scope in ({'type': 'http', 'path': '/t/abc'}, {'type': 'http', 'path': '/_nicegui_ws/socket.io/'},
                  {'type': 'websocket', 'path': '/somewhere/else'}):
        to_socketio, to_app = await route(monkeypatch, scope)
        assert to_socketio == [] and to_app == [scope]


def test_a_replacement_reaches_an_open_tab_as_one_update_holding_its_notice(tmp_path):
    """Then one more with its summary. Nothing else: no request to load JavaScript the page already loaded (once per tab, with 1,000 tabs)."""
    server = Server(tmp_path / 'data').start()
    try:
        created = httpx.post(f'{server.url}/api/tables', content=tsv(('city',), ('Oslo',))).json()

        async def scenario() -> Counter:
            viewer = Viewer(server.url, created['url'])
            async with httpx.AsyncClient() as http:
                await viewer.open(http)
                await asyncio.sleep(1.5)  # what a tab hears on arrival (its count, the recent list) is over
                before = Counter(viewer.messages)
                viewer.watch.add('Nairobi')
                r = await http.put(f"{server.url}/api/tables/{created['id']}", content=tsv(('city',), ('Nairobi',)))
                assert r.status_code == 200
                for _ in range(100):
                    if 'Nairobi' in viewer.seen:
                        break
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.5)
            await viewer.close()
            return viewer.messages - before

        # the new rows and the notice in one; then, once computed, what changed ("1 row added, 1 removed")
        # in a second, so that the comparison never delays the replacement (issue #15)
        assert asyncio.run(scenario()) == Counter({"update": 2})
    finally:
        server.stop()
