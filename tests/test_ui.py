"""The pages through NiceGUI's simulated user: fast checks of what a person sees."""
from __future__ import annotations

import asyncio
import json

from nicegui import ui
from nicegui.testing import User

from tests.helpers import tsv

NUMBERS = tsv(('n', 'word'), *[(str(i), f'w{i}') for i in range(120)])


async def upload(user: User, data: bytes, name: str, table_id: str | None = None) -> dict:
    """What the drop zone's request does: the raw file to the API."""
    if table_id is None:
        r = await user.http_client.post('/api/tables', content=data, headers={'X-Filename': name})
    else:
        r = await user.http_client.put(f'/api/tables/{table_id}', content=data, headers={'X-Filename': name})
    assert r.status_code in (200, 201), r.text
    return r.json()


def table_rows(user: User) -> list[dict]:
    return user.find(ui.table).elements.pop().rows


async def wait_for(condition, timeout: float = 3.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    assert condition()


async def test_landing_page_offers_the_drop_zone_and_lands_on_the_table(user: User):
    await user.open('/')
    await user.should_see('Drop a TSV file here or click to choose')
    await user.should_see('up to 64 MB')
    body = await upload(user, NUMBERS, 'numbers.tsv')
    user.find(ui.upload).trigger('uploaded', {'status': 201, 'body': json.dumps(body)})
    await user.should_see('numbers.tsv')
    await user.should_see('120 rows')
    assert table_rows(user)[0] == {'__i': 0, '__n': 1, 'c0': '0', 'c1': 'w0'}


async def test_a_failed_upload_says_why(user: User):
    await user.open('/')
    user.find(ui.upload).trigger('failed', {'status': 400, 'body': '{"error": "The file is empty."}'})
    await user.should_see('The file is empty.')


async def test_paging_and_sorting(user: User):
    table_id = (await upload(user, NUMBERS, 'numbers.tsv'))['id']
    await user.open(f'/t/{table_id}')
    await user.should_see('numbers.tsv')
    assert len(table_rows(user)) == 50
    table = user.find(ui.table)
    table.trigger('request', {'page': 3, 'rowsPerPage': 50, 'sortBy': None, 'descending': False})
    await wait_for(lambda: table_rows(user)[0]['c0'] == '100')
    assert len(table_rows(user)) == 20
    table.trigger('request', {'page': 1, 'rowsPerPage': 25, 'sortBy': 'c0', 'descending': True})
    await wait_for(lambda: table_rows(user)[0]['c0'] == '119')
    assert [r['c0'] for r in table_rows(user)[:3]] == ['119', '118', '117']  # typed: 119 before 99
    assert len(table_rows(user)) == 25


async def test_search_filters_and_counts(user: User):
    table_id = (await upload(user, NUMBERS, 'numbers.tsv'))['id']
    await user.open(f'/t/{table_id}')
    user.find(ui.input).type('W11')
    await user.should_see('11 of 120 rows match')
    assert [r['c1'] for r in table_rows(user)][:2] == ['w11', 'w110']


async def test_a_replacement_reaches_another_viewer_without_reload(create_user):
    alice, bob = create_user(), create_user()
    table_id = (await upload(alice, NUMBERS, 'numbers.tsv'))['id']
    await alice.open(f'/t/{table_id}')
    await bob.open(f'/t/{table_id}')
    bob.find(ui.table).trigger('request', {'page': 3, 'rowsPerPage': 50, 'sortBy': 'c0', 'descending': True})
    await wait_for(lambda: table_rows(bob)[0]['c0'] == '19')
    await upload(alice, tsv(('n', 'word'), *[(str(i), f'new{i}') for i in range(60)]), 'sales.tsv', table_id)
    # Both viewers are told, in a notice that stays until dismissed or the next change
    await alice.should_see('Table replaced: sales.tsv, 60 rows, now version 2')
    await bob.should_see('Table replaced: sales.tsv, 60 rows, now version 2')
    # bob keeps his sort and page size; his page clamps to the new last page
    await wait_for(lambda: table_rows(bob)[0]['c1'] == 'new9')
    assert len(table_rows(bob)) == 10
    await alice.should_see('60 rows')


async def test_unknown_table_is_a_404(user: User):
    r = await user.http_client.get('/t/AAAAAAAAAAAAAAAAAAAAAA')
    assert r.status_code == 404 and 'Table not found' in r.text


async def test_refused_files_say_why_on_the_page_and_the_table_stays(user: User):
    table_id = (await upload(user, NUMBERS, 'numbers.tsv'))['id']
    await user.open(f'/t/{table_id}')
    user.find(marker='tsv-replace').click()  # the drop zone is built when first opened
    refusals = {b'': 'The file is empty.', b' \n\t\n': 'only white space',
                b'PK\x03\x04rest': 'ZIP archive', b'%PDF-1.4': 'PDF document',
                b'\x1f\x8b\x08\x00': 'GZIP archive', b'a\tb\n\x00\x00\x01': 'binary data'}
    for data, words in refusals.items():
        r = await user.http_client.put(f'/api/tables/{table_id}', content=data)
        assert r.status_code == 400
        user.find(ui.upload).trigger('failed', {'status': r.status_code, 'body': r.text})
        await user.should_see(words)
    await user.should_see('120 rows')
    assert (await user.http_client.get(f'/api/tables/{table_id}')).json()['version'] == 1


async def test_the_page_says_how_the_file_was_read(user: User):
    data = 'name\tcity\ncrème\tMálaga\nshort\n'.encode('cp1252')
    table_id = (await upload(user, data, 'legacy.tsv'))['id']
    await user.open(f'/t/{table_id}')
    await user.should_see('Windows-1252, tab-separated')
    await user.should_see('Read as Windows-1252. 1 short row was padded with empty cells.')
