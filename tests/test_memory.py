"""What the app does so that memory comes back after tabs close, without stalling the tabs still open."""
from __future__ import annotations

import asyncio
import gc

from nicegui import Client

from tests.helpers import Server
from web import memory
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


async def test_collection_waits_while_a_replacement_goes_out_and_resumes_after_at_most_that_long(monkeypatch):
    monkeypatch.setattr(memory, '_pause', memory._CollectorPause())
    memory._pause.enabled = True  # as tune_gc does in the app process
    assert gc.isenabled()
    try:
        memory.pause_collection(0.3)
        assert not gc.isenabled()
        await asyncio.sleep(0.2)
        memory.pause_collection(0.3)  # another replacement does not extend it: the collector must get its turn
        await asyncio.sleep(0.2)
        assert gc.isenabled()
    finally:
        gc.enable()


async def test_a_collector_someone_else_switched_off_stays_off(monkeypatch):
    monkeypatch.setattr(memory, '_pause', memory._CollectorPause())
    memory._pause.enabled = True
    gc.disable()
    try:
        memory.pause_collection(0.05)
        await asyncio.sleep(0.15)
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_a_test_runner_keeps_its_own_collector(monkeypatch):
    monkeypatch.setattr(memory, '_pause', memory._CollectorPause())  # tune_gc only runs in the app process
    memory.pause_collection(5)
    assert gc.isenabled()
