"""Keeping the data directory bounded: the storage cap (``--max-data-mb``) and expiry (``--expire-days``).

The cap: before a new version is committed (and while its upload streams
in), the bytes the data directory holds plus what the new version needs must
stay under the cap. If they would not, the oldest versions that are not
current, of any table, are pruned until it fits; if pruning every one of them
would still not make room, nothing is pruned and the upload is refused (507)
with a sentence saying how big the cap is and what the upload needed. A
current version is never pruned.

Bytes are counted the way the disk holds them: every file under ``tables/``
and ``views/`` once per inode (a restore or a re-read hard-links the cells or
the original of an older version, and those bytes are stored once), with
``st_size`` (what was written, not the blocks the filesystem rounds it up
to). Staging (``tmp/``) is the uploads under way; each is counted as the need
of its own upload, not in the directory's total.

Expiry: a table neither viewed nor changed for ``days`` is deleted by
``sweep``, which the web layer runs daily. "Changed" is the mtime of the
table's ``current.json`` (replaced at every commit), "viewed" the mtime of its
``viewed`` file (touched by ``Store.note_viewed`` at most once an hour).
"""
from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import NotFound, TsvError

if TYPE_CHECKING:  # the store makes and calls these; no import at run time, no cycle
    from .store import Store

log = logging.getLogger(__name__)

MB = 1024 * 1024
DAY = 86400.0
Inode = tuple[int, int]  # (st_dev, st_ino)


class StorageFull(TsvError):
    """The upload does not fit under the storage cap even with every old version pruned."""

    status = 507


def megabytes(size: float) -> str:
    """Bytes as a person reads them: ``12.5 MB``, ``0.19 MB`` (MB of 1,048,576 bytes)."""
    value = size / MB
    return f'{value:,.1f} MB' if value >= 10 else f'{value:,.2f} MB'


@dataclass
class StoredVersion:
    """One version directory: which table, its number, when it was made (epoch seconds), its files' inodes."""

    table_id: str
    number: int
    made: float
    current: bool
    inodes: list[Inode] = field(default_factory=list)


@dataclass
class Inventory:
    """What the data directory holds: each inode once with (bytes, hard links), and every version."""

    files: dict[Inode, tuple[int, int]] = field(default_factory=dict)
    versions: list[StoredVersion] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Bytes held (hard links counted once)."""
        return sum(size for size, _links in self.files.values())

    def add(self, entry: os.DirEntry | Path) -> Inode | None:
        """Count one file; its inode, or None if it vanished meanwhile (a commit or prune elsewhere)."""
        try:
            st = entry.stat(follow_symlinks=False) if isinstance(entry, os.DirEntry) else entry.lstat()
        except FileNotFoundError:
            return None
        inode = (st.st_dev, st.st_ino)
        self.files[inode] = (st.st_size, st.st_nlink)
        return inode

    def new_bytes(self, directory: Path) -> int:
        """Bytes of the files under ``directory`` that the inventory does not hold yet (a staged version)."""
        return sum(size for inode, size in _sizes_below(directory).items() if inode not in self.files)


def _sizes_below(directory: Path) -> dict[Inode, int]:
    """Bytes of each file under ``directory``, by inode (hard links once); files that vanish meanwhile are left out."""
    sizes: dict[Inode, int] = {}
    for root, _dirs, names in os.walk(directory):
        for name in names:
            try:
                st = (Path(root) / name).lstat()
            except FileNotFoundError:
                continue
            sizes[(st.st_dev, st.st_ino)] = st.st_size
    return sizes


def _scan(directory: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(directory) as entries:
            return list(entries)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _current(table_dir: Path) -> int | None:
    try:
        return int(json.loads((table_dir / 'current.json').read_text())['version'])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def take_inventory(root: Path) -> Inventory:
    """Walk ``tables/`` and ``views/`` once: every file's inode and size, every version of every table.

    About 0.1 s per 50,000 files; run it off the event loop.
    """
    inventory = Inventory()
    for entry in _scan(root / 'views'):
        inventory.add(entry)
    for table in _scan(root / 'tables'):
        if not table.is_dir(follow_symlinks=False):
            continue
        table_dir = Path(table.path)
        current = _current(table_dir)
        for entry in _scan(table_dir):
            if entry.is_file(follow_symlinks=False):
                inventory.add(entry)
        for version in _scan(table_dir / 'versions'):
            if not version.name.isdigit():
                continue
            inodes = [inode for entry in _scan(Path(version.path))
                      if entry.is_file(follow_symlinks=False) and (inode := inventory.add(entry)) is not None]
            try:
                made = (Path(version.path) / 'meta.json').stat().st_mtime
            except FileNotFoundError:
                made = 0.0
            inventory.versions.append(StoredVersion(table.name, int(version.name), made,
                                                    int(version.name) == current, inodes))
    return inventory


def disk_usage(root: Path) -> int:
    """Every byte under the data directory, staging included (each inode once): for /metrics."""
    return sum(_sizes_below(root).values())


def _unlinker(inventory: Inventory) -> Callable[[StoredVersion], int]:
    """A function that "removes" a version from a copy of the link counts and says how many bytes that frees.

    A file still linked elsewhere (another version, an upload) frees nothing.
    """
    links = {inode: nlink for inode, (_size, nlink) in inventory.files.items()}

    def remove(version: StoredVersion) -> int:
        freed = 0
        for inode in version.inodes:
            links[inode] -= 1
            if links[inode] == 0:
                freed += inventory.files[inode][0]
        return freed
    return remove


def _old_versions(inventory: Inventory) -> list[StoredVersion]:
    """Every version that is not its table's current one, oldest first (any table)."""
    return sorted((v for v in inventory.versions if not v.current), key=lambda v: (v.made, v.table_id, v.number))


