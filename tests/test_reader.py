"""The reading rules of issue #3, one test per rule, through the engine."""
from __future__ import annotations

import codecs
from pathlib import Path

import pyarrow as pa
import pytest

from tsvcore import PageRequest, QueryEngine, Store, UnreadableFile
from tsvcore.reading.ingest import ingest
from tsvcore.reading.read_options import ReadOptions


def read(tmp_path: Path, data: bytes, name: str = 'f.tsv',
         options: ReadOptions = ReadOptions()) -> tuple[dict, list[list[str]], list[str]]:
    """Ingest bytes (read with ``options``); return metadata, all rows and the column names."""
    src = tmp_path / 'upload.bin'
    src.write_bytes(data)
    out = tmp_path / 'out'
    meta = ingest(src, out, name, options=options)
    table = pa.ipc.open_file(pa.memory_map(str(out / 'data.arrow'))).read_all()
    rows = [list(r.values()) for r in table.to_pylist()]
    return meta, rows, [c['name'] for c in meta['columns']]


# -- rule 1: encodings ---------------------------------------------------------

@pytest.mark.parametrize('bom, codec, label', [
    (codecs.BOM_UTF8, 'utf-8', 'UTF-8'),
    (codecs.BOM_UTF16_LE, 'utf-16-le', 'UTF-16 LE'),
    (codecs.BOM_UTF16_BE, 'utf-16-be', 'UTF-16 BE'),
])
def test_byte_order_mark_decides_and_is_not_part_of_the_first_name(tmp_path, bom, codec, label):
    meta, rows, names = read(tmp_path, bom + 'id\tnäme\n1\tÅsa\n'.encode(codec))
    assert names == ['id', 'näme']
    assert rows == [['1', 'Åsa']]
    assert meta['encoding'] == label


def test_utf16_without_bom_is_recognised_by_its_nul_bytes(tmp_path):
    meta, rows, _ = read(tmp_path, 'a\tb\nx\ty\n'.encode('utf-16-le'))
    assert rows == [['x', 'y']] and meta['encoding'] == 'UTF-16 LE'
    meta, rows, _ = read(tmp_path, 'a\tb\nx\ty\n'.encode('utf-16-be'))
    assert rows == [['x', 'y']] and meta['encoding'] == 'UTF-16 BE'


def test_windows_1252_accents_and_undefined_bytes_never_fail(tmp_path):
    data = 'name\tprice\ncrème brûlée\t€5\n'.encode('cp1252') + b'\x81\x8d\t\x9d\n'
    meta, rows, _ = read(tmp_path, data)
    assert rows == [['crème brûlée', '€5'], ['\x81\x8d', '\x9d']]
    assert meta['encoding'] == 'Windows-1252'
    assert any('Windows-1252' in w for w in meta['warnings'])


def test_valid_utf8_is_utf8(tmp_path):
    meta, rows, _ = read(tmp_path, 'a\n日本語\n'.encode())
    assert rows == [['日本語']] and meta['encoding'] == 'UTF-8' and meta['warnings'] == []


# -- rule 2: refusals ----------------------------------------------------------

@pytest.mark.parametrize('data, words', [
    (b'', 'empty'),
    (b' \n\r\n\t \n', 'white space'),
    (b'\x89PNG\r\n\x1a\n' + b'\x00' * 20, 'PNG'),
    (b'PK\x03\x04' + b'\x00' * 20, 'ZIP'),
    (b'\x1f\x8b\x08\x00' + b'\x00' * 20, 'GZIP'),
    (b'%PDF-1.7\n', 'PDF'),
    (b'a\tb\n1\x002\t3\n', 'binary'),
])
def test_unreadable_input_is_refused_with_a_sentence(tmp_path, data, words):
    with pytest.raises(UnreadableFile) as refusal:
        read(tmp_path, data)
    assert words in refusal.value.message


# -- rule 3: line endings ------------------------------------------------------

def test_lf_crlf_and_lone_cr_all_end_rows_and_empty_lines_are_counted(tmp_path):
    meta, rows, _ = read(tmp_path, b'a\tb\r\n1\t2\r3\t4\n\n\r\n5\t6')
    assert rows == [['1', '2'], ['3', '4'], ['5', '6']]
    assert '2 empty lines were skipped.' in meta['warnings']


