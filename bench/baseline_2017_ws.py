"""The 2017 design's live update, for comparison: one Tornado websocket handler, rows as Python lists.

Every viewer holds a websocket; an upload (HTTP PUT of the whole file) is
parsed with the csv module into lists, and the first page is pushed as one
JSON message to every socket. Run as its own process:

    python bench/baseline_2017_ws.py PORT
"""
from __future__ import annotations

import csv
import io
import json
import sys

import tornado.ioloop
import tornado.web
import tornado.websocket

STATE: dict = {'rows': [], 'sockets': set()}


class Socket(tornado.websocket.WebSocketHandler):
    def open(self) -> None:
        STATE['sockets'].add(self)
        self.write_message(json.dumps({'rows': STATE['rows'][:50]}))

    def on_close(self) -> None:
        STATE['sockets'].discard(self)

    def check_origin(self, origin: str) -> bool:
        return True


class Upload(tornado.web.RequestHandler):
    def put(self) -> None:
        STATE['rows'] = list(csv.reader(io.StringIO(self.request.body.decode()), delimiter='\t'))
        message = json.dumps({'rows': STATE['rows'][:50]})
        for socket in list(STATE['sockets']):
            socket.write_message(message)
        self.write({'rows': len(STATE['rows']) - 1})


class Health(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write({'ok': True, 'viewers': len(STATE['sockets'])})


if __name__ == '__main__':
    tornado.web.Application([(r'/ws', Socket), (r'/upload', Upload), (r'/api/health', Health)]).listen(
        int(sys.argv[1]), address='127.0.0.1')
    tornado.ioloop.IOLoop.current().start()
