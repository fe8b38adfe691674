"""Asking a stored version: pages (sort, search), column profiles, downloads.

Uses the store and the column types of ``reading``.
"""
