"""The dialect of a file: its delimiter and where its table starts (reading rule 4).

Rule 4, as issue #12 rewrote it after files from other people's bug reports
became one column:

- leading empty lines are skipped;
- an Excel ``sep=X`` first line names the delimiter and is dropped;
- otherwise the first 100 non-empty records are read with each candidate
  (tab, comma, semicolon, pipe) by the quoting rule, and the candidate that
  splits the most records into the same number (> 1) of fields wins, ties
  going to more fields, then to tab, comma, semicolon, pipe; except that tab
  wins every tie it is in: commas inside the cells of a TSV file ("Smith,
  John" in every row) are common, tabs inside CSV cells are not, and our own
  TSV downloads must read back as they were written. A candidate must
  agree on at least half of the sample, so one ragged row or a trailing
  delimiter on every row does not make a delimited file one column, and
  prose with a comma here and there stays prose;
- title lines before the table (``Quarterly report``, ``Exported on ...``:
  lines with one field while the table has several) are skipped and quoted
  in the warnings;
- a file that stays one column although a candidate appears on most of its
  lines says so.

Python's ``csv.Sniffer`` was tried first: it gives up (or picks a letter as
the delimiter) on exactly these files, and has no notion of title lines.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .errors import BadParameter
from .read_options import ReadOptions
from .records import parse_rows

CANDIDATES = ('\t', ',', ';', '|')   # in order of preference when they tie
SAMPLE_RECORDS = 100
MAX_TITLE_LINES = 10
SEP_LINE = re.compile(rb'(?i)sep=(.)[ \t]*(\r\n|\r|\n|$)')
NAMES = {'\t': 'tab', ',': 'comma', ';': 'semicolon', '|': 'pipe', ' ': 'space'}
LINE_BREAK = re.compile(rb'\r\n|\r|\n')


@dataclass
class Dialect:
    """How to read the table: ``delimiter`` ('' for one column) and ``start``, the byte offset of its header."""

    delimiter: str
    start: int = 0
    empty_lines: int = 0                     # empty lines skipped before the header
    notes: list[str] = field(default_factory=list)


def sniff(head: bytes, complete: bool, options: ReadOptions = ReadOptions()) -> Dialect:
    """Decide the dialect from the first bytes of a UTF-8 file (``complete``: they are the whole file).

    What ``options`` names is taken as given: a delimiter is not guessed, and
    a header row puts the table's start on that line, whatever is above it.
    Raises BadParameter when the header row is beyond the sniffed bytes.
    """
    if options.header_row is not None:
        return _from_header_row(head, complete, options)
    pos, empty = _skip_empty_lines(head)
    sep = SEP_LINE.match(head, pos)
    if sep and sep.group(1) not in (b'\r', b'\n'):
        delimiter = sep.group(1).decode('latin-1')
        if options.delimiter is not None and options.delimiter != delimiter:
            note = (f'The first line "sep={delimiter}" was not read as a row; the delimiter is '
                    f'{_name(options.delimiter)}, as asked.')
            start, more = _skip_empty_lines(head, sep.end())
            return Dialect(options.delimiter, start, empty + more, [note])
        note = f'The first line "sep={delimiter}" names the delimiter ({NAMES.get(delimiter, repr(delimiter))}); ' \
               'it was not read as a row.'
        start, more = _skip_empty_lines(head, sep.end())
        return Dialect(delimiter, start, empty + more, [note])
    if options.delimiter is not None:
        return _given_delimiter(head, pos, complete, Dialect(options.delimiter, pos, empty))
    best, near_miss = _best_candidate(head, pos, complete)
    if best is None:
        notes = [f'Read as one column: a {NAMES[near_miss]} splits most lines, but not into the same number '
                 'of fields, so it was not taken as the delimiter.'] if near_miss else []
        return Dialect('', pos, empty, notes)
    delimiter, fields = best
    return _skip_title_lines(head, pos, complete, Dialect(delimiter, pos, empty), fields)


def _name(delimiter: str) -> str:
    return NAMES.get(delimiter, f'"{delimiter}"') if delimiter else 'none (one column)'


def _given_delimiter(head: bytes, pos: int, complete: bool, dialect: Dialect) -> Dialect:
    """A delimiter the person named: only the title lines above the table are still found."""
    if not dialect.delimiter:
        return dialect
    tally = Counter(n for n in _sample(head, pos, complete, dialect.delimiter) if n > 1)
    if not tally:
        return dialect
    fields = max(tally.items(), key=lambda item: (item[1], item[0]))[0]
    return _skip_title_lines(head, pos, complete, dialect, fields)


def _from_header_row(head: bytes, complete: bool, options: ReadOptions) -> Dialect:
    """The header is on line ``options.header_row`` of the file (counted as an editor counts them)."""
    row = options.header_row
    assert row is not None
    pos = 0
    for _ in range(row - 1):
        brk = LINE_BREAK.search(head, pos)
        if brk is None:
            where = 'The file has' if complete else 'The first megabyte of the file has'
            raise BadParameter(f'{where} fewer than {row:,} lines; line {row:,} cannot be the header.')
        pos = brk.end()
    if pos >= len(head) and complete:
        raise BadParameter(f'Line {row:,} is past the end of the file; it cannot be the header.')
    notes = [] if row == 1 else [f'Line {row:,} was read as the header, as asked; '
                                 f'{_count_lines(row - 1)} above it {"was" if row == 2 else "were"} skipped.']
    if options.delimiter is not None:
        return Dialect(options.delimiter, pos, 0, notes)
    best, _ = _best_candidate(head, pos, complete)
    return Dialect(best[0] if best else '', pos, 0, notes)


def _count_lines(n: int) -> str:
    return 'the line' if n == 1 else f'the {n:,} lines'


def _skip_empty_lines(head: bytes, pos: int = 0) -> tuple[int, int]:
    count = 0
    while pos < len(head) and head[pos] in (0x0A, 0x0D):
        pos += 2 if head[pos:pos + 2] == b'\r\n' else 1
        count += 1
    return pos, count


def _sample(head: bytes, pos: int, complete: bool, delimiter: str) -> list[int]:
    """Field counts of the first records read with ``delimiter`` by the quoting rule."""
    found = parse_rows(head, pos, len(head), len(head), delimiter.encode(), complete, max_rows=SAMPLE_RECORDS)
    return [len(row) for row in found.rows]


def _best_candidate(head: bytes, pos: int, complete: bool) -> tuple[tuple[str, int] | None, str | None]:
    """(delimiter, fields) of the candidate that splits most records alike, or None; and a near miss.

    A near miss splits most records into more than one field, but into
    different numbers of them: the file stays one column, with a note.
    """
    best: tuple[int, bool, int, int] | None = None
    choice, near_miss = None, None
    for rank, delimiter in enumerate(CANDIDATES):
        counts = _sample(head, pos, complete, delimiter)
        tally = Counter(n for n in counts if n > 1)
        if not tally:
            continue
        fields, agree = max(tally.items(), key=lambda item: (item[1], item[0]))
        if 2 * agree < len(counts):
            if near_miss is None and 2 * sum(tally.values()) > len(counts):
                near_miss = delimiter
            continue
        score = (agree, delimiter == '\t', fields, -rank)
        if best is None or score > best:
            best, choice = score, (delimiter, fields)
    return choice, near_miss


def _skip_title_lines(head: bytes, pos: int, complete: bool, dialect: Dialect, fields: int) -> Dialect:
    """Lines of one field before records of ``fields`` fields are a title, not the header."""
    found = parse_rows(head, pos, len(head), len(head), dialect.delimiter.encode(), complete,
                       max_rows=MAX_TITLE_LINES + 1)
    titles = 0
    for row in found.rows:
        if len(row) != 1 or fields < 2:
            break
        titles += 1
    if not titles or titles == len(found.rows):
        return dialect
    cut = parse_rows(head, pos, len(head), len(head), dialect.delimiter.encode(), complete, max_rows=titles)
    start, more = _skip_empty_lines(head, cut.end)
    quoted = '; '.join(f'"{row[0].decode("utf-8", "replace")[:60]}"' for row in cut.rows)
    what = 'The first line' if titles == 1 else f'The first {titles} lines'
    verb = 'was' if titles == 1 else 'were'
    dialect.notes.append(f'{what} ({quoted}) {verb} skipped as a title above the table.')
    dialect.start = start
    dialect.empty_lines += cut.empty_lines + more
    return dialect
