"""Soak: viewers, a writer and readers on one app process for a bounded time (issue #5).

200 socket.io viewers (connected the way a browser is) watch 10 tables while a
writer replaces one table every few seconds and readers page, sort and search
through the API. Prints requests served, errors (must be 0), p99 latencies,
how long replacements took to reach their viewers, and the server's memory at
start and end with its slope (a leak shows as a steady slope).

    python bench/soak.py                 # 10 minutes
    python bench/soak.py --seconds 120 --viewers 100
"""
from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import tempfile
import time
from pathlib import Path

import httpx

from common import OUT, Figures, Server, ms, rss_bytes
from viewers import open_viewers


def table_file(marker: str, rows: int) -> bytes:
    lines = ['id\tname\tamount\tday'] + [f'{i}\t{marker} row {i}\t{i * 7 % 1000}\t2024-01-{i % 28 + 1:02d}'
                                         for i in range(rows)]
    return ('\n'.join(lines) + '\n').encode()


def p99(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * 0.99))] if values else float('nan')


def slope_mb_per_minute(samples: list[tuple[float, int]]) -> float:
    """Least-squares slope of memory over time."""
    if len(samples) < 2:
        return 0.0
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_m = sum(m for _, m in samples) / n
    num = sum((t - mean_t) * (m - mean_m) for t, m in samples)
    den = sum((t - mean_t) ** 2 for t, _ in samples) or 1.0
    return num / den * 60 / 1e6


async def soak(server: Server, seconds: float, viewer_count: int, tables: int, every: float, readers: int) -> Figures:
    rng = random.Random(5)
    async with httpx.AsyncClient(timeout=30) as http:
        ids = []
        for t in range(tables):
            r = await http.post(f'{server.url}/api/tables', content=table_file(f'start{t}', 2000))
            ids.append(r.json()['id'])
    viewers = await open_viewers(server.url, '', 0)  # warm the client library
    by_table = {table_id: await open_viewers(server.url, f'/t/{table_id}', viewer_count // tables)
                for table_id in ids}
    viewers = [v for vs in by_table.values() for v in vs]
    await asyncio.sleep(2)
    pid = server.process.pid
    memory = [(time.monotonic(), rss_bytes(pid))]
    deadline = time.monotonic() + seconds
    read_latency: list[float] = []
    write_latency: list[float] = []
    fanout: list[float] = []
    errors: list[str] = []
    served = 0

    async def reader(k: int) -> None:
        nonlocal served
        async with httpx.AsyncClient(timeout=30) as http:
            while time.monotonic() < deadline:
                table_id = rng.choice(ids)
                params = rng.choice([{'offset': rng.randrange(0, 1900)}, {'sort': 'amount', 'desc': 'true'},
                                     {'sort': 'name'}, {'q': 'row 1'}, {'q': str(rng.randrange(100))}])
                started = time.perf_counter()
                try:
                    r = await http.get(f'{server.url}/api/tables/{table_id}', params=params)
                    if r.status_code != 200:
                        errors.append(f'GET {r.status_code}')
                except httpx.HTTPError as error:
                    errors.append(f'GET {error!r}')
                read_latency.append(time.perf_counter() - started)
                served += 1
                await asyncio.sleep(0.01)

    async def writer() -> None:
        nonlocal served
        n = 0
        async with httpx.AsyncClient(timeout=60) as http:
            while time.monotonic() + every < deadline:
                await asyncio.sleep(every)
                n += 1
                table_id = ids[n % len(ids)]
                marker = f'mark{n}x'
                for viewer in by_table[table_id]:
                    viewer.watch.add(marker)
                started = time.perf_counter()
                r = await http.put(f'{server.url}/api/tables/{table_id}', content=table_file(marker, rng.randrange(500, 3000)))
                acknowledged = time.perf_counter()
                served += 1
                write_latency.append(acknowledged - started)
                if r.status_code != 200:
                    errors.append(f'PUT {r.status_code}')
                    continue
                for _ in range(100):
                    if all(marker in v.seen for v in by_table[table_id]):
                        break
                    await asyncio.sleep(0.02)
                missing = [v for v in by_table[table_id] if marker not in v.seen]
                if missing:
                    errors.append(f'{len(missing)} viewers missed replacement {n}')
                fanout.extend(v.seen[marker] - acknowledged for v in by_table[table_id] if marker in v.seen)

    async def sample_memory() -> None:
        while time.monotonic() < deadline:
            await asyncio.sleep(5)
            memory.append((time.monotonic(), rss_bytes(pid)))

    await asyncio.gather(writer(), sample_memory(), *(reader(k) for k in range(readers)))
    disconnected = sum(1 for v in viewers if not v.connected)
    if disconnected:
        errors.append(f'{disconnected} viewers were disconnected')
    await asyncio.gather(*(v.close() for v in viewers))

    figures = Figures(f'Soak: {seconds:.0f} s, {len(viewers)} viewers on {tables} tables, '
                      f'a replacement every {every:g} s, {readers} readers')
    figures.add('requests served', f'{served:,}')
    figures.add('errors', str(len(errors)), target='0', met=not errors)
    figures.add('API reads (page, sort, search): p99', ms(p99(read_latency)))
    figures.add('replacements (upload to 200): p99', ms(p99(write_latency)))
    figures.add(f'replacement reaching its viewers: p99 of {len(fanout)}', ms(p99(fanout)))
    start_mb, end_mb = memory[0][1] / 1e6, memory[-1][1] / 1e6
    figures.add('server memory at start / end', f'{start_mb:.0f} MB / {end_mb:.0f} MB')
    figures.add('server memory slope', f'{slope_mb_per_minute(memory):+.2f} MB/min')
    # each tab keeps its last 10 messages, so memory climbs until every table was replaced 10 times;
    # a leak keeps climbing in the second half too
    figures.add('server memory slope, second half', f'{slope_mb_per_minute(memory[len(memory) // 2:]):+.2f} MB/min')
    for error in errors[:10]:
        print('error:', error)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--seconds', type=float, default=600)
    parser.add_argument('--viewers', type=int, default=200)
    parser.add_argument('--tables', type=int, default=10)
    parser.add_argument('--every', type=float, default=3.0, help='seconds between replacements')
    parser.add_argument('--readers', type=int, default=4)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix='bench-soak-', dir=OUT))
    server = Server(data_dir / 'data').start()
    try:
        figures = asyncio.run(soak(server, args.seconds, args.viewers, args.tables, args.every, args.readers))
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    figures.print()


if __name__ == '__main__':
    main()
