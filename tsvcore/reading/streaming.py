"""Reading an upload while it is still arriving.

Most uploads are UTF-8 files, so the engine bets on it: once the first
megabyte is in, the dialect is sniffed and the same ``WindowReader`` that
reads files from disk reads the upload from a pipe, as its bytes arrive, on
a parse thread, while a writer thread writes what it read. By the time the
last byte is in, the version file is nearly written. If the bet fails (a
legacy encoding, a NUL byte, anything unexpected), the streamed result is
thrown away and the file on disk is read the ordinary way, with exactly the
same rules. Nothing here decides what a file means; it only saves time.

Imports run one way: this module uses ``ingest`` (the writer), never the
other way round.
"""
from __future__ import annotations

import codecs
import shutil
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

from .dialect import Dialect, sniff
from .ingest import POOL, SNIFF_BYTES, Shape, VersionWriter
from .reader import Piece, WindowReader

IN_FLIGHT = 2           # pieces read but not yet written; the reader waits beyond that
# Shared by all uploads (one thread each): threads made per upload cost each new upload a
# few MB of fresh allocator arenas. Order within an upload is kept because each is FIFO.
PARSER = ThreadPoolExecutor(1, thread_name_prefix='stream-parse')
WRITER = ThreadPoolExecutor(1, thread_name_prefix='stream-write')


