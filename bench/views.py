"""A view's first answer on a big table: sorts, a filter, facets, through the HTTP API (issue #14).

For each view a person opens, the first page (or first facet answer), the
pages right after it, and later pages anywhere once the full order is there;
each against the issue's target and against a yardstick measured in the same
run: PyArrow doing the old work in-process on the same stored table (the full
``sort_indices`` of the typed column, the mask of the filter, ``value_counts``
of the faceted column). Each first answer is measured on a fresh copy of the
table (``--repeat`` uploads), and the median printed. Timed from a client on
loopback with a kept-alive connection. Then the same views are replayed on an
engine in this process to report the bytes its cache holds after.

    python bench/views.py                    # 1,000,000 rows
    python bench/views.py --rows 10000000    # about 1 GB; a few minutes
"""
from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.compute as pc

from common import Figures, OUT, Server, data_file, mb, ms, p50, rss_bytes, timed_get

SORTS = (('amount', 'number'), ('note', 'text'))
FILTER = {'amount__gt': '500000'}           # typed: compared as numbers, through the column's sort key
FACETS = ('city', 'amount')                 # 8 values; about a million distinct values


def targets(rows: int) -> dict[str, float]:
    """The issue's targets in seconds: 1M rows below 10M, the 10M ones from there."""
    if rows < 10_000_000:
        return {'sort number': 0.15, 'sort text': 0.3, 'filter': 0.5, 'facet': 1.0, 'later': 0.020}
    return {'sort number': 1.0, 'sort text': 1.0, 'filter': 5.0, 'facet': 5.0, 'later': 0.050}


