"""A view of a table as a link spells it (issue #14): what ``/t/<id>?...`` opens, the address bar shows and
follow mode shares.

No elements here: the parsing and spelling of a view, apart from the table that shows it
(components/table_view.py), so that both can be read, and tested, on their own.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from components.filter_menu import filter_problem
from tsvcore import MAX_LIMIT, BadParameter, PageRequest
from tsvcore.queries import filters as filter_rules
from tsvcore.queries.filters import Filter
from tsvcore.reading.types import DATE, DATETIME, DECIMAL_COMMA, INTEGER, NUMBER

DEFAULT_ROWS = PageRequest().limit  # the engine's default page: the one read once for everyone after a replacement

# What a filter's bound must be, for a notice that it was not ("price__gt=cheap (not a number)").
KIND_WORDS = {INTEGER: 'a whole number', NUMBER: 'a number', DECIMAL_COMMA: 'a number like 1,5', DATE: 'a date',
              DATETIME: 'a date and time'}
# the page's own parameters, not the view's: the address keeps them as they are (diff, kind, key: the diff view's)
RESERVED = ('version', 'row', 'diff', 'kind', 'key')
def filter_order(test: Filter) -> tuple[str, str, str]:
    return test.column, test.op, test.value  # the engine's order (filters.parse): one view, one cache key


@dataclass(frozen=True)
class ViewState:
    """A view of a table as a link spells it: what ``/t/<id>?...`` opens, the address bar shows and follow
    mode shares.

    The API's own spelling (web/api.py), so the same query string on
    ``/api/tables/<id>`` gives the same rows: ``sort``, ``desc``, ``q``,
    ``COLUMN__OP=VALUE``, ``offset`` and ``limit``; plus ``hide``, the columns
    out of sight, which only the page reads. Only what differs from the
    default is written.
    """

    page: int = 1
    rows_per_page: int = DEFAULT_ROWS
    sort: str | None = None          # a column name
    desc: bool = False
    q: str = ''
    filters: tuple[Filter, ...] = ()
    hidden: tuple[str, ...] = ()     # column names, in the table's order

    def params(self) -> list[tuple[str, str]]:
        params: list[tuple[str, str]] = []
        if self.sort is not None:
            params.append(('sort', self.sort))
            if self.desc:
                params.append(('desc', 'true'))
        if self.q:
            params.append(('q', self.q))
        params.extend(test.param for test in self.filters)
        offset = (self.page - 1) * self.rows_per_page
        if offset:
            params.append(('offset', str(offset)))
        if self.rows_per_page != DEFAULT_ROWS:
            params.append(('limit', str(self.rows_per_page)))
        plain = [name for name in self.hidden if ',' not in name]
        if plain:
            params.append(('hide', ','.join(plain)))
        params.extend(('hide', name) for name in self.hidden if ',' in name)  # a name with a comma stands alone
        return params

    def query(self) -> str:
        """The query string, without ``?``."""
        return urlencode(self.params(), safe=',')  # city__in=Oslo,Lima reads as it is written

    def as_dict(self) -> dict:
        """Plain JSON, for follow mode (it may travel through Redis to another instance)."""
        return {'rows_per_page': self.rows_per_page, 'page': self.page, 'sort': self.sort, 'desc': self.desc,
                'q': self.q, 'filters': [[f.column, f.op, f.value] for f in self.filters],
                'hidden': list(self.hidden)}

    @classmethod
    def from_dict(cls, state: dict, meta: dict) -> ViewState:
        """Another viewer's view (follow mode), keeping what this version's columns allow."""
        columns = {c['name']: c for c in meta['columns']}
        sort = state.get('sort') if state.get('sort') in columns else None
        tests = []
        for item in state.get('filters') or ():
            if isinstance(item, (list, tuple)) and len(item) == 3 and item[0] in columns:
                test = Filter(*(str(part) for part in item))
                if filter_problem(columns[test.column], test) is None:
                    tests.append(test)
        hidden = set(state.get('hidden') or ())
        return cls(page=max(1, int(state.get('page') or 1)),
                   rows_per_page=min(max(1, int(state.get('rows_per_page') or DEFAULT_ROWS)), MAX_LIMIT),
                   sort=sort, desc=bool(state.get('desc')) and sort is not None, q=str(state.get('q') or ''),
                   filters=tuple(sorted(set(tests), key=filter_order)),
                   hidden=tuple(name for name in columns if name in hidden))

    @classmethod
    def from_params(cls, params: Iterable[tuple[str, str]], meta: dict) -> tuple[ViewState, list[str]]:
        """The view a link asks for, and a short note for each part of it that was left out (in the link's order).

        A bad part never breaks the page: the rest of the view is shown. ``version`` and
        ``row`` belong to the page (TableScreen) and are left alone.
        """
        columns = {c['name']: c for c in meta['columns']}
        notes: list[tuple[int, str]] = []   # (where in the link, what was left out and why)
        found: dict[str, tuple[int, str]] = {}
        tests: list[Filter] = []
        hidden: set[str] = set()
        for at, (key, value) in enumerate(params):
            shown = f'{key}={value}'[:80]
            if key in RESERVED:
                continue
            if '__' in key:
                try:
                    (test,) = filter_rules.parse([(key, value)], meta)
                except BadParameter:
                    column = key.rsplit('__', 1)[0]
                    notes.append((at, f"{shown} ({'no such filter' if column in columns else 'no such column'})"))
                    continue
                if filter_problem(columns[test.column], test) is None:
                    tests.append(test)
                else:
                    kind = columns[test.column]['type']
                    notes.append((at, f"{shown} (not {KIND_WORDS.get(kind, 'a ' + kind)})" if test.op != 'in'
                                  else f'{shown} (not a JSON array)'))
            elif key == 'hide':
                names = [value] if value in columns else [name for name in value.split(',') if name]
                unknown = [name for name in names if name not in columns]
                hidden.update(name for name in names if name in columns)
                if unknown:
                    notes.append((at, f'hide={", ".join(unknown)[:60]} (no such column)'))
            elif key in ('sort', 'desc', 'q', 'offset', 'limit'):
                found[key] = (at, value)
            else:
                notes.append((at, f'{shown} (not a part of a view)'))

        def note(key: str, text: str) -> None:
            notes.append((found[key][0], text))
        if hidden and len(hidden) == len(columns):  # a view of no columns at all shows nothing to undo it with
            notes.append((1 << 30, 'hide (every column: they are all shown)'))  # said last
            hidden = set()
        sort = found.get('sort', (0, ''))[1] or None
        if sort is not None and sort not in columns:
            note('sort', f'sort={sort[:60]} (no such column)')
            sort = None
        desc = found.get('desc', (0, ''))[1].lower()
        if desc not in ('', '0', 'false', 'no', '1', 'true', 'yes'):
            note('desc', f'desc={desc[:20]} (true or false)')
        limit = _whole(found.get('limit', (0, ''))[1], DEFAULT_ROWS, 'limit', note)
        if not 1 <= limit <= MAX_LIMIT:
            note('limit', f'limit={limit} (between 1 and {MAX_LIMIT:,})')
            limit = min(max(limit, 1), MAX_LIMIT)
        offset = _whole(found.get('offset', (0, ''))[1], 0, 'offset', note)
        if offset < 0:
            note('offset', f'offset={offset} (0 or more)')
            offset = 0
        elif offset % limit:
            note('offset', f'offset={offset} (shown from the start of its page, row {offset // limit * limit + 1:,})')
        view = cls(page=offset // limit + 1, rows_per_page=limit, sort=sort,
                   desc=desc in ('1', 'true', 'yes') and sort is not None, q=found.get('q', (0, ''))[1],
                   filters=tuple(sorted(set(tests), key=filter_order)),
                   hidden=tuple(name for name in columns if name in hidden))
        return view, [text for _, text in sorted(notes, key=lambda n: n[0])]


def _whole(raw: str, default: int, name: str, note: Callable[[str, str], None]) -> int:
    """``raw`` as a whole number; ``default`` (and a note) when it is none."""
    if raw.strip() == '':
        return default
    try:
        return int(raw)
    except ValueError:
        note(name, f'{name}={raw[:20]} (a whole number)')
        return default
