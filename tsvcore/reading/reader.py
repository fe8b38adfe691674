"""Reading a UTF-8 byte stream into Arrow tables of text cells, linear in its size whatever its quotes.

Stretches of the stream are judged by ``quotes.scan``: the records PyArrow
reads exactly (no quote at a field start, or well-formed quoted fields) go to
PyArrow's CSV reader, with quoting off or on; the records after a malformed
quote go to the careful reader (``records.parse_rows``) for a short stretch,
and then PyArrow takes over again. A stretch PyArrow refuses (ragged rows:
a row with a different number of fields) is halved and retried, so only the
few kilobytes around a ragged row are read in Python. Every byte is looked at
a bounded number of times, so a 100 MB file with one broken quote costs about
what a clean one does (bench/ingest.py prints the figures).

PyArrow reads each stretch on a thread of its own (``ARROW``) while the
next stretch's quotes are scanned, since the scan costs about as much as
PyArrow's read; the pieces still come out in the file's order.

The first record is the header; ``WindowReader.header`` holds it once the
first piece is out. Each piece is a table of text columns with the width of
its own rows, and, for pieces read in Python, each row's field count (the
writer pads short rows and widens the table for long ones).
"""
from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from . import quotes
from .records import Rows, parse_rows

STRETCH = 4 << 20        # bytes read at a time
PYTHON_SPAN = 64 << 10   # bytes handed to the careful reader after a malformed quote
SMALLEST = 64 << 10
# PyArrow needs some delimiter; for a one-column file, a control character no
# text holds. Should a line hold one after all, its row comes out too wide,
# PyArrow refuses the stretch, and the careful reader reads it exactly.
ONE_COLUMN = '\x01'
# PyArrow reads a stretch on this thread while the next stretch's quotes are
# scanned (numpy, 0.4 s for 117 MB of quoted CSV: as long as PyArrow's own
# single-threaded read). One worker for the process: stretches of one file
# must be read in order (a refusal can change the width the next one is read
# with), and two cores have no room for more.
ARROW = ThreadPoolExecutor(1, thread_name_prefix='arrow-read')
AHEAD = 1   # stretches handed to PyArrow and not yet taken back


@dataclass
class Piece:
    """Rows of the table: ``table`` holds them as text columns; ``widths`` each row's own field count
    when rows of different widths were padded to the widest (None: every row has the table's width)."""

    table: pa.Table
    widths: list[int] | None = None
    careful: bool = False   # read by the careful reader rather than PyArrow


def arrow_options(delimiter: str, width: int, quoted: bool,
                  use_threads: bool = True) -> tuple[pacsv.ReadOptions, pacsv.ParseOptions, pacsv.ConvertOptions]:
    """PyArrow's reader with every one of ``width`` fields as exact text, quoting on only where rule 5 agrees."""
    names = [f'f{i}' for i in range(width)]
    return (pacsv.ReadOptions(column_names=names, block_size=STRETCH + (1 << 20), use_threads=use_threads),
            pacsv.ParseOptions(delimiter=delimiter or ONE_COLUMN, quote_char='"' if quoted else False,
                               double_quote=quoted, escape_char=False, newlines_in_values=quoted,
                               ignore_empty_lines=True),
            pacsv.ConvertOptions(check_utf8=True, strings_can_be_null=False, quoted_strings_can_be_null=False,
                                 null_values=[], true_values=[], false_values=[], auto_dict_encode=False,
                                 column_types={n: pa.string() for n in names}, timestamp_parsers=[]))


@dataclass
class _Read:
    """What PyArrow made of a stretch on the ARROW thread: pieces, and the counts to add to the reader's."""

    pieces: list[Piece] = field(default_factory=list)
    empty_lines: int = 0
    literal_quotes: int = 0


def python_piece(rows: list[list[bytes]]) -> Piece:
    """Rows read by the careful reader as a table, padded to the widest row."""
    widths = [len(r) for r in rows]
    width = max(widths)
    if min(widths) != width:
        rows = [r + [b''] * (width - len(r)) for r in rows]
    columns = [pa.array(column, pa.binary()).cast(pa.string()) for column in zip(*rows)]
    table = pa.Table.from_arrays(columns, names=[f'f{i}' for i in range(width)])
    return Piece(table, widths if min(widths) != width else None, careful=True)


