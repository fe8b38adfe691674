"""The HTTP API against the real app process, the way curl and scripts use it."""
from __future__ import annotations

import concurrent.futures
import csv
import io

import httpx
import pytest

from tests.helpers import Server, tsv

SALES = tsv(('region', 'units', 'note'), ('north', '9', 'ok'), ('south', '10', ''), ('east', '100', 'big'))


def create(server: Server, data: bytes, name: str = 'sales.tsv') -> dict:
    r = httpx.post(f'{server.url}/api/tables', params={'name': name}, content=data, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()


def rows(server: Server, table_id: str, **params) -> dict:
    r = httpx.get(f'{server.url}/api/tables/{table_id}', params=params, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_health(server):
    assert httpx.get(f'{server.url}/api/health').json() == {'ok': True}


def test_upload_answers_with_the_new_table_and_its_unguessable_url(server):
    body = create(server, SALES)
    assert set(body) >= {'id', 'url', 'version', 'name', 'rows', 'columns', 'encoding', 'delimiter', 'warnings'}
    assert body['url'] == f"/t/{body['id']}" and len(body['id']) >= 22
    assert body['version'] == 1 and body['name'] == 'sales.tsv' and body['rows'] == 3
    assert body['columns'] == [{'name': 'region', 'type': 'text'}, {'name': 'units', 'type': 'integer'},
                               {'name': 'note', 'type': 'text'}]
    assert body['encoding'] == 'UTF-8' and body['delimiter'] == '\t' and body['warnings'] == []
    assert create(server, SALES)['id'] != body['id']


def test_name_from_header_and_multipart_upload(server):
    r = httpx.post(f'{server.url}/api/tables', content=SALES, headers={'X-Filename': 'm%C3%A4rz.tsv'})
    assert r.status_code == 201 and r.json()['name'] == 'märz.tsv'
    r = httpx.post(f'{server.url}/api/tables', files={'file': ('form.tsv', SALES, 'text/plain')})
    assert r.status_code == 201 and r.json()['name'] == 'form.tsv' and r.json()['rows'] == 3


def test_pages_sort_search_and_exact_cells(server):
    table = create(server, SALES)['id']
    page = rows(server, table, offset=1, limit=1)
    assert page['total'] == 3 and page['offset'] == 1 and page['limit'] == 1 and page['rows'] == [['south', '10', '']]
    assert [r[1] for r in rows(server, table, sort='units')['rows']] == ['9', '10', '100']
    assert [r[1] for r in rows(server, table, sort='units', desc='true')['rows']] == ['100', '10', '9']
    found = rows(server, table, q='SOUTH')
    assert found['total'] == 1 and found['rows'] == [['south', '10', '']]


def test_replace_makes_a_new_version_and_old_versions_stay_readable(server):
    table = create(server, SALES)['id']
    r = httpx.put(f'{server.url}/api/tables/{table}', params={'name': 'v2.tsv'}, content=tsv(('a',), ('1',)))
    assert r.status_code == 200 and r.json()['version'] == 2 and r.json()['id'] == table
    assert rows(server, table)['rows'] == [['1']]
    assert rows(server, table, version=1)['rows'][0] == ['north', '9', 'ok']


@pytest.mark.parametrize('params, words', [
    ({'limit': 0}, 'limit'), ({'limit': 1001}, 'limit'), ({'offset': -1}, 'offset'),
    ({'sort': 'nope'}, 'nope'), ({'limit': 'ten'}, 'limit'), ({'desc': 'maybe'}, 'desc'),
])
def test_bad_parameters_are_422_with_a_sentence(server, params, words):
    table = create(server, SALES)['id']
    r = httpx.get(f'{server.url}/api/tables/{table}', params=params)
    assert r.status_code == 422 and words in r.json()['error']


def test_unknown_tables_and_versions_are_404(server):
    for path in ('/api/tables/AAAAAAAAAAAAAAAAAAAAAA', '/api/tables/..%2F..%2Fetc'):
        r = httpx.get(server.url + path)
        assert r.status_code == 404 and 'error' in r.json()
    r = httpx.put(f'{server.url}/api/tables/AAAAAAAAAAAAAAAAAAAAAA', content=SALES)
    assert r.status_code == 404
    table = create(server, SALES)['id']
    assert httpx.get(f'{server.url}/api/tables/{table}', params={'version': 7}).status_code == 404


@pytest.mark.parametrize('data', [b'', b'\n\n  \n', b'\x89PNG\r\n\x1a\n\x00\x00', b'a\tb\n\x00\x01\n'])
def test_unreadable_uploads_are_400_and_leave_the_table_as_it_was(server, data):
    table = create(server, SALES)['id']
    r = httpx.put(f'{server.url}/api/tables/{table}', content=data)
    assert r.status_code == 400 and r.json()['error']
    page = rows(server, table)
    assert page['version'] == 1 and page['total'] == 3
    assert httpx.post(f'{server.url}/api/tables', content=data).status_code == 400


def test_over_the_size_limit_is_413_while_streaming(tmp_path):
    small = Server(tmp_path / 'small', MAX_UPLOAD_MB='1').start()
    try:
        table = create(small, SALES)['id']
        big = tsv(('a',), *[(('x' * 1000),)] * 1500)
        r = httpx.put(f'{small.url}/api/tables/{table}', content=big)
        assert r.status_code == 413 and '1 MB' in r.json()['error']

        def chunks():  # no Content-Length: the limit is counted as bytes arrive
            yield b'a\n'
            for _ in range(300):
                yield b'y' * 8192 + b'\n'
        r = httpx.put(f'{small.url}/api/tables/{table}', content=chunks())
        assert r.status_code == 413
        assert rows(small, table)['version'] == 1
        leftovers = [p for p in (tmp_path / 'small' / 'tmp').rglob('*') if p.is_file() and p.name != 'owner.lock']
        assert not leftovers
    finally:
        small.stop()


def test_download_gives_back_the_same_cells(server):
    data = b'id\ttext\n1\t"tab\tinside"\n2\t=SUM(A1)\n3\t"say ""hi"""\n'
    table = create(server, data)['id']
    tsv_file = httpx.get(f'{server.url}/api/tables/{table}/download', params={'format': 'tsv'})
    assert tsv_file.status_code == 200
    again = create(server, tsv_file.content)['id']
    assert rows(server, again)['rows'] == rows(server, table)['rows'] == [
        ['1', 'tab\tinside'], ['2', '=SUM(A1)'], ['3', 'say "hi"']]
    csv_file = httpx.get(f'{server.url}/api/tables/{table}/download', params={'format': 'csv'})
    parsed = list(csv.reader(io.StringIO(csv_file.text)))
    assert parsed[2] == ['2', "'=SUM(A1)"]  # formulas defused in CSV only
    assert 'attachment' in csv_file.headers['content-disposition']


def test_two_uploads_at_once_land_as_two_whole_versions(server):
    table = create(server, SALES)['id']
    files = [tsv(('who',), *[(f'{n}-{i}',) for i in range(20_000)]) for n in ('A', 'B')]

    def put(data: bytes) -> int:
        return httpx.put(f'{server.url}/api/tables/{table}', content=data, timeout=60).json()['version']

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        versions = sorted(pool.map(put, files))
    assert versions == [2, 3]
    for version in (2, 3):
        sources = {row[0].split('-')[0]
                   for offset in range(0, 20_000, 1000)
                   for row in rows(server, table, version=version, limit=1000, offset=offset)['rows']}
        assert len(sources) == 1  # every row of a version comes from one upload


def test_table_page_and_friendly_404(server):
    table = create(server, SALES)['id']
    assert httpx.get(f'{server.url}/t/{table}').status_code == 200
    missing = httpx.get(f'{server.url}/t/AAAAAAAAAAAAAAAAAAAAAA')
    # the app's own page (NiceGUI's, its elements as JSON) with a link to the start page
    assert missing.status_code == 404 and 'Table not found' in missing.text and '"href":"/"' in missing.text


def test_tables_survive_a_restart(tmp_path):
    first = Server(tmp_path / 'data').start()
    try:
        table = create(first, SALES)['id']
    finally:
        first.stop()
    second = Server(tmp_path / 'data').start()
    try:
        assert rows(second, table)['total'] == 3
        assert httpx.get(f'{second.url}/t/{table}').status_code == 200
    finally:
        second.stop()


def test_a_replacement_that_names_no_file_keeps_the_tables_name(server):
    created = httpx.post(f'{server.url}/api/tables', params={'name': 'sales.tsv'}, content=b'a\n1\n').json()
    kept = httpx.put(f"{server.url}/api/tables/{created['id']}", content=b'a\n2\n').json()  # curl --data-binary @f
    assert kept['name'] == 'sales.tsv'
    renamed = httpx.put(f"{server.url}/api/tables/{created['id']}", params={'name': 'q4.tsv'}, content=b'a\n3\n').json()
    assert renamed['name'] == 'q4.tsv'
    assert httpx.post(f'{server.url}/api/tables', content=b'a\n1\n').json()['name'] == 'upload.tsv'
