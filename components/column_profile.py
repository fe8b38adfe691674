"""A dialog with one column's profile: counts, range, top values and a histogram."""
from __future__ import annotations

import json

from nicegui import ui

# The bar under the pointer: "1000.00 to under 2000.00", then "1,234 rows" (bins are [edge, next edge)).
TOOLTIP_JS = '''(params) => {
  const edges = EDGES, bar = params[0], n = bar.value;
  return `${edges[bar.dataIndex]} UNTIL ${edges[bar.dataIndex + 1]}<br><b>${n.toLocaleString('en-US')}</b> ${n === 1 ? 'row' : 'rows'}`;
}'''
AXIS_JS = "(n) => n.toLocaleString('en-US')"  # counts with thousands separators


def show_profile(profile: dict) -> None:
    """Open a dialog for a profile computed by the engine (tsvcore.queries.profile)."""
    with ui.dialog() as dialog, ui.card().classes('w-[40rem] max-w-full tsv-profile'):
        with ui.row().classes('items-center w-full'):
            title = ui.label(profile['column']).classes('text-lg font-medium ellipsis')
            title.props['title'] = profile['column']
            ui.badge(profile['type']).props('outline')
            ui.space()
            ui.button(icon='close', on_click=dialog.close).props('flat round dense')
        facts = [('rows', f"{profile['rows']:,}"), ('empty cells', f"{profile['empty']:,}"),
                 ('distinct values', f"{profile['distinct']:,}")]
        if profile['min'] is not None:  # the cells as written: 1.00 stays 1.00
            facts += [('min', str(profile['min'])), ('max', str(profile['max']))]
        with ui.row().classes('gap-6'):
            for label, value in facts:
                with ui.column().classes('gap-0 max-w-[14rem]'):
                    shown = ui.label(value).classes('text-base font-medium ellipsis max-w-full')
                    if len(value) > 20:
                        shown.props['title'] = value
                    ui.label(label).classes('text-xs opacity-70')
        histogram = profile.get('histogram')
        if histogram and histogram['counts']:
            edges = [str(e) for e in histogram['edges']]
            ui.echart({
                'grid': {'left': 10, 'right': 10, 'top': 10, 'bottom': 10, 'containLabel': True},
                'tooltip': {'trigger': 'axis', ':formatter': TOOLTIP_JS.replace('EDGES', json.dumps(edges)).replace(
                    'UNTIL', 'to before' if profile['type'] in ('date', 'datetime') else 'to under')},
                'xAxis': {'type': 'category', 'data': edges[:-1], 'axisLabel': {'hideOverlap': True}},
                'yAxis': {'type': 'value', 'minInterval': 1, 'axisLabel': {':formatter': AXIS_JS}},
                'series': [{'type': 'bar', 'data': histogram['counts'], 'name': 'rows'}],
            }).classes('w-full h-56')
        if profile['top']:
            ui.label('Most common values').classes('text-sm font-medium')
            ui.table(columns=[{'name': 'value', 'label': 'value', 'field': 'value', 'align': 'left'},
                              {'name': 'count', 'label': 'rows', 'field': 'count', 'align': 'right'}],
                     rows=[{'value': top['value'], 'count': f"{top['count']:,}"} for top in profile['top']],
                     row_key='value').props('dense flat hide-pagination').classes('w-full')
    dialog.open()