def stretch_for(expected_bytes: int | None) -> int:
    """How many bytes to read at a time.

    Larger stretches parse faster (fewer calls) but hold more memory, and
    the pipeline holds a few of them at once (one being scanned, one with
    PyArrow, two with the writer); a 40th of the file, between 1 and 8 MB,
    kept a 48 MB upload's peak at 35-38 MB (a 32nd, once PyArrow read on a
    thread of its own, pushed it to 45 MB; a 24th had reached 0.9x before
    that).
    """
    if not expected_bytes:
        return 4 << 20
    return max(1 << 20, min(8 << 20, expected_bytes // 40))


class Abandoned(Exception):
    """The bet is off: the reader stops where it is."""


class Pipe:
    """Bytes from the receiving thread to the parse thread, with backpressure.

    ``read(n)`` waits until ``n`` bytes are there or the upload is complete;
    ``put`` waits while ``limit`` bytes are waiting to be read, so a slow parse
    slows the sender instead of filling memory.
    """

    def __init__(self, limit: int) -> None:
        self._chunks: list[bytes] = []
        self._size = 0
        self._limit = limit
        self._closed = False
        self._aborted = False
        self._cond = threading.Condition()

    def put(self, chunk: bytes) -> None:
        with self._cond:
            while self._size >= self._limit and not self._aborted:
                self._cond.wait()
            if self._aborted:
                return
            self._chunks.append(chunk)
            self._size += len(chunk)
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def abort(self) -> None:
        with self._cond:
            self._aborted = True
            self._chunks, self._size = [], 0
            self._cond.notify_all()

    def read(self, n: int) -> bytes:
        with self._cond:
            while self._size < n and not self._closed and not self._aborted:
                self._cond.wait()
            if self._aborted:
                raise Abandoned
            data = b''.join(self._chunks)
            self._chunks = [data[n:]] if len(data) > n else []
            self._size = len(data) - min(n, len(data))
            self._cond.notify_all()
            return data[:n]


class StreamedParse:
    """The ordinary reading run on an upload as it streams in; a bet that may be called off.

    ``feed`` and ``finish`` are called in order, from one worker at a time.
    Receiving, parsing and writing overlap like a production line instead of
    taking turns (most of PyArrow's kernels release the GIL).
    """

    def __init__(self, workdir: Path, expected_bytes: int | None = None) -> None:
        self.workdir = workdir
        self.stretch = stretch_for(expected_bytes)
        self.data_path = workdir / 'streamed.arrow'
        self._head: list[bytes] = []
        self._head_bytes = 0
        self._pipe = Pipe(2 * self.stretch)
        self._dialect: Dialect | None = None
        self._abandoned = False
        self._writer: VersionWriter | None = None
        self._reader: WindowReader | None = None
        self._parsing: Future | None = None
        self._writing: list[Future] = []
        self._in_flight = threading.Semaphore(IN_FLIGHT)
        self._result: tuple[Dialect, tuple[list[str], list[str], Shape]] | None = None

    def feed(self, chunk: bytes) -> None:
        if self._abandoned:
            return
        if self._dialect is None:
            self._head.append(chunk)
            self._head_bytes += len(chunk)
            if self._head_bytes > SNIFF_BYTES + len(codecs.BOM_UTF8):
                self._start(final=False)
            return
        self._pipe.put(chunk)

    def finish(self) -> None:
        """The upload is complete: read what is left and close the file."""
        if not self._abandoned and self._dialect is None:
            self._start(final=True)
        self._pipe.close()
        self._wait()
        if self._abandoned or self._writer is None or self._reader is None:
            self._discard()
            return
        try:
            names, types, shape = self._writer.close()
        except Exception:  # the ordinary path will say what is wrong
            self._abandon()
            self._discard()
            return
        shape.empty_lines, shape.literal_quotes = self._reader.empty_lines, self._reader.literal_quotes
        self._result = self._dialect, (names, types, shape)

    def result(self) -> tuple[Dialect, tuple[list[str], list[str], Shape]] | None:
        """(dialect, what ``ingest.read_table`` answers) if the bet held, else None."""
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
        """Called off; the threads stop at their next step, and the file is dropped once they are idle."""
        self._abandoned = True
        self._head, self._head_bytes = [], 0
        self._pipe.abort()

    def _wait(self) -> None:
        if self._parsing is not None:
            wait([self._parsing])   # every stretch read and handed on...
        wait(self._writing)         # ...and written

    def _discard(self) -> None:
        if self._writer is not None:
            self._writer.discard()
            self._writer = None

    def _start(self, final: bool) -> None:
        joined = b''.join(self._head)
        self._head, self._head_bytes = [], 0
        skip = len(codecs.BOM_UTF8) if joined.startswith(codecs.BOM_UTF8) else 0
        head = joined[skip:skip + SNIFF_BYTES]
        if not head.strip() or b'\x00' in head or joined.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            self._abandon()  # not a UTF-8 text file: leave it to the ordinary path
            return
        try:
            head.decode('utf-8')
        except UnicodeDecodeError as error:
            if error.start < len(head) - 3:  # not merely a character cut at the end of the megabyte
                self._abandon()
                return
        self._dialect = sniff(head, complete=final and len(joined) - skip <= SNIFF_BYTES)
        if self._dialect.escape:
            self._abandon()  # rare: the ordinary path reads it through ``escapes.Unescaping``
            return
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._pipe.put(joined[skip + self._dialect.start:])
        self._reader = WindowReader(self._pipe, self._dialect.delimiter, use_threads=False, stretch=self.stretch)
        self._parsing = PARSER.submit(self._read)

    def _read(self) -> None:
        """On the parse thread: every piece of the upload, handed to the writer thread in order."""
        assert self._reader is not None
        try:
            for piece in self._reader.pieces():
                if self._abandoned:
                    return
                if self._writer is None:
                    assert self._reader.header is not None
                    self._writer = VersionWriter(self.data_path, self._reader.header)
                self._in_flight.acquire()
                self._writing.append(WRITER.submit(self._write, piece))
            if self._writer is None and self._reader.header is not None:
                self._writer = VersionWriter(self.data_path, self._reader.header)
        except Exception:  # a bad byte, a refusal, anything: the ordinary path reads the file and judges
            self._abandon()

    def _write(self, piece: Piece) -> None:
        try:
            if not self._abandoned and self._writer is not None:
                self._writer.add(piece)
        except Exception:  # an oversized cell...: the bet is off, the ordinary path says why
            self._abandon()
        finally:
            del piece
            POOL.release_unused()
            self._in_flight.release()
