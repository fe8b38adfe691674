"""What changed, in real headless Chromium (issue #15): a replacement made in one tab reaches the
other with its summary, and "Show changes" there shows added rows green, removed rows red and the
old text of a changed cell struck through beside the new one.

Each check reads the page in one ``execute_script``: NiceGUI redraws what a slot template made
whenever anything on the page changes, so a handle found in one step may be stale in the next.
"""
from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.helpers import tsv
from tests.test_browser import app_server, body_text, browsers, wait_until  # noqa: F401 (fixtures)
from tests.test_browser_table import click

pytestmark = pytest.mark.browser

OLD = tsv(('id', 'city', 'pop'), ('1', 'Oslo', '709037'), ('2', 'Lima', '10092000'), ('3', 'Lyon', '522250'))
NEW = tsv(('id', 'city', 'pop'), ('1', 'Oslo', '717710'), ('2', 'Lima', '10092000'), ('4', 'Tromsø', '77544'))

# What a person sees of the diff view: each row's kind and background, and the changed cell's two texts.
LOOK = r'''
const table = document.querySelector('.tsv-diff-table');
if (!table) return null;
const rgb = (el) => (getComputedStyle(el).backgroundColor.match(/[\d.]+/g) || []).map(Number);
const rows = Array.from(table.querySelectorAll('tbody tr')).map(tr => {
  const cells = Array.from(tr.children);
  return {kind: cells[0].textContent.trim(), city: cells[2] ? cells[2].textContent.trim() : '', bg: rgb(cells[2])};
});
const old = table.querySelector('s.tsv-diff-old');
const fresh = table.querySelector('.tsv-diff-new');
return {
  rows,
  range: (table.querySelector('.q-table__bottom') || {}).innerText || '',
  struck: old ? getComputedStyle(old).textDecorationLine : null,
  old: old ? old.textContent : null,
  fresh: fresh ? fresh.textContent : null,
  heads: Array.from(table.querySelectorAll('thead th')).map(th => th.textContent.trim()),
  address: location.search,
};
'''


# The phone's view: dark mode on, how wide the view is against the window, an added cell's colour.
PHONE = r'''
const card = document.querySelector('.tsv-diff-card');
const cell = document.querySelector('.tsv-diff-table td.tsv-diff-added');
return {dark: document.body.classList.contains('body--dark'), width: card ? card.getBoundingClientRect().width : 0,
        inner: window.innerWidth, bg: cell ? (getComputedStyle(cell).backgroundColor.match(/[\d.]+/g) || []).map(Number) : []};
'''


def look(page) -> dict:
    return page.execute_script(LOOK) or {}


def greenish(rgb: list[float]) -> bool:
    return len(rgb) >= 3 and rgb[1] > rgb[0] + 10 and rgb[1] > rgb[2]


def reddish(rgb: list[float]) -> bool:
    return len(rgb) >= 3 and rgb[0] > rgb[1] + 10 and rgb[0] > rgb[2] + 10


def test_a_replacement_in_one_tab_shows_what_changed_in_the_other(app_server, browsers, tmp_path: Path):  # noqa: F811
    from selenium.webdriver.common.by import By
    created = httpx.post(f'{app_server.url}/api/tables', params={'name': 'cities.tsv'}, content=OLD).json()
    one, two = browsers(), browsers()
    for tab in (one, two):
        tab.get(app_server.url + created['url'])
        assert wait_until(lambda tab=tab: 'Lyon' in body_text(tab), 10), body_text(tab)

    replacement = tmp_path / 'cities-2026.tsv'
    replacement.write_bytes(NEW)
    one.find_element(By.XPATH, "//*[contains(@class, 'tsv-replace-button')]").click()
    wait_until(lambda: one.find_elements(By.CSS_SELECTOR, 'input[type=file]'), 5)[0].send_keys(str(replacement))

    said = 'Replaced by version 2: 1 row added, 1 removed, 1 changed.'
    assert wait_until(lambda: said in body_text(two), 15), body_text(two)
    assert 'Table replaced: cities-2026.tsv, 3 rows, now version 2' in body_text(two)
    click(two, '.tsv-show-changes')
    assert wait_until(lambda: len(look(two).get('rows') or []) == 3, 10), look(two)
    seen = look(two)
    assert [(r['kind'], r['city']) for r in seen['rows']] == [('changed', 'Oslo'), ('added', 'Tromsø'),
                                                              ('removed', 'Lyon')]
    changed, added, removed = (r['bg'] for r in seen['rows'])
    assert greenish(added), added
    assert reddish(removed), removed
    assert not greenish(changed) and not reddish(changed), changed  # the row stays plain: only its cell is marked
    assert (seen['fresh'], seen['old'], seen['struck']) == ('717710', '709037', 'line-through')
    assert 'id (key)' in seen['heads']
    assert '1-3 of 3' in seen['range']
    # the address names what is shown, so it can be sent
    assert re.search(r'diff=1\.\.2', seen['address']), seen['address']
    # the tab that replaced it was open before the view's style became every page's: it gets it too
    assert wait_until(lambda: said in body_text(one), 10), body_text(one)
    click(one, '.tsv-show-changes')
    assert wait_until(lambda: len(look(one).get('rows') or []) == 3, 10), look(one)
    assert greenish(look(one)['rows'][1]['bg']) and look(one)['struck'] == 'line-through', look(one)


def test_a_diff_link_on_a_phone_fills_the_screen_in_dark_mode_and_closing_leaves_the_table(app_server, browsers):  # noqa: F811
    created = httpx.post(f'{app_server.url}/api/tables', params={'name': 'cities.tsv'}, content=OLD).json()
    httpx.put(f"{app_server.url}/api/tables/{created['id']}", content=NEW, headers={'X-Filename': 'b.tsv'})
    page = browsers()
    page.set_window_size(390, 844)
    page.get(f'{app_server.url}/')
    page.execute_script("localStorage.setItem('tsv-dark', '1')")  # what the header's switch remembers
    page.get(f"{app_server.url}{created['url']}?diff=1..2&kind=added&q=o")
    assert wait_until(lambda: [r['city'] for r in look(page).get('rows') or []] == ['Tromsø'], 10), look(page)

    def state() -> dict:
        return page.execute_script(PHONE)
    # maximized: the whole width of the phone (once the dialog's opening transition is over)
    assert wait_until(lambda: state()['dark'] and state()['width'] >= state()['inner'] - 1, 5), state()
    seen = state()
    assert greenish(seen['bg']), seen['bg']
    assert 'kind=added' in page.execute_script('return location.search')
    click(page, '.tsv-diff-card .q-btn[title="Close"]')
    assert wait_until(lambda: not page.execute_script("return document.querySelector('.tsv-diff-table')"), 5)
    address = page.execute_script('return location.search')
    assert 'diff=' not in address and 'kind=' not in address and 'q=o' in address  # the table's own view stays
