"""The "N viewing" count: right for everyone, without flooding hundreds of tabs with updates."""
from __future__ import annotations

import asyncio

from web.services import PRESENCE_EVERY, Config, Services


def counts_heard(services: Services, table_id: str) -> list[int]:
    heard: list[int] = []
    services.presence_event(table_id).subscribe(heard.append)
    return heard


async def test_a_burst_of_arrivals_costs_each_tab_a_couple_of_updates(tmp_path):
    services = Services.create(Config(data_dir=tmp_path))
    heard = counts_heard(services, 'abc')
    assert [services.arrive('abc', f'tab{i}') for i in range(3)] == [1, 2, 3]  # a newcomer shows its count at once
    for i in range(3, 300):
        services.arrive('abc', f'tab{i}')
    await asyncio.sleep(PRESENCE_EVERY * 2.5)
    assert heard[-1] == 300
    assert len(heard) <= 3  # not 300


async def test_leaving_is_counted_too(tmp_path):
    services = Services.create(Config(data_dir=tmp_path))
    heard = counts_heard(services, 'abc')
    services.arrive('abc', 'alice')
    services.arrive('abc', 'bob')
    await asyncio.sleep(PRESENCE_EVERY * 1.5)
    services.leave('abc', 'bob')
    await asyncio.sleep(PRESENCE_EVERY * 1.5)
    assert heard[-1] == 1
    services.leave('abc', 'alice')
    await asyncio.sleep(PRESENCE_EVERY * 1.5)
    assert heard[-1] == 0 and 'abc' not in services.viewers
