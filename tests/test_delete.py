"""Deleting a table: the API, what is left on disk (nothing), the page, and viewers in every process."""
from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from nicegui.testing import User

from bench.viewers import Viewer
from tests.helpers import Server, tsv
from tests.test_scaleout import health, two_processes, wait_for, watch
from tests.test_ui import upload
from tsvcore import NotFound, Store, TableChanged
from tsvcore.live.redis_notify import RedisNotifier

DELETED = 'This table was deleted'


def files_of(data: Path, *ids: str) -> list[Path]:
    """Every path under the data directory that names one of the ids."""
    return [p for p in data.rglob('*') if any(i in str(p) for i in ids)]


def test_delete_answers_204_and_leaves_nothing_behind(server: Server):
    created = httpx.post(f'{server.url}/api/tables', content=tsv(('a',), ('1',))).json()
    table, view = created['id'], created['view_id']
    httpx.put(f'{server.url}/api/tables/{table}', content=tsv(('a',), ('2',)))
    httpx.post(f'{server.url}/api/tables/{table}/restore', params={'version': 1})
    assert files_of(server.data_dir, table, view)
    assert httpx.delete(f'{server.url}/api/tables/{view}').status_code == 403  # a view-only link cannot
    r = httpx.delete(f'{server.url}/api/tables/{table}')
    assert r.status_code == 204 and r.content == b''
    for link in (table, view):
        assert httpx.get(f'{server.url}/api/tables/{link}').status_code == 404
        assert httpx.get(f'{server.url}/api/tables/{link}/versions').status_code == 404
    assert httpx.get(f'{server.url}/t/{table}').status_code == 404      # a tab opened now: the 404 page
    assert httpx.get(f'{server.url}/v/{view}').status_code == 404
    put = httpx.put(f'{server.url}/api/tables/{table}', content=tsv(('a',), ('3',)))
    assert put.status_code == 404                                       # a deleted table stays deleted
    assert httpx.delete(f'{server.url}/api/tables/{table}').status_code == 404
    assert files_of(server.data_dir, table, view) == []
    assert [p for p in (server.data_dir / 'tmp').rglob('*') if p.name != 'owner.lock' and p.is_file()] == []


def test_a_commit_that_waited_for_the_lock_does_not_bring_a_deleted_table_back(tmp_path):
    here, elsewhere = Store(tmp_path / 'data'), Store(tmp_path / 'data')  # two processes, one directory
    source = tmp_path / 'up.tsv'
    source.write_bytes(tsv(('a',), ('1',)))
    table = here.create(source, 'f.tsv')['id']
    source.write_bytes(tsv(('a',), ('2',)))
    here._make_room = lambda stage: elsewhere.delete(table)  # deleted while this upload is being committed
    with pytest.raises(NotFound):
        here.replace(table, source, 'f.tsv')
    assert not here.exists(table) and files_of(tmp_path / 'data', table) == []


async def test_delete_on_the_page_asks_first_and_every_viewer_sees_it(create_user):
    alice, bob = create_user(), create_user()
    created = await upload(alice, tsv(('city',), ('Oslo',)), 'cities.tsv')
    await alice.open(f"/t/{created['id']}")
    await bob.open(f"/v/{created['view_id']}")
    await bob.should_not_see(marker='tsv-delete')                 # a view-only page offers no delete
    alice.find(marker='tsv-delete').click()
    await alice.should_see('Delete this table?')                  # asked first
    alice.find(marker='tsv-delete-confirm').click()
    await bob.should_see(DELETED)
    await alice.should_see(DELETED)
    await alice.should_see('Go to the start page')
    r = await alice.http_client.get(f"/t/{created['id']}")
    assert r.status_code == 404 and 'Table not found' in r.text


async def test_the_delete_button_is_on_the_current_edit_page_only(user: User):
    created = await upload(user, tsv(('a',), ('1',)), 'a.tsv')
    await upload(user, tsv(('a',), ('2',)), 'a.tsv', created['id'])
    await user.open(f"/t/{created['id']}?version=1")
    await user.should_see('You are looking at version 1')
    await user.should_not_see(marker='tsv-delete')


def test_viewers_on_another_process_see_the_deletion(tmp_path):
    with two_processes(tmp_path) as (_redis, a, b):
        assert wait_for(lambda: health(a) == health(b) == {'ok': True, 'redis': 'connected'}, 10)
        created = httpx.post(f'{a.url}/api/tables', content=tsv(('city',), ('Oslo',))).json()

        async def scenario() -> None:
            viewer = Viewer(b.url, created['url'])
            async with httpx.AsyncClient() as http:
                await viewer.open(http)
                viewer.watch.add(DELETED)
                assert (await http.delete(f"{a.url}/api/tables/{created['id']}")).status_code == 204
                assert await watch(viewer, DELETED, 5)               # deleted on A, said on B's page
                assert (await http.get(f"{b.url}{created['url']}")).status_code == 404
            await viewer.close()

        asyncio.run(scenario())


def test_a_deletion_missed_while_redis_was_away_is_caught_up_and_final():
    def current(table_id: str) -> int:
        raise NotFound('No table has this address.')   # gone from disk when the process reconnects
    notifier = RedisNotifier('redis://127.0.0.1:1/0', current)
    heard: list[TableChanged] = []
    notifier.subscribe('t1', heard.append)
    notifier._catch_up()
    assert heard == [TableChanged.deletion('t1')]
    notifier._deliver(TableChanged('t1', 5))            # nothing after a deletion is news
    assert heard == [TableChanged.deletion('t1')]
