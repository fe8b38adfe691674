"""Two app processes, one data directory, one real redis-server: an upload anywhere reaches viewers everywhere."""
from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from bench.viewers import Viewer
from tests.helpers import Server, free_port, tsv


class RedisServer:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> 'RedisServer':
        binary = shutil.which('redis-server')
        if binary is None:
            pytest.fail('redis-server is not installed (scripts/test.sh installs it)')
        self.process = subprocess.Popen([binary, '--port', str(self.port), '--bind', '127.0.0.1', '--save', '',
                                         '--appendonly', 'no', '--dir', str(self.workdir)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if subprocess.run(['redis-cli', '-p', str(self.port), 'ping'], capture_output=True).stdout.strip() == b'PONG':
                return self
            time.sleep(0.05)
        raise RuntimeError('redis-server did not start')

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    @property
    def url(self) -> str:
        return f'redis://127.0.0.1:{self.port}/0'


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def health(server: Server) -> dict:
    return httpx.get(f'{server.url}/api/health').json()


async def watch(viewer: Viewer, marker: str, timeout: float) -> bool:
    for _ in range(int(timeout / 0.05)):
        if marker in viewer.seen:
            return True
        await asyncio.sleep(0.05)
    return marker in viewer.seen


@contextmanager
def two_processes(tmp_path: Path) -> Iterator[tuple[RedisServer, Server, Server]]:
    """A redis-server and two app processes sharing one data directory through it."""
    redis = RedisServer(tmp_path).start()
    servers: list[Server] = []
    try:
        for _ in range(2):
            servers.append(Server(tmp_path / 'data', REDIS_URL=redis.url).start())
        yield redis, servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()
        redis.stop()


def test_two_processes_share_tables_and_live_updates_through_redis(tmp_path):
    with two_processes(tmp_path) as (redis, a, b):
        assert wait_for(lambda: health(a) == health(b) == {'ok': True, 'redis': 'connected'}, 10)
        created = httpx.post(f'{a.url}/api/tables', content=tsv(('city',), ('Oslo',))).json()
        assert httpx.get(f"{b.url}/api/tables/{created['id']}").json()['rows'] == [['Oslo']]

        async def scenario() -> None:
            viewer = Viewer(b.url, created['url'])
            async with httpx.AsyncClient() as http:
                await viewer.open(http)
                viewer.watch.add('Nairobi')
                r = await http.put(f"{a.url}/api/tables/{created['id']}", content=tsv(('city',), ('Nairobi',)))
                assert r.status_code == 200
                assert await watch(viewer, 'Nairobi', 5)  # uploaded on A, seen by a viewer of B

                redis.stop()  # Redis goes away: both keep serving, and say so
                assert await asyncio.to_thread(wait_for, lambda: health(a)['redis'] == 'unreachable', 15)
                viewer.watch.add('Quito')
                r = await http.put(f"{a.url}/api/tables/{created['id']}", content=tsv(('city',), ('Quito',)))
                assert r.status_code == 200 and r.json()['version'] == 3  # no upload is lost
                page = (await http.get(f"{b.url}/api/tables/{created['id']}")).json()
                assert page['version'] == 3 and page['rows'] == [['Quito']]  # the disk is the truth

                redis.start()  # same port, empty: nothing was kept in it
                assert await asyncio.to_thread(wait_for, lambda: health(b)['redis'] == 'connected', 20)
                assert await watch(viewer, 'Quito', 10)  # B's viewer catches up without a restart
            await viewer.close()

        asyncio.run(scenario())
