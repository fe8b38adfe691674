"""Each version keeps the bytes that were uploaded, compressed, beside its cells.

Why: every guess the reader makes can be wrong for some file, and a person
who sees mojibake or one wide column must be able to say "read it as
Shift-JIS, with semicolons" without finding the file again ("Read
differently"), and to get back exactly what they uploaded ("Download
original").

How: the upload is hard-linked into the version as ``original`` when the
version is made (free: the upload is on the same disk already), and a
background thread replaces it with ``original.zst`` after the commit. So
keeping originals adds nothing to an upload's wait: Zstandard packs a 95 MB
TSV into about 30 MB in 0.26 s of one core here, which in the upload's path
made it 20% slower. Zstandard through PyArrow's streams, which the engine
already depends on. A crash before the compression leaves the raw copy,
which serves as well.

The bytes never change, only how they are stored, so the version stays
immutable in what it means. A version made before originals were kept has
none; ``open_original`` says so with NotFound.
"""
from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa

from ..errors import NotFound

RAW_FILE = 'original'
ORIGINAL_FILE = 'original.zst'
CODEC = 'zstd'
STORED_AS = (ORIGINAL_FILE, RAW_FILE, ORIGINAL_FILE)   # the second look: compressed meanwhile
CHUNK = 1 << 20
# One thread for the whole process: compression is background work and must
# not take both cores from uploads and pages.
_COMPRESSOR = ThreadPoolExecutor(1, thread_name_prefix='compress-original')
log = logging.getLogger(__name__)


def keep(upload: Path, version_dir: Path) -> None:
    """Put the upload's bytes into a version being made, as its raw original."""
    share(upload, version_dir / RAW_FILE)


def copy(old_dir: Path, new_dir: Path) -> bool:
    """The same original for another version (a re-read or a restore); False if the old one has none."""
    for name in STORED_AS:
        try:
            share(old_dir / name, new_dir / name)
            return True
        except FileNotFoundError:
            continue
    return False


def compress_later(version_dir: Path) -> Future:
    """Replace the version's raw original with a compressed one, in the background."""
    return _COMPRESSOR.submit(_compress, version_dir)


def _compress(version_dir: Path) -> None:
    raw, packed = version_dir / RAW_FILE, version_dir / ORIGINAL_FILE
    partial = version_dir / f'.{ORIGINAL_FILE}.partial'
    try:
        if not raw.exists():
            return
        with raw.open('rb') as source, pa.CompressedOutputStream(pa.OSFile(str(partial), 'wb'), CODEC) as out:
            while chunk := source.read(CHUNK):
                out.write(chunk)
        with partial.open('rb') as f:
            os.fsync(f.fileno())
        os.replace(partial, packed)   # a reader opens one or the other, each whole
        raw.unlink()
    except FileNotFoundError:
        partial.unlink(missing_ok=True)   # the version was trimmed or deleted meanwhile
    except OSError:
        partial.unlink(missing_ok=True)   # a full disk: the raw copy stays and serves
        log.exception('could not compress the original in %s', version_dir)


def finish_after_crash(version_dir: Path) -> int:
    """At start-up: drop a compression a crash cut short, and compress a raw original again; 1 if it did."""
    partial = version_dir / f'.{ORIGINAL_FILE}.partial'
    left = partial.exists()
    partial.unlink(missing_ok=True)
    if (version_dir / RAW_FILE).exists():
        compress_later(version_dir)
    return int(left)


def open_original(version_dir: Path, version: int):
    """A binary stream of the version's original bytes, whichever way they are stored.

    Opened here, so a compression finishing meanwhile cannot take the file
    away. Raises NotFound for a version made before originals were kept.
    """
    for name in STORED_AS:
        try:
            if name == ORIGINAL_FILE:
                return pa.CompressedInputStream(pa.OSFile(str(version_dir / name)), CODEC)
            return (version_dir / name).open('rb')
        except FileNotFoundError:
            continue
    raise NotFound(f'Version {version} was stored before original files were kept, so its original '
                   'bytes are not available; upload the file again to read it differently.')


def chunks(stream, size: int = CHUNK) -> Iterator[bytes]:
    """An opened original's bytes, piece by piece, for a download; closes the stream."""
    with stream:
        while chunk := stream.read(size):
            yield chunk


def unpack(stream, dest: Path) -> Path:
    """An opened original written out to ``dest``, to be read again."""
    with dest.open('wb') as out:
        for chunk in chunks(stream):
            out.write(chunk)
    return dest


def share(source: Path, dest: Path) -> None:
    """The same bytes under another version: a hard link, since neither ever changes.

    Raises FileNotFoundError when ``source`` is gone; replaces what ``dest`` held.
    """
    dest.unlink(missing_ok=True)
    try:
        os.link(source, dest)
    except FileNotFoundError:
        raise
    except OSError:  # a file system without hard links
        shutil.copyfile(source, dest)
