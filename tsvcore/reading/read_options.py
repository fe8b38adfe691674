"""What a person may tell the reader instead of letting it guess: encoding, delimiter, header line.

Every guess the reader makes (rules 1 and 4) can be wrong for some file, so
each can be overridden: ``?encoding=``, ``?delimiter=`` and ``?header_row=``
on an upload or a replacement, and the page's "Read differently" control,
which re-reads a version's original bytes with them (issue #12, section 3).
"""
from __future__ import annotations

import codecs
from dataclasses import asdict, dataclass

from ..errors import BadParameter

# A delimiter may be named or given as the character itself.
DELIMITER_NAMES = {
    'tab': '\t', '\\t': '\t', 'comma': ',', 'semicolon': ';', 'pipe': '|', 'space': ' ',
    'none': '', 'one column': '',
}
# Python's codec names, and the names a person knows them by.
ENCODING_ALIASES = {
    'windows-1252': 'cp1252', 'shift-jis': 'cp932', 'shift_jis': 'cp932', 'sjis': 'cp932',
    'gbk': 'gb18030', 'gb2312': 'gb18030', 'euc-kr': 'cp949', 'euc_kr': 'cp949',
}
MAX_HEADER_ROW = 1000
# Text encodings by Python's reckoning that no table file is written in (and whose
# decoders refuse the reader's own error handlers).
NOT_FOR_FILES = {'idna', 'punycode', 'raw-unicode-escape', 'raw_unicode_escape', 'unicode-escape',
                 'unicode_escape', 'utf-7', 'undefined', 'mbcs', 'oem'}


@dataclass(frozen=True)
class ReadOptions:
    """What the reader must not guess. ``None`` means: guess as usual.

    ``encoding`` is a Python codec name ('utf-8', 'cp1252', 'cp932'...);
    ``delimiter`` one character, or '' for one column; ``header_row`` the
    1-based line of the file that holds the header (lines above it are skipped);
    ``escape`` True to read ``\\"`` as a quote and ``\\\\`` as a backslash, False
    to keep backslashes as written.
    """

    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None
    escape: bool | None = None    # backslash-escaped quotes (\"): read as quotes, kept as written, or guessed

    @classmethod
    def parse(cls, encoding: str | None = None, delimiter: str | None = None,
              header_row: str | int | None = None, escape: str | bool | None = None) -> 'ReadOptions':
        """Options from query parameters or a form; raises BadParameter with a sentence."""
        return cls(_encoding(encoding), _delimiter(delimiter), _header_row(header_row), _escape(escape))

    @property
    def given(self) -> dict:
        """The options that were set, for the version's metadata."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    def __bool__(self) -> bool:
        return bool(self.given)


def _encoding(raw: str | None) -> str | None:
    if raw is None or not raw.strip() or raw.strip().lower() == 'auto':
        return None
    name = ENCODING_ALIASES.get(raw.strip().lower(), raw.strip())
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise BadParameter(f'"{raw[:40]}" is not an encoding this server knows; try utf-8, windows-1252, '
                           'cp932 (Shift-JIS), gb18030, big5, cp949 (EUC-KR), windows-1251, koi8-r, '
                           'iso-8859-2 or iso-8859-7.') from None
    if not getattr(info, '_is_text_encoding', True) or info.name in NOT_FOR_FILES:
        raise BadParameter(f'"{raw[:40]}" is not an encoding a text file is written in.')
    return 'cp1252' if info.name == 'cp1252' else info.name


def _delimiter(raw: str | None) -> str | None:
    if raw is None or raw == '' or raw.lower() == 'auto':
        return None
    delimiter = DELIMITER_NAMES.get(raw.lower(), raw)
    if len(delimiter) > 1 or delimiter in ('"', '\r', '\n') or (delimiter and ord(delimiter) > 0x7F):
        raise BadParameter(f'The delimiter must be one ASCII character (or tab, comma, semicolon, pipe, '
                           f'space, none), not "{raw[:20]}".')
    return delimiter


def _header_row(raw: str | int | None) -> int | None:
    if raw is None or raw == '':
        return None
    try:
        row = int(raw)
    except ValueError:
        raise BadParameter(f'header_row must be a line number, not "{str(raw)[:20]}".') from None
    if not 1 <= row <= MAX_HEADER_ROW:
        raise BadParameter(f'header_row must be between 1 and {MAX_HEADER_ROW:,}.')
    return row


def _escape(raw: str | bool | None) -> bool | None:
    if raw is None or isinstance(raw, bool):
        return raw
    value = raw.strip().lower()
    if value in ('', 'auto'):
        return None
    if value in ('on', 'yes', 'true', '1', 'backslash'):
        return True
    if value in ('off', 'no', 'false', '0', 'none'):
        return False
    raise BadParameter(f'escape must be on, off or auto, not "{raw[:20]}".')
