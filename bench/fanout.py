"""Fan-out: how fast a replacement reaches N viewers of one table, and what each viewer costs (issue #7).

For N = 100, 500, 1000 viewers (bench/viewers.py: clients that load /t/<id>
and connect the way a browser does), a 1,000-row file replaces the table and the
time from the upload's start to each viewer's update is measured; server
memory is measured before the viewers connect, with them connected, and after
they leave. The same run drives the 2017 design (bench/baseline_2017_ws.py:
one Tornado websocket handler, rows as Python lists) with plain websockets.
All on 127.0.0.1, bounded, self-stopping.

    pip install tornado     # for the baseline only
    python bench/fanout.py --viewers 100 500 1000
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import httpx

from common import OUT, Figures, Server, rss_bytes
from tests.helpers import free_port
from viewers import open_viewers


def table_file(marker: str, rows: int = 1000) -> bytes:
    lines = ['id\tname\tamount'] + [f'{i}\t{marker} {i}\t{i * 3}' for i in range(rows)]
    return ('\n'.join(lines) + '\n').encode()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float('nan')


async def app_round(server: Server, table_id: str, n: int) -> dict:
    pid = server.process.pid
    gc.collect()
    await asyncio.sleep(1)
    before = rss_bytes(pid)
    viewers = await open_viewers(server.url, f'/t/{table_id}', n)
    await settled(server.url)
    connected = rss_bytes(pid)
    marker = f'm{n}x'
    for viewer in viewers:
        viewer.watch.add(marker)
    async with httpx.AsyncClient(timeout=60) as http:
        sent = time.perf_counter()  # timed from the upload's start: the 2017 design pushes before it answers
        r = await http.put(f'{server.url}/api/tables/{table_id}', content=table_file(marker))
        r.raise_for_status()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(marker in v.seen for v in viewers):
        await asyncio.sleep(0.02)
    latencies = [v.seen[marker] - sent for v in viewers if marker in v.seen]
    await asyncio.gather(*(v.close() for v in viewers))
    # NiceGUI forgets a tab 3 s after it disconnects and the app gives memory back 5 s after the
    # last one is gone; with many tabs that takes a while, so watch for up to 40 s
    after = connected
    for _ in range(40):
        await asyncio.sleep(1)
        after = min(after, rss_bytes(pid))
    return {'n': n, 'reached': len(latencies), 'p50': percentile(latencies, 0.5), 'p99': percentile(latencies, 0.99),
            'max': max(latencies) if latencies else float('nan'), 'kb_per_viewer': (connected - before) / n / 1024,
            'returned_mb': (connected - after) / 1e6, 'grown_mb': (connected - before) / 1e6}


async def settled(url: str, timeout: float = 30) -> None:
    """Until the server answers quickly again: N tabs connecting keep it busy for a while after they are open."""
    await asyncio.sleep(2)
    quick = 0
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as http:
        while quick < 3 and time.monotonic() < deadline:
            started = time.perf_counter()
            await http.get(f'{url}/api/health')
            quick = quick + 1 if time.perf_counter() - started < 0.02 else 0
            await asyncio.sleep(0.2)


async def bare_round(url: str, pid: int, n: int) -> float:
    """KB per viewer of the one-label NiceGUI page: the framework's own floor."""
    before = rss_bytes(pid)
    viewers = await open_viewers(url, '/t/bare', n)
    await asyncio.sleep(2)
    connected = rss_bytes(pid)
    await asyncio.gather(*(v.close() for v in viewers))
    return (connected - before) / n / 1024


async def baseline_round(port: int, pid: int, n: int) -> dict:
    before = rss_bytes(pid)
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))  # one connection per viewer
    sockets = []
    for _ in range(n):
        ws = await session.ws_connect(f'http://127.0.0.1:{port}/ws')
        await ws.receive()  # the first page on connect
        sockets.append(ws)
    await asyncio.sleep(1)
    connected = rss_bytes(pid)
    seen: list[float] = []

    async def wait(ws) -> None:
        await ws.receive()
        seen.append(time.perf_counter())
    waiters = [asyncio.create_task(wait(ws)) for ws in sockets]
    async with httpx.AsyncClient(timeout=60) as http:
        sent = time.perf_counter()
        r = await http.put(f'http://127.0.0.1:{port}/upload', content=table_file('base'))
        r.raise_for_status()
    await asyncio.wait(waiters, timeout=30)
    latencies = [t - sent for t in seen]
    for ws in sockets:
        await ws.close()
    await session.close()
    return {'n': n, 'reached': len(latencies), 'p50': percentile(latencies, 0.5), 'p99': percentile(latencies, 0.99),
            'max': max(latencies) if latencies else float('nan'), 'kb_per_viewer': (connected - before) / n / 1024}


def answering(url: str, timeout: float = 10) -> None:
    """Wait for a server started alongside to answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url)
            return
        except httpx.HTTPError:
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--viewers', type=int, nargs='+', default=[100, 500, 1000])
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix='bench-fanout-', dir=OUT))
    server = Server(data_dir / 'data').start()
    port = free_port()
    baseline = subprocess.Popen([sys.executable, str(Path(__file__).parent / 'baseline_2017_ws.py'), str(port)])
    bare_port = free_port()
    bare = subprocess.Popen([sys.executable, str(Path(__file__).parent / 'bare_nicegui.py'), str(bare_port)],
                            env={**os.environ, 'PYTHONMALLOC': 'malloc'})
    figures = Figures('Fan-out: one replacement (1,000 rows) to N viewers of one table')
    try:
        table_id = httpx.post(f'{server.url}/api/tables', content=table_file('start')).json()['id']
        answering(f'http://127.0.0.1:{port}/api/health')
        httpx.put(f'http://127.0.0.1:{port}/upload', content=table_file('start'))
        answering(f'http://127.0.0.1:{bare_port}/t/bare')
        for n in args.viewers:
            ours = asyncio.run(app_round(server, table_id, n))
            old = asyncio.run(baseline_round(port, baseline.pid, n))
            floor = asyncio.run(bare_round(f'http://127.0.0.1:{bare_port}', bare.pid, n))
            ratio = ours['p99'] / old['p99'] if old['p99'] else float('nan')
            figures.add(f'N={n}: update reached (app / 2017)', f"{ours['reached']} / {old['reached']}")
            figures.add(f'N={n}: p50 / p99 / max', f"{ours['p50'] * 1000:.0f} / {ours['p99'] * 1000:.0f} / "
                        f"{ours['max'] * 1000:.0f} ms", f"2017: {old['p50'] * 1000:.0f} / {old['p99'] * 1000:.0f} / "
                        f"{old['max'] * 1000:.0f} ms", f'p99 {ratio:.1f}x', 'p99 <= 500 ms', ours['p99'] <= 0.5)
            figures.add(f'N={n}: server memory per viewer', f"{ours['kb_per_viewer']:.0f} KB",
                        f"2017: {old['kb_per_viewer']:.0f} KB; one-label NiceGUI page: {floor:.0f} KB",
                        f"{ours['kb_per_viewer'] / floor:.1f}x NiceGUI's floor", '<= 100 KB',
                        ours['kb_per_viewer'] <= 100)
            figures.add(f'N={n}: memory returned after they left', f"{ours['returned_mb']:.0f} of "
                        f"{ours['grown_mb']:.0f} MB")
    finally:
        server.stop()
        for process in (baseline, bare):
            process.terminate()
            process.wait(10)
        shutil.rmtree(data_dir, ignore_errors=True)
    figures.print()


if __name__ == '__main__':
    main()