# -- rule 4: delimiters (as issue #12 rewrote it; more in test_dialect.py) --------------------------------------------------------

@pytest.mark.parametrize('data, delimiter, rows', [
    (b'a\tb,c\n1\t2,3\n', '\t', [['1', '2,3']]),
    (b'a,b,c\n1,"x,y",3\n', ',', [['1', 'x,y', '3']]),
    (b'a;b\n1;2\n', ';', [['1', '2']]),
    (b'a|b|c\n1|2|3\n', '|', [['1', '2', '3']]),
    (b'a,b;c;d\n1,2;3;4\n', ';', [['1,2', '3', '4']]),
    (b'a,b\n1,2,3\n', ',', [['1', '2', '3']]),  # half the records agree on three fields
    (b'just text\nmore text\n', '', [['more text']]),
])
def test_delimiter_is_sniffed_by_the_rules(tmp_path, data, delimiter, rows):
    meta, got, _ = read(tmp_path, data)
    assert meta['delimiter'] == delimiter
    assert got == rows


# -- rule 5: quoting -----------------------------------------------------------

def test_quoted_fields_hold_delimiters_line_breaks_and_doubled_quotes(tmp_path):
    _, rows, names = read(tmp_path, b'"id"\t"note"\n1\t"a\tb\r\nc ""q"""\n2\tplain\n')
    assert names == ['id', 'note']
    assert rows == [['1', 'a\tb\r\nc "q"'], ['2', 'plain']]


def test_quotes_that_are_not_a_quoted_field_are_literal_text(tmp_path):
    _, rows, _ = read(tmp_path, b'a\tb\n5" pipe\t"x"y\nsay "hi"\t"ok"\n')
    assert rows == [['5" pipe', '"x"y'], ['say "hi"', 'ok']]


def test_an_unmatched_quote_never_swallows_the_rows_after_it(tmp_path):
    lines = [b'id\ttext'] + [f'{i}\trow {i}'.encode() for i in range(1000)]
    lines[500] = b'499\t"broken quote starts here'
    meta, rows, _ = read(tmp_path, b'\n'.join(lines) + b'\n')
    assert len(rows) == 1000
    assert rows[499] == ['499', '"broken quote starts here']
    assert rows[500] == ['500', 'row 500']
    assert any('quote' in w for w in meta['warnings'])


# -- rule 6: header ------------------------------------------------------------

def test_header_names_are_trimmed_filled_and_made_unique(tmp_path):
    _, _, names = read(tmp_path, b' a \t\ta\ta\ta_2\t\n1\t2\t3\t4\t5\t6\n')
    assert names == ['a', 'column_2', 'a_3', 'a_4', 'a_2', 'column_6']


# -- rule 7: ragged rows -------------------------------------------------------

def test_short_rows_are_padded_and_long_rows_add_columns(tmp_path):
    meta, rows, names = read(tmp_path, b'a\tb\tc\n1\n1\t2\t3\t4\t5\n1\t2\t3\n')
    assert names == ['a', 'b', 'c', 'column_4', 'column_5']
    assert rows == [['1', '', '', '', ''], ['1', '2', '3', '4', '5'], ['1', '2', '3', '', '']]
    assert '1 short row was padded with empty cells.' in meta['warnings']
    assert any(w.startswith('1 row had more cells') for w in meta['warnings'])


# -- rules 8, 9, 12: exact text, types, empty tables ----------------------------

def test_cells_keep_their_exact_text(tmp_path):
    data = b'code\tn\tx\tnull\n007\t1.50\t1e3\tNA\n 12 \t-0\tnull\t\\N\n00123\tNaN\t\tn/a\n'
    _, rows, _ = read(tmp_path, data)
    assert rows == [['007', '1.50', '1e3', 'NA'], [' 12 ', '-0', 'null', '\\N'], ['00123', 'NaN', '', 'n/a']]


