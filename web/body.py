"""Request bodies in large pieces, before NiceGUI's middleware sees them.

NiceGUI puts two of Starlette's BaseHTTPMiddleware around every request, and
each wraps every ``receive()`` of the body in a task group of its own. A 100 MB
upload arrives in about 1,500 pieces of 64 KB, so those layers cost the event
loop several thousand task spawns and cancellations per upload, on the thread
that also has to keep up with the network. Handing the body on in 1 MB pieces
makes that a hundred.
"""
from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PIECE = 1 << 20


class CoalescedBody:
    """Pure ASGI: joins consecutive body messages until a piece is 1 MB or the body ends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http' or scope.get('method') not in ('POST', 'PUT'):
            await self.app(scope, receive, send)
            return
        await self.app(scope, _coalescing(receive), send)


def _coalescing(receive: Receive) -> Receive:
    done = False

    async def joined() -> Message:
        nonlocal done
        if done:
            return await receive()  # after the body: disconnects and the like, as they come
        message = await receive()
        if message['type'] != 'http.request' or not message.get('more_body', False):
            done = message['type'] == 'http.request'
            return message
        parts = [message.get('body', b'')]
        size = len(parts[0])
        while size < PIECE:
            message = await receive()
            if message['type'] != 'http.request':
                # a disconnect mid-body: the upload is over either way
                return message
            parts.append(message.get('body', b''))
            size += len(parts[-1])
            if not message.get('more_body', False):
                done = True
                break
        return {'type': 'http.request', 'body': b''.join(parts), 'more_body': not done}
    return joined
