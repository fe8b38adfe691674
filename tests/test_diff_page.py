"""What changed, on the page (issue #15), through NiceGUI's simulated user: the replacement notice's
summary, the diff view it opens (kinds, key column, pages), its link, and History's Compare.

The engine and the API: tests/test_diff.py. Colours in a real browser: tests/test_browser_diff.py.
"""
from __future__ import annotations

import asyncio
import threading

import pytest
from nicegui import ui
from nicegui.testing import User

from components.diff_view import address_script, parse_diff
from components.notice import summary_text
from tests.helpers import tsv
from tests.test_ui import table_rows, upload, wait_for
from tsvcore import NotFound
from tsvcore.queries import diff

OLD = tsv(('id', 'code', 'name'), ('1', 'a', 'Ada'), ('2', 'b', 'Bo'), ('3', 'c', 'Cy'), ('9', 'z', 'Zed'))
NEW = tsv(('id', 'code', 'name'), ('1', 'a', 'Ada'), ('2', 'x', 'Bo'), ('3', 'c', 'Cyd'), ('4', 'd', 'Di'),
          ('5', 'e', 'Eve'))
# by id: 2 and 3 changed, 4 and 5 added, 9 removed; by code: c changed, x, d and e added, b and z removed


def found(user: User, marker: str) -> list[ui.element]:
    """The elements with ``marker`` on the page; none is an empty list (``user.find`` would raise)."""
    try:
        return list(user.find(marker=marker).elements)
    except AssertionError:
        return []


def the(user: User, marker: str) -> ui.element:
    (element,) = found(user, marker)
    return element


def diff_rows(user: User) -> list[dict]:
    tables = found(user, 'tsv-diff-table')
    return list(tables[0].props['rows']) if tables else []


def shown(user: User) -> list[tuple[str, str]]:
    """(kind, first cell) of each row the diff view lists."""
    return [(row['k'], row['c0']) for row in diff_rows(user)]


def kind_labels(user: User) -> list[str]:
    return list(the(user, 'tsv-diff-kind').options.values())


async def replaced_table(user: User) -> str:
    """A table at version 2 (OLD, then NEW)."""
    table_id = (await upload(user, OLD, 'people.tsv'))['id']
    await upload(user, NEW, 'people-2.tsv', table_id)
    return table_id


def test_the_summary_says_what_changed_in_a_sentence():
    base = {'to': 5, 'added': 12, 'removed': 3, 'changed': 40, 'columns_added': [], 'columns_removed': []}
    assert summary_text(base) == 'Replaced by version 5: 12 rows added, 3 removed, 40 changed.'
    assert summary_text({**base, 'added': 0, 'removed': 0, 'changed': 1}) == 'Replaced by version 5: 1 row changed.'
    assert summary_text({**base, 'added': 0, 'removed': 1, 'changed': 0, 'columns_added': ['note'],
                         'columns_removed': ['a', 'b']}) == \
        'Replaced by version 5: 1 row removed; column "note" added; columns "a", "b" removed.'
    assert summary_text({**base, 'added': 0, 'removed': 0, 'changed': 0}) == 'Replaced by version 5: no rows changed.'


def test_a_link_spells_the_versions_in_several_forms():
    assert parse_diff('4..5') == (4, 5)
    assert parse_diff('..5') == (None, 5)
    assert parse_diff('4..') == (4, None)
    assert parse_diff('5') == (None, 5)
    assert parse_diff('') == (None, None)
    with pytest.raises(ValueError):
        parse_diff('four..five')


def test_the_address_script_keeps_the_other_parameters_and_quotes_the_key():
    script = address_script({'diff': '1..2', 'key': 'a b&c'})
    assert '"diff=1..2"' in script and '"key=a%20b%26c"' in script
    assert '["diff", "kind", "key"]' in script  # what it takes out before putting its own in


