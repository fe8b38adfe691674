"""Tables and their immutable versions on disk, committed the way SQLite does.

Layout under the data directory::

    tables/<id>/table.json          created once, never changed
    tables/<id>/current.json        {"version": N}: replaced by atomic rename (its mtime: last changed)
    tables/<id>/viewed              empty; its mtime is when the table was last viewed (within the hour)
    tables/<id>/versions/<N>/       data.arrow + meta.json, never changed; the uploaded bytes as
                                    ``original``, swapped for ``original.zst`` after the commit
    views/<view id>                 {"table": id}: the view-only link, never changed
    tmp/                            staging; emptied at start-up

A version is written in ``tmp/``, fsynced, renamed into ``versions/`` and only
then made current by renaming a new ``current.json`` over the old one. A crash
at any moment leaves either the old or the new version current, never a mix,
and a reader that opened a version keeps a consistent, immutable file.
Writers of one table are serialised with ``flock`` so that several processes
sharing the directory never commit the same version number.

Deleting a table renames its directory out of ``tables/`` under the same
lock, so a commit waiting for the lock finds no table (404) instead of
bringing it back; ``housekeeping`` holds the storage cap and expiry.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Iterator

import pyarrow as pa

from ..errors import NotFound
from ..reading.encoding import ByteScan
from ..reading.ingest import DATA_FILE, META_FILE, ingest
from ..reading.read_options import ReadOptions
from ..reading.streaming import StreamedParse
from . import housekeeping, originals

ID_PATTERN = re.compile(r'^[A-Za-z0-9_-]{22}$')
VIEWED_FILE = 'viewed'
VIEWED_EVERY = 3600.0  # seconds: a table's "last viewed" is touched at most this often per process
USER_KEY = 'uploaded_by'


def new_id() -> str:
    """128 random bits, URL-safe (22 characters of base64url)."""
    return secrets.token_urlsafe(16)


def is_valid_id(table_id: str) -> bool:
    """The exact alphabet and length, checked before an id touches a path."""
    return isinstance(table_id, str) and bool(ID_PATTERN.fullmatch(table_id))


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    """Flush every file and directory below ``path`` to stable storage."""
    for root, _dirs, files in os.walk(path):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(root))


def _owner_is_dead(staging: Path) -> bool:
    """A staging directory's owner holds its lock until it exits."""
    lock = staging / 'owner.lock'
    try:
        with lock.open('rb') as f:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
    except FileNotFoundError:
        return True
    except BlockingIOError:
        return False


