"""Memory and the garbage collector with many tabs open.

Every open tab costs the server its NiceGUI element tree. When tabs close,
Python frees those objects, but CPython's own small-object allocator keeps
each 1 MiB arena for as long as any object in it lives, so after a few hundred
tabs come and go the process stays at its high-water mark. ``main.py`` runs
the app on the C allocator instead (``PYTHONMALLOC=malloc``), and a short
while after the last departure this module asks glibc to hand free pages
back (``malloc_trim``). bench/fanout.py measures what comes back.

The cyclic garbage collector is tuned too. Each open tab is about 1,300
Python objects, so 1,000 tabs are 1.3 million; CPython's default thresholds
then ran a full collection every other replacement, a 1.2-1.5 s pause of the
whole server in the middle of sending the new table to everyone (measured
with gc.callbacks during bench/fanout.py: p99 2.2 s instead of 0.6 s). What
the app imported at start-up is frozen out of collection, young objects are
collected in larger batches, and full collections come far less often.
While a replacement goes out to every open tab, collection waits altogether
(``pause_collection``): with 1,000 tabs the young collections that fell inside
that second cost 70-200 ms of it. Reference counting still frees almost
everything at once; only cycles wait the second or two.
"""
from __future__ import annotations

import asyncio
import ctypes
import gc

from nicegui import Client, background_tasks, run

GC_THRESHOLDS = (10_000, 10, 100)  # CPython's defaults: (700, 10, 10)
FULL_COLLECTION_BELOW = 200        # open tabs; above this a full collection pauses everyone too long
PAUSE_SECONDS = 2.0                # long enough for a replacement to reach a thousand tabs


def tune_gc() -> None:
    """Called once the app has started: everything imported so far is permanent."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    _pause.enabled = True


class _CollectorPause:
    """Cyclic collection off for a moment.

    A pause is never extended: with replacements arriving every second the
    collector would otherwise never run. Switched on again, it catches up at
    once (its counters kept counting), so it runs at least every few seconds.
    """

    def __init__(self) -> None:
        self.enabled = False  # only in the app process: a test runner's collector is its own
        self._resume: asyncio.TimerHandle | None = None

    def pause(self, seconds: float) -> None:
        if not self.enabled or self._resume is not None:
            return  # not ours to manage, or paused already
        if not gc.isenabled():
            return  # switched off by someone else: theirs to switch on
        gc.disable()
        self._resume = asyncio.get_running_loop().call_later(seconds, self._end)

    def _end(self) -> None:
        self._resume = None
        gc.enable()


_pause = _CollectorPause()


def pause_collection(seconds: float = PAUSE_SECONDS) -> None:
    """Hold cyclic collection while a change goes out to every tab (on the event loop)."""
    _pause.pause(seconds)


def _malloc_trim():
    """glibc's malloc_trim, or None on a C library without it."""
    try:
        return ctypes.CDLL('libc.so.6').malloc_trim
    except (OSError, AttributeError):
        return None


class MemoryReturner:
    """Debounced: many tabs leaving at once cost one collection, after they have all gone."""

    def __init__(self, delay: float = 5.0) -> None:
        self.delay = delay
        self._trim = _malloc_trim()
        self._pending: asyncio.Task | None = None

    def soon(self) -> None:
        if self._trim is None:
            return
        if self._pending is not None and not self._pending.done():
            self._pending.cancel()
        self._pending = background_tasks.create(self._later(), name='return memory')

    async def _later(self) -> None:
        await asyncio.sleep(self.delay)
        await run.io_bound(self.release)

    def release(self) -> None:
        # Closed tabs leave reference cycles behind, which only a full collection finds; with many
        # tabs still open that collection would stall them all, so it waits for a quieter moment.
        if len(Client.instances) < FULL_COLLECTION_BELOW:
            gc.collect()
        if self._trim is not None:
            self._trim(0)
