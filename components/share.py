"""The Share button: the page's links as full addresses to select, each with a Copy button that says the truth.

On a team server opened as ``http://<server-ip>:8080`` the page is not a
secure context, and browsers then offer no ``navigator.clipboard``. The Copy
button tries it where it exists and otherwise selects the field's text and
asks for ``document.execCommand('copy')``, which still works there. Both run
in the browser inside the click itself (a browser lets a page write the
clipboard only in answer to a person's gesture); the browser then tells the
server whether the copy happened, and only then does the page say "copied".
When nothing worked, the address stays selected in its field for Ctrl+C.
"""
from __future__ import annotations

from nicegui import ui

COPIED = 'Link copied'
NOT_COPIED = 'Select the link and copy it (Ctrl+C)'

# ``%d`` is the NiceGUI id of the link's field. ``emit(true)`` when the clipboard has the text.
COPY_JS = '''() => {
  const field = getHtmlElement(%d);  // Quasar gives the id to the <input> itself
  const input = field?.tagName === 'INPUT' ? field : field?.querySelector('input');
  if (!input) return emit(false);
  const select = () => { input.focus(); input.select(); input.setSelectionRange(0, input.value.length); };
  const fallback = () => {
    select();
    let copied = false;
    try { copied = document.execCommand('copy'); } catch (e) { copied = false; }
    emit(copied);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(() => { select(); emit(true); }, fallback);
  } else {
    fallback();
  }
}'''
SELECT_JS = '(e) => e.target.select && e.target.select()'


class ShareButton:
    """One "Share" button; its dialog is built on the first click (every element is kept per open tab).

    ``edit_path`` is offered only on edit pages; ``view_path`` always. The
    addresses are the browser's own origin (scheme, host and port as the person
    typed them, also behind a proxy) followed by the path.
    """

    def __init__(self, *, edit_path: str | None, view_path: str) -> None:
        self.edit_path, self.view_path = edit_path, view_path
        self.dialog: ui.dialog | None = None
        self.fields: dict[str, ui.input] = {}
        self._building = False
        self.button = ui.button('Share', icon='share', on_click=self.open).props('flat dense no-caps') \
            .classes('tsv-share').mark('tsv-share')
        self.button.props['title'] = 'The links to this table, to copy'

    async def open(self) -> None:
        if self.dialog is None:
            if self._building:
                return  # a second click while the first one asks the browser
            self._building = True
            try:
                origin = await ui.run_javascript('return window.location.origin')
            except TimeoutError:
                origin = ''  # then the fields show the paths, still right on this server
            self._build(str(origin or ''))
        assert self.dialog is not None
        self.dialog.open()

    def _build(self, origin: str) -> None:
        with ui.dialog() as self.dialog, ui.card().classes('w-full max-w-xl gap-3 tsv-share-dialog'):
            ui.label('Share this table').classes('text-lg font-medium')
            if self.edit_path is not None:
                self._link('Edit link', origin + self.edit_path,
                           'Whoever has it can replace the table and restore versions.', key='edit')
            self._link('View-only link', origin + self.view_path,
                       'Shows the live table, with no way to change it.', key='view')
            ui.button('Close', on_click=self.dialog.close).props('flat no-caps').classes('self-end')

    def _link(self, label: str, url: str, hint: str, *, key: str) -> None:
        with ui.row().classes('w-full items-start gap-2 no-wrap'):
            field = ui.input(label, value=url).props(f'readonly outlined dense hint="{hint}"') \
                .classes(f'grow tsv-link tsv-link-{key}').mark(f'tsv-link-{key}')
            field.on('focus', js_handler=SELECT_JS)
            copy = ui.button('Copy', icon='content_copy').props('unelevated no-caps') \
                .classes(f'mt-1 tsv-copy-{key}').mark(f'tsv-copy-{key}')
            copy.on('click', self._copied, js_handler=COPY_JS % field.id)
        self.fields[key] = field

    @staticmethod
    def _copied(e) -> None:
        if e.args is True:
            ui.notify(COPIED, type='positive', timeout=1500)
        else:
            ui.notify(NOT_COPIED, type='info', timeout=6000)
