"""The table as people use it (issue #13), through NiceGUI's simulated user: the header's type tags,
"1 row", the pager's page jump, the keys and their list, what an empty table or search says, and
the signs of work under way. The same things in a real browser: tests/test_browser_table.py."""
from __future__ import annotations

import threading

import pytest
from nicegui import app, ui
from nicegui.testing import User

from components.table_view import HEADER_SLOT, NO_DATA_SLOT, PAGINATION_SLOT
from components.words import counted
from tests.helpers import tsv
from tests.test_polish import key
from tests.test_ui import NUMBERS, table_rows, upload, wait_for

TYPED = tsv(('id', 'price', 'prix', 'day', 'at', 'ok', 'name'),
            ('1', '1.50', '0,99', '2024-01-31', '2024-01-31T10:00:00', 'true', 'ann'),
            ('2', '12', '12,50', '2024-02-01', '2024-02-01T11:30:00', 'false', 'bo'))


def table(user: User) -> ui.table:
    return user.find(ui.table).elements.pop()


def count_label(user: User) -> str:
    return next(label.text for label in user.find(ui.label).elements if 'tsv-count' in label.classes)


async def test_the_header_shows_each_columns_type(user: User):
    table_id = (await upload(user, TYPED, 'typed.tsv'))['id']
    await user.open(f'/t/{table_id}')
    columns = table(user).props['columns']
    assert [(c['label'], c['tsvType'], c['tsvTag']) for c in columns] == [
        ('id', 'integer', '123'), ('price', 'number', '1.5'), ('prix', 'decimal comma', '1,5'),
        ('day', 'date', 'date'), ('at', 'datetime', 'time'), ('ok', 'boolean', 't/f'), ('name', 'text', 'abc')]
    # the slot shows the tag (titled with the type's name) apart from the name, and the profile
    # button as its own target that does not sort
    assert "{{ props.col.tsvTag }}" in HEADER_SLOT and "'Type: ' + props.col.tsvType" in HEADER_SLOT
    assert '@click.stop' in HEADER_SLOT and 'tsv-profile-button' in HEADER_SLOT
    # rows are Quasar's plain cells: NiceGUI remounts a slot's template whenever anything on the page changes
    assert not {'body', 'body-cell'} & set(table(user).slots)


def test_counts_read_as_a_person_writes_them():
    assert [counted(n, 'row') for n in (0, 1, 2, 1_000_000)] == ['0 rows', '1 row', '2 rows', '1,000,000 rows']
    assert counted(1, 'column') == '1 column' and counted(3, 'match', 'matches') == '3 matches'


async def test_one_row_is_one_row(user: User):
    table_id = (await upload(user, tsv(('city',), ('Oslo',)), 'one.tsv'))['id']
    await user.open(f'/t/{table_id}')
    await wait_for(lambda: count_label(user) == '1 row')
    user.find(ui.input).type('osl')
    await wait_for(lambda: count_label(user) == '1 of 1 row matches')
    assert "rowsNumber === 1 ? 'row 1 of 1'" in PAGINATION_SLOT  # the pager's range, too


async def test_a_page_number_typed_into_the_pager_turns_to_that_page(user: User):
    table_id = (await upload(user, NUMBERS, 'numbers.tsv'))['id']  # 120 rows: 3 pages of 50
    await user.open(f'/t/{table_id}')
    grid = user.find(ui.table)
    grid.trigger('act', ['jump', '3'])
    await wait_for(lambda: table_rows(user)[0]['c0'] == '100')
    assert table(user).props['pagination']['page'] == 3
    grid.trigger('act', ['jump', '2'])
    await wait_for(lambda: table_rows(user)[0]['c0'] == '50')
    grid.trigger('act', ['jump', 'two'])  # not a number: stays where it is
    grid.trigger('act', ['jump', '99'])   # past the end: the last page
    await wait_for(lambda: table_rows(user)[0]['c0'] == '100')
    grid.trigger('act', ['jump', '0'])    # before the start: the first page
    await wait_for(lambda: table_rows(user)[0]['c0'] == '0')
    assert table(user).props['pagination']['page'] == 1


async def test_question_mark_lists_the_keys_in_a_dialog_made_on_first_use(user: User):
    table_id = (await upload(user, NUMBERS, 'numbers.tsv'))['id']
    await user.open(f'/t/{table_id}')
    with pytest.raises(AssertionError):
        user.find(marker='tsv-shortcuts')  # no element until someone asks
    user.find(ui.keyboard).trigger('key', {**key('?'), 'shiftKey': True})
    await user.should_see('Keyboard shortcuts')
    for words in ('Previous page', 'Next page', 'First page', 'Last page', 'Search all columns'):
        await user.should_see(words)
    dialog = user.find(marker='tsv-shortcuts').elements.pop()
    assert dialog.value
    dialog.close()
    user.find(ui.table).trigger('act', ['shortcuts'])  # the pager's keyboard button opens the same one
    await wait_for(lambda: dialog.value)
    assert len(user.find(marker='tsv-shortcuts').elements) == 1


