"""Every view is a link, and column filters in the header (issue #14), through NiceGUI's simulated user.

A view's address spells the API's own parameters, so the page at
``/t/<id>?QUERY`` shows the rows ``/api/tables/<id>?QUERY`` answers. The same
things in a real browser: tests/test_browser_filters.py.
"""
from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from nicegui import ui
from nicegui.testing import User

from components.filter_chips import describe
from components.filter_menu import FilterPanel, ValueChecklist, values_filter
from components.table_view import HEADER_SLOT, NO_DATA_SLOT, TableView, ViewState
from tests.helpers import tsv
from tests.test_ui import table_rows, upload, wait_for
from tsvcore.queries.filters import Filter

CITIES = ['Oslo'] * 4 + ['Lima'] * 3 + ['Quito'] * 2 + ['Hanoi']  # 48, 36, 24 and 12 of 120 rows
SALES = tsv(('city', 'price', 'day', 'note'),
            *[(CITIES[i % 10], f'{i * 1.5:.2f}', f'2024-01-{i % 28 + 1:02d}', '' if i % 3 == 0 else f'n{i}')
              for i in range(120)])


@pytest.fixture
def views(monkeypatch: pytest.MonkeyPatch) -> list[TableView]:
    """Every TableView the pages make, to read its view as the page holds it."""
    made: list[TableView] = []
    original = TableView.__init__

    def init(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        made.append(self)
    monkeypatch.setattr(TableView, '__init__', init)
    return made


def grid(user: User) -> ui.table:
    return user.find(ui.table).elements.pop()


def cells(user: User, width: int = 4) -> list[list[str]]:
    return [[row[f'c{j}'] for j in range(width)] for row in table_rows(user)]


def count_label(user: User) -> str:
    return next(label.text for label in user.find(ui.label).elements if 'tsv-count' in label.classes)


def present(user: User, kind: type) -> list:
    """The elements of ``kind`` on the page, none without failing (``User.find`` fails on none)."""
    try:
        return list(user.find(kind).elements)
    except AssertionError:
        return []


def chips(user: User) -> list[str]:
    return [chip.text for chip in present(user, ui.chip)]


def addressed(scripts: list[str]) -> list[str]:
    """The query strings the page put into the address bar, in order."""
    return [code.split('const search = kept.concat(')[1].split(' ? [')[0].strip('"').replace('\\"', '"')
            for code in scripts if 'history.replaceState' in code and 'kept.concat' in code]


async def api_rows(user: User, table_id: str, query: str) -> list[list[str]]:
    answer = await user.http_client.get(f'/api/tables/{table_id}?{query}')
    assert answer.status_code == 200, answer.text
    return answer.json()['rows']


async def test_a_view_link_opens_exactly_that_view(user: User, views):
    table_id = (await upload(user, SALES, 'sales.tsv'))['id']
    query = 'sort=price&desc=true&q=n&city__in=Oslo,Lima&price__gte=10&offset=10&limit=10&hide=note'
    await user.open(f'/t/{table_id}?{query}')
    expected = await api_rows(user, table_id, query)
    assert len(expected) == 10
    await wait_for(lambda: cells(user) == expected)
    table = grid(user)
    assert table.props['pagination'] == {'page': 2, 'rowsPerPage': 10, 'rowsNumber': table.props['pagination']['rowsNumber'],
                                         'sortBy': 'c1', 'descending': True}
    assert '10' in table.props[':rows-per-page-options']  # a page size the pager did not offer is offered
    assert user.find(ui.input).elements.pop().value == 'n'
    assert list(table.props['visible-columns']) == ['c0', 'c1', 'c2']
    assert list(table.props['tsv-filtered']) == ['c0', 'c1']  # their headers' filter buttons show as on
    assert sorted(chips(user)) == ['city is one of Oslo, Lima', 'price ≥ 10']
    total = (await user.http_client.get(f'/api/tables/{table_id}?{query}')).json()['total']
    assert count_label(user) == f'{total} of 120 rows match'
    # the page says the view back in the same words (the API's), defaults left out
    assert views[-1].view_query() == query
    assert not user.notify.messages


async def test_the_view_page_takes_the_same_parameters(user: User):
    created = await upload(user, SALES, 'sales.tsv')
    await user.open(f"/v/{created['view_id']}?city__exact=Hanoi&sort=day")
    expected = await api_rows(user, created['id'], 'city__exact=Hanoi&sort=day')
    await wait_for(lambda: cells(user) == expected)
    assert {row[0] for row in cells(user)} == {'Hanoi'} and count_label(user) == '12 of 120 rows match'


async def test_a_bad_parameter_is_left_out_with_a_message_and_the_rest_is_shown(user: User, views, scripts):
    table_id = (await upload(user, SALES, 'sales.tsv'))['id']
    await user.open(f'/t/{table_id}?q=Lima&sort=nope&price__gt=cheap&colour__exact=red&limit=ten&hide=ghost'
                    '&desc=maybe&city__like=x')
    await wait_for(lambda: cells(user) and {row[0] for row in cells(user)} == {'Lima'})
    assert count_label(user) == '36 of 120 rows match'
    message = ' '.join(user.notify.messages)
    for part in ('sort=nope', 'price__gt=cheap', 'colour__exact=red', 'limit=ten'):
        assert part in message, message
    assert views[-1].view_query() == 'q=Lima'
    await wait_for(lambda: addressed(scripts)[-1:] == ['q=Lima'])  # and the address says only what was shown


async def test_version_and_row_belong_to_the_page_and_stay_in_the_address(user: User, views, scripts):
    table_id = (await upload(user, SALES, 'sales.tsv'))['id']
    await upload(user, SALES, 'sales.tsv', table_id)  # version 2
    await user.open(f'/t/{table_id}?version=1&city__exact=Lima')
    await wait_for(lambda: cells(user) and {row[0] for row in cells(user)} == {'Lima'})
    assert not user.notify.messages  # version= is not a part of the view that was left out
    assert views[-1].view_query() == 'city__exact=Lima'
    user.find(ui.table).trigger('request', {'page': 2, 'rowsPerPage': 25, 'sortBy': None, 'descending': False})
    await wait_for(lambda: addressed(scripts)[-1:] == ['city__exact=Lima&offset=25&limit=25'])
    script = next(code for code in reversed(scripts) if 'history.replaceState' in code)
    assert '["version", "row", ' in script  # read from the address as it is: kept, never dropped


async def test_the_address_follows_every_change_of_the_view(user: User, scripts):
    table_id = (await upload(user, SALES, 'sales.tsv'))['id']
    await user.open(f'/t/{table_id}')
    table = user.find(ui.table)
    table.trigger('request', {'page': 1, 'rowsPerPage': 50, 'sortBy': 'c1', 'descending': True})
    await wait_for(lambda: addressed(scripts)[-1:] == ['sort=price&desc=true'])
    user.find(ui.input).type('Lima')
    await wait_for(lambda: addressed(scripts)[-1:] == ['sort=price&desc=true&q=Lima'])
    user.find('Columns').click()
    next(b for b in user.find(ui.checkbox).elements if b.text == 'note').value = False
    await wait_for(lambda: addressed(scripts)[-1:] == ['sort=price&desc=true&q=Lima&hide=note'])


async def test_filters_through_the_header_panel(user: User, views):
    table_id = (await upload(user, SALES, 'sales.tsv'))['id']
    await user.open(f'/t/{table_id}')
    assert "$parent.$emit('act', ['filter', props.col.name])" in HEADER_SLOT and 'tsv-filter-button' in HEADER_SLOT
    with pytest.raises(AssertionError):
        user.find(ValueChecklist)  # no panel until someone asks for one
    user.find(ui.table).trigger('act', ['filter', 'c0'])
    await user.should_see('Filter city')
    await user.should_see('4 values')
    checklist = user.find(ValueChecklist).elements.pop()
    options = checklist.props['options']
    assert [(o['value'], o['count']) for o in options] == [('Oslo', 48), ('Lima', 36), ('Quito', 24), ('Hanoi', 12)]
    user.find(marker='tsv-facet-search').type('i')  # searchable: the values holding an "i", still most frequent first
    await wait_for(lambda: [o['value'] for o in checklist.props['options']] == ['Lima', 'Quito', 'Hanoi'])
    checklist.value = ['Quito', 'Hanoi']
    user.find(marker='tsv-filter-apply').click()
    await wait_for(lambda: count_label(user) == '36 of 120 rows match')
    assert {row[0] for row in cells(user)} == {'Quito', 'Hanoi'}
    assert chips(user) == ['city is one of Quito, Hanoi']
    assert views[-1].view_query() == 'city__in=Quito,Hanoi'
    await wait_for(lambda: not present(user, ValueChecklist))  # the panel is gone with its elements

    # a number column: a from/to range, counted among the rows the other filters leave
    user.find(ui.table).trigger('act', ['filter', 'c1'])
    await user.should_see('Filter price')
    user.find(marker='tsv-filter-from').type('cheap')
    user.find(marker='tsv-filter-apply').click()
    await user.should_see('price__gte compares number values; "cheap" is not one.')  # the panel stays open
    user.find(marker='tsv-filter-from').clear().type('100')
    user.find(marker='tsv-filter-to').type('150')
    user.find(marker='tsv-filter-apply').click()
    await wait_for(lambda: views[-1].view_query() == 'city__in=Quito,Hanoi&price__gte=100&price__lte=150')
    expected = await api_rows(user, table_id, views[-1].view_query())
    await wait_for(lambda: cells(user) == expected)
    assert sorted(chips(user)) == ['city is one of Quito, Hanoi', 'price ≤ 150', 'price ≥ 100']

    # text: empty or not, and contains; Clear takes the column's filters away
    user.find(ui.table).trigger('act', ['filter', 'c3'])
    await user.should_see('Filter note')
    user.find(marker='tsv-filter-blank').elements.pop().value = 'isblank'
    user.find(marker='tsv-filter-apply').click()
    await wait_for(lambda: 'note__isblank=1' in views[-1].view_query())
    assert all(row[3] == '' for row in cells(user))
    assert 'note is empty' in chips(user)
    user.find(ui.table).trigger('act', ['filter', 'c3'])
    await user.should_see('Filter note')
    user.find(marker='tsv-filter-clear').click()
    await wait_for(lambda: 'note' not in views[-1].view_query())
    user.find(ui.table).trigger('act', ['filter', 'c0'])
    await user.should_see('Filter city')
    user.find(marker='tsv-filter-contains').type('QUI')
    assert user.find(ValueChecklist).elements.pop().value == ['Quito', 'Hanoi']  # what is ticked shows ticked
    user.find(marker='tsv-filter-apply').click()
    await wait_for(lambda: 'city__contains=QUI' in views[-1].view_query())
    assert {row[0] for row in cells(user)} == {'Quito'}


async def test_chips_remove_filters_and_go_with_the_last(user: User, views):
    table_id = (await upload(user, SALES, 'sales.tsv'))['id']
    await user.open(f'/t/{table_id}?city__exact=Oslo&price__gte=100')
    await wait_for(lambda: count_label(user) == '20 of 120 rows match')
    assert sorted(chips(user)) == ['city is Oslo', 'price ≥ 100']
    user.find('Clear filters')  # offered with two or more
    next(c for c in user.find(ui.chip).elements if c.text == 'city is Oslo').value = False  # its ✕
    await wait_for(lambda: views[-1].view_query() == 'price__gte=100')
    await wait_for(lambda: count_label(user) == '53 of 120 rows match')
    assert chips(user) == ['price ≥ 100']
    user.find(ui.chip).elements.pop().value = False
    await wait_for(lambda: count_label(user) == '120 rows')
    with pytest.raises(AssertionError):
        user.find(marker='tsv-chips')  # no filters: no elements for them
    assert list(grid(user).props['tsv-filtered']) == []


async def test_filters_matching_nothing_say_so_and_offer_to_clear_them(user: User):
    table_id = (await upload(user, SALES, 'sales.tsv'))['id']
    await user.open(f'/t/{table_id}?city__exact=Zurich')
    await wait_for(lambda: grid(user).props.get('no-data-label') == 'No rows match the filters')
    assert grid(user).props['tsv-empty'] == 'filters' and count_label(user) == '0 of 120 rows match'
    assert 'Clear filters' in NO_DATA_SLOT
    user.find(ui.table).trigger('act', ['clear_filters'])  # the empty state's button
    await wait_for(lambda: len(table_rows(user)) == 50)
    assert count_label(user) == '120 rows' and not chips(user)


async def test_follow_mode_carries_filters_and_hidden_columns(create_user):
    alice, bob = create_user(), create_user()
    table_id = (await upload(alice, SALES, 'sales.tsv'))['id']
    await alice.open(f'/t/{table_id}?city__exact=Lima&sort=price&hide=note')
    await bob.open(f'/t/{table_id}')
    alice.find(marker='tsv-lead').elements.pop().value = True
    bob.find(marker='tsv-follow').elements.pop().value = True
    await wait_for(lambda: cells(bob) == cells(alice))
    assert {row[0] for row in cells(bob)} == {'Lima'} and chips(bob) == ['city is Lima']
    assert list(grid(bob).props['visible-columns']) == ['c0', 'c1', 'c2']
    alice.find(ui.chip).elements.pop().value = False  # the leader drops the filter: so does the follower
    await wait_for(lambda: count_label(bob) == '120 rows')
    assert not chips(bob)


async def test_a_replacement_keeps_the_filters_whose_column_is_still_there(user: User, views):
    table_id = (await upload(user, SALES, 'sales.tsv'))['id']
    await user.open(f'/t/{table_id}?city__exact=Lima&note__isblank=1')
    await wait_for(lambda: count_label(user) == '12 of 120 rows match')
    await upload(user, tsv(('city', 'price'), ('Lima', '1'), ('Oslo', '2'), ('Lima', '3')), 'new.tsv', table_id)
    await wait_for(lambda: count_label(user) == '2 of 3 rows match')
    assert chips(user) == ['city is Lima'] and views[-1].view_query() == 'city__exact=Lima'


async def test_a_row_click_calls_the_hook_with_the_rows_number_in_the_file(user: User, views):
    table_id = (await upload(user, SALES, 'sales.tsv'))['id']
    await user.open(f'/t/{table_id}')
    clicked: list[int] = []
    views[-1].on_row = clicked.append
    listeners = [listener for listener in grid(user)._event_listeners.values() if listener.type == 'rowClick']  # Quasar's row-click
    assert len(listeners) == 1 and '__n' in listeners[0].js_handler  # only the number crosses the wire
    user.find(ui.table).trigger('rowClick', 7)
    user.find(ui.table).trigger('rowClick', None)  # a row without '__n' does nothing
    await wait_for(lambda: clicked == [7])


def test_a_view_reads_back_as_it_was_written():
    meta = {'columns': [{'name': 'city', 'type': 'text'}, {'name': 'a,b', 'type': 'text'},
                        {'name': 'n', 'type': 'integer'}]}
    view = ViewState(page=3, rows_per_page=25, sort='n', desc=True, q='new york',
                     filters=(Filter('city', 'in', '["Oslo, Norway","Lima"]'), Filter('n', 'gte', '2')),
                     hidden=('city', 'a,b'))
    again, ignored = ViewState.from_params(parse_qsl(view.query(), keep_blank_values=True), meta)
    assert again == view and ignored == []
    assert ViewState.from_dict(view.as_dict(), meta) == view
    assert ViewState().query() == ''
    assert values_filter('city', ['Oslo', 'Lima']) == Filter('city', 'in', 'Oslo,Lima')
    assert values_filter('city', ['Oslo, Norway']) == Filter('city', 'exact', 'Oslo, Norway')
    assert describe(Filter('note', 'isblank', '0')) == 'note is not empty'
    _, ignored = ViewState.from_params([('offset', '30'), ('limit', '25'), ('n__gt', 'x'), ('hide', 'city,a,b,n')], meta)
    assert any('offset=30' in part for part in ignored) and any('n__gt=x' in part for part in ignored)
    assert FilterPanel  # the panel itself is exercised through the page above


async def test_the_panel_finds_a_value_past_the_thousand_it_lists(user: User):
    many = tsv(('code',), *[(f'item-{i:04d}',) for i in range(1500)], ('zebra-unique',))
    table_id = (await upload(user, many, 'many.tsv'))['id']
    await user.open(f'/t/{table_id}')
    user.find(ui.table).trigger('act', ['filter', 'c0'])
    await user.should_see('The 1,000 most frequent of 1,501 values')
    checklist = user.find(ValueChecklist).elements.pop()
    user.find(marker='tsv-facet-search').type('zebra')
    await wait_for(lambda: [o['value'] for o in checklist.props['options']] == ['zebra-unique'])


def test_a_chip_quotes_ticked_values_that_hold_a_comma():
    from components.filter_chips import describe
    from tsvcore.queries.filters import Filter
    assert describe(Filter('city', 'in', 'Oslo,Lima')) == 'city is one of Oslo, Lima'
    assert describe(Filter('place', 'in', '["Oslo, Norway", "Lima"]')) == 'place is one of "Oslo, Norway", "Lima"'
