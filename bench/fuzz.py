"""Fuzz the reader with atheris: any exception but the reader's own refusal is a bug.

Each input is ingested as an upload would be, then checked: every row as wide
as the header, the row count as reported, and the streamed parse (the bet made
while an upload arrives) agreeing with the ordinary read. Bounded in time;
prints how many inputs ran. An input that fails is saved to
tests/regressions/ so that tests/test_regressions.py keeps it fixed.

    pip install atheris==3.0.0
    python bench/fuzz.py --seconds 300
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

with atheris.instrument_imports():
    import pyarrow as pa

    from tsvcore.reading.encoding import ByteScan
    from tsvcore.errors import UnreadableFile
    from tsvcore.reading.ingest import ingest
    from tsvcore.reading.streaming import StreamedParse

WORK = Path(tempfile.mkdtemp(prefix='tsv-fuzz-'))
REGRESSIONS = ROOT / 'tests' / 'regressions'


def read_back(out: Path) -> pa.Table:
    return pa.ipc.open_file(pa.memory_map(str(out / 'data.arrow'))).read_all()


def check(data: bytes) -> None:
    """Raise AssertionError (or anything else) when the reader misbehaves."""
    src = WORK / 'input'
    src.write_bytes(data)
    shutil.rmtree(WORK / 'plain', ignore_errors=True)
    shutil.rmtree(WORK / 'streamed', ignore_errors=True)
    try:
        meta = ingest(src, WORK / 'plain', 'fuzz.tsv')
    except UnreadableFile:
        return
    table = read_back(WORK / 'plain')
    assert table.num_rows == meta['rows']
    assert table.num_columns == len(meta['columns']) >= 1
    assert all(t in {'integer', 'number', 'date', 'datetime', 'boolean', 'text'} for t in
               (c['type'] for c in meta['columns']))
    scan, streamed = ByteScan(check_utf8=False), StreamedParse(WORK / 'stream')
    for i in range(0, len(data), 7):  # odd pieces, as a network delivers them
        scan.feed(data[i:i + 7])
        streamed.feed(data[i:i + 7])
    streamed.finish()
    try:
        again = ingest(src, WORK / 'streamed', 'fuzz.tsv', scan.finish(), streamed)
    finally:
        streamed.close()
    keep = ('rows', 'columns', 'encoding', 'delimiter', 'warnings', 'reader')
    assert {k: again[k] for k in keep} == {k: meta[k] for k in keep}
    assert read_back(WORK / 'streamed').equals(table)


def test_one_input(data: bytes) -> None:
    try:
        check(data)
    except Exception:
        REGRESSIONS.mkdir(exist_ok=True)
        (REGRESSIONS / f'{hashlib.sha1(data).hexdigest()[:12]}.bin').write_bytes(data)
        raise


def seeds(corpus: Path) -> None:
    corpus.mkdir(exist_ok=True)
    samples = [b'a\tb\n1\t2\n', b'"a"\t"b"\r\n"x\ty"\t2\r\n', b'a,b\n"1,2",3\n', b'a;b\n1;2\n', b'x|y\n1|2\n',
               b'\xef\xbb\xbfid\tname\n1\tcr\xc3\xa8me\n', 'a\tb\n\u00e9\t1\n'.encode('utf-16'),
               b'a\tb\n"unclosed\t1\n2\t3\n', b'n\n007\n1e3\nNA\n', b'd\n2024-01-02\n2024-02-30\n',
               b'a\tb\tc\n1\n1\t2\t3\t4\n\n\r\n', 'name\ncr\u00e8me\n'.encode('cp1252')]
    for i, sample in enumerate(samples):
        (corpus / f'seed{i}').write_bytes(sample)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--seconds', type=int, default=300)
    args, rest = parser.parse_known_args()
    corpus = WORK / 'corpus'
    seeds(corpus)
    atheris.Setup([sys.argv[0], f'-max_total_time={args.seconds}', '-max_len=4096', '-print_final_stats=1',
                   str(corpus), *rest], test_one_input)
    atheris.Fuzz()


if __name__ == '__main__':
    main()
