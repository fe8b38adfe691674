"""Matching the rows of two versions of a table (issue #15): by a key column, or whole rows as a multiset.

Everything here works on row numbers (0-based, in each version's file order)
and numpy arrays, never on rows as Python objects, so ten million rows cost
a few arrays of ten million integers.

- A column's cells in both versions are numbered together with one Arrow
  ``dictionary_encode`` (one hash pass): equal text, equal number. That one
  pass tells whether a column is a usable key (unique in each version) and,
  by a numpy scatter, which row of the older version each newer row has.
- Matched rows are compared column by column with ``take`` + ``not_equal``,
  a record batch of the newer version at a time, two columns in parallel.
- Without a key, whole rows get numbers the same way, column after column,
  two columns encoded at a time (mixed-radix, re-numbered with a sort before
  an int64 would overflow); the k-th copy
  of a row in one version matches the k-th copy in the other, in file order,
  so surplus copies (the later ones) are the added or removed rows.

All comparisons are exact text comparisons; nothing rests on a hash.
"""
from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

PREFIX_ROWS = 100_000   # rows checked first for a repeated key: most repeats show early, and cheaply
SPAN_ROWS = 4           # a batch's matched older rows spanning up to 4x its length are copied as that span
COMPARE_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix='diff')  # the machine has two cores


@dataclass(frozen=True)
class Encoded:
    """A column's cells in both versions as numbers, equal for equal text."""

    older: np.ndarray     # int32 or int64, one per row of the older version
    newer: np.ndarray     # the same for the newer version
    distinct: int         # numbers run 0 .. distinct-1
    values: pa.Array      # the text of each number (for saying which value repeats)


@dataclass(frozen=True)
class KeyedMatch:
    """Rows matched by a key column: who is added, removed, and which rows changed in which columns."""

    older_of_newer: np.ndarray   # int64 per newer row: its older row, or -1 (added)
    added: np.ndarray            # newer row numbers, ascending
    removed: np.ndarray          # older row numbers, ascending
    changed: np.ndarray          # newer row numbers with a differing cell, ascending
    masks: np.ndarray            # uint8 (len(changed), ceil(compared / 8)): packed bits, which compared columns differ


@dataclass(frozen=True)
class MultisetMatch:
    """Whole rows matched as a multiset: the surplus copies on each side."""

    added: np.ndarray      # newer row numbers, ascending
    removed: np.ndarray    # older row numbers, ascending
    unchanged: int         # matched pairs


def text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """The column with missing cells as empty text (stored cells are strings; a null is an empty cell)."""
    return pc.fill_null(column, '') if column.null_count else column


def encode(older: pa.ChunkedArray, newer: pa.ChunkedArray) -> Encoded:
    """Number the cells of both versions of a column together (one hash pass over both)."""
    both = pa.chunked_array(list(text(older).chunks) + list(text(newer).chunks), type=pa.string())
    if len(both) == 0:
        empty = np.zeros(0, np.int32)
        return Encoded(empty, empty, 0, pa.array([], pa.string()))
    encoded = pc.dictionary_encode(both)
    codes = np.concatenate([chunk.indices.to_numpy() for chunk in encoded.chunks if len(chunk)])
    values = max((chunk.dictionary for chunk in encoded.chunks), key=len)  # the memo only grows
    return Encoded(codes[:len(older)], codes[len(older):], len(values), values)


def empty_cells(column: pa.ChunkedArray) -> bool:
    return column.null_count > 0 or bool(pc.any(pc.equal(column, '')).as_py())


def repeated_in_prefix(column: pa.ChunkedArray) -> str | None:
    """A value that repeats within the first PREFIX_ROWS cells, or None: a cheap first look before a full pass."""
    head = column.slice(0, PREFIX_ROWS)
    if len(head) == 0 or pc.count_distinct(head).as_py() == len(head):
        return None
    counts = pc.value_counts(head)
    return counts.field('values')[pc.index(pc.greater(counts.field('counts'), 1), True).as_py()].as_py()


def repeated(codes: np.ndarray, encoded: Encoded) -> str | None:
    """A value whose number occurs twice in ``codes``, or None when each occurs once."""
    if len(codes) == 0:
        return None
    counts = np.bincount(codes, minlength=encoded.distinct)
    most = int(np.argmax(counts))
    return encoded.values[most].as_py() if counts[most] > 1 else None


def match_by_key(older: pa.Table, newer: pa.Table, key: Encoded, compared: list[str]) -> KeyedMatch:
    """Match rows on a key that is unique in both versions, then compare the ``compared`` columns of matched rows."""
    where = np.full(key.distinct, -1, np.int64)
    where[key.older] = np.arange(len(key.older), dtype=np.int64)
    older_of_newer = where[key.newer]
    matched = older_of_newer >= 0
    kept = np.zeros(older.num_rows, bool)
    kept[older_of_newer[matched]] = True
    bits = list(COMPARE_POOL.map(lambda name: differing(older[name], newer[name], older_of_newer, matched), compared))
    any_change = np.zeros(newer.num_rows, bool)
    for packed in bits:
        any_change |= np.unpackbits(packed, count=newer.num_rows).astype(bool)
    changed = np.flatnonzero(any_change)
    columns = np.stack([np.unpackbits(packed, count=newer.num_rows)[changed] for packed in bits], axis=1) \
        if bits else np.zeros((len(changed), 0), np.uint8)
    return KeyedMatch(older_of_newer, np.flatnonzero(~matched), np.flatnonzero(~kept), changed,
                      np.packbits(columns.astype(bool), axis=1))


