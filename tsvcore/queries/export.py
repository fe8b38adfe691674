"""Writing a stored version (or a view of it) back out: TSV, CSV, JSON, Parquet, XLSX.

TSV quotes a cell only when it must (it holds a tab, a line break, or starts
with a quote), so a download re-uploads to the same table. A one-column table
has no tab to tell the reader the delimiter, so there a cell is also quoted
when it holds a comma, semicolon or pipe (else the sniffer would split on it),
an empty cell is written as ``""`` (an empty line is skipped), and a header
that reads like Excel's ``sep=`` line is quoted. CSV additionally defuses
spreadsheet formulas: a cell starting with = + - or @ gets a leading
apostrophe, in the CSV download only.

JSON is ``[{column: cell text}, ...]``, one row a line. Parquet and XLSX carry
each column's type where it converts without loss (``typed``), else text.

Memory stays at one batch whatever the view's size: TSV, CSV, JSON and
Parquet are generators of bytes, each run on one thread of its own (a Parquet
row group of at most 65,536 rows and 8 MB of cells at a time, written into a
sink that hands its bytes on). XLSX is a zip whose directory comes last and
no library streams one, so XlsxWriter writes it in ``constant_memory`` mode
(a row at a time) to a file under the store's staging directory, whose name is
removed before it is sent; a sheet holds at most 1,048,576 rows, so that file
is bounded.
"""
from __future__ import annotations

import io
import json
import os
import queue
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter
from xlsxwriter.exceptions import FileSizeError

from ..errors import BadParameter
from ..reading.types import BOOLEAN, DATE, DATETIME
from . import typed

TSV_NEEDS_QUOTES = re.compile(r'[\t\r\n]|^"')
CSV_NEEDS_QUOTES = re.compile(r'[,\r\n"]')
ONE_COLUMN_NEEDS_QUOTES = re.compile(r'[,;|\t\r\n]|^"|^$|^(?i:sep=)')
FORMULA_START = ('=', '+', '-', '@')
MEDIA_TYPES = {
    'tsv': 'text/tab-separated-values; charset=utf-8',
    'csv': 'text/csv; charset=utf-8',
    'json': 'application/json',
    'parquet': 'application/vnd.apache.parquet',
    'xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
}
FORMATS = tuple(MEDIA_TYPES)
XLSX_MAX_ROWS = 1_048_575     # Excel's 1,048,576 rows, less the header
XLSX_MAX_CHARS = 32_767       # Excel's longest cell (UTF-16 code units)
PARQUET_GROUP_BYTES = 8 << 20  # cell text per Parquet row group: big enough to read fast, small enough to hold
PARQUET_GROUP_ROWS = (1_024, 65_536)   # ...and within these rows, however narrow or wide the rows


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
    slice of the order, so memory stays at one batch. Arrow's ``Table.take``
    would first concatenate every column whole (per batch: a copy of the
    table, and quadratic time over a download), so each batch takes from the
    stored record batches its rows live in, then puts them back in order.
    """

    def __init__(self, table: pa.Table, order: pa.Array) -> None:
        self.table, self.order = table, order
        lengths = [len(chunk) for chunk in table.column(0).chunks] if table.num_columns else []
        self._starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if lengths else None

    @property
    def num_rows(self) -> int:
        return len(self.order)

    def to_batches(self, max_chunksize: int) -> Iterator[pa.RecordBatch]:
        for start in range(0, len(self.order), max_chunksize):
            wanted = self.order.slice(start, max_chunksize).to_numpy(zero_copy_only=False).astype(np.int64)
            yield pa.RecordBatch.from_arrays(self._take(wanted), schema=self.table.schema)

    def _take(self, wanted: np.ndarray) -> list[pa.Array]:
        """Each column's cells at row numbers ``wanted``, in that order, touching only their record batches."""
        if self._starts is None:
            return []
        chunk_of = np.searchsorted(self._starts, wanted, side='right') - 1
        grouped = np.argsort(chunk_of, kind='stable')          # positions, batch by batch
        runs = np.split(grouped, np.flatnonzero(np.diff(chunk_of[grouped])) + 1)
        local = [(int(chunk_of[run[0]]), pa.array(wanted[run] - self._starts[chunk_of[run[0]]])) for run in runs]
        back = np.empty_like(grouped)
        back[grouped] = np.arange(len(grouped))                # where each position went
        back_array = pa.array(back)
        return [pa.concat_arrays([column.chunk(c).take(rows) for c, rows in local]).take(back_array)
                for column in self.table.columns]


def export(table: pa.Table | Taken, names: list[str], fmt: str, batch_rows: int = 10_000) -> Iterator[bytes]:
    """Yield the file in UTF-8 pieces: header first, then rows, LF line ends."""
    cell, sep = _cell_writer(fmt, len(names) == 1), '\t' if fmt == 'tsv' else ','
    yield (sep.join(cell(n) for n in names) + '\n').encode()
    for batch in table.to_batches(max_chunksize=batch_rows):
        columns = [col.to_pylist() for col in batch.columns]
        lines = [sep.join(cell(c) for c in row) for row in zip(*columns)]
        if lines:
            yield ('\n'.join(lines) + '\n').encode()


