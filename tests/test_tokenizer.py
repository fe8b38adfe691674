"""The careful reader gives the same records however the text is cut into pieces."""
from __future__ import annotations

import random

from tsvcore.tokenizer import Records

PIECES = ['a', 'b', '\t', ',', '\n', '\r', '\r\n', '"', '""', 'x y']


def test_bulk_batches_and_record_by_record_agree_on_random_text():
    rng = random.Random(3)
    for _ in range(3000):
        text = ''.join(rng.choice(PIECES) for _ in range(rng.randint(0, 40)))
        for delimiter in ('\t', ',', ''):
            reference = Records([text], delimiter)
            expected = list(reference)
            for size in (1, 2, 3, 7, 100):
                records = Records([text[i:i + size] for i in range(0, len(text), size)], delimiter)
                got = [row for batch in records.batches(3) for row in batch]
                assert got == expected, (text, delimiter, size)
                assert (records.empty_lines, records.literal_quotes) == \
                    (reference.empty_lines, reference.literal_quotes), (text, delimiter, size)