def test_types_come_from_every_non_empty_value(tmp_path):
    data = (b'i\tn\td\tdt\tb\tt\tempty\n'
            b'9\t1.5\t2024-01-31\t2024-01-31T10:00:00Z\tTRUE\tx\t\n'
            b'10\t\t2023-12-01\t2024-01-31 09:00\tfalse\t1\t\n'
            b'\t2\t\t\t\t2\t\n')
    meta, _, _ = read(tmp_path, data)
    assert [c['type'] for c in meta['columns']] == ['integer', 'number', 'date', 'datetime', 'boolean', 'text', 'text']


def test_one_odd_value_far_down_makes_a_column_text(tmp_path):
    lines = ['n'] + [str(i) for i in range(200_000)] + ['unknown']  # (n/a would be a missing-value token)
    meta, _, _ = read(tmp_path, ('\n'.join(lines) + '\n').encode())
    assert meta['columns'][0]['type'] == 'text'
    assert meta['rows'] == 200_001


def test_a_header_without_rows_is_an_empty_table(tmp_path):
    meta, rows, names = read(tmp_path, b'a\tb\n')
    assert meta['rows'] == 0 and rows == [] and names == ['a', 'b']


# -- rules 10, 11: sorting and filtering through the query engine -------------

@pytest.fixture
def engine(tmp_path) -> tuple[QueryEngine, str]:
    store = Store(tmp_path / 'data')
    src = tmp_path / 'src.tsv'
    src.write_bytes(b'n\tname\twhen\n10\tbob\t2024-02-01\n9\tAlice\t\n\tcarol\t2023-01-01\n10\talice\t2024-01-01\n')
    meta = store.create(src, 'people.tsv')
    return QueryEngine(store), meta['id']


def column(page, index: int) -> list[str]:
    return [row[index] for row in page.rows]


def test_sort_is_by_typed_value_with_empty_cells_last_and_ties_in_file_order(engine):
    q, table = engine
    assert column(q.page(table, PageRequest(sort='n')), 1) == ['Alice', 'bob', 'alice', 'carol']
    assert column(q.page(table, PageRequest(sort='n', desc=True)), 1) == ['bob', 'alice', 'Alice', 'carol']
    assert column(q.page(table, PageRequest(sort='name')), 1) == ['Alice', 'alice', 'bob', 'carol']
    assert column(q.page(table, PageRequest(sort='when')), 1) == ['carol', 'alice', 'bob', 'Alice']
    assert column(q.page(table, PageRequest(sort='when', desc=True)), 1) == ['bob', 'alice', 'carol', 'Alice']


def test_search_is_case_insensitive_across_all_columns_in_file_order(engine):
    q, table = engine
    page = q.page(table, PageRequest(q='ALI'))
    assert page.total == 2 and column(page, 1) == ['Alice', 'alice']
    assert q.page(table, PageRequest(q='2024')).total == 2
    assert q.page(table, PageRequest(q='nobody')).total == 0


def test_plainly_cyrillic_legacy_text_reads_as_its_own_encoding(tmp_path):
    data = 'имя\tгород\nИван Петров\tМосква\nАнна\tСанкт-Петербург\nБорис\tНовосибирск\n'.encode('cp1251')
    meta, rows, names = read(tmp_path, data)
    assert names == ['имя', 'город'] and rows[0] == ['Иван Петров', 'Москва']
    assert meta['encoding'] == 'Windows-1251'


@pytest.mark.parametrize('values, kind', [
    (['0x10', '12'], 'text'), (['nan', '1.5'], 'text'), (['inf', '2'], 'text'), (['+5', '-3', '007'], 'integer'),
    (['1e3', '.5', '5.'], 'number'), (['tRuE', 'FALSE'], 'boolean'), (['2024-02-30'], 'text'),
    (['99999999999999999999999', '1'], 'integer'), (['2024-01-01T10:00:00+02:00', '2024-01-01 10:00'], 'datetime'),
])
def test_type_inference_is_exact_at_the_edges(tmp_path, values, kind):
    meta, rows, _ = read(tmp_path, ('v\n' + '\n'.join(values) + '\n').encode())
    assert meta['columns'][0]['type'] == kind
    assert [r[0] for r in rows] == values
