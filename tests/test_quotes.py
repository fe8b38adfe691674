"""The fast reader gives exactly the careful reader's records, however the bytes are cut.

``reader.WindowReader`` sends what PyArrow reads exactly to PyArrow and the
rest to the careful reader; the careful reader alone (``records.parse_rows``
over the whole text) is the reference for rule 5. Random text made of the
pieces that make quoting hard must come out the same, record for record,
with the same counts of empty lines and literal quotes.
"""
from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsvcore.reading import reader as reader_module
from tsvcore.reading.reader import WindowReader
from tsvcore.reading.records import parse_rows

PIECES = ['a', 'b', 'é', '\t', ',', '\n', '\r', '\r\n', '"', '""', 'x y', '"q"', ',"', '",']


def reference(data: bytes, delimiter: str) -> tuple[list[list[str]], int, int]:
    found = parse_rows(data, 0, len(data), len(data), delimiter.encode(), True)
    rows = [[cell.decode() for cell in row] for row in found.rows]
    return rows, found.empty_lines, found.literal_quotes


def windowed(data: bytes, delimiter: str, stretch: int) -> tuple[list[list[str]], int, int]:
    reader = WindowReader(io.BytesIO(data), delimiter, stretch=stretch)
    rows: list[list[str]] = []
    for piece in reader.pieces():
        table = piece.table.to_pylist()
        widths = piece.widths or [piece.table.num_columns] * len(table)
        rows += [list(row.values())[:width] for row, width in zip(table, widths)]
    if reader.header is not None:
        rows.insert(0, reader.header)
    return rows, reader.empty_lines, reader.literal_quotes


@pytest.fixture(autouse=True)
def tiny_spans(monkeypatch):
    """Small enough that PyArrow's refusals are halved and the careful reader hands back quickly."""
    monkeypatch.setattr(reader_module, 'SMALLEST', 16)
    monkeypatch.setattr(reader_module, 'PYTHON_SPAN', 8)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60), st.sampled_from(['\t', ',', '']),
       st.sampled_from([1, 3, 8, 64, 4096]))
def test_windows_and_the_careful_reader_agree_on_random_text(pieces, delimiter, stretch):
    data = ''.join(pieces).encode()
    assert windowed(data, delimiter, stretch) == reference(data, delimiter)


@pytest.mark.parametrize('stretch', [5, 64, 1 << 20])
def test_a_broken_quote_among_good_ones_is_literal_and_the_rest_still_reads(stretch):
    lines = [b'id,name,city'] + [f'{i},"Smith, John {i}",Oslo'.encode() for i in range(300)]
    lines[100] = b'99,"unclosed name,Oslo'
    lines[200] = b'199,"ab"cd,Oslo'
    data = b'\r\n'.join(lines) + b'\r\n'
    rows, empty, literal = windowed(data, ',', stretch)
    assert (rows, empty, literal) == reference(data, ',')
    assert len(rows) == 301 and rows[100] == ['99', '"unclosed name', 'Oslo'] and rows[200] == ['199', '"ab"cd', 'Oslo']
    assert rows[101] == ['100', 'Smith, John 100', 'Oslo'] and literal == 2
