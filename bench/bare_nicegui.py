"""The smallest NiceGUI page there is (one label), as a yardstick for what a tab costs the server.

bench/fanout.py connects the same N viewers to it that it connects to the
app, so "memory per viewer" can be read against what NiceGUI itself needs
per open tab (its socket, client, outbox and page skeleton), measured in the
same run and started the same way as the app (C allocator, see web/memory.py).

    python bench/bare_nicegui.py PORT
"""
import sys

from nicegui import ui


@ui.page('/t/{table_id}')
def page(table_id: str) -> None:
    ui.label(f'table {table_id}')


ui.run(port=int(sys.argv[1]), reload=False, show=False, uvicorn_logging_level='warning', message_history_length=10)
