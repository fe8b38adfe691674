"""A table's history: every kept version, to view, download or restore."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from .table_info import when
from .words import counted


class VersionList:
    """Rows of (version, file name, rows, when) with View, Download and, on edit pages, Restore."""

    def __init__(self, link_id: str, versions: list[dict], current: int, *,
                 on_restore: Callable[[int], Awaitable[None]] | None) -> None:
        self.link_id = link_id
        self.on_restore = on_restore
        self._slot = ui.context.slot  # where the list goes, made when there is first something to list
        self.container: ui.column | None = None
        self.show(versions, current)

    def show(self, versions: list[dict], current: int) -> None:
        if self.container is None:
            if not versions:
                return  # nothing to list: no element, which every open tab would keep
            with self._slot:
                self.container = ui.column().classes('w-full gap-0 tsv-versions')
        self.container.clear()
        with self.container:
            for meta in versions:
                with ui.column().classes('w-full gap-0 py-2 tsv-version'):
                    with ui.row().classes('w-full items-center gap-2 no-wrap'):
                        ui.label(f"v{meta['version']}").classes('font-medium')
                        name = ui.label(meta['name']).classes('ellipsis')
                        name.props['title'] = meta['name']
                        if meta['version'] == current:
                            ui.badge('current').props('outline').classes('ml-auto')
                    facts = [counted(meta['rows'], 'row'), when(meta['uploaded_at'])]
                    if 'restored_from' in meta:
                        facts.append(f"restored from v{meta['restored_from']}")
                    if 'reread_from' in meta:
                        facts.append(f"v{meta['reread_from']} read again")
                    ui.label(' · '.join(facts)).classes('text-sm opacity-70')
                    with ui.row().classes('items-center gap-3'):
                        if meta['version'] != current:
                            ui.link('View', f"?version={meta['version']}").classes('text-sm')
                        ui.link('Download',
                                f"/api/tables/{self.link_id}/download?format=tsv&version={meta['version']}") \
                            .classes('text-sm').props('download')
                        if self.on_restore is not None and meta['version'] != current:
                            ui.button('Restore', icon='restore',
                                      on_click=lambda v=meta['version']: self.on_restore(v)) \
                                .props('flat dense no-caps size=sm').mark(f"tsv-restore-{meta['version']}")