async def test_a_replacement_notice_says_what_changed_and_opens_the_diff_view(create_user):
    alice, bob = create_user(), create_user()
    table_id = (await upload(alice, OLD, 'people.tsv'))['id']
    await alice.open(f'/t/{table_id}')
    await bob.open(f'/t/{table_id}')
    await upload(alice, NEW, 'people-2.tsv', table_id)
    # the replacement first (what change_text says stays), then what it changed
    await bob.should_see('Table replaced: people-2.tsv, 5 rows, now version 2')
    await bob.should_see('Replaced by version 2: 2 rows added, 1 removed, 2 changed.')
    await alice.should_see('Replaced by version 2: 2 rows added, 1 removed, 2 changed.')
    bob.find(marker='tsv-show-changes').click()
    await wait_for(lambda: len(diff_rows(bob)) == 5)
    await bob.should_see('What changed from version 1 to version 2')
    assert shown(bob) == [('changed', '2'), ('changed', '3'), ('added', '4'), ('added', '5'), ('removed', '9')]
    assert kind_labels(bob) == ['All 5', 'Changed 2', 'Added 2', 'Removed 1']
    changed = diff_rows(bob)[0]
    assert changed['c1'] == 'x' and changed['b'] == {'c1': 'b'}  # only the changed cell's old text travels
    assert 'b' not in diff_rows(bob)[2]
    await bob.should_see('5 rows differ: 2 changed, 2 added, 1 removed; 1 row unchanged.')
    assert any('/diff/download?from=1&to=2' in el.props.get('href', '')
               for el in bob.find(ui.link).elements)


async def test_the_kind_filter_and_the_key_column_change_the_listing(user: User):
    table_id = await replaced_table(user)
    await user.open(f'/t/{table_id}')
    await user.should_see('people-2.tsv')
    user.find(marker='tsv-history').click()
    await wait_for(lambda: found(user, 'tsv-compare-previous-2'))
    user.find(marker='tsv-compare-previous-2').click()
    await wait_for(lambda: len(diff_rows(user)) == 5)
    kinds = the(user, 'tsv-diff-kind')
    kinds.value = 'added'
    await wait_for(lambda: shown(user) == [('added', '4'), ('added', '5')])
    key = the(user, 'tsv-diff-key')
    assert key.value == 'id' and list(key.options) == ['id', 'code', 'name']
    key.value = 'code'
    await wait_for(lambda: [r['c1'] for r in diff_rows(user)] == ['x', 'd', 'e'])
    assert kind_labels(user) == ['All 6', 'Changed 1', 'Added 3', 'Removed 2']
    kinds.value = 'changed'
    # matched by code, c's name changed and its id did not
    await wait_for(lambda: [r.get('b') for r in diff_rows(user)] == [{'c2': 'Cy'}])
    columns = the(user, 'tsv-diff-table').props['columns']
    assert [c['label'] for c in columns] == ['Change', 'id', 'code (key)', 'name']
    key.value = 'name'  # filled and unique in both versions: a key too
    await wait_for(lambda: the(user, 'tsv-diff-table').props['columns'][3]['label']
                   == 'name (key)')


async def test_a_key_that_cannot_match_rows_is_said_and_the_view_keeps_its_key(user: User):
    old = tsv(('id', 'team'), ('1', 'red'), ('2', 'red'), ('3', 'blue'))
    new = tsv(('id', 'team'), ('1', 'red'), ('2', 'blue'), ('3', 'blue'))
    table_id = (await upload(user, old, 't.tsv'))['id']
    await upload(user, new, 't.tsv', table_id)
    await user.open(f'/t/{table_id}?diff=1..2&key=team')
    await wait_for(lambda: len(diff_rows(user)) == 1)
    assert 'Column "team" has "blue" more than once in version 2' in ' '.join(user.notify.messages)
    assert the(user, 'tsv-diff-key').value == 'id'


async def test_whole_rows_are_compared_when_no_column_is_a_key(user: User):
    old = tsv(('team', 'score'), ('red', '1'), ('red', '1'), ('blue', '2'))
    new = tsv(('team', 'score'), ('red', '1'), ('blue', '2'), ('blue', '3'))
    table_id = (await upload(user, old, 't.tsv'))['id']
    await upload(user, new, 't.tsv', table_id)
    await user.open(f'/t/{table_id}?diff=')
    await wait_for(lambda: len(diff_rows(user)) == 2)
    assert shown(user) == [('added', 'blue'), ('removed', 'red')]
    key = the(user, 'tsv-diff-key')
    assert key.value == '' and key.options[''] == 'whole rows'
    await user.should_see('Rows are compared whole')
    assert 'changed' not in the(user, 'tsv-diff-kind').options  # whole rows are never "changed"
    await user.should_see('2 rows differ: 1 added, 1 removed; ')


async def test_a_link_opens_the_diff_view_and_the_address_follows_it(user: User, scripts: list[str]):
    table_id = await replaced_table(user)
    await user.open(f'/t/{table_id}?diff=1..2&kind=removed&sort=name')
    await wait_for(lambda: shown(user) == [('removed', '9')])
    assert the(user, 'tsv-diff-kind').value == 'removed'
    assert any('"diff=1..2", "kind=removed"' in code for code in scripts)
    # the table's own view kept these out of its part of the link (no "Left out" warning)
    await user.should_not_see('Left out of this link')
    scripts.clear()
    user.find(marker='tsv-diff-close').click()
    await wait_for(lambda: not found(user, 'tsv-diff-table'))  # deleted, not just hidden
    assert any(code == address_script({}) for code in scripts)


