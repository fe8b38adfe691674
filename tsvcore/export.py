"""Writing a stored version back out as TSV or CSV, a batch at a time.

TSV quotes a cell only when it must (it holds a tab, a line break, or starts
with a quote), so a download re-uploads to the same table. CSV additionally
defuses spreadsheet formulas: a cell starting with = + - or @ gets a leading
apostrophe, in the CSV download only.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import pyarrow as pa

TSV_NEEDS_QUOTES = re.compile(r'[\t\r\n]|^"')
CSV_NEEDS_QUOTES = re.compile(r'[,\r\n"]')
FORMULA_START = ('=', '+', '-', '@')


def _tsv_cell(cell: str) -> str:
    if TSV_NEEDS_QUOTES.search(cell):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _csv_cell(cell: str) -> str:
    if cell.startswith(FORMULA_START):
        cell = "'" + cell
    if CSV_NEEDS_QUOTES.search(cell):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def export(table: pa.Table, names: list[str], fmt: str, batch_rows: int = 10_000) -> Iterator[bytes]:
    """Yield the file in UTF-8 pieces: header first, then rows, LF line ends."""
    cell, sep = (_tsv_cell, '\t') if fmt == 'tsv' else (_csv_cell, ',')
    yield (sep.join(cell(n) for n in names) + '\n').encode()
    for batch in table.to_batches(max_chunksize=batch_rows):
        columns = [col.to_pylist() for col in batch.columns]
        lines = [sep.join(cell(c) for c in row) for row in zip(*columns)]
        if lines:
            yield ('\n'.join(lines) + '\n').encode()
