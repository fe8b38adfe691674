"""Change notifications between processes through Redis pub/sub (issue #7).

Every process publishes its commits on one channel and listens to it; each
message only says "table T is now at version N" (or "table T was deleted").
The durable truth stays on disk: a listener re-reads nothing but the
pointer, and after Redis was away every process compares the versions it
knows with the pointers on disk (a table gone from disk was deleted) and
catches up by itself. Local subscribers hear local commits at once, without a
round trip through Redis.

The same channel carries who is looking, so that "N viewing" and Follow work
across processes: each process keeps its own count of a table's viewers in a
Redis hash and announces changes; every process that has viewers of the table
then adds the counts up. A count stands only while its process's "alive" key
does (refreshed every 10 s, expiring after 30 s), so a process that dies stops
counting within half a minute, with no clocks compared across hosts. A
follower's view goes out as a message. Without Redis, each process counts and
follows on its own.
"""
from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable

import redis.asyncio as aioredis

from ..errors import NotFound
from .notify import Callback, LocalNotifier, PresenceCallback, TableChanged, ViewCallback

log = logging.getLogger(__name__)
CHANNEL = 'tsv-share:changes'
PRESENCE_KEY = 'tsv-share:presence:{}'  # a hash per table: process -> its viewers of the table
ALIVE_KEY = 'tsv-share:alive:{}'        # per process; its counts stand while this key does
PRESENCE_FRESH = 30                     # seconds an alive key lives without being refreshed
HEARTBEAT = 10.0                        # how often each process refreshes it


