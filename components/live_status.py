"""A banner while live updates are paused: this process lost its Redis, so changes made through
another process do not reach this page until it returns (then the page catches up by itself).

Its elements are made only while it shows: NiceGUI keeps every element of every open tab, and
Redis is nearly always there.
"""
from __future__ import annotations

from nicegui import ui

PAUSED = 'Live updates paused, reconnecting...'


class LiveStatus:
    """Shows or takes away the banner at ``index`` of ``parent`` (``show(live)``, from ``Services.live_event``)."""

    def __init__(self, parent: ui.element, index: int = 0) -> None:
        self.parent, self.index = parent, index
        self.banner: ui.row | None = None

    def show(self, live: bool) -> None:
        if live and self.banner is not None:
            self.banner.delete()
            self.banner = None
        elif not live and self.banner is None:
            with self.parent:
                self.banner = ui.row().classes('w-full items-center gap-2 px-3 py-1 rounded text-sm '
                                               'bg-amber-100 text-amber-900 no-wrap tsv-live-paused')
                with self.banner:
                    ui.icon('cloud_off', size='1.25em')
                    ui.label(PAUSED)
            self.banner.props('role=status')
            self.banner.move(target_index=self.index)
