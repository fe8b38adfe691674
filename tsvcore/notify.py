"""Change notifications: who must hear that a table has a new current version.

The engine publishes after every commit; the web layer subscribes one callback
per open viewer. This in-process hub is the embedded implementation; a Redis
one (issue #7) fits behind the same two methods so that several processes
hear each other's commits.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TableChanged:
    """A table's current version moved; viewers re-query their own page."""

    table_id: str
    version: int


Callback = Callable[[TableChanged], None]


class Notifier(Protocol):
    def subscribe(self, table_id: str, callback: Callback) -> Callable[[], None]:
        """Call ``callback`` on every change of ``table_id``; returns an unsubscribe function."""

    def publish(self, change: TableChanged) -> None:
        """Tell every subscriber of the table."""


class LocalNotifier:
    """Subscribers in this process, called synchronously on publish."""

    def __init__(self) -> None:
        self._subscribers: dict[str, list[Callback]] = defaultdict(list)

    def subscribe(self, table_id: str, callback: Callback) -> Callable[[], None]:
        self._subscribers[table_id].append(callback)

        def unsubscribe() -> None:
            callbacks = self._subscribers.get(table_id, [])
            if callback in callbacks:
                callbacks.remove(callback)
            if not callbacks:
                self._subscribers.pop(table_id, None)
        return unsubscribe

    def publish(self, change: TableChanged) -> None:
        for callback in list(self._subscribers.get(change.table_id, [])):
            try:
                callback(change)
            except Exception:  # one broken subscriber must not silence the others
                log.exception('change subscriber failed for table %s', change.table_id)

    def watched(self) -> list[str]:
        """Tables that have subscribers now."""
        return list(self._subscribers)
