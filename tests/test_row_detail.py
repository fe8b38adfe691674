"""Row detail and the Download menu (issue #14), through NiceGUI's simulated user.

What a person checks: a link with ``?row=N`` opens that row whole, with every
column and its full text; the panel steps to the rows around it and follows a
replacement; a row past the end says so; the Download menu gives the view or
the whole table in each format. The real-browser side (a click on a row opens
it, the address follows) is in tests/test_browser_filters.py.
"""
from __future__ import annotations

import json

from nicegui.testing import User

from tests.helpers import tsv
from tests.test_ui import table_rows, upload, wait_for
from web.table_screen import row_in_address

LONG_NOTE = 'a note far longer than a table cell shows, ' * 8 + 'and its end'
PEOPLE = tsv(('name', 'city', 'note'),
             ('ann', 'Oslo', 'short'),
             ('bo', 'Lima', LONG_NOTE.strip()),
             ('cy', 'Oslo', ''))


def link_field(user: User) -> str:
    """The row's link as the panel shows it, less the scheme and host (the simulated user's are made up)."""
    value = next(iter(user.find(marker='tsv-row-link').elements)).value
    assert value.startswith('http'), value  # a whole address, to paste anywhere
    return '/' + value.split('/', 3)[3]


async def test_a_link_to_a_row_opens_it_whole(user: User):
    table_id = (await upload(user, PEOPLE, 'people.tsv'))['id']
    await user.open(f'/t/{table_id}?row=2')
    await user.should_see('Row 2 of 3 rows in the file')
    await user.should_see(LONG_NOTE.strip())          # no cutting
    await user.should_see('Lima')
    assert link_field(user) == f'/t/{table_id}?row=2'  # the same link, to send on


async def test_an_empty_cell_says_it_is_empty(user: User):
    table_id = (await upload(user, PEOPLE, 'people.tsv'))['id']
    await user.open(f'/t/{table_id}?row=3')
    await user.should_see('Row 3 of 3 rows in the file')
    await user.should_see('(empty)')


async def test_a_row_past_the_end_says_so(user: User, scripts: list[str]):
    table_id = (await upload(user, PEOPLE, 'people.tsv'))['id']
    await user.open(f'/t/{table_id}?row=9')
    await user.should_see('Version 1 has 3 rows; there is no row 9.')
    assert row_in_address(None) in scripts  # the address forgets it
    await user.should_not_see(marker='tsv-row-detail')
    assert [row['c0'] for row in table_rows(user)] == ['ann', 'bo', 'cy']  # the table is there all the same


async def test_the_panel_steps_to_the_next_row_and_back(user: User):
    table_id = (await upload(user, PEOPLE, 'people.tsv'))['id']
    await user.open(f'/t/{table_id}?row=1')
    await user.should_see('Row 1 of 3 rows in the file')
    user.find(marker='tsv-row-after').click()
    await user.should_see('Row 2 of 3 rows in the file')
    assert link_field(user) == f'/t/{table_id}?row=2'
    user.find(marker='tsv-row-before').click()
    await user.should_see('Row 1 of 3 rows in the file')


async def test_a_view_only_link_opens_rows_too_and_its_link_stays_view_only(user: User):
    answer = await upload(user, PEOPLE, 'people.tsv')
    await user.open(f"/v/{answer['view_id']}?row=2")
    await user.should_see('Row 2 of 3 rows in the file')
    assert link_field(user) == f"/v/{answer['view_id']}?row=2"


async def test_an_open_row_follows_a_replacement(user: User):
    table_id = (await upload(user, PEOPLE, 'people.tsv'))['id']
    await user.open(f'/t/{table_id}?row=2')
    await user.should_see('Lima')
    await upload(user, tsv(('name', 'city', 'note'), ('ann', 'Oslo', ''), ('bo', 'Quito', 'moved')), 'people.tsv',
                 table_id)
    await user.should_see('Quito')
    await user.should_see('Row 2 of 2 rows in the file')


async def test_a_pinned_version_links_its_rows_with_the_version(user: User):
    table_id = (await upload(user, PEOPLE, 'people.tsv'))['id']
    await upload(user, tsv(('name',), ('zed',)), 'other.tsv', table_id)
    await user.open(f'/t/{table_id}?version=1&row=2')
    await user.should_see('Lima')
    assert link_field(user) == f'/t/{table_id}?version=1&row=2'


async def test_the_download_menu_gives_the_whole_table_in_each_format(user: User):
    table_id = (await upload(user, PEOPLE, 'people.tsv'))['id']
    await user.open(f'/t/{table_id}')
    user.find('Download').click()
    user.find(marker='tsv-download-json').click()
    response = await user.download.next(timeout=5)
    assert response.status_code == 200
    assert [row['name'] for row in json.loads(response.content)] == ['ann', 'bo', 'cy']
    for fmt in ('tsv', 'csv', 'parquet', 'xlsx'):
        user.find(marker=f'tsv-download-{fmt}').click()
        response = await user.download.next(timeout=5)
        assert response.status_code == 200, (fmt, response.text[:200])


async def test_the_download_menu_gives_this_view(user: User):
    table_id = (await upload(user, PEOPLE, 'people.tsv'))['id']
    await user.open(f'/t/{table_id}?city__exact=Oslo&sort=name&desc=true&hide=note')
    await wait_for(lambda: [row['c0'] for row in table_rows(user)] == ['cy', 'ann'])
    user.find('Download').click()
    user.find(marker='tsv-download-view-json').click()
    response = await user.download.next(timeout=5)
    assert json.loads(response.content) == [{'name': 'cy', 'city': 'Oslo'}, {'name': 'ann', 'city': 'Oslo'}]


async def test_excel_refuses_a_view_bigger_than_a_sheet_before_downloading(user: User, monkeypatch):
    import components.table_info as table_info
    monkeypatch.setattr(table_info, 'EXCEL_ROWS', 2)
    table_id = (await upload(user, PEOPLE, 'people.tsv'))['id']
    await user.open(f'/t/{table_id}')
    user.find('Download').click()
    user.find(marker='tsv-download-xlsx').click()
    await user.should_see('Excel holds at most 2 rows under the header, and this has 3.')
    assert not user.download.http_responses


async def test_a_replacement_without_the_open_row_closes_its_panel(user: User):
    table_id = (await upload(user, PEOPLE, 'people.tsv'))['id']
    await user.open(f'/t/{table_id}?row=3')
    await user.should_see('Row 3 of 3 rows in the file')
    await upload(user, tsv(('name', 'city', 'note'), ('ann', 'Oslo', '')), 'people.tsv', table_id)
    await user.should_see('Version 2 has 1 row; there is no row 3.')
    await user.should_not_see('Row 3 of 3 rows in the file')
