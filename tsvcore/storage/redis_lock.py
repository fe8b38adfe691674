"""A per-table writer lock in Redis, for processes that share one data directory (issue #7).

Every commit already holds a ``flock`` on the table's ``writer.lock``; that is
enough on one host and on filesystems that pass locks through, but not on
every shared volume. With ``--redis-url`` a commit also holds this lock, so
two processes never number the same version, wherever their disk is. Redis
holds nothing durable here either: the version number is still read from disk
under the lock. A process that cannot reach Redis commits under the file lock
alone and says so in its log, rather than refusing uploads.
"""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from ..errors import TsvError

log = logging.getLogger(__name__)

# Delete the key only if it still holds our token: a lock that expired and was
# taken by another process must not be released by us.
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class RedisTableLock:
    """``with lock(table_id):`` excludes every other process's commit to that table."""

    def __init__(self, url: str, ttl: float = 60.0, wait: float = 120.0) -> None:
        self.ttl, self.wait = ttl, wait   # a commit takes well under a second; ttl only guards a crashed holder
        self._redis = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self._release = self._redis.register_script(RELEASE)

    @contextmanager
    def __call__(self, table_id: str) -> Iterator[None]:
        key, token = f'tsv-share:writer:{table_id}', uuid.uuid4().hex
        held = self._acquire(key, token)
        try:
            yield
        finally:
            if held:
                try:
                    self._release(keys=[key], args=[token])
                except redis.RedisError:
                    log.warning('could not release the Redis writer lock of %s; it expires by itself', table_id)

    def _acquire(self, key: str, token: str) -> bool:
        """True once held; False when Redis is unreachable (the file lock still applies)."""
        deadline = time.monotonic() + self.wait
        pause = 0.005
        try:
            while not self._redis.set(key, token, nx=True, px=int(self.ttl * 1000)):
                if time.monotonic() > deadline:
                    raise TsvError('Another upload to this table is still being saved; please try again.', 503)
                time.sleep(pause)
                pause = min(pause * 2, 0.1)
            return True
        except redis.RedisError as error:
            log.warning('Redis unreachable (%s): committing under the file lock alone', error)
            return False
