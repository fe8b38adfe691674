"""``GET /metrics``: Prometheus text with uploads, ingest and query times, viewers, tables, bytes; loopback only."""
from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import Server, tsv
from web.metrics import allowed, networks, outcome_of
from tsvcore import NotFound, TooLarge, TsvError


def samples(server: Server) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} from a scrape."""
    r = httpx.get(f'{server.url}/metrics')
    assert r.status_code == 200 and r.headers['content-type'].startswith('text/plain')
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def test_metrics_count_uploads_queries_and_what_is_stored(server: Server):
    body = tsv(('a',), ('1',), ('2',))
    created = httpx.post(f'{server.url}/api/tables', content=body).json()
    assert httpx.post(f'{server.url}/api/tables', content=b'').status_code == 400   # refused: empty
    httpx.get(f"{server.url}/api/tables/{created['id']}", params={'sort': 'a'})
    httpx.get(f"{server.url}/api/tables/{created['id']}/columns/a/profile")
    seen = samples(server)
    assert seen[('tsv_uploads_total', (('outcome', 'ok'),))] >= 1
    assert seen[('tsv_uploads_total', (('outcome', 'refused'),))] >= 1
    assert seen[('tsv_upload_bytes_total', (('outcome', 'ok'),))] >= len(body)
    assert seen[('tsv_ingest_seconds_count', ())] >= 1
    assert seen[('tsv_query_seconds_count', (('kind', 'page'),))] >= 1
    assert seen[('tsv_query_seconds_count', (('kind', 'profile'),))] >= 1
    assert seen[('tsv_tables', ())] >= 1
    assert seen[('tsv_data_bytes', ())] > len(body)
    assert ('tsv_open_viewers', ()) in seen
    assert not any(name == 'tsv_redis_connected' for name, _ in seen)  # only with --redis-url


def test_an_address_metrics_allow_does_not_name_gets_403(tmp_path):
    server = Server(tmp_path / 'data', METRICS_ALLOW='10.0.0.0/8').start()
    try:
        r = httpx.get(f'{server.url}/metrics')   # from 127.0.0.1
        assert r.status_code == 403 and 'metrics-allow' in r.json()['error']
    finally:
        server.stop()


def test_addresses_and_networks():
    loopback = networks('127.0.0.0/8, ::1')
    assert allowed('127.0.0.1', loopback) and allowed('::1', loopback) and allowed('::ffff:127.0.0.1', loopback)
    assert not allowed('10.1.2.3', loopback) and not allowed('testclient', loopback) and not allowed(None, loopback)
    assert allowed('10.1.2.3', networks('10.1.2.3'))
    try:
        networks('10.0.0.0/8,nope')
    except ValueError as error:
        assert '"nope"' in str(error)
    else:
        raise AssertionError('a bad network was accepted')


def test_outcomes():
    assert outcome_of(None) == 'ok'
    assert outcome_of(TooLarge('x')) == 'too_large'
    assert outcome_of(NotFound('x')) == 'refused'
    assert outcome_of(TsvError('x', 507)) == 'storage_full'
    assert outcome_of(OSError(28, 'No space left on device')) == 'storage_full'
    assert outcome_of(RuntimeError('x')) == 'failed'
