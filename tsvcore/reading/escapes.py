"""Backslash-escaped quotes (MySQL and PHP dumps): ``"she said \\"hi\\""`` read as quotes.

Some exporters escape a quote inside a quoted field with a backslash instead
of doubling it (RFC 4180). Read by rule 5, ``\\"`` ends the field early and the
rest of the row shifts. A file whose sniffed sample reads more consistently
with them as escapes (``dialect.sniff`` decides) is read through
``Unescaping``, which rewrites ``\\"`` to the doubled ``""`` and ``\\\\`` to one
backslash, so that every reader after it sees RFC 4180 and stays unchanged.
``\\n`` and other escapes stay as written: they are text, not structure. The
warnings say how many escapes were read this way, since those bytes change.

Three ``bytes.replace`` passes (C speed) rather than a tokenizer: NUL never
occurs in an accepted text file (rule 2 refuses it), so it can stand in for
an escaped backslash while the quotes are rewritten.
"""
from __future__ import annotations

from typing import BinaryIO

PLACEHOLDER = b'\x00'


def unescape(data: bytes) -> tuple[bytes, int]:
    """``data`` with ``\\\\`` -> ``\\`` and ``\\"`` -> ``""``; and how many escapes were read."""
    if b'\\' not in data:
        return data, 0
    backslashes = data.count(b'\\\\')
    data = data.replace(b'\\\\', PLACEHOLDER)
    quotes = data.count(b'\\"')
    return data.replace(b'\\"', b'""').replace(PLACEHOLDER, b'\\'), quotes + backslashes


class Unescaping:
    """A binary stream read through ``unescape``; ``count`` is how many escapes it read.

    A run of backslashes at the end of one read may pair with the next
    read's first byte, so it is held back until then.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.count = 0
        self._held = b''

    def read(self, n: int = -1) -> bytes:
        while True:
            chunk = self.stream.read(n)
            data = self._held + chunk
            if not chunk:  # the end: nothing is left to pair with what was held
                self._held = b''
                return self._unescape(data)
            keep = len(data.rstrip(b'\\'))
            data, self._held = data[:keep], data[keep:]
            if data:
                return self._unescape(data)
            # only backslashes so far: read on

    def _unescape(self, data: bytes) -> bytes:
        text, count = unescape(data)
        self.count += count
        return text
