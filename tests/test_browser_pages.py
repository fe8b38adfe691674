"""Share links and error pages in real headless Chromium (issue #13).

A team server is opened as ``http://<server-ip>:8080``: not a secure context,
so the browser offers no ``navigator.clipboard``. Chromium counts localhost and
127.0.0.0/8 as secure, so these tests map a made-up host name to the server
(``--host-resolver-rules``) and open ``http://tsv.test:PORT``, which Chromium
treats like any other plain-http address.

What a Copy put on the clipboard is read back from a page on 127.0.0.1 (a secure
context) with the clipboard-read permission granted over the DevTools protocol:
headless Chromium keeps one clipboard per browser, and Ctrl+V sent by WebDriver
does not paste there.
"""
from __future__ import annotations

import httpx
import pytest

from components.share import COPIED, NOT_COPIED
from components.table_info import VIEW_ONLY
from tests import test_browser
from tests.helpers import tsv
from tests.test_browser import app_server, body_text, browsers, chromium, wait_until  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

TEAM_HOST = 'tsv.test'


@pytest.fixture
def team_browser(monkeypatch: pytest.MonkeyPatch, browsers):  # noqa: F811
    """A browser that reaches the test server as http://tsv.test:PORT, a plain-http, non-local address."""
    monkeypatch.setattr(test_browser, 'CHROMIUM_FLAGS',
                        [*test_browser.CHROMIUM_FLAGS, f'--host-resolver-rules=MAP {TEAM_HOST} 127.0.0.1'])
    return browsers()


def team_url(server, path: str) -> str:
    return f'http://{TEAM_HOST}:{server.port}{path}'


def upload(server, *cities: str) -> dict:
    return httpx.post(f'{server.url}/api/tables', params={'name': 'cities.tsv'},
                      content=tsv(('city',), *[(c,) for c in cities])).json()


# Read in one step: the dialog's fields, the notices shown, and where the selection is.
SHARE_STATE = """
const value = (key) => document.querySelector(`.tsv-link-${key} input`)?.value ?? null;
const active = document.activeElement;
return {
  secure: window.isSecureContext, clipboardApi: !!navigator.clipboard,
  edit: value('edit'), view: value('view'),
  notices: [...document.querySelectorAll('.q-notification')].map((n) => n.innerText),
  selected: active && active.tagName === 'INPUT' ? active.value.slice(active.selectionStart, active.selectionEnd) : '',
};
"""


def share_state(page) -> dict:
    return page.execute_script(SHARE_STATE)


def click(page, selector: str) -> None:
    """Click once the element can take it (a dialog still opening, a page still settling on a busy machine)."""
    from selenium.common.exceptions import (
        ElementClickInterceptedException,
        ElementNotInteractableException,
        StaleElementReferenceException,
    )

    def clicked() -> bool:
        try:
            page.find_element('css selector', selector).click()
            return True
        except (ElementClickInterceptedException,  # a field's hint still animating in over the button
                ElementNotInteractableException, StaleElementReferenceException):
            return False
    assert wait_until(clicked, 5, step=0.1), selector


def open_share(page) -> dict:
    click(page, '.tsv-share')
    return wait_until(lambda: (s := share_state(page))['view'] and s, 5)


def clipboard(page, server) -> str:
    """What the browser's clipboard holds, read from a secure page of the same server (this navigates)."""
    page.execute_cdp_cmd('Browser.grantPermissions', {'origin': server.url,
                                                      'permissions': ['clipboardReadWrite']})
    page.get(server.url + '/clipboard-reader')  # any page of a secure origin: the app's 404 page will do
    return page.execute_async_script(
        'const done = arguments[0]; navigator.clipboard.readText().then(done, (e) => done("ERROR " + e));')


def test_copy_on_a_plain_http_team_address_puts_the_link_on_the_clipboard(app_server, team_browser):
    created = upload(app_server, 'Oslo')
    page = team_browser
    page.get(team_url(app_server, created['url']))
    assert wait_until(lambda: 'Oslo' in body_text(page), 10)
    state = open_share(page)
    assert state['secure'] is False and state['clipboardApi'] is False  # what a team server gets
    edit_link = team_url(app_server, created['url'])
    view_link = team_url(app_server, created['view_url'])
    assert (state['edit'], state['view']) == (edit_link, view_link)  # the full addresses, as text to select

    # A browser that refuses even the fallback: no "copied"; the link is selected for Ctrl+C instead.
    page.execute_script("document.execCommand = () => false;")
    click(page, '.tsv-copy-edit')
    state = wait_until(lambda: (s := share_state(page))['notices'] and s, 5)
    assert any(NOT_COPIED in n for n in state['notices']) and not any(COPIED in n for n in state['notices'])
    assert state['selected'] == edit_link

    # The real fallback (select the field, execCommand('copy')) copies, and only then says so.
    page.refresh()
    assert wait_until(lambda: 'Oslo' in body_text(page), 10)
    open_share(page)
    click(page, '.tsv-copy-view')
    state = wait_until(lambda: (s := share_state(page))['notices'] and s, 5)
    assert any(COPIED in n for n in state['notices']), state
    assert not any(NOT_COPIED in n for n in state['notices'])
    assert clipboard(page, app_server) == view_link


