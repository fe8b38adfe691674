"""Crash safety: SIGKILL the server at random moments of uploads and replacements.

Every table must then serve a complete version (the old or the new one, never
a mix or an error), every acknowledged version must still be there, and the
dead process's temporary files must be gone after the restart.
"""
from __future__ import annotations

import random
import signal
import threading
import time
from pathlib import Path

import httpx

from bench.generate import generate
from tests.helpers import Server

KILLS = 22
TIME_BUDGET = 150  # seconds; the loop stops early rather than run long


def leftovers(data_dir: Path, live_pid: int) -> list[Path]:
    staging = [p for p in (data_dir / 'tmp').iterdir() if not p.name.startswith(f'{live_pid}-')]
    pointers = list((data_dir / 'tables').glob('*/.*.tmp'))
    return staging + pointers


def check_every_table(server: Server, tables: dict[str, dict[int, int]], expected_rows: dict[int, str]) -> None:
    """Each table answers with a whole version: one we know, with all of its rows."""
    with httpx.Client(timeout=30) as client:
        for table_id, acknowledged in tables.items():
            r = client.get(f'{server.url}/api/tables/{table_id}', params={'limit': 1})
            assert r.status_code == 200, r.text
            page = r.json()
            assert page['total'] in expected_rows, page  # the row count of a file we sent, not a partial one
            last = client.get(f'{server.url}/api/tables/{table_id}',
                              params={'offset': page['total'] - 1, 'limit': 1}).json()['rows'][0]
            assert last[0] == str(page['total'] - 1)  # the file's last row is there
            for version, rows in acknowledged.items():
                r = client.get(f'{server.url}/api/tables/{table_id}', params={'version': version, 'limit': 1})
                assert r.status_code == 200 and r.json()['total'] == rows, (version, r.text)


def test_sigkill_during_uploads_and_replacements_loses_nothing_acknowledged(tmp_path):
    rng = random.Random(20261126)
    files = {rows: generate(tmp_path / f'f{rows}.tsv', rows, seed=rows) for rows in (600_000, 450_000)}
    expected_rows = {rows: str(path) for rows, path in files.items()}
    data_dir = tmp_path / 'data'
    tables: dict[str, dict[int, int]] = {}  # table id -> {acknowledged version: rows}
    kills = 0
    started = time.monotonic()
    server = Server(data_dir).start()
    try:
        while kills < KILLS and time.monotonic() - started < TIME_BUDGET:
            rows = rng.choice(list(files))
            target = rng.choice(list(tables)) if tables and rng.random() < 0.6 else None
            answer: dict = {}

            def send(rows: int = rows, target: str | None = target, answer: dict = answer) -> None:
                try:
                    with files[rows].open('rb') as body:
                        if target is None:
                            r = httpx.post(f'{server.url}/api/tables', content=body, timeout=60)
                        else:
                            r = httpx.put(f'{server.url}/api/tables/{target}', content=body, timeout=60)
                    if r.status_code in (200, 201):
                        answer.update(r.json())
                except httpx.HTTPError:
                    pass  # the server died mid-request: nothing was acknowledged

            sender = threading.Thread(target=send)
            sender.start()
            time.sleep(rng.uniform(0.0, 0.7))  # during the upload, the parse, or the switch
            server.process.send_signal(signal.SIGKILL)
            server.process.wait()
            kills += 1
            sender.join()
            if answer:
                tables.setdefault(answer['id'], {})[answer['version']] = answer['rows']
            server = Server(data_dir).start()
            assert not leftovers(data_dir, server.process.pid)
            check_every_table(server, tables, expected_rows)
        print(f'{kills} kills, {sum(map(len, tables.values()))} acknowledged versions in {len(tables)} tables')
        assert kills >= 20, f'only {kills} kills fitted in the time budget'
        assert tables, 'no upload was ever acknowledged'
    finally:
        server.stop()
