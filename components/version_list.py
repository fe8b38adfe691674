"""A table's history: every kept version, to view, download, restore or compare (issue #15)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from .table_info import when
from .words import counted

Compare = Callable[[int, int], Awaitable[None]]  # (older, newer): open the diff view


class VersionList:
    """Rows of (version, file name, rows, when) with View, Download, Compare and, on edit pages, Restore.

    "Compare with current" on every version but the current one and "Compare
    with previous" on every version with a kept one before it: what a restore
    would bring back, and what each upload changed.
    """

    def __init__(self, link_id: str, versions: list[dict], current: int, *,
                 on_restore: Callable[[int], Awaitable[None]] | None, on_compare: Compare | None = None) -> None:
        self.link_id = link_id
        self.on_restore = on_restore
        self.on_compare = on_compare
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
            for at, meta in enumerate(versions):  # newest first
                before = versions[at + 1]['version'] if at + 1 < len(versions) else None
                with ui.column().classes('w-full gap-0 py-2 tsv-version'):
                    with ui.row().classes('w-full items-center gap-2 no-wrap'):
                        ui.label(f"v{meta['version']}").classes('font-medium')
                        name = ui.label(meta['name']).classes('ellipsis')
                        name.props['title'] = meta['name']
                        if meta['version'] == current:
                            ui.badge('current').props('outline').classes('ml-auto')
                    facts = [counted(meta['rows'], 'row'), when(meta['uploaded_at'])]
                    if meta.get('uploaded_by'):  # --trusted-user-header: who, as the SSO proxy said
                        facts.append(f"by {meta['uploaded_by']}")
                    if 'restored_from' in meta:
                        facts.append(f"restored from v{meta['restored_from']}")
                    if 'reread_from' in meta:
                        facts.append(f"v{meta['reread_from']} read again")
                    ui.label(' · '.join(facts)).classes('text-sm opacity-70')
                    with ui.row().classes('items-center gap-x-3 gap-y-0'):
                        if meta['version'] != current:
                            ui.link('View', f"?version={meta['version']}").classes('text-sm')
                        ui.link('Download',
                                f"/api/tables/{self.link_id}/download?format=tsv&version={meta['version']}") \
                            .classes('text-sm').props('download')
                        if self.on_restore is not None and meta['version'] != current:
                            ui.button('Restore', icon='restore',
                                      on_click=lambda v=meta['version']: self.on_restore(v)) \
                                .props('flat dense no-caps size=sm').mark(f"tsv-restore-{meta['version']}")
                        if self.on_compare is not None:
                            self._compare_buttons(meta['version'], before, current)

    def _compare_buttons(self, version: int, before: int | None, current: int) -> None:
        assert self.on_compare is not None
        compare = self.on_compare
        if version != current:
            ui.button('Compare with current', icon='difference', on_click=lambda: compare(version, current)) \
                .props('flat dense no-caps size=sm').mark(f'tsv-compare-{version}')
        if before is not None:
            ui.button('Compare with previous', on_click=lambda: compare(before, version)) \
                .props('flat dense no-caps size=sm').mark(f'tsv-compare-previous-{version}')
