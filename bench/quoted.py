"""Quoted CSVs as fast as clean TSVs (issue #12, section 1), through the HTTP API with curl.

Three files of the same cells, side by side in one run:
- the benchmark TSV (no quotes at a field start: PyArrow reads it with quoting off);
- the same cells as a CSV quoted where needed (QUOTE_MINIMAL, as Python's
  csv.writer and most exports write it: the note column holds commas and quotes);
- that CSV with one quote that never closes, early in the file (rule 5: literal text).

Yardstick: PyArrow's read_csv of the well-formed CSV, every column as text,
in the same run. Targets: quoted <= 2x clean and <= 6x PyArrow; one broken
quote <= 10x PyArrow. Also a header and 20 rows of 10,000 columns (<= 1 s).

    python bench/quoted.py                  # 1,000,000 rows, about 100 MB
    python bench/quoted.py --rows 100000    # quicker
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from common import OUT, Figures, Server, data_file, mb
from ingest import upload


def quoted_copy(tsv: Path) -> Path:
    """The TSV's cells as a CSV quoted where needed."""
    path = tsv.with_name(tsv.stem + '-quoted.csv')
    if not path.exists():
        names = tsv.open().readline().rstrip('\n').split('\t')
        table = pacsv.read_csv(tsv, parse_options=pacsv.ParseOptions(delimiter='\t', quote_char=False),
                               convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}))
        pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style='needed'))
    return path


def broken_copy(csv: Path, at_line: int = 1000) -> Path:
    """The CSV with one field that opens a quote and never closes it, ``at_line`` lines in."""
    path = csv.with_name(csv.stem + '-broken.csv')
    if not path.exists():
        with csv.open('rb') as src, path.open('wb') as dst:
            for _ in range(at_line):
                dst.write(src.readline())
            line = src.readline()
            dst.write(line.replace(b',', b',"never closed ', 1))
            shutil.copyfileobj(src, dst)
    return path


def wide_file(columns: int = 10_000, rows: int = 20) -> Path:
    path = OUT / f'wide-{columns}x{rows}.tsv'
    if not path.exists():
        lines = ['\t'.join(f'c{i}' for i in range(columns))]
        lines += ['\t'.join(str(r * i) for i in range(columns)) for r in range(rows)]
        path.write_text('\n'.join(lines) + '\n')
    return path


def pyarrow_seconds(csv: Path) -> float:
    names = csv.open().readline().rstrip('\n').split(',')
    times = []
    for _ in range(3):
        started = time.perf_counter()
        pacsv.read_csv(csv, convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                                 strings_can_be_null=False))
        times.append(time.perf_counter() - started)
    return sorted(times)[1]


def median_upload(server: Server, path: Path) -> tuple[float, dict]:
    runs = []
    for _ in range(3):
        runs.append(upload(server, path))
        originals_compressed(server)
    runs.sort(key=lambda run: run[0])
    return runs[1]


def originals_compressed(server: Server, timeout: float = 30.0) -> None:
    """Wait for the server to compress the uploads' originals, which it does after answering.

    The figure is the wait of one upload; a burst of back-to-back uploads would
    also share the cores with the compression of the one before.
    """
    deadline = time.monotonic() + timeout
    while any(server.data_dir.glob('tables/*/versions/*/original')) and time.monotonic() < deadline:
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rows', type=int, default=1_000_000)
    args = parser.parse_args()
    clean = data_file(args.rows)
    quoted = quoted_copy(clean)
    broken = broken_copy(quoted)
    figures = Figures(f'Quoted files: {args.rows:,} rows; TSV {mb(clean.stat().st_size)}, '
                      f'quoted CSV {mb(quoted.stat().st_size)}')
    yardstick = pyarrow_seconds(quoted)
    data_dir = Path(tempfile.mkdtemp(prefix='bench-quoted-', dir=OUT))
    server = Server(data_dir / 'data', MAX_UPLOAD_MB='4096').start()
    try:
        upload(server, data_file(1000))  # warm the process up
        clean_s, clean_answer = median_upload(server, clean)
        quoted_s, quoted_answer = median_upload(server, quoted)
        broken_s, broken_answer = median_upload(server, broken)
        wide_s, wide_answer = median_upload(server, wide_file())
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    assert clean_answer['rows'] == quoted_answer['rows'] == broken_answer['rows'] == args.rows
    figures.add('clean TSV, upload + ingest (curl)', f'{clean_s:.2f} s', f'PyArrow, quoted CSV {yardstick:.2f} s',
                f'{clean_s / yardstick:.1f}x')
    figures.add('quoted CSV, the same cells', f'{quoted_s:.2f} s', f'clean TSV {clean_s:.2f} s',
                f'{quoted_s / clean_s:.1f}x', '<= 2x', quoted_s <= 2 * clean_s)
    figures.add('  ... against PyArrow', f'{quoted_s:.2f} s', f'PyArrow {yardstick:.2f} s',
                f'{quoted_s / yardstick:.1f}x', '<= 6x', quoted_s <= 6 * yardstick)
    figures.add('quoted CSV with one quote that never closes', f'{broken_s:.2f} s', f'PyArrow {yardstick:.2f} s',
                f'{broken_s / yardstick:.1f}x', '<= 10x', broken_s <= 10 * yardstick)
    figures.add('10,000 columns x 20 rows', f'{wide_s:.2f} s', '', '', '<= 1 s', wide_s <= 1)
    figures.print()
    print('warnings of the broken file:', broken_answer['warnings'])


if __name__ == '__main__':
    main()
