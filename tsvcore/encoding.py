"""Deciding how an upload's bytes become text, and refusing what is not text.

The rules (issue #3): a byte-order mark decides; UTF-16 without a mark is
recognised by its NUL pattern; otherwise UTF-8 when every byte is valid UTF-8;
otherwise Windows-1252 with its five undefined bytes read as Latin-1, unless
the text clearly reads better in another legacy encoding. Library detectors
alone get this wrong (charset-normalizer reads ``crème`` as cp1250 and calls
NUL-laden binaries UTF-16), so the decision is made here and a detector is only
consulted for text that is plainly not Western European.
"""
from __future__ import annotations

import codecs
import threading
from dataclasses import dataclass
from pathlib import Path

from .errors import UnreadableFile

CHUNK = 1 << 20
HEAD = 64 * 1024

BOMS: list[tuple[bytes, str]] = [
    (codecs.BOM_UTF8, 'utf-8'),
    (codecs.BOM_UTF16_LE, 'utf-16-le'),
    (codecs.BOM_UTF16_BE, 'utf-16-be'),
]

SIGNATURES: list[tuple[bytes, str]] = [
    (b'\x89PNG\r\n\x1a\n', 'a PNG image'),
    (b'PK\x03\x04', 'a ZIP archive (an .xlsx workbook is one too)'),
    (b'PK\x05\x06', 'a ZIP archive'),
    (b'%PDF-', 'a PDF document'),
    (b'\x1f\x8b', 'a GZIP archive'),
    (b'BZh', 'a BZIP2 archive'),
    (b'\xfd7zXZ\x00', 'an XZ archive'),
    (b'7z\xbc\xaf\x27\x1c', 'a 7-Zip archive'),
    (b'\xff\xd8\xff', 'a JPEG image'),
    (b'GIF87a', 'a GIF image'),
    (b'GIF89a', 'a GIF image'),
    (b'SQLite format 3\x00', 'an SQLite database'),
    (b'\x7fELF', 'a program'),
    (b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1', 'an old Excel/Word document'),
    (b'PAR1', 'a Parquet file'),
    (b'ARROW1', 'an Arrow file'),
]

# Windows-1252 leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D undefined; Python's cp1252
# codec fails on them. Decoding as Latin-1 and mapping 0x80-0x9F through this
# table gives cp1252 where it is defined and Latin-1 where it is not, so decoding
# never fails and never drops a byte.
_CP1252_HIGH = {
    b: bytes([b]).decode('cp1252')
    for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}
CP1252_TABLE = {chr(b): ch for b, ch in _CP1252_HIGH.items()}
CP1252_TRANSLATE = str.maketrans(CP1252_TABLE)

WESTERN = {'cp1252', 'latin_1', 'iso8859_15', 'iso8859_1', 'cp1250', 'iso8859_2', 'cp850', 'cp437',
           'mac_roman', 'ascii', 'utf_8', 'cp1257', 'iso8859_13', 'cp1254', 'iso8859_9', 'iso8859_3',
           'iso8859_4', 'iso8859_10', 'iso8859_14', 'iso8859_16', 'mac_latin2', 'cp858', 'cp1258'}

NAMES = {
    'utf-8': 'UTF-8', 'utf-16-le': 'UTF-16 LE', 'utf-16-be': 'UTF-16 BE', 'cp1252': 'Windows-1252',
}


@dataclass(frozen=True)
class Encoding:
    """How to turn the file's bytes into text: codec name and bytes to skip."""

    codec: str          # a Python codec name, or 'cp1252' meaning our lenient variant
    skip: int = 0       # length of the byte-order mark
    bom: bool = False
    strays: bool = False  # UTF-8 with a few bytes that are not: those are read as Windows-1252, one by one

    @property
    def label(self) -> str:
        """The name a person knows the encoding by."""
        if self.codec in NAMES:
            return NAMES[self.codec]
        if self.codec.startswith('cp125'):
            return f'Windows-{self.codec[2:]}'
        return self.codec.upper().replace('_', '-')


def refuse_binary(head: bytes) -> None:
    """Refuse known binary formats by their signature, before anything else."""
    for signature, what in SIGNATURES:
        if head.startswith(signature):
            raise UnreadableFile(f'This looks like {what}, not a text table. '
                                 'Please upload a tab-separated (or comma-separated) text file.')


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text of mostly ASCII has a NUL in every other byte."""
    sample = head[: len(head) - len(head) % 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul > 0.3 and even_nul < 0.05:
        codec = 'utf-16-le'
    elif even_nul > 0.3 and odd_nul < 0.05:
        codec = 'utf-16-be'
    else:
        return None
    # Real text decodes without control characters; binary that happens to have
    # NULs in one lane does not.
    text = sample.decode(codec, errors='replace')
    if any(ch < ' ' and ch not in '\t\r\n' for ch in text) or '\ufffd' in text:
        return None
    return codec


class ByteScan:
    """One pass over the raw bytes: everything decided before parsing.

    Fed chunk by chunk, either while an upload streams to disk (so the work
    overlaps the network) or by reading a file. Keeps the head for sniffing,
    whether the bytes are valid UTF-8 and NUL-free, and the line count that
    tells the fast path how many empty lines it skipped.
    """

    def __init__(self, check_utf8: bool = True) -> None:
        self.size = 0
        self.head = b''
        self.has_nul = False
        # None: not checked while streaming (the streamed parse validates UTF-8
        # itself); ``ensure_utf8_known`` decides later if it must.
        self.utf8: bool | None = True if check_utf8 else None
        self.breaks = 0
        self.has_content = False
        self._decoder = codecs.getincrementaldecoder('utf-8')()
        self._prev_cr = False
        self._last = b''
        self._lines_before = 0   # LF bytes in the chunks fed so far
        self.nul_line = 0        # the 1-based line of the first NUL byte, if any

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        if len(self.head) < HEAD:
            self.head += chunk[:HEAD - len(self.head)]
        body = chunk
        if self.size == 0 and chunk.startswith(codecs.BOM_UTF8):
            body = chunk[len(codecs.BOM_UTF8):]  # a mark is not content
        self.size += len(chunk)
        if not self.has_nul and b'\x00' in chunk:
            self.has_nul = True
            self.nul_line = self._lines_before + chunk.count(b'\n', 0, chunk.index(b'\x00')) + 1
        if self.utf8:
            try:
                self._decoder.decode(chunk)
            except UnicodeDecodeError:
                self.utf8 = False
        # usually none: `in` is a memchr, far cheaper than counting, and CRLF then needs no search
        carriage_returns = chunk.count(b'\r') if b'\r' in chunk else 0
        self.breaks += chunk.count(b'\n') + carriage_returns - (chunk.count(b'\r\n') if carriage_returns else 0)
        if self._prev_cr and chunk.startswith(b'\n'):
            self.breaks -= 1  # a CRLF split across two chunks
        self._prev_cr = chunk.endswith(b'\r')
        if not self.has_nul:
            self._lines_before += chunk.count(b'\n')
        if not self.has_content and body.strip():
            self.has_content = True
        self._last = chunk[-1:]

    def ensure_utf8_known(self, path: Path) -> None:
        """Validate the file as UTF-8 now if it was not validated while it streamed in."""
        if self.utf8 is None:
            decoder = codecs.getincrementaldecoder('utf-8')()
            self.utf8 = True
            try:
                with path.open('rb') as f:
                    while chunk := f.read(CHUNK):
                        decoder.decode(chunk)
                decoder.decode(b'', final=True)
            except UnicodeDecodeError:
                self.utf8 = False

    def finish(self) -> 'ByteScan':
        if self.utf8:
            try:
                self._decoder.decode(b'', final=True)
            except UnicodeDecodeError:
                self.utf8 = False
        return self

    @property
    def lines(self) -> int:
        """Lines as the reader counts them: LF, CRLF or lone CR; the last break optional."""
        return self.breaks + (1 if self._last and self._last not in (b'\n', b'\r') else 0)

    @classmethod
    def of_file(cls, path: Path) -> 'ByteScan':
        scan = cls()
        with path.open('rb') as f:
            while chunk := f.read(CHUNK):
                scan.feed(chunk)
        return scan.finish()


BINARY_NUL = 'This file contains binary data (NUL bytes), not text. Please upload a tab-separated text file.'


def _binary_nul(scan: ByteScan) -> UnreadableFile:
    where = f' The first NUL byte is on line {scan.nul_line:,}.' if scan.nul_line else ''
    return UnreadableFile(BINARY_NUL + where)


def detect(scan: ByteScan, path: Path) -> Encoding:
    """Decide the encoding from a finished scan of the file's bytes.

    Raises UnreadableFile for empty or binary files.
    """
    if scan.size == 0:
        raise UnreadableFile('The file is empty.')
    head = scan.head
    for bom, codec in BOMS:
        if head.startswith(bom):
            if codec == 'utf-8':
                scan.ensure_utf8_known(path)
                return Encoding(codec, len(bom), bom=True, strays=not scan.utf8)
            return Encoding(codec, len(bom), bom=True)
    refuse_binary(head)
    if b'\x00' in head:
        codec = _utf16_without_bom(head)
        if codec:
            return Encoding(codec)
        raise _binary_nul(scan)
    if scan.has_nul:
        raise _binary_nul(scan)
    scan.ensure_utf8_known(path)
    if scan.utf8:
        return Encoding('utf-8')
    if _mostly_utf8(path):
        return Encoding('utf-8', strays=True)
    return Encoding(_legacy_codec(path))


def _mostly_utf8(path: Path) -> bool:
    """More of the file's non-ASCII text is valid UTF-8 than not: two files pasted together, one stray byte.

    Counted over the whole file: the extra bytes of valid multi-byte characters
    against the bytes that are not UTF-8 at all. A file of ASCII with a few
    Latin-1 bytes has no valid multi-byte character and stays Windows-1252,
    which reads it the same way.
    """
    decoder = codecs.getincrementaldecoder('utf-8')(errors='replace')
    extra = invalid = 0
    with path.open('rb') as f:
        while data := f.read(CHUNK):
            text = decoder.decode(data)
            replaced = text.count('\ufffd')
            invalid += replaced
            extra += len(data) - len(text)
    return extra > invalid


def _legacy_codec(path: Path) -> str:
    """Windows-1252 unless the text is plainly in a non-Western legacy encoding."""
    with path.open('rb') as f:
        sample = f.read(HEAD)
    high = sum(1 for b in sample if b >= 0x80)
    letters = sum(1 for b in sample if (0x41 <= b <= 0x5A) or (0x61 <= b <= 0x7A))
    # Western European text is mostly ASCII letters with a sprinkle of accents.
    # Cyrillic, Greek, Hebrew, Arabic or CJK text is mostly high bytes.
    if high < 0.3 * (high + letters):
        return 'cp1252'
    try:
        from charset_normalizer import from_bytes
        best = from_bytes(sample).best()
    except Exception:  # a detector failing must never fail the upload
        return 'cp1252'
    if best is None or best.encoding in WESTERN or best.chaos > 0.2:
        return 'cp1252'
    return best.encoding


class StrayBytes:
    """Counts the bytes that were not UTF-8 and were read as Windows-1252, one by one.

    ``count`` is how many there were; ``first_line`` the 1-based line of the
    first one (so a person can find it in the file).
    """

    def __init__(self) -> None:
        self.count = 0
        self.first_line: int | None = None
        self.lines_before = 0          # line breaks in the chunks decoded before the current one

    def replace(self, error: UnicodeDecodeError) -> tuple[str, int]:
        bad = error.object[error.start:error.end]
        if self.first_line is None:
            self.first_line = self.lines_before + error.object.count(b'\n', 0, error.start) + 1
        self.count += len(bad)
        return bad.decode('latin-1').translate(CP1252_TRANSLATE), error.end

    def warning(self) -> str | None:
        if not self.count:
            return None
        what = 'byte was' if self.count == 1 else 'bytes were'
        return (f'{self.count:,} {what} not valid UTF-8 and read as Windows-1252 '
                f'(the first on line {self.first_line:,}).')


# One error handler for the process (codecs keeps every registered one for
# good); it reports to the StrayBytes of the decode running on its thread.
_DECODING = threading.local()
codecs.register_error('tsv-stray', lambda error: _DECODING.strays.replace(error))


def decode_chunks(path: Path, encoding: Encoding, chunk: int = CHUNK, strays: StrayBytes | None = None):
    """Yield the file's text in pieces, never failing on a byte."""
    if encoding.strays:
        strays = strays or StrayBytes()
        decoder = codecs.getincrementaldecoder('utf-8')(errors='tsv-stray')
        with path.open('rb') as f:
            f.seek(encoding.skip)
            while data := f.read(chunk):
                _DECODING.strays = strays
                text = decoder.decode(data)
                strays.lines_before += data.count(b'\n')
                yield text
            _DECODING.strays = strays
            tail = decoder.decode(b'', final=True)
            if tail:
                yield tail
        return
    if encoding.codec == 'cp1252':
        with path.open('rb') as f:
            while data := f.read(chunk):
                yield data.decode('latin-1').translate(CP1252_TRANSLATE)
        return
    decoder = codecs.getincrementaldecoder(encoding.codec)(errors='replace')
    with path.open('rb') as f:
        f.seek(encoding.skip)
        while data := f.read(chunk):
            yield decoder.decode(data)
        tail = decoder.decode(b'', final=True)
        if tail:
            yield tail


def transcode_to_utf8(path: Path, encoding: Encoding, dest: Path, strays: StrayBytes | None = None) -> ByteScan:
    """Write the file's text as UTF-8 so the columnar reader can take it; scan what was written."""
    scan = ByteScan()
    with dest.open('wb') as out:
        for text in decode_chunks(path, encoding, strays=strays):
            data = text.encode('utf-8')
            scan.feed(data)
            out.write(data)
    return scan.finish()
