"""Column types: inferred from every non-empty cell, used only to order rows.

Cells stay strings forever (rule 8); a type only decides sort order and
alignment (rules 9 and 10). Inference runs batch by batch while a file is
ingested, so it sees all values without holding the table.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

INTEGER, NUMBER, DATE, DATETIME, BOOLEAN, TEXT = 'integer', 'number', 'date', 'datetime', 'boolean', 'text'
DECIMAL_COMMA = 'decimal comma'   # numbers written 0,99 / 12,50 / 1.234,00 (issue #12)
NUMERIC = {INTEGER, NUMBER, DECIMAL_COMMA}

# Checked in this order; the first type that every non-empty value fits wins.
PATTERNS: dict[str, str] = {
    BOOLEAN: r'(?i)^(true|false)$',
    INTEGER: r'^[+-]?[0-9]+$',
    NUMBER: r'^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$',
    DECIMAL_COMMA: r'^[+-]?([0-9]{1,3}(\.[0-9]{3})+|[0-9]+)(,[0-9]+)?$',
    DATE: r'^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
    DATETIME: r'^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$',
}
ANY_OR_EMPTY = {kind: f'^$|{pattern}' if not pattern.startswith('(?i)') else f'(?i)^$|{pattern[4:]}'
                for kind, pattern in PATTERNS.items()}
BOOLEAN_SPELLINGS = pa.array(['', 'true', 'false', 'TRUE', 'FALSE', 'True', 'False'])
# Cells that say "no value" (issue #12): in a typed column they count as empty
# for the type and sort with the empty cells, last; they still show as written.
MISSING_TOKENS = ('NA', 'N/A', 'n/a', 'NaN', 'NULL', 'null', 'None', '-', '#N/A', '\\N')
MISSING = pa.array(('',) + MISSING_TOKENS)
TOKENS = pa.array(MISSING_TOKENS)
WIDE = 256              # columns from which a batch is checked all at once
WIDE_CELLS = 4_000_000  # ...when it has no more cells than this
TZ_SUFFIX = r'(Z|[+-][0-9]{2}:?[0-9]{2})$'
IMPLIES = {INTEGER: {NUMBER, DECIMAL_COMMA}}
# A decimal comma column must show it is one: "1,234" alone could be a
# thousands separator (one thousand two hundred and thirty-four), so some
# value needs a comma followed by other than three digits, or a dot before
# the comma (1.234,00). Without that evidence the column stays text, as before.
DECIMAL_COMMA_EVIDENCE = r'(,[0-9]{1,2}|,[0-9]{4,}|\.[0-9]{3},[0-9]+)$'


class TypeGuesser:
    """Narrows each column's possible types as batches of cells go by."""

    def __init__(self, width: int) -> None:
        self.candidates: list[set[str]] = [set(PATTERNS) for _ in range(width)]
        self.seen_value = [False] * width
        self.decimal_comma = [False] * width   # evidence seen (DECIMAL_COMMA_EVIDENCE)

    def widen(self, width: int) -> None:
        while len(self.candidates) < width:
            self.candidates.append(set(PATTERNS))
            self.seen_value.append(False)
            self.decimal_comma.append(False)

    def feed(self, columns: list[pa.Array | pa.ChunkedArray]) -> None:
        """Drop the types some value in this batch does not fit (see ``_misfits``).

        Patterns accept the empty string, so no filtering copy is made;
        missing-value tokens are blanked only for a column some type would
        otherwise lose (most typed columns hold none, and looking costs 8 ms
        per million cells).
        """
        if len(columns) >= WIDE and columns and len(columns[0]) * len(columns) <= WIDE_CELLS:
            self._feed_wide(columns)
            return
        for i, column in enumerate(columns):
            candidates = self.candidates[i]
            if not candidates:
                continue
            if not self.seen_value[i]:
                if pc.all(pc.is_in(column, MISSING)).as_py():
                    continue
                self.seen_value[i] = True
            misfits = _misfits(column, candidates)
            if misfits and pc.any(pc.is_in(column, TOKENS)).as_py():
                # typed columns may say "no value" (NA, null...): judged as empty, only where that matters
                misfits = _misfits(pc.if_else(pc.is_in(column, TOKENS), '', column), misfits)
            candidates -= misfits
            if DECIMAL_COMMA in candidates and not self.decimal_comma[i] and pc.any(pc.match_substring(column, ',')).as_py():
                self.decimal_comma[i] = pc.any(pc.match_substring_regex(column, DECIMAL_COMMA_EVIDENCE)).as_py()

    def _feed_wide(self, columns: list[pa.Array | pa.ChunkedArray]) -> None:
        """Many columns of few rows: every cell in one array, each pattern checked once for all of them.

        Per column, the checks above cost a dozen Arrow calls of some
        microseconds each, whatever the rows: 1.6 s for 10,000 columns. Here
        the cost is per cell. The patterns are the definition of each type;
        only dates and datetimes also need a real calendar, checked per
        column for the few columns still in the running.
        """
        width, rows = len(columns), len(columns[0])
        flat = pa.concat_arrays([chunk for column in columns
                                 for chunk in (column.chunks if isinstance(column, pa.ChunkedArray) else [column])])
        missing = pc.is_in(flat, MISSING)
        blank = missing.to_numpy(zero_copy_only=False).reshape(width, rows)
        flat = pc.if_else(missing, '', flat)
        for i, has_value in enumerate(~blank.all(axis=1)):
            self.seen_value[i] = self.seen_value[i] or bool(has_value and self.candidates[i])
        for kind in PATTERNS:
            open_columns = [i for i in range(width) if kind in self.candidates[i]]
            if not open_columns:
                continue
            fits = pc.match_substring_regex(flat, ANY_OR_EMPTY[kind]).to_numpy(zero_copy_only=False)
            fits = fits.reshape(width, rows).all(axis=1)
            for i in open_columns:
                if not fits[i] or (kind in (DATE, DATETIME) and not _fits(pc.if_else(missing.slice(i * rows, rows), '',
                                                                                      columns[i]), kind)):
                    self.candidates[i].discard(kind)
        if any(DECIMAL_COMMA in self.candidates[i] for i in range(width)):
            evidence = pc.match_substring_regex(flat, DECIMAL_COMMA_EVIDENCE).to_numpy(zero_copy_only=False)
            for i, seen in enumerate(evidence.reshape(width, rows).any(axis=1)):
                self.decimal_comma[i] = self.decimal_comma[i] or bool(seen)

    def types(self) -> list[str]:
        result = []
        for candidates, seen, decimal_comma in zip(self.candidates, self.seen_value, self.decimal_comma):
            if not decimal_comma:
                candidates = candidates - {DECIMAL_COMMA}
            kind = next((k for k in PATTERNS if k in candidates), TEXT) if seen else TEXT
            result.append(kind)
        return result


