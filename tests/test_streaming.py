"""Parsing while the upload arrives must give exactly what reading the file afterwards gives."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from tsvcore.reading.encoding import ByteScan
from tsvcore.reading.ingest import ingest
from tsvcore.reading.streaming import StreamedParse


def big_file(path: Path, rows: int, poison_at: int | None = None, poison: bytes = b'') -> Path:
    with path.open('wb') as f:
        f.write(b'id\tname\tcode\n')
        for i in range(rows):
            f.write(poison if i == poison_at else f'{i}\tname {i}\t{i:06d}\n'.encode())
    return path


def streamed_ingest(tmp_path: Path, src: Path, piece: int = 65536) -> tuple[dict, list]:
    scan, streamed = ByteScan(check_utf8=False), StreamedParse(tmp_path / 'stream')
    with src.open('rb') as f:
        while chunk := f.read(piece):
            scan.feed(chunk)
            streamed.feed(chunk)
    streamed.finish()
    try:
        meta = ingest(src, tmp_path / 'streamed', 'f.tsv', scan.finish(), streamed)
    finally:
        streamed.close()
    table = pa.ipc.open_file(pa.memory_map(str(tmp_path / 'streamed' / 'data.arrow'))).read_all()
    return meta, table.to_pylist()


def plain_ingest(tmp_path: Path, src: Path) -> tuple[dict, list]:
    meta = ingest(src, tmp_path / 'plain', 'f.tsv')
    return meta, pa.ipc.open_file(pa.memory_map(str(tmp_path / 'plain' / 'data.arrow'))).read_all().to_pylist()


def same(a: dict, b: dict) -> bool:
    keys = ('rows', 'columns', 'encoding', 'delimiter', 'warnings', 'reader')
    return {k: a[k] for k in keys} == {k: b[k] for k in keys}


def test_a_clean_multi_megabyte_file_parsed_while_arriving_matches_the_file(tmp_path):
    src = big_file(tmp_path / 'clean.tsv', 400_000)
    streamed, plain = streamed_ingest(tmp_path, src), plain_ingest(tmp_path, src)
    assert same(streamed[0], plain[0]) and streamed[1] == plain[1]
    assert streamed[0]['reader'] == 'fast' and streamed[0]['rows'] == 400_000


@pytest.mark.parametrize('poison, reader, row', [
    (b'x\t"two\nlines"\t1\n', 'fast', {'id': 'x', 'name': 'two\nlines', 'code': '1'}),     # a quote after a tab
    (b'"7"\tseven\t1\n', 'fast', {'id': '7', 'name': 'seven', 'code': '1'}),               # a quote opening a line
    (b'8\tsay "hi"\t1\n', 'fast', {'id': '8', 'name': 'say "hi"', 'code': '1'}),            # quotes inside text
    (b'9\t"open\t1\n', 'careful', {'id': '9', 'name': '"open', 'code': '1'}),               # a quote that never closes
    (b'10\t"ab"cd\t1\n', 'careful', {'id': '10', 'name': '"ab"cd', 'code': '1'}),           # text after a closing quote
], ids=['quoted-field', 'quote-opens-line', 'quotes-inside-text', 'unclosed', 'text-after-close'])
def test_a_late_quote_reads_the_same_streamed_and_only_a_malformed_one_needs_the_careful_reader(
        tmp_path, poison, reader, row):
    src = big_file(tmp_path / 'late.tsv', 400_000, poison_at=300_000, poison=poison)
    streamed, plain = streamed_ingest(tmp_path, src), plain_ingest(tmp_path, src)
    assert same(streamed[0], plain[0]) and streamed[1] == plain[1]
    assert streamed[0]['reader'] == reader
    assert row in streamed[1]


def test_a_late_legacy_byte_and_a_ragged_row_call_the_bet_off(tmp_path):
    for name, poison in (('latin.tsv', b'1\tcr\xe8me\t2\n'), ('ragged.tsv', b'1\t2\t3\t4\n'),
                         ('empty-lines.tsv', b'\n\n\r\n')):
        src = big_file(tmp_path / name, 300_000, poison_at=250_000, poison=poison)
        work = tmp_path / name.split('.')[0]
        work.mkdir()
        streamed, plain = streamed_ingest(work, src), plain_ingest(work, src)
        assert same(streamed[0], plain[0]) and streamed[1] == plain[1], name


def test_any_failure_inside_the_streamed_parse_calls_the_bet_off_instead_of_losing_rows(tmp_path, monkeypatch):
    """The parse runs on other threads; a surprise there must not leave a table with rows missing."""
    from tsvcore import UnreadableFile
    from tsvcore.reading.ingest import VersionWriter
    calls = []
    original = VersionWriter.add

    def flaky(self, piece):
        calls.append(piece.table.num_rows)
        if len(calls) == 2:
            raise UnreadableFile('surprise')
        return original(self, piece)
    monkeypatch.setattr(VersionWriter, 'add', flaky)
    src = big_file(tmp_path / 'clean.tsv', 400_000)
    streamed = StreamedParse(tmp_path / 'stream')
    with src.open('rb') as f:
        while chunk := f.read(65536):
            streamed.feed(chunk)
    streamed.finish()
    assert len(calls) >= 2 and streamed.result() is None
    streamed.close()
