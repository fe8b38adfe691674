"""The app's options: each from the command line, else its upper-case environment variable, else its default.

``parse_config`` is what ``main.py`` runs; ``announce`` is what the app says when it starts.
"""
from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from . import metrics
from .services import Config


def parse_config(argv: list[str] | None = None) -> Config:
    """The options: each from the command line, else its upper-case environment variable, else its default.

    An unknown option (``--prot 8000``, ``--data_dir x``) or a bad value ends
    the program with a message naming it (exit status 2); ``--help`` lists
    every option with its default and meaning. ``argv`` None reads ``sys.argv``.
    """
    parser = argparse.ArgumentParser(
        prog='python main.py', allow_abbrev=False,  # --po is no --port: a typo must be refused, not guessed
        description='Share tab-separated files as live tables. Every option can also be given as the '
                    'environment variable named after it; the command line wins.')
    option(parser, '--host', 'HOST', '0.0.0.0', 'address to listen on')
    option(parser, '--port', 'PORT', '8080', 'port to listen on', positive(int))
    option(parser, '--data-dir', 'DATA_DIR', 'data', 'directory where tables and their versions are stored', Path)
    option(parser, '--max-upload-mb', 'MAX_UPLOAD_MB', '1024',
           'largest accepted file in MB of 1,048,576 bytes; a larger one gets 413', positive(int))
    option(parser, '--max-data-mb', 'MAX_DATA_MB', None,
           'storage cap for the whole data directory, in MB: the oldest versions that are not current are '
           'pruned to make room, and an upload that still does not fit gets 507', positive(float),
           shown='no cap')
    option(parser, '--keep-versions', 'KEEP_VERSIONS', '20', 'versions kept per table; older ones are deleted',
           positive(int))
    option(parser, '--expire-days', 'EXPIRE_DAYS', None,
           'delete tables neither viewed nor changed for this many days: a daily sweep, logged', positive(float),
           shown='never')
    option(parser, '--upload-idle-seconds', 'UPLOAD_IDLE_SECONDS', '60',
           'seconds after which an upload that sends nothing is cut off with 408', positive(float))
    option(parser, '--redis-url', 'REDIS_URL', '',
           'Redis shared by several instances on one data directory, such as redis://host:6379/0', shown='none')
    option(parser, '--trusted-user-header', 'TRUSTED_USER_HEADER', '',
           'request header an SSO proxy sets to the signed-in user, such as X-Forwarded-User; each version '
           'records it as uploaded_by. Only with a proxy that sets it on every request: anyone can send it',
           shown='none: the header is ignored')
    option(parser, '--metrics-allow', 'METRICS_ALLOW', '127.0.0.0/8,::1',
           'addresses or networks, comma-separated, that may read /metrics; others get 403', address_list)
    option(parser, '--forwarded-allow-ips', 'FORWARDED_ALLOW_IPS', '127.0.0.1',
           "addresses (comma-separated, or *) whose X-Forwarded-For/-Proto are believed: the proxy's")
    args = parser.parse_args(argv)
    return Config(host=args.host, port=args.port, data_dir=args.data_dir,
                  max_upload_mb=args.max_upload_mb, redis_url=args.redis_url,
                  upload_idle_seconds=args.upload_idle_seconds, keep_versions=args.keep_versions,
                  forwarded_allow_ips=args.forwarded_allow_ips, max_data_mb=args.max_data_mb,
                  expire_days=args.expire_days, trusted_user_header=args.trusted_user_header.strip(),
                  metrics_allow=args.metrics_allow)


def option(parser: argparse.ArgumentParser, flag: str, env_name: str, default: str | None, meaning: str,
           kind: Callable[[str], Any] = str, shown: str | None = None) -> None:
    """One option defaulting to ``env_name`` and then to ``default`` (a string, converted like a typed value).

    The help says the default (``shown`` in words when it is "none") and the
    variable, and the value the variable sets now, if it does.
    """
    raw = os.environ.get(env_name)
    now = f'; now {raw!r} from {env_name}' if raw is not None else ''
    help_text = f'{meaning} (default: {shown or default}; environment: {env_name}{now})'
    parser.add_argument(flag, type=kind, default=raw if raw is not None else default,
                        metavar=env_name, help=help_text.replace('%', '%%'))


def positive(kind: type) -> Callable[[str], Any]:
    """A converter for whole or decimal numbers above 0, whose refusal names what was given."""
    def convert(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or value <= 0:
            noun = 'whole number' if kind is int else 'number'
            raise argparse.ArgumentTypeError(f'must be a {noun} above 0, not {text!r}')
        return value
    convert.__name__ = f'positive {kind.__name__}'
    return convert


def address_list(text: str) -> str:
    """``--metrics-allow``: checked here, so a typo stops the start instead of locking everyone out."""
    try:
        metrics.networks(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def announce(config: Config) -> None:
    """Say where the app listens, where its data is, and which Redis it uses (its password hidden)."""
    shown_host = '[' + config.host + ']' if ':' in config.host else config.host
    where = f'http://{shown_host}:{config.port}'
    if config.host in ('0.0.0.0', '::'):
        where += f' (every address; on this machine http://localhost:{config.port})'
    lines = [f'TSV Share listening on {where}', f'  data directory: {config.data_dir.resolve()}']
    if config.redis_url:
        lines.append(f'  Redis: {without_password(config.redis_url)}')
    lines.append('Press Ctrl+C to stop.')
    print('\n'.join(lines), flush=True)


def without_password(url: str) -> str:
    """``redis://:secret@host:6379/0`` as ``redis://:***@host:6379/0``: the start-up line may end up in a log."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f':{parts.password}@', ':***@', 1)
    return urlunsplit(parts._replace(netloc=netloc))
