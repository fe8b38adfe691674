"""Correcting the reader's guesses: ?encoding=/?delimiter=/?header_row=, "Read differently", the original file.

Issue #12, section 3: every guess can be wrong for some file, so a person can
say what is right on upload, or later on the page without finding the file
again; and can always get back exactly the bytes they uploaded.
"""
from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from nicegui import ui
from nicegui.testing import User

from tests.helpers import Server
from tests.test_ui import wait_for
from tsvcore import Store
from tsvcore.storage.originals import ORIGINAL_FILE, RAW_FILE
from tsvcore.reading.read_options import ReadOptions

# Mostly ASCII with Japanese names in Shift-JIS: a guess may well take it for Windows-1252.
SHIFT_JIS = ('id,name,email\r\n1,山田,yamada@example.com\r\n2,佐藤,sato@example.com\r\n'
             '3,鈴木,suzuki@example.com\r\n').encode('cp932')
SEMICOLONS = b'Sales export\nproduced by the till\n\nregion;units\nnorth;9\nsouth;10\n'


def post(server: Server, path: str, data: bytes | None = None, **params) -> httpx.Response:
    return httpx.post(f'{server.url}{path}', params=params, content=data, timeout=30)


def cells(server: Server, table_id: str, **params) -> list[list[str]]:
    r = httpx.get(f'{server.url}/api/tables/{table_id}', params=params, timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    return [[c['name'] for c in body['columns']]] + body['rows']


def test_the_encoding_can_be_named_on_upload(server):
    r = post(server, '/api/tables', SHIFT_JIS, name='staff.csv', encoding='shift-jis')
    assert r.status_code == 201, r.text
    assert r.json()['encoding'] == 'Shift-JIS (cp932)' or 'cp932' in r.json()['encoding'].lower()
    assert cells(server, r.json()['id'])[1] == ['1', '山田', 'yamada@example.com']
    assert cells(server, r.json()['id'], q='佐藤')[1:] == [['2', '佐藤', 'sato@example.com']]


def test_the_delimiter_and_header_line_can_be_named_on_upload(server):
    r = post(server, '/api/tables', SEMICOLONS, name='sales.csv', delimiter='semicolon', header_row='4')
    assert r.status_code == 201, r.text
    body = r.json()
    assert body['delimiter'] == ';'
    assert cells(server, body['id']) == [['region', 'units'], ['north', '9'], ['south', '10']]
    assert any('Line 4 was read as the header, as asked' in w for w in body['warnings'])


def test_bytes_a_named_encoding_cannot_read_are_counted_never_silently_lost(server):
    data = 'id,name\n1,café\n2,naïve\n'.encode('cp1252')
    body = post(server, '/api/tables', data, encoding='shift-jis').json()
    assert any('2 bytes were not valid Shift-JIS (cp932) and shown as \ufffd (the first on line 2)' in w
               for w in body['warnings']), body['warnings']
    assert cells(server, body['id'])[1][0] == '1'
    again = post(server, f"/api/tables/{body['id']}/reread", encoding='windows-1252').json()
    assert cells(server, body['id'])[1:] == [['1', 'café'], ['2', 'naïve']] and again['warnings'] == \
        ['Read as Windows-1252.']


def test_a_named_delimiter_reads_a_one_column_file_as_one_column(server):
    body = post(server, '/api/tables', b'name\nDoe, Jane\nRoe, Richard\n', delimiter='none').json()
    assert body['delimiter'] == ''
    assert cells(server, body['id']) == [['name'], ['Doe, Jane'], ['Roe, Richard']]


def test_utf16_named_without_a_byte_order_mark_reads_and_odd_codecs_are_refused(server):
    data = 'id\tname\n1\tcafé\n'.encode('utf-16-le')
    body = post(server, '/api/tables', data, encoding='utf-16').json()
    assert body['encoding'] == 'UTF-16 LE' and cells(server, body['id']) == [['id', 'name'], ['1', 'café']]
    r = post(server, '/api/tables', data, encoding='idna')
    assert r.status_code == 422 and 'not an encoding a text file is written in' in r.json()['error']


def test_backslash_escapes_can_be_switched_on_and_off(server):
    data = b'id,note\n1,"say \\"hi\\""\n2,"plain"\n'
    guessed = post(server, '/api/tables', data).json()
    assert cells(server, guessed['id'])[1] == ['1', 'say "hi"']
    post(server, f"/api/tables/{guessed['id']}/reread", escape='off')
    assert cells(server, guessed['id'])[1][1] != 'say "hi"'
    r = post(server, '/api/tables', data, escape='maybe')
    assert r.status_code == 422 and 'escape must be on, off or auto' in r.json()['error']


@pytest.mark.parametrize('params, sentence', [
    ({'encoding': 'klingon'}, 'is not an encoding this server knows'),
    ({'delimiter': ';;'}, 'The delimiter must be one ASCII character'),
    ({'header_row': 'two'}, 'header_row must be a line number'),
    ({'header_row': '50'}, 'The file has fewer than 50 lines'),
])
def test_a_bad_option_is_refused_with_a_sentence_and_changes_nothing(server, params, sentence):
    table = post(server, '/api/tables', SEMICOLONS, name='sales.csv').json()
    r = httpx.put(f"{server.url}/api/tables/{table['id']}", params=params, content=SEMICOLONS, timeout=30)
    assert r.status_code == 422 and sentence in r.json()['error'], r.text
    r = post(server, f"/api/tables/{table['id']}/reread", **params)
    assert r.status_code == 422 and sentence in r.json()['error'], r.text
    assert httpx.get(f"{server.url}/api/tables/{table['id']}/versions").json()['current'] == 1


def test_read_differently_makes_a_new_version_from_the_original_bytes(server):
    table = post(server, '/api/tables', SEMICOLONS, name='sales.csv').json()
    assert table['delimiter'] == ';' and table['rows'] == 2   # the guess, title lines skipped
    r = post(server, f"/api/tables/{table['id']}/reread", delimiter='comma', header_row='1')
    assert r.status_code == 200, r.text
    again = r.json()
    assert again['version'] == 2 and again['name'] == 'sales.csv'
    assert cells(server, table['id'])[0] == ['Sales export']
    history = httpx.get(f"{server.url}/api/tables/{table['id']}/versions").json()['versions']
    assert history[0]['reread_from'] == 1
    assert history[0]['read_options'] == {'delimiter': ',', 'header_row': 1}
    # and back: re-reading version 1 with the guesses gives version 1's table again
    r = post(server, f"/api/tables/{table['id']}/reread", version='1')
    assert cells(server, table['id']) == [['region', 'units'], ['north', '9'], ['south', '10']]


def test_the_original_file_downloads_byte_for_byte_from_every_version(server):
    table = post(server, '/api/tables', SHIFT_JIS, name='staff.csv').json()
    post(server, f"/api/tables/{table['id']}/reread", encoding='cp932')
    for version in (1, 2):
        r = httpx.get(f"{server.url}/api/tables/{table['id']}/original", params={'version': version})
        assert r.status_code == 200
        assert r.content == SHIFT_JIS
        assert "filename*=UTF-8''staff.csv" in r.headers['content-disposition']
    view = httpx.get(f"{server.url}/api/tables/{table['view_id']}/original")
    assert view.content == SHIFT_JIS   # a view-only link may download it too


def test_a_view_only_link_cannot_read_differently(server):
    table = post(server, '/api/tables', SEMICOLONS).json()
    r = post(server, f"/api/tables/{table['view_id']}/reread", delimiter='comma')
    assert r.status_code == 403


def test_originals_are_compressed_in_the_background_and_stay_exact(tmp_path: Path):
    store = Store(tmp_path / 'data')
    data = b'word\tn\n' + b''.join(f'w{i}\t{i}\n'.encode() for i in range(50_000))
    (tmp_path / 'up.tsv').write_bytes(data)
    meta = store.create(tmp_path / 'up.tsv', 'up.tsv')
    version_dir = tmp_path / 'data' / 'tables' / meta['id'] / 'versions' / '1'
    for _ in range(200):
        if (version_dir / ORIGINAL_FILE).exists() and not (version_dir / RAW_FILE).exists():
            break
        time.sleep(0.05)
    assert (version_dir / ORIGINAL_FILE).stat().st_size < len(data) / 2
    with store.original(meta['id'], 1) as stream:
        assert stream.read() == data
    restored = store.restore(meta['id'], 1)
    assert restored['original'] is True
    with store.original(meta['id'], restored['version']) as stream:
        assert stream.read() == data


def test_a_version_from_before_originals_were_kept_says_so(tmp_path: Path):
    store = Store(tmp_path / 'data')
    (tmp_path / 'up.tsv').write_bytes(b'a\tb\n1\t2\n')
    meta = store.create(tmp_path / 'up.tsv', 'up.tsv')
    version_dir = tmp_path / 'data' / 'tables' / meta['id'] / 'versions' / '1'
    time.sleep(0.2)
    for name in (ORIGINAL_FILE, RAW_FILE):
        (version_dir / name).unlink(missing_ok=True)
    with pytest.raises(Exception, match='stored before original files were kept'):
        store.reread(meta['id'], 1, ReadOptions(delimiter=','))


async def test_the_page_reads_a_version_again_with_the_encoding_chosen(user: User):
    r = await user.http_client.post('/api/tables', content=SHIFT_JIS, headers={'X-Filename': 'staff.csv'})
    table = r.json()
    await user.open(f"/t/{table['id']}")
    await user.should_see('staff.csv')
    user.find('Read differently').click()
    await user.should_see('Read the file differently')
    user.find(marker='tsv-reread-encoding').elements.pop().value = 'cp932'
    user.find(marker='tsv-reread-submit').click()
    await user.should_see('version 2')
    await wait_for(lambda: user.find(ui.table).elements.pop().rows[0]['c1'] == '山田')


async def test_the_dialog_starts_from_how_the_shown_version_was_read(user: User):
    """Changing only the delimiter must not undo an encoding chosen before."""
    r = await user.http_client.post('/api/tables', content=SHIFT_JIS, headers={'X-Filename': 'staff.csv'},
                                    params={'encoding': 'cp932', 'delimiter': 'comma'})
    await user.open(f"/t/{r.json()['id']}")
    await user.should_see('staff.csv')
    user.find('Read differently').click()
    await user.should_see('Read the file differently')
    assert user.find(marker='tsv-reread-encoding').elements.pop().value == 'cp932'
    assert user.find(marker='tsv-reread-delimiter').elements.pop().value == 'comma'
    assert user.find(marker='tsv-reread-escape').elements.pop().value == 'auto'


def test_a_reread_keeps_the_original_even_when_the_version_is_trimmed_meanwhile(tmp_path: Path):
    store = Store(tmp_path / 'data', keep_versions=1)
    (tmp_path / 'a.csv').write_bytes(SEMICOLONS)
    meta = store.create(tmp_path / 'a.csv', 'a.csv')
    store.replace(meta['id'], tmp_path / 'a.csv', 'a.csv')  # version 1 is trimmed
    with pytest.raises(Exception, match='This table has no version 1'):
        store.reread(meta['id'], 1, ReadOptions(delimiter=','))
    again = store.reread(meta['id'], 2, ReadOptions(delimiter=','))
    assert again['version'] == 3 and again['delimiter'] == ','


def test_a_crash_mid_compression_is_finished_at_start_up(tmp_path: Path):
    store = Store(tmp_path / 'data')
    (tmp_path / 'a.tsv').write_bytes(b'a\tb\n1\t2\n')
    meta = store.create(tmp_path / 'a.tsv', 'a.tsv')
    version_dir = tmp_path / 'data' / 'tables' / meta['id'] / 'versions' / '1'
    for _ in range(100):
        if (version_dir / ORIGINAL_FILE).exists():
            break
        time.sleep(0.05)
    (version_dir / ORIGINAL_FILE).unlink()
    (version_dir / RAW_FILE).write_bytes(b'a\tb\n1\t2\n')        # as if the process died mid-way
    (version_dir / f'.{ORIGINAL_FILE}.partial').write_bytes(b'half')
    Store(tmp_path / 'data').clean_temporaries()
    for _ in range(100):
        if (version_dir / ORIGINAL_FILE).exists() and not (version_dir / RAW_FILE).exists():
            break
        time.sleep(0.05)
    assert not (version_dir / f'.{ORIGINAL_FILE}.partial').exists()
    with store.original(meta['id'], 1) as stream:
        assert stream.read() == b'a\tb\n1\t2\n'


async def test_the_download_menu_offers_the_original_file(user: User):
    r = await user.http_client.post('/api/tables', content=SEMICOLONS, headers={'X-Filename': 'sales.csv'})
    await user.open(f"/t/{r.json()['id']}")
    user.find('Download').click()
    await user.should_see('The original file, byte for byte')
