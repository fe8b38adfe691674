"""Version history, restore and view-only links, through the API and the page."""
from __future__ import annotations

import httpx
from nicegui import ui
from nicegui.testing import User

from tests.helpers import Server, tsv
from tests.test_ui import table_rows, upload, wait_for


def put(server: Server, table: str, data: bytes, name: str) -> httpx.Response:
    return httpx.put(f'{server.url}/api/tables/{table}', content=data, headers={'X-Filename': name})


def test_every_upload_is_a_version_listed_newest_first(server):
    created = httpx.post(f'{server.url}/api/tables', content=tsv(('a',), ('1',)), params={'name': 'one.tsv'}).json()
    put(server, created['id'], tsv(('a',), ('2',), ('3',)), 'two.tsv')
    history = httpx.get(f"{server.url}/api/tables/{created['id']}/versions").json()
    assert history['current'] == 2
    assert [(v['version'], v['name'], v['rows']) for v in history['versions']] == [(2, 'two.tsv', 2), (1, 'one.tsv', 1)]


def test_restore_makes_an_old_version_current_again(server):
    table = httpx.post(f'{server.url}/api/tables', content=tsv(('a',), ('old',))).json()['id']
    put(server, table, tsv(('b',), ('new',)), 'new.tsv')
    r = httpx.post(f'{server.url}/api/tables/{table}/restore', params={'version': 1})
    assert r.status_code == 200 and r.json()['version'] == 3
    page = httpx.get(f'{server.url}/api/tables/{table}').json()
    assert page['version'] == 3 and page['rows'] == [['old']] and page['columns'][0]['name'] == 'a'
    assert httpx.get(f"{server.url}/api/tables/{table}/versions").json()['versions'][0]['restored_from'] == 1
    assert httpx.post(f'{server.url}/api/tables/{table}/restore', params={'version': 9}).status_code == 404
    assert httpx.post(f'{server.url}/api/tables/{table}/restore').status_code == 422


def test_only_the_newest_versions_are_kept(tmp_path):
    server = Server(tmp_path / 'data', KEEP_VERSIONS='3').start()
    try:
        table = httpx.post(f'{server.url}/api/tables', content=tsv(('a',), ('1',))).json()['id']
        for i in range(2, 7):
            put(server, table, tsv(('a',), (str(i),)), f'v{i}.tsv')
        history = httpx.get(f'{server.url}/api/tables/{table}/versions').json()['versions']
        assert [v['version'] for v in history] == [6, 5, 4]
        assert httpx.get(f'{server.url}/api/tables/{table}', params={'version': 1}).status_code == 404
    finally:
        server.stop()


def test_a_view_only_link_reads_but_never_writes(server):
    created = httpx.post(f'{server.url}/api/tables', content=tsv(('a',), ('1',))).json()
    view = created['view_id']
    assert created['view_url'] == f'/v/{view}' and view != created['id']
    page = httpx.get(f'{server.url}/api/tables/{view}').json()
    assert page['rows'] == [['1']] and page['id'] == view  # the answer never reveals the edit id
    assert created['id'] not in httpx.get(f'{server.url}/api/tables/{view}/versions').text
    assert httpx.get(f'{server.url}/api/tables/{view}/download').status_code == 200
    refused = put(server, view, tsv(('a',), ('2',)), 'x.tsv')
    assert refused.status_code == 403 and 'view-only' in refused.json()['error']
    assert httpx.post(f'{server.url}/api/tables/{view}/restore', params={'version': 1}).status_code == 403
    assert httpx.get(f'{server.url}/api/tables/{created["id"]}').json()['version'] == 1
    assert httpx.get(f'{server.url}/v/{view}').status_code == 200
    assert httpx.get(f'{server.url}/t/{view}').status_code == 404  # a view id is no edit link
    assert httpx.get(f"{server.url}/v/{created['id']}").status_code == 404


