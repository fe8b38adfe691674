"""TSV Share: drop a tab-separated file, get a live table at its own URL.

Reads the options, mounts the HTTP API and the pages, and starts NiceGUI.
"""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from nicegui import app, background_tasks, ui

from web import api, body, diff_api, frame, memory, metrics, outermost, pages, security, sockets
from web.compression import gzip_middleware
from web.options import announce, parse_config
from web.services import Services


def started_as_app() -> bool:
    """``python main.py``, as opposed to a test runner executing this file inside its own process."""
    return 'pytest' not in sys.modules and Path(sys.argv[0]).resolve() == Path(__file__).resolve()


def use_c_allocator() -> None:
    """Start over on the C allocator, so memory freed when tabs close can go back to the system.

    Unless PYTHONMALLOC was chosen already; web/memory.py says why.
    """
    if 'PYTHONMALLOC' not in os.environ:
        os.environ['PYTHONMALLOC'] = 'malloc'
        os.execv(sys.executable, [sys.executable, *sys.argv])


def main() -> None:
    app_process = started_as_app()
    config = parse_config(None if app_process else [])  # a test runner's own arguments are not ours
    if app_process:
        use_c_allocator()
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    services = Services.create(config)
    app.state.services = services  # for tests that count what the engine did
    security.add_headers(app)
    sockets.send_json_only()
    app.on_startup(lambda: outermost.install(app, sockets.DirectSockets, body.CoalescedBody))
    diff_api.mount(app, services)  # before api.mount: its catch-all /api/{rest:path} would shadow these routes
    api.mount(app, services)
    metrics.mount(app, services)
    frame.install_error_pages(app)  # the app's own 404 and 500 pages, instead of NiceGUI's
    pages.register(services)
    returner = memory.MemoryReturner()
    app.on_delete(returner.soon)
    if app_process:  # the process-wide collector settings are the app's, not a test runner's
        app.on_startup(memory.tune_gc)
    if hasattr(services.notifier, 'start'):  # Redis: listen for other processes' commits
        app.on_startup(services.notifier.start)
        app.on_shutdown(services.notifier.stop)
    if config.expire_days:
        app.on_startup(lambda: background_tasks.create(services.expire_daily(), name='expiry sweep'))
    if app_process:
        app.on_startup(lambda: announce(config))  # instead of NiceGUI's welcome, which names no data directory
    # message_history_length: NiceGUI keeps each tab's recent messages to replay after a short
    # disconnect; at its default (1000) every replacement's page update stays in memory per viewer
    # (the soak test showed +9 MB/min). A tab that misses more than this simply reloads.
    try:
        ui.run(host=config.host, port=config.port, title='TSV Share', reload=False, show=False,
               favicon='▦', uvicorn_logging_level='warning', message_history_length=10, show_welcome_message=False,
               gzip_middleware_factory=gzip_middleware,
               proxy_headers=True, forwarded_allow_ips=config.forwarded_allow_ips)  # behind a proxy: scheme, client
    except KeyboardInterrupt:  # Ctrl+C: uvicorn shut down cleanly, then raised the signal again for us
        print('Stopped.', flush=True)


if __name__ in {'__main__', '__mp_main__'}:
    main()
