"""Change notifications between processes through Redis pub/sub (issue #7).

Every process publishes its commits on one channel and listens to it; each
message only says "table T is now at version N". The durable truth stays on
disk: a listener re-reads nothing but the pointer, and after Redis was away
every process compares the versions it knows with the pointers on disk and
catches up by itself. Local subscribers hear local commits at once, without a
round trip through Redis.
"""
from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable

import redis.asyncio as aioredis

from .notify import Callback, LocalNotifier, TableChanged

log = logging.getLogger(__name__)
CHANNEL = 'tsv-share:changes'


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
        self._task = asyncio.get_running_loop().create_task(self._listen_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        await self._redis.aclose()

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
            change = TableChanged(str(body['table']), int(body['version']))
        except (ValueError, KeyError, TypeError):
            return
        self._deliver(change)

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