def _misfits(column: pa.Array | pa.ChunkedArray, kinds: set[str]) -> set[str]:
    """The types of ``kinds`` that some value of ``column`` does not fit.

    A small sample rules most types out cheaply; then each type left is
    checked on the whole column, except those implied by one that fits (an
    integer column is a number column too, and a decimal comma one).
    """
    sample = column.slice(0, 256)
    misfits = {kind for kind in kinds if not _fits(sample, kind)}
    implied: set[str] = set()
    for kind in [k for k in PATTERNS if k in kinds and k not in misfits]:
        if kind in implied:
            continue
        if _fits(column, kind):
            implied |= IMPLIES.get(kind, set())
        else:
            misfits.add(kind)
    return misfits


def _fits(values: pa.Array | pa.ChunkedArray, kind: str) -> bool:
    """Every value of ``values`` is empty or of type ``kind``.

    Arrow's kernels are 3-10x faster than its regular expressions (33 ms per
    million cells), so they decide where they agree exactly with the pattern:
    an optional sign and ASCII digits for integers; for numbers, Arrow's float
    cast, which refuses hex (0x1A) and takes nothing the pattern refuses but
    nan and inf, which ``is_finite`` catches. Elsewhere the pattern has the
    last word.
    """
    if kind == INTEGER:
        return _integers(values)
    if kind == NUMBER:
        numbers = _casts(values, pa.float64(), keep=True)
        if numbers is not None and not pc.any(pc.invert(pc.is_finite(numbers))).as_py():
            return True
    elif kind == DATE:
        return _casts(values, pa.date32())  # Arrow takes exactly YYYY-MM-DD, as the rule does
    elif kind == BOOLEAN:
        if pc.all(pc.is_in(values, BOOLEAN_SPELLINGS)).as_py():
            return True
    if not pc.all(pc.match_substring_regex(values, ANY_OR_EMPTY[kind])).as_py():
        return False
    if kind == DATETIME:
        return _parses_as_time(_empty_as_null(values), kind)
    return True


