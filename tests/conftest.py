from __future__ import annotations

from pathlib import Path

import pytest
from nicegui import Client

from tests.helpers import Server


@pytest.fixture(autouse=True)
def _data_dir_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test, including NiceGUI's simulated ``user``, gets its own data directory."""
    data = tmp_path / 'data'
    monkeypatch.setenv('DATA_DIR', str(data))
    monkeypatch.setenv('MAX_UPLOAD_MB', '64')
    return data


@pytest.fixture(scope='module')
def server(tmp_path_factory: pytest.TempPathFactory):
    """A real app process shared by a module's API tests."""
    srv = Server(tmp_path_factory.mktemp('srv') / 'data', MAX_UPLOAD_MB='64').start()
    yield srv
    srv.stop()


@pytest.fixture
def loaded(tmp_path: Path):
    """(query engine, load): ``load(bytes) -> (table id, meta)`` stores a file as a new table."""
    from tsvcore import QueryEngine, Store
    store = Store(tmp_path / 'data')
    engine = QueryEngine(store)

    def load(data: bytes) -> tuple[str, dict]:
        src = tmp_path / 'src.tsv'
        src.write_bytes(data)
        meta = store.create(src, 'f.tsv')
        return meta['id'], meta
    return engine, load


@pytest.fixture
def scripts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The JavaScript the server sends to tabs (the address bar's updates among it)."""
    sent: list[str] = []
    original = Client.run_javascript

    def run(self, code: str, **kwargs):
        sent.append(code)
        return original(self, code, **kwargs)
    monkeypatch.setattr(Client, 'run_javascript', run)
    return sent
