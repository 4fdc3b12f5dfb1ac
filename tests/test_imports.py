"""No import cycles among tracker/ modules.

The graph is built with `ast` from the import statements that run when a module is imported:
anything in the module body (including `from . import views` at the bottom of a package
`__init__`, and imports under module-level `if`/`try`/`with` or class bodies), but not imports
inside functions (they run later, once every module is loaded) nor under `if TYPE_CHECKING:`.
`from pkg import name` is an edge to `pkg.name` when that is a module, else to `pkg`; so
`from . import bp` in `routines/views.py` is an edge to `routines`, and a package that imports
`views` at module level closes a cycle with it.

Parent packages that Python imports implicitly (`tracker.models` before
`tracker.models.user`) are not edges: that is how every package works and only the names a
module asks for can be missing from a half-initialised module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "tracker"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def discover(root: Path, package: str) -> dict[str, Path]:
    """Every module of `package` under `root`: dotted name -> file."""
    return {module_name(p, root): p for p in sorted((root / package).rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_time_statements(body: list[ast.stmt]):
    """Import statements executed when the module body runs."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue  # runs when called, not at import
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from import_time_statements(node.body)
            yield from import_time_statements(node.orelse)
        elif isinstance(node, ast.Try | ast.TryStar):
            for block in (node.body, node.orelse, node.finalbody):
                yield from import_time_statements(block)
            for handler in node.handlers:
                yield from import_time_statements(handler.body)
        elif isinstance(node, ast.ClassDef | ast.With | ast.AsyncWith):
            yield from import_time_statements(node.body)
        elif isinstance(node, ast.For | ast.AsyncFor | ast.While):
            yield from import_time_statements(node.body)
            yield from import_time_statements(node.orelse)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                yield from import_time_statements(case.body)


