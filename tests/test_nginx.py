"""The README's deployment, run as written (issue #16): Debian's nginx with deploy/nginx.conf in front of
two app processes on 127.0.0.1 that share a data directory through a real redis-server.

The config file is used as it stands; only its ports and paths are changed (``render``), and each
change must find its line, so the file and the test cannot drift apart.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from main import parse_config
from tests.helpers import ROOT, Server, answers_health, free_port, stop_process, tsv
from tests.test_scaleout import RedisServer

CONF = ROOT / 'deploy' / 'nginx.conf'
PAUSED = 'Live updates paused, reconnecting...'
MB = 1024 * 1024


def nginx_binary() -> str:
    found = shutil.which('nginx') or ('/usr/sbin/nginx' if os.path.exists('/usr/sbin/nginx') else None)
    if found is None:
        if os.environ.get('CI'):
            pytest.fail('nginx is not installed (scripts/test.sh installs it)')
        pytest.skip("Debian's nginx is not installed (the README test command installs it)")
    return found


def render(prefix: Path, port: int, backends: tuple[int, int]) -> str:
    """deploy/nginx.conf with this test's ports and paths, each replacement required to match once."""
    text = CONF.read_text()
    temps = ''.join(f'    {name}_temp_path {prefix / name};\n' for name in ('client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'))
    changes = [
        ('user www-data;\n', 'user root;\n' if os.geteuid() == 0 else ''),  # as root: workers may use the tmp dirs
        ('pid /run/nginx.pid;', f'pid {prefix / "nginx.pid"};'),
        ('error_log /var/log/nginx/error.log;', f'error_log {prefix / "error.log"};'),
        ('access_log /var/log/nginx/access.log;', f'access_log {prefix / "access.log"} routed;'),
        ('http {\n', 'http {\n' + temps +
         "    log_format routed '$status $upstream_addr \"$request\" cookie=$cookie_tsv_route';\n"),
        ('listen 80;', f'listen 127.0.0.1:{port};'),
        ('server 127.0.0.1:8081;', f'server 127.0.0.1:{backends[0]};'),
        ('server 127.0.0.1:8082;', f'server 127.0.0.1:{backends[1]};'),
    ]
    for old, new in changes:
        assert text.count(old) == 1, f'deploy/nginx.conf no longer has exactly one {old!r}'
        text = text.replace(old, new)
    return text


