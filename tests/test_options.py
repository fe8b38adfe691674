"""The command line: unknown options are refused, ``--help`` says everything, start-up says where, Ctrl+C stops."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from main import parse_config
from tests.helpers import ROOT, free_port

OPTIONS = ('--host', '--port', '--data-dir', '--max-upload-mb', '--max-data-mb', '--keep-versions', '--expire-days',
           '--upload-idle-seconds', '--redis-url', '--trusted-user-header', '--metrics-allow')


def run_main(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / 'main.py'), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={**os.environ, **env})


@pytest.mark.parametrize('args, named', [(('--prot', '8000'), '--prot'), (('--data_dir', 'x'), '--data_dir'),
                                         (('--po', '8000'), '--po')])
def test_an_unknown_option_is_refused_by_name(args, named):
    done = run_main(*args)
    assert done.returncode == 2
    assert 'unrecognized arguments' in done.stderr and named in done.stderr


def test_a_bad_value_is_refused_with_what_was_given():
    done = run_main('--port', 'eighty')
    assert done.returncode == 2 and "'eighty'" in done.stderr and '--port' in done.stderr
    done = run_main('--metrics-allow', '10.0.0.0/8,localhost')
    assert done.returncode == 2 and '"localhost"' in done.stderr


def test_help_lists_every_option_with_its_default_and_variable():
    done = run_main('--help')
    assert done.returncode == 0
    text = ' '.join(done.stdout.split())  # argparse wraps lines
    for option in OPTIONS:
        assert option in text
    assert text.count('(default: ') >= len(OPTIONS)
    for words in ('default: 8080; environment: PORT', 'default: no cap; environment: MAX_DATA_MB',
                  'default: never; environment: EXPIRE_DAYS', 'default: 127.0.0.0/8,::1; environment: METRICS_ALLOW'):
        assert words in text


def test_environment_variables_are_the_defaults_and_the_command_line_wins(monkeypatch):
    monkeypatch.setenv('MAX_DATA_MB', '2.5')
    monkeypatch.setenv('EXPIRE_DAYS', '30')
    monkeypatch.setenv('TRUSTED_USER_HEADER', 'X-Forwarded-User')
    config = parse_config([])
    assert (config.max_data_mb, config.expire_days, config.trusted_user_header) == (2.5, 30, 'X-Forwarded-User')
    assert config.max_data_bytes == int(2.5 * 1024 * 1024)
    assert parse_config(['--max-data-mb', '7']).max_data_mb == 7
    monkeypatch.delenv('MAX_DATA_MB')
    monkeypatch.delenv('EXPIRE_DAYS')
    assert parse_config([]).max_data_mb is None and parse_config([]).expire_days is None


def test_start_up_says_where_and_ctrl_c_stops_cleanly(tmp_path):
    port = free_port()
    env = {**os.environ, 'REDIS_URL': 'redis://:s3cret@127.0.0.1:1/0'}  # nobody listens there: it still starts
    env.pop('PYTEST_CURRENT_TEST', None)
    process = subprocess.Popen([sys.executable, str(ROOT / 'main.py'), '--port', str(port), '--host', '127.0.0.1',
                                '--data-dir', str(tmp_path / 'data')], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f'http://127.0.0.1:{port}/api/health', timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        process.send_signal(signal.SIGINT)           # what Ctrl+C sends
        output, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert f'listening on http://127.0.0.1:{port}' in output
    assert f'data directory: {tmp_path / "data"}' in output        # absolute
    assert 'Redis: redis://:***@127.0.0.1:1/0' in output and 's3cret' not in output
    assert 'Ctrl+C' in output and 'Traceback' not in output
