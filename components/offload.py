"""Blocking work off the event loop, for page code."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from nicegui import run

T = TypeVar('T')


async def off_loop(fn: Callable[..., T], *args) -> T:
    """``run.io_bound`` that raises when cancelled instead of returning None.

    NiceGUI 3 answers None when the page build was cancelled (it took longer
    than its response timeout) or the app is stopping; code that went on with
    that None failed later with an unrelated AttributeError.
    """
    result = await run.io_bound(fn, *args)
    if result is None:
        raise asyncio.CancelledError()
    return result
