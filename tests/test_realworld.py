"""Files shaped after other people's bug reports (issue #12), each kind made here and read as a person expects.

The examples of ../shared/realworld/ are reproduced byte for byte where they
are small, then varied (other delimiters, line endings, sizes), so that the
whole kind is covered and not just one file.
"""
from __future__ import annotations

import pytest

from tsvcore import PageRequest
from tsvcore.reading.read_options import ReadOptions

from .test_reader import read


def column(rows: list[list[str]], index: int) -> list[str]:
    return [row[index] for row in rows]


# -- the delimiter sniffer (rule 4 as issue #12 rewrote it) ---------------------

@pytest.mark.parametrize('delimiter', [',', ';', '|', '\t'])
@pytest.mark.parametrize('newline', ['\r\n', '\n'])
def test_an_excel_sep_line_names_the_delimiter_and_is_not_a_row(tmp_path, delimiter, newline):
    d = delimiter
    text = newline.join([f'sep={d}', f'sample{d}reading{d}unit', f'A1{d}12{d}mV', f'A2{d}9{d}mV']) + newline
    meta, rows, names = read(tmp_path, text.encode())
    assert names == ['sample', 'reading', 'unit'] and rows == [['A1', '12', 'mV'], ['A2', '9', 'mV']]
    assert meta['delimiter'] == d and any('sep=' in w for w in meta['warnings'])


@pytest.mark.parametrize('delimiter', [',', ';', '\t'])
def test_one_short_row_among_the_first_records_does_not_make_one_column(tmp_path, delimiter):
    d = delimiter
    text = f'id{d}name{d}city{d}notes\r\n1{d}Ann{d}Oslo{d}\r\n2{d}Bob{d}Lima\r\n3{d}Cyd{d}Rome{d}late\r\n'
    meta, rows, names = read(tmp_path, text.encode())
    assert meta['delimiter'] == d and names == ['id', 'name', 'city', 'notes']
    assert rows[1] == ['2', 'Bob', 'Lima', ''] and '1 short row was padded with empty cells.' in meta['warnings']


def test_a_trailing_comma_on_every_data_row_adds_one_generated_column_with_a_warning(tmp_path):
    meta, rows, names = read(tmp_path, b'sym,px,qty\nAAA,10.5,3,\nBBB,9.25,7,\nCCC,11,12,\n')
    assert names == ['sym', 'px', 'qty', 'column_4'] and rows[0] == ['AAA', '10.5', '3', '']
    assert any('more cells than the header' in w for w in meta['warnings'])
    assert [c['type'] for c in meta['columns']][:3] == ['text', 'number', 'integer']


@pytest.mark.parametrize('prefix', [b'\n', b'\r\n\r\n', b'\n\n\n'])
def test_blank_lines_before_the_header_are_skipped(tmp_path, prefix):
    meta, rows, names = read(tmp_path, prefix + b'name\tage\nbob\t3\nalice\t7\n')
    assert names == ['name', 'age'] and rows == [['bob', '3'], ['alice', '7']] and meta['delimiter'] == '\t'


def test_title_lines_above_the_table_are_skipped_and_quoted(tmp_path):
    data = b'Quarterly report\r\nExported on 2026-11-29\r\n\r\nregion;sales\r\nnorth;10\r\nsouth;12\r\n'
    meta, rows, names = read(tmp_path, data)
    assert names == ['region', 'sales'] and rows == [['north', '10'], ['south', '12']]
    assert any('"Quarterly report"' in w and 'title' in w for w in meta['warnings'])


def test_ragged_rows_that_all_hold_the_delimiter_are_split_as_a_spreadsheet_would(tmp_path):
    meta, rows, names = read(tmp_path, b'10,100,1000\n10,100,1000,10000\n10\n10,100\n10,100,1000,10000,100000\n')
    assert meta['delimiter'] == ',' and names[:3] == ['10', '100', '1000'] and rows[3][4] == '100000'
    meta, rows, names = read(tmp_path, b'x,y,z\n# comment\n1,2,3\n4,5,6\n# comment\n')
    assert meta['delimiter'] == ',' and names == ['x', 'y', 'z'] and rows[1] == ['1', '2', '3']


