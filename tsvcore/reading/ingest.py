"""Turning an uploaded file on disk into an immutable, columnar version.

The file's encoding is decided (``encoding``), then its dialect (``dialect``:
delimiter, and where the table starts), then ``reader.WindowReader`` reads its
records into Arrow tables, through PyArrow wherever that is exact and record
by record in Python where it is not, and ``VersionWriter`` writes them into
one Arrow IPC file of text columns with the header's names and each column's
type. Memory stays bounded by a stretch of the file, never the whole of it.
"""
from __future__ import annotations

import ctypes
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UnreadableFile
from . import encoding as enc
from .dialect import sniff
from .escapes import Unescaping
from .read_options import ReadOptions
from .reader import Piece, WindowReader
from .types import TypeGuesser

if TYPE_CHECKING:
    from .streaming import StreamedParse

DATA_FILE = 'data.arrow'
META_FILE = 'meta.json'
SNIFF_BYTES = 1 << 20   # the sniffer reads the first megabyte
MAX_COLUMNS = 10_000
MAX_CELL_BYTES = 10 * 1024 * 1024
# The byte-order marks a named encoding skips: 'utf-16' and 'utf-32' read their own.
OWN_BOMS = {'utf-8': b'\xef\xbb\xbf', 'utf-16-le': b'\xff\xfe', 'utf-16-be': b'\xfe\xff',
            'utf-32-le': b'\xff\xfe\x00\x00', 'utf-32-be': b'\x00\x00\xfe\xff'}
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
    careful_rows: int = 0   # rows the careful (Python) reader read: 0 for a file PyArrow read whole
    escapes: int = 0        # \" read as a quote, \\ as a backslash (see ``escapes``)


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


def read_head(path: Path, skip: int) -> tuple[bytes, bool]:
    """The first megabyte of a UTF-8 file as the sniffer sees it, and whether it is the whole file."""
    with path.open('rb') as f:
        f.seek(skip)
        data = f.read(SNIFF_BYTES + 1)
    return data[:SNIFF_BYTES], len(data) <= SNIFF_BYTES


def ingest(upload: Path, out_dir: Path, name: str, scan: enc.ByteScan | None = None,
           streamed: 'StreamedParse | None' = None, options: ReadOptions = ReadOptions()) -> dict:
    """Read ``upload`` into ``out_dir`` (data.arrow + meta.json); return the metadata.

    ``scan`` is the byte scan made while the upload streamed in, if there was
    one; otherwise the file is scanned here. ``streamed`` is the same reading
    run while the upload arrived; its result is used only where it made the
    same decisions (UTF-8, the same dialect). ``options`` are what the person
    said instead of letting the reader guess. Raises UnreadableFile with a sentence
    for a person when the file cannot become a table, BadParameter when an
    option does not fit the file. ``out_dir`` is a staging directory: the
    store decides whether it becomes a version.
    """
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    stats = scan or enc.ByteScan.of_file(upload)
    if stats.utf8 is None and streamed is not None and streamed.result() is not None:
        stats.utf8 = True  # the streamed parse read every byte as UTF-8 (PyArrow checks it)
    encoding = _encoding(stats, upload, options)
    source, skip = upload, encoding.skip
    strays = enc.StrayBytes()
    if encoding.codec != 'utf-8' or encoding.strays:
        source, skip = out_dir / 'source.utf8', 0
        try:
            stats = enc.transcode_to_utf8(upload, encoding, source, strays)
        except UnicodeError as error:  # a codec that cannot read this file at all, even byte by byte
            source.unlink(missing_ok=True)
            raise UnreadableFile(f'The file cannot be read as {encoding.label}: {error}.') from None
    try:
        if not stats.has_content:
            raise UnreadableFile('The file has no content: it holds only white space and line breaks.')
        dialect = sniff(*read_head(source, skip), options)
        data_path = out_dir / DATA_FILE
        bet = streamed.result() if streamed is not None and source == upload else None
        if bet is not None and bet[0] == dialect:
            names, types, shape = bet[1]
            streamed.data_path.rename(data_path)
        else:
            with source.open('rb') as f:
                f.seek(skip + dialect.start)
                stream = Unescaping(f) if dialect.escape else f
                names, types, shape = read_table(WindowReader(stream, dialect.delimiter), data_path)
                shape.escapes = stream.count if dialect.escape else 0
        shape.empty_lines += dialect.empty_lines
    finally:
        if source != upload:
            source.unlink(missing_ok=True)
    meta = {
        'name': name,
        'rows': shape.rows,
        'columns': [{'name': n, 'type': t} for n, t in zip(names, types)],
        'encoding': encoding.label,
        'delimiter': dialect.delimiter,
        'warnings': dialect.notes + _warnings(encoding, strays, shape),
        'reader': 'careful' if shape.careful_rows else 'fast',
        'bytes': upload.stat().st_size,
        'uploaded_at': time.time(),
        'ingest_seconds': round(time.perf_counter() - started, 3),
    }
    if options:
        meta['read_options'] = options.given
    (out_dir / META_FILE).write_text(json.dumps(meta, ensure_ascii=False))
    POOL.release_unused()  # hand the parse's memory back; the version lives on disk now
    return meta


