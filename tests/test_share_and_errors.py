"""Share links and error pages (issue #13) through NiceGUI's simulated user and plain HTTP.

The browser half (a real clipboard on a plain-http team address, the pages as
they look) is in tests/test_browser_pages.py.
"""
from __future__ import annotations

import re
from pathlib import Path

import httpx
import nicegui
import pytest
from nicegui import core, ui
from nicegui.testing import User

from components.share import COPIED, NOT_COPIED
from components.table_info import VIEW_ONLY
from tests.helpers import tsv

CITIES = tsv(('city',), ('Oslo',), ('Lima',))
ORIGIN = 'http://192.0.2.7:8080'  # what the browser answers for window.location.origin


async def upload(user: User, data: bytes = CITIES, table_id: str | None = None) -> dict:
    if table_id is None:
        r = await user.http_client.post('/api/tables', content=data, headers={'X-Filename': 'cities.tsv'})
    else:
        r = await user.http_client.put(f'/api/tables/{table_id}', content=data, headers={'X-Filename': 'cities.tsv'})
    assert r.status_code in (200, 201), r.text
    return r.json()


def answer_origin(user: User) -> None:
    user.javascript_rules[re.compile(r'.*window\.location\.origin')] = lambda _: ORIGIN


def field(user: User, key: str) -> ui.input:
    return user.find(marker=f'tsv-link-{key}').elements.pop()


# -- the Share dialog ------------------------------------------------------------------


async def test_the_share_dialog_shows_both_full_links_on_an_edit_page_and_is_built_on_first_click(user: User):
    created = await upload(user)
    await user.open(created['url'])
    answer_origin(user)
    await user.should_see('cities.tsv')
    await user.should_not_see(marker='tsv-link-edit')  # nothing of the dialog exists before the click
    user.find(marker='tsv-share').click()
    await user.should_see('Share this table')
    assert field(user, 'edit').value == f"{ORIGIN}/t/{created['id']}"
    assert field(user, 'view').value == f"{ORIGIN}/v/{created['view_id']}"
    assert 'readonly' in field(user, 'edit').props and 'readonly' in field(user, 'view').props
    await user.should_not_see(VIEW_ONLY)  # an edit page is not view-only
    # a second click opens the same dialog, it does not build another
    user.find('Close').click()
    user.find(marker='tsv-share').click()
    await user.should_see('Share this table')
    assert len(user.find(marker='tsv-link-view').elements) == 1


async def test_a_view_only_page_says_so_and_shares_only_its_own_link(user: User):
    created = await upload(user)
    await user.open(created['view_url'])
    answer_origin(user)
    await user.should_see(VIEW_ONLY)
    user.find(marker='tsv-share').click()
    await user.should_see('View-only link')
    assert field(user, 'view').value == f"{ORIGIN}/v/{created['view_id']}"
    await user.should_not_see(marker='tsv-link-edit')
    await user.should_not_see('Edit link')
    page = await user.http_client.get(created['view_url'])
    assert created['id'] not in page.text  # the view page never hands out the edit id


async def test_copy_says_copied_only_when_the_browser_says_it_copied(user: User):
    created = await upload(user)
    await user.open(created['url'])
    answer_origin(user)
    user.find(marker='tsv-share').click()
    await user.should_see('Share this table')
    user.find(marker='tsv-copy-view').trigger('click', False)  # no clipboard API, execCommand refused
    await user.should_see(NOT_COPIED)
    assert COPIED not in user.notify.messages
    user.find(marker='tsv-copy-edit').trigger('click', True)
    await user.should_see(COPIED)


# -- error pages ---------------------------------------------------------------------


def is_app_page(r: httpx.Response) -> bool:
    """The app's own frame: NiceGUI's page with the TSV Share header, not a bare HTML or JSON answer."""
    return r.headers['content-type'].startswith('text/html') and 'TSV Share' in r.text and 'nicegui-header' in r.text


