"""Expiry (``--expire-days``): a table neither viewed nor changed for that long is deleted by the sweep."""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import httpx

from tests.helpers import Server, tsv
from tsvcore import Store
from tsvcore.storage import housekeeping
from tsvcore.storage.store import VIEWED_EVERY

DAY = 86400.0


class FakeClock:
    """Epoch seconds that move only when told."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, days: float) -> None:
        self.now += days * DAY


def make(store: Store, tmp_path: Path, rows: tuple[str, ...] = ('1',), table_id: str | None = None) -> str:
    source = tmp_path / 'up.tsv'
    source.write_bytes(tsv(('a',), *[(r,) for r in rows]))
    meta = store.create(source, 'f.tsv') if table_id is None else store.replace(table_id, source, 'f.tsv')
    return meta['id']


def test_a_table_neither_viewed_nor_changed_expires_and_the_others_stay(tmp_path, caplog):
    clock = FakeClock()
    store = Store(tmp_path / 'data', clock=clock)
    idle, viewed, changed = make(store, tmp_path), make(store, tmp_path), make(store, tmp_path)
    clock.advance(20)
    store.resolve(viewed)                                  # a page or the API read it on day 20
    make(store, tmp_path, ('2',), changed)                 # replaced on day 20
    clock.advance(11)                                      # day 31: idle for 31 days, the others for 11
    assert housekeeping.expired(store, 30, clock()) == [idle]
    with caplog.at_level(logging.INFO, logger='tsvcore.storage.housekeeping'):
        assert housekeeping.sweep(store, 30) == [idle]
    assert f'expired table {idle}' in caplog.text and '31.0 days' in caplog.text
    assert not store.exists(idle) and store.exists(viewed) and store.exists(changed)
    clock.advance(20)                                      # day 51: the other two idle for 31 days now
    assert sorted(housekeeping.sweep(store, 30)) == sorted([viewed, changed])
    assert store.table_ids() == []


def test_viewing_touches_the_disk_at_most_once_an_hour(tmp_path):
    clock = FakeClock()
    store = Store(tmp_path / 'data', clock=clock)
    table = make(store, tmp_path)
    store.resolve(table)
    first = store.last_active(table)
    clock.now += VIEWED_EVERY / 2
    store.resolve(table)                                   # within the hour: no write
    assert store.last_active(table) == first
    clock.now += VIEWED_EVERY
    store.resolve(table)
    assert store.last_active(table) == clock.now


def test_a_table_open_in_a_tab_here_is_spared(tmp_path):
    clock = FakeClock()
    store = Store(tmp_path / 'data', clock=clock)
    table = make(store, tmp_path)
    clock.advance(40)
    assert housekeeping.sweep(store, 30, spare=lambda t: t == table) == []
    assert store.exists(table)


def test_a_table_open_in_a_tab_of_another_process_is_spared_too(tmp_path):
    from web.services import Config, Services
    services = Services.create(Config(data_dir=tmp_path / 'data'))
    assert not services.is_viewed('t1')
    services._tell_presence('t1', 2)   # what Redis says: two tabs elsewhere have it open
    assert services.is_viewed('t1')
    services._tell_presence('t1', 0)
    assert not services.is_viewed('t1')


def test_the_app_sweeps_at_start_up_with_expire_days(tmp_path):
    data = tmp_path / 'data'
    server = Server(data).start()
    try:
        old = httpx.post(f'{server.url}/api/tables', content=tsv(('a',), ('old',))).json()
        fresh = httpx.post(f'{server.url}/api/tables', content=tsv(('a',), ('new',))).json()['id']
    finally:
        server.stop()
    two_days_ago = time.time() - 2 * DAY
    for path in (data / 'tables' / old['id']).iterdir():   # as if nobody had looked at it for two days
        os.utime(path, (two_days_ago, two_days_ago))
    server = Server(data, EXPIRE_DAYS='1').start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (data / 'tables' / old['id']).exists():
            time.sleep(0.1)
        assert httpx.get(f"{server.url}/api/tables/{old['id']}").status_code == 404
        assert not (data / 'views' / old['view_id']).exists()
        assert httpx.get(f'{server.url}/api/tables/{fresh}').status_code == 200
        assert f"expired table {old['id']}" in server.log.read_text()
    finally:
        server.stop()
