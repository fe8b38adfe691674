"""Deciding how an upload's bytes become text, and refusing what is not text.

The rules (issue #3): a byte-order mark decides; UTF-16 without a mark is
recognised by its NUL pattern; otherwise UTF-8 when every byte is valid UTF-8,
or when most of the non-ASCII text is (the stray bytes are read as
Windows-1252); otherwise a legacy code page, Windows-1252 with its five
undefined bytes read as Latin-1 unless the text clearly reads better in another.
That choice is made from the runs of non-ASCII bytes of the whole file -- not a
prefix, and not the ASCII around them, which every code page reads alike --
by reading them in each candidate (Windows-1252, -1250, -1251, -1253, -1255,
-1256, ISO-8859-2 and -7, KOI8-R, cp932, EUC-JP, GB18030, cp950, cp949) and
keeping the reading that looks most like text a person wrote (see
``best_codec``). Library detectors alone get this wrong (charset-normalizer
reads ``crème`` as cp1250, a Japanese name among ASCII e-mails as Korean, and
calls NUL-laden binaries UTF-16), so the decision is made here; only
charset-normalizer's lists of the characters Chinese and Japanese use most
are borrowed.
"""
from __future__ import annotations

import codecs
import functools
import operator
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import UnreadableFile

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
_CP1252_UNDEFINED = frozenset((0x81, 0x8D, 0x8F, 0x90, 0x9D))
_CP1252_HIGH = {
    b: bytes([b]).decode('cp1252')
    for b in range(0x80, 0xA0) if b not in _CP1252_UNDEFINED
}
CP1252_TABLE = {chr(b): ch for b, ch in _CP1252_HIGH.items()}
CP1252_TRANSLATE = str.maketrans(CP1252_TABLE)

