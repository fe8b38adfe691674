"""Real Chromium: the controls a person needs are in reach, and other viewers see a replacement coming."""
from __future__ import annotations

import threading
import time

import httpx
import pytest

from tests.helpers import tsv
from tests.test_browser import app_server, body_text, browsers, wait_until  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

IN_VIEW = '''
const r = document.querySelector(arguments[0]).getBoundingClientRect();
return [r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth,
        document.documentElement.scrollHeight <= window.innerHeight];
'''


def test_replace_and_history_are_in_view_at_1400x900_and_the_page_has_one_scrollbar(app_server, browsers):
    rows = [(str(i), f'city {i}', str(i * 3)) for i in range(300)]
    created = httpx.post(f'{app_server.url}/api/tables', params={'name': 'cities.tsv'},
                         content=tsv(('id', 'city', 'n'), *rows)).json()
    page = browsers()
    page.set_window_size(1400, 900)
    page.get(app_server.url + created['url'])
    assert wait_until(lambda: 'city 0' in body_text(page), 10)
    for button in ('.tsv-replace-button', '.tsv-history-button'):
        in_view, one_scrollbar = page.execute_script(IN_VIEW, button)
        assert in_view and one_scrollbar, button
    page.find_element('css selector', '.tsv-replace-button').click()
    assert wait_until(lambda: page.find_elements('css selector', '.tsv-drop'), 5)
    assert wait_until(lambda: page.execute_script(IN_VIEW, '.tsv-drop')[0], 3)  # Replace opens on screen (it slides in)


def test_other_viewers_see_a_replacement_on_its_way_then_the_change(app_server, browsers):
    created = httpx.post(f'{app_server.url}/api/tables', params={'name': 'before.tsv'},
                         content=tsv(('city',), ('Lima',))).json()
    watcher = browsers()
    watcher.get(app_server.url + created['url'])
    assert wait_until(lambda: 'Lima' in body_text(watcher), 10)
    body = tsv(('city',), *[(f'Town {i}',) for i in range(300_000)])  # 3.4 MB: the server hears it per MB

    def slowly():
        for start in range(0, len(body), 256 * 1024):
            yield body[start:start + 256 * 1024]
            time.sleep(0.2)
    sender = threading.Thread(target=lambda: httpx.put(
        f"{app_server.url}/api/tables/{created['id']}", params={'name': 'after.tsv'}, content=slowly(),
        headers={'Content-Length': str(len(body))}, timeout=60))
    sender.start()
    try:
        assert wait_until(lambda: 'A new version is being uploaded (' in body_text(watcher), 10), body_text(watcher)
    finally:
        sender.join()
    assert wait_until(lambda: 'Table replaced: after.tsv, 300,000 rows, now version 2' in body_text(watcher), 15), \
        body_text(watcher)
    assert 'being uploaded' not in body_text(watcher)