def _integers(values: pa.Array | pa.ChunkedArray) -> bool:
    """Every value is empty or ASCII digits after at most one sign: the integer pattern, without a regex."""
    if pc.all(pc.or_(pc.ascii_is_decimal(values), pc.equal(values, ''))).as_py():
        return True  # no signs, the common case: decided without a copy
    signed = pc.or_(pc.starts_with(values, '-'), pc.starts_with(values, '+'))
    digits = pc.if_else(signed, pc.utf8_slice_codeunits(values, 1), values)
    if pc.any(pc.and_(signed, pc.equal(digits, ''))).as_py():
        return False  # a sign alone
    return pc.all(pc.or_(pc.ascii_is_decimal(digits), pc.equal(values, ''))).as_py()


def _empty_as_null(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    empty = pc.equal(values, '')
    if not pc.any(empty).as_py():
        return values  # no copy when there is nothing to blank out (most typed columns)
    return pc.if_else(empty, pa.scalar(None, pa.string()), values)


def _casts(values: pa.Array | pa.ChunkedArray, to: pa.DataType, keep: bool = False):
    try:
        cast = pc.cast(_empty_as_null(values), to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None if keep else False
    return cast if keep else True


def _parses_as_time(values: pa.Array, kind: str) -> bool:
    """The pattern admits 2024-13-45; a real calendar does not."""
    try:
        time_key(values, kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def time_key(values: pa.Array | pa.ChunkedArray, kind: str) -> pa.Array | pa.ChunkedArray:
    """Dates as date32; datetimes as UTC timestamps (naive ones taken as UTC)."""
    if kind == DATE:
        return pc.cast(values, pa.date32())
    has_tz = pc.match_substring_regex(values, TZ_SUFFIX)
    naive = pc.cast(pc.if_else(has_tz, pa.scalar(None, pa.string()), values), pa.timestamp('us'))
    aware = pc.cast(pc.if_else(has_tz, values, pa.scalar(None, pa.string())), pa.timestamp('us', tz='UTC'))
    return pc.coalesce(naive, pc.cast(aware, pa.timestamp('us')))


def _by_digits(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Integers past 76 digits, exactly: rank them in Python (rare enough that a dense rank is fine)."""
    texts = values.to_pylist()
    ranked = sorted({int(t) for t in texts if t is not None})
    rank = {v: i for i, v in enumerate(ranked)}
    return pa.array([None if t is None else rank[int(t)] for t in texts], pa.int64())


def sort_key(column: pa.ChunkedArray, kind: str) -> pa.ChunkedArray | pa.Array:
    """A typed array whose order is the column's order; empty cells are null.

    Nulls sort last in both directions (rule 10), which is why empties become
    null here rather than a smallest value.
    """
    empty = pc.equal(column, '') if kind == TEXT else pc.is_in(column, MISSING)
    values = pc.if_else(empty, pa.scalar(None, pa.string()), column)
    if kind == INTEGER:
        plain = pc.replace_substring_regex(values, r'^\+', '')
        # The widest cell picks the type: PyArrow 26 casts a string of 39-43 or 77-80 digits to
        # decimal128/256 without an error but to a wrong value, so a cast is never asked to overflow.
        digits = pc.max(pc.utf8_length(pc.replace_substring_regex(plain, r'^-', ''))).as_py() or 0
        for exact, most in ((pa.int64(), 18), (pa.decimal128(38, 0), 38), (pa.decimal256(76, 0), 76)):
            if digits <= most:
                return pc.cast(plain, exact)  # beyond 64 bits: still exact, as a decimal
        return _by_digits(plain)
    if kind == NUMBER:
        return pc.cast(pc.replace_substring_regex(values, r'^\+', ''), pa.float64())
    if kind == DECIMAL_COMMA:  # 1.234,50 -> 1234.50
        plain = pc.replace_substring(pc.replace_substring(values, '.', ''), ',', '.')
        return pc.cast(pc.replace_substring_regex(plain, r'^\+', ''), pa.float64())
    if kind == BOOLEAN:
        return pc.equal(pc.utf8_lower(values), 'true')
    if kind in (DATE, DATETIME):
        return time_key(values, kind)
    # Text orders by the code points of its case-folded form; Arrow's lower-casing
    # is the closest vectorised fold (it differs from casefold() only for ß-like cases).
    return pc.utf8_lower(values)
