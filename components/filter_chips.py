"""The active filters as chips above the table, each removable, and "Clear filters" when there are several.

There are elements only while there are filters: NiceGUI keeps every
element of every open tab on the server, and most views have none.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from tsvcore.queries.filters import Filter

from .filter_menu import EMPTY_LABEL, blank_wanted, in_values

SAYS = {'exact': 'is', 'not': 'is not', 'contains': 'contains', 'notcontains': 'does not contain',
        'startswith': 'starts with', 'endswith': 'ends with', 'gt': '>', 'gte': '≥', 'lt': '<', 'lte': '≤'}
LONGEST = 40  # characters of a value a chip shows; the whole filter is its title

STYLE = '''
.tsv-chips { gap: .25rem; }
.tsv-chips .q-chip { margin: 0; max-width: 100%; }
.tsv-chips .q-chip__content { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; display: block; }
'''


def _short(value: str) -> str:
    value = value if value else EMPTY_LABEL
    return value if len(value) <= LONGEST else value[:LONGEST - 1] + '…'


def describe(test: Filter) -> str:
    """A filter as a person says it: ``city is Oslo``, ``price ≥ 10``, ``note is empty``."""
    if test.op in ('isblank', 'notblank'):
        empty = blank_wanted(test) == (test.op == 'isblank')
        return f"{test.column} {'is empty' if empty else 'is not empty'}"
    if test.op == 'in':
        values = in_values(test.value)
        listed = [_short(v) for v in values[:3]]
        if any(',' in v for v in listed):  # "p,q, r" would read as three values: quote each
            listed = [f'"{v}"' for v in listed]
        shown = ', '.join(listed) + (f' and {len(values) - 3:,} more' if len(values) > 3 else '')
        return f'{test.column} is one of {shown}'
    return f'{test.column} {SAYS.get(test.op, test.op)} {_short(test.value)}'


class FilterChips:
    """A row of chips just above ``table``, made when the first filter comes and gone with the last."""

    def __init__(self, table: ui.element, on_remove: Callable[[Filter], Any], on_clear: Callable[[], Any]) -> None:
        self._table = table
        self._slot = ui.context.slot
        self._on_remove, self._on_clear = on_remove, on_clear
        self.row: ui.row | None = None  # STYLE goes out with the table's (components/table_view.py)

    def show(self, filters: tuple[Filter, ...]) -> None:
        """Draw the chips for ``filters`` (none: the row goes)."""
        if not filters:
            if self.row is not None:
                self.row.delete()
                self.row = None
            return
        if self.row is None:
            with self._slot:
                self.row = ui.row().classes('w-full items-center tsv-chips').mark('tsv-chips')
            self.row.move(target_index=self._slot.children.index(self._table))  # just above the table
        self.row.clear()
        with self.row:
            for test in filters:
                chip = ui.chip(describe(test), icon='filter_alt', removable=True, color='primary', text_color='white') \
                    .props('dense square').classes('tsv-chip')
                chip.props['title'] = f'{test.param[0]}={test.param[1]}'
                chip.on_value_change(lambda e, test=test: None if e.value else self._on_remove(test))
            if len(filters) > 1:
                ui.button('Clear filters', icon='filter_alt_off', on_click=lambda: self._on_clear()) \
                    .props('flat dense no-caps size=sm').classes('tsv-clear-filters')
