"""Downloads of the view (issue #14): TSV, CSV, JSON, Parquet and XLSX, each read back by its own reader.

What a script does: ``pd.read_parquet(url)`` of a filtered, sorted view and
gets numbers and dates; Excel opens the XLSX with numbers as numbers; the JSON
is the cells as text. Every format honours ``version``, ``sort``, ``desc``,
``q``, filters and ``columns``.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import time
from pathlib import Path

import httpx
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.helpers import tsv

HEADER = ('city', 'pop', 'zip', 'share', 'price', 'founded', 'seen', 'zoned', 'capital', 'note', 'big')
ROWS = [
    ('Oslo', '709000', '0150', '1.50', '12,50', '1048-01-01', '2024-01-02 10:00', '2024-01-02T10:00Z',
     'TRUE', '=1+1', '123456789012345678'),
    ('Lima', '10092000', '15001', 'NA', '0,99', '1535-01-18', '2024-03-04T11:30:00.5', '2024-01-02T10:00+02:00',
     'false', '', '1'),
    ('oslo', '5', '', '1e3', '1.234,00', '', 'NA', '', 'NA', 'lower case', '2'),
    ('Quito', 'NA', '17', '-0.25', '7', '1534-12-06', '', '2024-05-06T07:08:09Z', 'true', 'NA', '3'),
    ('Osaka, Japan', '2700000', '530', '', '-3,5', '1889-04-01', '2024-12-31 23:59:59', '', 'False', '@x', '4'),
]
CITIES = tsv(HEADER, *ROWS)
VIEW = {'pop__gt': '1', 'sort': 'pop', 'desc': 'true'}   # Lima, Osaka, Oslo, oslo
VIEW_CITIES = ['Lima', 'Osaka, Japan', 'Oslo', 'oslo']


@pytest.fixture(scope='module')
def table(server) -> dict:
    r = httpx.post(f'{server.url}/api/tables', params={'name': 'cities.tsv'}, content=CITIES)
    assert r.status_code == 201, r.text
    return r.json()


def get(server, table: dict, **params) -> httpx.Response:
    r = httpx.get(f"{server.url}/api/tables/{table['id']}/download", params=params, timeout=120)
    assert r.status_code == 200, r.text
    return r


def page_cities(server, table: dict, **params) -> list[str]:
    r = httpx.get(f"{server.url}/api/tables/{table['id']}", params={**params, 'limit': 1000})
    return [row[0] for row in r.json()['rows']]


def read_back(fmt: str, body: bytes) -> tuple[list[str], list[list]]:
    """(header, rows) of a download, by the format's own reader."""
    if fmt in ('tsv', 'csv'):
        rows = list(csv.reader(io.StringIO(body.decode()), delimiter='\t' if fmt == 'tsv' else ','))
        return rows[0], rows[1:]
    if fmt == 'json':
        objects = json.loads(body)
        return (list(objects[0]) if objects else []), [list(o.values()) for o in objects]
    if fmt == 'parquet':
        read = pq.read_table(io.BytesIO(body))
        return read.column_names, [list(r.values()) for r in read.to_pylist()]
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return rows[0], rows[1:]


# -- each format read back by its own reader -------------------------------------------------

def test_tsv_and_csv_read_back_to_the_cells(server, table):
    for fmt in ('tsv', 'csv'):
        header, rows = read_back(fmt, get(server, table, format=fmt).content)
        assert header == list(HEADER)
        expected = [list(r) for r in ROWS]
        if fmt == 'csv':   # formulas defused in CSV only
            expected = [[("'" + c if c.startswith(('=', '+', '-', '@')) else c) for c in r] for r in expected]
        assert rows == expected


def test_json_is_an_array_of_objects_of_cell_text(server, table):
    r = get(server, table, format='json')
    assert r.headers['content-type'].startswith('application/json')
    assert json.loads(r.content) == [dict(zip(HEADER, row)) for row in ROWS]
    assert r.text.count('\n{') == len(ROWS) - 1   # one row a line
    assert json.loads(get(server, table, format='json', city__exact='nowhere').content) == []


