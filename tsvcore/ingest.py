"""Turning an uploaded file on disk into an immutable, columnar version.

Two paths give the same cells. The fast path hands clean files (no field that
starts with a quote, the same number of fields on every line) to PyArrow's CSV
reader with quoting off and every column read as exact text. Anything else
takes the careful path, the hand-written tokenizer, which keeps every byte.
Either way batches stream into an Arrow IPC file, so memory stays bounded by a
batch, not by the file.
"""
from __future__ import annotations

import ctypes
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from . import encoding as enc
from .errors import UnreadableFile
from .tokenizer import LINE_BREAK, Records, sniff_delimiter
from .types import TypeGuesser

if TYPE_CHECKING:
    from .streaming import StreamedParse

DATA_FILE = 'data.arrow'
META_FILE = 'meta.json'
BATCH_ROWS = 65_536
FAST_BLOCK = 1 << 20
MAX_COLUMNS = 10_000
MAX_CELL_BYTES = 10 * 1024 * 1024
# Arrow's bundled mimalloc keeps freed segments (about 50 MB after a 100 MB
# ingest) that release_unused() does not hand back; the system allocator returns
# them (malloc_trim) and measured no slower here. Tables live on disk, so what a
# parse allocated should not stay in the process.
pa.set_memory_pool(pa.system_memory_pool())
POOL = pa.default_memory_pool()


def _libc_sync_file_range():
    try:
        fn = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    return fn


_SYNC_FILE_RANGE = _libc_sync_file_range()
SYNC_FILE_RANGE_WRITE = 2


def start_writeback(path: Path) -> None:
    """Have the kernel start writing what the file holds so far, without waiting for it.

    A version is fsynced before it is committed; writing a 100 MB file back
    while it is still being produced leaves that fsync little to do (it took
    0.04 s of a 0.6 s upload). Linux only; elsewhere the fsync does it all.
    """
    if _SYNC_FILE_RANGE is None:
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        _SYNC_FILE_RANGE(fd, 0, 0, SYNC_FILE_RANGE_WRITE)
    finally:
        os.close(fd)


class NeedsCarefulPath(Exception):
    """The fast path met something only the careful path reads right."""


@dataclass
class Shape:
    """What parsing found, for the warnings and the metadata."""

    rows: int = 0
    empty_lines: int = 0
    short_rows: int = 0
    long_rows: int = 0
    literal_quotes: int = 0
    renamed: int = 0
    added_columns: list[str] = field(default_factory=list)


def header_names(cells: list[str], width: int) -> tuple[list[str], int]:
    """Rule 6: trimmed names; empty -> column_N; repeats -> name_2, name_3...

    Returns the names and how many had to be invented or changed.
    """
    raw = [c.strip() for c in cells] + [''] * (width - len(cells))
    names = [n or f'column_{i + 1}' for i, n in enumerate(raw)]
    taken = set(names)
    seen: set[str] = set()
    result = []
    changed = sum(1 for n in raw if not n)
    for name in names:
        if name in seen:
            k = 2
            while f'{name}_{k}' in taken:
                k += 1
            new = f'{name}_{k}'
            taken.add(new)
            changed += 1
            name = new
        seen.add(name)
        result.append(name)
    return result, changed


def read_head(path: Path, skip: int, size: int = 1 << 20) -> str:
    """The beginning of a UTF-8 file as the sniffer sees it."""
    with path.open('rb') as f:
        f.seek(skip)
        data = f.read(size)
    return head_text(data, complete=len(data) < size)


def head_text(data: bytes, complete: bool) -> str:
    """Decoded head bytes, cut at the last line break unless they are the whole file."""
    text = data.decode('utf-8', errors='ignore')
    if not complete:
        last = max(text.rfind('\n'), text.rfind('\r'))
        if last >= 0:
            text = text[:last - 1 if text.endswith('\r\n', 0, last + 1) else last]
    return text


def first_width(head: str, delimiter: str) -> int:
    """Fields on the first non-empty line, read without quoting (the fast path's view)."""
    for line in LINE_BREAK.split(head):
        if line:
            return len(line.split(delimiter))
    return 1


