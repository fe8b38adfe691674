"""Every view is a link, and column filters in the header (issue #14), in real headless Chromium.

A view's address is the API's query string: the page at ``/t/<id>?QUERY`` shows
the rows ``/api/tables/<id>?QUERY`` answers, and the address bar follows the
view as it changes (no reload, no new history entry). Each check reads the
page's state in one ``execute_script``: NiceGUI re-renders under a test that
reads in two steps.
"""
from __future__ import annotations

import httpx
import pytest

from tests.helpers import tsv
from tests.test_browser import app_server, body_text, browsers, wait_until  # noqa: F401 (fixtures)
from tests.test_browser_table import click

pytestmark = pytest.mark.browser

CITIES = ['Oslo'] * 4 + ['Lima'] * 3 + ['Quito'] * 2 + ['Hanoi']  # 48, 36, 24 and 12 of 120 rows
SALES = tsv(('city', 'price', 'day', 'note'),
            *[(CITIES[i % 10], f'{i * 1.5:.2f}', f'2024-01-{i % 28 + 1:02d}', '' if i % 3 == 0 else f'n{i}')
              for i in range(120)])

VIEW = r'''
const table = document.querySelector('.tsv-table');
if (!table) return null;
const rows = Array.from(table.querySelectorAll('tbody:not(.q-virtual-scroll__padding) > tr'))
  .filter(tr => !tr.querySelector('.tsv-empty'));
const panel = document.querySelector('.tsv-filter-panel');
return {
  rows: rows.map(tr => Array.from(tr.children).map(td => td.textContent)),
  heads: Array.from(table.querySelectorAll('thead th .tsv-name')).map(n => n.textContent),
  on: Array.from(table.querySelectorAll('thead th')).filter(th => th.querySelector('.tsv-filter-button--on'))
    .map(th => th.querySelector('.tsv-name').textContent),
  chips: Array.from(document.querySelectorAll('.tsv-chips .q-chip')).map(c => c.innerText.replace(/\s+/g, ' ').trim()),
  count: (document.querySelector('.tsv-count') || {}).textContent || '',
  search: location.search,
  panel: panel ? panel.innerText : null,
  values: panel ? Array.from(panel.querySelectorAll('.tsv-facets .q-checkbox')).map(c => c.innerText.replace(/\s+/g, ' ').trim()) : [],
  history: history.length,
};
'''


def view(page) -> dict:
    return page.execute_script(VIEW) or {}


def create(app_server, data: bytes = SALES, name: str = 'sales.tsv') -> dict:  # noqa: F811
    return httpx.post(f'{app_server.url}/api/tables', params={'name': name}, content=data).json()


def api_rows(app_server, table_id: str, query: str) -> list[list[str]]:  # noqa: F811
    answer = httpx.get(f'{app_server.url}/api/tables/{table_id}?{query}')
    assert answer.status_code == 200, answer.text
    return answer.json()['rows']


def test_a_view_link_shows_exactly_the_rows_the_api_gives_for_its_query_string(app_server, browsers):  # noqa: F811
    created = create(app_server)
    query = 'sort=price&desc=true&q=n&city__in=Oslo,Lima&price__gte=10&offset=10&limit=10&hide=note'
    expected = [row[:3] for row in api_rows(app_server, created['id'], query)]  # note is hidden
    assert len(expected) == 10
    page = browsers()
    page.set_window_size(1400, 900)
    page.get(f"{app_server.url}{created['url']}?{query}")
    assert wait_until(lambda: view(page).get('rows') == expected, 10), view(page)
    now = view(page)
    assert now['heads'] == ['city', 'price', 'day'] and now['on'] == ['city', 'price']
    assert sorted(now['chips']) == ['filter_alt city is one of Oslo, Lima cancel', 'filter_alt price ≥ 10 cancel']
    total = httpx.get(f"{app_server.url}/api/tables/{created['id']}?{query}").json()['total']
    assert now['count'] == f'{total} of 120 rows match'
    assert now['search'] == '?' + query  # it already says this view: left as it is