def plan_pruning(inventory: Inventory, cap: int, needed: int) -> list[StoredVersion] | None:
    """The oldest non-current versions whose removal makes ``needed`` more bytes fit under ``cap``.

    ``[]`` when it fits already; None when even removing every non-current
    version would not make room (then nothing should be removed).
    """
    used = inventory.total
    if used + needed <= cap:
        return []
    remove, freed, chosen = _unlinker(inventory), 0, []
    for version in _old_versions(inventory):
        chosen.append(version)
        freed += remove(version)
        if used - freed + needed <= cap:
            return chosen
    return None


class StorageCap:
    """``--max-data-mb``: prunes old versions to make room for new ones, or refuses with a 507."""

    def __init__(self, store: 'Store', max_bytes: int) -> None:
        self.store, self.max_bytes = store, max_bytes

    def make_room(self, needed: int, staged: Path | None = None, ahead: int = 0) -> int:
        """Prune until ``needed`` bytes (plus the new files under ``staged``) fit; return the bytes that fit now.

        ``ahead``: more room to make if it can be had (an upload still
        streaming will need it soon), without refusing when it cannot. The
        answer is how many bytes a new version may hold now (``needed`` and
        ``staged`` included), so a streaming upload asks again only past it.
        Raises StorageFull (507) with a sentence when even pruning every old
        version would not make room; nothing is pruned then.
        """
        inventory = take_inventory(self.store.root)
        if staged is not None:
            needed += inventory.new_bytes(staged)
        plan = plan_pruning(inventory, self.max_bytes, needed + ahead) if ahead else None
        if plan is None:
            plan = plan_pruning(inventory, self.max_bytes, needed)
        if plan is None:
            raise self.refusal(inventory, needed, exact=staged is not None)
        remove = _unlinker(inventory)
        freed = sum(remove(v) for v in plan if self.store.prune(v.table_id, v.number))
        if plan:
            log.info('storage cap %s: pruned %d old version(s), %s, to make room for %s',
                     megabytes(self.max_bytes), len(plan), megabytes(freed), megabytes(needed))
        return self.max_bytes - (inventory.total - freed)

    def refusal(self, inventory: Inventory, needed: int, exact: bool) -> StorageFull:
        """The sentence: how big the cap is, what the upload needed, and how much room there could be.

        ``exact``: the need was measured on the version made (its cells and
        original); otherwise it is the bytes of the upload, which the version needs at least.
        """
        room = max(0, self.max_bytes - _bytes_of_current(inventory))
        return StorageFull(
            f'The server keeps at most {megabytes(self.max_bytes)} of tables (its storage cap) and this upload '
            f'needs {"" if exact else "at least "}{megabytes(needed)}; even with every old version removed '
            f'there is room for only '
            f'{megabytes(room)}. Nothing was stored.')


def _bytes_of_current(inventory: Inventory) -> int:
    """What stays when every non-current version is gone: the total less the bytes only they hold."""
    remove = _unlinker(inventory)
    return inventory.total - sum(remove(version) for version in _old_versions(inventory))


# -- expiry ------------------------------------------------------------------------


def expired(store: 'Store', days: float, now: float) -> list[str]:
    """Tables neither viewed nor changed in the ``days`` before ``now`` (epoch seconds)."""
    limit = now - days * DAY
    found = []
    for table_id in store.table_ids():
        last = store.last_active(table_id)
        if last is not None and last < limit:
            found.append(table_id)
    return found


def sweep(store: 'Store', days: float, now: float | None = None,
          spare: Callable[[str], bool] = lambda table_id: False) -> list[str]:
    """Delete the tables ``expired`` finds (except those ``spare`` keeps: open in a tab here); their ids.

    Logged one line per table. Safe with several processes sweeping at once:
    a table another process deleted first is skipped.
    """
    now = store.clock() if now is None else now
    deleted = []
    for table_id in expired(store, days, now):
        if spare(table_id):
            continue
        last = store.last_active(table_id)
        try:
            store.delete(table_id)
        except NotFound:
            continue
        deleted.append(table_id)
        idle = (now - last) / DAY if last is not None else float('nan')
        log.info('expired table %s: neither viewed nor changed for %.1f days (--expire-days %g); deleted',
                 table_id, idle, days)
    return deleted


def wall_clock() -> float:
    """The real clock (epoch seconds); tests give the store a fake one."""
    return time.time()
