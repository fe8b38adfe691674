"""Shared by the benchmarks: files, the app process, memory sampling, a figures table."""
from __future__ import annotations

import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402
from tests.helpers import Server  # noqa: E402  (the same way the tests start the app)

OUT = ROOT / 'bench' / 'out'


def data_file(rows: int) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f'data-{rows}.tsv'
    if not path.exists():
        print(f'generating {path.name} ...', flush=True)
        generate(path, rows)
    return path


def rss_bytes(pid: int) -> int:
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
    return 0


class RssSampler:
    """Samples a process's resident memory every few milliseconds to find its peak."""

    def __init__(self, pid: int, every: float = 0.005) -> None:
        self.pid, self.every = pid, every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes(self.pid))
            time.sleep(self.every)

    def __enter__(self) -> 'RssSampler':
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def timed_get(client: httpx.Client, url: str, **params) -> tuple[float, dict]:
    """(seconds, JSON answer) of one GET through a kept-alive client."""
    started = time.perf_counter()
    r = client.get(url, params=params)
    elapsed = time.perf_counter() - started
    r.raise_for_status()
    return elapsed, r.json()


def p50(values: list[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> str:
    return f'{seconds * 1000:.1f} ms'


def mb(n: float) -> str:
    return f'{n / 1e6:.0f} MB'


class Figures:
    """Rows of (what, measured, yardstick, ratio, target, met) printed as a table."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.rows: list[tuple[str, str, str, str, str, str]] = []

    def add(self, what: str, measured: str, yardstick: str = '', ratio: str = '', target: str = '',
            met: bool | None = None) -> None:
        self.rows.append((what, measured, yardstick, ratio, target, '' if met is None else ('yes' if met else 'NO')))

    def print(self) -> None:
        header = ('figure', 'measured', 'yardstick (same run)', 'ratio', 'target', 'met')
        widths = [max(len(r[i]) for r in self.rows + [header]) for i in range(6)]
        print(f'\n## {self.title}\n')
        for row in [header, tuple('-' * w for w in widths)] + self.rows:
            print('| ' + ' | '.join(cell.ljust(w) for cell, w in zip(row, widths)) + ' |')
        print(flush=True)
