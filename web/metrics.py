"""``GET /metrics`` in Prometheus text format, for the addresses ``--metrics-allow`` names.

What it counts: uploads and their bytes by outcome, seconds from a received
upload to its commit (histogram), engine queries' seconds by kind, and, read
when scraped, open viewers (this process's tabs), tables, data directory
bytes and whether Redis is connected (only with ``--redis-url``). It reveals
how many tables exist, so only allowed addresses get it (default: loopback);
others get 403. Behind a proxy, the address is the proxy's unless uvicorn is
told to believe its X-Forwarded-For (``--forwarded-allow-ips``).

Each ``Services`` has a registry of its own (not prometheus-client's global
one), so tests that build the app several times in one process count afresh.
"""
from __future__ import annotations

import functools
import ipaddress
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from nicegui import run
from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, disable_created_metrics,
                               generate_latest)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from tsvcore.storage import housekeeping

if TYPE_CHECKING:
    from .services import Services

disable_created_metrics()  # no ``*_created`` series: they double the text and no dashboard here uses them
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
QUERY_KINDS = ('page', 'order', 'facets', 'profile')  # QueryEngine methods timed, by their name
SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


def networks(text: str) -> list[Network]:
    """``"127.0.0.0/8, ::1, 10.1.2.3"`` as networks (an address is a network of one); ValueError names a bad one."""
    found = []
    for part in (p.strip() for p in text.split(',')):
        if not part:
            continue
        try:
            found.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f'"{part}" is not an address or a network (such as 10.0.0.0/8)') from None
    return found


def allowed(host: str | None, nets: list[Network]) -> bool:
    """Whether a client address is in one of the networks (an unparsable address, such as a test client's, is not)."""
    try:
        address = ipaddress.ip_address(host or '')
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 on a dual-stack socket
    return any(address.version == net.version and address in net for net in nets)


def outcome_of(error: BaseException | None) -> str:
    """An upload's outcome label: ok, refused (4xx), too_large (413), storage_full (507), failed (anything else)."""
    if error is None:
        return 'ok'
    status = getattr(error, 'status', None)
    if status == 413:
        return 'too_large'
    if status == 507 or getattr(error, 'errno', None) == 28:  # ENOSPC: the disk itself is full
        return 'storage_full'
    if isinstance(status, int) and 400 <= status < 500:
        return 'refused'
    return 'failed'


class Metrics:
    """The app's metrics, in a registry of its own; ``upload`` and the engine's timing feed them."""

    def __init__(self, services: 'Services') -> None:
        self.services = services
        self.registry = CollectorRegistry()
        self.uploads = Counter('tsv_uploads', 'Uploads (new tables and replacements) by outcome',
                               ['outcome'], registry=self.registry)
        self.upload_bytes = Counter('tsv_upload_bytes', 'Bytes of upload bodies received, by outcome',
                                    ['outcome'], registry=self.registry)
        self.ingest_seconds = Histogram('tsv_ingest_seconds', 'Seconds from a received upload to its commit',
                                        buckets=SECONDS, registry=self.registry)
        self.query_seconds = Histogram('tsv_query_seconds', 'Seconds of engine queries, by kind',
                                       ['kind'], buckets=SECONDS, registry=self.registry)
        self.registry.register(_Snapshot(services))
        self.allow = networks(services.config.metrics_allow)

    def upload(self, outcome: str, received: int, ingest_seconds: float | None = None) -> None:
        """One upload ended: its outcome (``outcome_of``), bytes received, and its ingest time if it got that far."""
        self.uploads.labels(outcome).inc()
        self.upload_bytes.labels(outcome).inc(received)
        if ingest_seconds is not None:
            self.ingest_seconds.observe(ingest_seconds)

    def time_queries(self, engine: Any) -> None:
        """Wrap the engine's query methods on this instance, so the page's queries count as well as the API's."""
        for kind in QUERY_KINDS:
            method = getattr(engine, kind, None)
            if method is not None:
                setattr(engine, kind, self._timed(kind, method))

    def _timed(self, kind: str, method: Callable) -> Callable:
        histogram = self.query_seconds.labels(kind)

        @functools.wraps(method)
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                histogram.observe(time.perf_counter() - started)
        return timed


class _Snapshot(Collector):
    """Gauges read when scraped: viewers, tables, data directory bytes, Redis."""

    def __init__(self, services: 'Services') -> None:
        self.services = services

    def collect(self) -> Iterator[GaugeMetricFamily]:
        services = self.services
        yield GaugeMetricFamily('tsv_open_viewers', 'Tabs with a table open and a live connection, in this process',
                                value=sum(len(clients) for clients in list(services.viewers.values())))
        yield GaugeMetricFamily('tsv_tables', 'Tables in the data directory', value=len(services.store.table_ids()))
        yield GaugeMetricFamily('tsv_data_bytes', 'Bytes under the data directory (hard links once, uploads in '
                                'progress included)', value=housekeeping.disk_usage(services.store.root))
        if services.config.redis_url:
            yield GaugeMetricFamily('tsv_redis_connected', '1 while Redis is reachable, else 0',
                                    value=int(bool(getattr(services.notifier, 'connected', False))))


def mount(app: FastAPI, services: 'Services') -> None:
    """Add ``GET /metrics``: 403 for an address ``--metrics-allow`` does not name."""
    metrics: Metrics = services.metrics

    @app.get('/metrics')
    async def scrape(request: Request) -> Response:
        host = request.client.host if request.client else None
        if not allowed(host, metrics.allow):
            return JSONResponse({'error': 'Metrics are only for the addresses --metrics-allow names.'},
                                status_code=403)
        body = await run.io_bound(generate_latest, metrics.registry)  # walks the data directory: off the loop
        return Response(body, media_type=CONTENT_TYPE_LATEST)
