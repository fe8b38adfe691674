"""The drop zone (issue #13): no stray counters or "+" at rest, one unit system, what happens to the file.

What it says while a file goes up is drawn by the browser from the uploader's
own state (tests/test_browser_upload.py watches it in Chromium); these check
what the server builds and says.
"""
from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from components.upload_zone import MB, STATUS_TEMPLATE, limit_text, size_text
from web.uploads import too_large


def zone_elements(zone: ui.upload) -> list:
    found, todo = [], [zone]
    while todo:
        element = todo.pop()
        found.append(element)
        todo.extend(element for slot in element.slots.values() for element in slot.children)
    return found


async def test_at_rest_the_zone_shows_its_title_and_what_to_drop_and_no_counters(user: User):
    await user.open('/')
    await user.should_see('Drop a TSV file here or click to choose')
    await user.should_see('.tsv .tab .txt .csv · up to 64 MB')  # MAX_UPLOAD_MB=64 in tests/conftest.py
    zone = user.find(ui.upload).elements.pop()
    header = zone.slots['header'].template
    assert 'Upload a table' in header  # Quasar's own header ("0.0B / 0.00%" and a "+") is replaced
    assert '0.00%' not in header and 'q-btn' not in header and 'uploadSizeLabel' not in header
    # the drop text gives way to the status once a file is chosen, in the browser alone
    rest = next(e for e in zone_elements(zone) if isinstance(e, ui.column))
    assert rest.props[':style'] == "props.files.length ? 'display: none' : ''"
    assert zone.slots['list'].template == STATUS_TEMPLATE


async def test_the_zone_costs_no_more_elements_per_tab_than_before(user: User):
    """Zone, drop area, add trigger, icon and two labels: the status row, spinner and label it had are gone."""
    await user.open('/')
    assert len(zone_elements(user.find(ui.upload).elements.pop())) <= 6


def test_the_status_says_the_name_the_progress_and_one_size_then_reading():
    assert "'Uploading ' + f.name + ' \u2014 '" in STATUS_TEMPLATE
    assert "'% of '" in STATUS_TEMPLATE
    assert "'Reading ' + f.name + '...'" in STATUS_TEMPLATE
    assert '1048576' in STATUS_TEMPLATE and '1e6' not in STATUS_TEMPLATE and '1000000' not in STATUS_TEMPLATE
    assert 'v-html' not in STATUS_TEMPLATE  # the file's name is interpolated as text, never as HTML


def test_one_megabyte_is_the_same_everywhere():
    assert MB == 1024 * 1024
    assert size_text(109_700_000) == '104.6 MB'  # the file the issue saw as 104.6 MB and 109.7 MB
    assert size_text(2048) == '2 KB' and size_text(2500) == '2.4 KB' and size_text(1) == '1 byte'
    assert limit_text(1024 * MB) == '1,024 MB'
    assert str(too_large(1024 * MB)) == 'The file is larger than the limit of 1,024 MB.'  # the server's 413
    assert str(too_large(64 * MB)).endswith(f'limit of {limit_text(64 * MB)}.')


async def test_a_file_over_the_limit_is_refused_in_the_browser_with_its_size(user: User):
    await user.open('/')
    user.find(ui.upload).trigger('rejected', {'reason': 'max-file-size', 'name': 'huge.tsv', 'size': 70 * MB})
    await user.should_see('huge.tsv (70.0 MB) is larger than the limit of 64 MB.')


async def test_a_file_of_another_kind_is_not_called_too_large(user: User):
    await user.open('/')
    user.find(ui.upload).trigger('rejected', {'reason': 'accept', 'name': 'photo.png', 'size': 1000})
    await user.should_see('photo.png is not a .tsv .tab .txt .csv file.')


async def test_a_failed_upload_says_why_and_empties_the_zone(user: User):
    await user.open('/')
    user.find(ui.upload).trigger('failed', {'status': 413, 'body': '{"error": "The file is larger than the limit of 64 MB."}'})
    await user.should_see('The file is larger than the limit of 64 MB.')
    user.find(ui.upload).trigger('failed', {'status': 0, 'body': ''})
    await user.should_see('The upload was interrupted.')
