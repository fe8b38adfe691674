"""How long a page of 500 rows takes to appear in Chromium, against the server's answer time (issue #13).

Starts the app, uploads a table of about ten columns, opens it in headless
Chromium (1400x900) and times, in the page itself with ``performance.now()``:

- switching from 50 to 500 rows per page (the first time cold on the server,
  then after a reload, when the server answers from its cache: render alone);
- turning to the next page of 500 rows (an uncached page each time);
- sorting by a number column while 500 rows are shown (a sort of every row).

Each is timed from the click to the rows being in the DOM ("DOM") and to the
next frame after that ("painted"); "message" is when NiceGUI's update arrived
over the websocket, so "DOM - message" is the browser's own share. The
server's answer time for the same requests is measured through the HTTP API
in the same run (cold: a page nobody asked for yet; cached: the same page
again).

    python bench/render.py                 # 1,000,000 rows
    python bench/render.py --rows 200000
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from common import OUT, Server, data_file

# One script per action: click, then watch the table until the rows are there, all in the page.
TIMED_ACTION = r'''
const [action, expected, done] = arguments;
const table = document.querySelector('.tsv-table');
const rows = () => table.querySelectorAll('tbody:not(.q-virtual-scroll__padding) > tr');
const range = () => { const r = table.querySelector('.tsv-range') || table.querySelector('.q-table__control:last-child'); return r ? r.textContent : ''; };
const signature = () => { const r = rows(); return range() + '|' + r.length + '|' + (r.length ? r[0].textContent : ''); };
const before = signature();
let message = null;
let finished = false;
// the last update carrying rows before they show (a slow answer is preceded by the loading bar's)
const onUpdate = (msg) => {
  if (!finished && Object.values(msg).some(e => e && e.props && 'rows' in e.props)) message = performance.now();
};
window.socket.on('update', onUpdate);
let target;
if (action === 'rows500') {
  target = Array.from(document.querySelectorAll('.q-menu .q-item')).find(i => i.textContent.trim() === String(expected));
} else if (action === 'next') {
  target = document.querySelector('.tsv-table button[aria-label="Next page"]');
} else if (action === 'sort') {
  target = Array.from(table.querySelectorAll('thead th')).find(th => th.textContent.includes('amount'));
}
if (!target) { done({error: 'nothing to click for ' + action}); return; }
const start = performance.now();
const finish = () => {
  if (finished) return;
  const now = signature();
  // all the rows, or with virtual scroll (only the rows in sight are drawn) as many as are in sight
  const virtual = table.querySelector('.q-virtual-scroll') !== null;
  if (now === before || rows().length === 0 || (!virtual && rows().length !== expected)) return;
  finished = true;
  observer.disconnect();
  const dom = performance.now();
  requestAnimationFrame(() => setTimeout(() => {
    window.socket.off('update', onUpdate);
    done({message: message === null ? null : message - start, dom: dom - start, painted: performance.now() - start,
          rows: rows().length});
  }, 0));
};
const observer = new MutationObserver(finish);
observer.observe(table, {childList: true, subtree: true, characterData: true});
target.click();
setTimeout(() => { if (!finished) { observer.disconnect(); done({error: 'timed out', rows: rows().length}); } }, 30000);
'''


def open_table(driver, url: str) -> None:
    driver.get(url)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if driver.execute_script("return document.querySelectorAll('.tsv-table tbody tr').length") >= 50:
            time.sleep(1)  # let the page settle (fonts, the recent list) before anything is timed
            return
        time.sleep(0.05)
    raise RuntimeError('the table did not show')


def open_rows_menu(driver) -> None:
    from selenium.webdriver.common.by import By
    driver.find_element(By.CSS_SELECTOR, '.tsv-table .q-table__bottom .q-select').click()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not driver.execute_script(
            "return document.querySelectorAll('.q-menu .q-item').length"):
        time.sleep(0.02)


def timed(driver, action: str, expected: int = 500) -> dict:
    driver.set_script_timeout(40)
    result = driver.execute_async_script(TIMED_ACTION, action, expected)
    if 'error' in result:
        raise RuntimeError(f'{action}: {result}')
    return result


def api_time(client: httpx.Client, url: str, **params) -> float:
    started = time.perf_counter()
    client.get(url, params=params).raise_for_status()
    return time.perf_counter() - started


def fmt(values: list[float | None]) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return '-'
    if len(present) == 1:
        return f'{present[0]:.0f} ms'
    return f'{statistics.median(present):.0f} ms (min {min(present):.0f}, max {max(present):.0f}, n={len(present)})'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rows', type=int, default=1_000_000)
    parser.add_argument('--repeat', type=int, default=5)
    args = parser.parse_args()
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.test_browser import chromium

    path = data_file(args.rows)
    data_dir = Path(tempfile.mkdtemp(prefix='bench-render-', dir=OUT))
    server = Server(data_dir / 'data', MAX_UPLOAD_MB='4096').start()
    driver = None
    lines: list[tuple[str, str]] = []
    try:
        with path.open('rb') as body:
            created = httpx.post(f'{server.url}/api/tables', content=body, timeout=900,
                                 headers={'X-Filename': path.name}).json()
        page_url = server.url + created['url']
        api = f"{server.url}/api/tables/{created['id']}"
        driver = chromium()
        driver.set_window_size(1400, 900)

        # 50 -> 500 rows per page: cold once, then from the server's cache after reloads
        switches = []
        for _ in range(args.repeat + 1):
            open_table(driver, page_url)
            open_rows_menu(driver)
            switches.append(timed(driver, 'rows500'))
        cold, warm = switches[0], switches[1:]

        # the next page of 500, uncached each time (the tab stays at 500 rows)
        nexts = [timed(driver, 'next') for _ in range(args.repeat)]
        # a sort of every row while 500 rows are shown
        sort = timed(driver, 'sort')

        with httpx.Client(timeout=120) as client:
            api_cold = [api_time(client, api, offset=500 * (100 + i), limit=500) for i in range(args.repeat)]
            api_cached = [api_time(client, api, offset=500 * (100 + i), limit=500) for i in range(args.repeat)]
            api_sort = api_time(client, api, sort='price', limit=500)  # a number column nobody sorted yet

        lines += [
            ('50 -> 500 rows, first time: click to DOM / painted',
             f"{cold['dom']:.0f} / {cold['painted']:.0f} ms (message after {cold['message']:.0f} ms)"),
            ('50 -> 500 rows, server cached: click to message', fmt([r['message'] for r in warm])),
            ('50 -> 500 rows, server cached: click to DOM', fmt([r['dom'] for r in warm])),
            ('50 -> 500 rows, server cached: message to DOM (the browser)',
             fmt([r['dom'] - r['message'] for r in warm])),
            ('50 -> 500 rows, server cached: click to painted', fmt([r['painted'] for r in warm])),
            ('next page of 500: click to message', fmt([r['message'] for r in nexts])),
            ('next page of 500: click to DOM', fmt([r['dom'] for r in nexts])),
            ('next page of 500: message to DOM (the browser)', fmt([r['dom'] - r['message'] for r in nexts])),
            ('next page of 500: click to painted', fmt([r['painted'] for r in nexts])),
            ('sort of every row, 500 shown: click to message / DOM / painted',
             f"{sort['message']:.0f} / {sort['dom']:.0f} / {sort['painted']:.0f} ms"),
            ('rows drawn in the DOM for a page of 500', ', '.join(sorted({str(r['rows']) for r in warm + nexts}))),
            ('server (HTTP API), a page of 500 nobody asked for', fmt([t * 1000 for t in api_cold])),
            ('server (HTTP API), the same page again (cached)', fmt([t * 1000 for t in api_cached])),
            ('server (HTTP API), first page of 500 of a new sort', f'{api_sort * 1000:.0f} ms'),
        ]
    finally:
        if driver is not None:
            driver.quit()
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    width = max(len(what) for what, _ in lines)
    print(f'\n## A page of 500 rows in Chromium, {args.rows:,} rows x 10 columns\n')
    for what, value in lines:
        print(f'| {what.ljust(width)} | {value} |')


if __name__ == '__main__':
    main()
