"""Change notifications between processes through Redis pub/sub (issue #7).

Every process publishes its commits on one channel and listens to it; each
message only says "table T is now at version N". The durable truth stays on
disk: a listener re-reads nothing but the pointer, and after Redis was away
every process compares the versions it knows with the pointers on disk and
catches up by itself. Local subscribers hear local commits at once, without a
round trip through Redis.

The same channel carries who is looking, so that "N viewing" and Follow work
across processes: each process keeps its own count of a table's viewers in a
Redis hash (refreshed every few seconds, so a process that dies stops counting
after half a minute) and announces changes; every process that has viewers of
the table then adds the counts up. A follower's view goes out as a message.
Without Redis, each process counts and follows on its own.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable

import redis.asyncio as aioredis

from .notify import Callback, LocalNotifier, TableChanged

log = logging.getLogger(__name__)
CHANNEL = 'tsv-share:changes'
PRESENCE_KEY = 'tsv-share:presence:{}'  # a hash per table: process -> [viewers, when]
PRESENCE_FRESH = 30.0                   # seconds a process's count stands without being refreshed
HEARTBEAT = 10.0                        # how often each process refreshes its counts

PresenceCallback = Callable[[str, int], None]         # table, viewers in every process
ViewCallback = Callable[[str, str, dict], None]       # table, client, view state


class RedisNotifier:
    """The same two methods as LocalNotifier, heard by every process sharing a Redis."""

    def __init__(self, url: str, current_version: Callable[[str], int]) -> None:
        self.url = url
        self.origin = uuid.uuid4().hex
        self.local = LocalNotifier()
        self.connected = False
        self._current_version = current_version
        self._known: dict[str, int] = {}
        self._redis = aioredis.from_url(url, socket_connect_timeout=2, socket_timeout=None,
                                        health_check_interval=5)
        self._task: asyncio.Task | None = None
        self._heartbeat: asyncio.Task | None = None
        self._counts: dict[str, int] = {}           # this process's viewers per table
        self.on_presence: PresenceCallback | None = None
        self.on_view: ViewCallback | None = None

    def subscribe(self, table_id: str, callback: Callback) -> Callable[[], None]:
        return self.local.subscribe(table_id, callback)

    def publish(self, change: TableChanged) -> None:
        self._deliver(change)
        if self.connected:
            message = json.dumps({'origin': self.origin, 'table': change.table_id, 'version': change.version})
            asyncio.get_running_loop().create_task(self._send(message))

    async def _send(self, message: str) -> None:
        try:
            await self._redis.publish(CHANNEL, message)
        except Exception as error:  # the listener notices and reconnects; the commit is on disk anyway
            log.warning('could not publish a change to Redis: %s', error)

    def _deliver(self, change: TableChanged) -> None:
        if self._known.get(change.table_id, 0) >= change.version:
            return  # heard already (our own commit coming back, or a duplicate)
        self._known[change.table_id] = change.version
        self.local.publish(change)

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._listen_forever())
        self._heartbeat = loop.create_task(self._refresh_forever())

    async def stop(self) -> None:
        for task in (self._task, self._heartbeat):
            if task is not None:
                task.cancel()
        if self.connected:
            await self._forget_counts()
        await self._redis.aclose()

    # -- who is looking --------------------------------------------------------------

    def share_presence(self, table_id: str, count: int) -> None:
        """This process now has ``count`` viewers of the table; ``on_presence`` hears the total."""
        if count:
            self._counts[table_id] = count
        else:
            self._counts.pop(table_id, None)
        if not self.connected:
            self._tell_presence(table_id, count)
            return
        asyncio.get_running_loop().create_task(self._send_presence(table_id, count))

    async def _send_presence(self, table_id: str, count: int) -> None:
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                self._store_count(pipe, table_id, count)
                pipe.publish(CHANNEL, json.dumps({'origin': self.origin, 'kind': 'presence', 'table': table_id}))
                await pipe.execute()
        except Exception as error:
            log.warning('could not share the viewer count through Redis: %s', error)
            self._tell_presence(table_id, count)  # this process's own count, at least

    def _store_count(self, pipe, table_id: str, count: int) -> None:
        key = PRESENCE_KEY.format(table_id)
        if count:
            pipe.hset(key, self.origin, json.dumps([count, time.time()]))
            pipe.expire(key, int(PRESENCE_FRESH * 2))
        else:
            pipe.hdel(key, self.origin)

    async def _add_up(self, table_id: str) -> None:
        """Every process's fresh count of the table, with this process's own as it is now."""
        try:
            entries = await self._redis.hgetall(PRESENCE_KEY.format(table_id))
        except Exception as error:
            log.warning('could not read viewer counts from Redis: %s', error)
            return
        now, total = time.time(), self._counts.get(table_id, 0)
        for origin, value in entries.items():
            origin = origin.decode() if isinstance(origin, bytes) else origin
            try:
                count, at = json.loads(value)
            except (ValueError, TypeError):
                continue
            if origin != self.origin and now - float(at) <= PRESENCE_FRESH:
                total += int(count)
        self._tell_presence(table_id, total)

    def _tell_presence(self, table_id: str, total: int) -> None:
        if self.on_presence is not None:
            self.on_presence(table_id, total)

    async def _refresh_forever(self) -> None:
        """Keep this process's counts fresh, and notice processes that stopped counting."""
        while True:
            await asyncio.sleep(HEARTBEAT)
            if not self.connected:
                continue
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for table_id, count in self._counts.items():
                        self._store_count(pipe, table_id, count)
                    await pipe.execute()
            except Exception as error:
                log.warning('could not refresh viewer counts in Redis: %s', error)
                continue
            for table_id in list(self._counts):
                await self._add_up(table_id)

    async def _forget_counts(self) -> None:
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for table_id in self._counts:
                    pipe.hdel(PRESENCE_KEY.format(table_id), self.origin)
                    pipe.publish(CHANNEL, json.dumps({'origin': self.origin, 'kind': 'presence', 'table': table_id}))
                await pipe.execute()
        except Exception:  # shutting down: the counts go stale by themselves
            pass

    def share_view(self, table_id: str, client_id: str, state: dict) -> None:
        """A follower moved: followers in other processes hear it through ``on_view``."""
        if self.connected:
            message = json.dumps({'origin': self.origin, 'kind': 'view', 'table': table_id,
                                  'client': client_id, 'state': state})
            asyncio.get_running_loop().create_task(self._send(message))

    async def _listen_forever(self) -> None:
        delay = 0.5
        while True:
            try:
                pubsub = self._redis.pubsub()
                await pubsub.subscribe(CHANNEL)
                if not self.connected:
                    log.info('connected to Redis at %s', self.url)
                self.connected, delay = True, 0.5
                self._catch_up()
                async for message in pubsub.listen():
                    if message.get('type') == 'message':
                        self._on_message(message['data'])
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if self.connected:
                    log.warning('lost Redis at %s (%s); serving what is on disk and retrying', self.url, error)
                self.connected = False
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _on_message(self, data: bytes | str) -> None:
        try:
            body = json.loads(data)
            kind, table_id = body.get('kind', 'change'), str(body['table'])
            if kind == 'change':
                self._deliver(TableChanged(table_id, int(body['version'])))
            elif kind == 'presence' and (table_id in self._counts or table_id in self.local.watched()):
                asyncio.get_running_loop().create_task(self._add_up(table_id))
            elif kind == 'view' and body['origin'] != self.origin and self.on_view is not None:
                self.on_view(table_id, str(body['client']), dict(body['state']))
        except (ValueError, KeyError, TypeError, AttributeError):
            return

    def _catch_up(self) -> None:
        """After (re)connecting: anything committed meanwhile is on disk; tell local viewers.

        Reads one small pointer file per table that has viewers in this process.
        """
        for table_id in self.local.watched():
            try:
                version = self._current_version(table_id)
            except Exception:  # deleted or unreadable: nothing to tell
                continue
            self._deliver(TableChanged(table_id, version))
        loop = asyncio.get_running_loop()
        for table_id, count in list(self._counts.items()):  # an emptied Redis forgot who is looking
            loop.create_task(self._send_presence(table_id, count))
