"""The finishing touches a person notices: keys, columns, a sample, the busy state, a phone."""
from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from tests.helpers import tsv
from tests.test_ui import NUMBERS, table_rows, upload, wait_for


def key(name: str) -> dict:
    return {'action': 'keydown', 'repeat': False, 'altKey': False, 'ctrlKey': False, 'metaKey': False,
            'shiftKey': False, 'key': name, 'code': name, 'location': 0}


async def test_arrow_keys_and_home_end_page_through_the_table(user: User):
    table_id = (await upload(user, NUMBERS, 'numbers.tsv'))['id']
    await user.open(f'/t/{table_id}')
    keyboard = user.find(ui.keyboard)
    keyboard.trigger('key', key('ArrowRight'))
    await wait_for(lambda: table_rows(user)[0]['c0'] == '50')
    keyboard.trigger('key', key('End'))
    await wait_for(lambda: table_rows(user)[0]['c0'] == '100')
    keyboard.trigger('key', key('ArrowRight'))  # already on the last page: stays
    keyboard.trigger('key', key('Home'))
    await wait_for(lambda: table_rows(user)[0]['c0'] == '0')


async def test_columns_can_be_hidden_and_shown_by_each_viewer(user: User):
    table_id = (await upload(user, NUMBERS, 'numbers.tsv'))['id']
    await user.open(f'/t/{table_id}')
    table = user.find(ui.table).elements.pop()
    assert list(table.props['visible-columns']) == ['c0', 'c1']
    user.find('Columns').click()  # the menu and its checkboxes are made when it first opens
    box = next(b for b in user.find(ui.checkbox).elements if b.text == 'word')
    box.value = False
    assert list(table.props['visible-columns']) == ['c0']
    box.value = True
    assert list(table.props['visible-columns']) == ['c0', 'c1']


async def test_the_landing_page_offers_a_sample_table(user: User):
    await user.open('/')
    user.find('Try a sample table').click()
    await user.should_see('cities.tsv')
    await user.should_see('12 rows')


async def test_dark_mode_can_be_switched(user: User):
    table_id = (await upload(user, tsv(('a',), ('1',)), 'a.tsv'))['id']
    await user.open(f'/t/{table_id}')
    dark = user.find(ui.dark_mode).elements.pop()
    assert not dark.value
    user.find(marker='tsv-dark').click()
    assert dark.value