# By Python's own name for the codec (``codecs.lookup(name).name``).
NAMES = {
    'utf-8': 'UTF-8', 'utf-16-le': 'UTF-16 LE', 'utf-16-be': 'UTF-16 BE', 'cp1252': 'Windows-1252',
    'cp932': 'Shift-JIS (cp932)', 'shift_jis': 'Shift-JIS', 'euc_jp': 'EUC-JP', 'gb18030': 'GB18030',
    'gbk': 'GBK', 'gb2312': 'GB2312', 'cp950': 'Big5 (cp950)', 'big5': 'Big5', 'cp949': 'EUC-KR (cp949)',
    'euc_kr': 'EUC-KR', 'koi8-r': 'KOI8-R', 'koi8-u': 'KOI8-U',
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
        """The name a person knows the encoding by, however the codec was spelt ('koi8_r', 'KOI8-R')."""
        try:
            name = codecs.lookup(self.codec).name
        except LookupError:
            name = self.codec
        if name in NAMES:
            return NAMES[name]
        if name.startswith('cp125'):
            return f'Windows-{name[2:]}'
        if name.startswith('iso8859-'):
            return f'ISO-8859-{name[8:]}'
        return name.upper().replace('_', '-')


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


def binary_nul(scan: ByteScan) -> UnreadableFile:
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
        raise binary_nul(scan)
    if scan.has_nul:
        raise binary_nul(scan)
    scan.ensure_utf8_known(path)
    if scan.utf8:
        return Encoding('utf-8')
    if _mostly_utf8(path):
        return Encoding('utf-8', strays=True)
    return Encoding(_legacy_codec(path))


def _mostly_utf8(path: Path) -> bool:
    """More of the file's non-ASCII text is valid UTF-8 than not: two files pasted together, one stray byte.

    Counted over the whole file, in characters: the valid multi-byte ones
    against the bytes that are not UTF-8 at all. A file of ASCII with a few
    Latin-1 bytes has no valid multi-byte character and stays Windows-1252,
    which reads it the same way; nor does a short legacy file whose bytes
    happen to hold one (Korean ``대구`` in cp949 is a stray byte and ``뱸``).
    """
    decoder = codecs.getincrementaldecoder('utf-8')(errors='replace')
    valid = invalid = 0
    with path.open('rb') as f:
        while data := f.read(CHUNK):
            valid, invalid = _count_utf8(decoder.decode(data), valid, invalid)
    valid, invalid = _count_utf8(decoder.decode(b'', final=True), valid, invalid)   # a cut-off character at the end
    return valid > invalid


def _count_utf8(text: str, valid: int, invalid: int) -> tuple[int, int]:
    replaced = text.count('\ufffd')
    non_ascii = len(text) - len(text.encode('ascii', 'ignore'))
    return valid + non_ascii - replaced, invalid + replaced


# -- legacy code pages ---------------------------------------------------------
#
# A file that is not UTF-8 was written in one of the old one- or two-byte code
# pages. Its ASCII bytes read the same in all of them, so only its non-ASCII
# bytes can tell them apart; and in the files people upload (ids, e-mails and
# codes with one column of Japanese or Russian names) those are a small part of
# a file that may be hundreds of megabytes. So the choice is made on those bytes
# alone, taken from the whole file: each candidate code page reads them, and
# each reading is scored by how little it looks like text a person wrote.

SAMPLE_BUDGET = 256 * 1024   # bytes of runs (with their context) looked at, at most, however big the file
MAX_RUN = 16 * 1024          # a longer run is cut: at most one character at the cut is misread
WORD_CONTEXT = 12            # ASCII letters kept on each side of a run, to see the word it sits in

# A run: bytes >= 0x80, each optionally followed by the one byte a two-byte code
# page may pair with it (0x40-0x7E, or a digit for GB18030's four-byte form) and
# by the ASCII letters up to the next one, so a word with several accents stays
# one run. Made so, a run never ends inside a character of any candidate, and
# decodes alone exactly as it does in the file.
_RUN = re.compile(rb'(?:[\x80-\xff][\x30-\x39\x40-\x7e]?[A-Za-z]{0,%d})+' % WORD_CONTEXT)
_LETTER_BYTES = frozenset(b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')
# Bytes below 0x30 are never part of a character of two or more bytes in any
# candidate, so a chunk may end after one of these without cutting a run.
_SPLITS = (b'\n', b'\r', b'\t', b' ', b',', b'"', b"'")


def legacy_sample(path: Path, budget: int = SAMPLE_BUDGET) -> bytes:
    """The file's distinct runs of non-ASCII bytes with the letters around them, one per line.

    The file is read to its end, chunk by chunk, so that text far from the
    start counts; but only ``budget`` bytes of runs are looked at, spread over
    the file (each chunk may take its share of what is left), so a dense file
    of hundreds of megabytes costs one read and a bounded amount of scoring. A
    run repeated on every row is kept once: it is one piece of evidence, not
    thousands; one byte repeated is left out (``_filler``). Each run stands
    between line breaks, so that its first and last characters have a
    neighbour that is not a letter.
    """
    runs: list[bytes] = []
    seen: set[bytes] = set()
    used = 0
    chunks_left = max(1, -(-path.stat().st_size // CHUNK))
    carry = b''
    with path.open('rb') as f:
        while used < budget:
            data = f.read(CHUNK)
            buf = carry + data
            if not buf:
                break
            cut = max(buf.rfind(split) for split in _SPLITS) + 1 if data else 0
            piece, carry = (buf[:cut], buf[cut:]) if cut else (buf, b'')   # no split point: keep it all
            quota = (budget - used) // chunks_left
            chunks_left = max(1, chunks_left - 1)
            if not piece.isascii():
                taken = 0
                for match in _RUN.finditer(piece):
                    start, end = match.span()
                    first = start
                    while first > 0 and start - first < WORD_CONTEXT and piece[first - 1] in _LETTER_BYTES:
                        first -= 1
                    run = piece[first:min(end, first + MAX_RUN)]
                    taken += len(run) + 1   # looked at, kept or not: the work is bounded either way
                    if run not in seen and not _filler(run):
                        seen.add(run)
                        runs.append(run)
                    if taken >= quota:
                        break
                used += taken
            if not data:
                break
    return b'\n' + b'\n'.join(runs) + b'\n' if runs else b''


_ASCII_BYTES = bytes(range(0x80))


def _filler(run: bytes) -> bool:
    """One byte repeated (ÿÿ, ýýýý): filler or damage, not a word; it says nothing of the language."""
    high = run.translate(None, _ASCII_BYTES)
    return len(high) > 1 and high.count(high[:1]) == len(high)


# The candidates, in the order that breaks a tie, each with a prior cost in bits:
# what a reading must save before it is believed over a more common code page.
# Windows-1252 comes first and free: Western text is the common case, and a file
# whose bytes say nothing else stays Windows-1252. Where one code page contains
# another the larger is the candidate (cp932 for Shift-JIS, GB18030 for GBK and
# GB2312, cp950 for Big5, cp949 for EUC-KR): it reads every file the smaller one
# does, and the ones that use its extra characters.
PRIORS: dict[str, float] = {
    'cp1252': 0.0, 'cp1250': 4.0, 'iso8859_2': 5.0, 'cp1251': 2.0, 'koi8_r': 5.0, 'cp1253': 5.0,
    'iso8859_7': 6.0, 'cp1255': 6.0, 'cp1256': 6.0, 'cp932': 3.0, 'gb18030': 3.0, 'cp950': 4.0,
    'cp949': 4.0, 'euc_jp': 6.0,
}
_CJK = frozenset({'cp932', 'euc_jp', 'gb18030', 'cp950', 'cp949'})
_JAPANESE = frozenset({'cp932', 'euc_jp'})


def _legacy_codec(path: Path) -> str:
    """The legacy code page that reads the file's non-ASCII bytes as the most plausible text.

    Decided on the runs of non-ASCII bytes of the whole file (``legacy_sample``),
    not on a prefix and not on the ASCII around them, which every candidate
    reads alike: Windows-1252 unless another reading is clearly better.
    """
    return best_codec(legacy_sample(path))


def best_codec(sample: bytes) -> str:
    """The candidate whose reading of ``sample`` costs the fewest bits (see ``reading_cost``).

    A tie goes to the candidate listed first in ``PRIORS``.
    """
    if not sample:
        return 'cp1252'
    order = list(PRIORS)
    readings = [(codec, _decode(sample, codec)) for codec in order]
    # The readings with the fewest undecodable bytes first: the best is mostly
    # among them, and its cost lets the others stop scoring early.
    readings.sort(key=lambda reading: (reading[1].count('\ufffd'), order.index(reading[0])))
    # A one-byte code page reads each byte as one character: count the bytes
    # once rather than the characters of each such reading.
    histogram = Counter(sample)
    best, best_cost = 'cp1252', float('inf')
    for codec, text in readings:
        counts = None
        if codec not in _CJK:
            counts = Counter()
            for byte, n in histogram.items():
                counts[_decode(bytes((byte,)), codec)] += n
        cost = reading_cost(codec, text, bound=best_cost, counts=counts)
        if cost < best_cost or (cost == best_cost and order.index(codec) < order.index(best)):
            best, best_cost = codec, cost
    return best


def _decode(sample: bytes, codec: str) -> str:
    if codec == 'cp1252':
        return sample.decode('latin-1').translate(CP1252_TRANSLATE)
    return sample.decode(codec, errors='replace')


def reading_cost(codec: str, text: str, bound: float = float('inf'), counts: Counter | None = None) -> float:
    """How implausible ``text`` is as the reading of a file in ``codec``, in rough bits.

    The sum of the code page's prior, of what each character costs by itself
    (a frequent letter little; a rare symbol, a control character or an
    undecodable byte much), of what neighbours cost (a capital after a small
    letter, a symbol stuck to a word, two alphabets in one word, a kanji
    between Latin letters) and of words that break the rules of every language
    that could have written them. A wrong code page turns words into exactly
    these things; the right one does not. Scoring stops once the cost passes
    ``bound``; ``counts``, if given, are the characters of ``text`` counted.
    """
    cost = PRIORS[codec]
    kind_of = {}
    for ch, n in (counts or Counter(text)).items():
        bits, kind = _char_info(codec, ch)
        cost += n * bits
        kind_of[ord(ch)] = kind
    if cost > bound:
        return cost   # the rest only adds: this reading has lost already
    kinds = text.translate(kind_of)
    for pair, n in Counter(map(operator.add, kinds, kinds[1:])).items():
        cost += n * _PAIRS.get(pair, 0.0)
    # Two capitals, then small letters: KOI8-R read as Windows-1251, or katakana read as Cyrillic.
    cost += _ODD * (kinds.count('CCc') + kinds.count('GGg'))
    words = [(word, n) for word, n in Counter(_WORD.findall(text)).items() if not word.isascii()]
    # Each distinct word is judged in Python: past a few thousand, judge a
    # share of them and scale up (the runs are spread over the file already).
    judged = words[:_WORDS_JUDGED]
    letters: set[str] = set()
    word_cost = 0.0
    for word, n in judged:
        word_cost += n * _word_cost(word)
        if word[0] < '\u0250' and word[-1] < '\u0250':
            letters.update(ch for ch in word.lower() if '\u00c0' <= ch < '\u0250')
    if judged:
        cost += word_cost * sum(n for _, n in words) / sum(n for _, n in judged)
    if letters:
        cost += _EXTRA_LANGUAGE * max(0, _languages_needed(letters) - 1)
    if 'n' in kinds:
        cost += _ODD * (len(_LONE_KANA.findall(text)) + len(_BAD_HALF_WIDTH_KANA.findall(text)))
    if 'n' in kinds or 'k' in kinds:
        cost += _ODD * len(_KANA_AFTER_NOTHING.findall(text))
    if '²' in text or '³' in text or '¹' in text:
        cost += _ODD * len(_POWER_AFTER_WORD.findall(text))
    return cost


_UNDECODABLE = 24.0     # a byte the code page has no character for
_MIXED_WORD = 10.0      # a word no one language writes
_ODD = 6.0              # a word, or a character in a word, against a language's rules
_EXTRA_LANGUAGE = 6.0   # each language beyond the first that the accented letters need
_WORDS_JUDGED = 2048

# Character kinds, one letter each, so that a reading's kinds are a string:
# a/A ASCII letter, d digit, _ space, line break or ASCII punctuation,
# l/L other Latin letter, c/C Cyrillic, g/G Greek, s final sigma, h Hebrew or
# Arabic letter, f Hebrew final letter, ~ combining mark, k CJK ideograph or
# kana, K Hangul, p CJK punctuation, n half-width katakana, m its voiced marks,
# Q an opening and q a closing quote, o a symbol at home next to letters,
# y one that may follow a letter, z one that may precede a letter, x one that
# stands apart from words, ! junk (control characters, private use, box drawing).
_SCRIPT = {'a': 'latin', 'A': 'latin', 'l': 'latin', 'L': 'latin', 'c': 'cyrillic', 'C': 'cyrillic',
           'g': 'greek', 'G': 'greek', 's': 'greek', 'h': 'semitic', 'f': 'semitic'}
_KINDS = '_dlLaAcCgGshfkKpnmQqoyzx!~'


def _pair_costs() -> dict[str, float]:
    """What two neighbouring kinds cost: the patterns a wrong code page makes and real text does not."""
    pairs: dict[str, float] = {}
    for x, script in _SCRIPT.items():
        for y, other in _SCRIPT.items():
            if script != other:
                pairs[x + y] = 8.0                  # two alphabets in one word
        pairs[x + 'k'] = pairs['k' + x] = 6.0       # a kanji stuck to a Latin or Cyrillic letter
        pairs[x + 'K'] = pairs['K' + x] = 6.0
        pairs[x + 'n'] = pairs['n' + x] = 8.0
        pairs[x + 'm'] = pairs['m' + x] = 8.0
        pairs[x + 'Q'] = pairs['q' + x] = 5.0       # an opening quote after a letter, a closing one before
        pairs['y' + x] = pairs[x + 'z'] = 5.0
        pairs[x + 'x'] = pairs['x' + x] = 8.0       # a currency sign or a fraction stuck to a word
        pairs['s' + x] = pairs['f' + x] = 8.0       # a final sigma or a Hebrew final letter inside a word
    for x in _KINDS:
        if x != 'n':
            pairs[x + 'm'] = 8.0                    # a voiced mark on nothing it can voice
        if x not in _SCRIPT:
            pairs[x + 'C'] = pairs[x + 'G'] = pairs[x + 'L'] = 1.5   # a capital begins a word now and then
    pairs['CC'] = pairs['GG'] = pairs['LL'] = 0.5   # and a word in capitals goes on in them
    pairs['cC'] = pairs['gG'] = 8.0                 # a capital after a small letter: KOI8-R and Windows-1251 swapped
    pairs['lL'] = pairs['aL'] = pairs['lA'] = 6.0
    pairs['nk'] = pairs['kn'] = 4.0                 # half-width katakana stuck to kanji
    pairs['kK'] = pairs['Kk'] = 4.0                 # Hanja inside a Hangul word: Chinese bytes read as Korean
    for x, bits in (('l', 4.0), ('L', 4.0), ('h', 4.0), ('f', 4.0), ('c', 2.0), ('C', 2.0), ('g', 2.0), ('G', 2.0)):
        pairs[x + 'd'] = pairs['d' + x] = bits      # a letter stuck to a number: ą0,5 is ±0,5 read as Latin-2
    return pairs


_PAIRS = _pair_costs()

_SYMBOLS: dict[str, tuple[float, str]] = {
    ch: (bits, kind)
    for chars, bits, kind in [
        ('“‘„«¿¡', 9.0, 'Q'), ('‹‚', 13.0, 'Q'), ('”»', 9.0, 'q'), ('›', 13.0, 'q'),
        ('’·×÷–—', 9.0, 'o'), ('™®©…ªº′″²³', 9.0, 'y'), ('¹', 13.0, 'y'), ('µ№°', 9.0, 'z'),
        ('€£¥¢§¶±¼½¾•₪', 9.0, 'x'), ('¤¦¨¯´¸¬‰†‡ˆ˜ƒ΄΅₯', 13.0, 'x'), ('≤≥≈√∙■⌠⌡', 12.0, 'x'),
        ('\xa0', 9.0, '_'), ('\xad', 12.0, '_'), ('\u200c\u200d\u200e\u200f', 16.0, '_'),
    ]
    for ch in chars
}

# Accented Latin letters all cost the same: where Windows-1252 and a Central
# European code page both read a byte as a letter (è or č, ò or ň, ñ or ń), only
# words can tell them apart (see ``_word_cost``); letter frequencies would let a
# long file's many small differences outvote what its words say.
_LATIN_BITS = dict.fromkeys('éèàçüöäóáíñßãøåêôúâõąęłśżčřěšžőůćńëïîûùìòæœýðþźďťňľĺŕăţşđű', 5.0)
# The accented letters each language writes with. A word whose letters fit no
# one language is what a wrong Latin code page makes: Czech ``Dvořák`` read as
# Windows-1252 is ``Dvoøák``, and ø and á together are no language's.
_ALPHABETS = [frozenset(letters) for letters in (
    'àâçéèêëîïôœùûüÿ', 'äöüßé', 'áéíóúñü', 'áâãàçéêíóôõúü', 'àèéìíòóùúî', 'àçèéíïòóúü', 'áéíóúàèëïöü',
    'æøåéóüäö', 'åäöéü', 'äöåšž', 'áðéíóúýþæö', 'çë',
    'ąćęłńóśźż', 'áčďéěíňóřšťúůýž', 'áäčďéíĺľňóôŕšťúýž', 'áéíóöőúüű', 'čćđšž', 'ăâîşţ',
)]
# Cyrillic: the letters beyond those all its languages share, by language
# (Russian, Ukrainian, Bulgarian, Serbian, Macedonian).
_CYRILLIC_ALPHABETS = [frozenset(letters) for letters in ('ёъыэ', 'іїєґ', 'ъ', 'јљњћђџ', 'ѓѕјљњќџ')]
_CYRILLIC_SHARED = frozenset('абвгдежзийклмнопрстуфхцчшщьюя')
_VOWELS = frozenset('aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœąęěůőű' 'аеёиоуыэюяіїє' 'αεηιουωάέήίόύώϊϋΐΰ')
_ONE_LETTER_WORDS = frozenset('вксуоиаяηοήά')
_TONOS = frozenset('άέήίόύώΐΰ')
_GREEK_ENDINGS = frozenset('αεηιουωάέήίόύώϊϋΐΰςνρ')
_GREEK_ONSETS = frozenset(['βγ', 'βδ', 'βλ', 'βρ', 'γδ', 'γκ', 'γλ', 'γν', 'γρ', 'δρ', 'θλ', 'θν', 'θρ', 'κλ', 'κν',
                          'κρ', 'κτ', 'μν', 'μπ', 'ντ', 'πλ', 'πν', 'πρ', 'πτ', 'σβ', 'σγ', 'σθ', 'σκ', 'σλ', 'σμ',
                          'σν', 'σπ', 'στ', 'σφ', 'σχ', 'τζ', 'τμ', 'τρ', 'τσ', 'φθ', 'φλ', 'φρ', 'φτ', 'χθ', 'χλ',
                          'χν', 'χρ', 'χτ'])
_GREEK_DIPHTHONGS = re.compile('[αεο]ι|[αεο]υ|υι')
_WORD = re.compile('[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0386\u0388-\u03ff\u0400-\u04ff\u05d0-\u05ea]+')
_ACCENTED_RUN = re.compile('[\u00c0-\u024f]{3}')
# ² and ³ follow a unit or a variable (m², x³), not a longer word: ``Micha³`` is Polish ł misread.
_POWER_AFTER_WORD = re.compile(r'[^\W\d_]{3,}[²³¹]')
# Small kana and the long-vowel mark follow a kana; they do not begin a word.
_KANA_AFTER_NOTHING = re.compile('(?<![\u3041-\u30ff\uff66-\uff9f])[ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶーｧ-ｰ]')
# Half-width katakana come in words, not one by one; the voiced marks go on the
# kana that take them, and small ya, yu and yo after an i-row kana.
_LONE_KANA = re.compile('(?<![\uff61-\uff9f])[\uff66-\uff9d](?![\uff61-\uff9f])')
_BAD_HALF_WIDTH_KANA = re.compile('(?<![ｳｶ-ﾄﾊ-ﾎ])ﾞ|(?<![ﾊ-ﾎ])ﾟ|(?<![ｷｼﾁﾆﾋﾐﾘﾞﾟ])[ｬｭｮ]|(?<![ｳｸｽﾂﾃﾄﾌｼﾁﾞﾟｲ])[ｧｨｩｪｫ]')


def _languages_needed(letters: set[str]) -> int:
    """How many languages it takes to write these accented letters (counted greedily: near enough).

    A file is mostly in one language; a wrong code page scatters its letters
    over several (Hungarian ``Szőke Ödön`` read as Windows-1252 is ``Szõke
    Ödön``: Portuguese õ and German ö).
    """
    left, needed = set(letters), 0
    while left:
        covered = max((left & alphabet for alphabet in _ALPHABETS), key=len)
        if not covered:
            return needed + len(left)
        left -= covered
        needed += 1
    return needed


@functools.lru_cache(maxsize=1 << 14)
def _word_cost(word: str) -> float:
    """What a word of a reading costs for breaking the rules of the languages that could have written it.

    Latin: its accented letters belong to one language, and no three follow
    one another; a word of one letter outside Latin-1 (ľ, ą: ¾ and ± read as
    Latin-2) is none; Italian ì and ù end a word; Spanish ñ and French œ come
    before a vowel (``Poznañ`` is Polish ń misread), Polish ń and Czech ň do
    not. Cyrillic: its letters belong to one language; the soft and hard
    signs follow a consonant and й a vowel. Greek: it ends in a vowel, ς, ν or
    ρ, begins with a cluster Greek has, and if it has several syllables one
    carries an accent. Hebrew: כ מ נ פ צ end a word in their final forms.
    Cyrillic and Greek words have a vowel, and only a few are one letter long.
    """
    lower = word.lower()
    script = max(lower[0], lower[-1])
    if script < '\u0370':
        return _latin_word_cost(lower)
    if len(lower) == 1:
        return 0.0 if lower in _ONE_LETTER_WORDS else _ODD
    if script >= '\u05d0':
        return _ODD if lower[-1] in 'כמנפצ' else 0.0
    cost = 0.0
    if script >= '\u0400':
        if not any(set(lower) - _CYRILLIC_SHARED <= alphabet for alphabet in _CYRILLIC_ALPHABETS):
            cost += _MIXED_WORD
        for i, ch in enumerate(lower):
            after_vowel = i > 0 and lower[i - 1] in _VOWELS
            sign = ch in 'ьъ' and (i == 0 or after_vowel)
            if sign or ch == 'ы' and i == 0 or ch == 'й' and i > 0 and not after_vowel:
                cost += _ODD
    elif word == lower:   # Greek in capitals drops its accents
        if lower[-1] not in _GREEK_ENDINGS:
            cost += _ODD
        if lower[0] not in _VOWELS and lower[1] not in _VOWELS and lower[:2] not in _GREEK_ONSETS:
            cost += _ODD
        syllables = sum(ch in _VOWELS for ch in lower) - len(_GREEK_DIPHTHONGS.findall(lower))
        if syllables >= 2 and not _TONOS.intersection(lower):
            cost += _ODD
    if len(lower) >= 3 and not _VOWELS.intersection(lower):
        cost += _ODD
    return cost


def _latin_word_cost(lower: str) -> float:
    cost = 0.0
    letters = {ch for ch in lower if ch >= '\u00c0'}
    if not any(letters <= alphabet for alphabet in _ALPHABETS):
        cost += _MIXED_WORD
    if len(lower) == 1 and lower > '\u00ff':
        cost += _ODD
    if _ACCENTED_RUN.search(lower):
        cost += _ODD
    last = len(lower) - 1
    for i, ch in enumerate(lower):
        before_vowel = i < last and lower[i + 1] in _VOWELS
        if ch in 'ìù' and i < last or ch in 'ñœ' and last and not before_vowel or ch in 'ńň' and before_vowel:
            cost += _ODD
    return cost


# Letter frequencies in bits (-log2 of the share among letters): Russian, with
# the letters of Ukrainian, Belarusian, Serbian and Macedonian; Greek; Hebrew
# and Arabic.
_CYRILLIC_BITS = {
    'о': 3.2, 'е': 3.6, 'а': 3.6, 'и': 3.8, 'н': 3.9, 'т': 4.0, 'с': 4.2, 'р': 4.4, 'в': 4.5, 'л': 4.5,
    'к': 4.8, 'м': 5.0, 'д': 5.1, 'п': 5.2, 'у': 5.3, 'я': 5.6, 'ы': 5.7, 'ь': 5.8, 'г': 5.9, 'з': 5.9,
    'б': 6.0, 'ч': 6.1, 'й': 6.4, 'х': 6.7, 'ж': 6.7, 'ш': 7.1, 'ю': 7.3, 'ц': 7.7, 'щ': 8.1, 'э': 8.3,
    'ф': 8.6, 'ъ': 7.5, 'ё': 8.0, 'і': 4.5, 'ї': 7.0, 'є': 7.0, 'ґ': 10.0, 'ў': 8.0, 'ј': 6.0, 'љ': 8.0,
    'њ': 8.0, 'ћ': 7.0, 'ђ': 9.0, 'џ': 9.0, 'ѓ': 10.0, 'ќ': 10.0, 'ѕ': 10.0,
}
_GREEK_BITS = {
    'α': 3.3, 'ο': 3.3, 'ι': 3.4, 'ε': 3.7, 'τ': 3.7, 'ν': 3.9, 'σ': 4.5, 'ς': 4.8, 'ρ': 4.5, 'κ': 4.8,
    'η': 4.8, 'π': 5.0, 'υ': 5.0, 'μ': 5.1, 'λ': 5.2, 'ί': 5.6, 'ό': 5.8, 'ά': 5.9, 'γ': 6.0, 'έ': 6.0,
    'δ': 6.2, 'ή': 6.5, 'ω': 6.5, 'χ': 7.0, 'θ': 7.2, 'ύ': 7.0, 'ώ': 7.6, 'φ': 7.5, 'β': 7.5, 'ξ': 8.5,
    'ζ': 8.7, 'ψ': 9.5, 'ϊ': 11.0, 'ΐ': 12.0, 'ϋ': 12.0, 'ΰ': 13.0,
}
_SEMITIC_BITS = {
    'י': 3.2, 'ו': 3.3, 'ה': 3.5, 'ל': 3.8, 'א': 4.1, 'ר': 4.1, 'מ': 4.2, 'ת': 4.3, 'ב': 4.3, 'ש': 4.5,
    'נ': 4.6, 'ד': 5.1, 'ע': 5.1, 'כ': 5.1, 'ח': 5.3, 'ק': 5.3, 'ם': 5.3, 'פ': 5.9, 'ס': 6.0, 'ן': 6.0,
    'ג': 6.3, 'ט': 6.4, 'צ': 6.5, 'ז': 6.8, 'ך': 7.4, 'ף': 8.4, 'ץ': 9.0,
    'ا': 3.0, 'ل': 3.2, 'ي': 3.8, 'م': 4.0, 'و': 4.0, 'ن': 4.2, 'ر': 4.5, 'ت': 4.6, 'ب': 4.6, 'ة': 5.0,
    'ع': 5.0, 'د': 5.0, 'ه': 5.0, 'س': 5.3, 'ف': 5.3, 'ك': 5.4, 'ق': 5.6, 'أ': 5.6, 'ح': 5.8, 'ج': 6.4,
    'ش': 6.6, 'ط': 6.8, 'ص': 6.8, 'ى': 7.0, 'خ': 7.0, 'إ': 7.0, 'ذ': 7.2, 'ض': 7.6, 'ز': 7.6, 'ث': 8.0,
    'غ': 8.0, 'ظ': 9.0, 'آ': 9.0, 'ئ': 8.4, 'ؤ': 9.0, 'ء': 8.4, 'پ': 8.0, 'چ': 8.0, 'ژ': 9.0, 'گ': 8.0,
    'ک': 8.0, 'ی': 8.0,
}
# Hangul syllables by their letters (initial, vowel, final, in Unicode's order):
# frequent ones are cheap, so real Korean costs little, and the syllables that
# another code page's bytes happen to make (tense initials, rare vowels, double
# finals) cost much.
_HANGUL_INITIAL = (2, 5, 3, 3, 5, 3, 3, 3, 6, 2, 5, 1, 2, 6, 4, 5, 4, 4, 2)
_HANGUL_VOWEL = (1, 3, 5, 8, 2, 3, 3, 5, 2, 4, 7, 5, 5, 2, 5, 8, 6, 5, 2, 4, 1)
_HANGUL_FINAL = (0.5, 3, 7, 10, 2, 9, 8, 7, 2.5, 7, 8, 8, 10, 10, 10, 9, 3.5, 4, 6, 5, 4, 3, 7, 8, 10, 8, 8, 8)


@functools.lru_cache(maxsize=1 << 16)
def _char_info(codec: str, ch: str) -> tuple[float, str]:
    """What one character of a reading in ``codec`` costs by itself, and its kind (see ``_KINDS``)."""
    o = ord(ch)
    if o < 0x80:
        if ch.isalpha():
            return 4.7, 'a' if ch.islower() else 'A'
        if ch.isdigit():
            return 3.3, 'd'
        return (0.0 if ch == '\n' else 4.0), '_'
    if ch == '\ufffd':
        return _UNDECODABLE, '!'
    if o < 0xa0 or 0xe000 <= o <= 0xf8ff or 0x2500 <= o <= 0x259f:
        # Windows-1252's five undefined bytes turn up in Western files now and
        # then (the reader keeps them, as Latin-1); other controls do not.
        return (12.0 if codec == 'cp1252' and o in _CP1252_UNDEFINED else 20.0), '!'
    if codec in _CJK:
        return _cjk_info(codec, ch, o)
    if ch in _SYMBOLS:
        return _SYMBOLS[ch]
    category = unicodedata.category(ch)
    if category.startswith('M'):
        return 10.0, '~'
    if not category.startswith('L'):
        return 14.0, 'x'
    lower = ch.lower()
    capital = ch != lower   # what a capital costs depends on its neighbours (see ``_pair_costs``)
    if o <= 0x24f:
        # Windows-1256 has the French letters too, but an Arabic file is mostly Arabic.
        return _LATIN_BITS.get(lower, 8.0) + (3.0 if codec == 'cp1256' else 0.0), 'L' if capital else 'l'
    if 0x400 <= o <= 0x4ff:
        return _CYRILLIC_BITS.get(lower, 11.0), 'C' if capital else 'c'
    if 0x370 <= o <= 0x3ff:
        return _GREEK_BITS.get(lower, 11.0), 's' if ch == 'ς' else 'G' if capital else 'g'
    if 0x590 <= o <= 0x6ff:
        return _SEMITIC_BITS.get(ch, 8.5), 'f' if ch in 'ךםןףץ' else 'h'
    return 14.0, 'x'


def _cjk_info(codec: str, ch: str, o: int) -> tuple[float, str]:
    """What a character costs in a reading as Japanese, Chinese or Korean, and its kind.

    Kana are cheap in a Japanese reading and dear in the others (a Chinese or
    Korean file seldom has them); ideographs cost by the level their code page
    puts them in (``_ideograph_bits``); Hangul by its letters (``_HANGUL_*``).
    """
    japanese = codec in _JAPANESE
    if 0x3041 <= o <= 0x309f:
        return (6.0 if japanese else 12.0), 'k'
    if 0x30a0 <= o <= 0x30ff:
        return (8.0, 'p') if o == 0x30fb else ((7.0 if japanese else 12.0), 'k')
    if 0xff61 <= o <= 0xff9f:
        return (10.0, 'p') if o <= 0xff65 else (7.0, 'n') if o <= 0xff9d else (7.0, 'm')
    if 0xac00 <= o <= 0xd7a3:
        if codec != 'cp949':
            return 18.0, 'K'
        try:
            ch.encode('euc_kr')
        except UnicodeEncodeError:
            return 17.0, 'K'   # one of the 8,822 syllables outside KS X 1001
        s = o - 0xac00
        return 3.0 + _HANGUL_INITIAL[s // 588] + _HANGUL_VOWEL[s % 588 // 28] + _HANGUL_FINAL[s % 28], 'K'
    if 0x4e00 <= o <= 0x9fff or 0x3400 <= o <= 0x4dbf or 0xf900 <= o <= 0xfaff or o >= 0x20000:
        return _ideograph_bits(codec, ch), 'k'
    if 0x3000 <= o <= 0x303f or 0xff01 <= o <= 0xff60 or 0xffe0 <= o <= 0xffee:
        if 0xff10 <= o <= 0xff19 or 0xff21 <= o <= 0xff3a or 0xff41 <= o <= 0xff5a:
            return 9.0, 'k'   # full-width letters and digits
        return 8.0, 'p'
    if ch in _SYMBOLS:
        return _SYMBOLS[ch]
    if 0x3131 <= o <= 0x318e or 0x3105 <= o <= 0x312f:
        return 14.0, 'k'   # Hangul letters or bopomofo standing alone
    if 0x2460 <= o <= 0x24ff or 0x3200 <= o <= 0x33ff:
        return 12.0, 'p'   # circled numbers, units in a square
    if unicodedata.category(ch).startswith('L'):
        return 14.0, 'k'   # Greek, Cyrillic or accented Latin letters from a CJK set: rare in CJK text
    return 11.0, 'p'


# Each CJK code page lists its ideographs in two levels, the frequent first (by
# lead byte): JIS levels 1 and 2, GB2312 levels 1 and 2, Big5's frequent and less
# frequent hanzi. What lies beyond (GBK's and cp932's extensions, Hanja in a
# Korean text) is rare in real text, and is where another code page's bytes
# mostly land. A level-1 character costs about what picking one of ~4,000 does.
_IDEOGRAPH_LEVELS = {'cp932': ((0x88, 0x98), (0x99, 0xea)), 'euc_jp': ((0xb0, 0xcf), (0xd0, 0xf4)),
                     'gb18030': ((0xb0, 0xd7), (0xd8, 0xf7)), 'cp950': ((0xa4, 0xc6), (0xc9, 0xf9))}
_FREQUENT, _LESS_FREQUENT, _RARE = 12.0, 14.0, 17.0


def _ideograph_bits(codec: str, ch: str) -> float:
    """What an ideograph costs in a reading as ``codec``: by the level the code page puts it in."""
    try:
        data = ch.encode(codec)
    except UnicodeEncodeError:
        return _RARE
    if codec not in _IDEOGRAPH_LEVELS or len(data) != 2 or codec == 'gb18030' and data[1] < 0xa1:
        return _RARE
    (first, last), (second, end) = _IDEOGRAPH_LEVELS[codec]
    if ch in _most_used('Japanese' if codec in _JAPANESE else 'Chinese'):
        return _MOST_USED
    return _FREQUENT if first <= data[0] <= last else _LESS_FREQUENT if second <= data[0] <= end else _RARE


_MOST_USED = 9.0


@functools.cache
def _most_used(language: str) -> frozenset[str]:
    """The hundred or so characters a language uses most, as charset-normalizer lists them.

    A level holds thousands; real text leans on these few, and another code
    page's bytes seldom land on them: Japanese names in EUC-JP and GB2312's
    hanzi share their bytes, and these tell them apart when anything can.
    """
    try:
        from charset_normalizer.constant import FREQUENCIES
        return frozenset(FREQUENCIES.get(language, ()))
    except Exception:   # a refinement only: without it the levels still decide
        return frozenset()


class StrayBytes:
    """Counts the bytes the encoding has no character for, and says what became of them.

    In a mostly-UTF-8 file they are read as Windows-1252, one by one
    (``replace``). In a file read in another encoding (a guess, or one a
    person named) they can only be shown as U+FFFD (``lose``), and the
    warning says so: no byte may vanish unannounced. ``count`` is how many
    there were; ``first_line`` the 1-based line of the first one (so a person
    can find it in the file); ``label`` the encoding the file was read in.
    """

    def __init__(self) -> None:
        self.count = 0
        self.first_line: int | None = None
        self.lines_before = 0          # line breaks in the chunks decoded before the current one
        self.label: str | None = None  # set when bytes were lost rather than read as Windows-1252

    def replace(self, error: UnicodeDecodeError) -> tuple[str, int]:
        bad = self._met(error)
        return bad.decode('latin-1').translate(CP1252_TRANSLATE), error.end

    def lose(self, error: UnicodeDecodeError) -> tuple[str, int]:
        return '\ufffd' * len(self._met(error)), error.end

    def _met(self, error: UnicodeDecodeError) -> bytes:
        bad = error.object[error.start:error.end]
        if self.first_line is None:
            self.first_line = self.lines_before + error.object.count(b'\n', 0, error.start) + 1
        self.count += len(bad)
        return bad

    def warning(self) -> str | None:
        if not self.count:
            return None
        what = 'byte was' if self.count == 1 else 'bytes were'
        if self.label is not None:
            return (f'{self.count:,} {what} not valid {self.label} and shown as \ufffd '
                    f'(the first on line {self.first_line:,}); "Read differently" can try another encoding.')
        return (f'{self.count:,} {what} not valid UTF-8 and read as Windows-1252 '
                f'(the first on line {self.first_line:,}).')


# One error handler for the process (codecs keeps every registered one for
# good); it reports to the StrayBytes of the decode running on its thread.
_DECODING = threading.local()
codecs.register_error('tsv-stray', lambda error: _DECODING.strays.replace(error))
codecs.register_error('tsv-lost', lambda error: _DECODING.strays.lose(error))


def decode_chunks(path: Path, encoding: Encoding, chunk: int = CHUNK, strays: StrayBytes | None = None):
    """Yield the file's text in pieces, never failing on a byte."""
    if encoding.codec != 'cp1252':  # the lenient Windows-1252 below has no error to count
        strays = strays or StrayBytes()
        if encoding.strays:
            decoder = codecs.getincrementaldecoder('utf-8')(errors='tsv-stray')
        else:
            strays.label = encoding.label
            decoder = codecs.getincrementaldecoder(encoding.codec)(errors='tsv-lost')
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
    with path.open('rb') as f:
        while data := f.read(chunk):
            yield data.decode('latin-1').translate(CP1252_TRANSLATE)


def transcode_to_utf8(path: Path, encoding: Encoding, dest: Path, strays: StrayBytes | None = None) -> ByteScan:
    """Write the file's text as UTF-8 so the columnar reader can take it; scan what was written."""
    scan = ByteScan()
    with dest.open('wb') as out:
        for text in decode_chunks(path, encoding, strays=strays):
            data = text.encode('utf-8')
            scan.feed(data)
            out.write(data)
    return scan.finish()