def test_parquet_carries_each_columns_type_where_lossless(server, table):
    r = get(server, table, format='parquet')
    assert r.headers['content-type'] == 'application/vnd.apache.parquet'
    read = pq.read_table(io.BytesIO(r.content))
    assert dict(zip(read.column_names, read.schema.types)) == {
        'city': pa.string(),
        'pop': pa.int64(),             # NA -> null
        'zip': pa.string(),            # 0150 would lose its zero
        'share': pa.float64(),         # 1.50 -> 1.5, 1e3 -> 1000: the value survives
        'price': pa.float64(),         # decimal comma
        'founded': pa.date32(),
        'seen': pa.timestamp('us'),
        'zoned': pa.timestamp('us', tz='UTC'),
        'capital': pa.bool_(),
        'note': pa.string(),           # text: every cell as written, '' and NA included
        'big': pa.int64(),             # 18 digits fit
    }
    columns = read.to_pydict()
    assert columns['pop'] == [709000, 10092000, 5, None, 2700000]
    assert columns['zip'] == ['0150', '15001', '', '17', '530']
    assert columns['share'] == [1.5, None, 1000.0, -0.25, None]
    assert columns['price'] == [12.5, 0.99, 1234.0, 7.0, -3.5]
    assert columns['founded'] == [dt.date(1048, 1, 1), dt.date(1535, 1, 18), None, dt.date(1534, 12, 6),
                                  dt.date(1889, 4, 1)]
    assert columns['seen'][:3] == [dt.datetime(2024, 1, 2, 10), dt.datetime(2024, 3, 4, 11, 30, 0, 500000), None]
    assert [t and t.hour for t in columns['zoned']] == [10, 8, None, 7, None]   # the instant, in UTC
    assert columns['capital'] == [True, False, None, True, False]
    assert columns['note'] == ['=1+1', '', 'lower case', 'NA', '@x']
    assert columns['big'][0] == 123456789012345678


def test_a_column_that_would_lose_something_stays_text(server):
    data = tsv(('id', 'long', 'mixed', 'huge'), ('1', '0.1234567890123456', '2024-01-01T10:00', '1' * 19),
               ('02', '1', '2024-01-01T10:00Z', '2'))
    table = httpx.post(f'{server.url}/api/tables', content=data).json()
    read = pq.read_table(io.BytesIO(get(server, table, format='parquet').content))
    assert read.schema.types == [pa.string()] * 4   # a leading zero, 16 digits, zoned with naive, past int64
    assert read.column('long').to_pylist() == ['0.1234567890123456', '1']


def test_xlsx_has_numbers_dates_and_text_never_formulas(server, table):
    r = httpx.get(f"{server.url}/api/tables/{table['id']}/download", params={'format': 'xlsx'},
                  headers={'Accept-Encoding': 'identity'})
    assert r.headers['content-type'] == 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
    assert int(r.headers['content-length']) == len(r.content)   # written whole first, so its size is known
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert [c.value for c in sheet[1]] == list(HEADER)
    oslo = {name: cell for name, cell in zip(HEADER, sheet[2])}
    assert oslo['pop'].value == 709000 and oslo['pop'].data_type == 'n'
    assert oslo['share'].value == 1.5 and oslo['price'].value == 12.5
    assert oslo['zip'].value == '0150'
    assert oslo['note'].value == '=1+1' and oslo['note'].data_type == 's'   # text, not a formula
    assert oslo['capital'].value is True
    assert oslo['seen'].value == dt.datetime(2024, 1, 2, 10) and oslo['seen'].is_date
    assert oslo['founded'].value == '1048-01-01'   # before Excel's first date: the column stays text
    assert oslo['zoned'].value == '2024-01-02T10:00Z'   # Excel has no time zones
    assert oslo['big'].value == '123456789012345678'   # past Excel's 15 digits
    quito = {name: cell.value for name, cell in zip(HEADER, sheet[5])}
    assert quito['pop'] is None and quito['share'] == -0.25   # NA: an empty cell
    assert sheet['J6'].value == '@x'


def test_xlsx_dates_are_dates(server):
    data = tsv(('day', 'n'), ('2024-02-29', '1'), ('NA', '2'), ('1900-01-01', '3'))
    table = httpx.post(f'{server.url}/api/tables', content=data).json()
    sheet = openpyxl.load_workbook(io.BytesIO(get(server, table, format='xlsx').content)).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == [dt.datetime(2024, 2, 29), None, dt.datetime(1900, 1, 1)]
    assert cells[0].is_date and cells[0].number_format == 'yyyy-mm-dd'


@pytest.mark.parametrize('fmt', ['tsv', 'csv', 'json', 'parquet', 'xlsx'])
def test_a_table_of_only_a_header_downloads_as_one(server, fmt):
    table = httpx.post(f'{server.url}/api/tables', content=b'a\tb\n').json()
    header, rows = read_back(fmt, get(server, table, format=fmt).content)
    assert rows == [] and header == ([] if fmt == 'json' else ['a', 'b'])


# -- the view: sort, filters, search, version, columns --------------------------------------------

@pytest.mark.parametrize('fmt', ['tsv', 'csv', 'json', 'parquet', 'xlsx'])
def test_every_format_gives_the_views_rows_in_its_order(server, table, fmt):
    assert page_cities(server, table, **VIEW) == VIEW_CITIES
    header, rows = read_back(fmt, get(server, table, format=fmt, **VIEW).content)
    assert header == list(HEADER) and [row[0] for row in rows] == VIEW_CITIES
    _, searched = read_back(fmt, get(server, table, format=fmt, q='osl', sort='city').content)
    assert [row[0] for row in searched] == page_cities(server, table, q='osl', sort='city') == ['Oslo', 'oslo']


