"""Who made each version: ``--trusted-user-header`` records it; without the option the header is ignored."""
from __future__ import annotations

import httpx
import pytest

from tests.helpers import Server, tsv
from tests.test_ui import table_rows, wait_for

WHO = 'X-Forwarded-User'


def test_without_the_option_the_header_is_ignored(server: Server):
    created = httpx.post(f'{server.url}/api/tables', content=tsv(('a',), ('1',)), headers={WHO: 'mallory'}).json()
    assert 'uploaded_by' not in created
    history = httpx.get(f"{server.url}/api/tables/{created['id']}/versions").json()['versions']
    assert 'uploaded_by' not in history[0] and 'mallory' not in str(history)


def test_each_version_records_who_made_it(tmp_path):
    server = Server(tmp_path / 'data', TRUSTED_USER_HEADER=WHO).start()
    try:
        created = httpx.post(f'{server.url}/api/tables', content=tsv(('a',), ('1',)), headers={WHO: 'alice'}).json()
        table = created['id']
        assert created['uploaded_by'] == 'alice'
        replaced = httpx.put(f'{server.url}/api/tables/{table}', content=tsv(('a',), ('2',)), headers={WHO: 'bob'})
        assert replaced.json()['uploaded_by'] == 'bob'
        restored = httpx.post(f'{server.url}/api/tables/{table}/restore', params={'version': 1}, headers={WHO: 'carol'})
        assert restored.json()['uploaded_by'] == 'carol'               # who restored, not who made version 1
        anonymous = httpx.put(f'{server.url}/api/tables/{table}', content=tsv(('a',), ('4',)))
        assert 'uploaded_by' not in anonymous.json()                  # no header, nobody named
        history = httpx.get(f'{server.url}/api/tables/{created["view_id"]}/versions').json()['versions']
        assert [v.get('uploaded_by') for v in history] == [None, 'carol', 'bob', 'alice']
    finally:
        server.stop()


@pytest.fixture
def trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process app of the ``user`` fixtures believes X-Forwarded-User (set before they start it)."""
    monkeypatch.setenv('TRUSTED_USER_HEADER', WHO)


async def test_the_notice_and_the_history_say_who(trusted, create_user):
    alice, bob = create_user(), create_user()
    r = await alice.http_client.post('/api/tables', content=tsv(('city',), ('Oslo',)), headers={WHO: 'alice'})
    created = r.json()
    await alice.open(f"/t/{created['id']}")
    await bob.open(f"/v/{created['view_id']}")
    r = await bob.http_client.put(f"/api/tables/{created['id']}", content=tsv(('city',), ('Lima',)),
                                  headers={WHO: 'dora', 'X-Filename': 'lima.tsv'})
    assert r.status_code == 200, r.text
    await wait_for(lambda: table_rows(alice)[0]['c0'] == 'Lima')
    await alice.should_see('Table replaced by dora: lima.tsv')
    await bob.should_see('Table replaced by dora')
    alice.find(marker='tsv-history').click()
    await alice.should_see('by dora', retries=20)
    await alice.should_see('by alice')
