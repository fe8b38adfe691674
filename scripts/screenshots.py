"""Take the README's screenshots from the running app with headless Chromium.

Starts the app on a temporary data directory, fills it with the sample table,
replaces it once while it is open, and saves
docs/screenshots/{changes,landing,table,profile,history}.png, so the
pictures stay current with the code:

    python scripts/screenshots.py
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.helpers import Server  # noqa: E402

OUT = ROOT / 'docs' / 'screenshots'
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--window-size=1280,800']


def browser() -> webdriver.Chrome:
    options = Options()
    options.binary_location = shutil.which('chromium') or '/usr/bin/chromium'
    for flag in FLAGS:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which('chromedriver') or '/usr/bin/chromedriver'), options=options)


def replacement(sample: bytes) -> bytes:
    """The sample a year on: three cells changed, one city gone, one new; what the diff view shows."""
    changed = sample.replace(b'Oslo\tNorway\t709037', b'Oslo\tNorway\t717710') \
        .replace(b'Lima\tPeru\t10092000', b'Lima\tPeru\t10151000') \
        .replace(b'2503.5', b'465.3')
    kept = [line for line in changed.splitlines(keepends=True) if not line.startswith(b'Lyon\t')]
    return b''.join(kept) + 'Tromsø\tNorway\t77544\t1794-01-01\t2521.0\tfalse\tnew in 2026\n'.encode()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix='tsv-shots-'))
    server = Server(data / 'data').start()
    driver = browser()
    try:
        sample = (ROOT / 'samples' / 'cities.tsv').read_bytes()
        created = httpx.post(f'{server.url}/api/tables', params={'name': 'cities.tsv'}, content=sample).json()
        driver.get(server.url + created['url'])
        time.sleep(2)
        # replaced while it is open: the notice says what changed, and "Show changes" opens the diff view
        httpx.put(f"{server.url}/api/tables/{created['id']}", params={'name': 'cities-2026.tsv'},
                  content=replacement(sample))
        time.sleep(2)
        driver.find_element(By.CSS_SELECTOR, '.tsv-show-changes').click()
        time.sleep(1.5)
        driver.save_screenshot(str(OUT / 'changes.png'))

        driver.get(server.url + created['url'])
        time.sleep(2)
        driver.save_screenshot(str(OUT / 'table.png'))
        driver.find_elements(By.CSS_SELECTOR, '.tsv-profile-button')[2].click()
        time.sleep(1.5)
        driver.save_screenshot(str(OUT / 'profile.png'))
        driver.get(server.url + created['url'])
        time.sleep(2)
        history = driver.find_element(By.XPATH, "//*[contains(text(), 'History')]")
        history.click()
        time.sleep(1)
        driver.execute_script('arguments[0].scrollIntoView({block: "start"})', history)
        time.sleep(0.5)
        driver.save_screenshot(str(OUT / 'history.png'))
        driver.get(server.url + '/')
        time.sleep(2)
        driver.save_screenshot(str(OUT / 'landing.png'))
        print(f'saved {", ".join(sorted(p.name for p in OUT.glob("*.png")))} in {OUT.relative_to(ROOT)}')
    finally:
        driver.quit()
        server.stop()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == '__main__':
    main()