async def test_slash_goes_to_the_search_box(user: User):
    table_id = (await upload(user, NUMBERS, 'numbers.tsv'))['id']
    await user.open(f'/t/{table_id}')
    search = user.find(ui.input).elements.pop()
    called: list[str] = []
    search.run_method = lambda name, *args, **kwargs: called.append(name)
    user.find(ui.keyboard).trigger('key', key('/'))
    await wait_for(lambda: called == ['focus'])
    user.find(ui.keyboard).trigger('key', {**key('/'), 'ctrlKey': True})  # not with a modifier
    user.find(ui.keyboard).trigger('key', key('ArrowRight'))  # the arrows still page
    await wait_for(lambda: table_rows(user)[0]['c0'] == '50')
    assert called == ['focus']


async def test_a_third_sort_returns_to_file_order(user: User):
    shuffled = tsv(('n',), ('3',), ('1',), ('2',))
    table_id = (await upload(user, shuffled, 'shuffled.tsv'))['id']
    await user.open(f'/t/{table_id}')
    grid = user.find(ui.table)
    assert 'binary-state-sort' not in table(user).props  # Quasar's third state: no sort
    for sort_by, descending, expected in (('c0', False, ['1', '2', '3']), ('c0', True, ['3', '2', '1']),
                                          (None, False, ['3', '1', '2'])):
        grid.trigger('request', {'page': 1, 'rowsPerPage': 50, 'sortBy': sort_by, 'descending': descending})
        await wait_for(lambda expected=expected: [r['c0'] for r in table_rows(user)] == expected)
        assert table(user).props['pagination']['sortBy'] == sort_by


async def test_a_table_with_a_header_and_no_rows_says_so(user: User):
    table_id = (await upload(user, tsv(('city', 'country')), 'header-only.tsv'))['id']
    await user.open(f'/t/{table_id}')
    await wait_for(lambda: table(user).props.get('no-data-label') == 'This table has a header (2 columns) and no rows.')
    assert table(user).props['tsv-empty'] == 'table'  # no "Clear the search" button
    assert count_label(user) == '0 rows'
    assert 'props.message' in NO_DATA_SLOT


async def test_a_search_that_matches_nothing_says_so_and_can_be_cleared(user: User):
    table_id = (await upload(user, NUMBERS, 'numbers.tsv'))['id']
    await user.open(f'/t/{table_id}')
    user.find(ui.input).type('zurich')
    await wait_for(lambda: table(user).props.get('no-data-label') == 'No rows match "zurich"')
    assert table(user).props['tsv-empty'] == 'search' and table_rows(user) == ()
    user.find(ui.table).trigger('act', ['clear_search'])  # the empty state's button
    await wait_for(lambda: len(table_rows(user)) == 50)
    assert user.find(ui.input).elements.pop().value == ''
    assert count_label(user) == '120 rows'


@pytest.fixture
def slow_engine(monkeypatch: pytest.MonkeyPatch):
    """The app's engine, answering pages and profiles only when the test lets it (a 1M-row sort, say)."""
    engine = app.state.services.engine
    gate = threading.Event()
    page, profile = engine.page, engine.profile

    def slow(function):
        def answer(*args, **kwargs):
            gate.wait(10)
            return function(*args, **kwargs)
        return answer
    monkeypatch.setattr(engine, 'page', slow(page))
    monkeypatch.setattr(engine, 'profile', slow(profile))
    yield gate
    gate.set()


async def test_work_that_takes_a_while_shows_a_loading_bar_and_searching(user: User, slow_engine):
    table_id = (await upload(user, NUMBERS, 'numbers.tsv'))['id']
    slow_engine.set()
    await user.open(f'/t/{table_id}')
    slow_engine.clear()
    search = user.find(ui.input).elements.pop()
    search.value = 'w11'
    await wait_for(lambda: search.props.get('suffix') == 'searching...')
    await wait_for(lambda: table(user).props.get('loading') is True)  # not answered within a moment
    assert len(table_rows(user)) == 50  # the old rows stay (dimmed) under the bar
    slow_engine.set()
    await wait_for(lambda: [r['c1'] for r in table_rows(user)][:2] == ['w11', 'w110'])
    assert table(user).props['loading'] is False and 'suffix' not in search.props


async def test_a_slow_profile_turns_its_button_into_a_spinner(user: User, slow_engine):
    table_id = (await upload(user, NUMBERS, 'numbers.tsv'))['id']
    slow_engine.set()
    await user.open(f'/t/{table_id}')
    slow_engine.clear()
    user.find(ui.table).trigger('profile', 'c1')
    await wait_for(lambda: table(user).props.get('tsv-profiling') == 'c1')
    assert ":loading=\"$parent.$attrs['tsv-profiling'] === props.col.name\"" in HEADER_SLOT
    slow_engine.set()
    await wait_for(lambda: 'tsv-profiling' not in table(user).props)
    await user.should_see('Most common values')