async def test_history_compares_any_version_with_the_current_one(user: User):
    table_id = await replaced_table(user)
    await upload(user, NEW.replace(b'Eve', b'Eva'), 'people-3.tsv', table_id)
    await user.open(f'/t/{table_id}')
    await user.should_see('people-3.tsv')
    user.find(marker='tsv-history').click()
    await wait_for(lambda: found(user, 'tsv-compare-1'))
    assert not found(user, 'tsv-compare-3')  # the current version: nothing to compare with
    user.find(marker='tsv-compare-1').click()
    await user.should_see('What changed from version 1 to version 3')
    await wait_for(lambda: len(diff_rows(user)) == 5)
    assert [r.get('b') for r in diff_rows(user) if r['k'] == 'changed'] == [{'c1': 'b'}, {'c2': 'Cy'}]
    assert shown(user)[-1] == ('removed', '9')


async def test_unknown_versions_in_a_link_are_said_and_open_nothing(user: User, scripts: list[str]):
    table_id = await replaced_table(user)
    await user.open(f'/t/{table_id}?diff=1..7')
    await wait_for(lambda: 'version 7' in ' '.join(user.notify.messages))
    assert not found(user, 'tsv-diff-table')
    assert address_script({}) in scripts  # and the address forgets it
    await user.open(f'/t/{table_id}?diff=one..two')
    await wait_for(lambda: 'diff=one..two' in ' '.join(user.notify.messages))


async def test_the_replacement_reaches_viewers_before_its_summary(user: User, monkeypatch: pytest.MonkeyPatch):
    gate = threading.Event()
    compare = diff.summary

    def slow(*args, **kwargs):  # a comparison that takes as long as the test wants
        gate.wait(10)
        return compare(*args, **kwargs)
    monkeypatch.setattr(diff, 'summary', slow)
    table_id = (await upload(user, OLD, 'people.tsv'))['id']
    await user.open(f'/t/{table_id}')
    await upload(user, NEW, 'people-2.tsv', table_id)
    await user.should_see('Table replaced: people-2.tsv, 5 rows, now version 2')
    await wait_for(lambda: [row['c0'] for row in table_rows(user)] == ['1', '2', '3', '4', '5'])
    assert not found(user, 'tsv-show-changes')  # the new rows did not wait for it
    gate.set()
    await user.should_see('Replaced by version 2: 2 rows added, 1 removed, 2 changed.')


async def test_a_summary_that_cannot_be_made_leaves_the_plain_notice(user: User, monkeypatch: pytest.MonkeyPatch):
    asked: list[tuple] = []

    def trimmed(engine, table_id, older, newer, key=None):
        asked.append((older, newer))
        raise NotFound(f'This table has no version {older}.')
    monkeypatch.setattr(diff, 'summary', trimmed)
    table_id = (await upload(user, OLD, 'people.tsv'))['id']
    await user.open(f'/t/{table_id}')
    await upload(user, NEW, 'people-2.tsv', table_id)
    await user.should_see('Table replaced: people-2.tsv, 5 rows, now version 2')
    await wait_for(lambda: asked == [(1, 2)])
    await asyncio.sleep(0.1)
    assert not found(user, 'tsv-show-changes')


async def test_while_the_diff_view_is_open_the_arrow_keys_leave_the_table_alone(user: User):
    from tests.test_polish import key
    from tests.test_ui import NUMBERS
    table_id = (await upload(user, NUMBERS, 'numbers.tsv'))['id']
    await upload(user, NUMBERS.replace(b'w7\n', b'w7!\n'), 'numbers.tsv', table_id)
    await user.open(f'/t/{table_id}?diff=1..2')
    await wait_for(lambda: len(diff_rows(user)) == 1)
    keyboard = user.find(ui.keyboard)
    main = next(t for t in user.find(ui.table).elements if 'tsv-table' in t.classes)
    keyboard.trigger('key', key('ArrowRight'))
    await asyncio.sleep(0.3)
    assert main.rows[0]['c0'] == '0'  # still the first page under the dialog
    user.find(marker='tsv-diff-close').click()
    await wait_for(lambda: not found(user, 'tsv-diff-table'))
    keyboard.trigger('key', key('ArrowRight'))
    await wait_for(lambda: main.rows[0]['c0'] == '50')
