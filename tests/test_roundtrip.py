"""Property: any table written as TSV the way Excel writes it comes back cell for cell."""
from __future__ import annotations

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Any Unicode but NUL (a NUL makes a file binary) and surrogates (not encodable);
# tabs, quotes and every kind of line break included on purpose.
cell = st.text(st.characters(blacklist_categories=('Cs',), blacklist_characters='\x00'), max_size=12) | \
    st.sampled_from(['"', '""', '"quoted"', '\t', '\r\n', '\n', '\r', 'a\tb', ' ', '"unclosed', 'x"'])


@st.composite
def tables(draw) -> list[list[str]]:
    width = draw(st.integers(2, 5))
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), min_size=0, max_size=8))
    return [[f'c{i + 1}' for i in range(width)]] + rows


def excel_tsv(table: list[list[str]]) -> bytes:
    """Excel quotes a field holding a tab, a line break or a quote, doubling the quotes."""
    def field(value: str) -> str:
        if any(ch in value for ch in '\t\r\n"'):
            return '"' + value.replace('"', '""') + '"'
        return value
    return ''.join('\t'.join(field(v) for v in row) + '\r\n' for row in table).encode()


def read_all(server, table_id: str) -> list[list[str]]:
    return httpx.get(f'{server.url}/api/tables/{table_id}', params={'limit': 1000}).json()['rows']


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=tables())
def test_excel_written_tsv_round_trips_through_the_api(server, table):
    created = httpx.post(f'{server.url}/api/tables', content=excel_tsv(table))
    assert created.status_code == 201, created.text
    body = created.json()
    assert [c['name'] for c in body['columns']] == table[0]
    assert read_all(server, body['id']) == table[1:]
    download = httpx.get(f"{server.url}/api/tables/{body['id']}/download", params={'format': 'tsv'})
    again = httpx.post(f'{server.url}/api/tables', content=download.content)
    assert again.status_code == 201
    assert read_all(server, again.json()['id']) == table[1:]
