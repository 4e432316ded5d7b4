"""Training's layers import one way, models ← selectors ← services ← views (the old services ↔ selectors cycle).
That no import hides inside a function, and that the apps import one way, is meetings/tests/test_layout.py's check."""

import ast
from pathlib import Path

TRAINING = Path(__file__).resolve().parents[1]
# What each layer must not import: every one of these would point back up and make a cycle.
FORBIDDEN = {
    "models": ("training.selectors", "training.services", "training.views", "training.forms"),
    "selectors": ("training.services", "training.views", "training.forms"),
    "services": ("training.views", "training.forms"),
}


def _modules():
    for path in sorted(TRAINING.rglob("*.py")):
        relative = path.relative_to(TRAINING)
        if relative.parts[0] not in ("tests", "migrations"):
            yield relative, ast.parse(path.read_text(encoding="utf-8"))


def _imported_names(node):
    if isinstance(node, ast.ImportFrom):
        return [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return [alias.name for alias in node.names]


def test_layers_import_only_downwards():
    upward = []
    for relative, tree in _modules():
        layer = relative.parts[0].removesuffix(".py")
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for name in _imported_names(node):
                    if name.startswith(FORBIDDEN.get(layer, ())):
                        upward.append(f"{relative}:{node.lineno} imports {name}")
    assert upward == []
