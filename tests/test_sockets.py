"""NiceGUI's websocket connections go straight to its socket.io app; everything else takes the usual way."""
from __future__ import annotations

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
