"""The engine's layout: imports run one way, and the engine never imports NiceGUI.

The design: reading -> storage -> queries, and live notification beside them.
A module that imports against the flow (reading importing the store, say)
would make the pieces impossible to test or replace one at a time.
"""
from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent / 'tsvcore'
# What each group may import from the rest of the engine (besides itself and ``errors``).
ALLOWED = {
    'reading': set(),
    'storage': {'reading'},
    'queries': {'storage', 'reading'},
    'live': set(),
}


def engine_imports(path: Path) -> set[str]:
    """The engine groups and outside packages ``path`` imports (``..storage.store`` -> 'storage')."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 2 and node.module:
                found.add(node.module.split('.')[0])
            elif node.level == 0 and node.module:
                found.add('outside:' + node.module.split('.')[0])
        elif isinstance(node, ast.Import):
            found.update('outside:' + alias.name.split('.')[0] for alias in node.names)
    return found


def test_every_group_imports_only_along_the_flow():
    for group, allowed in ALLOWED.items():
        for path in (ENGINE / group).glob('*.py'):
            groups = {g for g in engine_imports(path) if not g.startswith('outside:')} - {'errors'}
            assert groups <= allowed, f'{path.relative_to(ENGINE)} imports {groups - allowed} against the flow'


def test_the_engine_never_imports_nicegui_or_the_web_layer():
    for path in ENGINE.rglob('*.py'):
        outside = {g for g in engine_imports(path) if g.startswith('outside:')}
        assert not outside & {'outside:nicegui', 'outside:web', 'outside:components'}, path
