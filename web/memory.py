"""Giving memory back to the system after viewers leave.

Every open tab costs the server its NiceGUI element tree. When tabs close,
Python frees those objects, but CPython's own small-object allocator keeps
each 1 MiB arena for as long as any object in it lives, so after a few hundred
tabs come and go the process stays at its high-water mark. ``main.py`` runs
the app on the C allocator instead (``PYTHONMALLOC=malloc``), and a short
while after the last departure this module asks glibc to hand free pages
back (``malloc_trim``). bench/fanout.py measures what comes back.
"""
from __future__ import annotations

import asyncio
import ctypes
import gc
from nicegui import background_tasks, run


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
        gc.collect()  # closed tabs leave reference cycles behind
        if self._trim is not None:
            self._trim(0)
