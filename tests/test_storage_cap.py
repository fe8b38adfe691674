"""The storage cap (``--max-data-mb``): old versions make room, current ones never go, what cannot fit is a 507."""
from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import Server, tsv
from tsvcore import Store
from tsvcore.storage import housekeeping, originals
from tsvcore.storage.housekeeping import StorageFull, take_inventory

KB = 1024


def noise(rows: int, seed: int) -> bytes:
    """A TSV of about ``rows`` * 40 bytes that compresses poorly (so its original stays about that big)."""
    return tsv(('id', 'text'), *[(str(i), os.urandom(16).hex() + str(seed)) for i in range(rows)])


def upload(store: Store, tmp_path: Path, data: bytes, table_id: str | None = None) -> dict:
    source = tmp_path / f'up-{time.monotonic_ns()}.tsv'
    source.write_bytes(data)
    try:
        return store.create(source, 'f.tsv') if table_id is None else store.replace(table_id, source, 'f.tsv')
    finally:
        source.unlink(missing_ok=True)


def settled() -> None:
    """Wait for the background compression of originals (it swaps each raw original for a smaller copy)."""
    originals._COMPRESSOR.submit(lambda: None).result()


def versions_on_disk(store: Store) -> set[tuple[str, int]]:
    return {(v.table_id, v.number) for v in take_inventory(store.root).versions}


def test_the_oldest_old_versions_make_room_and_current_ones_stay(tmp_path):
    store = Store(tmp_path / 'data', max_data_bytes=10**9)  # no pressure while the tables are made
    a = upload(store, tmp_path, noise(500, 1))['id']
    time.sleep(0.01)
    upload(store, tmp_path, noise(500, 2), a)                    # a: v1 (oldest), v2
    time.sleep(0.01)
    b = upload(store, tmp_path, noise(500, 3))['id']
    time.sleep(0.01)
    upload(store, tmp_path, noise(500, 4), b)                    # b: v1, v2
    settled()
    used = take_inventory(store.root).total
    store.cap.max_bytes = used + 5 * KB                          # room for a little, not for a version
    upload(store, tmp_path, noise(500, 5), a)                    # a v3 needs about one old version's room
    kept = versions_on_disk(store)
    assert (a, 1) not in kept                                    # the oldest non-current went first
    assert {(a, 3), (b, 2)} <= kept                              # the current versions are there
    assert take_inventory(store.root).total <= store.cap.max_bytes


def test_a_current_version_is_never_pruned_and_a_misfit_is_refused_whole(tmp_path):
    store = Store(tmp_path / 'data', max_data_bytes=10**9)
    a = upload(store, tmp_path, noise(300, 1))['id']
    upload(store, tmp_path, noise(300, 2), a)
    settled()
    before = versions_on_disk(store)
    store.cap.max_bytes = take_inventory(store.root).total + 2 * KB
    with pytest.raises(StorageFull) as refused:
        upload(store, tmp_path, noise(3000, 3), a)               # ten times the table: no pruning can fit it
    assert refused.value.status == 507
    message = refused.value.message
    assert f'at most {housekeeping.megabytes(store.cap.max_bytes)}' in message and 'needs' in message
    assert 'Nothing was stored' in message
    assert versions_on_disk(store) == before                    # nothing was pruned for a lost cause
    assert store.current(a) == 2
    assert [p.name for p in store.tmp_dir.iterdir()] == ['owner.lock']  # and nothing is left in staging


def test_bytes_shared_by_hard_links_count_once(tmp_path):
    store = Store(tmp_path / 'data')
    a = upload(store, tmp_path, noise(400, 1))['id']
    upload(store, tmp_path, noise(400, 2), a)
    settled()
    before = take_inventory(store.root)
    store.restore(a, 1)                                          # v3 links v1's cells and original
    after = take_inventory(store.root)
    assert after.total - before.total < 2 * KB                  # only its meta.json is new
    # pruning v1 now frees almost nothing: v3 still holds its files
    plan = housekeeping.plan_pruning(after, after.total - 100, 0)
    assert plan is not None and (a, 1) in [(v.table_id, v.number) for v in plan]


def test_the_upload_stream_is_refused_with_507_and_the_cap_in_the_sentence(tmp_path):
    server = Server(tmp_path / 'data', MAX_DATA_MB='0.1').start()   # 100 KB
    try:
        small = httpx.post(f'{server.url}/api/tables', content=noise(600, 1))
        assert small.status_code == 201, small.text
        table = small.json()['id']
        for seed in range(2, 6):  # every replacement fits by pruning the old ones
            r = httpx.put(f'{server.url}/api/tables/{table}', content=noise(600, seed))
            assert r.status_code == 200, r.text
        history = httpx.get(f'{server.url}/api/tables/{table}/versions').json()['versions']
        assert history[0]['version'] == 5 and len(history) < 5    # old versions went to make room

        def chunks():  # no Content-Length: the cap is checked as the body streams in
            for _ in range(40):
                yield b'x\t' * 4096 + b'\n'
        big = httpx.post(f'{server.url}/api/tables', content=chunks())
        assert big.status_code == 507
        assert 'at most 0.10 MB' in big.json()['error'] and 'needs at least' in big.json()['error']
        body = noise(20000, 7)  # about 0.75 MB, said up front: refused at its first piece, for its whole size
        declared = httpx.post(f'{server.url}/api/tables', content=body)
        assert declared.status_code == 507
        assert f'needs at least {housekeeping.megabytes(len(body))}' in declared.json()['error']
        assert httpx.get(f'{server.url}/api/tables/{table}').json()['version'] == 5  # the table is as it was
    finally:
        server.stop()