def test_a_filter_chosen_in_the_header_moves_the_address_bar_and_a_reload_comes_back(app_server, browsers):  # noqa: F811
    created = create(app_server)
    page = browsers()
    page.set_window_size(1400, 900)
    page.get(app_server.url + created['url'])
    assert wait_until(lambda: view(page).get('rows'), 10), body_text(page)
    before = view(page)['history']
    click(page, '.tsv-table thead th:first-child .tsv-filter-button')
    # the values, most frequent first, with their counts
    assert wait_until(lambda: view(page)['values'] == ['Oslo 48', 'Lima 36', 'Quito 24', 'Hanoi 12'], 10), view(page)
    assert view(page)['rows'][0][0] == 'Oslo'  # the header's button filters; it does not sort
    click(page, '.tsv-filter-panel .tsv-facets .q-checkbox', 'Lima')
    click(page, '.tsv-filter-panel .q-checkbox', 'Hanoi')
    click(page, '.tsv-filter-panel .tsv-filter-apply')
    assert wait_until(lambda: view(page)['search'] == '?city__in=Lima,Hanoi', 10), view(page)
    expected = api_rows(app_server, created['id'], 'city__in=Lima,Hanoi')
    assert wait_until(lambda: view(page)['rows'] == expected, 5), view(page)
    now = view(page)
    assert now['count'] == '48 of 120 rows match' and now['on'] == ['city'] and now['panel'] is None
    assert now['history'] == before  # the entry was replaced, not added
    assert page.current_url.startswith(app_server.url + created['url'])

    # the next page and a sort follow too, and a reload opens the same view
    click(page, '.tsv-table thead th .tsv-name', 'price')
    assert wait_until(lambda: view(page)['search'] == '?sort=price&city__in=Lima,Hanoi', 10), view(page)
    page.refresh()
    expected = api_rows(app_server, created['id'], 'sort=price&city__in=Lima,Hanoi')
    assert wait_until(lambda: view(page).get('rows') == expected, 10), view(page)
    assert view(page)['chips'] == ['filter_alt city is one of Lima, Hanoi cancel']


def test_removing_a_chip_removes_its_filter_from_the_rows_and_the_address(app_server, browsers):  # noqa: F811
    created = create(app_server)
    page = browsers()
    page.set_window_size(1400, 900)
    page.get(f"{app_server.url}{created['url']}?city__exact=Oslo&note__isblank=1")
    assert wait_until(lambda: len(view(page).get('chips') or []) == 2, 10), view(page)
    assert view(page)['count'] == '16 of 120 rows match'
    click(page, '.tsv-chips .q-chip', 'city is Oslo')  # the chip itself does nothing...
    clicked = page.execute_script(
        "const chip = Array.from(document.querySelectorAll('.tsv-chips .q-chip'))"
        ".find(c => c.textContent.includes('city is Oslo'));"
        "const remove = chip && chip.querySelector('.q-chip__icon--remove');"
        "if (!remove) return false; remove.click(); return true;")
    assert clicked  # ...its ✕ removes it
    assert wait_until(lambda: view(page)['search'] == '?note__isblank=1', 10), view(page)
    expected = api_rows(app_server, created['id'], 'note__isblank=1')
    assert wait_until(lambda: view(page)['rows'] == expected, 5), view(page)
    assert view(page)['chips'] == ['filter_alt note is empty cancel'] and view(page)['count'] == '40 of 120 rows match'


def test_the_first_column_stays_in_place_when_a_wide_table_scrolls_sideways(app_server, browsers):  # noqa: F811
    header = ['name'] + [f'column {i}' for i in range(30)]
    created = create(app_server, tsv(header, *[[f'row {r}'] + [f'value {r}-{i}' for i in range(30)]
                                               for r in range(5)]), 'wide.tsv')
    page = browsers()
    page.set_window_size(1000, 800)
    page.get(app_server.url + created['url'])
    assert wait_until(lambda: view(page).get('rows'), 10), body_text(page)
    moved = page.execute_script('''
      const middle = document.querySelector('.tsv-table .q-table__middle');
      const left = () => ({cell: document.querySelector('.tsv-table tbody td:first-child').getBoundingClientRect().left,
                           head: document.querySelector('.tsv-table thead th:first-child').getBoundingClientRect().left,
                           second: document.querySelector('.tsv-table tbody td:nth-child(2)').getBoundingClientRect().left});
      const before = left();
      middle.scrollLeft = 600;
      return {before, after: left(), scrolled: middle.scrollLeft,
              background: getComputedStyle(document.querySelector('.tsv-table tbody td:first-child')).backgroundColor};''')
    assert moved['scrolled'] > 0, moved
    assert moved['after']['cell'] == moved['before']['cell'] and moved['after']['head'] == moved['before']['head'], moved
    assert moved['after']['second'] < moved['before']['second']  # the others did scroll
    assert moved['background'] not in ('rgba(0, 0, 0, 0)', 'transparent'), moved  # rows do not show through


def test_a_link_with_a_bad_part_shows_the_rest_says_what_was_left_out_and_mends_the_address(app_server, browsers):  # noqa: F811
    created = create(app_server)
    page = browsers()
    page.get(f"{app_server.url}{created['url']}?sort=nope&city__exact=Hanoi&price__gt=cheap&offset=5000")
    assert wait_until(lambda: "Left out of this link's view: sort=nope (no such column), price__gt=cheap (not a number)"
                      in body_text(page), 10), body_text(page)
    expected = api_rows(app_server, created['id'], 'city__exact=Hanoi')
    assert wait_until(lambda: view(page).get('rows') == expected, 10), view(page)
    assert wait_until(lambda: view(page)['search'] == '?city__exact=Hanoi', 5), view(page)  # past the end: page 1
