"""Change notifications: who must hear that a table has a new current version.

The engine publishes after every commit; the web layer subscribes one callback
per open viewer. This in-process hub is the embedded implementation; a Redis
one (issue #7) fits behind the same methods so that several processes hear
each other's commits, and count and follow each other's viewers.
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
    """A table's current version moved; viewers re-query their own page.

    ``deleted``: the table is gone (``version`` is then its last one, or 0 if
    unknown); viewers say so in place of the table. One kind of event, so
    every subscriber hears a deletion the way it hears a change, in every
    process.
    """

    table_id: str
    version: int
    deleted: bool = False

    @classmethod
    def deletion(cls, table_id: str, version: int = 0) -> 'TableChanged':
        return cls(table_id, version, deleted=True)


Callback = Callable[[TableChanged], None]
PresenceCallback = Callable[[str, int], None]         # table, viewers in every process
ViewCallback = Callable[[str, str, dict], None]       # table, client, view state


class Notifier(Protocol):
    def subscribe(self, table_id: str, callback: Callback) -> Callable[[], None]:
        """Call ``callback`` on every change of ``table_id``; returns an unsubscribe function."""

    def publish(self, change: TableChanged) -> None:
        """Tell every subscriber of the table."""

    on_presence: PresenceCallback | None
    on_view: ViewCallback | None

    def share_presence(self, table_id: str, count: int) -> None:
        """This process has ``count`` viewers of the table; ``on_presence`` hears the total."""

    def share_view(self, table_id: str, client_id: str, state: dict) -> None:
        """A follower here moved; ``on_view`` tells followers elsewhere."""


class LocalNotifier:
    """Subscribers in this process, called synchronously on publish."""

    def __init__(self) -> None:
        self._subscribers: dict[str, list[Callback]] = defaultdict(list)
        self.on_presence: PresenceCallback | None = None
        self.on_view: ViewCallback | None = None

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

    def share_presence(self, table_id: str, count: int) -> None:
        if self.on_presence is not None:
            self.on_presence(table_id, count)  # one process: its count is the total

    def share_view(self, table_id: str, client_id: str, state: dict) -> None:
        pass  # one process: its followers were led already

    def watched(self) -> list[str]:
        """Tables that have subscribers now."""
        return list(self._subscribers)
