"""Who is looking, across processes: "N viewing" adds up every process's viewers, and Follow crosses them."""
from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from bench.viewers import Viewer
from tests.helpers import tsv
from tests.test_scaleout import RedisServer, health, two_processes, wait_for, watch
from tsvcore.live import redis_notify
from tsvcore.live.redis_notify import RedisNotifier


async def until(condition: Callable[[], bool], timeout: float = 5) -> bool:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()


async def two_notifiers(redis: RedisServer) -> tuple[RedisNotifier, RedisNotifier]:
    """Two processes' notifiers, as far as Redis can tell."""
    a, b = RedisNotifier(redis.url, lambda _table: 1), RedisNotifier(redis.url, lambda _table: 1)
    a.start()
    b.start()
    assert await until(lambda: a.connected and b.connected)
    return a, b


def totals(notifier: RedisNotifier) -> list[tuple[str, int]]:
    heard: list[tuple[str, int]] = []
    notifier.on_presence = lambda table, total: heard.append((table, total))
    return heard


async def test_viewer_counts_add_up_across_processes(tmp_path):
    redis = RedisServer(tmp_path).start()
    a, b = await two_notifiers(redis)
    try:
        on_a, on_b = totals(a), totals(b)
        a.share_presence('t1', 2)
        b.share_presence('t1', 3)
        assert await until(lambda: on_a[-1:] == on_b[-1:] == [('t1', 5)])
        a.share_presence('t1', 0)  # everyone on A left
        assert await until(lambda: on_b[-1:] == [('t1', 3)])
    finally:
        await a.stop()
        await b.stop()
        redis.stop()


async def test_a_process_that_stops_counting_is_forgotten(tmp_path, monkeypatch):
    monkeypatch.setattr(redis_notify, 'PRESENCE_FRESH', 1)
    redis = RedisServer(tmp_path).start()
    a, b = await two_notifiers(redis)
    try:
        on_b = totals(b)
        a.share_presence('t1', 4)
        b.share_presence('t1', 1)
        assert await until(lambda: on_b[-1:] == [('t1', 5)])
        a._task.cancel()  # A dies without a word: its count stays in Redis, its alive key expires
        a._heartbeat.cancel()
        await asyncio.sleep(1.3)
        b.share_presence('t1', 1)
        assert await until(lambda: on_b[-1:] == [('t1', 1)])
    finally:
        await a.stop()
        await b.stop()
        redis.stop()


async def test_a_followers_view_reaches_the_other_processes_only(tmp_path):
    redis = RedisServer(tmp_path).start()
    a, b = await two_notifiers(redis)
    try:
        seen_a: list[tuple] = []
        seen_b: list[tuple] = []
        a.on_view = lambda *args: seen_a.append(args)
        b.on_view = lambda *args: seen_b.append(args)
        b.subscribe('t1', lambda _change: None)  # B has a viewer of t1 (views of other tables are ignored)
        a.share_view('t2', 'client-y', {'page': 9})
        a.share_view('t1', 'client-x', {'page': 2, 'sort': 'city'})
        assert await until(lambda: seen_b == [('t1', 'client-x', {'page': 2, 'sort': 'city'})])
        assert seen_a == []  # A's own followers heard it directly
    finally:
        await a.stop()
        await b.stop()
        redis.stop()


def test_viewers_on_every_process_count_as_viewers(tmp_path):
    with two_processes(tmp_path) as (_redis, a, b):
        assert wait_for(lambda: health(a) == health(b) == {'ok': True, 'redis': 'connected'}, 10)
        created = httpx.post(f'{a.url}/api/tables', content=tsv(('city',), ('Oslo',))).json()

        async def scenario() -> None:
            on_a, on_b = Viewer(a.url, created['url']), Viewer(b.url, created['url'])
            async with httpx.AsyncClient() as http:
                await on_a.open(http)
                on_a.watch.add('2 viewing')
                await on_b.open(http)
                on_b.watch.add('2 viewing')
                assert await watch(on_a, '2 viewing', 5)  # a viewer on B counts on A
                assert await watch(on_b, '2 viewing', 5)
            await on_a.close()
            await on_b.close()

        asyncio.run(scenario())
