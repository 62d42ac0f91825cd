"""No import cycles in core/ (docs/architecture.md): the graph of module-level imports between
core's modules, built with `ast` over the files, has no cycle.

What counts as an edge:
- `import core.x` and `from core.x import y` at module level, including inside a module-level
  `if`/`try`/`with` (they run on import). `from core.x import y` where `core/x/y.py` exists is
  an edge to `core.x.y`.
- Imports under `if TYPE_CHECKING:` are NOT edges: they never run, so they cannot deadlock an
  import; they are type annotations only.
- Imports inside a function or method body are NOT edges: they run at call time, after every
  module has finished loading. (They are still a smell when used to dodge a cycle; the services
  test below forbids the one that mattered.)
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def module_level_imports(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports that run when the module is imported (not in functions, not TYPE_CHECKING)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from module_level_imports(node.body)
            yield from module_level_imports(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from module_level_imports(block)
            for handler in node.handlers:
                yield from module_level_imports(handler.body)
        elif isinstance(node, ast.With):
            yield from module_level_imports(node.body)


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> the modules of `package` it imports at module level."""
    files = sorted((root / package).rglob("*.py"))
    known = {module_name(path, root) for path in files}
    graph: dict[str, set[str]] = {}
    for path in files:
        source = module_name(path, root)
        edges = graph.setdefault(source, set())
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in module_level_imports(tree.body):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif node.level == 0 and node.module:
                targets = [node.module]
                targets += [f"{node.module}.{alias.name}" for alias in node.names]
            for target in targets:
                if target in known and target != source:
                    edges.add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each module that lies on one (depth-first search, back edges)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_core_has_no_import_cycles() -> None:
    assert [" -> ".join(c) for c in cycles(import_graph(ROOT, "core"))] == []


def test_no_service_imports_the_wiring() -> None:
    """`core/services/context.py` wires the services; no service reaches back into it, not even
    for type annotations."""
    offenders = []
    for path in sorted((ROOT / "core" / "services").glob("*.py")):
        if path.name == "context.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "core.services.context":
                offenders.append(path.name)
    assert offenders == []


@pytest.mark.parametrize(
    ("source", "cyclic"),
    [
        ("import core.b\n", True),
        ("from core import b\n", True),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import core.b\n", False),
        ("def f():\n    import core.b\n", False),
        ("try:\n    import core.b\nexcept ImportError:\n    pass\n", True),
    ],
)
def test_the_check_sees_cycles(tmp_path: Path, source: str, cyclic: bool) -> None:
    package = tmp_path / "core"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text(source)
    (package / "b.py").write_text("import core.a\n")
    assert bool(cycles(import_graph(tmp_path, "core"))) is cyclic
