"""What changed between two versions (issue #15): the engine, then the HTTP API and its TSV download.

Rows are matched by a key column (the first filled and unique one, or ``key=``)
into changed, added and removed; without one, whole rows are compared as a
multiset. Columns that come or go are listed and never make a row changed.
"""
from __future__ import annotations

import csv
import io
import random
from collections import Counter
from pathlib import Path

import httpx
import pyarrow as pa
import pytest

from tests.helpers import tsv
from tsvcore import BadParameter, NotFound, QueryEngine, Store
from tsvcore.queries import diff

OLD = tsv(('id', 'name', 'city'),
          ('1', 'Ada', 'Oslo'),
          ('2', 'Bo', 'Lima'),
          ('3', 'Cy', 'Quito'),
          ('4', 'Di', 'Perth'))
NEW = tsv(('id', 'name', 'city'),
          ('4', 'Di', 'Perth'),      # moved: unchanged
          ('2', 'Bo', 'Cusco'),      # city changed
          ('5', 'Ed', 'Hanoi'),      # added
          ('1', 'Al', 'Bergen'),     # name and city changed
          ('6', 'Fa', 'Oslo'))       # added; 3 removed


@pytest.fixture
def versions(tmp_path: Path):
    """``make(*files) -> (engine, table id)``: each file the next version of one table."""
    engine = QueryEngine(Store(tmp_path / 'data'))

    def make(*files: bytes) -> tuple[QueryEngine, str]:
        table_id = None
        for i, data in enumerate(files):
            src = tmp_path / f'v{i}.tsv'
            src.write_bytes(data)
            if table_id is None:
                table_id = engine.store.create(src, 't.tsv')['id']
            else:
                engine.store.replace(table_id, src, 't.tsv')
        return engine, table_id
    return make


def listed(answer: dict) -> list[tuple[str, str]]:
    """(kind, first cell) of each listed row."""
    return [(row['kind'], next(iter(row['cells'].values()))) for row in answer['rows']]


# -- the engine ----------------------------------------------------------------------------------------------

def test_keyed_diff_counts_lists_and_shows_only_the_changed_cells_before(versions):
    engine, table = versions(OLD, NEW)
    answer = diff.page(engine, table)
    assert (answer['from'], answer['to'], answer['key'], answer['why_no_key']) == (1, 2, 'id', None)
    assert answer['summary'] == {'added': 2, 'removed': 1, 'changed': 2, 'unchanged': 1,
                                 'columns_added': [], 'columns_removed': []}
    # changed, then added, then removed; each in its version's file order
    assert listed(answer) == [('changed', '2'), ('changed', '1'), ('added', '5'), ('added', '6'), ('removed', '3')]
    assert answer['total'] == 5 and answer['columns'] == ['id', 'name', 'city']
    changed = answer['rows'][:2]
    assert changed[0]['cells'] == {'id': '2', 'name': 'Bo', 'city': 'Cusco'}
    assert changed[0]['before'] == {'city': 'Lima'}
    assert changed[1]['before'] == {'name': 'Ada', 'city': 'Oslo'}
    assert answer['rows'][4] == {'kind': 'removed', 'cells': {'id': '3', 'name': 'Cy', 'city': 'Quito'}}
    assert all('before' not in row for row in answer['rows'][2:])


def test_the_default_key_is_the_first_filled_unique_column(versions):
    old = tsv(('group', 'note', 'code', 'v'), ('a', 'x', 'k1', '1'), ('a', '', 'k2', '2'), ('b', 'y', 'k3', '3'))
    new = tsv(('group', 'note', 'code', 'v'), ('a', 'x', 'k1', '1'), ('a', 'z', 'k2', '9'), ('b', 'y', 'k3', '3'))
    engine, table = versions(old, new)
    answer = diff.page(engine, table)
    assert answer['key'] == 'code'   # "group" repeats, "note" has an empty cell
    assert listed(answer) == [('changed', 'a')] and answer['rows'][0]['before'] == {'note': '', 'v': '2'}


def test_a_key_column_is_compared_as_text(versions):
    engine, table = versions(tsv(('id', 'v'), ('7', 'a'), ('8', 'b')), tsv(('id', 'v'), ('007', 'a'), ('8', 'b')))
    assert diff.summary(engine, table)['added'] == 1 and diff.summary(engine, table)['removed'] == 1


def test_key_chooses_another_column(versions):
    engine, table = versions(OLD, NEW)
    answer = diff.page(engine, table, key='name')
    assert answer['key'] == 'name'
    # by name, Ada became Al: one removed and one added; Bo's and Di's rows match
    assert answer['summary'] == {'added': 3, 'removed': 2, 'changed': 1, 'unchanged': 1,
                                 'columns_added': [], 'columns_removed': []}
    assert answer['rows'][0]['before'] == {'city': 'Lima'}


