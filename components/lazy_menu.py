"""A button's menu that exists only once someone opens it."""
from __future__ import annotations

from collections.abc import Callable

from nicegui import ui


class LazyMenu:
    """Made on the button's first click, and open at once; from then on Quasar opens it from the button.

    NiceGUI keeps every element of every open tab on the server, and most
    viewers never open a menu.
    """

    def __init__(self, button: ui.button, fill: Callable[[], None], *, marker: str,
                 props: str = '', classes: str = '') -> None:
        self.menu: ui.menu | None = None
        self._button = button
        self._fill = fill
        self._marker, self._props, self._classes = marker, props, classes
        button.on_click(self._first_click)

    def _first_click(self) -> None:
        if self.menu is not None:
            return  # Quasar toggles it from the button
        with self._button:
            self.menu = ui.menu(value=True).props(self._props).classes(self._classes).mark(self._marker)
        self._fill()
