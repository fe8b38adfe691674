"""One column's filter panel: its values with their counts, a from/to range, empty or not, contains.

The panel is a small dialog made when a header's filter button is pressed
and deleted when it closes: NiceGUI keeps every element of every open tab
on the server, and most viewers never filter. It builds filters in the
API's own spelling (``tsvcore.queries.filters.Filter``), so what the panel
shows is what a link or an API call says.

A dialog rather than a menu anchored to the button: the button lives in the
header's slot template, which NiceGUI mounts afresh whenever anything on the
page changes, so a menu anchored to it would lose its anchor.
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from inspect import isawaitable
from typing import Any

import pyarrow as pa
from nicegui import background_tasks, ui
from nicegui.elements.mixins.value_element import ValueElement

from tsvcore import BadParameter, TsvError
from tsvcore.queries import filters as filter_rules
from tsvcore.queries.filters import Filter
from tsvcore.reading.types import DATE, DATETIME, DECIMAL_COMMA, INTEGER, NUMBER, TEXT

RANGED = (INTEGER, NUMBER, DECIMAL_COMMA, DATE, DATETIME)  # types with an order worth a from/to
PANEL_OPS = ('exact', 'in', 'gte', 'lte', 'isblank', 'notblank', 'contains')  # what the panel edits
SHOWN_VALUES = 200  # values listed at once (the search box finds the others: on the server when not all were fetched)
EMPTY_LABEL = '(empty)'

# Sent once for every page with the table's own style (components/table_view.py), not per panel.
STYLE = '''
.tsv-filter-panel { width: 24rem; max-width: 100%; }
.tsv-filter-panel .tsv-facets { max-height: 15rem; overflow-y: auto; border: 1px solid rgba(127, 127, 127, .3);
  border-radius: 4px; padding: .15rem .25rem; }
.tsv-filter-panel .tsv-facets .q-option-group { margin: 0; }
.tsv-filter-panel .tsv-facets .q-option-group > div { margin: 0; padding: 0; }
.tsv-filter-panel .tsv-facets .q-checkbox { width: 100%; }
.tsv-filter-panel .tsv-facets .q-checkbox__label { flex: 1 1 auto; min-width: 0; display: flex; gap: .75rem; }
.tsv-facet-value { flex: 1 1 auto; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.tsv-facet-value--empty { font-style: italic; opacity: .7; }
.tsv-facet-count { flex: none; opacity: .6; font-variant-numeric: tabular-nums; }
'''
FACET_LABEL = r'''
<span class="tsv-facet-value" :class="props.empty ? 'tsv-facet-value--empty' : null"
      :title="props.label">{{ props.label }}</span>
<span class="tsv-facet-count">{{ props.count === null ? '' : props.count.toLocaleString('en-US') }}</span>
'''


def filter_problem(column: dict, test: Filter) -> str | None:
    """Why ``test`` cannot run on ``column`` (a sentence), or None when it can.

    The engine checks a bound against the column's type only when it computes
    a page; trying it on one empty cell finds a bad one at once, without the data.
    """
    if test.column != column['name'] or test.op not in filter_rules.OPERATORS:
        return f'"{test.column}__{test.op}" is not a filter on this column.'
    try:
        filter_rules.mask(pa.table({'cell': pa.array([''], pa.string())}), {'columns': [column]}, test)
    except BadParameter as refused:
        return refused.message
    return None


def in_values(raw: str) -> list[str]:
    """The values of an ``in`` filter as the engine reads them (``filters.in_values``); one value, the text as
    it is, where that is no JSON array (the engine refuses it; the panel shows it to untick)."""
    try:
        return filter_rules.in_values(raw)
    except BadParameter:
        return [raw]


def values_filter(column: str, values: list[str]) -> Filter | None:
    """Ticked values as one filter: ``exact`` for one, ``in`` for several (commas when they read back
    the same, else a JSON array)."""
    if not values:
        return None
    if len(values) == 1:
        return Filter(column, 'exact', values[0])
    plain = not any(',' in v for v in values) and not values[0].lstrip().startswith('[')
    return Filter(column, 'in', ','.join(values) if plain else json.dumps(values, ensure_ascii=False))


def blank_wanted(test: Filter) -> bool:
    """``isblank=0`` asks for the cells that are not blank: the value says whether the test holds."""
    return test.value.strip().lower() not in ('0', 'false', 'no')


class ValueChecklist(ValueElement):
    """Quasar's group of checkboxes as one element: a ui.checkbox per value would be a hundred elements."""

    def __init__(self, options: list[dict], value: list[str]) -> None:
        super().__init__(tag='q-option-group', value=value)
        self._props.update({'type': 'checkbox', 'dense': True, 'options': options})
        self.add_slot('label', FACET_LABEL)

    def show(self, options: list[dict]) -> None:
        self._props['options'] = options
        self.update()


