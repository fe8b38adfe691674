"""Inputs the fuzzer (bench/fuzz.py) once broke the reader with: each must now read or be refused clearly."""
from __future__ import annotations

from pathlib import Path

import pytest

from tsvcore.errors import UnreadableFile
from tsvcore.reading.ingest import ingest

CASES = sorted((Path(__file__).parent / 'regressions').glob('*.bin'))


@pytest.mark.parametrize('case', CASES, ids=[c.stem for c in CASES])
def test_fuzzer_finding_reads_or_is_refused(tmp_path, case):
    try:
        meta = ingest(case, tmp_path / 'out', case.name)
    except UnreadableFile as refusal:
        assert refusal.message
        return
    assert meta['rows'] >= 0 and meta['columns']
