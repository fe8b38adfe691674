"""Counts as a person writes them: "1 row", "2 rows", "1,000,000 rows"."""
from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` with thousands separators and the noun in the number it takes."""
    return f'{n:,} {noun if n == 1 else plural or noun + "s"}'
