"""The page cache: after a replacement, N viewers of the same page cost one query, not N."""
from __future__ import annotations

import threading
from pathlib import Path

from nicegui import app, ui

from tests.helpers import tsv
from tests.test_ui import table_rows, upload, wait_for
from tsvcore import PageRequest, QueryEngine, Store


def test_many_threads_asking_for_one_page_at_once_read_it_once(tmp_path: Path):
    store = Store(tmp_path / 'data')
    src = tmp_path / 'f.tsv'
    src.write_bytes(tsv(('n',), *[(str(i),) for i in range(50_000)]))
    table = store.create(src, 'f.tsv')['id']
    engine = QueryEngine(store)
    request = PageRequest(sort='n', desc=True)
    barrier = threading.Barrier(20)
    pages = []

    def viewer() -> None:
        barrier.wait()
        pages.append(engine.page(table, request))
    threads = [threading.Thread(target=viewer) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert engine.pages_computed == 1
    assert {p.rows[0][0] for p in pages} == {'49999'}


async def test_viewers_of_a_replaced_table_cost_one_query(create_user):
    viewers = [create_user() for _ in range(6)]
    created = await upload(viewers[0], tsv(('n',), *[(str(i),) for i in range(100)]), 'a.tsv')
    for viewer in viewers:
        await viewer.open(f"/t/{created['id']}")
    engine = app.state.services.engine
    before = engine.pages_computed
    await upload(viewers[0], tsv(('n',), *[(str(i * 2),) for i in range(100)]), 'b.tsv', created['id'])
    for viewer in viewers:
        await wait_for(lambda viewer=viewer: table_rows(viewer)[1]['c0'] == '2')
    assert engine.pages_computed - before == 1


async def test_viewers_of_the_same_page_share_one_copy_of_its_rows(create_user):
    """Per-viewer memory: a page's rows are built once, not once per open tab."""
    alice, bob, carol = create_user(), create_user(), create_user()
    created = await upload(alice, tsv(('n',), *[(str(i),) for i in range(100)]), 'a.tsv')
    for viewer in (alice, bob, carol):
        await viewer.open(f"/t/{created['id']}")
    assert table_rows(alice) is table_rows(bob) is table_rows(carol)
    carol.find(ui.table).trigger('request', {'page': 2, 'rowsPerPage': 50})
    await wait_for(lambda: table_rows(carol)[0]['c0'] == '50')
    assert table_rows(alice) is table_rows(bob) and table_rows(alice)[0]['c0'] == '0'


async def test_a_viewer_keeps_only_a_short_replay_buffer_however_many_replacements(user):
    """Regression (found by bench/soak.py): every update used to stay in each tab's history (+9 MB/min)."""
    created = await upload(user, tsv(('n',), ('0',)), 'a.tsv')
    client = await user.open(f"/t/{created['id']}")
    for i in range(1, 30):
        await upload(user, tsv(('n',), (str(i),)), f'v{i}.tsv', created['id'])
        await wait_for(lambda i=i: table_rows(user)[0]['c0'] == str(i))
    assert len(client.outbox.message_history) <= 10