def _encoding(scan: enc.ByteScan, upload: Path, options: ReadOptions) -> enc.Encoding:
    """The encoding the person named, or the detected one.

    A named encoding still refuses what is not text at all (an image, NUL
    bytes in a file that is not UTF-16), and still skips a byte-order mark
    of its own family.
    """
    if options.encoding is None:
        return enc.detect(scan, upload)
    codec = options.encoding
    if scan.size == 0:
        raise UnreadableFile('The file is empty.')
    if not codec.startswith(('utf-16', 'utf-32')):
        enc.refuse_binary(scan.head)
        if scan.has_nul:
            raise enc.binary_nul(scan)
    if codec in ('utf-16', 'utf-32'):  # these read a byte-order mark and fail without one: name the order
        codec = next((name for bom, name in enc.BOMS if name.startswith(codec) and scan.head.startswith(bom)),
                     codec + '-le')
    skip = len(OWN_BOMS[codec]) if codec in OWN_BOMS and scan.head.startswith(OWN_BOMS[codec]) else 0
    if codec == 'utf-8':
        scan.ensure_utf8_known(upload)
        return enc.Encoding('utf-8', skip, bom=bool(skip), strays=not scan.utf8)
    return enc.Encoding(codec, skip, bom=bool(skip))


def read_table(reader: WindowReader, data_path: Path) -> tuple[list[str], list[str], Shape]:
    """Every piece of ``reader`` into ``data_path``; the column names, their types and what reading met."""
    writer: VersionWriter | None = None
    try:
        for piece in reader.pieces():
            if writer is None:
                assert reader.header is not None  # the reader reads the header before its first piece
                writer = VersionWriter(data_path, reader.header)
            writer.add(piece)
            del piece
            POOL.release_unused()  # keep the peak near one stretch, not the allocator's cache
        if writer is None:
            if reader.header is None:
                raise UnreadableFile('The file has no content: it holds only white space and line breaks.')
            writer = VersionWriter(data_path, reader.header)
        names, types, shape = writer.close()
    except BaseException:
        if writer is not None:
            writer.discard()
        raise
    shape.empty_lines = reader.empty_lines
    shape.literal_quotes = reader.literal_quotes
    return names, types, shape


def _warnings(encoding: enc.Encoding, strays: enc.StrayBytes, shape: Shape) -> list[str]:
    """Plain sentences for every fallback the reading took."""
    notes = []
    if encoding.codec != 'utf-8':
        notes.append(f'Read as {encoding.label}.')
    if strays.count:
        notes.append(strays.warning())
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
                     ' with a quote that is not closed right before a delimiter or line end; '
                     'the quotes were kept as text.')
    if shape.escapes:
        notes.append(_count(shape.escapes, 'backslash escape was', 'backslash escapes were') +
                     ' read as the character escaped (\\" as a quote, \\\\ as one backslash).')
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


class VersionWriter:
    """Pieces of rows in, one Arrow IPC file out: padding, widening, cell limits, type guesses.

    Short rows are padded with empty cells; a long row widens the table with
    ``column_N`` columns (rule 7). Arrow IPC needs one schema per file, so each
    width gets its own segment file, rewritten into one at the end only when
    the width grew; the common case writes once.
    """

    def __init__(self, data_path: Path, header: list[str]) -> None:
        _check_width(len(header))
        self.data_path = data_path
        self.header = header
        self.width = len(header)
        self.shape = Shape()
        self._guesser = TypeGuesser(self.width)
        self._segments: list[tuple[Path, int]] = []
        self._writer: pa.ipc.RecordBatchFileWriter | None = None
        self._schema = pa.schema([])
        self._names = header_names(header, self.width)[0]

    def add(self, piece: Piece) -> None:
        table = piece.table
        rows, width, header = table.num_rows, table.num_columns, len(self.header)
        if piece.widths is not None:
            self.shape.short_rows += sum(1 for n in piece.widths if n < header)
            self.shape.long_rows += sum(1 for n in piece.widths if n > header)
        elif width != header:
            self.shape.short_rows += rows if width < header else 0
            self.shape.long_rows += rows if width > header else 0
        if self._writer is None or width > self.width:
            self._open_segment(max(width, self.width))
        columns = list(table.columns)
        if width < self.width:
            empty = pa.chunked_array([pa.repeat('', rows).cast(pa.string())])
            columns += [empty] * (self.width - width)
        _check_cells(columns, self._names)
        self._guesser.widen(self.width)
        self._guesser.feed(columns)
        assert self._writer is not None
        self._writer.write_table(pa.Table.from_arrays(columns, schema=self._schema))
        start_writeback(self._segments[-1][0])
        self.shape.rows += rows
        self.shape.careful_rows += rows if piece.careful else 0

    def _open_segment(self, width: int) -> None:
        _check_width(width)
        if self._writer is not None:
            self._writer.close()
        self.width = width
        self._names = header_names(self.header, width)[0]
        segment = self.data_path.with_name(f'{self.data_path.name}.{len(self._segments)}')
        names = self._names if not self._segments else [f'f{i}' for i in range(width)]
        self._schema = pa.schema([pa.field(n, pa.string()) for n in names])
        self._writer = pa.ipc.new_file(str(segment), self._schema)
        self._segments.append((segment, width))

    def close(self) -> tuple[list[str], list[str], Shape]:
        if self._writer is None:
            self._open_segment(self.width)  # a header without rows
        assert self._writer is not None
        self._writer.close()
        self._writer = None
        names, self.shape.renamed = header_names(self.header, self.width)
        self.shape.renamed -= self.width - len(self.header)  # invented names for added columns are not renames
        self.shape.added_columns = names[len(self.header):]
        self._guesser.widen(self.width)
        try:
            _join_segments(self._segments, names, self.data_path)
        finally:
            self._remove_segments()
        return names, self._guesser.types(), self.shape

    def discard(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._remove_segments()
        self.data_path.unlink(missing_ok=True)

    def _remove_segments(self) -> None:
        for segment, _ in self._segments:
            segment.unlink(missing_ok=True)


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
