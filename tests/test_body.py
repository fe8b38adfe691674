"""Request bodies reach the app in large pieces, whole and in order, whatever pieces the network made."""
from __future__ import annotations

from web.body import PIECE, CoalescedBody


async def run_through(messages: list[dict], method: str = 'PUT') -> list[dict]:
    incoming = iter(messages)
    seen: list[dict] = []

    async def receive() -> dict:
        return next(incoming)

    async def app(scope, receive, send) -> None:
        while True:
            message = await receive()
            seen.append(message)
            if message['type'] != 'http.request' or not message.get('more_body'):
                return

    await CoalescedBody(app)({'type': 'http', 'method': method}, receive, None)
    return seen


def body(pieces: int, size: int = 65536) -> list[dict]:
    return [{'type': 'http.request', 'body': bytes([i % 256]) * size, 'more_body': i < pieces - 1}
            for i in range(pieces)]


async def test_small_network_pieces_arrive_as_a_few_large_ones_with_every_byte_in_order():
    sent = body(40)
    seen = await run_through(sent)
    assert b''.join(m['body'] for m in seen) == b''.join(m['body'] for m in sent)
    assert len(seen) == 3 and all(len(m['body']) >= PIECE for m in seen[:-1])
    assert [m['more_body'] for m in seen] == [True, True, False]


async def test_a_one_piece_body_and_a_get_pass_untouched():
    assert await run_through(body(1)) == body(1)
    assert await run_through(body(3), method='GET') == body(3)[:3]


async def test_a_client_that_disconnects_mid_body_is_seen_as_gone():
    seen = await run_through(body(5, size=1000)[:3] + [{'type': 'http.disconnect'}])
    assert seen[-1] == {'type': 'http.disconnect'}


async def test_the_running_app_joins_bodies_outside_every_other_middleware(user):
    from nicegui import app
    from web.sockets import DirectSockets
    assert [m.cls for m in app.user_middleware[:2]] == [DirectSockets, CoalescedBody]
    assert sum(m.cls is CoalescedBody for m in app.user_middleware) == 1