def differing(older: pa.ChunkedArray, newer: pa.ChunkedArray, older_of_newer: np.ndarray,
              matched: np.ndarray) -> np.ndarray:
    """Packed bits, one per newer row: its cell differs from its matched older row's (never for added rows).

    Each newer record batch is compared with the older rows it matched, taken
    from one array: the span of older rows they lie in when that is narrow
    (rows mostly kept their order: a copy of a few batches), else the whole
    older column made one array once (a copy of this column). Taking rows
    straight from hundreds of record batches costs ten times more.
    """
    older = text(older)
    whole: list[pa.Array] = []
    out = np.zeros(len(newer), bool)
    start = 0
    for chunk in text(newer).chunks:
        end = start + len(chunk)
        here = matched[start:end]
        if here.any():
            rows = older_of_newer[start:end][here]
            low, high = int(rows.min()), int(rows.max()) + 1
            if high - low <= SPAN_ROWS * max(len(chunk), 1):
                source, rows = older.slice(low, high - low).combine_chunks(), rows - low
            else:
                if not whole:
                    whole.append(older.combine_chunks())
                source = whole[0]
            taken = source.take(pa.array(rows))
            out[start:end][here] = pc.not_equal(taken, chunk.filter(pa.array(here))).to_numpy(zero_copy_only=False)
        start = end
    return np.packbits(out)


def row_numbers(older: pa.Table, newer: pa.Table, compared: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """A number per row of each version, equal exactly when the rows' cells in ``compared`` are equal."""
    acc_older = np.zeros(older.num_rows, np.int64)
    acc_newer = np.zeros(newer.num_rows, np.int64)
    size = 1
    for cells in _encoded_in_pairs(older, newer, compared):
        if size * max(cells.distinct, 1) >= 2 ** 62:
            acc_older, acc_newer, size = renumber(acc_older, acc_newer)
        acc_older = acc_older * cells.distinct + cells.older
        acc_newer = acc_newer * cells.distinct + cells.newer
        size *= max(cells.distinct, 1)
    return acc_older, acc_newer


def _encoded_in_pairs(older: pa.Table, newer: pa.Table, names: list[str]) -> Iterator[Encoded]:
    """``encode`` of each column in order, two at a time on the two cores (never more held at once)."""
    for i in range(0, len(names), 2):
        pair = [COMPARE_POOL.submit(encode, older[name], newer[name]) for name in names[i:i + 2]]
        for future in pair:
            yield future.result()


def renumber(older: np.ndarray, newer: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The same equalities with numbers 0 .. distinct-1.

    A sort (``np.unique``), not Arrow's hash: on 20M integers with 10M distinct,
    ``dictionary_encode`` took 19 s and ``np.unique`` 2.2 s.
    """
    joined = np.concatenate([older, newer])
    if len(joined) == 0:
        return older, newer, 1
    values, codes = np.unique(joined, return_inverse=True)
    return codes[:len(older)], codes[len(older):], max(1, len(values))


def match_whole_rows(older: pa.Table, newer: pa.Table, compared: list[str]) -> MultisetMatch:
    """Rows as a multiset of their ``compared`` cells: a row twice in one version and once in the other is
    one added (or removed) row, the later copy in file order. No column in common: every row differs."""
    if not compared:
        return MultisetMatch(np.arange(newer.num_rows), np.arange(older.num_rows), 0)
    numbers_older, numbers_newer = row_numbers(older, newer, compared)
    numbers_older, numbers_newer, groups = renumber(numbers_older, numbers_newer)
    in_older = np.bincount(numbers_older, minlength=groups)
    in_newer = np.bincount(numbers_newer, minlength=groups)
    added = np.flatnonzero(copy_number(numbers_newer, in_newer) >= in_older[numbers_newer])
    removed = np.flatnonzero(copy_number(numbers_older, in_older) >= in_newer[numbers_older])
    return MultisetMatch(added, removed, newer.num_rows - len(added))


def copy_number(numbers: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """For each row, how many rows before it (in file order) have the same number: 0 for the first copy.

    ``counts``: how often each number occurs; when none repeats (the usual
    table), every row is a first copy and the sort is skipped.
    """
    if len(numbers) == 0 or counts.max() <= 1:
        return np.zeros(len(numbers), np.int64)
    order = np.argsort(numbers, kind='stable')
    ranked = numbers[order]
    starts = np.r_[True, ranked[1:] != ranked[:-1]] if len(ranked) else np.zeros(0, bool)
    first = np.flatnonzero(starts)
    run = np.cumsum(starts) - 1
    copies = np.empty_like(order)
    copies[order] = np.arange(len(order)) - first[run]
    return copies