def test_an_unknown_or_unusable_key_is_refused_with_a_sentence(versions):
    engine, table = versions(OLD, tsv(('id', 'name', 'city'), ('1', 'Ada', 'Oslo'), ('2', 'Ada', '')))
    with pytest.raises(BadParameter, match='no column named "nope"'):
        diff.page(engine, table, key='nope')
    with pytest.raises(BadParameter, match='"name" has "Ada" more than once in version 2'):
        diff.page(engine, table, key='name')
    with pytest.raises(BadParameter, match='"city" has empty cells in version 2'):
        diff.page(engine, table, key='city')


def test_unknown_versions_are_not_found(versions):
    engine, table = versions(OLD, NEW)
    with pytest.raises(NotFound, match='no version 9'):
        diff.page(engine, table, 9, 2)
    with pytest.raises(NotFound, match='no version 3'):
        diff.page(engine, table, 1, 3)
    with pytest.raises(NotFound, match='first version'):
        diff.page(engine, table, None, 1)


def test_without_a_key_whole_rows_are_a_multiset_and_a_duplicate_counts_once(versions):
    old = tsv(('k', 'v'), ('a', '1'), ('a', '1'), ('b', '2'))
    new = tsv(('k', 'v'), ('b', '2'), ('a', '1'), ('c', '3'), ('b', '2'))
    engine, table = versions(old, new)
    answer = diff.page(engine, table)
    assert answer['key'] is None
    assert answer['why_no_key'] == ('Rows are compared whole: no column is filled and unique in both versions '
                                    '(column "k" has "b" more than once in version 2).')
    assert answer['summary']['changed'] == 0 and answer['summary']['unchanged'] == 2
    # b twice for once: one added (the later copy); a once for twice: one removed (the later copy)
    assert [(r['kind'], r['cells']) for r in answer['rows']] == [
        ('added', {'k': 'c', 'v': '3'}), ('added', {'k': 'b', 'v': '2'}), ('removed', {'k': 'a', 'v': '1'})]


def test_duplicate_keys_fall_back_to_whole_rows_and_say_why(versions):
    old = tsv(('id', 'v'), ('1', 'a'), ('2', 'b'), ('2', 'a'))
    new = tsv(('id', 'v'), ('1', 'a'), ('2', 'b'), ('2', 'b'))
    engine, table = versions(old, new)
    answer = diff.page(engine, table)
    assert answer['key'] is None and '"id" has "2" more than once in version 2' in answer['why_no_key']
    assert answer['summary']['added'] == answer['summary']['removed'] == 1
    assert listed(answer) == [('added', '2'), ('removed', '2')]


def test_columns_that_come_or_go_are_listed_and_change_no_row(versions):
    old = tsv(('id', 'name', 'gone'), ('1', 'a', 'x'), ('2', 'b', 'y'))
    new = tsv(('new', 'id', 'name'), ('p', '1', 'a'), ('q', '2', 'B'))
    engine, table = versions(old, new)
    answer = diff.page(engine, table)
    assert answer['key'] == 'id'
    assert answer['summary'] == {'added': 0, 'removed': 0, 'changed': 1, 'unchanged': 1,
                                 'columns_added': ['new'], 'columns_removed': ['gone']}
    assert answer['columns'] == ['new', 'id', 'name', 'gone']   # the newer version's, then the removed ones
    assert answer['rows'][0]['cells'] == {'new': 'q', 'id': '2', 'name': 'B'}
    assert answer['rows'][0]['before'] == {'name': 'b'}
    # without a key too: rows are compared on the columns both versions have
    engine, table = versions(tsv(('k', 'gone'), ('a', '1'), ('a', '2')), tsv(('k', 'new'), ('a', '3'), ('a', '4')))
    assert diff.summary(engine, table)['unchanged'] == 2


def test_reordered_rows_are_unchanged(versions):
    rows = [(str(i), f'n{i % 3}') for i in range(50)]
    shuffled = rows[:]
    random.Random(4).shuffle(shuffled)
    engine, table = versions(tsv(('id', 'n'), *rows), tsv(('id', 'n'), *shuffled))
    assert diff.page(engine, table)['total'] == 0
    assert diff.page(engine, table, key=None)['summary']['unchanged'] == 50
    keyless = [(f'n{i % 3}',) for i in range(50)]
    engine, table = versions(tsv(('n',), *keyless), tsv(('n',), *reversed(keyless)))
    answer = diff.page(engine, table)
    assert answer['key'] is None and answer['total'] == 0 and answer['summary']['unchanged'] == 50


