"""Other people's CSV test files, each read as a person expects (tests/corpus/, sources in SOURCES.md).

Every file of the corpus reads without an exception, or is one of the refusals
listed in ``REFUSED`` with its reason (so a new refusal fails), and its TSV
and CSV downloads read back to the same header and cells. Where the source
states the table it expects, that table is asserted:

- csv-spectrum: the json/ file beside each csv;
- PapaParse: the test cases of tests/test-cases.js with default options and
  no parse errors (written out to papaparse/cases/, expectations in
  papaparse/cases.json);
- DuckDB: the results of its sqllogictests that read a file with plain
  auto-detection (``FROM 'f.csv'``, ``read_csv_auto('f.csv')``, a count),
  extracted to duckdb/expected.json with the test file and line;
- W3C CSVW: the csv2json tests of a CSV without metadata.

The expected cells are those a person sees in a spreadsheet. Where a source
expects something else on purpose (its own dialect option, its error
recovery, DuckDB's typed rendering of a date), the case says so below: typed
renderings are compared as values (``same_value``), and every expectation the
engine does not meet although it is arguably right is an xfail with its
reason. Tests never assert on time: an ingest over a second is reported as a
warning instead.
"""
from __future__ import annotations

import itertools
import json
import re
import warnings
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa
import pytest

from tsvcore import UnreadableFile
from tsvcore.queries.export import FORMULA_START, export
from tsvcore.reading.ingest import DATA_FILE, ingest

CORPUS = Path(__file__).resolve().parent / 'corpus'
NOT_DATA = re.compile(r'(^|/)(LICENSE[^/]*|COPYING|UNLICENSE|\.gitattributes|[^/]*\.md|[^/]*\.json)$')
FILES = sorted(rel for rel in (p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob('*') if p.is_file())
               if not NOT_DATA.search(rel))
SLOW_SECONDS = 1.0
_counter = itertools.count()

# -- refusals: each file the engine refuses, the words its sentence must hold, and why that is right --------------

_NUL = 'binary data (NUL bytes)'
REFUSED: dict[str, tuple[str, str]] = {
    'csvkit/examples/empty.csv': ('no content', 'a file of one line break'),
    'csvkit/examples/dummy.csv.gz': ('GZIP', 'a gzip archive'),
    'csvkit/examples/dummy.csv.bz2': ('BZIP2', 'a bzip2 archive'),
    'csvkit/examples/dummy.xls': ('old Excel', 'an Excel 97 workbook'),
    'csvkit/examples/dummy.xlsx': ('ZIP', 'an .xlsx workbook'),
    'csvkit/examples/null_byte.csv': (_NUL, 'a NUL byte in a cell'),
    'duckdb/data/csv/add_escaped_rfc.csv': ('empty', 'a file of zero bytes'),
    'duckdb/data/csv/afl/10.csv': (_NUL, 'a fuzzer case of binary bytes'),
    'duckdb/data/csv/afl/3977/case_11.csv': (_NUL, 'a fuzzer case with NUL bytes'),
    'duckdb/data/csv/quoted_comment_buffer_boundary.csv': (_NUL, 'fuzzer output: control bytes and NULs'),
    'duckdb/data/csv/null_terminator.csv': (_NUL, 'the three bytes a, NUL, b'),
    'duckdb/data/csv/nullbyte.csv': (_NUL, 'a NUL byte in a cell (DuckDB tests reading it)'),
    'duckdb/data/csv/nullbyte_header.csv': (_NUL, 'a NUL byte in the header (DuckDB tests reading it)'),
    'duckdb/data/csv/nullterm.csv': (_NUL, 'NUL bytes around a word (DuckDB tests reading it)'),
    'duckdb/data/csv/test/test_comp.csv.gz': ('GZIP', 'a gzip archive'),
    'duckdb/data/csv/test/bgzf.gz': ('GZIP', 'a block-gzip archive'),
}


# -- reading and downloading -------------------------------------------------------------------------------------