def edges_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Modules of the package that `name` imports at import time."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(), filename=str(path))
    targets: set[str] = set()
    for node in import_time_statements(tree.body):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        if node.level:
            # The package a relative import is relative to: the module's own package.
            base = name.split(".") if is_package else name.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        for alias in node.names:
            submodule = f"{source}.{alias.name}"
            targets.add(submodule if submodule in modules else source)
    return {t for t in targets if t in modules and t != name}


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    modules = discover(root, package)
    return {name: edges_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One shortest cycle per strongly connected component (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(v: str) -> None:  # recursion depth is bounded by the module count
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)

    found = []
    for component in components:
        start = min(component)
        # Breadth-first search inside the component for the shortest way back to `start`.
        paths = {start: [start]}
        queue = [start]
        cycle = None
        while queue and cycle is None:
            v = queue.pop(0)
            for w in sorted(graph[v] & component):
                if w == start:
                    cycle = paths[v] + [start]
                    break
                if w not in paths:
                    paths[w] = paths[v] + [w]
                    queue.append(w)
        found.append(cycle)
    return sorted(found)


# --- the real package ---------------------------------------------------------------------


def test_no_import_cycles_in_tracker():
    graph = import_graph(ROOT, PACKAGE)
    found = cycles(graph)
    assert not found, "import cycles among tracker/ modules:\n" + "\n".join(
        "  " + " -> ".join(c) for c in found
    )


def test_graph_sees_the_whole_package():
    graph = import_graph(ROOT, PACKAGE)
    assert {"tracker", "tracker.config", "tracker.timeutil", "tracker.models"} <= graph.keys()
    assert "tracker.extensions" in graph["tracker"]  # `from .extensions import ...`
    assert "tracker.extensions" in graph["tracker.models.user"]  # `from ..extensions import db`


# --- the graph builder itself, on a small package written for the purpose ----------------


@pytest.fixture
def sample(tmp_path) -> Path:
    files = {
        "pkg/__init__.py": "from .a import thing\n",
        "pkg/a.py": (
            "from typing import TYPE_CHECKING\n"
            "import os\n"
            "thing = 1\n"
            "if TYPE_CHECKING:\n"
            "    from .b import Other\n"
            "else:\n"
            "    from . import c\n"
            "def later():\n"
            "    from .b import Other\n"
        ),
        "pkg/b.py": "",
        "pkg/c.py": "try:\n    import pkg.sub.leaf\nexcept ImportError:\n    pass\n",
        "pkg/sub/__init__.py": "from flask import Blueprint\nbp = Blueprint('x', __name__)\n",
        "pkg/sub/leaf.py": "from .. import b\nfrom . import bp\nclass K:\n    from ..b import x\n",
        # The shape the capability packages must avoid: the view needs `bp` from the package,
        # and the package imports the view at module level (at the bottom, as Flask docs do).
        "pkg/cap/__init__.py": "bp = object()\ndef init_app(app):\n    pass\nfrom . import views\n",
        "pkg/cap/views.py": "from . import bp\n",
        # The fixed shape: the view import moves into init_app().
        "pkg/ok/__init__.py": "bp = object()\ndef init_app(app):\n    from . import views\n",
        "pkg/ok/views.py": "from . import bp\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def test_builder_resolves_relative_and_submodule_imports(sample):
    graph = import_graph(sample, "pkg")
    assert graph["pkg"] == {"pkg.a"}
    assert graph["pkg.a"] == {"pkg.c"}  # not b: TYPE_CHECKING and function bodies don't count
    assert graph["pkg.c"] == {"pkg.sub.leaf"}  # inside a module-level try
    assert graph["pkg.sub.leaf"] == {"pkg.b", "pkg.sub"}  # `from . import bp` is the package
    assert graph["pkg.ok"] == set()  # imports inside init_app() run later


def test_builder_finds_the_package_view_cycle(sample):
    assert cycles(import_graph(sample, "pkg")) == [["pkg.cap", "pkg.cap.views", "pkg.cap"]]


# --- the import rule (docs/architecture.md) ----------------------------------------------------

CAPABILITIES = ("accounts", "routines", "logbook", "reminders", "trends", "pwa", "portability")
# Capability -> capability imports that exist on purpose, and why. Anything new fails here
# until it is either moved to a shared module or listed with its reason.
ALLOWED = {
    ("trends", "routines"): "cadence arithmetic is the routines' definition of a due period; "
    "streaks and adherence must agree with due dates",
    ("reminders", "routines"): "routine nudges use the routines' due dates (queries.due_states)",
    ("reminders", "logbook"): "the water chain counts the day's glasses (logbook.water)",
    ("routines", "logbook"): "the appointments API validates session-shaped fields with the "
    "logbook's schema",
    ("logbook", "routines"): "the log form defaults to the routine due soonest (due_states)",
    ("portability", "logbook"): "imports and exports move sessions: they validate with the "
    "logbook's schema and reuse its CSV format",
    ("portability", "accounts"): "the JSON backup is the account export (accounts.data)",
}


def capability_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in CAPABILITIES else None


def all_imports(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """Every module imported anywhere in the file, functions included."""
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom):
            target = (
                ".".join(base[: len(base) - node.level + 1] + [node.module or ""]).strip(".")
                if node.level
                else node.module or ""
            )
            for alias in node.names:
                full = f"{target}.{alias.name}"
                found.add(full if full in modules else target)
    return found


def test_capabilities_import_each_other_only_where_documented():
    modules = discover(ROOT, PACKAGE)
    crossing = {}
    for name, path in modules.items():
        source = capability_of(name)
        for target in all_imports(path, name, modules):
            dest = capability_of(target)
            if source and dest and source != dest:
                crossing.setdefault((source, dest), set()).add(f"{name} -> {target}")
    unexplained = {pair: sorted(where) for pair, where in crossing.items() if pair not in ALLOWED}
    assert unexplained == {}
    assert ("trends", "routines") in crossing  # the walk sees real imports (not vacuous)
    assert set(ALLOWED) <= set(crossing), "drop exceptions that no longer exist"
