"""Column profiles show the cells as written (issue #13): min and max are cells, histogram edges look like the data."""
from __future__ import annotations

import re

import pyarrow as pa
import pytest
from nicegui import ui
from nicegui.testing import User

from components.column_profile import show_profile
from tests.helpers import tsv
from tsvcore.queries.profile import profile


@pytest.fixture
def engine(loaded):
    """Profiles through the store and query engine, as the page and the API ask for them."""
    engine, load = loaded

    def column_profile(data: bytes, column: str) -> dict:
        table, _ = load(data)
        return engine.profile(table, column)
    return column_profile


def column(*cells: str) -> bytes:
    return tsv(('x',), *[(c,) for c in cells])


def of(cells: list[str], kind: str) -> dict:
    return profile(pa.chunked_array([pa.array(cells, pa.string())]), kind)


def in_bins(result: dict, value) -> bool:
    return sum(result['histogram']['counts']) == value


def test_min_and_max_are_the_cells_as_written_and_edges_keep_two_decimals(engine):
    cells = [f'{i * 1.25 + 1:.2f}' for i in range(15_999)] + ['19999.20']  # 1.00, 2.25, ... 19998.50, 19999.20
    result = engine(column(*cells), 'x')
    assert result['type'] == 'number'
    assert (result['min'], result['max']) == ('1.00', '19999.20')  # not 1.0 and 19999.2
    edges = result['histogram']['edges']
    assert all(re.fullmatch(r'-?[0-9]+\.[0-9]{2}', e) for e in edges), edges
    assert edges[:3] == ['0.00', '1000.00', '2000.00'] and len(edges) <= 23
    assert float(edges[0]) <= 1.00 and float(edges[-1]) > 19999.20
    assert in_bins(result, len(cells))


def test_edges_never_show_more_decimals_than_the_cells():
    result = of(['0.5', '1.5', '2', '9.5'], 'number')
    assert (result['min'], result['max']) == ('0.5', '9.5')
    assert all(re.fullmatch(r'[0-9]+\.[0-9]', e) for e in result['histogram']['edges'])
    assert len(set(result['histogram']['edges'])) == len(result['histogram']['edges'])  # each edge its own label


def test_integers_have_integer_edges_and_ties_take_the_first_cell_in_file_order(engine):
    result = engine(column('10', '007', '3', '', '7', '3000', '03'), 'x')
    assert result['type'] == 'integer'
    assert (result['min'], result['max']) == ('3', '3000')  # 3 and 03 tie: the first one written
    assert all(re.fullmatch(r'-?[0-9]+', e) for e in result['histogram']['edges'])
    assert result['histogram']['edges'][:3] == ['0', '200', '400']
    assert in_bins(result, 6)
    tie = of(['007', '7', '1'], 'integer')
    assert tie['max'] == '007'  # as written, leading zeros and all


def test_dates_and_datetimes_are_cells_and_edges_are_days_or_times(engine):
    result = engine(column('2024-03-01', '2024-01-15', '', '2024-02-01', 'NA'), 'x')
    assert result['type'] == 'date'
    assert (result['min'], result['max']) == ('2024-01-15', '2024-03-01')
    edges = result['histogram']['edges']
    assert edges[0] == '2024-01-15' and all(re.fullmatch(r'[0-9]{4}-[0-9]{2}-[0-9]{2}', e) for e in edges)
    assert in_bins(result, 3)
    times = of(['2024-01-01 10:00', '2024-01-01 18:30', '2024-01-02 09:00'], 'datetime')
    assert (times['min'], times['max']) == ('2024-01-01 10:00', '2024-01-02 09:00')
    assert times['histogram']['edges'][:2] == ['2024-01-01 10:00', '2024-01-01 12:00']  # to the minute, like the cells
    seconds = of(['2024-01-01T10:00:01.5Z', '2024-01-01T10:00:03.25+01:00'], 'datetime')
    assert (seconds['min'], seconds['max']) == ('2024-01-01T10:00:03.25+01:00', '2024-01-01T10:00:01.5Z')  # 09:00 UTC first
    assert all(re.fullmatch(r'2024-01-01T[0-9:]{8}\.[0-9]{2}', e) for e in seconds['histogram']['edges'])


def test_a_decimal_comma_column_keeps_its_comma_and_thousands_dots(engine):
    result = engine(b'artikel;preis\nA;12,50\nB;0,99\nC;1.234,50\nD;NA\nE;-3,5\nF;7\n', 'preis')
    assert result['type'] == 'decimal comma'
    assert (result['min'], result['max']) == ('-3,5', '1.234,50')
    edges = result['histogram']['edges']
    assert all(re.fullmatch(r'-?[0-9]{1,3}(\.[0-9]{3})*,[0-9]{2}', e) for e in edges), edges
    assert '1.000,00' in edges and '0,00' in edges
    assert in_bins(result, 5)


