"""NiceGUI's websocket messages, made cheaper to send to many tabs at once.

python-socketio walks every outgoing message, each row and cell of a table
page included, looking for bytes to send as binary attachments. NiceGUI only
ever sends JSON, so that walk found nothing and cost about a sixth of the
event loop's time when a replacement went out to hundreds of tabs (py-spy on
bench/fanout.py). The packets here skip it; everything else is python-socketio's.
"""
from __future__ import annotations

from nicegui import core
from socketio.packet import Packet


class JsonOnlyPacket(Packet):
    uses_binary_events = False


def send_json_only() -> None:
    core.sio.packet_class = JsonOnlyPacket