def test_kind_filters_and_pages_run_across_kinds(versions):
    engine, table = versions(OLD, NEW)
    assert listed(diff.page(engine, table, kind='added')) == [('added', '5'), ('added', '6')]
    assert diff.page(engine, table, kind='removed')['total'] == 1
    page = diff.page(engine, table, offset=1, limit=2)
    assert listed(page) == [('changed', '1'), ('added', '5')] and page['total'] == 5
    assert diff.page(engine, table, offset=5)['rows'] == []
    assert listed(diff.page(engine, table, kind='added', offset=1, limit=1)) == [('added', '6')]
    for bad in ({'kind': 'moved'}, {'limit': 0}, {'limit': 1001}, {'offset': -1}):
        with pytest.raises(BadParameter):
            diff.page(engine, table, **bad)


def test_a_version_compared_with_itself_is_an_empty_diff(versions):
    engine, table = versions(OLD, NEW)
    answer = diff.page(engine, table, 2, 2)
    assert answer['summary'] == {'added': 0, 'removed': 0, 'changed': 0, 'unchanged': 5,
                                 'columns_added': [], 'columns_removed': []}
    assert answer['rows'] == [] and answer['key'] == 'id'


def test_computed_once_then_cached_and_dropped_with_the_versions(versions):
    engine, table = versions(OLD, NEW)
    first = diff.diff(engine, table, 1, 2)
    assert diff.diff(engine, table, 1, 2) is first
    assert diff.diff(engine, table, 1, 2, 'name') is not first   # per (from, to, key)
    engine.forget_older(table, 3)
    assert diff.diff(engine, table, 1, 2) is not first


def test_the_tsv_export_has_a_leading_change_column(versions):
    engine, table = versions(tsv(('id', 'v', 'gone'), ('1', 'a', 'g'), ('2', '"b\tc"', 'h')),
                             tsv(('id', 'v'), ('2', '"b\tC"'), ('3', '"""q"""')))   # cells b<tab>C and "q"
    found = diff.diff(engine, table, 1, 2)
    text = b''.join(diff.export_tsv(engine, table, found)).decode()
    assert list(csv.reader(io.StringIO(text), delimiter='\t')) == [
        ['change', 'id', 'v', 'gone'], ['changed', '2', 'b\tC', ''], ['added', '3', '"q"', ''],
        ['removed', '1', 'a', 'g']]
    only = b''.join(diff.export_tsv(engine, table, found, 'added')).decode()
    assert only.splitlines()[1:] == ['added\t3\t"""q"""\t']


def naive(old: list[tuple], new: list[tuple]) -> tuple[Counter, Counter]:
    """Whole rows as multisets: (added, removed)."""
    return Counter(new) - Counter(old), Counter(old) - Counter(new)


def batched(rows: list[tuple], names: list[str], size: int) -> pa.Table:
    """A table of string columns stored in record batches of ``size`` rows, like a big stored version."""
    columns = list(zip(*rows)) if rows else [() for _ in names]
    table = pa.table({n: pa.array(list(c), pa.string()) for n, c in zip(names, columns)})
    return pa.Table.from_batches(table.to_batches(max_chunksize=size), schema=table.schema)


@pytest.mark.parametrize('seed', range(8))
def test_random_tables_over_many_record_batches_agree_with_a_plain_python_diff(seed):
    rng = random.Random(seed)
    names = ['id', 'a', 'b']
    old = [(f'k{i}', rng.choice('xyz'), rng.choice('pq')) for i in range(rng.randrange(0, 300))]
    new = [r if rng.random() < 0.8 else (r[0], rng.choice('xyz'), rng.choice('pq')) for r in old
           if rng.random() < 0.9] + [(f'n{i}', 'x', 'p') for i in range(rng.randrange(0, 30))]
    if seed % 2:   # shuffled; else in order, so matched rows lie in a narrow span of the older version
        rng.shuffle(new)
    keyed = diff.compare(batched(old, names, 7), batched(new, names, 11), 1, 2, None)
    assert keyed.key == 'id'
    old_by, new_by = {r[0]: r for r in old}, {r[0]: r for r in new}
    assert sorted(new[i][0] for i in keyed.added.to_pylist()) == sorted(new_by.keys() - old_by.keys())
    assert sorted(old[i][0] for i in keyed.removed.to_pylist()) == sorted(old_by.keys() - new_by.keys())
    changed = {k for k in new_by.keys() & old_by.keys() if new_by[k] != old_by[k]}
    assert {new[i][0] for i in keyed.changed.to_pylist()} == changed
    for position, i in enumerate(keyed.changed.to_pylist()):
        before = old_by[new[i][0]]
        assert keyed.changed_columns(position) == [n for n, x, y in zip(names[1:], before[1:], new[i][1:]) if x != y]
    # the same rows without their ids: whole rows as multisets
    old_rows, new_rows = [r[1:] for r in old], [r[1:] for r in new]
    whole = diff.compare(batched(old_rows, names[1:], 5), batched(new_rows, names[1:], 13), 1, 2, None)
    added, removed = naive(old_rows, new_rows)
    assert whole.key is None
    assert Counter(new_rows[i] for i in whole.added.to_pylist()) == added
    assert Counter(old_rows[i] for i in whole.removed.to_pylist()) == removed
    assert whole.unchanged == len(new_rows) - sum(added.values())


