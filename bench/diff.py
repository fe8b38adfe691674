"""What changed between two versions, through the HTTP API and side by side in-process (issue #15).

Version 1 is ``generate.py``'s file; version 2 is its stored cells with 1% of
the rows changed (one cell each, the column chosen row by row), 1,000 rows
removed and 1,000 new rows at the end. Through the API from a loopback
client: the first answer (summary and first page, which computes the diff),
later pages at random offsets, a page of one kind, the whole diff as TSV,
and the server's peak memory while computing it (all of it, and the
anonymous part: the versions' memory-mapped files are the rest). The
yardstick, measured in the same run: PyArrow's hash join of the two versions'
key columns (``Table.join``, full outer), the least any keyed diff must do.

The candidates (``--candidates``) run the same comparison in-process on the
two stored Arrow files, each in a process of its own for its own peak
memory: this engine (keyed, and key-less with the ``id`` column left out), a
PyArrow ``Table.join`` with ``take``/``not_equal`` per column, DuckDB and
Polars joins with per-column comparisons, and Polars row hashes (not exact:
equal hashes count as equal rows). Those not installed are skipped.

    python bench/diff.py                              # 1,000,000 rows
    python bench/diff.py --candidates
    python bench/diff.py --rows 10000000 --candidates # about 1 GB a version
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from common import OUT, ROOT, Figures, Server, data_file, mb, ms, p50

CANDIDATES = ('engine', 'engine-keyless', 'pyarrow-join', 'duckdb', 'polars', 'polars-hash')


class Memory:
    """Peak resident memory of a process, all of it and the anonymous part (not file-backed), sampled."""

    def __init__(self, pid: int | str = 'self', every: float = 0.005) -> None:
        self.path, self.every = f'/proc/{pid}/status', every
        self.peak = self.peak_anon = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def now(self) -> tuple[int, int]:
        fields = {}
        with open(self.path) as f:
            for line in f:
                name, _, value = line.partition(':')
                if name in ('VmRSS', 'RssAnon'):
                    fields[name] = int(value.split()[0]) * 1024
        return fields.get('VmRSS', 0), fields.get('RssAnon', 0)

    def _run(self) -> None:
        while not self._stop.is_set():
            rss, anon = self.now()
            self.peak, self.peak_anon = max(self.peak, rss), max(self.peak_anon, anon)
            time.sleep(self.every)

    def __enter__(self) -> 'Memory':
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


# -- the second version --------------------------------------------------------------------------------------

def second_version(first: pa.Table, path: Path, seed: int = 7) -> dict:
    """Write version 2 as TSV: 1% of rows with one cell changed, 1,000 removed, 1,000 added at the end."""
    rng = np.random.default_rng(seed)
    n = first.num_rows
    picked = rng.permutation(n)
    removed, changed = picked[:1000], picked[1000:1000 + n // 100]
    column_of = rng.integers(1, first.num_columns, len(changed))   # never the id column
    columns = list(first.columns)
    for c in range(1, first.num_columns):
        mask = np.zeros(n, bool)
        mask[changed[column_of == c]] = True
        columns[c] = pc.if_else(pa.array(mask), pc.binary_join_element_wise(columns[c], '*', ''), columns[c])
    keep = np.ones(n, bool)
    keep[removed] = False
    second = pa.table(columns, names=first.column_names).filter(pa.array(keep))
    extra = first.slice(0, 1000).set_column(0, 'id', pa.array([str(n + i) for i in range(1000)]))
    second = pa.concat_tables([second, extra])
    with path.open('w', encoding='utf-8') as f:   # the generator's cells hold no tab, newline or leading quote
        f.write('\t'.join(second.column_names) + '\n')
        for batch in second.to_batches(max_chunksize=200_000):
            f.write('\n'.join(pc.binary_join_element_wise(*batch.columns, '\t').to_pylist()) + '\n')
    return {'changed': len(changed), 'added': 1000, 'removed': 1000}


# -- through the API -------------------------------------------------------------------------------------------

def timed_get(client: httpx.Client, url: str, **params) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    r = client.get(url, params=params)
    elapsed = time.perf_counter() - started
    r.raise_for_status()
    return elapsed, r


def stored(data_dir: Path, table_id: str, version: int) -> Path:
    return data_dir / 'tables' / table_id / 'versions' / str(version) / 'data.arrow'


def open_arrow(path: Path) -> pa.Table:
    return pa.ipc.open_file(pa.memory_map(str(path))).read_all()


def yardstick(older: Path, newer: Path) -> float:
    """PyArrow's full outer hash join of the two versions' id columns, in this process (median of 3)."""
    times = []
    for _ in range(3):
        a, b = open_arrow(older), open_arrow(newer)
        started = time.perf_counter()
        keys_a = pa.table({'id': a['id'], 'ia': pa.array(np.arange(a.num_rows))})
        keys_b = pa.table({'id': b['id'], 'ib': pa.array(np.arange(b.num_rows))})
        keys_b.join(keys_a, 'id', join_type='full outer')
        times.append(time.perf_counter() - started)
    return p50(times)


def through_api(args: argparse.Namespace, figures: Figures) -> tuple[Path, Path, dict]:
    """Upload both versions, time the diff's answers; return the stored files and the expected counts."""
    scale = max(1, args.rows // 1_000_000)
    data_dir = Path(tempfile.mkdtemp(prefix='bench-diff-', dir=OUT))
    server = Server(data_dir / 'data', MAX_UPLOAD_MB='4096').start()
    try:
        with data_file(args.rows).open('rb') as body:
            table_id = httpx.post(f'{server.url}/api/tables', content=body, timeout=1800).json()['id']
        v2 = OUT / f'data-{args.rows}-v2.tsv'
        expected = second_version(open_arrow(stored(data_dir / 'data', table_id, 1)), v2)
        with v2.open('rb') as body:
            httpx.put(f'{server.url}/api/tables/{table_id}', content=body, timeout=1800).raise_for_status()
        older, newer = stored(data_dir / 'data', table_id, 1), stored(data_dir / 'data', table_id, 2)
        keep = OUT / 'diff-versions'
        keep.mkdir(exist_ok=True)
        older, newer = Path(shutil.copy(older, keep / f'{args.rows}-1.arrow')), \
            Path(shutil.copy(newer, keep / f'{args.rows}-2.arrow'))
        yard = yardstick(older, newer)
        url = f'{server.url}/api/tables/{table_id}/diff'
        with httpx.Client(timeout=1800) as client:
            memory = Memory(server.process.pid)
            before, before_anon = memory.now()
            with memory:
                first, r = timed_get(client, url, **{'from': 1, 'to': 2, 'limit': 50})
            body = r.json()
            # two more cold answers (other cache keys, the same work): key=id named, and the versions swapped
            colds = [first] + [timed_get(client, url, **params)[0]
                               for params in ({'from': 1, 'to': 2, 'key': 'id'}, {'from': 2, 'to': 1})]
            s = body['summary']
            agrees = (s['changed'], s['added'], s['removed']) == (expected['changed'], 1000, 1000)
            figures.add(f"first answer: summary + page 1 ({s['changed']:,} changed, {s['added']:,} added, "
                        f"{s['removed']:,} removed{', as made' if agrees else ', NOT as made'}), median of 3",
                        ms(p50(colds)), f'PyArrow key join {ms(yard)}', f'{p50(colds) / yard:.1f}x',
                        f'<= {3 * scale} s', p50(colds) <= 3 * scale)
            figures.add('  server memory while computing it: peak RSS / growth / anonymous growth',
                        f'{mb(memory.peak)} / {mb(memory.peak - before)} / {mb(memory.peak_anon - before_anon)}')
            total = body['total']
            later = [timed_get(client, url, **{'from': 1, 'to': 2, 'limit': 50,
                                               'offset': random.randrange(0, total - 50)})[0] for _ in range(30)]
            figures.add('later pages of 50 at random offsets (p50 of 30)', ms(p50(later)), '', '', '<= 50 ms',
                        p50(later) <= 0.050)
            kinds = [timed_get(client, url, **{'from': 1, 'to': 2, 'kind': 'removed', 'limit': 1000})[0]
                     for _ in range(10)]
            figures.add('a page of 1,000 removed rows (p50 of 10)', ms(p50(kinds)))
            started = time.perf_counter()
            size = len(client.get(f'{url}/download', params={'from': 1, 'to': 2}).content)
            figures.add(f'the whole diff as TSV ({size / 1e6:.1f} MB)', ms(time.perf_counter() - started))
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    return older, newer, expected


# -- candidates, in-process on the stored files --------------------------------------------------------------------

def run_candidate(name: str, older: Path, newer: Path) -> dict:
    """One candidate in this process: {"seconds", "changed", "added", "removed"}."""
    a, b = open_arrow(older), open_arrow(newer)
    compared = [c for c in b.column_names if c != 'id']
    started = time.perf_counter()
    if name in ('engine', 'engine-keyless'):
        from tsvcore.queries.diff import compare
        if name == 'engine-keyless':
            a, b = a.drop_columns(['id']), b.drop_columns(['id'])
        found = compare(a, b, 1, 2, None)
        counts = (len(found.changed), len(found.added), len(found.removed))
    else:
        counts = {'pyarrow-join': pyarrow_join, 'duckdb': duckdb_join, 'polars': polars_join,
                  'polars-hash': polars_hash}[name](a, b, compared)
    return {'seconds': time.perf_counter() - started, 'changed': counts[0], 'added': counts[1], 'removed': counts[2]}


def pyarrow_join(a: pa.Table, b: pa.Table, compared: list[str]) -> tuple[int, int, int]:
    """Uniqueness by ``count_distinct``, ``Table.join`` on the key, then ``take`` + ``not_equal`` per column."""
    assert all(pc.count_distinct(t['id']).as_py() == t.num_rows for t in (a, b))
    joined = pa.table({'id': b['id'], 'ib': pa.array(np.arange(b.num_rows))}).join(
        pa.table({'id': a['id'], 'ia': pa.array(np.arange(a.num_rows))}), 'id', join_type='full outer')
    ia, ib = joined['ia'], joined['ib']
    both = pc.and_(pc.is_valid(ia), pc.is_valid(ib))
    pairs = pa.table({'ia': pc.filter(ia, both), 'ib': pc.filter(ib, both)}).sort_by('ib')
    changed = np.zeros(len(pairs), bool)
    for name in compared:
        changed |= pc.not_equal(pc.take(a[name], pairs['ia']), pc.take(b[name], pairs['ib'])).to_numpy(
            zero_copy_only=False)
    return int(changed.sum()), int(pc.sum(pc.is_null(ia)).as_py()), int(pc.sum(pc.is_null(ib)).as_py())


def duckdb_join(a: pa.Table, b: pa.Table, compared: list[str]) -> tuple[int, int, int]:
    """A full outer join on the key over the Arrow tables, ``IS DISTINCT FROM`` per column, two threads."""
    import duckdb
    con = duckdb.connect()
    con.execute('SET threads=2')
    con.register('a', a)
    con.register('b', b)
    for t in ('a', 'b'):
        assert con.execute(f'SELECT count(DISTINCT id) = count(*) FROM {t}').fetchone()[0]
    differs = ' OR '.join(f'a."{c}" IS DISTINCT FROM b."{c}"' for c in compared)
    return con.execute(f'''SELECT count(*) FILTER (WHERE a.id IS NOT NULL AND b.id IS NOT NULL AND ({differs})),
                              count(*) FILTER (WHERE a.id IS NULL), count(*) FILTER (WHERE b.id IS NULL)
                       FROM b FULL OUTER JOIN a ON a.id = b.id''').fetchone()


def polars_join(a: pa.Table, b: pa.Table, compared: list[str]) -> tuple[int, int, int]:
    """The tables converted to Polars, a full join on the key, ``!=`` per column."""
    import polars as pl
    older, newer = pl.from_arrow(a), pl.from_arrow(b)
    assert older['id'].n_unique() == older.height and newer['id'].n_unique() == newer.height
    joined = newer.with_columns(_b=pl.lit(True)).join(older.with_columns(_a=pl.lit(True)), on='id', how='full',
                                                        suffix='_old', coalesce=True)
    matched = joined.filter(pl.col('_a').is_not_null() & pl.col('_b').is_not_null())
    changed = matched.select(pl.any_horizontal([pl.col(c) != pl.col(f'{c}_old') for c in compared])).to_series()
    return int(changed.sum()), int(joined['_a'].is_null().sum()), int(joined['_b'].is_null().sum())


def polars_hash(a: pa.Table, b: pa.Table, compared: list[str]) -> tuple[int, int, int]:
    """A 64-bit hash of each row's compared cells, joined on the key: equal hashes count as equal rows."""
    import polars as pl
    older = pl.DataFrame({'id': pl.from_arrow(a['id']), 'h': pl.from_arrow(a.select(compared)).hash_rows()})
    newer = pl.DataFrame({'id': pl.from_arrow(b['id']), 'h': pl.from_arrow(b.select(compared)).hash_rows()})
    joined = newer.join(older, on='id', how='full', suffix='_old', coalesce=True)
    both = joined.filter(pl.col('h').is_not_null() & pl.col('h_old').is_not_null())
    return (int((both['h'] != both['h_old']).sum()), int(joined['h_old'].is_null().sum()),
            int(joined['h'].is_null().sum()))


def candidates(older: Path, newer: Path, expected: dict, rows: int, figures: Figures) -> None:
    """Each candidate in a process of its own: time, agreement with the counts as made, peak memory."""
    for name in CANDIDATES:
        if name == 'polars' and rows > 1_000_000:
            figures.add(f'candidate {name}', 'skipped', 'over 12 GB and 50 s at 10M rows when tried')
            continue
        runs = []
        for _ in range(3 if rows <= 1_000_000 else 1):
            done = subprocess.run([sys.executable, __file__, '--candidate', name, str(older), str(newer)],
                                  capture_output=True, text=True, cwd=ROOT)
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ['failed'])[-1]
                figures.add(f'candidate {name}', 'skipped', last[:60])
                break
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        if not runs:
            continue
        run = sorted(runs, key=lambda r: r['seconds'])[len(runs) // 2]
        counts = (run['changed'], run['added'], run['removed'])
        made = counts == (expected['changed'], expected['added'], expected['removed'])
        note = 'as made' if made else f'{counts[0]:,} / {counts[1]:,} / {counts[2]:,}'
        if name == 'engine-keyless':   # whole rows: a changed row is one removed and one added
            note = f'{counts[1]:,} added / {counts[2]:,} removed'
        figures.add(f'candidate {name} (median of {len(runs)}): counts {note}', ms(run['seconds']),
                    f"peak {mb(run['peak'])}, anonymous {mb(run['peak_anon'])}")


def candidate_main(name: str, older: Path, newer: Path) -> None:
    sys.path.insert(0, str(ROOT))
    with Memory() as memory:
        answer = run_candidate(name, older, newer)
    print(json.dumps({**answer, 'peak': memory.peak, 'peak_anon': memory.peak_anon}))


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == '--candidate':
        candidate_main(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rows', type=int, default=1_000_000)
    parser.add_argument('--candidates', action='store_true', help='also run the candidates side by side')
    args = parser.parse_args()
    figures = Figures(f'Diff: {args.rows:,} rows, 1% changed, 1,000 added, 1,000 removed')
    older, newer, expected = through_api(args, figures)
    try:
        if args.candidates:
            candidates(older, newer, expected, args.rows, figures)
    finally:
        older.unlink(missing_ok=True)
        newer.unlink(missing_ok=True)
    figures.print()


if __name__ == '__main__':
    main()
