"""Paste from a spreadsheet (issue #12, section 6): what Python can check.

The paste itself happens in the browser (tests/test_browser.py dispatches real
paste events in Chromium); here: where the controls are and are not, the
dialog, what a person is told about the browser's answer, and that cells
copied from a spreadsheet, sent the way the page sends them, become the right
table.
"""
from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from nicegui import ui
from nicegui.testing import User

from components.paste import HINT, PLACEHOLDER
from tests.test_ui import NUMBERS, table_rows, upload, wait_for

PASTED_NAME = 'Pasted table 2026-11-30 14:05.tsv'

# What spreadsheets put on the clipboard as text/plain for the same cells.
EXCEL = ('city\tpopulation\tnote\tcode\r\n'
         'Zürich\t421000\tlakes, mountains\t007\r\n'
         '山田\t\t"line one\nline two"\t\r\n'  # Excel quotes a cell with a line break in it
         'Oslo\t709000\t\t\r\n')  # empty trailing cells keep their tabs; the copy ends with CRLF
GOOGLE_SHEETS = ('city\tpopulation\tnote\tcode\n'
                 'Zürich\t421000\tlakes, mountains\t007\n'
                 '山田\t\t"line one\nline two"\t\n'
                 'Oslo\t709000\t\t')  # no line end after the last row
LIBREOFFICE = EXCEL.replace('\r\n', '\n')
CELLS = [['Zürich', '421000', 'lakes, mountains', '007'],
         ['山田', '', 'line one\nline two', ''],
         ['Oslo', '709000', '', '']]


async def paste_the_way_the_page_does(user: User, text: str, table_id: str | None = None):
    """PASTE_JS's request: the text as the raw UTF-8 body, the name URI-encoded in X-Filename."""
    headers = {'X-Filename': quote(PASTED_NAME), 'Content-Type': 'text/tab-separated-values; charset=utf-8'}
    if table_id is None:
        return await user.http_client.post('/api/tables', content=text.encode(), headers=headers)
    return await user.http_client.put(f'/api/tables/{table_id}', content=text.encode(), headers=headers)


def paste_button(user: User):
    return user.find(marker='tsv-paste')


def open_replace_panel(user: User) -> None:
    user.find(marker='tsv-replace').click()  # the drawer's Replace panel is built when first opened


# --- where the controls are ------------------------------------------------------------------

async def test_the_landing_page_offers_paste_under_the_drop_zone(user: User):
    await user.open('/')
    await user.should_see(HINT)
    await user.should_see(marker='tsv-paste')
    button = paste_button(user).elements.pop()
    assert button.text == 'Paste'
    assert (button.props['data-tsv-paste'], button.props['data-tsv-method']) == ('/api/tables', 'POST')


async def test_an_edit_page_takes_a_paste_only_inside_the_open_replace_panel(user: User):
    table_id = (await upload(user, NUMBERS, 'numbers.tsv'))['id']
    await user.open(f'/t/{table_id}')
    await user.should_see('numbers.tsv')
    await user.should_not_see(marker='tsv-paste')  # not part of the page until the panel opens
    open_replace_panel(user)
    await user.should_see(HINT)
    button = paste_button(user).elements.pop()
    assert (button.props['data-tsv-paste'], button.props['data-tsv-method']) == (f'/api/tables/{table_id}', 'PUT')


async def test_view_only_and_pinned_pages_offer_no_paste(user: User):
    made = await upload(user, NUMBERS, 'numbers.tsv')
    for path in (made['view_url'], f"{made['url']}?version=1", f"{made['view_url']}?version=1"):
        await user.open(path)
        await user.should_see('numbers.tsv')
        await user.should_not_see(HINT)
        await user.should_not_see(marker='tsv-paste')
        await user.should_not_see('Replace with a new file')


# --- the Paste dialog --------------------------------------------------------------------------

async def test_the_paste_button_opens_a_text_area_made_on_first_use(user: User):
    await user.open('/')
    assert not _any(user, ui.dialog)  # no dialog until someone asks for it
    paste_button(user).click()
    await user.should_see('Paste cells from a spreadsheet')
    dialog = user.find(ui.dialog).elements.pop()
    assert dialog.value
    area = next(e for e in user.find(ui.element).elements if e.tag == 'textarea')
    assert area.props['placeholder'] == PLACEHOLDER
    await user.should_see(marker='tsv-paste-send')
    assert user.find(marker='tsv-paste-send').elements.pop().text == 'Make a table'
    # the text area is plain HTML with no value on the server: pasted text never crosses the websocket
    assert 'value' not in area.props and not area._event_listeners
    user.find('Cancel').click()
    assert not dialog.value
    paste_button(user).click()  # the same dialog again, not a second one
    assert dialog.value and len(user.find(ui.dialog).elements) == 1


