"""How the app's HTTP answers are compressed (NiceGUI's gzip middleware, told what not to touch)."""
from __future__ import annotations

from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp


def gzip_middleware(asgi: ASGIApp) -> GZipMiddleware:
    """NiceGUI's gzip, minus files that are compressed already: Parquet and XLSX are (gzipping them
    again costs the server's CPU and drops their Content-Length), and an original is sent as uploaded."""
    return GZipMiddleware(asgi, exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, *ALREADY_COMPRESSED))


ALREADY_COMPRESSED = ('application/vnd.apache.parquet',
                      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
                      'application/octet-stream')
