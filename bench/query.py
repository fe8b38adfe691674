"""Pages, sorts and searches through the HTTP API on a big table (issue #4).

Each figure is printed against a yardstick measured in the same run: PyArrow
doing the same work in-process on the same stored table (a sort of the typed
column, a case-insensitive match over every column). Timed from a client on
loopback with a kept-alive connection.

    python bench/query.py                    # 1,000,000 rows
    python bench/query.py --rows 10000000    # about 1 GB
"""
from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.compute as pc

from common import Figures, OUT, Server, data_file, ms, p50, timed_get


def yardsticks(data_dir: Path, table_id: str) -> dict[str, float]:
    """PyArrow in-process on the stored version: what the API's work costs without the app."""
    path = data_dir / 'tables' / table_id / 'versions' / '1' / 'data.arrow'
    table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
    out = {}
    started = time.perf_counter()
    pc.sort_indices(pc.cast(table['amount'], pa.int64()))
    out['sort_number'] = time.perf_counter() - started
    started = time.perf_counter()
    pc.sort_indices(pc.utf8_lower(table['note']))
    out['sort_text'] = time.perf_counter() - started
    started = time.perf_counter()
    for column in table.columns:
        pc.match_substring(column, 'kappa', ignore_case=True)
    out['search'] = time.perf_counter() - started
    started = time.perf_counter()
    table.slice(500_000 % max(1, table.num_rows), 50).to_pylist()
    out['page'] = time.perf_counter() - started
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rows', type=int, default=1_000_000)
    parser.add_argument('--during-ingest', action='store_true',
                        help='also time page requests while another file of the same size is being ingested')
    args = parser.parse_args()
    path = data_file(args.rows)
    scale = max(1, args.rows // 1_000_000)
    figures = Figures(f'Queries: {args.rows:,} rows through the API')
    data_dir = Path(tempfile.mkdtemp(prefix='bench-query-', dir=OUT))
    server = Server(data_dir / 'data', MAX_UPLOAD_MB='4096').start()
    try:
        with path.open('rb') as body:
            table_id = httpx.post(f'{server.url}/api/tables', content=body, timeout=900).json()['id']
        yard = yardsticks(data_dir / 'data', table_id)
        url = f'{server.url}/api/tables/{table_id}'
        last = args.rows - 50
        with httpx.Client(timeout=120) as client:
            for offset in (0, last):
                times = [timed_get(client, url, offset=offset, limit=50)[0] for _ in range(50)]
                figures.add(f'page of 50 at offset {offset:,} (p50)', ms(p50(times)), f"PyArrow slice {ms(yard['page'])}",
                            '', f'<= {10 * scale} ms', p50(times) <= 0.010 * scale)
            for column, kind, limit in (('amount', 'number', 1.0), ('note', 'text', 1.5)):
                first, _ = timed_get(client, url, sort=column, limit=50)
                key = 'sort_number' if kind == 'number' else 'sort_text'
                figures.add(f'first page sorted by a {kind} column', ms(first), f'PyArrow sort {ms(yard[key])}',
                            f'{first / yard[key]:.1f}x', f'<= {limit * scale:g} s', first <= limit * scale)
                later = [timed_get(client, url, sort=column, limit=50, offset=random.randrange(0, last))[0]
                         for _ in range(30)]
                figures.add('  later pages of that sort (p50)', ms(p50(later)), '', '', f'<= {20 * scale} ms',
                            p50(later) <= 0.020 * scale)
            first, answer = timed_get(client, url, q='kappa', limit=50)
            figures.add('search across all columns, first answer', ms(first), f"PyArrow match {ms(yard['search'])}",
                        f"{first / yard['search']:.1f}x", f'<= {0.5 * scale:g} s', first <= 0.5 * scale)
            later = [timed_get(client, url, q='kappa', limit=50, offset=random.randrange(0, answer['total'] - 50))[0]
                     for _ in range(30)]
            figures.add('  later pages of that search (p50)', ms(p50(later)), '', '', f'<= {20 * scale} ms',
                        p50(later) <= 0.020 * scale)
            for column in ('amount', 'day', 'note'):
                first, _ = timed_get(client, f'{url}/columns/{column}/profile')
                again, _ = timed_get(client, f'{url}/columns/{column}/profile')
                figures.add(f'column profile of "{column}": first / cached', f'{ms(first)} / {ms(again)}')
            if args.during_ingest:
                during_ingest(server, path, url, figures)
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    figures.print()


def during_ingest(server: Server, path: Path, url: str, figures: Figures) -> None:
    """Other viewers' pages while a file of this size is being uploaded and ingested."""
    done = threading.Event()
    latencies: list[float] = []

    def reader() -> None:
        with httpx.Client(timeout=60) as client:
            while not done.is_set():
                latencies.append(timed_get(client, url, offset=random.randrange(0, 1000), limit=50)[0])
                time.sleep(0.02)

    thread = threading.Thread(target=reader)
    thread.start()
    with path.open('rb') as body:
        httpx.post(f'{server.url}/api/tables', content=body, timeout=900).raise_for_status()
    done.set()
    thread.join()
    latencies.sort()
    figures.add(f'pages during another ingest: max of {len(latencies)}', ms(latencies[-1]),
                f'p50 {ms(p50(latencies))}', '', '<= 100 ms', latencies[-1] <= 0.1)


if __name__ == '__main__':
    main()