@pytest.mark.parametrize('fmt, ext', [('tsv', 'tsv'), ('csv', 'csv'), ('json', 'json'), ('parquet', 'parquet'),
                                      ('xlsx', 'xlsx'), ('PARQUET', 'parquet')])
def test_the_file_name_has_the_formats_extension(server, table, fmt, ext):
    disposition = get(server, table, format=fmt).headers['content-disposition']
    assert disposition == f"attachment; filename*=UTF-8''cities.{ext}"


@pytest.mark.parametrize('fmt', ['tsv', 'csv', 'json', 'parquet', 'xlsx'])
def test_columns_picks_and_orders_the_columns(server, table, fmt):
    header, rows = read_back(fmt, get(server, table, format=fmt, columns='note,city', **VIEW).content)
    assert header == ['note', 'city']
    assert [row[1] for row in rows] == VIEW_CITIES


def test_columns_as_a_json_array_for_names_with_commas(server):
    data = tsv(('a,b', 'c'), ('1', '2'))
    table = httpx.post(f'{server.url}/api/tables', content=data).json()
    body = get(server, table, format='json', columns='["c", "a,b"]').content
    assert json.loads(body) == [{'c': '2', 'a,b': '1'}]
    assert json.loads(get(server, table, format='json', columns=' c ').content) == [{'c': '2'}]


@pytest.mark.parametrize('params, sentence', [
    ({'columns': 'city,town'}, 'There is no column named "town" to download.'),
    ({'columns': 'city,city'}, '"city" twice'),
    ({'columns': '["city"'}, 'is not a JSON array'),
    ({'format': 'xls'}, 'format must be one of tsv, csv, json, parquet, xlsx.'),
    ({'format': 'parquet', 'town__exact': 'Oslo'}, 'There is no column named "town" to filter on.'),
    ({'format': 'json', 'sort': 'town'}, 'There is no column named "town" to sort by.'),
])
def test_a_download_that_cannot_be_made_says_why(server, table, params, sentence):
    r = httpx.get(f"{server.url}/api/tables/{table['id']}/download", params=params)
    assert r.status_code == 422 and sentence in r.json()['error'], r.text


@pytest.mark.parametrize('fmt', ['json', 'parquet', 'xlsx'])
def test_every_format_honours_the_version(server, fmt):
    made = httpx.post(f'{server.url}/api/tables', content=tsv(('n',), ('1',), ('2',))).json()
    httpx.put(f"{server.url}/api/tables/{made['id']}", content=tsv(('n',), ('3',)))
    _, old = read_back(fmt, get(server, made, format=fmt, version=1).content)
    _, new = read_back(fmt, get(server, made, format=fmt).content)
    assert [r[0] for r in old] in (['1', '2'], [1, 2]) and [r[0] for r in new] in (['3'], [3])
    view = {'id': made['view_id']}   # a view-only link may download too
    assert read_back(fmt, get(server, view, format=fmt).content)[1] == new


# -- XLSX's limit ----------------------------------------------------------------------------------

def test_xlsx_refuses_a_view_over_a_sheets_rows(server):
    data = b'n\n' + b'1\n' * 1_048_576   # one row more than a sheet holds below its header
    table = httpx.post(f'{server.url}/api/tables', content=data, timeout=120).json()
    r = httpx.get(f"{server.url}/api/tables/{table['id']}/download", params={'format': 'xlsx'}, timeout=60)
    assert r.status_code == 422
    assert r.json()['error'] == ('This view has 1,048,576 rows; a spreadsheet holds at most 1,048,575 below its '
                                 'header. Filter the view to fewer rows, or download it as CSV.')
    few = httpx.get(f"{server.url}/api/tables/{table['id']}/download",
                    params={'format': 'csv', 'n__exact': '1', 'q': 'nothing'}, timeout=60)
    assert few.status_code == 200 and few.text == 'n\n'


def test_xlsx_writes_exactly_a_sheets_rows_and_no_more(loaded, monkeypatch, tmp_path: Path):
    """The boundary, in process with a smaller limit: the limit's rows are written, one more is refused."""
    from tsvcore import BadParameter
    from tsvcore.queries import export
    engine, load = loaded
    table_id, meta = load(tsv(('n',), *[(str(i),) for i in range(4)]))
    table = engine.store.open(table_id, 1)
    monkeypatch.setattr(export, 'XLSX_MAX_ROWS', 4)
    export.write_xlsx(export.Download.of(table, meta, None, [0]), tmp_path / 'ok.xlsx', tmp_path)
    rows = list(openpyxl.load_workbook(tmp_path / 'ok.xlsx').active.iter_rows(values_only=True))
    assert rows == [('n',), (0,), (1,), (2,), (3,)]
    monkeypatch.setattr(export, 'XLSX_MAX_ROWS', 3)
    with pytest.raises(BadParameter, match='This view has 4 rows'):
        export.write_xlsx(export.Download.of(table, meta, None, [0]), tmp_path / 'no.xlsx', tmp_path)
    assert not (tmp_path / 'no.xlsx').exists()


