"""The engine, grouped by the flow of data: reading -> storage -> queries, and live notification.

- ``reading``: a file's bytes into a version (encoding, dialect, quotes,
  records, the reader, types, ingest, the streamed upload);
- ``storage``: the store of immutable versions, their originals, the writer lock;
- ``queries``: pages, column profiles, downloads of a stored version;
- ``live``: change events, in one process and through Redis.

Imports run one way: queries use the store, the store uses reading, and
reading uses only ``errors``. Nothing in this package imports NiceGUI;
everything here is testable without a browser.
"""
from .errors import BadParameter, NotFound, TooLarge, TsvError, UnreadableFile
from .live.notify import LocalNotifier, Notifier, TableChanged
from .queries.query import MAX_LIMIT, Page, PageRequest, QueryEngine
from .storage.store import Store, is_valid_id

__all__ = ['BadParameter', 'LocalNotifier', 'MAX_LIMIT', 'NotFound', 'Notifier', 'Page', 'PageRequest',
           'QueryEngine', 'Store', 'TableChanged', 'TooLarge', 'TsvError', 'UnreadableFile', 'is_valid_id']
