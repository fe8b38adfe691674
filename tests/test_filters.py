"""Column filters through the API (issue #14, first part): ``COLUMN__OP=VALUE``, combined with AND.

What a script asks: "only Oslo", "amounts between 10 and 100", "no empty notes",
and the download of exactly those rows in their order.
"""
from __future__ import annotations

import csv
import io

import httpx
import pytest

from tests.helpers import tsv

CITIES = tsv(('city', 'pop', 'founded', 'price', 'note'),
             ('Oslo', '709000', '1048-01-01', '12,50', 'fjord'),
             ('Lima', '10092000', '1535-01-18', '0,99', ''),
             ('oslo', '5', '', '1.234,00', 'lower case'),
             ('Quito', 'NA', '1534-12-06', '7', 'high'),
             ('Osaka', '2700000', '1889-04-01', '-3,5', 'NA'))


@pytest.fixture(scope='module')
def table(server) -> str:
    return httpx.post(f'{server.url}/api/tables', params={'name': 'cities.tsv'}, content=CITIES).json()['id']


def cities(server, table: str, **params) -> list[str]:
    r = httpx.get(f'{server.url}/api/tables/{table}', params=params, timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body['total'] == len(body['rows'])
    return [row[0] for row in body['rows']]


@pytest.mark.parametrize('params, expected', [
    ({'city__exact': 'Oslo'}, ['Oslo']),
    ({'city__not': 'Oslo'}, ['Lima', 'oslo', 'Quito', 'Osaka']),
    ({'city__contains': 'OSL'}, ['Oslo', 'oslo']),
    ({'city__notcontains': 'o'}, ['Lima']),
    ({'city__startswith': 'os'}, ['Oslo', 'oslo', 'Osaka']),
    ({'city__endswith': 'A'}, ['Lima', 'Osaka']),
    ({'city__in': '["Lima", "Quito"]'}, ['Lima', 'Quito']),
    ({'city__in': 'Lima,Osaka'}, ['Lima', 'Osaka']),
    ({'note__isblank': '1'}, ['Lima']),
    ({'note__notblank': '1'}, ['Oslo', 'oslo', 'Quito', 'Osaka']),
    ({'pop__isblank': '1'}, ['Quito']),  # a missing-value token in a typed column is blank
])
def test_every_text_operator(server, table, params, expected):
    assert cities(server, table, **params) == expected


@pytest.mark.parametrize('params, expected', [
    ({'pop__gt': '700000'}, ['Oslo', 'Lima', 'Osaka']),          # integers by value, not as text
    ({'pop__gte': '709000', 'pop__lte': '3000000'}, ['Oslo', 'Osaka']),
    ({'pop__lt': '10'}, ['oslo']),                                 # NA is no number: never passes
    ({'founded__gte': '1500-01-01'}, ['Lima', 'Quito', 'Osaka']),  # dates by date; empty never passes
    ({'price__gt': '1,00'}, ['Oslo', 'oslo', 'Quito']),           # decimal comma by value
    ({'city__gte': 'p'}, ['Quito']),                              # text in the sort order (case folded)
])
def test_comparisons_follow_each_columns_type(server, table, params, expected):
    assert cities(server, table, **params) == expected


def test_filters_combine_with_the_search_and_the_sort(server, table):
    assert cities(server, table, city__startswith='o', q='fjord') == ['Oslo']
    assert cities(server, table, pop__gt='1', sort='pop', desc='true') == ['Lima', 'Osaka', 'Oslo', 'oslo']


@pytest.mark.parametrize('params, sentence', [
    ({'town__exact': 'Oslo'}, 'There is no column named "town" to filter on.'),
    ({'city__like': 'Oslo'}, '"like" is not a filter'),
    ({'pop__gt': 'many'}, 'pop__gt compares integer values; "many" is not one.'),
    ({'founded__lt': 'yesterday'}, 'founded__lt compares date values'),
    ({'city__in': '[oops'}, 'is not a JSON array'),
])
def test_a_filter_that_cannot_be_honoured_says_why(server, table, params, sentence):
    r = httpx.get(f'{server.url}/api/tables/{table}', params=params)
    assert r.status_code == 422 and sentence in r.json()['error'], r.text


def test_the_download_is_exactly_the_view_in_its_order(server, table):
    r = httpx.get(f'{server.url}/api/tables/{table}/download',
                  params={'format': 'csv', 'pop__gt': '1', 'sort': 'pop', 'desc': 'true'})
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ['city', 'pop', 'founded', 'price', 'note']
    assert [row[0] for row in rows[1:]] == ['Lima', 'Osaka', 'Oslo', 'oslo']
    whole = httpx.get(f'{server.url}/api/tables/{table}/download', params={'format': 'tsv'}).text
    assert whole.count('\n') == 6  # no view parameters: the whole table, as stored


# -- value counts (facets) ------------------------------------------------------------

def facets(server, table: str, column: str, **params) -> dict:
    r = httpx.get(f'{server.url}/api/tables/{table}/facets/{column}', params=params, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_value_counts_most_frequent_first_ties_in_sort_order(server):
    data = tsv(('status', 'n'), *[(s, str(i)) for i, s in enumerate(
        ['open', 'closed', 'open', 'Blocked', 'closed', 'open', '', 'review', 'blocked'])])
    table = httpx.post(f'{server.url}/api/tables', content=data).json()['id']
    answer = facets(server, table, 'status')
    assert answer['distinct'] == 6 and answer['truncated'] is False
    assert answer['values'][:3] == [{'value': 'open', 'count': 3}, {'value': 'closed', 'count': 2},
                                    {'value': 'Blocked', 'count': 1}]
    assert [v['value'] for v in answer['values'][3:]] == ['blocked', 'review', '']  # ties in sort order, empty last
    top = facets(server, table, 'status', limit=2)
    assert top['truncated'] is True and len(top['values']) == 2


def test_value_counts_honour_the_other_filters_and_the_search(server, table):
    answer = facets(server, table, 'city', pop__gt='1')
    assert {v['value'] for v in answer['values']} == {'Oslo', 'Lima', 'oslo', 'Osaka'}
    # a filter on the same column does not hide the values one may tick next
    assert facets(server, table, 'city', city__exact='Oslo')['distinct'] == 5
    assert facets(server, table, 'city', q='fjord')['values'] == [{'value': 'Oslo', 'count': 1}]


def test_a_value_past_the_first_ones_can_be_searched_for(server):
    data = tsv(('code',), *[(f'item-{i:04d}',) for i in range(1500)], ('zebra-unique',), ('Zebra-two',))
    table = httpx.post(f'{server.url}/api/tables', content=data).json()['id']
    assert 'zebra-unique' not in {v['value'] for v in facets(server, table, 'code', limit=1000)['values']}
    found = facets(server, table, 'code', search='ZEBRA', limit=1000)  # ignoring case, among all the values
    assert [v['value'] for v in found['values']] == ['Zebra-two', 'zebra-unique']  # ties in sort order
    assert found['matching'] == 2 and found['distinct'] == 1502 and found['truncated'] is False


def test_value_counts_of_an_unknown_column_say_so(server, table):
    r = httpx.get(f'{server.url}/api/tables/{table}/facets/town')
    assert r.status_code == 422 and 'There is no column named "town"' in r.json()['error']