# -- the HTTP API --------------------------------------------------------------------------------------------

def upload(server, data: bytes, table: str | None = None) -> dict:
    if table is None:
        r = httpx.post(f'{server.url}/api/tables', params={'name': 'people.tsv'}, content=data, timeout=30)
    else:
        r = httpx.put(f'{server.url}/api/tables/{table}', content=data, headers={'X-Filename': 'people.tsv'},
                      timeout=30)
    assert r.status_code in (200, 201), r.text
    return r.json()


@pytest.fixture(scope='module')
def table(server) -> dict:
    first = upload(server, OLD)
    upload(server, NEW, first['id'])
    return first


def get(server, path: str, **params) -> httpx.Response:
    return httpx.get(f'{server.url}{path}', params=params, timeout=30)


def test_api_answers_the_summary_and_a_page(server, table):
    r = get(server, f"/api/tables/{table['id']}/diff")
    assert r.status_code == 200, r.text
    body = r.json()
    assert {k: body[k] for k in ('from', 'to', 'key', 'why_no_key', 'total', 'offset', 'limit')} == {
        'from': 1, 'to': 2, 'key': 'id', 'why_no_key': None, 'total': 5, 'offset': 0, 'limit': 50}
    assert body['summary']['changed'] == 2 and body['columns'] == ['id', 'name', 'city']
    assert body['rows'][0] == {'kind': 'changed', 'cells': {'id': '2', 'name': 'Bo', 'city': 'Cusco'},
                               'before': {'city': 'Lima'}}
    paged = get(server, f"/api/tables/{table['view_id']}/diff", kind='added', offset=1, limit=1).json()
    assert paged['total'] == 2 and listed(paged) == [('added', '6')]   # a view-only link reads diffs too
    assert get(server, f"/api/tables/{table['id']}/diff", **{'from': 2, 'to': 2}).json()['total'] == 0


@pytest.mark.parametrize('params, status, words', [
    ({'key': 'nope'}, 422, 'no column named "nope"'),
    ({'key': 'city', 'from': 1, 'to': 1}, 200, ''),
    ({'kind': 'moved'}, 422, 'kind must be one of'),
    ({'limit': 0}, 422, 'limit'),
    ({'offset': 'x'}, 422, 'offset must be a whole number'),
    ({'from': 7}, 404, 'no version 7'),
    ({'to': 1}, 404, 'first version'),
])
def test_api_refusals_are_json_sentences(server, table, params, status, words):
    r = get(server, f"/api/tables/{table['id']}/diff", **params)
    assert r.status_code == status, r.text
    if status != 200:
        assert words in r.json()['error']


def test_api_unknown_table_is_404_json(server):
    r = get(server, '/api/tables/nosuchtable0000000000000/diff')
    assert r.status_code == 404 and 'error' in r.json()


def test_api_download_reads_back_with_the_change_column_first(server, table):
    r = get(server, f"/api/tables/{table['id']}/diff/download")
    assert r.status_code == 200, r.text
    assert 'people-changes-v1-v2.tsv' in r.headers['content-disposition']
    rows = list(csv.reader(io.StringIO(r.text), delimiter='\t'))
    assert rows[0] == ['change', 'id', 'name', 'city']
    assert [row[:2] for row in rows[1:]] == [['changed', '2'], ['changed', '1'], ['added', '5'], ['added', '6'],
                                            ['removed', '3']]
    assert rows[-1] == ['removed', '3', 'Cy', 'Quito']
    removed = get(server, f"/api/tables/{table['id']}/diff/download", kind='removed')
    assert removed.text.splitlines() == ['change\tid\tname\tcity', 'removed\t3\tCy\tQuito']
    bad = get(server, f"/api/tables/{table['id']}/diff/download", kind='moved')
    assert bad.status_code == 422 and 'kind' in bad.json()['error']