def ingest(upload: Path, out_dir: Path, name: str, scan: enc.ByteScan | None = None,
           streamed: 'StreamedParse | None' = None) -> dict:
    """Read ``upload`` into ``out_dir`` (data.arrow + meta.json); return the metadata.

    ``scan`` is the byte scan made while the upload streamed in, if there was
    one; otherwise the file is scanned here. ``streamed`` is the fast path run
    while the upload arrived; its result is used only where this function
    would have taken the fast path with the same decisions. Raises UnreadableFile with a
    sentence for a person when the file cannot become a table. ``out_dir`` is
    a staging directory: the store decides whether it becomes a version.
    """
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    stats = scan or enc.ByteScan.of_file(upload)
    if stats.utf8 is None and streamed is not None and streamed.result() is not None:
        stats.utf8 = True  # the streamed parse read every byte as UTF-8 (PyArrow checks it)
    encoding = enc.detect(stats, upload)
    source, skip = upload, encoding.skip
    if encoding.codec != 'utf-8':
        source, skip = out_dir / 'source.utf8', 0
        stats = enc.transcode_to_utf8(upload, encoding, source)
    try:
        if not stats.has_content:
            raise UnreadableFile('The file has no content: it holds only white space and line breaks.')
        head = read_head(source, skip)
        delimiter = sniff_delimiter(head)
        data_path = out_dir / DATA_FILE
        reader = 'fast'
        try:
            if not delimiter:
                raise NeedsCarefulPath
            bet = streamed.result() if streamed is not None and source == upload else None
            if bet is not None and bet[0] == delimiter:
                names, types, shape = bet[1]
                streamed.data_path.rename(data_path)
            else:
                names, types, shape = _fast_path(source, skip, delimiter, data_path, first_width(head, delimiter))
            shape.empty_lines = max(0, stats.lines - shape.rows - 1)
        except NeedsCarefulPath:
            reader = 'careful'
            names, types, shape = _careful_path(source, skip, delimiter, data_path)
    finally:
        if source != upload:
            source.unlink(missing_ok=True)
    meta = {
        'name': name,
        'rows': shape.rows,
        'columns': [{'name': n, 'type': t} for n, t in zip(names, types)],
        'encoding': encoding.label,
        'delimiter': delimiter,
        'warnings': _warnings(encoding, shape),
        'reader': reader,
        'bytes': upload.stat().st_size,
        'uploaded_at': time.time(),
        'ingest_seconds': round(time.perf_counter() - started, 3),
    }
    (out_dir / META_FILE).write_text(json.dumps(meta, ensure_ascii=False))
    POOL.release_unused()  # hand the parse's memory back; the version lives on disk now
    return meta


def _warnings(encoding: enc.Encoding, shape: Shape) -> list[str]:
    """Plain sentences for every fallback the reading took."""
    notes = []
    if encoding.codec != 'utf-8':
        notes.append(f'Read as {encoding.label}.')
    if shape.empty_lines:
        notes.append(_count(shape.empty_lines, 'empty line was', 'empty lines were') + ' skipped.')
    if shape.short_rows:
        notes.append(_count(shape.short_rows, 'short row was', 'short rows were') + ' padded with empty cells.')
    if shape.long_rows:
        added = ', '.join(shape.added_columns[:5]) + ('...' if len(shape.added_columns) > 5 else '')
        notes.append(_count(shape.long_rows, 'row had', 'rows had') +
                     f' more cells than the header; columns were added ({added}).')
    if shape.literal_quotes:
        notes.append(_count(shape.literal_quotes, 'field starts', 'fields start') +
                     ' with a quote that does not close; it was kept as text.')
    if shape.renamed:
        notes.append(_count(shape.renamed, 'column name was', 'column names were') + ' empty or repeated and renamed.')
    return notes


def _count(n: int, one: str, many: str) -> str:
    return f'{n:,} {one if n == 1 else many}'


def _check_cells(columns: list, names: list[str]) -> None:
    """Refuse a cell over the limit: one such cell would make every page that shows it huge."""
    for name, column in zip(names, columns):
        if len(column) and pc.max(pc.binary_length(column)).as_py() > MAX_CELL_BYTES:
            raise UnreadableFile(f'A cell in column "{name[:80]}" is larger than '
                                 f'{MAX_CELL_BYTES // (1024 * 1024)} MB; that is more than a table cell can show.')


