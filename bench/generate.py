"""Generate the benchmark files of issue #4: N rows, 10 columns, about 100 bytes a row.

Columns: ints, floats, short categories, ISO dates, 20-60 character text with
commas and quotes (never at a field's start), zero-padded codes, booleans.
Written with numpy in blocks, so making a 1 GB file takes seconds, not minutes.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

HEADER = ['id', 'amount', 'price', 'category', 'day', 'note', 'code', 'active', 'score', 'city']
CATEGORIES = np.array(['red', 'green', 'blue', 'amber', 'teal', 'plum'])
CITIES = np.array(['Oslo', 'Lima', 'Quito', 'Hanoi', 'Nairobi', 'Perth', 'Bergen', 'Cusco'])
WORDS = np.array(['alpha', 'beta, gamma', 'said "hi"', 'delta', 'epsilon', 'zeta, eta', 'theta',
                  'iota "kappa"', 'lambda', 'mu', 'nu, xi', 'omicron'])


def block(start: int, n: int, rng: np.random.Generator) -> str:
    ids = np.arange(start, start + n)
    amount = rng.integers(-100_000, 1_000_000, n)
    price = np.round(rng.random(n) * 10_000, 2)
    category = CATEGORIES[rng.integers(0, len(CATEGORIES), n)]
    days = (np.datetime64('2015-01-01') + rng.integers(0, 3650, n).astype('timedelta64[D]')).astype(str)
    w = rng.integers(0, len(WORDS), (n, 5))
    note = np.char.add(np.char.add(np.char.add(WORDS[w[:, 0]], ' '), np.char.add(WORDS[w[:, 1]], ' ')),
                       np.char.add(np.char.add(WORDS[w[:, 2]], ' '), WORDS[w[:, 3]]))
    code = np.char.zfill(rng.integers(0, 100_000, n).astype(str), 6)
    active = np.where(rng.random(n) < 0.5, 'true', 'false')
    score = np.round(rng.normal(50, 15, n), 3)
    city = CITIES[rng.integers(0, len(CITIES), n)]
    cols = [ids.astype(str), amount.astype(str), price.astype(str), category, days, note, code, active,
            score.astype(str), city]
    lines = cols[0]
    for col in cols[1:]:
        lines = np.char.add(np.char.add(lines, '\t'), col)
    return '\n'.join(lines.tolist()) + '\n'


def generate(path: Path, rows: int, seed: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    with path.open('w', encoding='utf-8', newline='') as f:
        f.write('\t'.join(HEADER) + '\n')
        step = 200_000
        for start in range(0, rows, step):
            f.write(block(start, min(step, rows - start), rng))
    return path


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('path', type=Path)
    parser.add_argument('--rows', type=int, default=1_000_000)
    args = parser.parse_args()
    generate(args.path, args.rows)
    print(f'{args.path}: {args.path.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows')
