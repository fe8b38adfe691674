"""The dialect of a file: its delimiter and where its table starts (reading rule 4).

Rule 4, as issue #12 rewrote it after files from other people's bug reports
became one column:

- leading empty lines are skipped;
- an Excel ``sep=X`` first line names the delimiter and is dropped;
- otherwise the first 100 non-empty records are read with each candidate
  (tab, comma, semicolon, pipe) by the quoting rule. A candidate takes part
  when its most common field count (> 1) covers at least half the records,
  or when it splits most records at all (ragged rows, comment lines between
  rows: a spreadsheet splits those too); prose with a comma here and there
  stays prose. The candidate with the largest share of records alike wins
  (a share, not a count: a wrong candidate reads quoted line breaks as
  extra records), then the most records alike, then tab, then more fields,
  then comma, semicolon, pipe. Tab wins every tie it is in: commas inside the
  cells of a TSV file ("Smith, John" in every row) are common, tabs inside
  CSV cells are not, and our own TSV downloads must read back as they were
  written;
- title lines before the table (``Quarterly report``, ``Exported on ...``:
  lines with one field while the table has several) are skipped and quoted
  in the warnings, as long as a header and a row remain;
- a file that stays one column although a candidate is on most of its
  lines (inside quoted cells) says so;
- backslash-escaped quotes (``\\"``) are read as quotes when the sample
  reads better that way and holds no backslash escape outside a quoted
  field (see ``escapes`` and ``sniff``); ``?escape=on|off`` decides instead.

Python's ``csv.Sniffer`` was tried first: it gives up (or picks a letter as
the delimiter) on exactly these files, and has no notion of title lines.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..errors import BadParameter
from .escapes import unescape
from .read_options import ReadOptions
from .records import Rows, parse_rows

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
    escape: bool = False                     # quotes are escaped as \" (see ``escapes``)


def sniff(head: bytes, complete: bool, options: ReadOptions = ReadOptions()) -> Dialect:
    """Decide the dialect from the first bytes of a UTF-8 file (``complete``: they are the whole file).

    What ``options`` names is taken as given: a delimiter is not guessed, and
    a header row puts the table's start on that line, whatever is above it.
    Raises BadParameter when the header row is beyond the sniffed bytes.

    Backslash-escaped quotes (``\\"``) are read as quotes when the sample
    reads better that way (``_Sample.fit``): a file that uses them
    "consistently" reads a larger share of records alike, or as large a share
    with fewer quotes that never close; a Windows path ending in a backslash before its closing
    quote (``"C:\\temp\\"``) reads worse, and stays as it was.
    """
    plain = _Sample(head, complete, escape=False)
    dialect = plain.dialect(options)
    if options.escape is False or (options.escape is None and b'\\"' not in head):
        return dialect
    escaped = _Sample(head, complete, escape=True)
    other = escaped.dialect(options)
    if options.escape:
        other.escape = True
        return other
    # both judged from the same line: title lines skipped under one reading must not hide its bad records
    pos = dialect.start if options.header_row is not None else _skip_empty_lines(head)[0]
    if other.delimiter and escaped.fit(other, pos) > plain.fit(dialect, pos) and not escaped.loose(other, pos):
        other.escape = True
        return other
    return dialect


def _name(delimiter: str) -> str:
    return NAMES.get(delimiter, f'"{delimiter}"') if delimiter else 'none (one column)'


def _count_lines(n: int) -> str:
    return 'the line' if n == 1 else f'the {n:,} lines'


def _skip_empty_lines(head: bytes, pos: int = 0) -> tuple[int, int]:
    count = 0
    while pos < len(head) and head[pos] in (0x0A, 0x0D):
        pos += 2 if head[pos:pos + 2] == b'\r\n' else 1
        count += 1
    return pos, count


class _Sample:
    """The sniffed bytes, read by the quoting rule with or without backslash escapes."""

    def __init__(self, head: bytes, complete: bool, escape: bool) -> None:
        self.head, self.complete, self.escape = head, complete, escape

    def rows(self, pos: int, delimiter: str, max_rows: int = SAMPLE_RECORDS) -> Rows:
        return parse_rows(self.head, pos, len(self.head), len(self.head), delimiter.encode(), self.complete,
                          max_rows=max_rows, escape=self.escape)

    def counts(self, pos: int, delimiter: str) -> list[int]:
        """Field counts of the first records read with ``delimiter``."""
        return [len(row) for row in self.rows(pos, delimiter).rows]

    def fit(self, dialect: Dialect, pos: int) -> tuple[float, int]:
        """How well the sample from ``pos`` reads with ``dialect``'s delimiter: the share of records alike,
        then fewer quotes that do not close."""
        found = self.rows(pos, dialect.delimiter)
        alike = max(Counter(map(len, found.rows)).values()) / len(found.rows) if found.rows else 0.0
        return alike, -found.literal_quotes

    def loose(self, dialect: Dialect, pos: int) -> bool:
        """Backslash escapes outside quoted fields (``12\\" wide``): reading the file with escapes would
        change those cells too (``escapes.Unescaping`` reads the whole file), so they rule escapes out."""
        found = self.rows(pos, dialect.delimiter)
        return unescape(self.head[pos:found.end])[1] > found.escapes

    def dialect(self, options: ReadOptions) -> Dialect:
        if options.header_row is not None:
            return self.from_header_row(options)
        head = self.head
        pos, empty = _skip_empty_lines(head)
        sep = SEP_LINE.match(head, pos)
        if sep and sep.group(1) not in (b'\r', b'\n'):
            delimiter = sep.group(1).decode('latin-1')
            start, more = _skip_empty_lines(head, sep.end())
            if options.delimiter is not None and options.delimiter != delimiter:
                note = (f'The first line "sep={delimiter}" was not read as a row; the delimiter is '
                        f'{_name(options.delimiter)}, as asked.')
                return Dialect(options.delimiter, start, empty + more, [note])
            note = f'The first line "sep={delimiter}" names the delimiter ({_name(delimiter)}); ' \
                   'it was not read as a row.'
            return Dialect(delimiter, start, empty + more, [note])
        if options.delimiter is not None:
            return self.given_delimiter(Dialect(options.delimiter, pos, empty))
        best, hiding = self.best_candidate(pos)
        if best is None:
            notes = [f'Read as one column: a {NAMES[hiding]} is on most lines, but it does not split them '
                     'into the same fields (or is inside quoted cells), so it was not taken as the delimiter; '
                     '"Read differently" can split on it.'] if hiding else []
            return Dialect('', pos, empty, notes)
        delimiter, fields = best
        return self.skip_title_lines(Dialect(delimiter, pos, empty), fields)

    def given_delimiter(self, dialect: Dialect) -> Dialect:
        """A delimiter the person named: only the title lines above the table are still found."""
        if not dialect.delimiter:
            return dialect
        tally = Counter(n for n in self.counts(dialect.start, dialect.delimiter) if n > 1)
        if not tally:
            return dialect
        fields = max(tally.items(), key=lambda item: (item[1], item[0]))[0]
        return self.skip_title_lines(dialect, fields)

    def from_header_row(self, options: ReadOptions) -> Dialect:
        """The header is on line ``options.header_row`` of the file (counted as an editor counts them)."""
        row = options.header_row
        assert row is not None
        pos = 0
        for _ in range(row - 1):
            brk = LINE_BREAK.search(self.head, pos)
            if brk is None:
                where = 'The file has' if self.complete else 'The first megabyte of the file has'
                raise BadParameter(f'{where} fewer than {row:,} lines; line {row:,} cannot be the header.')
            pos = brk.end()
        if pos >= len(self.head) and self.complete:
            raise BadParameter(f'Line {row:,} is past the end of the file; it cannot be the header.')
        notes = [] if row == 1 else [f'Line {row:,} was read as the header, as asked; '
                                     f'{_count_lines(row - 1)} above it {"was" if row == 2 else "were"} skipped.']
        if options.delimiter is not None:
            return Dialect(options.delimiter, pos, 0, notes)
        best, _ = self.best_candidate(pos)
        return Dialect(best[0] if best else '', pos, 0, notes)

    def best_candidate(self, pos: int) -> tuple[tuple[str, int] | None, str | None]:
        """(delimiter, fields) of the candidate that reads the sample best, or None; and a candidate in hiding.

        A candidate takes part when its most common field count (> 1) covers
        half the records, or when it splits most records at all, the first
        (the header) among them (ragged rows, comment lines: a spreadsheet
        splits them too; prose whose first line has no comma stays prose). The largest share of
        records alike wins. A candidate in hiding is on most lines but splits
        none of them (it is inside quoted cells): the file stays one column,
        with a note.
        """
        best: tuple[float, int, bool, int, int] | None = None
        choice = None
        for rank, delimiter in enumerate(CANDIDATES):
            counts = self.counts(pos, delimiter)
            tally = Counter(n for n in counts if n > 1)
            if not tally:
                continue
            fields, agree = max(tally.items(), key=lambda item: (item[1], item[0]))
            ragged = 2 * sum(tally.values()) > len(counts) and counts[0] > 1  # the header splits too
            if 2 * agree < len(counts) and not ragged:
                continue
            # the share first: a wrong candidate can split quoted line breaks into extra records
            score = (agree / len(counts), agree, delimiter == '\t', fields, -rank)
            if best is None or score > best:
                best, choice = score, (delimiter, fields)
        return choice, None if choice else self.hiding(pos)

    def hiding(self, pos: int) -> str | None:
        """A candidate on most of the sample's lines, for the note on a one-column file."""
        lines = [line for line in LINE_BREAK.split(self.head[pos:], SAMPLE_RECORDS) if line][:SAMPLE_RECORDS]
        for delimiter in CANDIDATES:
            if lines and 2 * sum(1 for line in lines if delimiter.encode() in line) > len(lines):
                return delimiter
        return None

    def skip_title_lines(self, dialect: Dialect, fields: int) -> Dialect:
        """Lines of one field before records of ``fields`` fields are a title, not the header."""
        found = self.rows(dialect.start, dialect.delimiter, MAX_TITLE_LINES + 1)
        titles = 0
        for row in found.rows:
            if len(row) != 1 or fields < 2:
                break
            titles += 1
        if not titles or len(found.rows) - titles < 2:
            return dialect  # a table is a header and at least one row: what would be left is not one
        cut = self.rows(dialect.start, dialect.delimiter, titles)
        start, more = _skip_empty_lines(self.head, cut.end)
        quoted = '; '.join(f'"{row[0].decode("utf-8", "replace")[:60]}"' for row in cut.rows)
        what = 'The first line' if titles == 1 else f'The first {titles} lines'
        verb = 'was' if titles == 1 else 'were'
        dialect.notes.append(f'{what} ({quoted}) {verb} skipped as a title above the table.')
        dialect.start = start
        dialect.empty_lines += cut.empty_lines + more
        return dialect