def test_copy_on_a_secure_address_uses_the_clipboard_api(app_server, browsers):  # noqa: F811
    created = upload(app_server, 'Lima')
    page = browsers()
    page.execute_cdp_cmd('Browser.grantPermissions', {'origin': app_server.url,
                                                      'permissions': ['clipboardReadWrite']})
    page.get(app_server.url + created['url'])
    assert wait_until(lambda: 'Lima' in body_text(page), 10)
    state = open_share(page)
    assert state['secure'] is True and state['clipboardApi'] is True
    click(page, '.tsv-copy-edit')
    assert wait_until(lambda: any(COPIED in n for n in share_state(page)['notices']), 5)
    assert clipboard(page, app_server) == app_server.url + created['url']


def test_the_view_only_page_says_so_and_offers_only_its_own_link(app_server, browsers):  # noqa: F811
    created = upload(app_server, 'Quito')
    page = browsers()
    page.get(app_server.url + created['url'])
    assert wait_until(lambda: 'Quito' in body_text(page), 10)
    assert VIEW_ONLY not in body_text(page)  # the edit page is not view-only
    page.get(app_server.url + created['view_url'])
    assert wait_until(lambda: 'Quito' in body_text(page) and VIEW_ONLY in body_text(page), 10), body_text(page)
    state = open_share(page)
    assert state['edit'] is None and state['view'] == app_server.url + created['view_url']
    assert created['id'] not in page.page_source  # the edit link is nowhere on the page


# Read in one step: the heading, the links onward, the header bar, the font.
ERROR_STATE = """
return {
  text: document.body.innerText,
  header: document.querySelector('.q-header')?.innerText ?? '',
  links: [...document.querySelectorAll('.tsv-error a')].map((a) => [a.innerText.trim(), a.getAttribute('href')]),
  font: getComputedStyle(document.querySelector('.tsv-error-title') || document.body).fontFamily,
};
"""


def error_state(page) -> dict:
    return page.execute_script(ERROR_STATE)


def test_a_missing_version_says_so_and_links_to_the_current_one(app_server, browsers):  # noqa: F811
    created = upload(app_server, 'Oslo')
    httpx.put(f"{app_server.url}/api/tables/{created['id']}", content=tsv(('city',), ('Hanoi',)))
    address = f"{created['url']}?version=99"
    assert httpx.get(app_server.url + address).status_code == 404
    page = browsers()
    page.get(app_server.url + address)
    state = wait_until(lambda: (s := error_state(page))['links'] and s, 10)
    assert 'Version 99 does not exist: this table has versions 1 to 2.' in state['text']
    assert 'Table not found' not in state['text'] and 'mistyped' not in state['text']
    assert 'TSV Share' in state['header'] and 'Roboto' in state['font']
    assert ['Open the current version (2)', created['url']] in state['links']
    click(page, '.tsv-error a')
    assert wait_until(lambda: 'Hanoi' in body_text(page), 10)
    assert page.current_url == app_server.url + created['url']


def test_an_unknown_address_gets_the_apps_404_page_with_a_way_back(app_server, browsers):  # noqa: F811
    for path in ('/nope', '/t/', '/t/not-an-id'):
        assert httpx.get(app_server.url + path).status_code == 404, path
    page = browsers()
    page.get(app_server.url + '/nope')
    state = wait_until(lambda: (s := error_state(page))['links'] and s, 10)
    assert 'Page not found' in state['text'] and 'There is nothing at /nope.' in state['text']
    assert 'HTTPException' not in state['text'] and '404' not in state['text']
    assert 'TSV Share' in state['header'] and 'Roboto' in state['font']
    assert state['links'] == [['Go to the start page', '/']]
    click(page, '.tsv-error a')
    assert wait_until(lambda: 'Share a table' in body_text(page), 10)
    page.get(app_server.url + '/t/not-an-id')
    state = wait_until(lambda: (s := error_state(page))['links'] and s, 10)
    assert 'Table not found' in state['text'] and 'TSV Share' in state['header']


def test_the_start_page_lists_tables_opened_here_but_not_deleted_ones(app_server, browsers):  # noqa: F811
    kept = httpx.post(f'{app_server.url}/api/tables', params={'name': 'kept.tsv'}, content=tsv(('a',), ('1',))).json()
    gone = httpx.post(f'{app_server.url}/api/tables', params={'name': 'gone.tsv'}, content=tsv(('a',), ('2',))).json()
    page = browsers()
    for table in (kept, gone):
        page.get(app_server.url + table['url'])
        assert wait_until(lambda t=table: t['id'] in (page.execute_script(
            "return localStorage.getItem('tsv-recent')") or ''), 10)
    assert httpx.delete(f"{app_server.url}/api/tables/{gone['id']}").status_code == 204
    page.get(app_server.url + '/')
    assert wait_until(lambda: 'kept.tsv' in body_text(page), 10), body_text(page)
    assert 'Opened recently in this browser' in body_text(page) and 'gone.tsv' not in body_text(page)