def test_a_file_that_stays_one_column_says_why_when_a_candidate_is_on_most_lines(tmp_path):
    meta, rows, names = read(tmp_path, b'"Last, First"\n"Doe, Jane"\n"Roe, Rick"\n"Poe, Edgar"\n')
    assert meta['delimiter'] == '' and any('one column' in w and 'comma' in w for w in meta['warnings'])
    meta, _, _ = read(tmp_path, b'just prose\nmore prose, with a comma\nand more\n')
    assert meta['delimiter'] == '' and meta['warnings'] == []


def test_prose_with_commas_on_most_lines_stays_one_column_with_its_header(tmp_path):
    data = (b'comment\nGreat product, fast shipping\nOK\nBroke after a week, not happy, refund please\n'
            b'Love it, would buy again\n')
    meta, rows, names = read(tmp_path, data)
    assert meta['delimiter'] == '' and names == ['comment'] and rows[0] == ['Great product, fast shipping']
    assert any('one column' in w and 'Read differently' in w for w in meta['warnings'])


def test_a_title_line_is_not_skipped_when_no_table_would_remain(tmp_path):
    meta, rows, names = read(tmp_path, b'Value\n68,527.00\n')
    assert names[0] == 'Value' and meta['rows'] == 1 and not any('title' in w for w in meta['warnings'])


def test_one_column_of_quoted_names_with_commas_stays_one_column(tmp_path):
    meta, rows, names = read(tmp_path, b'"Last, First"\r\n"Doe, Jane"\r\n"Roe, Rick"\r\n')
    assert meta['delimiter'] == '' and names == ['Last, First'] and rows == [['Doe, Jane'], ['Roe, Rick']]


def test_one_column_with_quoted_empty_cells_keeps_every_row(tmp_path):
    meta, rows, _ = read(tmp_path, b'note\n""\nhello\n""\nbye\n')
    assert rows == [[''], ['hello'], [''], ['bye']] and meta['rows'] == 4


# -- backslash-escaped quotes (MySQL and PHP dumps) -------------------------------

def test_a_mysql_dump_with_backslash_escaped_quotes_reads_as_quotes(tmp_path):
    data = (b'"id","word","note"\n"1","skewer","she said \\"one, two\\" twice"\n'
            b'"2","plain","nothing odd"\n"3","quote","ends with \\"x\\""\n')
    meta, rows, names = read(tmp_path, data)
    assert names == ['id', 'word', 'note']
    assert rows == [['1', 'skewer', 'she said "one, two" twice'], ['2', 'plain', 'nothing odd'],
                    ['3', 'quote', 'ends with "x"']]
    assert any('4 backslash escapes were read' in w for w in meta['warnings'])


@pytest.mark.parametrize('delimiter', [',', '\t', ';'])
def test_backslash_escapes_of_every_shape_in_a_file_that_uses_them(tmp_path, delimiter):
    d = delimiter.encode()
    data = d.join([b'"k"', b'"v"']) + b'\r\n' + b''.join(
        d.join([f'"{i}"'.encode(), cell]) + b'\r\n' for i, cell in enumerate([
            b'"\\"at the start"', b'"at the end\\""', b'"a backslash \\\\ inside"', b'"ends in a backslash\\\\"',
            b'"a line\nbreak and \\"quote\\""', b'"plain"', b'"C:\\\\temp"']))
    meta, rows, names = read(tmp_path, data)
    assert names == ['k', 'v'] and meta['delimiter'] == delimiter
    assert column(rows, 1) == ['"at the start', 'at the end"', 'a backslash \\ inside', 'ends in a backslash\\',
                               'a line\nbreak and "quote"', 'plain', 'C:\\temp']


def test_backslash_escapes_outside_quoted_fields_keep_the_file_as_written(tmp_path):
    """Python's csv.writer(doublequote=False, escapechar='\\') escapes unquoted cells too: reading
    escapes would change those cells, so the file is read as written; ?escape=on reads them anyway."""
    data = b'id,title,size\n0,"Pizza, \\"special\\" 0",12\\" wide\n1,plain,3\n'
    meta, rows, _ = read(tmp_path, data)
    assert rows[0] == ['0', '"Pizza', ' \\"special\\" 0"', '12\\" wide']  # rule 5: every byte as written
    assert not any('backslash escape' in w for w in meta['warnings'])
    meta, rows, _ = read(tmp_path, data, options=ReadOptions(escape=True))
    assert rows[0][:2] == ['0', 'Pizza, "special" 0'] and any('backslash escape' in w for w in meta['warnings'])