def test_an_xlsx_cell_longer_than_excel_holds_is_refused(loaded, tmp_path: Path):
    from tsvcore import BadParameter
    from tsvcore.queries import export
    engine, load = loaded
    table_id, meta = load(tsv(('name', 'essay'), ('a', 'short'), ('b', 'x' * 40_000)))
    table = engine.store.open(table_id, 1)
    with pytest.raises(BadParameter, match='Column "essay" has a cell longer than a spreadsheet cell holds'):
        export.write_xlsx(export.Download.of(table, meta, None, [0, 1]), tmp_path / 'long.xlsx', tmp_path)
    assert not (tmp_path / 'long.xlsx').exists()


# -- streaming ---------------------------------------------------------------------------------------

def anonymous_rss(pid: int) -> int:
    """The server's own memory (not the memory-mapped table files), in bytes."""
    status = Path(f'/proc/{pid}/status').read_text()
    return int(re.search(r'RssAnon:\s+(\d+) kB', status).group(1)) * 1024


@pytest.mark.skipif(not Path('/proc/self/status').exists(), reason='needs /proc')
def test_a_large_view_streams_without_being_held_whole(server):
    """After a small download of the same kind (what any download costs: threads, buffers), a view of
    a million rows (57 MB) adds far less to the server than its size: it went out a batch at a time."""
    rows = 1_000_000
    data = b'id\tname\tamount\n' + b''.join(b'%d\tsomeone number %d with a longish name\t%d.25\n' % (i, i, i % 997)
                                            for i in range(rows))
    table = httpx.post(f'{server.url}/api/tables', content=data, timeout=120).json()
    url = f"{server.url}/api/tables/{table['id']}/download"
    view = {'sort': 'amount', 'desc': 'true', 'id__gte': '0'}
    httpx.get(f"{server.url}/api/tables/{table['id']}", params={**view, 'limit': 1}, timeout=120)  # sorts once
    for fmt in ('tsv', 'json', 'parquet'):
        small = httpx.get(url, params={**view, 'format': fmt, 'id__lt': '150000'}, timeout=120)
        assert small.status_code == 200
        before, started = anonymous_rss(server.process.pid), time.monotonic()
        peak, body = before, io.BytesIO()
        with httpx.stream('GET', url, params={**view, 'format': fmt}, timeout=120) as r:
            assert r.status_code == 200
            for chunk in r.iter_bytes():
                if body.tell() == 0:   # mid-download, the server still answers: the work is off its event loop
                    assert httpx.get(f'{server.url}/api/health', timeout=10).status_code == 200
                body.write(chunk)
                peak = max(peak, anonymous_rss(server.process.pid))
        assert peak - before < len(data) // 2, f'{fmt}: the server grew by {peak - before:,} bytes'
        assert time.monotonic() - started < 60
        if fmt == 'parquet':
            read = pq.read_table(body)
            assert read.num_rows == rows and pq.ParquetFile(body).num_row_groups > 1
            assert read.column('amount')[0].as_py() == 996.25
        else:
            assert body.tell() >= len(data)


def test_a_download_whose_taker_stops_ends_its_thread():
    """A client that hangs up closes the response's generator; the thread making the pieces stops too."""
    import threading

    from tsvcore.queries.export import in_own_thread
    made, closed = [], threading.Event()

    def pieces():
        try:
            for i in range(1_000_000):
                made.append(i)
                yield b'%d\n' % i
        finally:
            closed.set()
    taken = in_own_thread(pieces(), ahead=2)
    assert next(taken) == b'0\n'
    taken.close()
    assert closed.wait(5)
    assert len(made) < 10   # it made no more than a few pieces ahead
    assert b''.join(in_own_thread(iter([b'a', b'b']))) == b'ab'

    def failing():
        yield b'a'
        raise ValueError('broken')
    with pytest.raises(ValueError, match='broken'):
        list(in_own_thread(failing()))


@pytest.mark.parametrize('fmt, compressed', [('tsv', True), ('parquet', False), ('xlsx', False)])
def test_text_is_gzipped_for_a_browser_and_compressed_formats_are_sent_as_they_are(server, table, fmt, compressed):
    r = httpx.get(f"{server.url}/api/tables/{table['id']}/download", params={'format': fmt},
                  headers={'Accept-Encoding': 'gzip'})
    assert r.status_code == 200
    assert (r.headers.get('content-encoding') == 'gzip') == compressed