class RedisNotifier:
    """LocalNotifier's subscribe and publish, heard by every process sharing a Redis; and who is looking."""

    def __init__(self, url: str, current_version: Callable[[str], int]) -> None:
        self.url = url
        self.origin = uuid.uuid4().hex
        self.local = LocalNotifier()
        self.connected = False
        self._current_version = current_version
        self._known: dict[str, int] = {}
        self._deleted: set[str] = set()             # tables whose deletion was delivered here
        self._redis = aioredis.from_url(url, socket_connect_timeout=2, socket_timeout=None,
                                        health_check_interval=5)
        self._task: asyncio.Task | None = None
        self._heartbeat: asyncio.Task | None = None
        self._counts: dict[str, int] = {}           # this process's viewers per table
        self._adding: set[str] = set()              # tables whose total is being read
        self._add_again: set[str] = set()           # ... and changed meanwhile
        self._tasks: set[asyncio.Task] = set()      # fire-and-forget work, kept until done
        self.on_presence: PresenceCallback | None = None
        self.on_view: ViewCallback | None = None
        self.on_connection: Callable[[bool], None] | None = None  # hears ``connected`` flip, either way

    def _spawn(self, work) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self._tasks.discard)

    def subscribe(self, table_id: str, callback: Callback) -> Callable[[], None]:
        return self.local.subscribe(table_id, callback)

    def publish(self, change: TableChanged) -> None:
        self._deliver(change)
        if self.connected:
            message = json.dumps({'origin': self.origin, 'table': change.table_id, 'version': change.version,
                                  **({'kind': 'deleted'} if change.deleted else {})})
            self._spawn(self._send(message))

    async def _send(self, message: str) -> None:
        try:
            await self._redis.publish(CHANNEL, message)
        except Exception as error:  # the listener notices and reconnects; the commit is on disk anyway
            log.warning('could not publish a change to Redis: %s', error)

    def _deliver(self, change: TableChanged) -> None:
        if change.table_id in self._deleted:
            return  # a deleted table stays deleted: nothing after its deletion is news
        if change.deleted:
            self._deleted.add(change.table_id)
            self._known.pop(change.table_id, None)
        elif self._known.get(change.table_id, 0) >= change.version:
            return  # heard already (our own commit coming back, or a duplicate)
        else:
            self._known[change.table_id] = change.version
        self.local.publish(change)

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._listen_forever())
        self._heartbeat = loop.create_task(self._refresh_forever())

    async def stop(self) -> None:
        tasks = [t for t in (self._task, self._heartbeat, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.connected:
            try:  # a Redis that stopped answering must not hold up the shutdown
                await asyncio.wait_for(self._forget_counts(), 1.0)
            except Exception:
                pass
        await self._redis.aclose()

    # -- who is looking --------------------------------------------------------------

    def share_presence(self, table_id: str, count: int) -> None:
        """This process now has ``count`` viewers of the table; ``on_presence`` hears the total, later."""
        if count:
            self._counts[table_id] = count
        else:
            self._counts.pop(table_id, None)
        if not self.connected:
            self._tell_presence(table_id, count)
            return
        self._spawn(self._send_presence(table_id, count))

    async def _send_presence(self, table_id: str, count: int) -> None:
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.set(ALIVE_KEY.format(self.origin), 1, ex=PRESENCE_FRESH)
                self._store_count(pipe, table_id, count)
                pipe.publish(CHANNEL, json.dumps({'origin': self.origin, 'kind': 'presence', 'table': table_id}))
                await pipe.execute()
        except Exception as error:
            log.warning('could not share the viewer count through Redis: %s', error)
            self._tell_presence(table_id, count)  # this process's own count, at least

    def _store_count(self, pipe, table_id: str, count: int) -> None:
        key = PRESENCE_KEY.format(table_id)
        if count:
            pipe.hset(key, self.origin, count)
            pipe.expire(key, PRESENCE_FRESH * 2)  # a table nobody looks at any more leaves no trace
        else:
            pipe.hdel(key, self.origin)

    def _add_up_soon(self, table_id: str) -> None:
        """One reading of a table's total at a time, so an older reading never lands last."""
        if table_id in self._adding:
            self._add_again.add(table_id)
            return
        self._adding.add(table_id)
        self._spawn(self._add_up_until_settled(table_id))

    async def _add_up_until_settled(self, table_id: str) -> None:
        try:
            while True:
                self._add_again.discard(table_id)
                await self._add_up(table_id)
                if table_id not in self._add_again:
                    return
        finally:
            self._adding.discard(table_id)

    async def _add_up(self, table_id: str) -> None:
        """Every live process's count of the table, with this process's own as it is now."""
        try:
            entries = await self._redis.hgetall(PRESENCE_KEY.format(table_id))
            others = {(o.decode() if isinstance(o, bytes) else o): n for o, n in entries.items()}
            others.pop(self.origin, None)
            alive = await self._redis.mget([ALIVE_KEY.format(o) for o in others]) if others else []
        except Exception as error:
            log.warning('could not read viewer counts from Redis: %s', error)
            return
        total = self._counts.get(table_id, 0)
        for count, is_alive in zip(others.values(), alive):
            if is_alive is not None:
                try:
                    total += int(count)
                except ValueError:
                    continue
        self._tell_presence(table_id, total)

    def _tell_presence(self, table_id: str, total: int) -> None:
        if self.on_presence is not None:
            self.on_presence(table_id, total)

    async def _refresh_forever(self) -> None:
        """Keep this process counted, and notice processes that stopped counting."""
        while True:
            await asyncio.sleep(HEARTBEAT)
            if not self.connected:
                continue
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    pipe.set(ALIVE_KEY.format(self.origin), 1, ex=PRESENCE_FRESH)
                    for table_id, count in self._counts.items():
                        self._store_count(pipe, table_id, count)
                    await pipe.execute()
            except Exception as error:
                log.warning('could not refresh viewer counts in Redis: %s', error)
                continue
            for table_id in list(self._counts):
                self._add_up_soon(table_id)

    async def _forget_counts(self) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.delete(ALIVE_KEY.format(self.origin))
            for table_id in self._counts:
                pipe.hdel(PRESENCE_KEY.format(table_id), self.origin)
                pipe.publish(CHANNEL, json.dumps({'origin': self.origin, 'kind': 'presence', 'table': table_id}))
            await pipe.execute()

    def share_view(self, table_id: str, client_id: str, state: dict) -> None:
        """A follower moved: followers in other processes hear it through ``on_view``."""
        if self.connected:
            message = json.dumps({'origin': self.origin, 'kind': 'view', 'table': table_id,
                                  'client': client_id, 'state': state})
            self._spawn(self._send(message))

    async def _listen_forever(self) -> None:
        delay = 0.5
        while True:
            try:
                pubsub = self._redis.pubsub()
                await pubsub.subscribe(CHANNEL)
                if not self.connected:
                    log.info('connected to Redis at %s', self.url)
                delay = 0.5
                self._set_connected(True)
                self._catch_up()
                async for message in pubsub.listen():
                    if message.get('type') == 'message':
                        self._on_message(message['data'])
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if self.connected:
                    log.warning('lost Redis at %s (%s); serving what is on disk and retrying', self.url, error)
                self._set_connected(False)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _set_connected(self, connected: bool) -> None:
        """Note whether Redis is reachable; ``on_connection`` hears each change (pages say live updates paused)."""
        if connected == self.connected:
            return
        self.connected = connected
        if self.on_connection is not None:
            try:
                self.on_connection(connected)
            except Exception:  # a listener's failure must not stop the listening
                log.exception('a Redis connection listener failed')

    def _on_message(self, data: bytes | str) -> None:
        try:
            body = json.loads(data)
            kind, table_id = body.get('kind', 'change'), str(body['table'])
            if kind == 'change':
                self._deliver(TableChanged(table_id, int(body['version'])))
            elif kind == 'deleted':
                self._deliver(TableChanged.deletion(table_id, int(body.get('version', 0))))
            elif table_id not in self._counts and table_id not in self.local.watched():
                return  # nobody here looks at that table
            elif kind == 'presence':
                self._add_up_soon(table_id)
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
            except NotFound:  # deleted while Redis was away
                self._deliver(TableChanged.deletion(table_id))
                continue
            except Exception:  # unreadable: nothing to tell
                continue
            self._deliver(TableChanged(table_id, version))
        for table_id, count in list(self._counts.items()):  # an emptied Redis forgot who is looking
            self._spawn(self._send_presence(table_id, count))