def test_windows_paths_ending_in_a_backslash_are_not_taken_for_escapes(tmp_path):
    meta, rows, _ = read(tmp_path, b'path,n\n"C:\\temp\\",1\n"D:\\data\\",2\n"E:\\",3\n')
    assert rows == [['C:\\temp\\', '1'], ['D:\\data\\', '2'], ['E:\\', '3']] and meta['warnings'] == []


def test_a_lone_backslash_quote_in_an_ordinary_csv_changes_nothing(tmp_path):
    meta, rows, _ = read(tmp_path, b'a,b\n"say ""hi""",1\nit\\"s,2\n"x",3\n')
    assert rows == [['say "hi"', '1'], ['it\\"s', '2'], ['x', '3']] and meta['warnings'] == []


def test_random_mysql_style_dumps_read_back_to_their_cells(tmp_path):
    """Every field quoted, \\ and " escaped with a backslash, one quoted word in the first row as evidence."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    cell = st.text(st.sampled_from('ab ,;\t\n"\\é'), max_size=6)

    def dump(rows: list[list[str]], delimiter: str) -> bytes:
        def field(text: str) -> str:
            return '"' + text.replace('\\', '\\\\').replace('"', '\\"') + '"'
        return ''.join(delimiter.join(map(field, row)) + '\n' for row in rows).encode()

    @settings(max_examples=200, deadline=None)
    @given(st.integers(2, 4).flatmap(lambda width: st.lists(
        st.lists(cell, min_size=width, max_size=width), min_size=1, max_size=6)), st.sampled_from([',', '\t', ';']))
    def check(rows, delimiter):
        width = len(rows[0])
        table = [[f'h{i}' for i in range(width)], ['said "hi" there'] + ['x'] * (width - 1)] + rows
        _, got, names = read(tmp_path, dump(table, delimiter))
        assert [names] + got == table
    check()


# -- quoted files are read by PyArrow, exactly ----------------------------------

def test_the_most_common_csv_shape_is_read_whole_by_the_fast_reader(tmp_path):
    lines = ['id,name,city,amount'] + [f'{i},"Smith, John {i}",Springfield,{3 * i}' for i in range(16_000)]
    meta, rows, names = read(tmp_path, ('\n'.join(lines) + '\n').encode())
    assert meta['rows'] == 16_000 and meta['reader'] == 'fast' and meta['warnings'] == []
    assert rows[15_999] == ['15999', 'Smith, John 15999', 'Springfield', '47997']


def test_python_csv_writer_output_reads_back_exactly(tmp_path):
    import csv
    import io
    import random
    rng = random.Random(12)
    words = ['plain', 'with, comma', 'say "hi"', 'two\nlines', 'crlf\r\nhere', '', ' spaced ', '"', 'é,ü']
    table = [['a', 'b', 'c']] + [[rng.choice(words) for _ in range(3)] for _ in range(3_000)]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table)
    meta, rows, names = read(tmp_path, buffer.getvalue().encode())
    assert [names] + rows == table and meta['reader'] == 'fast'


# -- encodings ---------------------------------------------------------------------

def test_a_bom_then_one_windows_1252_byte_reads_cafe_with_a_warning_never_a_replacement_character(tmp_path):
    meta, rows, _ = read(tmp_path, b'\xef\xbb\xbfid\tnom\n1\tcaf\xe9\n')
    assert rows == [['1', 'café']]
    assert any('1 byte was not valid UTF-8' in w and 'line 2' in w for w in meta['warnings'])


def test_a_mostly_utf8_file_with_a_stray_latin1_byte_stays_utf8(tmp_path):
    lines = ['id\tcity'] + [f'{i}\tZürich' for i in range(3_000)]
    data = ('\n'.join(lines) + '\n').encode() + b'3000\tM\xfcnchen\n'
    meta, rows, _ = read(tmp_path, data)
    assert rows[0] == ['0', 'Zürich'] and rows[-1] == ['3000', 'München'] and meta['encoding'] == 'UTF-8'
    assert any('line 3,002' in w for w in meta['warnings'])
    assert not any('\ufffd' in cell for row in rows for cell in row)


# -- types ---------------------------------------------------------------------------

@pytest.fixture
def engine(loaded):
    return loaded  # (query engine, load) from conftest


def test_integers_past_64_bits_sort_in_exact_numeric_order(engine):
    q, load = engine
    table, meta = load(b'ref,gid\nr1,12345678901234567891\nr2,12345678901234567890\nr3,9223372036854775808\n'
                       b'r4,9223372036854775807\nr5,987654321\nr6,-12345678901234567890\nr7,\n')
    assert meta['columns'][1]['type'] == 'integer'
    page = q.page(table, PageRequest(sort='gid'))
    assert [row[0] for row in page.rows] == ['r6', 'r5', 'r4', 'r3', 'r2', 'r1', 'r7']
    huge = b'n\n' + b'\n'.join(str(10 ** 80 + i).encode() for i in (3, 1, 2)) + b'\n'
    table, _ = load(huge)
    assert [row[0][-1] for row in q.page(table, PageRequest(sort='n')).rows] == ['1', '2', '3']


@pytest.mark.parametrize('digits', [19, 20, 38, 39, 41, 43, 60, 76, 77, 80, 120])
def test_integers_of_every_length_sort_exactly(engine, digits):
    """PyArrow casts some 39-43 and 77-80 digit strings to a decimal silently wrong: lengths pick the type."""
    q, load = engine
    base = 10 ** (digits - 1)
    values = [base + 7, base + 3, -(base + 5), 42, base + 3 + 10 ** (digits - 2)]
    table, meta = load(b'n\n' + b'\n'.join(str(v).encode() for v in values) + b'\n')
    assert meta['columns'][0]['type'] == 'integer'
    assert [row[0] for row in q.page(table, PageRequest(sort='n')).rows] == [str(v) for v in sorted(values)]


def test_hex_and_binary_literals_are_text_and_searchable(engine):
    q, load = engine
    table, meta = load(b'code,meaning\n0X1A,sub\n0XFF,max\n0b101,five\n0xff,low\n')
    assert meta['columns'][0]['type'] == 'text'
    assert sorted(row[0] for row in q.page(table, PageRequest(q='ff')).rows) == ['0XFF', '0xff']


def test_missing_value_tokens_keep_a_columns_type_and_sort_last_as_written(engine):
    q, load = engine
    table, meta = load(b'name,amount,when\na,10,2024-01-02\nb,NA,N/A\nc,2.5,2023-05-01\nd,#N/A,\ne,-1,null\n'
                       b'f,\\N,2022-01-01\ng,NULL,-\n')
    assert [c['type'] for c in meta['columns']] == ['text', 'number', 'date']
    assert [row[0] for row in q.page(table, PageRequest(sort='amount')).rows][:3] == ['e', 'c', 'a']
    assert [row[1] for row in q.page(table, PageRequest(sort='amount', desc=True)).rows] == \
        ['10', '2.5', '-1', 'NA', '#N/A', '\\N', 'NULL']
    assert [row[0] for row in q.page(table, PageRequest(sort='when')).rows][:3] == ['f', 'c', 'a']


def test_numbers_with_a_decimal_comma_sort_by_value_and_show_as_written(engine):
    q, load = engine
    table, meta = load('artikel;preis;menge\nA;12,50;3\nB;0,99;1\nC;1.234,00;2\nD;NA;4\nE;-3,5;5\nF;7;6\n'.encode())
    assert meta['columns'][1] == {'name': 'preis', 'type': 'decimal comma'}
    page = q.page(table, PageRequest(sort='preis'))
    assert [row[1] for row in page.rows] == ['-3,5', '0,99', '7', '12,50', '1.234,00', 'NA']
    assert [row[1] for row in q.page(table, PageRequest(sort='preis', desc=True)).rows][0] == '1.234,00'
    assert [row[0] for row in q.page(table, PageRequest(q='0,99')).rows] == ['B']
    profile = q.profile(table, 'preis', None)
    assert (profile['min'], profile['max']) == ('-3,5', '1.234,00')  # the cells as written (issue #13)


def test_a_decimal_comma_column_needs_to_show_it_is_one(engine):
    """1,234 alone may be a thousands separator; a mix of 1.5 and 2,5 is no one form."""
    _, load = engine
    _, meta = load(b'id\tthousands\tmixed\tdots\n1\t1,234\t1.5\t1.234\n2\t12,345\t2,5\t2.5\n3\t999\t3\t3\n')
    assert [c['type'] for c in meta['columns']] == ['integer', 'text', 'text', 'number']


def test_a_header_only_file_gets_the_same_types_with_or_without_quotes(tmp_path):
    plain, _, _ = read(tmp_path, b'a,b,c\n')
    quoted, _, _ = read(tmp_path, b'"a",b,c\n')
    assert plain['columns'] == quoted['columns'] == [{'name': n, 'type': 'text'} for n in 'abc']


# -- wide files ---------------------------------------------------------------------

def test_ten_thousand_columns_by_twenty_rows_read_whole(tmp_path):
    header = '\t'.join(f'c{i}' for i in range(10_000))
    body = '\n'.join('\t'.join(str(r * i) for i in range(10_000)) for r in range(20))
    meta, rows, names = read(tmp_path, (header + '\n' + body + '\n').encode())
    assert len(names) == 10_000 and meta['rows'] == 20 and rows[19][9_999] == str(19 * 9_999)


def test_wide_batches_get_the_same_types_as_narrow_ones(monkeypatch):
    import random

    import pyarrow as pa

    from tsvcore.reading import types
    rng = random.Random(5)
    groups = [['1', '-2', '+3'], ['1.5', '1e3', '7'], ['2024-02-29', '2023-01-01'], ['2024-01-01 10:00'],
              ['true', 'FALSE'], ['word'], ['0,99', '12,50', '1.234,00', '5'], ['1,234', '12,345']]
    odd = ['', 'NA', 'null', '0x1A', '2024-02-30', '2023-13-01', 'x', '2,5', '1.5', '+', '--5', '+-5', '١٢', '0X1p3',
           'nan', 'inf', '1e', ' 5']

    def cells() -> list[str]:
        group = rng.choice(groups)
        return [rng.choice(group) if rng.random() < 0.97 else rng.choice(odd) for _ in range(20)]
    columns = [pa.array(cells()) for _ in range(600)]
    wide = types.TypeGuesser(600)
    wide.feed(columns)
    monkeypatch.setattr(types, 'WIDE', 10 ** 9)
    narrow = types.TypeGuesser(600)
    narrow.feed(columns)
    assert wide.types() == narrow.types()
    assert len(set(wide.types())) >= 4


# -- round trips: a download reads back to the same table ---------------------------



def _round_trip(tmp_path, names: list[str], rows: list[list[str]], fmt: str) -> tuple[list[str], list[list[str]]]:
    import pyarrow as pa

    from tsvcore.queries.export import export
    table = pa.table({f'f{i}': pa.array([r[i] for r in rows], pa.string()) for i in range(len(names))})
    data = b''.join(export(table, names, fmt))
    meta, got, got_names = read(tmp_path, data)
    return got_names, got


def test_a_one_column_table_of_names_with_commas_and_empty_cells_round_trips(tmp_path):
    names, rows = ['Last, First'], [['Doe, Jane'], [''], ['Roe; Rick'], ['a|b'], ['"quoted"'], ['']]
    for fmt in ('tsv', 'csv'):
        assert _round_trip(tmp_path, names, rows, fmt) == (names, rows), fmt


def test_a_tsv_whose_every_row_holds_commas_stays_tab_separated(tmp_path):
    names, rows = ['id', 'name'], [[str(i), f'Smith, John {i}'] for i in range(50)]
    assert _round_trip(tmp_path, names, rows, 'tsv') == (names, rows)


def test_random_tables_round_trip_through_the_tsv_download(tmp_path):
    from hypothesis import given, settings
    from hypothesis import strategies as st
    cell = st.text(st.characters(blacklist_categories=('Cs',), blacklist_characters='\x00\x01'), max_size=8) | \
        st.sampled_from(['', '"', '""', '"q"', '\t', '\r\n', '\n', '\r', ',', ';', '|', 'a,b', 'x;y', 'sep=,',
                         ' ', '"open', 'NA'])
    name = st.text(st.characters(whitelist_categories=('Ll', 'Lu', 'Nd')), min_size=1, max_size=6)

    @settings(max_examples=300, deadline=None)
    @given(st.integers(1, 4).flatmap(lambda width: st.tuples(
        st.lists(name, min_size=width, max_size=width, unique=True),
        st.lists(st.lists(cell, min_size=width, max_size=width), max_size=8))))
    def check(table):
        names, rows = table
        assert _round_trip(tmp_path, names, rows, 'tsv') == (names, rows)
    check()


def test_a_nul_byte_is_refused_naming_its_line(tmp_path):
    from tsvcore import UnreadableFile
    with pytest.raises(UnreadableFile) as refusal:
        read(tmp_path, b'a\tb\n1\t2\n3\t4\x00\n')
    assert 'binary' in refusal.value.message and 'line 3' in refusal.value.message