async def test_the_replace_panel_dialog_replaces_the_table(user: User):
    table_id = (await upload(user, NUMBERS, 'numbers.tsv'))['id']
    await user.open(f'/t/{table_id}')
    open_replace_panel(user)
    await user.should_see(marker='tsv-paste')
    paste_button(user).click()
    await user.should_see(marker='tsv-paste-send')
    assert user.find(marker='tsv-paste-send').elements.pop().text == 'Replace the table'


# --- what a person is told -------------------------------------------------------------------

async def test_a_pasted_table_opens_at_its_own_link(user: User):
    await user.open('/')
    r = await paste_the_way_the_page_does(user, EXCEL)
    assert r.status_code == 201
    paste_button(user).trigger('pasted', {'status': 201, 'body': r.text})  # what PASTE_JS reports
    await user.should_see(PASTED_NAME)
    await user.should_see('3 rows')
    assert table_rows(user)[0] == {'__i': 0, '__n': 1, 'c0': 'Zürich', 'c1': '421000', 'c2': 'lakes, mountains', 'c3': '007'}


async def test_nothing_to_paste_says_so(user: User):
    await user.open('/')
    paste_button(user).trigger('pasted', {'empty': True})
    await user.should_see('Nothing to paste')


async def test_a_refused_paste_says_why_and_the_table_stays(user: User):
    table_id = (await upload(user, NUMBERS, 'numbers.tsv'))['id']
    await user.open(f'/t/{table_id}')
    open_replace_panel(user)
    await user.should_see(marker='tsv-paste')
    r = await paste_the_way_the_page_does(user, 'a\tb\n\x00\x00\x01', table_id)
    assert r.status_code == 400
    paste_button(user).trigger('pasted', {'status': r.status_code, 'body': r.text})
    await user.should_see('The pasted cells were not read. ')
    assert any(json.loads(r.text)['error'] in m for m in user.notify.messages)
    paste_button(user).trigger('pasted', {'status': 0, 'body': ''})  # the network went away
    await user.should_see('The pasted cells were not read. The server could not be reached.')
    await user.should_see('120 rows')
    assert (await user.http_client.get(f'/api/tables/{table_id}')).json()['version'] == 1


async def test_a_big_paste_says_it_is_being_read(user: User):
    await user.open('/')
    paste_button(user).trigger('pasted', {'started': True, 'size': 100})
    paste_button(user).trigger('pasted', {'started': True, 'size': 3_200_000})
    await user.should_see('Reading the pasted cells (3.2 MB)...')
    assert not any('(0.0 MB)' in m for m in user.notify.messages)  # small pastes are read before a notice helps


async def test_a_replacing_paste_reaches_every_viewer(create_user):
    alice, bob = create_user(), create_user()
    table_id = (await upload(alice, NUMBERS, 'numbers.tsv'))['id']
    await alice.open(f'/t/{table_id}')
    await bob.open(f'/t/{table_id}')
    open_replace_panel(alice)
    r = await paste_the_way_the_page_does(alice, EXCEL, table_id)
    assert r.status_code == 200 and r.json()['version'] == 2
    paste_button(alice).trigger('pasted', {'status': 200, 'body': r.text})
    await wait_for(lambda: table_rows(bob)[0].get('c0') == 'Zürich')
    await bob.should_see(PASTED_NAME)


# --- the cells: same reader, same rules ------------------------------------------------------

@pytest.mark.parametrize('text', [EXCEL, GOOGLE_SHEETS, LIBREOFFICE], ids=['excel', 'google-sheets', 'libreoffice'])
async def test_cells_copied_from_a_spreadsheet_become_the_same_table(user: User, text: str):
    made = await paste_the_way_the_page_does(user, text)
    assert made.status_code == 201, made.text
    answer = made.json()
    assert answer['name'] == PASTED_NAME
    assert (answer['encoding'], answer['delimiter'], answer['rows']) == ('UTF-8', '\t', 3)
    assert [c['name'] for c in answer['columns']] == ['city', 'population', 'note', 'code']
    assert answer['warnings'] == []
    page = (await user.http_client.get(f"/api/tables/{answer['id']}")).json()
    assert page['rows'] == CELLS


async def test_cells_copied_from_a_web_page_table(user: User):
    # Chromium copies an HTML table as text/plain with tabs and LF, a blank line between a
    # caption and the table, and often a trailing tab on each row.
    text = 'Largest cities\n\nCity\tCountry\t\nTokyo\tJapan\t\nSão Paulo\tBrazil\t\n'
    made = await paste_the_way_the_page_does(user, text)
    assert made.status_code == 201, made.text
    page = (await user.http_client.get(f"/api/tables/{made.json()['id']}")).json()
    assert [c['name'] for c in page['columns']][:2] == ['City', 'Country']
    assert [row[:2] for row in page['rows']] == [['Tokyo', 'Japan'], ['São Paulo', 'Brazil']]


def _any(user: User, kind: type) -> bool:
    try:
        return bool(user.find(kind).elements)
    except AssertionError:
        return False
