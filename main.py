"""TSV Share: drop a tab-separated file, get a live table at its own URL.

Reads the options, mounts the HTTP API and the pages, and starts NiceGUI.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from nicegui import app, ui
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp

from web import api, body, diff_api, frame, memory, outermost, pages, security, sockets
from web.services import Config, Services


def parse_config(argv: list[str] | None = None) -> Config:
    """Command-line options, each defaulting to its upper-case environment variable."""
    env = os.environ
    parser = argparse.ArgumentParser(description='Share tab-separated files as live tables.')
    parser.add_argument('--host', default=env.get('HOST', '0.0.0.0'))
    parser.add_argument('--port', type=int, default=int(env.get('PORT', '8080')))
    parser.add_argument('--data-dir', type=Path, default=Path(env.get('DATA_DIR', 'data')))
    parser.add_argument('--max-upload-mb', type=int, default=int(env.get('MAX_UPLOAD_MB', '1024')))
    parser.add_argument('--redis-url', default=env.get('REDIS_URL', ''))
    parser.add_argument('--upload-idle-seconds', type=float, default=float(env.get('UPLOAD_IDLE_SECONDS', '60')),
                        help='cut off an upload that sends nothing for this long')
    parser.add_argument('--keep-versions', type=int, default=int(env.get('KEEP_VERSIONS', '20')),
                        help='versions kept per table (older ones are deleted)')
    args, _unknown = parser.parse_known_args(argv)  # tolerate a test runner's own arguments
    return Config(host=args.host, port=args.port, data_dir=args.data_dir,
                  max_upload_mb=args.max_upload_mb, redis_url=args.redis_url,
                  upload_idle_seconds=args.upload_idle_seconds, keep_versions=args.keep_versions)


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
    if app_process:
        use_c_allocator()
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    config = parse_config()
    services = Services.create(config)
    app.state.services = services  # for tests that count what the engine did
    security.add_headers(app)
    sockets.send_json_only()
    app.on_startup(lambda: outermost.install(app, sockets.DirectSockets, body.CoalescedBody))
    diff_api.mount(app, services)  # before api.mount: its catch-all /api/{rest:path} would shadow these routes
    api.mount(app, services)
    frame.install_error_pages(app)  # the app's own 404 and 500 pages, instead of NiceGUI's
    pages.register(services)
    returner = memory.MemoryReturner()
    app.on_delete(returner.soon)
    if app_process:  # the process-wide collector settings are the app's, not a test runner's
        app.on_startup(memory.tune_gc)
    if hasattr(services.notifier, 'start'):  # Redis: listen for other processes' commits
        app.on_startup(services.notifier.start)
        app.on_shutdown(services.notifier.stop)
    # message_history_length: NiceGUI keeps each tab's recent messages to replay after a short
    # disconnect; at its default (1000) every replacement's page update stays in memory per viewer
    # (the soak test showed +9 MB/min). A tab that misses more than this simply reloads.
    ui.run(host=config.host, port=config.port, title='TSV Share', reload=False, show=False,
           favicon='▦', uvicorn_logging_level='warning', message_history_length=10,
           gzip_middleware_factory=gzip_middleware)


def gzip_middleware(asgi: ASGIApp) -> GZipMiddleware:
    """NiceGUI's gzip, minus files that are compressed already: Parquet and XLSX are (gzipping them
    again costs the server's CPU and drops their Content-Length), and an original is sent as uploaded."""
    return GZipMiddleware(asgi, exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, *ALREADY_COMPRESSED))


ALREADY_COMPRESSED = ('application/vnd.apache.parquet',
                      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
                      'application/octet-stream')


if __name__ in {'__main__', '__mp_main__'}:
    main()
