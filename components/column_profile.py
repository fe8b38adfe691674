"""A dialog with one column's profile: counts, range, top values and a histogram."""
from __future__ import annotations

from nicegui import ui


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
        if profile['min'] is not None:
            facts += [('min', str(profile['min'])), ('max', str(profile['max']))]
        with ui.row().classes('gap-6'):
            for label, value in facts:
                with ui.column().classes('gap-0'):
                    ui.label(value).classes('text-base font-medium')
                    ui.label(label).classes('text-xs opacity-70')
        histogram = profile.get('histogram')
        if histogram and histogram['counts']:
            edges = histogram['edges']
            ui.echart({
                'grid': {'left': 50, 'right': 10, 'top': 10, 'bottom': 40},
                'tooltip': {'trigger': 'axis'},
                'xAxis': {'type': 'category', 'data': [str(e) for e in edges[:-1]],
                          'axisLabel': {'hideOverlap': True}},
                'yAxis': {'type': 'value'},
                'series': [{'type': 'bar', 'data': histogram['counts'], 'name': 'rows'}],
            }).classes('w-full h-56')
        if profile['top']:
            ui.label('Most common values').classes('text-sm font-medium')
            ui.table(columns=[{'name': 'value', 'label': 'value', 'field': 'value', 'align': 'left'},
                              {'name': 'count', 'label': 'rows', 'field': 'count', 'align': 'right'}],
                     rows=profile['top'], row_key='value').props('dense flat hide-pagination').classes('w-full')
    dialog.open()