def write_json_atomically(path: Path, value: dict) -> None:
    tmp = path.with_name(f'.{path.name}.{secrets.token_hex(4)}.tmp')
    with tmp.open('w') as f:
        json.dump(value, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


class LRU:
    """A small thread-safe least-recently-used cache of immutable things, bounded by count."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get_or_load(self, key, load):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = load()  # outside the lock: loading may read a file
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def peek(self, key):
        """The cached value or None, never loading: callable from an event loop."""
        with self._lock:
            return self._items.get(key)

    def drop(self, unwanted: Callable[[object], bool]) -> None:
        """Forget every entry whose key is ``unwanted`` (a deleted table's: its mappings hold disk space)."""
        with self._lock:
            for key in [k for k in self._items if unwanted(k)]:
                del self._items[key]


class Store:
    """The data directory: create, replace, and open table versions."""

    def __init__(self, root: Path, open_cache: int = 32, keep_versions: int = 20,
                 table_lock: Callable[[str], AbstractContextManager] | None = None,
                 max_data_bytes: int | None = None,
                 clock: Callable[[], float] = housekeeping.wall_clock) -> None:
        """``max_data_bytes``: the storage cap (None: none); ``clock``: epoch seconds, for "last viewed"."""
        self.root = Path(root)
        self.table_lock = table_lock  # shared by every process (Redis), held around the file lock
        self.cap = housekeeping.StorageCap(self, max_data_bytes) if max_data_bytes else None
        self.clock = clock
        self._viewed: dict[str, float] = {}  # table id -> when this process last touched its "viewed"
        self.keep_versions = max(1, keep_versions)
        self.tables_dir = self.root / 'tables'
        self.tables_dir.mkdir(parents=True, exist_ok=True)
        self.views_dir = self.root / 'views'
        self.views_dir.mkdir(parents=True, exist_ok=True)
        # Each process stages under a directory of its own, locked for as long as
        # it lives, so that a process starting up next to it (several instances
        # sharing one data directory) can tell a dead one's leftovers from work
        # still in progress.
        self.staging_root = self.root / 'tmp'
        self.tmp_dir = self.staging_root / f'{os.getpid()}-{secrets.token_hex(4)}'
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self._owner = (self.tmp_dir / 'owner.lock').open('wb')
        fcntl.flock(self._owner.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._open = LRU(open_cache)   # memory-mapped versions; an evicted one is unmapped when unused
        self._meta = LRU(1024)

    # -- start-up ----------------------------------------------------------------

    def clean_temporaries(self) -> int:
        """Remove what crashed processes left: staging files, pointer temporaries, orphan versions.

        An orphan version is a directory renamed into ``versions/`` whose
        pointer switch never happened; it was never acknowledged. Each table
        is cleaned under its writer lock, so a live writer elsewhere is safe.
        """
        removed = 0
        for entry in self.staging_root.iterdir():
            if entry == self.tmp_dir:
                continue
            if entry.is_dir() and not _owner_is_dead(entry):
                continue
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
            removed += 1
        for table_dir in self.tables_dir.iterdir():
            if not (table_dir / 'current.json').exists():
                continue
            with self._writer_lock(table_dir):
                for leftover in table_dir.glob('.*.tmp'):
                    leftover.unlink(missing_ok=True)
                    removed += 1
                current = self.current(table_dir.name)
                for version in (table_dir / 'versions').iterdir():
                    if not version.name.isdigit() or int(version.name) > current:
                        shutil.rmtree(version, ignore_errors=True)
                        removed += 1
                        continue
                    removed += originals.finish_after_crash(version)
        return removed

    # -- paths -------------------------------------------------------------------

    def staging_path(self, suffix: str = '') -> Path:
        """A fresh path under tmp/ for an upload or a version being built."""
        return self.tmp_dir / f'{secrets.token_hex(8)}{suffix}'

    def _table_dir(self, table_id: str) -> Path:
        if not is_valid_id(table_id):
            raise NotFound('No table has this address.')
        return self.tables_dir / table_id

    # -- writing -----------------------------------------------------------------

    def create(self, upload: Path, name: str, scan: ByteScan | None = None,
               streamed: StreamedParse | None = None, options: ReadOptions = ReadOptions(),
               uploaded_by: str | None = None) -> dict:
        """Ingest an upload as version 1 of a new table; return its metadata.

        ``options``: what the reader must not guess (see ``read_options``);
        ``uploaded_by``: who, as the trusted proxy said (kept in the version's meta).
        Raises StorageFull (507) when the version does not fit under the storage cap.
        """
        stage = self.staging_path('.table')
        try:
            table_id, view_id = new_id(), new_id()
            meta = self._ingest(upload, stage / 'versions' / '1', name, scan, streamed, options)
            meta.update(id=table_id, version=1, view_id=view_id)
            _attribute(meta, uploaded_by)
            (stage / 'versions' / '1' / META_FILE).write_text(json.dumps(meta, ensure_ascii=False))
            (stage / 'table.json').write_text(json.dumps({'id': table_id, 'view_id': view_id,
                                                          'created_at': meta['uploaded_at']}))
            (stage / 'current.json').write_text(json.dumps({'version': 1}))
            self._stamp(stage / 'current.json')
            self._make_room(stage)
            fsync_tree(stage)
            # the view link first: a crash before the table's rename leaves a view of nothing (404)
            write_json_atomically(self.views_dir / view_id, {'table': table_id})
            os.rename(stage, self.tables_dir / table_id)
            fsync_dir(self.tables_dir)
            originals.compress_later(self.tables_dir / table_id / 'versions' / '1')
            return meta
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def replace(self, table_id: str, upload: Path, name: str, scan: ByteScan | None = None,
                streamed: StreamedParse | None = None, options: ReadOptions = ReadOptions(),
                uploaded_by: str | None = None) -> dict:
        """Ingest an upload as the next version of a table and make it current."""
        self._existing_table_dir(table_id)  # 404 before any work
        stage = self.staging_path('.version')
        try:
            meta = self._ingest(upload, stage, name, scan, streamed, options)
            return self._commit(table_id, stage, _attribute(meta, uploaded_by))
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    @staticmethod
    def _ingest(upload: Path, stage: Path, name: str, scan: ByteScan | None, streamed: StreamedParse | None,
                options: ReadOptions) -> dict:
        """``ingest``, and the upload kept beside the cells as the version's original (see ``originals``)."""
        meta = ingest(upload, stage, name, scan, streamed, options)
        originals.keep(upload, stage)
        meta['original'] = True
        return meta

    def reread(self, table_id: str, version: int, options: ReadOptions, uploaded_by: str | None = None) -> dict:
        """Read a version's original bytes again with ``options``, as the next version ("Read differently").

        Raises NotFound for a version without an original (made before they were kept).
        """
        old = self.meta(table_id, version)
        stage = self.staging_path('.reread')
        upload = self.staging_path('.original')
        try:
            stage.mkdir()
            # linked first: a replacement that trims the old version meanwhile cannot take the bytes away
            if not originals.copy(self._version_dir(table_id, version), stage):
                self.original(table_id, version)  # says why: no such version, or one without an original
            originals.unpack(originals.open_original(stage, version), upload)
            meta = ingest(upload, stage, old['name'], options=options)
            meta.update(reread_from=version, original=True)
            return self._commit(table_id, stage, _attribute(meta, uploaded_by))
        finally:
            upload.unlink(missing_ok=True)
            shutil.rmtree(stage, ignore_errors=True)

    def original(self, table_id: str, version: int):
        """The bytes that were uploaded for ``version``, as an open binary stream (see ``originals``)."""
        self._existing_table_dir(table_id)
        version_dir = self._version_dir(table_id, version)
        if not version_dir.is_dir():
            raise NotFound(f'This table has no version {version}.')  # never was, or trimmed (keep-versions)
        return originals.open_original(version_dir, version)

    def _version_dir(self, table_id: str, version: int) -> Path:
        return self._table_dir(table_id) / 'versions' / str(version)

    def restore(self, table_id: str, version: int, uploaded_by: str | None = None) -> dict:
        """Make an old version's cells the next version: history only grows."""
        table_dir = self._existing_table_dir(table_id)
        old = self.meta(table_id, version)
        stage = self.staging_path('.restore')
        try:
            stage.mkdir()
            old_dir = table_dir / 'versions' / str(version)
            try:  # immutable, so shared rather than copied
                os.link(old_dir / DATA_FILE, stage / DATA_FILE)
                has_original = originals.copy(old_dir, stage)
            except FileNotFoundError:
                raise NotFound(f'This table has no version {version}.') from None  # trimmed meanwhile
            meta = {k: v for k, v in old.items() if k not in ('version', 'restored_from', 'reread_from', USER_KEY)}
            meta.update(uploaded_at=time.time(), restored_from=version, original=has_original)
            return self._commit(table_id, stage, _attribute(meta, uploaded_by))
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def _commit(self, table_id: str, stage: Path, meta: dict) -> dict:
        """Number, flush and switch to a staged version; then trim the history.

        Raises NotFound when the table was deleted meanwhile (even by another
        process holding the lock just before): a deleted table stays deleted.
        """
        table_dir = self._table_dir(table_id)
        view_id = self.view_id(table_id)
        self._make_room(stage)  # before the lock: pruning takes other tables' locks
        with self._writer_lock(table_dir):
            if not (table_dir / 'current.json').exists():
                raise NotFound('No table has this address.')
            versions = table_dir / 'versions'
            version = max([self.current(table_id)] + self._version_numbers(table_id)) + 1
            meta.update(id=table_id, version=version, view_id=view_id)
            (stage / META_FILE).write_text(json.dumps(meta, ensure_ascii=False))
            fsync_tree(stage)
            os.rename(stage, versions / str(version))
            fsync_dir(versions)
            write_json_atomically(table_dir / 'current.json', {'version': version})
            self._stamp(table_dir / 'current.json')
            for old in sorted(self._version_numbers(table_id))[:-self.keep_versions]:
                shutil.rmtree(versions / str(old), ignore_errors=True)  # open readers keep their mapping
        originals.compress_later(versions / str(version))
        return meta

    def _make_room(self, stage: Path) -> None:
        """Under a storage cap, prune old versions until the staged one fits, or refuse (StorageFull, 507)."""
        if self.cap is not None:
            self.cap.make_room(0, staged=stage)

    # -- deleting and pruning ------------------------------------------------------------

    def delete(self, table_id: str) -> bool:
        """Remove a table: every version, its original files, and its view link. Raises NotFound.

        The directory is renamed into this process's staging under the
        writer lock (one step: from then on both links answer 404), then
        removed; a commit waiting for the lock meanwhile finds no table.
        Returns True rather than None: page code reads None from a worker
        thread as "cancelled".
        """
        table_dir = self._existing_table_dir(table_id)
        grave = self.staging_path('.deleted')
        with self._writer_lock(table_dir):
            if not (table_dir / 'current.json').exists():
                raise NotFound('No table has this address.')  # deleted by someone else just before
            try:
                view_id = json.loads((table_dir / 'table.json').read_text()).get('view_id')
            except (OSError, ValueError):
                view_id = None
            os.rename(table_dir, grave)
            fsync_dir(self.tables_dir)
            if view_id and is_valid_id(view_id):
                (self.views_dir / view_id).unlink(missing_ok=True)
                fsync_dir(self.views_dir)
        self._forget(table_id)
        shutil.rmtree(grave, ignore_errors=True)  # a crash before this: start-up removes the rest
        return True

    def prune(self, table_id: str, version: int) -> bool:
        """Remove one version that is not current (the storage cap); False if it is current or gone."""
        table_dir = self._table_dir(table_id)
        try:
            with self._writer_lock(table_dir):
                if version == self.current(table_id):
                    return False
                version_dir = table_dir / 'versions' / str(version)
                if not version_dir.is_dir():
                    return False
                shutil.rmtree(version_dir, ignore_errors=True)  # open readers keep their mapping
        except NotFound:
            return False
        self._forget(table_id, version)
        return True

    def _forget(self, table_id: str, version: int | None = None) -> None:
        """Drop cached metadata and mappings of a deleted table (or one version): they hold disk space."""
        def unwanted(key) -> bool:
            return key[0] == table_id and (version is None or key[1] == version)
        self._open.drop(unwanted)
        self._meta.drop(unwanted)
        if version is None:
            self._viewed.pop(table_id, None)

    # -- last viewed, for expiry ---------------------------------------------------------

    def _stamp(self, pointer: Path) -> None:
        """The pointer's mtime is when the table last changed, by the store's clock (a test's may be fake)."""
        now = self.clock()
        os.utime(pointer, (now, now))

    def note_viewed(self, table_id: str) -> None:
        """Someone looked at the table: touch its ``viewed`` file, at most once an hour per process.

        Cheap enough for every request: usually one dictionary lookup. Never
        creates a table directory (a table deleted meanwhile stays deleted).
        """
        now = self.clock()
        if now - self._viewed.get(table_id, float('-inf')) < VIEWED_EVERY:
            return
        self._viewed[table_id] = now
        path = self.tables_dir / table_id / VIEWED_FILE
        try:
            with path.open('ab'):
                pass
            os.utime(path, (now, now))
        except OSError:
            pass  # deleted meanwhile, or a read-only disk: expiry only errs towards keeping

    def last_active(self, table_id: str) -> float | None:
        """When the table was last changed or viewed (epoch seconds); None if it is gone."""
        table_dir = self._table_dir(table_id)
        try:
            changed = (table_dir / 'current.json').stat().st_mtime
        except FileNotFoundError:
            return None
        try:
            return max(changed, (table_dir / VIEWED_FILE).stat().st_mtime)
        except FileNotFoundError:
            return changed

    def table_ids(self) -> list[str]:
        """Every table's edit id (a directory listing; tables being made or deleted may come and go)."""
        return [entry.name for entry in self.tables_dir.iterdir() if is_valid_id(entry.name)]

    def _version_numbers(self, table_id: str) -> list[int]:
        return [int(p.name) for p in (self._table_dir(table_id) / 'versions').iterdir() if p.name.isdigit()]

    def _existing_table_dir(self, table_id: str) -> Path:
        table_dir = self._table_dir(table_id)
        if not (table_dir / 'current.json').exists():
            raise NotFound('No table has this address.')
        return table_dir

    # -- history and view links ------------------------------------------------------

    def versions(self, table_id: str) -> list[dict]:
        """Every kept version's metadata, newest first."""
        self._existing_table_dir(table_id)
        result = []
        for number in sorted(self._version_numbers(table_id), reverse=True):
            try:
                result.append(self.meta(table_id, number))
            except NotFound:
                continue  # trimmed while we looked
        return result

    def view_id(self, table_id: str) -> str:
        """The table's view-only id; tables from before view links get one on first use."""
        table_dir = self._existing_table_dir(table_id)
        info = json.loads((table_dir / 'table.json').read_text())
        if 'view_id' in info:
            return info['view_id']
        with self._writer_lock(table_dir):
            if not (table_dir / 'current.json').exists():
                raise NotFound('No table has this address.')  # deleted meanwhile: no view link for it
            info = json.loads((table_dir / 'table.json').read_text())
            if 'view_id' not in info:
                info['view_id'] = new_id()
                write_json_atomically(self.views_dir / info['view_id'], {'table': table_id})
                write_json_atomically(table_dir / 'table.json', info)
        return info['view_id']

    def resolve(self, any_id: str, *, viewing: bool = True) -> tuple[str, bool]:
        """(table id, may write) for an edit id or a view-only id; counts as a view (``note_viewed``)
        unless ``viewing`` is False (a check that the link still works is no view)."""
        if self.exists(any_id):
            if viewing:
                self.note_viewed(any_id)
            return any_id, True
        if is_valid_id(any_id):
            try:
                table_id = json.loads((self.views_dir / any_id).read_text())['table']
            except (FileNotFoundError, ValueError, KeyError):
                table_id = None
            if table_id and self.exists(table_id):
                if viewing:
                    self.note_viewed(table_id)
                return table_id, False
        raise NotFound('No table has this address.')

    @contextmanager
    def _writer_lock(self, table_dir: Path) -> Iterator[None]:
        """One committer per table at a time, across threads and processes.

        The lock lives on a file of its own that is never replaced (table.json
        may be, and a lock on a replaced file's old inode excludes no one).
        """
        with self.table_lock(table_dir.name) if self.table_lock else nullcontext():
            try:
                f = (table_dir / 'writer.lock').open('ab')
            except FileNotFoundError:
                raise NotFound('No table has this address.') from None  # deleted meanwhile
            with f:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(f.fileno(), fcntl.LOCK_UN)

    # -- reading -----------------------------------------------------------------

    def exists(self, table_id: str) -> bool:
        return is_valid_id(table_id) and (self.tables_dir / table_id / 'current.json').exists()

    def current(self, table_id: str) -> int:
        """The current version number, read from disk (the durable truth)."""
        try:
            return int(json.loads((self._table_dir(table_id) / 'current.json').read_text())['version'])
        except FileNotFoundError:
            raise NotFound('No table has this address.') from None

    def meta(self, table_id: str, version: int | None = None) -> dict:
        """A version's metadata (immutable, so cached)."""
        version = self.current(table_id) if version is None else version
        path = self._table_dir(table_id) / 'versions' / str(version) / META_FILE

        def load() -> dict:
            try:
                return json.loads(path.read_text())
            except FileNotFoundError:
                raise NotFound(f'This table has no version {version}.') from None
        return self._meta.get_or_load((table_id, version), load)

    def cached_meta(self, table_id: str, version: int) -> dict | None:
        """A version's metadata if it is already in memory, else None (no disk access)."""
        return self._meta.peek((table_id, version))

    def open(self, table_id: str, version: int) -> pa.Table:
        """The version's cells, memory-mapped: nothing is read until asked for."""
        path = self._table_dir(table_id) / 'versions' / str(version) / DATA_FILE

        def load() -> pa.Table:
            if not path.exists():
                raise NotFound(f'This table has no version {version}.')
            return pa.ipc.open_file(pa.memory_map(str(path))).read_all()
        return self._open.get_or_load((table_id, version), load)


def _attribute(meta: dict, uploaded_by: str | None) -> dict:
    """Record who made the version (``uploaded_by``), when a trusted proxy said; returns ``meta``."""
    if uploaded_by:
        meta[USER_KEY] = uploaded_by
    return meta
