"""Upload + ingest through the HTTP API against PyArrow's parser and the 2017 design (issue #4).

Prints each target as a ratio against a yardstick measured in the same run:
- upload+ingest time vs PyArrow's CSV reader on the same file (target <= 4x)
  and vs the 2017 design (target: at least 5x faster);
- server memory: peak growth during ingest (<= 1x file size) and what stays (<= 0.2x);
- the reader's fast and careful paths on clean and messy files (issue #3).

    python bench/ingest.py              # 1,000,000 rows, about 100 MB
    python bench/ingest.py --rows 10000000   # about 1 GB
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.csv as pacsv

from common import OUT, Figures, RssSampler, Server, data_file, mb, rss_bytes

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tsvcore import ingest as ingest_module  # noqa: E402


def pyarrow_parse_seconds(path: Path) -> float:
    """The yardstick: PyArrow's CSV reader, every column as text, from disk (page cache warm)."""
    names = path.open().readline().rstrip('\n').split('\t')
    times = []
    for _ in range(3):
        started = time.perf_counter()
        pacsv.read_csv(path, parse_options=pacsv.ParseOptions(delimiter='\t', quote_char=False),
                       convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}))
        times.append(time.perf_counter() - started)
    return sorted(times)[1]  # the median of three


def baseline_2017(path: Path, runs: int = 3) -> dict:
    """The 2017 design in its own process; the median of three runs (it varies by a second or more)."""
    results = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, str(Path(__file__).parent / 'baseline_2017.py'), str(path)],
                             capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout))
    return sorted(results, key=lambda r: r['seconds'])[len(results) // 2]


def upload(server: Server, path: Path, table_id: str | None = None) -> tuple[float, dict]:
    """Seconds from the first byte sent to the answer, and the answer.

    With curl when it is installed, the way the README's API examples upload:
    a Python client spends enough CPU on a 100 MB body to slow a 2-core
    server it shares the machine with. curl's own clock starts at the request.
    """
    if shutil.which('curl'):
        url = f'{server.url}/api/tables' + ('' if table_id is None else f'/{table_id}')
        out = subprocess.run(['curl', '-s', '-X', 'POST' if table_id is None else 'PUT', '--data-binary',
                              f'@{path}', '-w', '\n%{time_total}', f'{url}?name={path.name}'],
                             capture_output=True, text=True, check=True).stdout
        answer, seconds = out.rsplit('\n', 1)
        return float(seconds), json.loads(answer)
    with httpx.Client(timeout=600) as client, path.open('rb') as body:
        started = time.perf_counter()
        if table_id is None:
            r = client.post(f'{server.url}/api/tables', params={'name': path.name}, content=body)
        else:
            r = client.put(f'{server.url}/api/tables/{table_id}', params={'name': path.name}, content=body)
        elapsed = time.perf_counter() - started
    r.raise_for_status()
    return elapsed, r.json()


def app_ingest(path: Path, figures: Figures, yardstick: float, old: dict) -> None:
    """``old`` is the 2017 design's figures, or empty when it was skipped."""
    size = path.stat().st_size
    data_dir = Path(tempfile.mkdtemp(prefix='bench-ingest-', dir=OUT))
    server = Server(data_dir / 'data', MAX_UPLOAD_MB='4096').start()
    try:
        upload(server, data_file(1000), None)  # warm the process up (imports, first ingest)
        time.sleep(0.5)
        before = rss_bytes(server.process.pid)
        with RssSampler(server.process.pid) as sampler:
            seconds, answer = upload(server, path)
        time.sleep(2)
        after = rss_bytes(server.process.pid)
        repeats = [upload(server, path)[0] for _ in range(2)]
        seconds = sorted([seconds] + repeats)[1]  # the median of three uploads
        ratio = seconds / yardstick
        client = 'curl' if shutil.which('curl') else 'httpx'
        figures.add(f'upload + ingest through the API ({client})', f'{seconds:.2f} s', f'PyArrow parse {yardstick:.2f} s',
                    f'{ratio:.1f}x', '<= 4x', ratio <= 4)
        if old:
            speedup = old['seconds'] / seconds
            figures.add('  ... against the 2017 design', f'{seconds:.2f} s', f"2017 design {old['seconds']:.2f} s",
                        f'{speedup:.1f}x faster', '>= 5x faster', speedup >= 5)
        growth = (sampler.peak - before) / size
        allowed = 1.0 if size < 500e6 else 1.5e9 / size  # 1x the file; 1.5 GB for the 1 GB file
        figures.add('server memory: peak growth during ingest', mb(sampler.peak - before), f'file {mb(size)}',
                    f'{growth:.2f}x file', f'<= {allowed:.2g}x file', growth <= allowed)
        kept = (after - before) / size
        figures.add('server memory: growth that stays', mb(after - before), f'file {mb(size)}',
                    f'{kept:.2f}x file', '<= 0.2x file', kept <= 0.2)
        if old:
            figures.add('  2017 design: peak memory growth', mb(old['peak_growth_bytes']), f'file {mb(size)}',
                        f"{old['peak_growth_bytes'] / size:.1f}x file")
        print(f"ingested {answer['rows']:,} rows, columns {[c['type'] for c in answer['columns']]}", flush=True)
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def reader_paths(path: Path, figures: Figures, yardstick: float) -> None:
    """The rules must not cost the common case; the careful reader reads only around what needs it."""
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        tmp = Path(tmp)
        clean = _timed(lambda: ingest_module.ingest(path, tmp / 'clean', 'clean'))
        figures.add('reader, clean file (PyArrow throughout)', f'{clean[0]:.2f} s', f'PyArrow parse {yardstick:.2f} s',
                    f'{clean[0] / yardstick:.1f}x', '', None)
        messy = tmp / 'messy.tsv'
        with path.open('rb') as src, messy.open('wb') as dst:
            dst.write(src.readline())
            dst.write(b'1\t"a quote that never closes\t2\t3\t4\t5\t6\t7\t8\t9\n')
            shutil.copyfileobj(src, dst)
        careful = _timed(lambda: ingest_module.ingest(messy, tmp / 'messy', 'messy'))
        assert careful[1]['reader'] == 'careful'
        figures.add('reader, file with a broken quote (careful reader nearby)', f'{careful[0]:.2f} s',
                    f'PyArrow parse {yardstick:.2f} s', f'{careful[0] / yardstick:.1f}x', '', None)


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rows', type=int, default=1_000_000)
    parser.add_argument('--skip-baseline', action='store_true', help='do not run the 2017 design (slow on 1 GB)')
    parser.add_argument('--skip-paths', action='store_true', help='do not time the careful path')
    args = parser.parse_args()
    path = data_file(args.rows)
    size = path.stat().st_size
    figures = Figures(f'Ingest: {args.rows:,} rows, {mb(size)} TSV')
    yardstick = pyarrow_parse_seconds(path)
    old = {} if args.skip_baseline else baseline_2017(path)
    app_ingest(path, figures, yardstick, old)
    if not args.skip_paths:
        reader_paths(path, figures, yardstick)
    figures.print()


if __name__ == '__main__':
    main()
