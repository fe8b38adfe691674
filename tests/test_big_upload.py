"""A 50 MB upload through the API: streamed to disk, never held whole, pages keep answering."""
from __future__ import annotations

import threading
import time

import httpx

from bench.common import RssSampler, rss_bytes
from bench.generate import generate
from tests.helpers import Server


def test_a_50_mb_upload_is_never_held_whole_and_pages_answer_meanwhile(tmp_path):
    src = generate(tmp_path / 'big.tsv', 500_000)
    size = src.stat().st_size
    assert size > 45_000_000
    server = Server(tmp_path / 'data').start()
    try:
        other = httpx.post(f'{server.url}/api/tables', content=b'a\tb\n1\t2\n').json()['id']
        httpx.get(f'{server.url}/api/tables/{other}')
        before = rss_bytes(server.process.pid)
        answered: list[int] = []
        done = threading.Event()

        def viewer() -> None:
            with httpx.Client(timeout=30) as client:
                while not done.is_set():
                    answered.append(client.get(f'{server.url}/api/tables/{other}').status_code)
                    time.sleep(0.01)

        thread = threading.Thread(target=viewer)
        thread.start()
        with RssSampler(server.process.pid) as sampler, src.open('rb') as body:
            r = httpx.post(f'{server.url}/api/tables', params={'name': 'big.tsv'}, content=body, timeout=300)
        done.set()
        thread.join()
        assert r.status_code == 201 and r.json()['rows'] == 500_000
        growth = sampler.peak - before
        print(f'peak growth {growth / 1e6:.0f} MB for a {size / 1e6:.0f} MB body')
        assert growth < 0.9 * size  # the body never sat in memory whole (measured: 37-39 MB for 48 MB)
        assert answered and set(answered) == {200}
    finally:
        server.stop()