Rows = pa.Table | Taken


@dataclass(frozen=True)
class Download:
    """What a download writes: the view's rows (only the chosen columns), their names and types."""

    rows: Rows
    names: list[str]
    kinds: list[str]   # each column's type (``types``), for the typed formats

    @classmethod
    def of(cls, table: pa.Table, meta: dict, order: pa.Array | None, picked: list[int]) -> Download:
        """``order`` from ``QueryEngine.order`` (None: every row in file order), ``picked`` from ``pick_columns``."""
        chosen = table.select(picked)
        columns = [meta['columns'][i] for i in picked]
        return cls(chosen if order is None else Taken(chosen, order),
                   [c['name'] for c in columns], [c['type'] for c in columns])

    @property
    def whole(self) -> pa.Table:
        """Every row of the version (chosen columns): what column types are decided on."""
        return self.rows.table if isinstance(self.rows, Taken) else self.rows


def pick_columns(meta: dict, raw: str | None) -> list[int]:
    """``columns=a,b`` (or a JSON array, for names holding a comma): which columns, in which order.

    Every column when absent; BadParameter naming an unknown or repeated name.
    """
    position = {c['name']: i for i, c in enumerate(meta['columns'])}
    if raw is None or not raw.strip():
        return list(position.values())
    wanted = _listed(raw)
    for name in wanted:
        if name not in position:
            raise BadParameter(f'There is no column named "{name[:80]}" to download.')
    if len(set(wanted)) < len(wanted):
        twice = next(name for i, name in enumerate(wanted) if name in wanted[:i])
        raise BadParameter(f'columns names "{twice[:80]}" twice.')
    return [position[name] for name in wanted]


def _listed(raw: str) -> list[str]:
    """A JSON array of names, or names separated by commas (names are trimmed, so spaces around go)."""
    text = raw.strip()
    if not text.startswith('['):
        return [part.strip() for part in text.split(',')]
    try:
        values = json.loads(text)
    except ValueError:
        raise BadParameter(f'columns "{raw[:60]}" is not a JSON array.') from None
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise BadParameter('columns takes a JSON array of names or names separated by commas.')
    return values


def stream(download: Download, fmt: str) -> Iterator[bytes]:
    """The file in pieces, for 'tsv', 'csv', 'json' and 'parquet' (XLSX: ``write_xlsx``), made on a thread
    of its own (``in_own_thread``)."""
    if fmt in ('tsv', 'csv'):
        return in_own_thread(export(download.rows, download.names, fmt))
    if fmt == 'json':
        return in_own_thread(export_json(download.rows, download.names))
    if fmt == 'parquet':
        return in_own_thread(export_parquet(download))
    raise BadParameter(f'format must be one of {", ".join(FORMATS)}.')


_DONE = object()