class WindowReader:
    """The records of a UTF-8 stream as pieces of Arrow tables; see the module's docstring.

    ``empty_lines`` and ``literal_quotes`` count what rule 3 skipped and rule 5
    kept as text; ``use_threads`` lets PyArrow parse one stretch on several
    cores (off when the caller runs its own stages in parallel).
    """

    def __init__(self, stream: BinaryIO, delimiter: str, use_threads: bool = True, stretch: int = STRETCH) -> None:
        self.stream = stream
        self.delimiter = delimiter
        self.delim = delimiter.encode()
        self.use_threads = use_threads
        self.stretch = stretch
        self.header: list[str] | None = None
        self.empty_lines = 0
        self.literal_quotes = 0
        self._width = 0

    def pieces(self) -> Iterator[Piece]:
        """Every piece in order; PyArrow reads one stretch on the ARROW thread while the next is scanned."""
        waiting: deque[Piece | Future] = deque()
        for item in self._stretches():
            waiting.append(item)
            while waiting and (len(waiting) > AHEAD or not isinstance(waiting[0], Future) or waiting[0].done()):
                yield from self._taken(waiting.popleft())
        while waiting:
            yield from self._taken(waiting.popleft())

    def _taken(self, item: Piece | Future) -> list[Piece]:
        if isinstance(item, Piece):
            return [item]
        read: _Read = item.result()
        self.empty_lines += read.empty_lines
        self.literal_quotes += read.literal_quotes
        return read.pieces

    def _stretches(self) -> Iterator[Piece | Future]:
        buf, eof = b'', False
        while not eof or buf:
            chunk = b'' if eof else self.stream.read(self.stretch)
            eof = eof or not chunk
            buf = buf + chunk if buf else chunk
            pos = yield from self._pieces_of(buf, eof)
            buf = buf[pos:]
            if eof and buf:  # cannot happen: at the end every byte is read; guard against a loop
                raise AssertionError('reader stalled at the end of the file')

    def _pieces_of(self, buf: bytes, eof: bool) -> Iterator[Piece | Future]:
        """Pieces from ``buf``; returns where the unread rest starts."""
        pos = 0
        raw = np.frombuffer(buf, np.uint8)
        span = len(buf)
        while pos < len(buf):
            if self.header is None:
                found = self._careful(buf, pos, pos + 1, len(buf), eof, max_rows=1)
                if not found.rows:
                    if found.end == pos:
                        return pos  # the header is not complete yet
                    pos = found.end
                    continue
                self.header = [cell.decode('utf-8') for cell in found.rows[0]]
                self._width = len(self.header)
                pos = found.end
                continue
            end = min(len(buf), pos + span)
            final = eof and end == len(buf)
            verdict = quotes.scan(raw[pos:end], self.delimiter, final)
            if verdict.safe:
                yield ARROW.submit(self._arrow, buf, pos, pos + verdict.safe, verdict, final)
                pos += verdict.safe
            if verdict.malformed or (not verdict.safe and end == len(buf) and len(buf) - pos > self.stretch):
                # a malformed quote, or one record longer than a stretch: the careful reader decides
                found = self._careful(buf, pos, pos + PYTHON_SPAN, len(buf), eof)
                if found.end == pos:
                    return pos  # it needs more bytes
                if found.rows:
                    yield python_piece(found.rows)
                pos = found.end
                span = PYTHON_SPAN  # look closely for a while: trouble comes in groups
                continue
            if end == len(buf):
                return pos  # the rest is an unfinished record
            span = span * 2 if verdict.safe else span * 4  # a record longer than the view: widen it
        return pos

    def _careful(self, buf: bytes, start: int, stop: int, end: int, final: bool,
                 max_rows: int | None = None) -> Rows:
        """The careful reader on ``buf[start:]`` (see ``records.parse_rows``), its counts added to ours."""
        found = parse_rows(buf, start, stop, end, self.delim, final, max_rows)
        self.empty_lines += found.empty_lines
        self.literal_quotes += found.literal_quotes
        return found

    def _arrow(self, buf: bytes, start: int, stop: int, verdict: quotes.Scan, final: bool) -> _Read:
        """On the ARROW thread: bytes ``[start, stop)``, whole records, through PyArrow; halves on refusal."""
        records = verdict.records + start
        unfinished = final and stop == len(buf) and buf[-1:] not in (b'\n', b'\r')
        read = _Read()
        self._arrow_part(buf, start, stop, verdict.quoted, records, unfinished, read)
        return read

    def _arrow_part(self, buf: bytes, start: int, stop: int, quoted: bool, records: np.ndarray,
                    unfinished: bool, read: _Read) -> None:
        inside = records[(records > start) & (records <= stop)]
        lines = len(inside) + (1 if unfinished and stop == len(buf) else 0)
        if lines == 0:
            return
        options = arrow_options(self.delimiter, self._width, quoted, self.use_threads)
        try:
            table = pacsv.read_csv(pa.py_buffer(buf).slice(start, stop - start), *options)
        except pa.ArrowInvalid:
            table = None
        if table is not None:
            read.empty_lines += lines - table.num_rows
            if table.num_rows:
                read.pieces.append(Piece(table))
            return
        if stop - start <= SMALLEST or len(inside) < 2:  # ragged rows: the careful reader reads them
            found = parse_rows(buf, start, stop, stop, self.delim, True)
            read.empty_lines += found.empty_lines
            read.literal_quotes += found.literal_quotes
            if found.rows:
                piece = python_piece(found.rows)
                if piece.widths is None:
                    self._width = piece.table.num_columns  # e.g. a trailing delimiter on every row
                read.pieces.append(piece)
            return
        middle = int(inside[len(inside) // 2 - 1])
        self._arrow_part(buf, start, middle, quoted, records, unfinished, read)
        self._arrow_part(buf, middle, stop, quoted, records, unfinished, read)
