"""What the app does so that memory comes back after tabs close, without stalling the tabs still open."""
from __future__ import annotations

import gc

from nicegui import Client

from tests.helpers import Server
from web.memory import FULL_COLLECTION_BELOW, MemoryReturner


def test_python_main_py_runs_on_the_c_allocator(tmp_path):
    server = Server(tmp_path / 'data').start()
    try:
        environ = (open(f'/proc/{server.process.pid}/environ', 'rb').read()).split(b'\0')
        assert b'PYTHONMALLOC=malloc' in environ
    finally:
        server.stop()


def test_a_full_collection_waits_until_few_tabs_are_open(monkeypatch):
    collections: list[tuple] = []
    monkeypatch.setattr(gc, 'collect', lambda *args: collections.append(args))
    monkeypatch.setattr(Client, 'instances', {str(i): None for i in range(FULL_COLLECTION_BELOW)})
    MemoryReturner().release()
    assert collections == []  # hundreds of tabs still open: a full pass would stall them all
    monkeypatch.setattr(Client, 'instances', {})
    MemoryReturner().release()
    assert collections == [()]