def in_own_thread(pieces: Iterator[bytes], ahead: int = 2) -> Iterator[bytes]:
    """``pieces`` made on one thread of their own, at most ``ahead`` made before they are taken.

    Why: a web server runs each step of a generator on whichever of its
    worker threads is free, and glibc gives each thread an arena of its own
    that keeps what the thread freed. Spread over 16 threads, a million-row
    Parquet download left 16 row groups' worth behind (+210 MB, against
    +34 MB on one thread). The thread starts at the first piece asked for and
    ends when the last is taken, or when the taker stops (a client that hung up).
    """
    handoff: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def hand(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def make() -> None:
        try:
            for piece in pieces:
                if not hand(piece):
                    return
            hand(_DONE)
        except Exception as error:  # handed to the taker, who raises it
            hand(error)
        finally:
            close = getattr(pieces, 'close', None)
            if close is not None:
                close()   # a generator is closed by the thread that ran it

    threading.Thread(target=make, name='download', daemon=True).start()
    try:
        while (item := handoff.get()) is not _DONE:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()


def export_json(rows: Rows, names: list[str], batch_rows: int = 10_000) -> Iterator[bytes]:
    """``[{"name": "cell", ...},\n{...}]``: every value the cell's text, one row a line, UTF-8."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    yield b'['
    separator = ''
    for batch in rows.to_batches(max_chunksize=batch_rows):
        columns = [col.to_pylist() for col in batch.columns]
        objects = ',\n'.join(encode(dict(zip(names, row))) for row in zip(*columns))
        if objects:
            yield (separator + objects).encode()
            separator = ',\n'
    yield b']\n'


class _Sink(io.RawIOBase):
    """A write-only file that keeps what was written until ``take`` hands it on (Parquet's output)."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self._written = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    def take(self) -> bytes:
        data, self._parts = b''.join(self._parts), []
        return data


def export_parquet(download: Download) -> Iterator[bytes]:
    """A Parquet file, a row group at a time: each group's bytes leave before the next is read."""
    whole = download.whole
    fewest, most = PARQUET_GROUP_ROWS
    group_rows = max(fewest, min(most, PARQUET_GROUP_BYTES * max(whole.num_rows, 1) // max(whole.nbytes, 1)))
    types = [typed.plan(whole.column(i), kind) for i, kind in enumerate(download.kinds)]
    schema = pa.schema([pa.field(name, to) for name, to in zip(download.names, types)])
    sink = _Sink()
    with pq.ParquetWriter(sink, schema) as writer:
        for group in _regrouped(download.rows, group_rows):
            columns = [typed.convert(group.column(i), kind, to)
                       for i, (kind, to) in enumerate(zip(download.kinds, types))]
            writer.write_table(pa.Table.from_arrays(columns, schema=schema))
            yield sink.take()
    yield sink.take()  # the footer


def _regrouped(rows: Rows, group_rows: int) -> Iterator[pa.Table]:
    """The rows in tables of about ``group_rows`` (stored batches may be smaller than a good row group)."""
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in rows.to_batches(max_chunksize=group_rows):
        pending.append(batch)
        count += batch.num_rows
        if count >= group_rows:
            yield pa.Table.from_batches(pending)
            pending, count = [], 0
    if pending:
        yield pa.Table.from_batches(pending)


def write_xlsx(download: Download, path: Path, tmpdir: Path, batch_rows: int = 10_000) -> None:
    """An XLSX file at ``path``: a header row, then the rows with numbers, dates and booleans typed.

    Text is always written as a string, never a formula (``=1+1`` stays text).
    Refuses (BadParameter) a view over Excel's rows or a cell over its length.
    """
    total = download.rows.num_rows
    if total > XLSX_MAX_ROWS:
        raise BadParameter(f'This view has {total:,} rows; a spreadsheet holds at most {XLSX_MAX_ROWS:,} below '
                           'its header. Filter the view to fewer rows, or download it as CSV.')
    whole = download.whole
    types = [typed.plan(whole.column(i), kind, excel=True) for i, kind in enumerate(download.kinds)]
    book = xlsxwriter.Workbook(str(path), {'constant_memory': True, 'tmpdir': str(tmpdir),
                                           'strings_to_numbers': False, 'strings_to_formulas': False,
                                           'strings_to_urls': False})
    try:
        sheet = book.add_worksheet()
        sheet.freeze_panes(1, 0)
        header = [_cell_writer_xlsx(book, sheet, typed.STRING, '', name) for name in download.names]
        writers = [_cell_writer_xlsx(book, sheet, to, kind, name)
                   for kind, to, name in zip(download.kinds, types, download.names)]
        for c, (write, name) in enumerate(zip(header, download.names)):
            write(0, c, name)
        r = 1
        for batch in download.rows.to_batches(max_chunksize=batch_rows):
            columns = [typed.convert(batch.column(i), kind, to).to_pylist()
                       for i, (kind, to) in enumerate(zip(download.kinds, types))]
            for values in zip(*columns):   # row by row: constant_memory flushes a row once the next begins
                for c, value in enumerate(values):
                    if value is not None:
                        writers[c](r, c, value)
                r += 1
        book.close()
    except FileSizeError:
        path.unlink(missing_ok=True)
        raise BadParameter('This view makes a spreadsheet file over 4 GB; filter it or download it as CSV.') from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _cell_writer_xlsx(book: xlsxwriter.Workbook, sheet, to: pa.DataType, kind: str,
                      name: str) -> Callable[[int, int, object], object]:
    """How one (non-null) value of column ``name`` is written: a string, number, boolean or dated number."""
    if to == typed.STRING:
        def text(r: int, c: int, value: str) -> None:
            if sheet.write_string(r, c, value) == -2:  # XlsxWriter cut it to Excel's longest cell
                raise BadParameter(f'Column "{name[:80]}" has a cell longer than a spreadsheet cell holds '
                                   f'({XLSX_MAX_CHARS:,} characters), in row {r:,} of the view; '
                                   'download it as CSV.')
        return text
    if kind == BOOLEAN:
        return sheet.write_boolean
    if kind in (DATE, DATETIME):
        shown = book.add_format({'num_format': 'yyyy-mm-dd' if kind == DATE else 'yyyy-mm-dd hh:mm:ss'})
        return lambda r, c, value: sheet.write_datetime(r, c, value, shown)
    return sheet.write_number


def opened_and_removed(path: Path) -> tuple[BinaryIO, int]:
    """A written file opened for sending and its size; its name is gone at once, so nothing is left behind
    however the sending ends (the bytes go when the file is closed)."""
    handle = path.open('rb')
    size = os.fstat(handle.fileno()).st_size
    path.unlink(missing_ok=True)
    return handle, size