class Nginx:
    def __init__(self, prefix: Path, backends: tuple[int, int]) -> None:
        self.binary = nginx_binary()
        self.prefix, self.port = prefix, free_port()
        prefix.mkdir(parents=True)
        for name in ('client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'):
            (prefix / name).mkdir()
        self.conf = prefix / 'nginx.conf'
        self.conf.write_text(render(prefix, self.port, backends))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.port}'

    def start(self) -> 'Nginx':
        self.process = subprocess.Popen([self.binary, '-p', f'{self.prefix}/', '-e', str(self.prefix / 'error.log'),
                                         '-c', str(self.conf), '-g', 'daemon off;'],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        if answers_health(self.url, self.process, 10):
            return self
        raise RuntimeError(f'nginx did not start:\n{(self.prefix / "error.log").read_text()}')

    def stop(self) -> None:
        stop_process(self.process)

    def spooled(self, name: str) -> list[str]:
        """The files nginx has in one of its temp directories (client_body, proxy) right now, with their sizes.

        nginx deletes a temp file as soon as it has opened it, so the directory always looks empty:
        its workers' open files tell.
        """
        where = str(self.prefix / name) + '/'
        found = [str(path) for path in (self.prefix / name).rglob('*') if path.is_file()]
        for worker in self.workers():
            try:
                descriptors = list(Path(f'/proc/{worker}/fd').iterdir())
            except OSError:
                continue
            for fd in descriptors:
                try:
                    target = os.readlink(fd)
                    if target.startswith(where):
                        found.append(f'{target}: {fd.stat().st_size:,} bytes')
                except OSError:  # closed meanwhile
                    continue
        return found

    def workers(self) -> list[int]:
        assert self.process is not None
        try:
            return [int(pid) for pid in
                    Path(f'/proc/{self.process.pid}/task/{self.process.pid}/children').read_text().split()]
        except OSError:
            return []

    def log(self) -> list[str]:
        path = self.prefix / 'access.log'
        return path.read_text().splitlines() if path.exists() else []


@pytest.fixture(scope='module')
def stack(tmp_path_factory) -> Iterator[tuple[RedisServer, Server, Server, Nginx]]:
    """redis-server, two app processes on 127.0.0.1 sharing one data directory, nginx in front of them."""
    nginx_binary()  # skip before starting anything
    tmp = tmp_path_factory.mktemp('nginx')
    redis = RedisServer(tmp).start()
    servers: list[Server] = []
    proxy: Nginx | None = None
    try:
        for _ in range(2):
            servers.append(Server(tmp / 'data', REDIS_URL=redis.url).start())
        proxy = Nginx(tmp / 'nginx', (servers[0].port, servers[1].port)).start()
        yield redis, servers[0], servers[1], proxy
    finally:
        if proxy is not None:
            proxy.stop()
        for server in servers:
            server.stop()
        redis.stop()


def test_forwarded_allow_ips_option():
    assert parse_config([]).forwarded_allow_ips == '127.0.0.1'  # the proxy on this host, and nobody else
    assert parse_config(['--forwarded-allow-ips', '10.0.0.5,10.0.0.6']).forwarded_allow_ips == '10.0.0.5,10.0.0.6'


def test_config_sizes_workers_for_viewers():
    text = CONF.read_text()
    connections = int(re.search(r'worker_connections (\d+);', text).group(1))
    files = int(re.search(r'worker_rlimit_nofile (\d+);', text).group(1))
    assert connections // 2 >= 4000 and files > connections  # two connections per open tab, each a descriptor
    assert not re.search(r'^\s*ip_hash;', text, re.M) and 'hash $tsv_route consistent;' in text


def test_readme_shows_the_config_as_written():
    readme = (ROOT / 'README.md').read_text()
    section = readme[readme.index('### Running several instances'):]
    shown = section[section.index('```nginx\n') + 9:]
    shown = shown[:shown.index('```')]
    written = {line.strip() for line in CONF.read_text().splitlines()}
    assert [line for line in shown.splitlines() if line.strip() not in written] == []


def test_websocket_redirect_headers_and_balance(stack):
    redis, a, b, nginx = stack
    with socket.create_connection(('127.0.0.1', nginx.port), timeout=5) as ws:  # NiceGUI's socket.io websocket
        ws.sendall(f'GET /_nicegui_ws/socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:{nginx.port}\r\n'
                   'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
                   'Sec-WebSocket-Version: 13\r\n\r\n'.encode())
        assert ws.recv(4096).split(b'\r\n', 1)[0] == b'HTTP/1.1 101 Switching Protocols'

    created = httpx.post(f'{nginx.url}/api/tables', content=tsv(('city',), ('Oslo',))).json()
    moved = httpx.get(f"{nginx.url}/t/{created['id']}/")  # Starlette redirects a trailing slash away
    assert moved.status_code == 307
    assert moved.headers['location'] == f"{nginx.url}/t/{created['id']}"  # Host $http_host keeps the port
    spoofed = httpx.get(f"{nginx.url}/t/{created['id']}/", headers={'X-Forwarded-Proto': 'https'})
    assert spoofed.headers['location'].startswith('http://')  # nginx sets the scheme, not the client
    direct = httpx.get(f"{a.url}/t/{created['id']}/", headers={'X-Forwarded-Proto': 'https'})
    assert direct.headers['location'].startswith('https://')  # the app believes its proxy (127.0.0.1)

    cookie = httpx.get(f'{nginx.url}/api/health').headers['set-cookie']
    assert re.fullmatch(r'tsv_route=[0-9a-f]{32}; Path=/; HttpOnly; SameSite=Lax', cookie)
    route = cookie.split(';')[0].split('=')[1]
    with httpx.Client(cookies={'tsv_route': route}) as browser:
        assert 'set-cookie' not in browser.get(f'{nginx.url}/api/health').headers  # set once, then kept
    for _ in range(24):  # without a cookie (curl, scripts): spread over both processes
        httpx.get(f'{nginx.url}/api/health')
    upstreams = {line.split()[1] for line in nginx.log() if '/api/health' in line}
    assert upstreams == {f'127.0.0.1:{a.port}', f'127.0.0.1:{b.port}'}


def test_downloads_ask_nginx_not_to_buffer(stack):
    redis, a, b, nginx = stack
    created = httpx.post(f'{a.url}/api/tables', content=tsv(('city',), ('Oslo',))).json()
    httpx.put(f"{a.url}/api/tables/{created['id']}", content=tsv(('city',), ('Lima',)))
    for path in ('download?format=csv', 'download?format=xlsx', 'original', 'diff/download?from=1&to=2'):
        answer = httpx.get(f"{a.url}/api/tables/{created['id']}/{path}")
        assert answer.status_code == 200 and answer.headers['x-accel-buffering'] == 'no', path


HEADER = b'id\tcity\tnote\n'
ROW = b'%07d\tOslo\t' + b'x' * 180 + b'\n'
ROW_BYTES = len(ROW % 0)


def upload_body(total: int) -> Iterator[bytes]:
    """A TSV of ``total`` bytes, made as it is sent (never 300 MB on disk or in memory)."""
    block = b''.join(ROW % i for i in range(5000))
    yield HEADER
    sent = len(HEADER)
    while sent < total:
        piece = block[:total - sent]
        yield piece
        sent += len(piece)


def test_large_upload_and_download_stream_through_nginx(stack):
    redis, a, b, nginx = stack
    size = 300 * MB
    size -= (size - len(HEADER)) % ROW_BYTES  # whole rows only
    seen: list[str] = []
    uploading = threading.Event()

    def watch(name: str) -> None:
        while uploading.is_set():
            seen.extend(nginx.spooled(name))
            time.sleep(0.02)

    uploading.set()
    watcher = threading.Thread(target=watch, args=('client_body',), daemon=True)
    watcher.start()
    started = time.monotonic()
    try:
        answer = httpx.post(f'{nginx.url}/api/tables?name=big.tsv', content=upload_body(size),
                            headers={'Content-Length': str(size)}, timeout=120)
    finally:
        uploading.clear()
        watcher.join()
    print(f'300 MB upload through nginx: {time.monotonic() - started:.1f} s')
    assert answer.status_code == 201, answer.text
    assert answer.json()['rows'] == (size - len(HEADER)) // ROW_BYTES
    assert seen == [] and nginx.spooled('client_body') == []  # streamed through, never written by nginx

    # A slow reader of the original: nginx must pass it on as it comes, not spool it to its disk meanwhile.
    got = 0
    with httpx.stream('GET', f"{nginx.url}/api/tables/{answer.json()['id']}/original", timeout=60) as download:
        chunks = download.iter_raw(MB)
        got += len(next(chunks))
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            assert nginx.spooled('proxy') == []
            time.sleep(0.05)
        for chunk in chunks:
            got += len(chunk)
    assert got == size and nginx.spooled('proxy') == []


def body_text(driver) -> str:
    from selenium.webdriver.common.by import By
    return driver.find_element(By.TAG_NAME, 'body').text


@pytest.mark.browser
def test_browser_through_nginx_live_updates_and_redis_outage(stack):
    from tests.test_browser import chromium, wait_until
    redis, a, b, nginx = stack
    created = httpx.post(f'{a.url}/api/tables', content=tsv(('city',), ('Oslo',))).json()
    table = f"{created['url']}"
    driver = chromium()
    try:
        driver.get(nginx.url + table)
        assert wait_until(lambda: 'Oslo' in body_text(driver) and 'viewing' in body_text(driver), 15)
        page = [line for line in nginx.log() if f'"GET {table} ' in line]
        assert len(page) == 1 and page[0].startswith('200 ')
        served = page[0].split()[1]
        other = b if served == f'127.0.0.1:{a.port}' else a
        assert served != f'127.0.0.1:{other.port}'

        r = httpx.put(f"{other.url}/api/tables/{created['id']}", content=tsv(('city',), ('Nairobi',)))
        assert r.status_code == 200
        assert wait_until(lambda: 'Nairobi' in body_text(driver), 10)  # made through the other process
        assert httpx.get(f'{nginx.url}/api/ready').status_code == 200

        redis.stop()  # live updates pause on both processes, and the page says so
        assert wait_until(lambda: PAUSED in body_text(driver), 20)
        for server in (a, b):
            ready = httpx.get(f'{server.url}/api/ready')
            assert ready.status_code == 503 and ready.json() == {'ok': False, 'redis': 'unreachable'}
            health = httpx.get(f'{server.url}/api/health')
            assert health.status_code == 200 and health.json()['ok'] is False  # alive, only not ready
        assert httpx.get(f'{nginx.url}/api/ready').status_code == 503
        r = httpx.put(f"{other.url}/api/tables/{created['id']}", content=tsv(('city',), ('Quito',)))
        assert r.status_code == 200 and r.json()['version'] == 3

        redis.start()  # back (empty): the banner goes and the page catches up
        assert wait_until(lambda: PAUSED not in body_text(driver) and 'Quito' in body_text(driver), 20)
        assert wait_until(lambda: all(httpx.get(f'{s.url}/api/ready').status_code == 200 for s in (a, b)), 20)
    finally:
        driver.quit()
    # the tab's websocket went through nginx as a 101 to the process that made its page
    assert wait_until(lambda: any('client_id=' in line for line in nginx.log()), 5)
    sockets = [line for line in nginx.log() if 'transport=websocket' in line and 'client_id=' in line]
    assert sockets and all(line.startswith(f'101 {served} ') for line in sockets), sockets