def _check_width(width: int) -> None:
    if width > MAX_COLUMNS:
        raise UnreadableFile(f'The file has {width:,} columns; at most {MAX_COLUMNS:,} are supported.')


def _fast_path(source: Path, skip: int, delimiter: str, data_path: Path,
               width: int) -> tuple[list[str], list[str], Shape]:
    """Clean files through PyArrow with quoting off and every cell as text.

    Every column is declared a string up front: left to itself PyArrow would
    infer types and turn 007 into 7.
    """
    with source.open('rb') as f:
        f.seek(skip)
        return fast_from_stream(f, delimiter, data_path, width)


class FastWriter:
    """The fast path's per-batch work: refuse quotes, take the header, guess types, write.

    Fed PyArrow record batches in file order (first batch first, header row
    included), from a file or from an upload as it arrives.
    """

    def __init__(self, data_path: Path) -> None:
        self.data_path = data_path
        self.shape = Shape()
        self.names: list[str] = []
        self._schema = pa.schema([])
        self._guesser = TypeGuesser(0)
        self._writer: pa.ipc.RecordBatchFileWriter | None = None

    def add(self, part: pa.RecordBatch | pa.Table, quotes_possible: bool = True) -> None:
        """Raises NeedsCarefulPath when a field starts with a quote.

        A table (several batches) is checked in one call per column, far fewer
        calls than batch by batch. ``quotes_possible=False`` says the caller
        already knows from the raw bytes that no field starts with a quote.
        """
        if quotes_possible and _any_starts_with_quote(part):
            raise NeedsCarefulPath
        if self._writer is None:
            if part.num_rows == 0:
                return
            _check_width(part.num_columns)
            header = [part.column(i)[0].as_py() for i in range(part.num_columns)]
            self.names, self.shape.renamed = header_names(header, part.num_columns)
            self._schema = pa.schema([pa.field(n, pa.string()) for n in self.names])
            self._guesser = TypeGuesser(len(self.names))
            self._writer = pa.ipc.new_file(str(self.data_path), self._schema)
            part = part.slice(1)
        _check_cells(part.columns, self.names)
        if isinstance(part, pa.Table):
            part = pa.Table.from_arrays(part.columns, schema=self._schema)
            self._guesser.feed(part.columns)
            self._writer.write_table(part)
            start_writeback(self.data_path)  # a table is a stretch of megabytes: worth starting the disk
        else:
            part = pa.RecordBatch.from_arrays(part.columns, schema=self._schema)
            self._guesser.feed(part.columns)
            self._writer.write_batch(part)
        self.shape.rows += part.num_rows

    def close(self) -> tuple[list[str], list[str], Shape]:
        if self._writer is None:
            raise NeedsCarefulPath
        self._writer.close()
        self._writer = None
        return self.names, self._guesser.types(), self.shape

    def discard(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.data_path.unlink(missing_ok=True)


def fast_options(delimiter: str, width: int) -> tuple[pacsv.ReadOptions, pacsv.ParseOptions, pacsv.ConvertOptions]:
    """PyArrow's reader with quoting off and every one of ``width`` columns as exact text."""
    _check_width(width)
    generic = [f'f{i}' for i in range(width)]
    return (pacsv.ReadOptions(column_names=generic, block_size=FAST_BLOCK, use_threads=True),
            pacsv.ParseOptions(delimiter=delimiter, quote_char=False, double_quote=False,
                               escape_char=False, newlines_in_values=False, ignore_empty_lines=True),
            _all_text_options(generic))


def fast_from_stream(f: BinaryIO, delimiter: str, data_path: Path, width: int) -> tuple[list[str], list[str], Shape]:
    """The fast path over a binary stream, batch by batch."""
    read_options, parse_options, convert_options = fast_options(delimiter, width)
    writer = FastWriter(data_path)
    try:
        try:
            for batch in pacsv.open_csv(f, read_options=read_options, parse_options=parse_options,
                                        convert_options=convert_options):
                writer.add(batch)
                del batch
                POOL.release_unused()  # keep the peak near one block, not the allocator's cache
        except pa.ArrowInvalid as error:  # ragged rows, or a line longer than a block
            raise NeedsCarefulPath from error
        return writer.close()
    except NeedsCarefulPath:
        writer.discard()
        raise


def _all_text_options(names: list[str]) -> pacsv.ConvertOptions:
    """Every cell as its exact text: no nulls, no booleans, no numbers."""
    return pacsv.ConvertOptions(check_utf8=True, strings_can_be_null=False, quoted_strings_can_be_null=False,
                                null_values=[], true_values=[], false_values=[], auto_dict_encode=False,
                                column_types={n: pa.string() for n in names}, timestamp_parsers=[])


def _any_starts_with_quote(part: pa.RecordBatch | pa.Table) -> bool:
    """A field that starts with a quote may be a quoted field (rule 5)."""
    return any(pc.any(pc.starts_with(col, '"')).as_py() for col in part.columns)


def _careful_path(source: Path, skip: int, delimiter: str, data_path: Path) -> tuple[list[str], list[str], Shape]:
    """One pass of the hand-written tokenizer, batch by batch into Arrow.

    A long row widens the table, and Arrow IPC needs one schema per file, so
    each width gets its own segment file; only when the width grew are the
    segments rewritten into one file with empty cells padded in. The common
    case writes once.
    """
    utf8 = enc.Encoding('utf-8', skip)
    shape = Shape()
    records = Records(enc.decode_chunks(source, utf8), delimiter)
    header = next(records, None)
    if header is None:
        raise UnreadableFile('The file has no content: it holds only white space and line breaks.')
    width = len(header)
    _check_width(width)
    guesser = TypeGuesser(width)
    segments: list[tuple[Path, int]] = []
    writer = None
    schema = pa.schema([])
    try:
        for rows in records.batches(BATCH_ROWS):
            lengths = list(map(len, rows))
            widest = max(width, max(lengths))
            if min(lengths) != len(header) or widest != len(header):
                shape.short_rows += sum(1 for n in lengths if n < len(header))
                shape.long_rows += sum(1 for n in lengths if n > len(header))
            if writer is None or widest > width:
                _check_width(widest)
                if writer is not None:
                    writer.close()
                width = widest
                segment = data_path.with_name(f'{data_path.name}.{len(segments)}')
                names = header_names(header, width)[0] if not segments else [f'f{i}' for i in range(width)]
                schema = pa.schema([pa.field(n, pa.string()) for n in names])
                writer = pa.ipc.new_file(str(segment), schema)
                segments.append((segment, width))
            if min(lengths) != width or max(lengths) != width:
                for i, row in enumerate(rows):
                    if len(row) != width:
                        rows[i] = row + [''] * (width - len(row))
            arrays = [pa.array(col, pa.string()) for col in zip(*rows)]
            _check_cells(arrays, header_names(header, width)[0])
            guesser.widen(width)
            guesser.feed(arrays)
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
            del arrays, rows
            POOL.release_unused()
        if writer is not None:
            writer.close()
        shape.rows = _rows_written(segments)
        shape.empty_lines = records.empty_lines
        shape.literal_quotes = records.literal_quotes
        names, shape.renamed = header_names(header, width)
        shape.renamed -= width - len(header)  # invented names for added columns are not renames
        shape.added_columns = names[len(header):]
        guesser.widen(width)
        _join_segments(segments, names, data_path)
    finally:
        for segment, _ in segments:
            segment.unlink(missing_ok=True)
    return names, guesser.types(), shape


def _rows_written(segments: list[tuple[Path, int]]) -> int:
    return sum(pa.ipc.open_file(pa.memory_map(str(p))).read_all().num_rows for p, _ in segments)


def _join_segments(segments: list[tuple[Path, int]], names: list[str], data_path: Path) -> None:
    """One file with the final schema; a plain rename when there was one segment."""
    schema = pa.schema([pa.field(n, pa.string()) for n in names])
    if len(segments) == 1:
        segments[0][0].rename(data_path)
        return
    with pa.ipc.new_file(str(data_path), schema) as writer:
        if not segments:
            return
        for segment, seg_width in segments:
            reader = pa.ipc.open_file(pa.memory_map(str(segment)))
            for i in range(reader.num_record_batches):
                batch = reader.get_batch(i)
                padding = [pa.array([''] * batch.num_rows, pa.string())] * (len(names) - seg_width)
                writer.write_batch(pa.RecordBatch.from_arrays(batch.columns + padding, schema=schema))
