"""A table's history: every kept version, to view, download or restore."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from .table_info import when


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
                with ui.row().classes('items-center gap-3 w-full py-1 tsv-version'):
                    ui.label(f"v{meta['version']}").classes('font-medium w-12')
                    name = ui.label(meta['name']).classes('ellipsis max-w-xs')
                    name.props['title'] = meta['name']
                    ui.label(f"{meta['rows']:,} rows").classes('text-sm opacity-80')
                    ui.label(when(meta['uploaded_at'])).classes('text-sm opacity-60')
                    if 'restored_from' in meta:
                        ui.label(f"restored from v{meta['restored_from']}").classes('text-sm opacity-60')
                    ui.space()
                    if meta['version'] == current:
                        ui.badge('current').props('outline')
                    else:
                        ui.link('View', f"?version={meta['version']}").classes('text-sm')
                    ui.link('Download', f"/api/tables/{self.link_id}/download?format=tsv&version={meta['version']}") \
                        .classes('text-sm').props('download')
                    if self.on_restore is not None and meta['version'] != current:
                        ui.button('Restore', icon='restore',
                                  on_click=lambda v=meta['version']: self.on_restore(v)) \
                            .props('flat dense no-caps').mark(f"tsv-restore-{meta['version']}")