def read(path: Path, tmp: Path) -> tuple[dict, pa.Table, list[str], list[list[str]]]:
    """Ingest a file the way an upload is; the metadata, the table, its column names and rows."""
    out = tmp / f'version-{next(_counter)}'
    meta = ingest(path, out, path.name)
    table = pa.ipc.open_file(pa.memory_map(str(out / DATA_FILE))).read_all()
    names = [c['name'] for c in meta['columns']]
    rows = [list(row) for row in zip(*(column.to_pylist() for column in table.columns))]
    return meta, table, names, rows


def read_data(data: bytes, tmp: Path, name: str) -> tuple[dict, pa.Table, list[str], list[list[str]]]:
    src = tmp / f'{next(_counter)}-{name}'
    src.write_bytes(data)
    return read(src, tmp)


def report_if_slow(rel: str, meta: dict) -> None:
    if meta['ingest_seconds'] > SLOW_SECONDS:
        warnings.warn(f'{rel} took {meta["ingest_seconds"]:.2f} s to ingest', stacklevel=2)


def defused(cell: str) -> str:
    """What the CSV download writes for a cell: a formula start gets an apostrophe."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def describe(meta: dict, names: list[str], rows: list[list[str]], want_names: list[str],
             want_rows: list[list[str]]) -> str:
    """What was read against what was expected: the dialect, the shape, the first difference, the warnings."""
    lines = [f'delimiter {meta["delimiter"]!r}, encoding {meta["encoding"]}, reader {meta.get("reader")}',
             f'columns {len(names)} (expected {len(want_names)}), rows {len(rows)} (expected {len(want_rows)})']
    if names != want_names:
        lines.append(f'header {names[:8]!r}\n  expected {want_names[:8]!r}')
    for i, (got, want) in enumerate(zip(rows, want_rows)):
        if got != want:
            j = next((j for j, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            lines.append(f'first differing row {i} (cell {j}): {got[:8]!r}\n  expected {want[:8]!r}')
            break
    lines.append(f'warnings {meta["warnings"]!r}')
    return '\n'.join(lines)


@pytest.mark.parametrize('rel', FILES)
def test_every_file_reads_and_its_downloads_read_back_to_the_same_cells(rel, tmp_path):
    path = CORPUS / rel
    if rel in REFUSED:
        words, _why = REFUSED[rel]
        with pytest.raises(UnreadableFile) as refusal:
            read(path, tmp_path)
        assert words in refusal.value.message
        return
    meta, table, names, rows = read(path, tmp_path)
    report_if_slow(rel, meta)
    for fmt in ('tsv', 'csv'):
        download = b''.join(export(table, names, fmt))
        again, _, again_names, again_rows = read_data(download, tmp_path, f'download.{fmt}')
        want_names, want_rows = names, rows
        if fmt == 'csv':
            want_names, want_rows = [defused(n) for n in names], [[defused(c) for c in row] for row in rows]
        assert (again_names, again_rows) == (want_names, want_rows), \
            f'the {fmt.upper()} download of {rel} reads back otherwise:\n' + \
            describe(again, again_names, again_rows, want_names, want_rows)


def test_the_corpus_is_what_sources_md_describes():
    sources = (CORPUS / 'SOURCES.md').read_text()
    for source in sorted({rel.split('/')[0] for rel in FILES}):
        assert f'`{source}/`' in sources, source
        assert any((CORPUS / source / name).exists() for name in ('LICENSE', 'COPYING', 'license.md')), source
    assert len(FILES) >= 150 and set(REFUSED) <= set(FILES)


# -- what a person expects: the table ----------------------------------------------------------------------------

def table_of(records: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """The table a person expects from records: the first is the header (rule 6), short rows padded (rule 7)."""
    width = max(len(r) for r in records)
    raw = [c.strip() for c in records[0]] + [''] * (width - len(records[0]))
    names = [n or f'column_{i + 1}' for i, n in enumerate(raw)]
    taken, seen, header = set(names), set(), []
    for name in names:
        if name in seen:
            k = 2
            while f'{name}_{k}' in taken:
                k += 1
            taken.add(f'{name}_{k}')
            name = f'{name}_{k}'
        seen.add(name)
        header.append(name)
    return header, [r + [''] * (width - len(r)) for r in records[1:]]


def assert_table(rel: str, tmp: Path, want_names: list[str], want_rows: list[list[str]]) -> None:
    meta, _, names, rows = read(CORPUS / rel, tmp)
    assert (names, rows) == (want_names, want_rows), f'{rel}:\n' + describe(meta, names, rows, want_names, want_rows)


# csv-spectrum: json/<name>.json is the table of csvs/<name>.csv, a list of objects keyed by the header.

SPECTRUM_XFAIL = {
    'location_coordinates': 'the source disagrees with itself: json/location_coordinates.json expects the phone '
                            'number 1234567890 where csvs/location_coordinates.csv holds 2095257564 (every other '
                            'cell matches)',
}


def _spectrum_params():
    for path in sorted((CORPUS / 'csv-spectrum' / 'csvs').glob('*.csv')):
        reason = SPECTRUM_XFAIL.get(path.stem)
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        yield pytest.param(path.stem, id=path.stem, marks=marks)


@pytest.mark.parametrize('name', _spectrum_params())
def test_csv_spectrum_files_read_as_their_json_says(name, tmp_path):
    expected = json.loads((CORPUS / 'csv-spectrum' / 'json' / f'{name}.json').read_text(encoding='utf-8'))
    objects = expected if isinstance(expected, list) else [expected]
    names = list(objects[0])
    assert_table(f'csv-spectrum/csvs/{name}.csv', tmp_path, names, [[o[n] for n in names] for o in objects])


# PapaParse: a case's expected data are its records; an empty line is [''] there and skipped here (rule 3).
# Only cases run with default options (or skipEmptyLines: true, which is rule 3) and without parse errors are
# asserted: a case with errors is malformed input, and its data is PapaParse's recovery from it (an unclosed
# quote swallowing the rest of the file, which rule 5 forbids on purpose); options such as a given delimiter,
# comments or 'greedy' skipping are not how a spreadsheet opens a file.

_SPACE_AFTER_QUOTE = ("rule 5: a quoted field's closing quote must be followed directly by the delimiter or the "
                      'line end; with spaces between, the quotes are text (the warning says so). PapaParse trims '
                      "the spaces, Python's csv and Excel append them: readers disagree, and rule 5 shows every byte")
PAPA_XFAIL = {
    ('CORE_PARSER_TESTS', 3): "one line, 'a,\tb ,c': tab and comma both split it alike, and rule 4 gives every tie "
                              'to tab (a TSV with "Smith, John" in every row must stay tab-separated)',
    **{('PARSE_TESTS', i): _SPACE_AFTER_QUOTE for i in (5, 6, 7, 90, 91)},
    ('PARSE_TESTS', 9): "rule 3 ends a row at a lone CR as Excel does; PapaParse takes the file's first line "
                        "break (LF) as the only one and keeps the CR inside 'f\\rg'",
}
PAPA_OPTIONS = ({}, {'skipEmptyLines': True})


def _papa_params():
    cases = json.loads((CORPUS / 'papaparse' / 'cases.json').read_text(encoding='utf-8'))
    for case in cases:
        if case['config'] not in PAPA_OPTIONS or case['errors'] or case['disabled']:
            continue
        key = (case['group'], case['index'])
        marks = [pytest.mark.xfail(reason=PAPA_XFAIL[key], strict=True)] if key in PAPA_XFAIL else []
        yield pytest.param(case, id=f'{case["group"]}[{case["index"]}] {case["description"]}', marks=marks)


@pytest.mark.parametrize('case', _papa_params())
def test_papaparse_cases_read_as_papaparse_expects(case, tmp_path):
    records = [r for r in case['data'] if r != ['']]
    want_names, want_rows = table_of(records)
    assert_table(f'papaparse/{case["file"]}', tmp_path, want_names, want_rows)


# W3C CSVW: csv2json of a CSV without metadata; each row "describes" one object keyed by the column titles.

def _csvw_params():
    for test in json.loads((CORPUS / 'csvw' / 'expected.json').read_text()):
        yield pytest.param(test, id=test['id'].split('#')[1])


@pytest.mark.parametrize('test', _csvw_params())
def test_csvw_files_read_as_csv2json_says(test, tmp_path):
    result = json.loads((CORPUS / 'csvw' / test['result']).read_text(encoding='utf-8'))
    objects = [row['describes'][0] for row in result['tables'][0]['row']]
    names = list(dict.fromkeys(name for o in objects for name in o))  # an empty cell is left out of its object
    assert_table(f'csvw/{test["action"]}', tmp_path, names, [[str(o.get(n, '')) for n in names] for o in objects])


# DuckDB: the result of a query over read_csv_auto() in DuckDB's own tests. DuckDB types its columns and
# prints values typed: NULL for an empty cell, 3.0 for 3, 2008-08-10 for 10/08/2008, true for t, a timestamp
# with an offset as the same instant in UTC (its tests run in UTC). A cell is the same value when it is
# written alike, or both are the same number, boolean, instant, or date or time (the same numbers, ignoring
# trailing zero parts such as :00 seconds).

_TEMPORAL = re.compile(r'^\d{1,4}[-/:.]\d{1,2}([-/:. T]\d{1,4})*([.,]\d+)?(\s?([+-]\d{2}(:?\d{2})?|Z|UTC))?$')
_ZONE_NAME = re.compile(r'^(.*\d)\s*([A-Za-z][A-Za-z_/+-]*)$')
_BOOLEANS = {'t': 'true', 'true': 'true', 'f': 'false', 'false': 'false'}


def _temporal_parts(text: str) -> list[int]:
    parts = [int(p) for p in re.findall(r'\d+', text)]
    while parts and parts[-1] == 0:
        parts.pop()
    return sorted(parts)


def _instant(text: str) -> datetime | None:
    """An ISO date and time with or without an offset or zone name, as an aware datetime (naive is UTC)."""
    text, zone = text.strip(), None
    named = _ZONE_NAME.match(text)
    if named and named.group(2) not in ('Z',):
        text, zone = named.group(1), named.group(2)
    try:
        value = datetime.fromisoformat(text)
        if zone is not None:
            if value.tzinfo is not None:
                return None
            value = value.replace(tzinfo=UTC if zone == 'UTC' else ZoneInfo(zone))
    except (ValueError, ZoneInfoNotFoundError):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def same_value(ours: str, duck: str) -> bool:
    if duck in ('NULL', '(empty)'):
        return ours == ''
    if ours == duck:
        return True
    try:
        return Decimal(ours.strip()) == Decimal(duck) or float(ours) == float(duck)
    except (InvalidOperation, ValueError):
        pass
    if ours.strip().lower() in _BOOLEANS and duck in _BOOLEANS.values():
        return _BOOLEANS[ours.strip().lower()] == duck
    if ':' in ours and ' ' in duck and (a := _instant(ours)) is not None and (b := _instant(duck)) is not None:
        return a == b
    if _TEMPORAL.match(ours.strip()) and _TEMPORAL.match(duck):
        return _temporal_parts(ours) == _temporal_parts(duck)
    return False


# DuckDB decided these files have no header row (their first line is numbers or dates like every other);
# rule 6 reads the first row as the header whatever it holds, so DuckDB's first row is compared with it.
DUCKDB_NO_HEADER = {
    'duckdb/data/csv/auto/single_numeric.csv': 'one line, a number',
    'duckdb/data/csv/headers/integer.csv': 'one line, a number',
    'duckdb/data/csv/test/date.csv': 'one line, a date',
    'duckdb/data/csv/test/dateformat.csv': 'one line, a date',
    'duckdb/data/csv/auto/various_time_formats.csv': 'one line of times',
    'duckdb/data/csv/real/web_page.csv': 'TPC-DS rows without a header',
    'duckdb/data/csv/real/lineitem_sample.csv': 'TPC-H rows without a header',
    'duckdb/data/csv/real/imdb_movie_info_escaped.csv': 'IMDb rows without a header',
}

_COMMENTS = ("DuckDB's sniffer detects '#' as a comment marker and drops comment lines and the rest of a line "
             "after it; CSV has no comments and a spreadsheet shows those lines as rows")
DUCKDB_XFAIL = {
    'test/sql/copy/csv/auto/test_sniffer_empty_start_value.test:5':
        'a space before an opening quote (1968,  86, "Greetings"): RFC 4180, Excel and Python\'s csv keep that '
        'quote as text, and so does rule 5 (so "Hi, Mom!" splits in two); DuckDB trims the space first',
    'test/sql/copy/csv/inconsistent_cells_error.test:5':
        'DuckDB drops the three rows of 3 and 4 fields above the two rows of 5 and returns only those two; '
        'no reader that shows every row can match it',
    'test/sql/copy/csv/relaxed_quotes.test:5':
        'DuckDB turns quoting off for the whole file because two rows hold unescaped quotes, and shows the '
        'quotes of every well-formed quoted field ("de:08115:1303:2:1"); Excel and rule 5 read those as quoted',
    'test/sql/copy/csv/test_column_inconsistencies.test:33':
        'DuckDB reads the file as one column because one row has a fifth field; a spreadsheet, and rule 7, '
        'show four columns and a fifth for that row',
    'test/sql/copy/csv/test_read_csv.test:27':
        "DuckDB detects backslash as the escape character (\\, and \\\"); RFC 4180 and spreadsheets have no "
        'escape character, and rule 5 keeps the backslash as text',
    **{f'test/sql/copy/csv/test_comment_midline.test:{line}': _COMMENTS for line in (51, 63, 69, 75, 81, 87, 95, 123)},
    **{f'test/sql/copy/csv/test_comment_option.test:{line}': _COMMENTS for line in (23, 60, 66, 94)},
    'test/sql/copy/csv/test_comment_option.test:29':
        "DuckDB reads this file (lines of ', comment' between 'a;b', '1;3', '6;7') as one column with no "
        'delimiter; a comma splits four of its seven lines in two, and a spreadsheet, like rule 4, shows two '
        'columns',
}


def _duck_params():
    for entry in json.loads((CORPUS / 'duckdb' / 'expected.json').read_text(encoding='utf-8')):
        rel = f'duckdb/{entry["file"]}'
        if rel in REFUSED:
            continue  # no table to compare: the refusal is asserted by the test above
        key = f'{entry["test"]}:{entry["line"]}'
        marks = [pytest.mark.xfail(reason=DUCKDB_XFAIL[key], strict=True)] if key in DUCKDB_XFAIL else []
        yield pytest.param(entry, id=f'{entry["file"]} ({key})', marks=marks)


@pytest.mark.parametrize('entry', _duck_params())
def test_duckdb_files_read_as_duckdb_auto_detection_reads_them(entry, tmp_path):
    rel = f'duckdb/{entry["file"]}'
    meta, _, names, rows = read(CORPUS / rel, tmp_path)
    got = [names] + rows if rel in DUCKDB_NO_HEADER else rows
    where = f'{rel}, as {entry["test"]} line {entry["line"]} states ({entry["sql"]}):\n'
    shape = f'delimiter {meta["delimiter"]!r}, {len(names)} columns, {len(rows)} rows; warnings {meta["warnings"]!r}'
    if entry['kind'] == 'count':
        assert len(got) == int(entry['result'][0]), where + f'{len(got)} rows, not {entry["result"][0]}; ' + shape
        return
    assert entry['sort'] is None
    want = [line.split('\t') for line in entry['result']]
    width = len(want[0]) if want else len(names)
    assert (len(names), len(got)) == (width, len(want)), \
        where + f'{len(names)} columns and {len(got)} rows, not {width} and {len(want)}; ' + shape + \
        f'\nheader {names[:8]!r}\nrows {got[:3]!r}\nexpected {want[:3]!r}'
    for i, (row, expected) in enumerate(zip(got, want)):
        for j, (ours, duck) in enumerate(zip(row, expected)):
            assert same_value(ours, duck), where + f'row {i}, cell {j}: {ours!r}, not {duck!r}; ' + shape + \
                f'\nrow {row[:8]!r}\nexpected {expected[:8]!r}'
