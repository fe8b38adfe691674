"""NiceGUI's websocket connections, made cheaper to keep open and to send to many tabs at once.

Three things, all measured with bench/fanout.py at 1,000 open tabs:

- python-socketio walks every outgoing message, each row and cell of a table
  page included, looking for bytes to send as binary attachments. NiceGUI only
  ever sends JSON, so that walk found nothing and cost about a sixth of the
  event loop's time when a replacement went out to hundreds of tabs. The
  packets here skip it; everything else is python-socketio's.
- A websocket is one ASGI call that lasts as long as the tab is open, and every
  message the server sends it passes back out through each layer it came in
  by. NiceGUI's socket.io app is mounted behind the whole HTTP middleware stack
  (NiceGUI's, FastAPI's, ours), none of which does anything for a websocket.
  ``DirectSockets`` hands those connections to the socket.io app directly.
- The first time an element on an open tab changed, NiceGUI sent that tab a
  message telling the browser to load the element's JavaScript component, which
  the page had loaded already: one more message per tab in the first
  replacement after a thousand tabs connect. ``page_components_loaded`` tells
  NiceGUI what the page brought.
"""
from __future__ import annotations

from nicegui import Client, core
from nicegui.dependencies import JsComponent
from nicegui.nicegui import sio_app
from socketio.packet import Packet
from starlette.types import ASGIApp, Receive, Scope, Send

SOCKET_MOUNT = '/_nicegui_ws'  # where NiceGUI mounts its socket.io app (nicegui/nicegui.py)


class JsonOnlyPacket(Packet):
    uses_binary_events = False


def send_json_only() -> None:
    core.sio.packet_class = JsonOnlyPacket


class DirectSockets:
    """Pure ASGI: websocket connections to NiceGUI's socket.io app skip the HTTP middleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        root_path = scope.get('root_path', '')
        path = scope['path'][len(root_path):] if scope['path'].startswith(root_path) else scope['path']
        if scope['type'] != 'websocket' or not path.startswith(SOCKET_MOUNT + '/'):
            await self.app(scope, receive, send)
            return
        # the scope Starlette's Mount would have passed on
        await sio_app({**scope, 'app_root_path': scope.get('app_root_path', root_path),
                       'root_path': root_path + SOCKET_MOUNT}, receive, send)


def page_components_loaded(client: Client) -> None:
    """Record that the page as built brought its elements' JavaScript components.

    NiceGUI's page imports the component of every element it was built with
    (``dependencies.generate_resources``) but its outbox starts out believing
    none is loaded. Components of elements added later are still sent as usual.
    """
    loaded = getattr(client.outbox, '_loaded_components', None)  # NiceGUI-internal: skip if it ever changes
    if isinstance(loaded, set):
        loaded.update(element.component.name for element in client.elements.values()
                      if isinstance(element.component, JsComponent))
