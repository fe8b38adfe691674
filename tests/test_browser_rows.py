"""Row detail in real headless Chromium (issue #14): a click on a row opens it whole, the address
follows (``?row=N``, N its place in the file, whatever the sort), and a link with ``?row=N`` opens it.
(The first column staying in place sideways: tests/test_browser_filters.py.)
"""
from __future__ import annotations

import pytest

from tests.helpers import tsv
from tests.test_browser import app_server, body_text, browsers, wait_until  # noqa: F401 (fixtures)
from tests.test_browser_table import click, open_table, state

pytestmark = pytest.mark.browser

DETAIL = r'''
const panel = document.querySelector('.tsv-row-detail');
const drawer = document.querySelector('.tsv-drawer');
return {
  search: window.location.search,
  open: !!panel && !!drawer && drawer.getBoundingClientRect().left < window.innerWidth,
  text: panel ? panel.innerText.replace(/\s+/g, ' ').trim() : '',
};
'''

LONG = 'a long note that no table cell shows whole, ' * 6 + 'END'
CITIES = tsv(('city', 'pop', 'note'), ('Oslo', '709000', 'fjord'), ('Lima', '10092000', LONG.strip()),
             ('Quito', '2800000', ''))


def detail(page) -> dict:
    return page.execute_script(DETAIL) or {}


def test_a_click_on_a_row_opens_it_whole_and_the_address_follows(app_server, browsers):  # noqa: F811
    page = open_table(app_server, browsers, CITIES, 'cities.tsv')
    click(page, '.tsv-table thead th .tsv-name', 'pop')          # sorted: Oslo, Quito, Lima
    assert wait_until(lambda: state(page)['first'] == ['Oslo', 'Quito', 'Lima'], 5), state(page)
    click(page, '.tsv-table thead th .tsv-name', 'pop')          # descending: Lima first
    assert wait_until(lambda: state(page)['first'] == ['Lima', 'Quito', 'Oslo'], 5), state(page)
    click(page, '.tsv-table tbody td', 'Lima')
    assert wait_until(lambda: detail(page)['open'] and 'Row 2 of 3 rows' in detail(page)['text'], 5), detail(page)
    now = detail(page)
    assert 'row=2' in now['search']                  # its place in the file, not on the sorted page
    assert LONG.strip() in now['text']               # the whole text, uncut
    # close it: the address forgets the row
    click(page, '.tsv-drawer .q-btn', 'close')
    assert wait_until(lambda: 'row=' not in detail(page)['search'], 5), detail(page)


def test_a_link_with_a_row_opens_that_row(app_server, browsers):  # noqa: F811
    import httpx
    created = httpx.post(f'{app_server.url}/api/tables', params={'name': 'cities.tsv'}, content=CITIES).json()
    page = browsers()
    page.get(f"{app_server.url}{created['url']}?row=3")
    assert wait_until(lambda: detail(page)['open'] and 'Quito' in detail(page)['text'], 10), body_text(page)
    assert '(empty)' in detail(page)['text']
