"""The drop zone in real headless Chromium (issue #13): the file's name, one size, the progress, then reading."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from components.upload_zone import size_text
from tests.test_browser import app_server, body_text, browsers, wait_until  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

# Every text the status line shows, kept in sessionStorage so that it outlives the move to the table's page.
RECORD_JS = '''
sessionStorage.setItem('tsv-seen', '[]');
new MutationObserver(() => {
  const status = document.querySelector('.tsv-upload-text');
  if (!status) return;
  const seen = JSON.parse(sessionStorage.getItem('tsv-seen'));
  const text = status.innerText.trim();
  if (seen[seen.length - 1] !== text) { seen.push(text); sessionStorage.setItem('tsv-seen', JSON.stringify(seen)); }
}).observe(document.body, {subtree: true, childList: true, characterData: true});
'''


def test_the_drop_zone_shows_the_name_one_size_the_progress_then_reading(app_server, browsers, tmp_path: Path):  # noqa: F811
    from selenium.webdriver.common.by import By
    page = browsers()
    page.get(app_server.url + '/')
    assert wait_until(lambda: 'Drop a TSV file here or click to choose' in body_text(page), 10)
    # at rest: the title and what to drop, no "0.0B / 0.00%" and no "+" button in the header
    assert 'Upload a table' in body_text(page)
    assert '0.00%' not in body_text(page) and '0.0B' not in body_text(page)
    assert not page.find_elements(By.CSS_SELECTOR, '.q-uploader__header button, .q-uploader__subtitle')

    rows = ''.join(f'{i}\t{i * 1.25:.2f}\tcity-{i % 97}\n' for i in range(400_000))
    sample = tmp_path / 'orders-2026.tsv'
    sample.write_text('id\tprice\tcity\n' + rows)
    size = size_text(sample.stat().st_size)
    assert size.endswith(' MB')
    page.execute_script(RECORD_JS)
    # slow the upload down (8 MB/s) so that its progress has time to show
    page.execute_cdp_cmd('Network.enable', {})
    page.execute_cdp_cmd('Network.emulateNetworkConditions', {'offline': False, 'latency': 0, 'downloadThroughput': -1,
                                                              'uploadThroughput': 8 * 1024 * 1024})
    page.find_element(By.CSS_SELECTOR, 'input[type=file]').send_keys(str(sample))
    assert wait_until(lambda: re.search(r'Uploading orders-2026\.tsv — [0-9]+% of ', body_text(page)), 10), body_text(page)
    assert 'Drop a TSV file here' not in body_text(page)  # the drop text gives way to the status

    assert wait_until(lambda: '/t/' in page.current_url, 60), page.current_url
    assert wait_until(lambda: 'orders-2026.tsv' in body_text(page) and 'city-1' in body_text(page), 15)
    seen = json.loads(page.execute_script("return sessionStorage.getItem('tsv-seen')") or '[]')
    uploading = [text for text in seen if text.startswith('Uploading')]
    assert uploading and all(re.fullmatch(rf'Uploading orders-2026\.tsv — [0-9]+% of {re.escape(size)}', text)
                             for text in uploading), seen  # one size, in the limit's units
    percents = [int(re.search(r'— ([0-9]+)%', text).group(1)) for text in uploading]
    assert percents == sorted(percents) and len(set(percents)) > 2, seen  # it moves, forward
    assert 'Reading orders-2026.tsv...' in seen, seen  # then says the server is reading it
    assert seen.index('Reading orders-2026.tsv...') > seen.index(uploading[-1])
