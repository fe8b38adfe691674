"""Writing a stored version back out as TSV or CSV, a batch at a time.

TSV quotes a cell only when it must (it holds a tab, a line break, or starts
with a quote), so a download re-uploads to the same table. A one-column table
has no tab to tell the reader the delimiter, so there a cell is also quoted
when it holds a comma, semicolon or pipe (else the sniffer would split on it),
an empty cell is written as ``""`` (an empty line is skipped), and a header
that reads like Excel's ``sep=`` line is quoted. CSV additionally defuses
spreadsheet formulas: a cell starting with = + - or @ gets a leading
apostrophe, in the CSV download only.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pyarrow as pa

TSV_NEEDS_QUOTES = re.compile(r'[\t\r\n]|^"')
CSV_NEEDS_QUOTES = re.compile(r'[,\r\n"]')
ONE_COLUMN_NEEDS_QUOTES = re.compile(r'[,;|\t\r\n]|^"|^$|^(?i:sep=)')
FORMULA_START = ('=', '+', '-', '@')


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


def _cell_writer(fmt: str, one_column: bool) -> Callable[[str], str]:
    """How one cell is written in ``fmt`` ('tsv' or 'csv')."""
    needs_quotes = TSV_NEEDS_QUOTES if fmt == 'tsv' else CSV_NEEDS_QUOTES

    def write(cell: str) -> str:
        if fmt == 'csv' and cell.startswith(FORMULA_START):
            cell = "'" + cell
        if needs_quotes.search(cell) or (one_column and ONE_COLUMN_NEEDS_QUOTES.search(cell)):
            return _quoted(cell)
        return cell
    return write


class Taken:
    """The rows of ``table`` at ``order`` (a view: sorted, searched, filtered), a batch at a time.

    A view of ten million rows is never taken whole: each batch takes its own
    slice of the order, so memory stays at one batch.
    """

    def __init__(self, table: pa.Table, order: pa.Array) -> None:
        self.table, self.order = table, order

    def to_batches(self, max_chunksize: int) -> Iterator[pa.RecordBatch]:
        for start in range(0, len(self.order), max_chunksize):
            part = self.table.take(self.order.slice(start, max_chunksize))
            yield from part.combine_chunks().to_batches()


def export(table: pa.Table | Taken, names: list[str], fmt: str, batch_rows: int = 10_000) -> Iterator[bytes]:
    """Yield the file in UTF-8 pieces: header first, then rows, LF line ends."""
    cell, sep = _cell_writer(fmt, len(names) == 1), '\t' if fmt == 'tsv' else ','
    yield (sep.join(cell(n) for n in names) + '\n').encode()
    for batch in table.to_batches(max_chunksize=batch_rows):
        columns = [col.to_pylist() for col in batch.columns]
        lines = [sep.join(cell(c) for c in row) for row in zip(*columns)]
        if lines:
            yield ('\n'.join(lines) + '\n').encode()
