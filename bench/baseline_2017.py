"""The 2017 design, for comparison: the whole file in memory, parsed by the csv module into Python lists.

The original Tornado + AngularJS demo received the file as one websocket frame,
decoded it, and kept every parsed row as a Python list. Run as a separate
process so its memory is its own: prints seconds and peak memory growth.
"""
from __future__ import annotations

import csv
import io
import json
import resource
import sys
import time


def rss_kb() -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


def main(path: str) -> None:
    before = rss_kb()
    started = time.perf_counter()
    with open(path, 'rb') as f:
        frame = f.read()                      # the whole upload, as one message
    text = frame.decode('utf-8')
    rows = [row for row in csv.reader(io.StringIO(text), delimiter='\t')]
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({'seconds': elapsed, 'rows': len(rows) - 1, 'peak_growth_bytes': (peak - before) * 1024,
                      'kept_bytes': (rss_kb() - before) * 1024}))


if __name__ == '__main__':
    main(sys.argv[1])
