"""Parsing an upload while it is still arriving.

Most uploads are clean UTF-8 files, so the engine bets on it: once the first
megabyte is in, each further stretch of whole lines is parsed by the fast path
as soon as it arrives, in the same worker call that writes it to disk. By the
time the last byte is in, the version file is nearly written. If the bet fails
(a legacy encoding, a quoted field, a ragged row, a NUL byte), the streamed
result is thrown away and the file on disk is read the ordinary way, with
exactly the same rules. Nothing here decides what a file means; it only saves
time when the ordinary path would decide "fast path" anyway.
"""
from __future__ import annotations

import codecs
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from .ingest import POOL, FastWriter, NeedsCarefulPath, Shape, fast_options, first_width, head_text
from .tokenizer import sniff_delimiter

SNIFF_BYTES = 1 << 20   # the same first megabyte the ordinary path sniffs


def stretch_for(expected_bytes: int | None) -> int:
    """How many bytes of whole lines to parse at a time.

    Larger stretches parse faster (fewer calls) but hold more memory; a 24th
    of the file, between 1 and 8 MB, keeps the peak well under the file's
    size while costing little time (measured: 2 MB stretches made a 95 MB
    upload 10% slower than 8 MB ones, and held 40 MB less).
    """
    if not expected_bytes:
        return 4 << 20
    return max(1 << 20, min(8 << 20, expected_bytes // 24))


class StreamedParse:
    """The fast path run on an upload as it streams in; a bet that may be called off.

    ``feed`` and ``finish`` are called in order, from one worker at a time.
    """

    def __init__(self, workdir: Path, expected_bytes: int | None = None) -> None:
        self.workdir = workdir
        self.stretch = stretch_for(expected_bytes)
        self.data_path = workdir / 'streamed.arrow'
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._started = False
        self._abandoned = False
        self._writer: FastWriter | None = None
        self._options: tuple | None = None
        self._delimiter = ''
        self._result: tuple[str, tuple[list[str], list[str], Shape]] | None = None

    def feed(self, chunk: bytes) -> None:
        if self._abandoned:
            return
        self._pending.append(chunk)
        self._pending_bytes += len(chunk)
        if not self._started:
            if self._pending_bytes < SNIFF_BYTES:
                return
            self._start(final=False)
        if self._pending_bytes >= self.stretch:
            data = b''.join(self._pending)
            cut = max(data.rfind(b'\n'), data.rfind(b'\r')) + 1
            self._pending, self._pending_bytes = [data[cut:]], len(data) - cut
            if cut > 0:
                self._parse(memoryview(data)[:cut])
            elif self._pending_bytes > 4 * self.stretch:
                self._abandon()  # a line this long is no clean file; the careful path will judge it

    def finish(self) -> None:
        """The upload is complete: parse what is left and close the file."""
        if self._abandoned:
            return
        if not self._started:
            self._start(final=True)
        block = b''.join(self._pending)
        self._pending, self._pending_bytes = [], 0
        if block and not self._abandoned:
            self._parse(block)
        if self._abandoned or self._writer is None:
            return
        try:
            self._result = self._delimiter, self._writer.close()
        except NeedsCarefulPath:
            self._abandon()

    def result(self) -> tuple[str, tuple[list[str], list[str], Shape]] | None:
        """(delimiter, fast-path result) if the bet held, else None."""
        return None if self._abandoned else self._result

    def abandon(self) -> None:
        self._abandon()

    def close(self) -> None:
        self._abandon()
        shutil.rmtree(self.workdir, ignore_errors=True)
        POOL.release_unused()

    def _abandon(self) -> None:
        self._abandoned = True
        self._pending, self._pending_bytes = [], 0
        if self._writer is not None:
            self._writer.discard()
            self._writer = None

    def _start(self, final: bool) -> None:
        self._started = True
        joined = b''.join(self._pending)
        head = joined[:SNIFF_BYTES + len(codecs.BOM_UTF8)]
        skip = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
        if not head or b'\x00' in head or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            self._abandon()  # not a clean UTF-8 file: leave it to the ordinary path
            return
        data = head[skip:skip + SNIFF_BYTES]
        text = head_text(data, complete=final and len(joined) - skip <= SNIFF_BYTES)
        delimiter = sniff_delimiter(text)
        if not delimiter:
            self._abandon()
            return
        self._pending, self._pending_bytes = [joined[skip:]], len(joined) - skip
        self._delimiter = delimiter
        read_options, parse_options, convert_options = fast_options(delimiter, first_width(text, delimiter))
        read_options.block_size = 1 << 20  # several blocks per stretch, parsed in parallel
        self._options = read_options, parse_options, convert_options
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._writer = FastWriter(self.data_path)

    def _parse(self, block: bytes | memoryview) -> None:
        assert self._options is not None and self._writer is not None
        read_options, parse_options, convert_options = self._options
        try:
            table = pacsv.read_csv(pa.py_buffer(block), read_options=read_options, parse_options=parse_options,
                                   convert_options=convert_options)
            self._writer.add(table)  # all of the stretch's batches at once
            del table
            POOL.release_unused()
        except (pa.ArrowInvalid, NeedsCarefulPath):
            self._abandon()
