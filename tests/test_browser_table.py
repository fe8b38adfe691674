"""The table in real headless Chromium (issue #13): sorting's third click, the header's separate
targets and type tags, the empty search, the pager's page jump and the keys.

Each check reads the page's state in one ``execute_script``: NiceGUI re-renders the table under
a test that finds an element and reads it in two steps.
"""
from __future__ import annotations

import httpx
import pytest

from tests.helpers import tsv
from tests.test_browser import app_server, body_text, browsers, wait_until  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

# The table as a person sees it: first column's cells, the header's labels, sort state, pager, empty state.
STATE = r'''
const table = document.querySelector('.tsv-table');
if (!table) return null;
const rows = Array.from(table.querySelectorAll('tbody:not(.q-virtual-scroll__padding) > tr'));
const heads = Array.from(table.querySelectorAll('thead th'));
const empty = table.querySelector('.tsv-empty');
const input = table.querySelector('.tsv-page-input');
return {
  first: rows.map(r => r.children[0] ? r.children[0].textContent : ''),
  heads: heads.map(th => th.innerText.replace(/\s+/g, ' ').trim()),
  sorted: heads.filter(th => th.classList.contains('sorted')).map(th => th.querySelector('.tsv-name').textContent
                                                                      + (th.classList.contains('sort-desc') ? ' desc' : '')),
  range: (table.querySelector('.tsv-range') || {}).textContent || '',
  page: input ? input.value : null,
  empty: empty ? empty.innerText.replace(/\s+/g, ' ').trim() : null,
  search: (document.querySelector('.tsv-search input') || {}).value,
  focused: document.activeElement === document.querySelector('.tsv-search input'),
  dialogs: Array.from(document.querySelectorAll('.q-dialog')).map(d => d.innerText.replace(/\s+/g, ' ').trim()),
};
'''


def state(page) -> dict:
    return page.execute_script(STATE) or {}


def click(page, css: str, text: str | None = None) -> None:
    """Click, in the page, the first element matching ``css`` (and holding ``text``): no stale handle."""
    clicked = page.execute_script(
        "const [css, text] = arguments;"
        "const el = Array.from(document.querySelectorAll(css)).find(e => text === null || e.textContent.includes(text));"
        "if (!el) return false; el.click(); return true;", css, text)
    assert clicked, (css, text)


def type_into(page, css: str, *keys: str) -> None:
    """Real keystrokes into an element of the table's slots, found afresh if NiceGUI redrew it meanwhile
    (every update of the page redraws what a slot template made)."""
    from selenium.common.exceptions import (
        ElementNotInteractableException,
        StaleElementReferenceException,
    )
    from selenium.webdriver.common.by import By
    for _ in range(20):
        try:
            box = page.find_element(By.CSS_SELECTOR, css)
            for chunk in keys:
                box.send_keys(chunk)
            return
        except (StaleElementReferenceException, ElementNotInteractableException):
            wait_until(lambda: False, 0.1)
    raise AssertionError(f'could not type into {css}')


def open_table(app_server, browsers, data: bytes, name: str):  # noqa: F811
    created = httpx.post(f'{app_server.url}/api/tables', params={'name': name}, content=data).json()
    page = browsers()
    page.set_window_size(1400, 900)
    page.get(app_server.url + created['url'])
    assert wait_until(lambda: state(page).get('first'), 10), body_text(page)
    return page


def test_a_third_click_on_a_header_returns_to_file_order(app_server, browsers):  # noqa: F811
    page = open_table(app_server, browsers, tsv(('n', 'word'), ('3', 'c'), ('10', 'a'), ('2', 'b')), 'order.tsv')
    assert state(page)['first'] == ['3', '10', '2']
    for expected, sorted_ in ((['2', '3', '10'], ['n']),        # typed: 10 after 3
                              (['10', '3', '2'], ['n desc']),
                              (['3', '10', '2'], [])):          # the third click: file order again
        click(page, '.tsv-table thead th .tsv-name', 'n')
        assert wait_until(lambda want=(expected, sorted_): (state(page)['first'], state(page)['sorted']) == want, 5), \
            state(page)

    # the profile button is its own target: it opens the profile and does not sort
    click(page, '.tsv-table thead th .tsv-profile-button')
    assert wait_until(lambda: any('Most common values' in d for d in state(page)['dialogs']), 5), state(page)
    now = state(page)
    assert now['first'] == ['3', '10', '2'] and now['sorted'] == []
    # and each header says its column's type
    assert now['heads'] == ['123 n arrow_upward insights', 'abc word arrow_upward insights']


def test_a_search_that_matches_nothing_says_so_and_one_click_clears_it(app_server, browsers):  # noqa: F811
    from selenium.webdriver.common.by import By
    page = open_table(app_server, browsers, tsv(('city',), ('Oslo',), ('Lima',)), 'cities.tsv')
    page.find_element(By.CSS_SELECTOR, '.tsv-search input').send_keys('zurich')
    assert wait_until(lambda: state(page)['empty'] == 'search_off No rows match "zurich" close Clear the search', 5), \
        state(page)
    assert state(page)['first'] == []
    click(page, '.tsv-clear-search')
    assert wait_until(lambda: state(page)['first'] == ['Oslo', 'Lima'], 5), state(page)
    now = state(page)
    assert now['search'] == '' and now['empty'] is None and now['range'] == 'rows 1-2 of 2'


def test_a_header_only_table_says_it_has_no_rows(app_server, browsers):  # noqa: F811
    created = httpx.post(f'{app_server.url}/api/tables', params={'name': 'empty.tsv'},
                         content=tsv(('city', 'country'))).json()
    page = browsers()
    page.get(app_server.url + created['url'])
    assert wait_until(lambda: (state(page).get('empty') or '').endswith('This table has a header (2 columns) and no rows.'),
                      10), state(page)
    assert 'Clear the search' not in state(page)['empty']


def test_the_pager_jumps_to_a_typed_page_and_the_keys_work(app_server, browsers):  # noqa: F811
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    rows = [(str(i), f'row{i:03d}') for i in range(120)]
    page = open_table(app_server, browsers, tsv(('n', 'label'), *rows), 'pages.tsv')
    assert state(page)['range'] == 'rows 1-50 of 120' and state(page)['page'] == '1'
    type_into(page, '.tsv-page-input', Keys.CONTROL + 'a', '3' + Keys.ENTER)
    assert wait_until(lambda: state(page)['range'] == 'rows 101-120 of 120', 5), state(page)
    assert state(page)['first'][0] == '100' and state(page)['page'] == '3'
    assert page.execute_script(
        "return document.querySelector('.tsv-table button[aria-label=\"Next page\"]').disabled")  # and looks it

    body = page.find_element(By.TAG_NAME, 'body')
    body.send_keys(Keys.HOME)
    assert wait_until(lambda: state(page)['range'] == 'rows 1-50 of 120', 5), state(page)
    body.send_keys('?')
    assert wait_until(lambda: any('Keyboard shortcuts' in d and 'Next page' in d for d in state(page)['dialogs']), 5)
    ActionChains(page).send_keys(Keys.ESCAPE).perform()  # to whatever has the focus in the dialog
    assert wait_until(lambda: not state(page)['dialogs'], 5), state(page)
    page.find_element(By.TAG_NAME, 'body').send_keys('/')
    assert wait_until(lambda: state(page)['focused'], 5), state(page)
    assert state(page)['search'] == ''  # the slash went to the page, not into the box
