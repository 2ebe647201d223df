"""The package's imports run one way: no module imports, even inside a function, one that imports it back.

Python tolerates a cycle as long as one of its imports sits inside a function, so a
cycle stays hidden until someone moves that import to the top. This test reads every
module's source with :mod:`ast`, function-level imports included, and fails on any
cycle, naming each import that closes it. docs/architecture.md draws the order and
gives each module a paragraph; a second test keeps that page in step with the package.
"""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

from conftest import ROOT

PACKAGE = "mcsp_reports"
SOURCE = ROOT / "src" / PACKAGE
ARCHITECTURE = ROOT / "docs" / "architecture.md"

#: An import of one package module by another: (importer, imported) → line numbers.
Edges = dict[tuple[str, str], list[int]]


def modules(source: Path = SOURCE) -> dict[str, Path]:
    """The package's modules by short name (``build``, ``__init__``), from their files."""
    return {path.stem: path for path in sorted(source.glob("*.py"))}


def _targets(node: ast.Import | ast.ImportFrom, known: set[str]) -> list[str]:
    """The package modules one import statement loads (``__init__`` for the package root)."""
    if isinstance(node, ast.Import):
        found = []
        for alias in node.names:
            parts = alias.name.split(".")
            if parts[0] == PACKAGE:
                found.append(parts[1] if len(parts) > 1 and parts[1] in known else "__init__")
        return found
    if node.level == 0:
        parts = (node.module or "").split(".")
        if parts[0] != PACKAGE:
            return []
        base = parts[1:]
    elif node.level == 1:  # a module of this flat package, or the package itself
        base = (node.module or "").split(".") if node.module else []
    else:
        return []
    if base:
        return [base[0] if base[0] in known else "__init__"]
    # `from . import engine` loads the module `engine`; `from . import build` of a name
    # that is not a module loads the package root.
    return [alias.name if alias.name in known else "__init__" for alias in node.names]


def _for_types_only(tree: ast.Module) -> set[ast.AST]:
    """Imports under ``if TYPE_CHECKING:``, which never run and so cannot close a cycle."""
    return {
        inner
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for statement in node.body
        for inner in ast.walk(statement)
    }


def import_edges(source: Path = SOURCE) -> Edges:
    """Every import between the package's modules, wherever in the module it is written."""
    known = set(modules(source))
    edges: Edges = {}
    for name, path in modules(source).items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        skipped = _for_types_only(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and node not in skipped:
                for target in _targets(node, known):
                    if target != name:
                        edges.setdefault((name, target), []).append(node.lineno)
    return edges


def find_cycle(edges: Edges) -> list[str] | None:
    """One import cycle as the modules along it (first repeated at the end), or ``None``."""
    graph: dict[str, list[str]] = {}
    for importer, imported in sorted(edges):
        graph.setdefault(importer, []).append(imported)
    state: dict[str, int] = {}  # 1: on the current path, 2: finished, no cycle through it
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for after in graph.get(node, []):
            if state.get(after) == 1:
                return [*path[path.index(after):], after]
            if after not in state and (cycle := visit(after)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def describe(cycle: list[str], edges: Edges) -> str:
    """The cycle as one line per import, each with its file and line, for the failure message."""
    lines = [f"import cycle: {' -> '.join(cycle)}"]
    for importer, imported in itertools.pairwise(cycle):
        where = ", ".join(str(n) for n in edges[(importer, imported)])
        lines.append(f"  src/{PACKAGE}/{importer}.py line {where} imports {imported}")
    lines.append("Move the shared code down into a module both can import (see docs/architecture.md).")
    return "\n".join(lines)


def test_the_package_imports_have_no_cycle() -> None:
    edges = import_edges()
    assert ("build", "pdf") in edges  # the walk sees imports inside functions
    cycle = find_cycle(edges)
    assert cycle is None, describe(cycle, edges)


def test_a_cycle_through_a_function_level_import_is_found_and_named(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "low.py").write_text("def late():\n    from .high import thing\n    return thing\n")
    (tmp_path / "high.py").write_text("from . import low\nfrom mcsp_reports.files import write_atomic\n")
    (tmp_path / "files.py").write_text("")
    edges = import_edges(tmp_path)
    cycle = find_cycle(edges)
    assert cycle == ["high", "low", "high"]
    assert describe(cycle, edges).splitlines()[:3] == [
        "import cycle: high -> low -> high",
        f"  src/{PACKAGE}/high.py line 1 imports low",
        f"  src/{PACKAGE}/low.py line 2 imports high",
    ]
    del edges[("low", "high")]
    assert find_cycle(edges) is None


def test_a_module_importing_the_package_root_is_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text("from .site import page\n")
    (tmp_path / "site.py").write_text("import mcsp_reports\n")
    assert find_cycle(import_edges(tmp_path)) == ["__init__", "site", "__init__"]


def test_every_module_has_its_paragraph_in_the_architecture_page() -> None:
    page = ARCHITECTURE.read_text(encoding="utf-8")
    described = set(re.findall(r"^### `([a-z_]+)\.py`", page, flags=re.MULTILINE))
    package = set(modules()) - {"__init__"}
    assert package - described == set(), (
        "docs/architecture.md has no '### `NAME.py`' paragraph for these modules; add one saying what "
        f"the module owns and where it sits in the import order: {sorted(package - described)}")
    assert described - package == set(), f"docs/architecture.md describes modules that no longer exist: " \
        f"{sorted(described - package)}"
