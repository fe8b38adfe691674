"""The Redis writer lock: one committer per table across processes, and no outage when Redis is gone."""
from __future__ import annotations

import threading
import time

import httpx

from tests.helpers import free_port, tsv
from tests.test_scaleout import RedisServer, two_processes, wait_for
from tsvcore.storage.redis_lock import RedisTableLock


def test_a_second_committer_waits_for_the_first_and_other_tables_do_not(tmp_path):
    redis = RedisServer(tmp_path).start()
    try:
        first, second = RedisTableLock(redis.url), RedisTableLock(redis.url)  # as if two processes
        order: list[str] = []
        with first('table-a'):
            waiter = threading.Thread(target=lambda: (second('table-a').__enter__(), order.append('second')))
            waiter.start()
            with second('table-b'):
                order.append('other table')  # not blocked by table-a's holder
            time.sleep(0.2)
            order.append('first done')
        waiter.join(5)
        assert order == ['other table', 'first done', 'second']
    finally:
        redis.stop()


def test_without_redis_commits_go_on_under_the_file_lock():
    lock = RedisTableLock(f'redis://127.0.0.1:{free_port()}/0')  # nothing listens there
    with lock('table-a'):
        pass


def test_two_processes_uploading_to_one_table_at_once_number_every_version_once(tmp_path):
    with two_processes(tmp_path) as (_redis, a, b):
        created = httpx.post(f'{a.url}/api/tables', content=tsv(('n',), ('0',))).json()
        answers: list[dict] = []

        def upload(i: int) -> None:
            server = (a, b)[i % 2]
            r = httpx.put(f"{server.url}/api/tables/{created['id']}", params={'name': f'{i}.tsv'},
                          content=tsv(('n',), (str(i),)), timeout=30)
            answers.append(r.json())
        threads = [threading.Thread(target=upload, args=(i,)) for i in range(1, 9)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(answer['version'] for answer in answers) == list(range(2, 10))
        history = httpx.get(f"{b.url}/api/tables/{created['id']}/versions").json()['versions']
        assert sorted(v['version'] for v in history) == list(range(1, 10))
        for answer in answers:  # every version holds exactly the file that was sent for it
            got = httpx.get(f"{a.url}/api/tables/{created['id']}", params={'version': answer['version']}).json()
            assert got['rows'] == [[answer['name'].removesuffix('.tsv')]]
        assert wait_for(lambda: httpx.get(f"{a.url}/api/tables/{created['id']}").json()['version'] == 9, 5)

