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
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from .ingest import POOL, FastWriter, NeedsCarefulPath, Shape, fast_options, first_width, head_text
from .tokenizer import sniff_delimiter

SNIFF_BYTES = 1 << 20   # the same first megabyte the ordinary path sniffs
IN_FLIGHT = 2           # stretches received but not yet written; the sender waits beyond that
# Shared by all uploads (one thread each): threads made per upload cost each new upload a
# few MB of fresh allocator arenas. Order within an upload is kept because each is FIFO.
PARSER = ThreadPoolExecutor(1, thread_name_prefix='stream-parse')
WRITER = ThreadPoolExecutor(1, thread_name_prefix='stream-write')


def stretch_for(expected_bytes: int | None) -> int:
    """How many bytes of whole lines to parse at a time.

    Larger stretches parse faster (fewer calls) but hold more memory, and
    the pipeline holds up to IN_FLIGHT of them at once; a 32nd of the file,
    between 1 and 8 MB, kept the peak near half the file's size for 50 and
    100 MB uploads (a 24th pushed a 48 MB upload's peak to 0.9x; a 48th, 1 MB
    stretches, made it 25% slower).
    """
    if not expected_bytes:
        return 4 << 20
    return max(1 << 20, min(8 << 20, expected_bytes // 32))


class StreamedParse:
    """The fast path run on an upload as it streams in; a bet that may be called off.

    ``feed`` and ``finish`` are called in order, from one worker at a time.
    Each stretch then goes through two more threads, one parsing and one
    checking and writing, so that receiving, parsing and writing overlap like
    a production line instead of taking turns (measured: 0.62 s of work on one
    thread for a 95 MB upload; most of PyArrow's kernels release the GIL).
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
        self._parsing: list[Future] = []
        self._writing: list[Future] = []
        self._in_flight = threading.Semaphore(IN_FLIGHT)

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
                self._parse(data, cut)
            elif self._pending_bytes > 4 * self.stretch:
                self._abandon()  # a line this long is no clean file; the careful path will judge it

    def finish(self) -> None:
        """The upload is complete: parse what is left and close the file."""
        if not self._abandoned:
            if not self._started:
                self._start(final=True)
            block = b''.join(self._pending)
            self._pending, self._pending_bytes = [], 0
            if block and not self._abandoned:
                self._parse(block, len(block))
        self._wait()
        if self._abandoned or self._writer is None:
            self._discard()
            return
        try:
            self._result = self._delimiter, self._writer.close()
        except NeedsCarefulPath:
            self._abandon()
            self._discard()

    def result(self) -> tuple[str, tuple[list[str], list[str], Shape]] | None:
        """(delimiter, fast-path result) if the bet held, else None."""
        return None if self._abandoned else self._result

    def abandon(self) -> None:
        self._abandon()

    def close(self) -> None:
        self._abandon()
        self._wait()
        self._discard()
        shutil.rmtree(self.workdir, ignore_errors=True)
        POOL.release_unused()

    def _abandon(self) -> None:
        """Called off; the threads skip what is still queued, and the file is dropped once they are idle."""
        self._abandoned = True
        self._pending, self._pending_bytes = [], 0

    def _wait(self) -> None:
        wait(self._parsing)   # every stretch parsed and handed on...
        wait(self._writing)   # ...and written

    def _discard(self) -> None:
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
        read_options.block_size = 1 << 20
        read_options.use_threads = False  # the stages are the parallelism; Arrow's pool would compete with them
        self._options = read_options, parse_options, convert_options
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._writer = FastWriter(self.data_path)

    def _parse(self, data: bytes, end: int) -> None:
        """Queue ``data[:end]``, whole lines; waits while IN_FLIGHT stretches are still being worked on."""
        try:  # here: the parse thread is the busiest stage
            quotes = self._quote_may_start_field(data, end)
        except Exception:  # a surprise costs only speed: the per-column check then runs
            quotes = True
        self._in_flight.acquire()
        self._parsing.append(PARSER.submit(self._read, data, end, quotes))

    def _read(self, data: bytes, end: int, quotes: bool) -> None:
        handed_on = False
        try:
            if self._abandoned:
                return
            assert self._options is not None
            read_options, parse_options, convert_options = self._options
            table = pacsv.read_csv(pa.py_buffer(data).slice(0, end), read_options=read_options,
                                   parse_options=parse_options, convert_options=convert_options)
            self._writing.append(WRITER.submit(self._write, table, quotes))
            handed_on = True
        except Exception:  # ragged rows, a bad byte, anything: the ordinary path reads the file and judges
            self._abandon()
        finally:
            if not handed_on:
                self._in_flight.release()

    def _write(self, table: pa.Table, quotes: bool) -> None:
        try:
            if not self._abandoned and self._writer is not None:
                self._writer.add(table, quotes_possible=quotes)  # all of the stretch's batches at once
        except Exception:  # a quote, an oversized cell...: the bet is off, the ordinary path says why
            self._abandon()
        finally:
            del table
            POOL.release_unused()
            self._in_flight.release()

    def _quote_may_start_field(self, data: bytes, end: int) -> bool:
        """Whether any field in ``data[:end]`` starts with a quote, judged from the raw bytes.

        A stretch starts at a line start, so a quote that starts a field is the
        first byte or follows the delimiter or a line break. Vectorised: a
        byte search for two-byte markers measured 0.24 s on 95 MB, this 0.03 s.
        """
        raw = np.frombuffer(data, np.uint8, count=end)
        quotes = np.flatnonzero(raw == ord('"'))
        if len(quotes) == 0:
            return False
        if quotes[0] == 0:
            return True
        return bool(np.isin(raw[quotes - 1], [ord(self._delimiter), ord('\n'), ord('\r')]).any())
