"""Row detail (issue #14): ``GET /api/tables/{id}/rows/{N}``, N the row's 1-based place in the version's file.

The page's row drawer asks the same engine function (``tsvcore.queries.rows``),
so a link to "row 3" means the same row whatever the view's sort or filters.
"""
from __future__ import annotations

import httpx
import pytest

from tests.helpers import tsv

FIRST = tsv(('city', 'pop', 'note'), ('Oslo', '709000', 'fjord'), ('Lima', 'NA', ''), ('Quito', '5', 'high, up'))
SECOND = tsv(('city', 'pop'), ('Bern', '134000'))


@pytest.fixture(scope='module')
def table(server) -> dict:
    made = httpx.post(f'{server.url}/api/tables', params={'name': 'cities.tsv'}, content=FIRST).json()
    httpx.put(f"{server.url}/api/tables/{made['id']}", content=SECOND).raise_for_status()
    return made


def row(server, table_id: str, n: str | int, **params) -> httpx.Response:
    return httpx.get(f'{server.url}/api/tables/{table_id}/rows/{n}', params=params)


def test_the_first_and_the_last_row(server, table):
    r = row(server, table['id'], 1, version=1)
    assert r.status_code == 200
    assert r.json() == {'row': 1, 'version': 1, 'cells': {'city': 'Oslo', 'pop': '709000', 'note': 'fjord'}}
    assert list(r.json()['cells']) == ['city', 'pop', 'note']   # columns in file order
    last = row(server, table['id'], 3, version=1).json()
    assert last['cells'] == {'city': 'Quito', 'pop': '5', 'note': 'high, up'}   # cells exactly as stored
    assert row(server, table['id'], 2, version=1).json()['cells']['pop'] == 'NA'


def test_without_a_version_it_is_the_current_one(server, table):
    assert row(server, table['id'], 1).json() == {'row': 1, 'version': 2, 'cells': {'city': 'Bern', 'pop': '134000'}}


def test_past_the_end_is_404_with_a_sentence(server, table):
    r = row(server, table['id'], 500, version=1)
    assert r.status_code == 404 and r.json() == {'error': 'Version 1 has 3 rows; there is no row 500.'}
    r = row(server, table['id'], 2)
    assert r.status_code == 404 and r.json()['error'] == 'Version 2 has 1 row; there is no row 2.'


@pytest.mark.parametrize('n, sentence', [
    ('0', 'Rows are numbered from 1; there is no row 0.'),
    ('-4', 'Rows are numbered from 1; there is no row -4.'),
    ('abc', 'Rows are numbered 1, 2, 3...; "abc" is not a row number.'),
    ('1.5', '"1.5" is not a row number.'),
])
def test_a_row_number_that_is_none_is_422(server, table, n, sentence):
    r = row(server, table['id'], n)
    assert r.status_code == 422 and sentence in r.json()['error'], r.text


def test_a_view_only_link_reads_rows_too(server, table):
    r = row(server, table['view_id'], 3, version=1)
    assert r.status_code == 200 and r.json()['cells']['city'] == 'Quito'


def test_unknown_tables_and_versions_are_404(server, table):
    assert row(server, table['id'], 1, version=9).json() == {'error': 'This table has no version 9.'}
    assert row(server, table['id'], 1, version=9).status_code == 404
    assert row(server, 'AAAAAAAAAAAAAAAAAAAAAA', 1).status_code == 404
    r = row(server, table['id'], 1, version='two')
    assert r.status_code == 422 and 'version must be a whole number' in r.json()['error']


def test_the_engine_function_answers_the_same_without_the_web(loaded):
    from tsvcore import NotFound
    from tsvcore.queries.rows import row_cells
    engine, load = loaded
    table_id, _ = load(tsv(('a', 'b'), *[(str(i), f'x{i}') for i in range(100_000)]))
    assert row_cells(engine.store, table_id, None, 100_000) == {'row': 100_000, 'version': 1,
                                                                 'cells': {'a': '99999', 'b': 'x99999'}}
    with pytest.raises(NotFound, match='Version 1 has 100,000 rows; there is no row 100,001.'):
        row_cells(engine.store, table_id, 1, 100_001)