async def test_history_on_the_page_restores_for_everyone(create_user):
    alice, bob = create_user(), create_user()
    created = await upload(alice, tsv(('city',), ('Oslo',)), 'first.tsv')
    await upload(alice, tsv(('city',), ('Lima',)), 'second.tsv', created['id'])
    await alice.open(f"/t/{created['id']}")
    await bob.open(f"/v/{created['view_id']}")
    alice.find(marker='tsv-history').click()  # open the history
    await alice.should_see('first.tsv')  # in the history list
    alice.find(marker='tsv-restore-1').click()  # noqa: the restore button of version 1
    await alice.should_see('Restore version 1?')  # asked first: everyone viewing will see it
    alice.find(marker='tsv-restore-confirm').click()
    await wait_for(lambda: table_rows(bob) and table_rows(bob)[0]['c0'] == 'Oslo')
    await bob.should_see('Version 1 restored as version 3: first.tsv, 1 row')  # not "Table replaced"
    await alice.should_see('Version 1 restored as version 3')


async def test_a_view_only_page_offers_no_upload_and_no_restore(user: User):
    created = await upload(user, tsv(('city',), ('Oslo',)), 'first.tsv')
    await upload(user, tsv(('city',), ('Lima',)), 'second.tsv', created['id'])
    await user.open(f"/v/{created['view_id']}")
    await user.should_see('second.tsv')
    await user.should_not_see(ui.upload)
    await user.should_not_see('Restore')
    await user.should_not_see('Copy view-only link')


async def test_followers_see_the_leaders_page_sort_and_search_and_never_drag_each_other(create_user):
    alice, bob, carol = create_user(), create_user(), create_user()
    created = await upload(alice, tsv(('n', 'word'), *[(str(i), f'w{i}') for i in range(300)]), 'n.tsv')
    for person in (alice, bob, carol):
        await person.open(f"/t/{created['id']}")
    await alice.should_see('3 viewing', retries=20)  # counts go out at most every half second
    alice.find(marker='tsv-lead').elements.pop().value = True
    bob.find(marker='tsv-follow').elements.pop().value = True
    await bob.should_see('someone leads')
    alice.find(ui.table).trigger('request', {'page': 2, 'rowsPerPage': 25, 'sortBy': 'c0', 'descending': True})
    await wait_for(lambda: table_rows(bob)[0]['c0'] == '274')  # bob follows alice to page 2 of the sort
    assert len(table_rows(bob)) == 25
    assert table_rows(carol)[0]['c0'] == '0'  # carol does not follow
    bob.find(ui.input).type('w29')  # a follower moving drags nobody
    await wait_for(lambda: table_rows(bob) and table_rows(bob)[0]['c1'] == 'w299')
    assert table_rows(alice)[0]['c0'] == '274'
    carol.find(marker='tsv-lead').elements.pop().value = True  # another Lead takes over
    await wait_for(lambda: not alice.find(marker='tsv-lead').elements.pop().value)
    carol.find(marker='tsv-lead').elements.pop().value = False  # the leader stops: following ends
    await wait_for(lambda: not bob.find(marker='tsv-follow').elements.pop().value)
    await bob.should_see('The leader stopped leading')


def test_a_column_profile_through_the_api(server):
    data = tsv(('n', 'day', 'word'), ('3', '2024-01-01', 'a'), ('10', '', 'b'), ('', '2024-03-01', 'a'), ('7', '2024-02-01', 'a'))
    table = httpx.post(f'{server.url}/api/tables', content=data).json()['id']
    n = httpx.get(f'{server.url}/api/tables/{table}/columns/n/profile').json()
    assert (n['type'], n['rows'], n['empty'], n['distinct'], n['min'], n['max']) == ('integer', 4, 1, 3, '3', '10')
    assert sum(n['histogram']['counts']) == 3
    day = httpx.get(f'{server.url}/api/tables/{table}/columns/day/profile').json()
    assert (day['min'], day['max']) == ('2024-01-01', '2024-03-01')
    word = httpx.get(f'{server.url}/api/tables/{table}/columns/word/profile').json()
    assert word['top'][0] == {'value': 'a', 'count': 3} and word['histogram'] is None
    assert httpx.get(f'{server.url}/api/tables/{table}/columns/nope/profile').status_code == 422


async def test_the_header_menu_opens_a_column_profile(user: User):
    created = await upload(user, tsv(('n', 'word'), *[(str(i), f'w{i % 3}') for i in range(30)]), 'n.tsv')
    await user.open(f"/t/{created['id']}")
    user.find(ui.table).trigger('profile', 'c1')
    await user.should_see('Most common values')
    await user.should_see('distinct values')
    user.find(ui.table).trigger('profile', 'c0')
    await user.should_see('integer')
    assert user.find(ui.echart).elements