def clock(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def yardsticks(data_dir: Path, table_id: str) -> dict[str, float]:
    """PyArrow in-process on the stored version: the work the API did before issue #14."""
    path = data_dir / 'tables' / table_id / 'versions' / '1' / 'data.arrow'
    table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
    return {
        'sort number': clock(lambda: pc.sort_indices(pc.cast(table['amount'], pa.int64()))),
        'sort text': clock(lambda: pc.sort_indices(pc.utf8_lower(table['note']))),
        'filter': clock(lambda: pc.indices_nonzero(pc.greater(pc.cast(table['amount'], pa.int64()), 500_000))),
        'facet city': clock(lambda: pc.value_counts(table['city'])),
        'facet amount': clock(lambda: pc.value_counts(table['amount'])),
    }


def upload(server: Server, path: Path) -> str:
    with path.open('rb') as body:
        r = httpx.post(f'{server.url}/api/tables', params={'name': path.name}, content=body, timeout=1800)
    r.raise_for_status()
    return r.json()['id']


def one_view(client: httpx.Client, url: str, **view) -> dict[str, float | list[float]]:
    """First page, the next four, the first far page (it waits for the background order), 20 later pages."""
    out: dict[str, float | list[float]] = {}
    out['first'], answer = timed_get(client, url, limit=50, **view)
    out['next'] = [timed_get(client, url, limit=50, offset=50 * i, **view)[0] for i in range(1, 5)]
    last = max(0, answer['total'] - 50)
    out['far'] = timed_get(client, url, limit=50, offset=last // 2, **view)[0]
    out['later'] = [timed_get(client, url, limit=50, offset=random.randrange(0, last + 1), **view)[0]
                    for _ in range(20)]
    return out


def run_once(server: Server, path: Path) -> tuple[str, dict]:
    """Every view on a freshly uploaded copy of the table (nothing cached for it)."""
    table_id = upload(server, path)
    url = f'{server.url}/api/tables/{table_id}'
    found: dict = {}
    with httpx.Client(timeout=600) as client:
        timed_get(client, url, limit=50)  # the version opened, as a viewer's first look does
        for column, kind in SORTS:
            found[f'sort {kind}'] = one_view(client, url, sort=column)
        found['filter'] = one_view(client, url, **FILTER)
        for column in FACETS:
            first, _ = timed_get(client, f'{url}/facets/{column}')
            again, _ = timed_get(client, f'{url}/facets/{column}')
            found[f'facet {column}'] = {'first': first, 'again': again}
    return table_id, found


def median_of(runs: list[dict], view: str, what: str) -> float:
    values = [run[view][what] for run in runs]
    return p50([p50(v) if isinstance(v, list) else v for v in values])


def replay_cache(data_dir: Path, table_id: str) -> tuple[int, int, Counter]:
    """The same views on an engine in this process: (bytes its cache holds, its budget, entries by kind)."""
    from tsvcore import PageRequest, QueryEngine, Store
    from tsvcore.queries import filters, query
    store = Store(data_dir)
    engine = QueryEngine(store)
    meta = store.meta(table_id)
    chosen = filters.parse(FILTER.items(), meta)
    for column, _ in SORTS:
        for offset in (0, 50, meta['rows'] // 2):
            engine.page(table_id, PageRequest(offset=offset, sort=column))
    engine.page(table_id, PageRequest(filters=chosen))
    for column in FACETS:
        engine.facets(table_id, column, PageRequest())
    query.ORDER_POOL.submit(lambda: None).result()
    return engine.cache.nbytes, engine.cache.max_bytes, Counter(key[0] for key in engine.cache._items)


def report(figures: Figures, runs: list[dict], yard: dict[str, float], goal: dict[str, float]) -> None:
    later = goal['later']
    for view in ('sort number', 'sort text', 'filter'):
        first = median_of(runs, view, 'first')
        label = {'sort number': 'first page sorted by a number', 'sort text': 'first page sorted by text',
                 'filter': 'first page of a filter (amount__gt)'}[view]
        figures.add(label, ms(first), f'{"PyArrow full sort" if view != "filter" else "PyArrow mask"} {ms(yard[view])}',
                    f'{first / yard[view]:.2f}x', f'<= {goal[view]:g} s', first <= goal[view])
        nxt = median_of(runs, view, 'next')
        figures.add('  pages 2-5 right after (p50)', ms(nxt), '', '', f'<= {later * 1000:g} ms', nxt <= later)
        far = median_of(runs, view, 'far')
        figures.add('  then a page mid-table (waits for the full order)', ms(far))
        rest = median_of(runs, view, 'later')
        figures.add('  later pages anywhere (p50)', ms(rest), '', '', f'<= {later * 1000:g} ms', rest <= later)
    for column in FACETS:
        first, again = median_of(runs, f'facet {column}', 'first'), median_of(runs, f'facet {column}', 'again')
        yard_facet = yard[f'facet {column}']
        figures.add(f'facet of "{column}", first answer', ms(first),
                    f'PyArrow value_counts {ms(yard_facet)}', f'{first / yard_facet:.2f}x',
                    f'<= {goal["facet"]:g} s', first <= goal['facet'])
        figures.add('  second answer (cached)', ms(again), '', '', f'<= {later * 1000:g} ms', again <= later)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rows', type=int, default=1_000_000)
    parser.add_argument('--repeat', type=int, default=3, help='fresh uploads of the table; medians are printed')
    args = parser.parse_args()
    path = data_file(args.rows)
    goal = targets(args.rows)
    figures = Figures(f'Views: {args.rows:,} rows through the API, median of {args.repeat} fresh uploads')
    data_dir = Path(tempfile.mkdtemp(prefix='bench-views-', dir=OUT))
    server = Server(data_dir / 'data', MAX_UPLOAD_MB='4096').start()
    try:
        runs, yards = [], []
        for _ in range(args.repeat):
            table_id, found = run_once(server, path)
            runs.append(found)
            yards.append(yardsticks(data_dir / 'data', table_id))
        yard = {name: p50([y[name] for y in yards]) for name in yards[0]}
        report(figures, runs, yard, goal)
        resident = rss_bytes(server.process.pid)
        server.stop()
        held, budget, kinds = replay_cache(data_dir / 'data', table_id)
        entries = ', '.join(f'{n} {kind}' for kind, n in sorted(kinds.items()))
        figures.add('cache after these views (replayed in-process)', mb(held), f'budget {mb(budget)}', '',
                    f'<= {mb(budget)}', held <= budget)
        figures.add(f'  entries: {entries}', '')
        figures.add(f'server resident memory after {args.repeat} tables', mb(resident))
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    figures.print()


if __name__ == '__main__':
    main()