@pytest.mark.parametrize('path', ['/nope', '/t/', '/t/a/b', '/v/', '/nope/%3Cb%3Ex%3C%2Fb%3E'])
async def test_unknown_addresses_get_the_apps_404_page(user: User, path: str):
    r = await user.http_client.get(path)
    assert r.status_code == 404
    assert is_app_page(r) and 'Page not found' in r.text and 'HTTPException' not in r.text
    assert 'Go to the start page' in r.text
    assert '<b>x</b>' not in r.text  # a path is quoted as text, inside the page's JSON


async def test_unknown_and_malformed_tables_get_the_apps_404_page(user: User):
    for path in ('/t/AAAAAAAAAAAAAAAAAAAAAA', '/v/AAAAAAAAAAAAAAAAAAAAAA', '/t/..%2E%2E', '/t/' + 'A' * 300):
        r = await user.http_client.get(path)
        assert r.status_code == 404, path
        assert is_app_page(r) and 'Table not found' in r.text, path
    r = await user.http_client.get('/t/..%2F..%2Fetc')  # a slash: no table route matches at all
    assert r.status_code == 404 and is_app_page(r) and 'Page not found' in r.text


async def test_a_view_id_used_as_an_edit_link_is_not_found(user: User):
    created = await upload(user)
    r = await user.http_client.get(f"/t/{created['view_id']}")
    assert r.status_code == 404 and 'Table not found' in r.text


async def test_the_api_and_nicegui_resources_keep_answering_json(user: User):
    r = await user.http_client.get('/api/nope')
    assert r.status_code == 404 and r.json() == {'error': 'There is nothing at this address.'}
    r = await user.http_client.get(f'/_nicegui/{nicegui.__version__}/static/nope.js')
    assert r.status_code == 404 and r.headers['content-type'].startswith('application/json')


async def test_a_missing_version_says_so_and_links_to_the_current_one(user: User):
    created = await upload(user)
    await upload(user, tsv(('city',), ('Quito',)), created['id'])
    r = await user.http_client.get(f"/t/{created['id']}?version=99")
    assert r.status_code == 404 and is_app_page(r)
    assert 'Version 99 does not exist: this table has versions 1 to 2.' in r.text
    assert 'Table not found' not in r.text and 'mistyped' not in r.text
    assert f'"href":"/t/{created["id"]}"' in r.text.replace(' ', '')
    r = await user.http_client.get(f"/v/{created['view_id']}?version=0")
    assert r.status_code == 404 and 'Version 0 does not exist' in r.text
    assert f'"href":"/v/{created["view_id"]}"' in r.text.replace(' ', '')
    assert created['id'] not in r.text  # the view link's page never names the edit id
    assert 'Open the current version (2)' in r.text


@pytest.fixture
def keep_two(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('KEEP_VERSIONS', '2')


async def test_a_pruned_version_says_it_was_deleted_and_why(keep_two, user: User):
    created = await upload(user)
    for city in ('Quito', 'Hanoi'):
        await upload(user, tsv(('city',), (city,)), created['id'])
    r = await user.http_client.get(f"/t/{created['id']}?version=1")
    assert r.status_code == 404
    assert ('Version 1 was deleted: the server keeps the latest 2 versions of a table '
            '(its --keep-versions option), here versions 2 to 3.') in r.text


async def test_a_page_that_fails_shows_a_styled_500_without_the_exception_text(user: User, _data_dir_env: Path):
    created = await upload(user)
    (_data_dir_env / 'tables' / created['id'] / 'current.json').write_text('{"version": "zz-secret-detail"}')
    async with httpx.AsyncClient(transport=httpx.ASGITransport(core.app, raise_app_exceptions=False),
                                 base_url='http://test') as client:
        r = await client.get(created['url'])
    assert r.status_code == 500 and is_app_page(r)
    assert 'Something went wrong' in r.text
    assert 'zz-secret' not in r.text and 'ValueError' not in r.text and 'Traceback' not in r.text
    assert "frame-ancestors 'none'" in r.headers['content-security-policy']  # the app's headers too
