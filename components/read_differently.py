"""'Read differently': re-read a version's original bytes with another encoding, delimiter or header line.

Every guess the reader makes can be wrong for some file (a Shift-JIS file
read as Windows-1252, a semicolon file read as one column, a title line
taken for the header). The person who sees it says what is right here; the
store reads the kept original again into a new version, which every viewer
then sees like any replacement.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

ENCODINGS = {
    'auto': 'Guess (as on upload)', 'utf-8': 'UTF-8', 'cp1252': 'Windows-1252 (Western)',
    'iso8859-1': 'ISO-8859-1 (Latin-1)', 'cp1250': 'Windows-1250 (Central European)',
    'iso8859-2': 'ISO-8859-2 (Central European)', 'cp932': 'Shift-JIS (Japanese)', 'euc_jp': 'EUC-JP (Japanese)',
    'gb18030': 'GB18030 / GBK (Chinese, simplified)', 'big5': 'Big5 (Chinese, traditional)',
    'cp949': 'EUC-KR / cp949 (Korean)', 'cp1251': 'Windows-1251 (Cyrillic)', 'koi8-r': 'KOI8-R (Russian)',
    'koi8-u': 'KOI8-U (Ukrainian)', 'iso8859-7': 'ISO-8859-7 (Greek)', 'cp1253': 'Windows-1253 (Greek)',
    'cp1254': 'Windows-1254 (Turkish)', 'cp1255': 'Windows-1255 (Hebrew)', 'cp1256': 'Windows-1256 (Arabic)',
    'cp874': 'Windows-874 (Thai)', 'utf-16': 'UTF-16', 'mac-roman': 'Mac Roman',
}
DELIMITERS = {'auto': 'Guess (as on upload)', 'tab': 'Tab', 'comma': 'Comma', 'semicolon': 'Semicolon',
              'pipe': 'Pipe |', 'space': 'Space', 'none': 'None: one column'}
DELIMITER_KEYS = {'\t': 'tab', ',': 'comma', ';': 'semicolon', '|': 'pipe', ' ': 'space', '': 'none'}
ESCAPES = {'auto': 'Guess (as on upload)', 'on': 'Read \\" as a quote (MySQL, PHP dumps)',
           'off': 'Keep backslashes as written'}

Reread = Callable[[dict], Awaitable[str | None]]


class ReadDifferently:
    """A button that opens the dialog; the dialog is made on the first click (most tabs never open it).

    ``reread`` receives ``{'encoding': ..., 'delimiter': ..., 'header_row': ...}``
    (values as the API's query parameters take them) and answers None when
    the new version is made, or a sentence saying why not.
    """

    def __init__(self, reread: Reread, shown: Callable[[], dict]) -> None:
        self.reread = reread
        self.shown = shown  # the metadata of the version on the page: the dialog starts from how it was read
        self.dialog: ui.dialog | None = None
        ui.button('Read differently', icon='tune', on_click=self.open) \
            .props('flat dense no-caps size=sm').classes('tsv-read-differently') \
            .props['title'] = 'Read the uploaded file again with another encoding, delimiter or header line'

    def open(self) -> None:
        if self.dialog is None:
            self._build()
        assert self.dialog is not None
        self._start_from(self.shown().get('read_options', {}))
        self.dialog.open()

    def _start_from(self, given: dict) -> None:
        """What was asked for the shown version, so that changing one thing keeps the others."""
        encoding = given.get('encoding')
        self.encoding.value = encoding if encoding in ENCODINGS else 'auto'
        self.delimiter.value = DELIMITER_KEYS.get(given['delimiter'], 'auto') if 'delimiter' in given else 'auto'
        self.header_row.value = given.get('header_row')
        self.escape.value = {True: 'on', False: 'off'}.get(given.get('escape'), 'auto')
        self.error.text = ''

    def _build(self) -> None:
        with ui.dialog() as self.dialog, ui.card().classes('w-96 tsv-reread'):
            ui.label('Read the file differently').classes('text-lg font-medium')
            ui.label('The file as it was uploaded is read again into a new version; '
                     'the current one stays in the history.').classes('text-sm opacity-70')
            self.encoding = ui.select(ENCODINGS, value='auto', label='Encoding').classes('w-full') \
                .mark('tsv-reread-encoding')
            self.delimiter = ui.select(DELIMITERS, value='auto', label='Delimiter').classes('w-full') \
                .mark('tsv-reread-delimiter')
            self.header_row = ui.number('Header on line', min=1, max=1000, step=1, format='%d',
                                        placeholder='guess').classes('w-full').mark('tsv-reread-header')
            self.escape = ui.select(ESCAPES, value='auto', label='Backslashes').classes('w-full') \
                .mark('tsv-reread-escape')
            self.error = ui.label().classes('text-sm text-negative')
            with ui.row().classes('w-full justify-end'):
                ui.button('Cancel', on_click=self.dialog.close).props('flat no-caps')
                self.submit = ui.button('Read again', icon='refresh', on_click=self._submit) \
                    .props('no-caps').mark('tsv-reread-submit')

    async def _submit(self) -> None:
        options = {'encoding': self.encoding.value, 'delimiter': self.delimiter.value,
                   'header_row': '' if self.header_row.value in (None, '') else str(int(self.header_row.value)),
                   'escape': self.escape.value}
        self.submit.props('loading')
        try:
            problem = await self.reread(options)
        finally:
            self.submit.props(remove='loading')
        self.error.text = problem or ''
        if problem is None:
            assert self.dialog is not None
            self.dialog.close()
