"""The apps build on each other one way only, meetings ← registration ← attendance ← training, and no import
hides inside a function (which is how import cycles stayed hidden before).

`layout_problems` reads the source with `ast` and imports nothing, so it also runs on a planted tree; the
tests at the bottom plant both kinds of problem to show the check can fail. Tests and migrations are left out:
tests may use the factories of any app, and migrations are history.
"""

import ast
import gc
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
# Each app may import the ones before it, never one after it.
APPS = ("meetings", "registration", "attendance", "training")
IMPORT_FUNCTIONS = ("import_module", "__import__")


def _is_app_config(node):
    return any(isinstance(base, ast.Name | ast.Attribute) and (getattr(base, "id", None) or base.attr) == "AppConfig" for base in node.bases)


def _imported_modules(node):
    """The absolute module names an import statement or an import_module("…") call names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [] if node.level else [node.module]  # a relative import stays inside its own app
    function = node.func
    name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", None)
    if name in IMPORT_FUNCTIONS and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return [node.args[0].value]
    return []


class _Checker(ast.NodeVisitor):
    def __init__(self, relative, above):
        self.relative, self.above = relative, above
        self.functions = []  # the functions the visitor is inside, innermost last
        self.app_config = False
        self.problems = []

    def visit_ClassDef(self, node):
        outer, self.app_config = self.app_config, _is_app_config(node)
        self.generic_visit(node)
        self.app_config = outer

    def visit_FunctionDef(self, node):
        # AppConfig.ready() is where Django lets an app import what needs the app registry (models, signal
        # receivers): the module that defines the AppConfig is imported before any model exists.
        allowed = self.app_config and not self.functions and node.name == "ready"
        self.functions.append((node.name, allowed))
        outer, self.app_config = self.app_config, False
        self.generic_visit(node)
        self.app_config = outer
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def _check(self, node, modules):
        where = f"{self.relative}:{node.lineno}"
        for module in modules:
            if module.split(".")[0] in self.above:
                self.problems.append(f"{where}: imports {module}, an app built on this one")
        if isinstance(node, ast.Import | ast.ImportFrom) and self.functions and not self.functions[-1][1]:
            names = ", ".join(modules) or "." * node.level + (node.module or "")
            self.problems.append(f"{where}: imports {names} inside {self.functions[-1][0]}()")

    def visit_Import(self, node):
        self._check(node, _imported_modules(node))

    visit_ImportFrom = visit_Import

    def visit_Call(self, node):
        self._check(node, _imported_modules(node))
        self.generic_visit(node)


def _parse(path):
    """ast.parse with the cyclic garbage collector paused: on CPython 3.11 a collection that runs a
    finaliser while the parser builds the tree fails it with "AST constructor recursion depth
    mismatch" (CPython issue 106905), as seen when an earlier test left coroutines to collect."""
    source = path.read_text(encoding="utf-8")
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(source, filename=str(path))
    finally:
        if was_enabled:
            gc.enable()


def layout_problems(root, apps=APPS):
    """Every upward import and every import inside a function in the apps under `root`, as
    "app/path.py:line: what" strings. `apps` lists the apps from the foundation up."""
    problems = []
    for rank, app in enumerate(apps):
        for path in sorted((Path(root) / app).rglob("*.py")):
            relative = path.relative_to(root)
            if relative.parts[1] in ("tests", "migrations"):
                continue
            checker = _Checker(relative.as_posix(), set(apps[rank + 1 :]))
            checker.visit(_parse(path))
            problems.extend(checker.problems)
    return problems


def test_apps_import_only_downwards_and_never_inside_a_function():
    assert layout_problems(ROOT) == []


def test_every_app_of_the_project_is_checked():
    """A new app must be placed in the order, or it would go unchecked."""
    ours = {name.split(".")[0] for name in settings.INSTALLED_APPS if (ROOT / name.split(".")[0] / "apps.py").exists()}
    assert ours == set(APPS)


def _plant(root, relative, source):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")


def test_the_check_reports_an_upward_import_and_an_import_inside_a_function(tmp_path):
    _plant(tmp_path, "meetings/models.py", "from django.db import models\nfrom training.models import Module\n")
    _plant(tmp_path, "meetings/views.py", "def home(request):\n    from meetings.models import Session\n")
    _plant(tmp_path, "attendance/selectors.py", "from importlib import import_module\n\nquizzes = import_module('training.quizzes')\n")
    _plant(tmp_path, "attendance/services.py", "class Checkin:\n    async def run(self):\n        import json\n")
    # Allowed: downward imports, AppConfig.ready(), and anything in tests or migrations.
    _plant(tmp_path, "attendance/reports.py", "from meetings.models import Venue\nfrom registration.models import Registration\n")
    _plant(
        tmp_path,
        "meetings/apps.py",
        "from django.apps import AppConfig\n\n\nclass MeetingsConfig(AppConfig):\n    def ready(self):\n        from meetings import roles\n",
    )
    _plant(tmp_path, "meetings/tests/test_x.py", "from training.models import Module\n\n\ndef test_x():\n    import json\n")
    _plant(tmp_path, "meetings/migrations/0001_initial.py", "import registration.models\n")
    # A function called ready outside an AppConfig is no exception.
    _plant(tmp_path, "registration/signals.py", "def ready():\n    import json\n")

    assert layout_problems(tmp_path) == [
        "meetings/models.py:2: imports training.models, an app built on this one",
        "meetings/views.py:2: imports meetings.models inside home()",
        "registration/signals.py:2: imports json inside ready()",
        "attendance/selectors.py:3: imports training.quizzes, an app built on this one",
        "attendance/services.py:3: imports json inside run()",
    ]


def test_a_clean_tree_has_no_problems(tmp_path):
    _plant(tmp_path, "meetings/models.py", "from django.db import models\n")
    _plant(tmp_path, "training/models.py", "from attendance.models import CheckIn\nfrom meetings.models import Session\n")
    assert layout_problems(tmp_path) == []
