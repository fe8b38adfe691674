"""The engine: reading files, storing versions, answering page queries, notifying.

Nothing in this package imports NiceGUI; everything here is testable without a
browser.
"""
from .errors import BadParameter, NotFound, TooLarge, TsvError, UnreadableFile
from .notify import LocalNotifier, Notifier, TableChanged
from .query import MAX_LIMIT, Page, PageRequest, QueryEngine
from .store import Store, is_valid_id

__all__ = ['BadParameter', 'LocalNotifier', 'MAX_LIMIT', 'NotFound', 'Notifier', 'Page', 'PageRequest',
           'QueryEngine', 'Store', 'TableChanged', 'TooLarge', 'TsvError', 'UnreadableFile', 'is_valid_id']
