"""Pure ASGI layers that must sit outside NiceGUI's own middleware."""
from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware import Middleware


def install(app: FastAPI, *layers: type) -> None:
    """Put these layers outside every other middleware, NiceGUI's included, first one outermost.

    NiceGUI adds its middleware inside ``ui.run``, after the app's own, which
    places it outside them; so this runs at start-up and rebuilds the stack
    (Starlette builds it on the first ASGI call, the lifespan's).
    """
    present = {m.cls for m in app.user_middleware}  # a restarted app keeps its list
    for layer in reversed(layers):
        if layer not in present:
            app.user_middleware.insert(0, Middleware(layer))
    app.middleware_stack = app.build_middleware_stack()

