"""Small helpers shared by the tests: files, a real server process, reading tables back."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def tsv(*rows: list[str] | tuple[str, ...]) -> bytes:
    """A clean TSV file from rows of cells."""
    return ''.join('\t'.join(row) + '\n' for row in rows).encode()


class Server:
    """``python main.py`` in a child process, the way a user starts it."""

    def __init__(self, data_dir: Path, port: int | None = None, **env: str) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.env = env
        self.process: subprocess.Popen | None = None
        self.log = data_dir.parent / f'server-{self.port}.log'

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.port}'

    def start(self) -> 'Server':
        env = {**os.environ, 'DATA_DIR': str(self.data_dir), 'PORT': str(self.port), 'HOST': '127.0.0.1', **self.env}
        env.pop('PYTEST_CURRENT_TEST', None)
        self.process = subprocess.Popen([sys.executable, str(ROOT / 'main.py')], cwd=ROOT, env=env,
                                        stdout=self.log.open('ab'), stderr=subprocess.STDOUT)
        if not answers_health(self.url, self.process, 30):
            raise RuntimeError(f'server did not start:\n{self.log.read_text()}')
        return self

    def stop(self) -> None:
        stop_process(self.process)


def answers_health(url: str, process: subprocess.Popen, seconds: float) -> bool:
    """Wait until ``url``/api/health answers 200 (True), the process exits, or ``seconds`` pass (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f'{url}/api/health', timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def stop_process(process: subprocess.Popen | None) -> None:
    """Terminate a process the tests started, and kill it if it has not gone within 10 s."""
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