def test_integers_past_64_bits_stay_exact(engine):
    cells = ['12345678901234567891', '-12345678901234567890', '9223372036854775808', '987654321', '12345678901234567890']
    result = engine(column(*cells), 'x')
    assert result['type'] == 'integer'
    assert (result['min'], result['max']) == ('-12345678901234567890', '12345678901234567891')
    edges = result['histogram']['edges']
    assert all(re.fullmatch(r'-?[0-9]+', e) for e in edges)
    assert int(edges[0]) <= -12345678901234567890 and int(edges[-1]) > 12345678901234567891
    assert edges[:2] == ['-14000000000000000000', '-12000000000000000000']  # exact, not -1.4e+19
    assert in_bins(result, 5)


def test_missing_value_tokens_are_not_values(engine):
    result = engine(column('NA', '5', 'null', '2', '-', '#N/A', '\\N', 'NaN', 'None', 'N/A', 'n/a', 'NULL'), 'x')
    assert result['type'] == 'integer'
    assert (result['min'], result['max']) == ('2', '5')
    assert in_bins(result, 2)
    assert result['empty'] == 0 and {t['value'] for t in result['top']} >= {'NA', 'null'}  # still shown as written
    number = of(['None', '1.5', 'NA', '2.25'], 'number')  # the e of None is no exponent
    assert (number['min'], number['max']) == ('1.5', '2.25') and number['histogram']['edges'][0] == '1.50'


def test_an_empty_column_has_no_range(engine):
    result = engine(tsv(('id', 'note'), ('1', ''), ('2', ''), ('3', '')), 'note')
    assert (result['type'], result['rows'], result['empty'], result['distinct']) == ('text', 3, 3, 0)
    assert (result['min'], result['max'], result['histogram'], result['top']) == (None, None, None, [])
    assert of([], 'integer')['min'] is None and of(['', 'NA'], 'integer')['histogram'] is None


def test_a_text_column_has_top_values_and_no_range(engine):
    result = engine(column('b', 'a', 'b', '10', 'b'), 'x')
    assert result['type'] == 'text'
    assert (result['min'], result['max'], result['histogram']) == (None, None, None)
    assert result['top'][0] == {'value': 'b', 'count': 3}


def test_one_value_makes_one_bin():
    result = of(['4.20', '4.20'], 'number')
    assert (result['min'], result['max']) == ('4.20', '4.20')
    assert result['histogram'] == {'edges': ['4.20', '4.21'], 'counts': [2]}


def test_numbers_written_with_an_exponent_keep_their_cells():
    result = of(['1e3', '2.5E4', '0.5'], 'number')
    assert (result['min'], result['max']) == ('0.5', '2.5E4')
    assert in_bins(result, 3) and result['histogram']['edges'][0] == '0'


async def test_the_dialog_writes_counts_with_thousands_separators(user: User):
    @ui.page('/profile-dialog')
    def page() -> None:
        result = of(['12.50'] * 1500 + ['7.25'] * 20, 'number')
        show_profile({**result, 'column': 'price', 'version': 1})

    await user.open('/profile-dialog')
    await user.should_see('1,520')  # rows
    assert user.find(ui.table).elements.pop().rows[0] == {'value': '12.50', 'count': '1,500'}  # the top value's count
    await user.should_see('7.25')   # min and max as written
    await user.should_see('12.50')
    chart = user.find(ui.echart).elements.pop()
    assert chart.options['xAxis']['data'][:2] == ['7.00', '7.50']  # bins of 0.50 from a round start
    assert "toLocaleString('en-US')" in chart.options['yAxis']['axisLabel'][':formatter']


def test_dates_over_months_or_years_are_binned_by_the_calendar():
    year = of([f'2025-{m:02d}-{d:02d}' for m in range(1, 13) for d in (1, 15, 28)], 'date')
    assert year['histogram']['edges'] == [f'2025-{m:02d}-01' for m in range(1, 13)] + ['2026-01-01']
    assert year['histogram']['counts'] == [3] * 12  # December is a whole bar, not five days of a 30-day run
    times = of(['2020-01-01T10:00:01', '2024-01-01T10:00:03'], 'datetime')
    assert times['histogram']['edges'][:2] == ['2020-01-01T00:00:00', '2020-04-01T00:00:00']  # quarters
    wide = of(['0001-01-01', '9999-12-31'], 'date')  # the calendar's ends make no error and no year -30
    assert wide['histogram']['edges'][0] == '0001-01-01' and in_bins(wide, 2)
    micro = of(['2024-01-01T10:00:01.123456', '2024-01-01T10:00:01.123459'], 'datetime')
    assert micro['histogram']['edges'][0] == '2024-01-01T10:00:01.123456'
