"""What the API and the pages share: the store, the query engine, the notifier."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nicegui import Event

from tsvcore import LocalNotifier, Notifier, QueryEngine, Store, TableChanged


@dataclass
class Config:
    host: str = '0.0.0.0'
    port: int = 8080
    data_dir: Path = Path('data')
    max_upload_mb: int = 1024
    redis_url: str = ''
    upload_idle_seconds: float = 60.0
    keep_versions: int = 20

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024


@dataclass
class Services:
    config: Config
    store: Store
    engine: QueryEngine
    notifier: Notifier
    _events: dict[str, Event] = field(default_factory=dict)

    @classmethod
    def create(cls, config: Config) -> 'Services':
        store = Store(config.data_dir, keep_versions=config.keep_versions)
        store.clean_temporaries()
        return cls(config, store, QueryEngine(store), LocalNotifier())

    def table_event(self, table_id: str) -> Event[TableChanged]:
        """A NiceGUI event per table, fed by the notifier.

        Viewers subscribe inside their page function, so each callback runs in
        its own viewer's context and is dropped when that viewer leaves.
        """
        event = self._events.get(table_id)
        if event is None:
            event = self._events[table_id] = Event()
            self.notifier.subscribe(table_id, event.emit)
        return event
