"""The store of immutable versions: tables, commits, history, view links, originals, the writer lock.

Uses ``reading`` to make versions; never imports ``queries`` or ``live``.
"""
