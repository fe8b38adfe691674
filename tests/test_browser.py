"""The final word on the UI: real headless Chromium against the real app."""
from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import Server, tsv

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync', '--window-size=1280,900']


def chromium():
    if not shutil.which('chromedriver') and not os.environ.get('CI'):
        pytest.skip('Debian chromium-driver is not installed (the README test command installs it)')
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    options = Options()
    options.binary_location = shutil.which('chromium') or '/usr/bin/chromium'
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which('chromedriver') or '/usr/bin/chromedriver'), options=options)


@pytest.fixture
def app_server(tmp_path):
    srv = Server(tmp_path / 'data').start()
    yield srv
    srv.stop()


@pytest.fixture
def browsers():
    opened = []

    def open_browser():
        driver = chromium()
        opened.append(driver)
        return driver
    yield open_browser
    for driver in opened:
        driver.quit()


def wait_until(condition, timeout: float, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()


def body_text(driver) -> str:
    """The page's visible text, read in one step so that a reload in between cannot leave a stale element."""
    return driver.execute_script('return document.body ? document.body.innerText : ""') or ''


def test_drop_a_file_on_the_landing_page_and_land_on_its_table(app_server, browsers, tmp_path: Path):
    from selenium.webdriver.common.by import By
    page = browsers()
    page.get(app_server.url + '/')
    assert wait_until(lambda: 'Drop a TSV file here or click to choose' in body_text(page), 10)
    sample = tmp_path / 'team.tsv'
    sample.write_bytes(tsv(('name', 'score'), ('ann', '9'), ('bo', '10')))
    page.find_element(By.CSS_SELECTOR, 'input[type=file]').send_keys(str(sample))
    assert wait_until(lambda: '/t/' in page.current_url, 10), page.current_url
    assert wait_until(lambda: 'team.tsv' in body_text(page) and 'ann' in body_text(page), 10)
    assert 'rows 1-2 of 2' in body_text(page)


def test_replacing_in_one_tab_updates_the_other_within_a_second(app_server, browsers, tmp_path: Path):
    from selenium.webdriver.common.by import By
    created = httpx.post(f'{app_server.url}/api/tables', params={'name': 'before.tsv'},
                         content=tsv(('city',), ('Oslo',), ('Lima',))).json()
    one, two = browsers(), browsers()
    for tab in (one, two):
        tab.get(app_server.url + created['url'])
        assert wait_until(lambda tab=tab: 'Oslo' in body_text(tab), 10)

    replacement = tmp_path / 'after.tsv'
    replacement.write_bytes(tsv(('city',), ('Nairobi',), ('Quito',), ('Hanoi',)))
    one.find_element(By.XPATH, "//*[contains(@class, 'tsv-replace-button')]").click()
    file_input = wait_until(lambda: one.find_elements(By.CSS_SELECTOR, 'input[type=file]'), 5)
    file_input[0].send_keys(str(replacement))
    assert wait_until(lambda: httpx.get(f"{app_server.url}/api/tables/{created['id']}").json()['version'] == 2, 15)
    committed = time.monotonic()
    # The issue asks for "within a second"; timing belongs in bench/, so the test
    # allows slack for a loaded CI machine and reports what it saw.
    assert wait_until(lambda: 'Nairobi' in body_text(two), 5), body_text(two)
    print(f'second tab updated {time.monotonic() - committed:.3f} s after the commit was visible')
    assert 'Oslo' not in body_text(two)
    assert two.current_url.endswith(created['url'])  # no reload, no navigation
    assert wait_until(lambda: 'Table replaced: after.tsv, 3 rows' in body_text(two), 3)


def test_a_refused_file_says_why_on_the_page_and_keeps_the_table(app_server, browsers, tmp_path: Path):
    from selenium.webdriver.common.by import By
    created = httpx.post(f'{app_server.url}/api/tables', content=tsv(('city',), ('Oslo',))).json()
    page = browsers()
    page.get(app_server.url + created['url'])
    assert wait_until(lambda: 'Oslo' in body_text(page), 10)
    picture = tmp_path / 'photo.tsv'
    picture.write_bytes(b'\x89PNG\r\n\x1a\n' + bytes(range(256)))
    page.find_element(By.XPATH, "//*[contains(@class, 'tsv-replace-button')]").click()
    wait_until(lambda: page.find_elements(By.CSS_SELECTOR, 'input[type=file]'), 5)[0].send_keys(str(picture))
    assert wait_until(lambda: 'This looks like a PNG image' in body_text(page), 10), body_text(page)
    assert 'Oslo' in body_text(page)
    assert httpx.get(f"{app_server.url}/api/tables/{created['id']}").json()['version'] == 1


def test_cell_text_file_names_and_column_names_never_become_markup(app_server, browsers):
    hostile = '<img src=x onerror="window.__xss=1">'
    data = f'{hostile}\t<b>bold</b>\n<script>window.__xss=2</script>\t{hostile}\n'.encode()
    created = httpx.post(f'{app_server.url}/api/tables', content=data, headers={'X-Filename': f'{hostile}.tsv'}).json()
    page = browsers()
    page.get(app_server.url + created['url'])
    assert wait_until(lambda: '<script>window.__xss=2</script>' in body_text(page), 10), body_text(page)
    text = body_text(page)
    assert '<b>bold</b>' in text and f'{hostile}.tsv' in text
    assert page.execute_script('return window.__xss === undefined')
    assert not page.find_elements('css selector', 'img[src=x]')
    # the replacement notice and the history list show hostile names as text too
    replaced = httpx.put(f"{app_server.url}/api/tables/{created['id']}", content=data,
                         headers={'X-Filename': f'<b>{hostile}.tsv'})  # no '/': a name keeps no directory
    assert replaced.status_code == 200
    assert wait_until(lambda: f'Table replaced: <b>{hostile}.tsv' in body_text(page), 5), body_text(page)
    page.find_element('xpath', "//*[contains(@class, 'tsv-history-button')]").click()
    assert wait_until(lambda: body_text(page).count(f'{hostile}.tsv') >= 2, 5)
    assert page.execute_script('return window.__xss === undefined')
    assert not page.find_elements('css selector', 'img[src=x]') and not page.find_elements('css selector', 'b img')


def test_a_view_only_link_shows_the_live_table_without_any_way_to_change_it(app_server, browsers):
    from selenium.webdriver.common.by import By
    created = httpx.post(f'{app_server.url}/api/tables', params={'name': 'shared.tsv'},
                         content=tsv(('city',), ('Oslo',))).json()
    page = browsers()
    page.get(app_server.url + created['view_url'])
    assert wait_until(lambda: 'Oslo' in body_text(page), 10)
    assert not page.find_elements(By.CSS_SELECTOR, 'input[type=file]')
    assert 'Replace with a new file' not in body_text(page)
    assert 'Restore' not in body_text(page) and created['id'] not in page.page_source  # no edit link anywhere
    refused = page.execute_async_script(
        "const done = arguments[0];"
        f"fetch('/api/tables/{created['view_id']}', {{method: 'PUT', body: 'city\\nHacked\\n'}})"
        ".then(r => done(r.status));")
    assert refused == 403
    httpx.put(f"{app_server.url}/api/tables/{created['id']}", content=tsv(('city',), ('Lima',)))
    assert wait_until(lambda: 'Lima' in body_text(page), 5)  # it follows every replacement


def test_follow_mode_moves_a_following_tab_with_the_presenter(app_server, browsers):
    from selenium.webdriver.common.by import By
    rows = [(str(i), f'row{i:03d}') for i in range(120)]
    created = httpx.post(f'{app_server.url}/api/tables', content=tsv(('n', 'label'), *rows)).json()
    presenter, follower = browsers(), browsers()
    for tab in (presenter, follower):
        tab.get(app_server.url + created['url'])
        assert wait_until(lambda tab=tab: 'row000' in body_text(tab), 10)
    assert wait_until(lambda: '2 viewing' in body_text(follower), 5)
    presenter.find_element(By.XPATH, "//*[contains(@class, 'q-toggle')][.//*[text()='Lead']]").click()
    follower.find_element(By.XPATH, "//*[contains(@class, 'q-toggle')][.//*[text()='Follow']]").click()
    time.sleep(0.5)
    presenter.find_element(By.CSS_SELECTOR, 'button[aria-label="Next page"]').click()
    assert wait_until(lambda: 'row050' in body_text(presenter), 5)
    assert wait_until(lambda: 'row050' in body_text(follower) and 'row000' not in body_text(follower), 5)


def test_menus_open_on_the_first_click_and_every_click_after(app_server, browsers):
    """The Download and Columns menus are made on first use (web memory), which a user must not notice."""
    from selenium.webdriver.common.by import By
    created = httpx.post(f'{app_server.url}/api/tables', content=tsv(('city', 'pop'), ('Oslo', '1'))).json()
    page = browsers()
    page.get(app_server.url + created['url'])
    assert wait_until(lambda: 'Oslo' in body_text(page), 10)

    def button(label: str):
        return next(b for b in page.find_elements(By.CSS_SELECTOR, 'button') if label in b.text)

    def menu_text() -> str:  # read in the page: a closing menu can vanish between finding and reading it
        return page.execute_script(
            "return Array.from(document.querySelectorAll('.q-menu')).map(m => m.innerText).join(' ')")

    for label, expected in (('Download', 'The whole table'), ('Columns', 'pop')):
        for _ in range(2):
            button(label).click()
            assert wait_until(lambda: expected in menu_text(), 5), label
            page.find_element(By.TAG_NAME, 'body').click()  # click away: it closes
            assert wait_until(lambda: expected not in menu_text(), 5), label


def test_a_table_is_usable_at_phone_width(app_server, browsers):
    rows = [('Oslo', 'Norway', '709037')] * 60  # a page taller than the phone: it has a scrollbar
    created = httpx.post(f'{app_server.url}/api/tables', content=tsv(('city', 'country', 'population'), *rows)).json()
    page = browsers()
    page.set_window_size(390, 844)
    page.get(app_server.url + created['url'])
    assert wait_until(lambda: 'Oslo' in body_text(page), 10)
    width = page.execute_script('return document.documentElement.scrollWidth')
    assert width <= 420  # the page itself does not scroll sideways; the table scrolls within
    # every action in the header bar is whole on the screen (Replace, Delete table, History...)
    cut = page.execute_script(
        "return Array.from(document.querySelectorAll('.tsv-actions > *'))"
        ".filter(e => { const r = e.getBoundingClientRect();"
        " return r.right > document.documentElement.clientWidth + 0.5 || r.left < 0; })"
        ".map(e => e.innerText);")
    assert cut == []


def test_an_open_tab_comes_back_by_itself_after_a_server_restart(tmp_path, browsers):
    first = Server(tmp_path / 'data').start()
    created = httpx.post(f'{first.url}/api/tables', content=tsv(('city',), ('Oslo',))).json()
    page = browsers()
    page.get(first.url + created['url'])
    assert wait_until(lambda: 'Oslo' in body_text(page), 10)
    first.stop()
    second = Server(tmp_path / 'data', port=first.port).start()
    try:
        httpx.put(f"{second.url}/api/tables/{created['id']}", content=tsv(('city',), ('Lima',)))
        # no reload by the test: NiceGUI's client reconnects and the page rebuilds itself
        assert wait_until(lambda: 'Lima' in body_text(page), 20), body_text(page)
        assert page.current_url.endswith(created['url'])
    finally:
        second.stop()


# --- paste from a spreadsheet (issue #12, section 6) -----------------------------------------

COPIED_CELLS = 'city\tpop\r\nOslo\t709000\r\nZürich\t421000\r\n'  # what Excel puts on the clipboard
PASTED_NAME = re.compile(r'Pasted table \d{4}-\d\d-\d\d \d\d:\d\d\.tsv')
# A paste event carrying the cells, dispatched where focus would be; true when the page took it
# (the listener cancels a paste it sends, so that the browser does nothing else with it).
DISPATCH_PASTE = """
const [text, target] = arguments;
const dt = new DataTransfer();
dt.setData('text/plain', text);
return !(target || document).dispatchEvent(
    new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
"""


def paste_listening(page) -> bool:
    """The page's paste listener is installed and a Paste button is on screen, read in one step."""
    return page.execute_script("return !!window.tsvPaste && [...document.querySelectorAll('[data-tsv-paste]')]"
                               ".some((b) => b.offsetParent !== null)")


def test_paste_spreadsheet_cells_on_the_landing_page_and_land_on_a_new_table(app_server, browsers):
    page = browsers()
    page.get(app_server.url + '/')
    assert wait_until(lambda: 'or paste cells copied from a spreadsheet (Ctrl+V)' in body_text(page), 10)
    assert wait_until(lambda: paste_listening(page), 5)
    assert page.execute_script(DISPATCH_PASTE, COPIED_CELLS, None)  # Chromium honours clipboardData
    assert wait_until(lambda: '/t/' in page.current_url, 10), body_text(page)
    assert wait_until(lambda: 'Zürich' in body_text(page), 10)
    text = body_text(page)
    assert PASTED_NAME.search(text), text
    assert 'rows 1-2 of 2' in text and '709000' in text
    table = httpx.get(f"{app_server.url}/api/tables/{page.current_url.rsplit('/t/', 1)[1]}").json()
    assert [c['name'] for c in table['columns']] == ['city', 'pop']
    assert table['rows'] == [['Oslo', '709000'], ['Zürich', '421000']]


def test_paste_with_ctrl_v_into_the_open_replace_panel_replaces_the_table(app_server, browsers):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    created = httpx.post(f'{app_server.url}/api/tables', params={'name': 'before.tsv'},
                         content=tsv(('city',), ('Lima',))).json()
    api = f"{app_server.url}/api/tables/{created['id']}"
    page = browsers()
    page.get(app_server.url + created['url'])
    assert wait_until(lambda: 'Lima' in body_text(page), 10)
    assert not page.execute_script(DISPATCH_PASTE, COPIED_CELLS, None)  # panel never opened: no listener

    panel = page.find_element(By.XPATH, "//*[contains(@class, 'tsv-replace-button')]")
    panel.click()
    assert wait_until(lambda: paste_listening(page), 5)
    search = page.find_element(By.CSS_SELECTOR, 'input[type=search], .q-field input:not([type=file])')
    assert not page.execute_script(DISPATCH_PASTE, COPIED_CELLS, search)  # a paste into a field stays there
    panel.click()  # closed: a paste does nothing
    assert wait_until(lambda: not paste_listening(page), 5)
    assert not page.execute_script(DISPATCH_PASTE, COPIED_CELLS, None)
    panel.click()
    assert wait_until(lambda: paste_listening(page), 5)

    # a paste the reader refuses says why and keeps the table
    assert page.execute_script(DISPATCH_PASTE, 'a\tb\n\x00\x00\x01', None)
    assert wait_until(lambda: 'The pasted cells were not read.' in body_text(page), 10), body_text(page)
    assert 'Lima' in body_text(page) and httpx.get(api).json()['version'] == 1

    # a real Ctrl+V: the cells on the system clipboard, the keys pressed
    page.execute_cdp_cmd('Browser.grantPermissions', {'origin': app_server.url,
                                                      'permissions': ['clipboardReadWrite', 'clipboardSanitizedWrite']})
    written = page.execute_async_script('const done = arguments[arguments.length - 1];'
                                        'navigator.clipboard.writeText(arguments[0]).then(() => done(true), done);',
                                        COPIED_CELLS)
    assert written is True, written
    ActionChains(page).key_down(Keys.CONTROL).send_keys('v').key_up(Keys.CONTROL).perform()
    assert wait_until(lambda: httpx.get(api).json()['version'] == 2, 10)
    assert wait_until(lambda: 'Zürich' in body_text(page) and 'Lima' not in body_text(page), 5), body_text(page)
    assert PASTED_NAME.search(body_text(page))
    assert 'Table replaced: Pasted table' in body_text(page)
    assert page.current_url.endswith(created['url'])  # the live update, no navigation
    assert httpx.get(api).json()['rows'] == [['Oslo', '709000'], ['Zürich', '421000']]


def test_the_paste_button_takes_cells_in_a_text_area(app_server, browsers):
    from selenium.webdriver.common.by import By
    page = browsers()
    page.get(app_server.url + '/')
    assert wait_until(lambda: paste_listening(page), 10)
    page.find_element(By.CSS_SELECTOR, '[data-tsv-paste]').click()
    area = wait_until(lambda: page.find_elements(By.CSS_SELECTOR, '.q-dialog textarea'), 5)[0]
    assert area.get_attribute('placeholder') == 'Paste cells here (Ctrl+V)'
    assert wait_until(lambda: page.execute_script('return document.activeElement.tagName') == 'TEXTAREA', 3)

    def make_a_table() -> None:
        # clicked in the page: a WebDriver click is refused while the dialog still slides in over it
        assert page.execute_script(
            "const b = Array.from(document.querySelectorAll('.q-dialog button'))"
            ".find(b => b.innerText.includes('Make a table')); if (b) b.click(); return !!b;")

    for _ in range(4):  # nothing in it yet; a click while the dialog still slides in may not land: again
        make_a_table()
        if wait_until(lambda: 'Nothing to paste' in body_text(page), 3):
            break
    assert 'Nothing to paste' in body_text(page)
    assert page.current_url.rstrip('/') == app_server.url
    area.click()
    page.execute_cdp_cmd('Input.insertText', {'text': COPIED_CELLS})  # as a paste or typing puts text there
    assert page.execute_script('return arguments[0].value', area) == COPIED_CELLS.replace('\r\n', '\n')
    make_a_table()
    assert wait_until(lambda: '/t/' in page.current_url, 10), body_text(page)
    assert wait_until(lambda: 'Zürich' in body_text(page) and 'Oslo' in body_text(page), 10)
    assert PASTED_NAME.search(body_text(page))