class FilterPanel:
    """The filters of one column, chosen in a dialog; ``on_apply`` gets the column's new filters (maybe none).

    ``facets(search)`` answers the engine's value counts for this column in the
    viewer's view (its search and the other columns' filters), off the event
    loop; with ``search``, only the values containing it. The first answer
    holds the 1,000 most frequent values; when a column has more, what is typed
    into "Search values" is looked up among all of them.
    Filters on the column that the panel does not edit (``startswith``,
    ``not``, ``gt``...: from a link) are kept as they are.
    """

    def __init__(self, column: dict, current: tuple[Filter, ...],
                 facets: Callable[[str], Awaitable[dict]],
                 on_apply: Callable[[tuple[Filter, ...]], Any]) -> None:
        self.column = column
        self.name, self.kind = column['name'], column['type']
        self.current = tuple(f for f in current if f.column == self.name)
        self._facets, self._on_apply = facets, on_apply
        self.values: list[dict] = []      # every value fetched, most frequent first
        self.truncated = False            # the column has more values than were fetched
        self.found: dict[str, list[dict]] = {}  # what the server found for a search, when truncated
        self.ticked: list[str] = []
        for test in self.current:
            if test.op == 'exact':
                self.ticked.append(test.value)
            elif test.op == 'in':
                self.ticked.extend(in_values(test.value))
        with ui.dialog() as self.dialog, ui.card().classes('tsv-filter-panel gap-2').props('data-tsv-filter-panel'):
            self._build()
        self.dialog.on_value_change(lambda e: None if e.value else self.dialog.delete())  # made per use, not kept
        self.dialog.open()
        background_tasks.create(self._load_values(), name='facets')

    def _find(self, op: str) -> str:
        return next((f.value for f in self.current if f.op == op), '')

    def _build(self) -> None:
        with ui.row().classes('w-full items-center no-wrap gap-2'):
            ui.icon('filter_alt').classes('opacity-70')
            title = ui.label(f'Filter {self.name}').classes('text-base font-medium ellipsis')
            title.props['title'] = self.name
            ui.button(icon='close', on_click=self.dialog.close).props('flat round dense aria-label=Close') \
                .classes('ml-auto')
        self.search = ui.input(placeholder='Search values').props('dense outlined clearable debounce=200') \
            .classes('w-full tsv-facet-search').mark('tsv-facet-search')
        self.search.on_value_change(self._searched)
        with ui.element('div').classes('w-full tsv-facets'):
            self.checklist = ValueChecklist(self._options(), list(self.ticked))
            self.checklist.on_value_change(self._ticked)
        self.facts = ui.label('Counting values...').classes('text-xs opacity-70 tsv-facet-facts')
        self.low = self.high = self.contains = None
        if self.kind in RANGED:
            with ui.row().classes('w-full no-wrap gap-2'):
                hint = 'e.g. 2024-01-31' if self.kind in (DATE, DATETIME) else ''
                self.low = ui.input('From', value=self._find('gte'), placeholder=hint) \
                    .props('dense outlined clearable').classes('flex-1 tsv-filter-from').mark('tsv-filter-from')
                self.high = ui.input('To', value=self._find('lte'), placeholder=hint) \
                    .props('dense outlined clearable').classes('flex-1 tsv-filter-to').mark('tsv-filter-to')
        if self.kind == TEXT:
            self.contains = ui.input('Contains', value=self._find('contains')) \
                .props('dense outlined clearable').classes('w-full tsv-filter-contains').mark('tsv-filter-contains')
        blank = next((('isblank' if blank_wanted(f) == (f.op == 'isblank') else 'notblank')
                      for f in self.current if f.op in ('isblank', 'notblank')), '')
        self.blank = ui.radio({'': 'Any', 'isblank': 'Is empty', 'notblank': 'Is not empty'}, value=blank) \
            .props('inline dense').classes('tsv-filter-blank').mark('tsv-filter-blank')
        self.problem = ui.label().classes('text-sm text-negative tsv-filter-problem')
        self.problem.set_visibility(False)
        with ui.row().classes('w-full justify-end gap-2'):
            ui.button('Clear', on_click=self.clear).props('flat no-caps').classes('tsv-filter-clear') \
                .mark('tsv-filter-clear')
            ui.button('Apply', icon='check', on_click=self.apply).props('no-caps unelevated color=primary') \
                .classes('tsv-filter-apply').mark('tsv-filter-apply')

    async def _load_values(self) -> None:
        try:
            answer = await self._facets('')
        except TsvError as refused:  # the version went, or the engine refused: say so, keep the panel
            self.facts.text = refused.message
            return
        except OSError:
            self.facts.text = 'The values could not be counted.'
            return
        if self.dialog.is_deleted:
            return
        self.values = answer['values']
        self.truncated = answer['truncated']
        distinct = answer['distinct']
        if answer['truncated']:
            self.facts.text = f'The {len(self.values):,} most frequent of {distinct:,} values'
        else:
            self.facts.text = 'No values' if not distinct else f"{distinct:,} value{'s' if distinct != 1 else ''}"
        self._show_values()

    async def _searched(self) -> None:
        """What is typed: found among the values fetched, or, when those are not all, by the server."""
        typed = (self.search.value or '').strip()
        if self.truncated and typed and typed not in self.found:
            try:
                answer = await self._facets(typed)
            except (TsvError, OSError):
                return
            self.found[typed] = answer['values']
            if (self.search.value or '').strip() != typed:
                return  # typed on meanwhile: that search shows its own
        self._show_values()

    def _options(self) -> list[dict]:
        """The values to list: those the search finds, most frequent first, ticked ones always included."""
        typed = (self.search.value or '').strip().lower()
        pool = self.found.get((self.search.value or '').strip(), self.values)
        shown = [v for v in pool if not typed or typed in (v['value'] or '').lower()][:SHOWN_VALUES]
        listed = {v['value'] for v in shown}
        counted = {v['value']: v['count'] for v in self.values}
        # a ticked value the view no longer holds (or one past those fetched) stays, to be unticked
        extra = [{'value': t, 'count': counted.get(t, 0 if self.values else None)} for t in self.ticked
                 if t not in listed]
        return [{'value': v['value'] or '', 'label': v['value'] or EMPTY_LABEL, 'empty': not v['value'],
                 'count': v['count']} for v in extra + shown]

    def _show_values(self) -> None:
        if not self.dialog.is_deleted:
            self.checklist.show(self._options())

    def _ticked(self, e) -> None:
        self.ticked = list(e.value or [])

    def built(self) -> tuple[Filter, ...] | None:
        """The column's filters as the panel says them now; None (and a sentence shown) when a bound is wrong."""
        made: list[Filter] = [f for f in self.current if f.op not in PANEL_OPS]
        ticked = values_filter(self.name, self.ticked)
        if ticked is not None:
            made.append(ticked)
        for field, op in ((self.low, 'gte'), (self.high, 'lte'), (self.contains, 'contains')):
            text = (field.value or '').strip() if field is not None else ''
            if text:
                made.append(Filter(self.name, op, text))
        if self.blank.value:
            made.append(Filter(self.name, self.blank.value, '1'))
        problems = [p for p in (filter_problem(self.column, f) for f in made) if p]
        if problems:
            self.problem.text = problems[0]
            self.problem.set_visibility(True)
            return None
        return tuple(dict.fromkeys(made))

    async def apply(self) -> None:
        made = self.built()
        if made is None:
            return
        self.dialog.close()
        await self._hand_over(made)

    async def clear(self) -> None:
        self.dialog.close()
        await self._hand_over(())

    async def _hand_over(self, made: tuple[Filter, ...]) -> None:
        result = self._on_apply(made)
        if isawaitable(result):
            await result
