"""What the API and the pages share: the store, the query engine, the notifier."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nicegui import Event, background_tasks, run

from tsvcore import LocalNotifier, Notifier, PageRequest, QueryEngine, Store, TableChanged, TsvError
from tsvcore.queries import diff
from tsvcore.storage import housekeeping

from . import memory
from .metrics import Metrics

log = logging.getLogger(__name__)

PRESENCE_EVERY = 0.5  # seconds
SUMMARY_AFTER = 0.05  # seconds after a change went out before its summary is computed


@dataclass
class Config:
    host: str = '0.0.0.0'
    port: int = 8080
    data_dir: Path = Path('data')
    max_upload_mb: int = 1024
    redis_url: str = ''
    upload_idle_seconds: float = 60.0
    keep_versions: int = 20
    forwarded_allow_ips: str = '127.0.0.1'  # whose X-Forwarded-For/-Proto uvicorn believes: the proxy's
    max_data_mb: float | None = None        # the storage cap (None: none), MB of 1,048,576 bytes
    expire_days: float | None = None        # delete tables neither viewed nor changed for this long
    trusted_user_header: str = ''           # e.g. X-Forwarded-User, set by an SSO proxy; '' ignores it
    metrics_allow: str = '127.0.0.0/8,::1'  # who may read /metrics: addresses or CIDRs, comma-separated

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def max_data_bytes(self) -> int | None:
        return None if self.max_data_mb is None else int(self.max_data_mb * 1024 * 1024)


@dataclass
class Services:
    config: Config
    store: Store
    engine: QueryEngine
    notifier: Notifier
    _events: dict[str, Event] = field(default_factory=dict)
    _follow_events: dict[str, Event] = field(default_factory=dict)
    _presence_events: dict[str, Event] = field(default_factory=dict)
    _upload_events: dict[str, Event] = field(default_factory=dict)
    _lead_events: dict[str, Event] = field(default_factory=dict)
    live_event: Event[bool] = field(default_factory=Event)        # Redis reachable again (True) or lost (False)
    _summary_events: dict[str, Event] = field(default_factory=dict)
    summaries: dict[str, dict] = field(default_factory=dict)      # table -> what its latest change changed
    leaders: dict[str, str] = field(default_factory=dict)         # table -> client id of who leads, here
    presented: dict[str, dict] = field(default_factory=dict)      # table -> the view followers see
    viewers: dict[str, set[str]] = field(default_factory=dict)    # table -> client ids on its pages
    _presence_due: set[str] = field(default_factory=set)          # tables whose count is about to go out
    _presence_sent: dict[str, float] = field(default_factory=dict)  # table -> when its count last went out
    _viewing_elsewhere: dict[str, int] = field(default_factory=dict)  # table -> viewers in other processes
    metrics: Metrics | None = None                                # /metrics (web/metrics.py)

    @classmethod
    def create(cls, config: Config) -> 'Services':
        table_lock = None
        if config.redis_url:
            from tsvcore.storage.redis_lock import RedisTableLock
            table_lock = RedisTableLock(config.redis_url)
        store = Store(config.data_dir, keep_versions=config.keep_versions, table_lock=table_lock,
                      max_data_bytes=config.max_data_bytes)
        store.clean_temporaries()
        notifier: Notifier = LocalNotifier()
        if config.redis_url:
            from tsvcore.live.redis_notify import RedisNotifier
            notifier = RedisNotifier(config.redis_url, store.current)
        services = cls(config, store, QueryEngine(store), notifier)
        services.metrics = Metrics(services)
        services.metrics.time_queries(services.engine)
        notifier.on_presence = services._tell_presence  # with Redis: viewers in other processes count too
        notifier.on_view = services._lead_followers      # ... and lead followers here
        notifier.on_connection = services.live_event.emit  # pages say "Live updates paused" while Redis is away
        return services

    def live(self) -> bool:
        """Whether other processes' changes reach this one's viewers: no Redis configured, or Redis reachable."""
        return not self.config.redis_url or getattr(self.notifier, 'connected', False)

    def health(self) -> dict:
        """{"ok": true}, or what is wrong: a process that lost Redis still serves what is on disk."""
        if self.config.redis_url and not getattr(self.notifier, 'connected', False):
            return {'ok': False, 'redis': 'unreachable'}
        return {'ok': True, 'redis': 'connected'} if self.config.redis_url else {'ok': True}

    def committed(self, meta: dict) -> None:
        """A new version is current: tell every viewer, and let go of what the old ones cached."""
        self.engine.forget_older(meta['id'], meta['version'])
        self.notifier.publish(TableChanged(meta['id'], meta['version']))

    def deleted(self, table_id: str) -> None:
        """The table was deleted (``store.delete``): every viewer, in every process, says so; caches let go."""
        self.engine.forget_older(table_id, 1 << 62)  # every version of it is older than that
        self.summaries.pop(table_id, None)
        self.notifier.publish(TableChanged.deletion(table_id))

    def uploaded_by(self, headers: Mapping[str, str]) -> str | None:
        """Who makes a version, from ``--trusted-user-header`` (set by an SSO proxy); None without the option.

        Without the option the header is ignored: anyone could send it. The
        name is cut to 200 characters of printable text.
        """
        name = self.config.trusted_user_header
        if not name:
            return None
        value = ''.join(c for c in headers.get(name, '') if c.isprintable()).strip()[:200]
        return value or None

    async def expire_daily(self) -> None:
        """``--expire-days``: sweep now and then once a day; tables open in a tab are spared, here or (through
        Redis's shared viewer counts) in another process."""
        days = self.config.expire_days
        while days:
            try:
                gone = await run.io_bound(housekeeping.sweep, self.store, days, None, self.is_viewed)
            except Exception:  # a sweep that failed tries again tomorrow; the app keeps serving
                log.exception('the expiry sweep failed')
                gone = []
            for table_id in gone:
                self.deleted(table_id)
            await asyncio.sleep(housekeeping.DAY)

    def is_viewed(self, table_id: str) -> bool:
        """Whether a tab has the table open, in this process or, as far as Redis told us, another."""
        return bool(self.viewers.get(table_id)) or self._viewing_elsewhere.get(table_id, 0) > 0

    def table_event(self, table_id: str) -> Event[TableChanged]:
        """A NiceGUI event per table, fed by the notifier.

        Viewers subscribe inside their page function, so each callback runs in
        its own viewer's context and is dropped when that viewer leaves.
        """
        event = self._events.get(table_id)
        if event is None:
            event = self._events[table_id] = Event()
            self.notifier.subscribe(table_id, lambda change: background_tasks.create(
                self._announce(event, change), name=f'announce {change.table_id} v{change.version}'))
        return event

    async def _announce(self, event: Event[TableChanged], change: TableChanged) -> None:
        """Read once what every viewer is about to ask for (the metadata and the first page), then tell them.

        Viewers then find it in the cache and answer without a thread hop each:
        this is what lets one replacement reach hundreds of open tabs quickly.
        """
        if change.deleted:  # nothing to read: the viewers say it is gone
            event.emit(change)
            return
        try:
            await run.io_bound(self._warm, change)
        finally:
            memory.pause_collection()  # the tabs' updates go out in the next second or so
            event.emit(change)
        await self._summarize(change)

    def summary_event(self, table_id: str) -> Event[dict]:
        """What a change changed (``diff.summary``'s dict), once it is known: after the change itself."""
        return self._summary_events.setdefault(table_id, Event())

    def summary_of(self, table_id: str, version: int) -> dict | None:
        """The summary of the change to ``version``, if it is already known (a viewer that was slow to switch)."""
        known = self.summaries.get(table_id)
        return known if known is not None and known['to'] == version else None

    async def _summarize(self, change: TableChanged) -> None:
        """Compare the new version with the one before, once per process, then tell the viewers here.

        Only after the replacement went out (``_announce``): a million-row diff
        takes about half a second, which the new rows must not wait for. The
        engine caches the comparison, so "Show changes" finds it made. A
        comparison that cannot be made (the version before was trimmed away,
        a later one came) leaves the plain notice.
        """
        event = self._summary_events.get(change.table_id)
        if event is None or not event.callbacks or change.version < 2:
            return  # nobody here to tell, or nothing to compare with
        await asyncio.sleep(SUMMARY_AFTER)  # the tabs' updates go out before the thread takes its share of the GIL
        try:
            summary = await run.io_bound(diff.summary, self.engine, change.table_id, change.version - 1,
                                         change.version)
        except (TsvError, OSError) as error:  # e.g. trimmed or deleted meanwhile: the plain notice stays
            log.info('no summary of table %s version %s: %s', change.table_id, change.version, error)
            return
        if summary is None:  # the app is stopping
            return
        known = self.summaries.get(change.table_id)
        if known is not None and known['to'] > summary['to']:
            return  # a later change was summarized first: this one is old news
        self.summaries[change.table_id] = summary
        event.emit(summary)

    def _warm(self, change: TableChanged) -> None:
        try:
            self.store.meta(change.table_id, change.version)
            self.engine.page(change.table_id, PageRequest(), change.version)
        except TsvError as error:  # e.g. already trimmed away: viewers will hear it themselves
            log.info('could not prepare table %s version %s: %s', change.table_id, change.version, error)

    def upload_event(self, table_id: str) -> Event[dict]:
        """A replacement on its way: ``{"percent": 0-100 or None, "phase": "uploading" | "reading" | "failed"}``.

        In this process only: viewers of the table in other instances see the
        new version when it is committed, without the progress before it.
        """
        return self._upload_events.setdefault(table_id, Event())

    def uploading(self, table_id: str, phase: str, percent: int | None = None) -> None:
        if table_id in self._upload_events:  # nobody has the table open: nothing to tell
            self._upload_events[table_id].emit({'phase': phase, 'percent': percent})

    def lead_event(self, table_id: str) -> Event[str | None]:
        """Who leads the table's followers now (a client id), or None when the leader stopped or left."""
        return self._lead_events.setdefault(table_id, Event())

    def take_lead(self, table_id: str, client_id: str, state: dict) -> None:
        """This viewer leads from now on; whoever led before stops. Followers jump to its view at once."""
        self.leaders[table_id] = client_id
        self.lead_event(table_id).emit(client_id)
        self.present(table_id, client_id, state)

    def end_lead(self, table_id: str, client_id: str) -> None:
        """The leader switched Lead off or left: following ends (a follower no longer drags anyone)."""
        if self.leaders.get(table_id) == client_id:
            del self.leaders[table_id]
            self.presented.pop(table_id, None)
            self.lead_event(table_id).emit(None)

    def follow_event(self, table_id: str) -> Event[str, dict]:
        """(client id, view state) from a following viewer who moved: the others follow."""
        return self._follow_events.setdefault(table_id, Event())

    def present(self, table_id: str, client_id: str, state: dict) -> None:
        self._lead_followers(table_id, client_id, state)
        self.notifier.share_view(table_id, client_id, state)

    def _lead_followers(self, table_id: str, client_id: str, state: dict) -> None:
        """Followers of the table in this process take this view (moved here, or in another process)."""
        self.presented[table_id] = state
        self.follow_event(table_id).emit(client_id, state)

    def presence_event(self, table_id: str) -> Event[int]:
        """How many viewers a table has, whenever that changes."""
        return self._presence_events.setdefault(table_id, Event())

    def arrive(self, table_id: str, client_id: str) -> int:
        """A tab opened the table; returns how many are open now (as last heard from other processes too),
        for the newcomer to show at once."""
        self.viewers.setdefault(table_id, set()).add(client_id)
        self._presence_changed(table_id)
        return len(self.viewers[table_id]) + self._viewing_elsewhere.get(table_id, 0)

    def leave(self, table_id: str, client_id: str) -> None:
        clients = self.viewers.get(table_id, set())
        clients.discard(client_id)
        if not clients:
            self.viewers.pop(table_id, None)
        self._presence_changed(table_id)

    def _presence_changed(self, table_id: str) -> None:
        """Tell the table's tabs how many they are, at most every PRESENCE_EVERY seconds.

        Sent on every arrival, a thousand tabs opening one after another cost
        half a million updates (each tab hears of each later one); this way a
        burst of arrivals costs each open tab one update per interval.
        """
        if table_id in self._presence_due:
            return  # the count that goes out will include this change
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a process shutting down): nobody is listening
            return
        wait = max(0.0, self._presence_sent.get(table_id, 0.0) + PRESENCE_EVERY - loop.time())
        self._presence_due.add(table_id)
        loop.call_later(wait, self._send_presence, table_id)

    def _send_presence(self, table_id: str) -> None:
        self._presence_due.discard(table_id)
        count = len(self.viewers.get(table_id, ()))
        if count:
            self._presence_sent[table_id] = asyncio.get_running_loop().time()
        else:
            self._presence_sent.pop(table_id, None)
        self.notifier.share_presence(table_id, count)  # the total comes back through _tell_presence

    def _tell_presence(self, table_id: str, total: int) -> None:
        """Every process's viewers of the table; the part that is not this process's is kept for newcomers."""
        self._viewing_elsewhere[table_id] = max(0, total - len(self.viewers.get(table_id, ())))
        self.presence_event(table_id).emit(total)
