"""The layering holds: solver <- dispatch <- depots <- api, entry points on top, no cycles.

Every module's imports are read with ``ast`` (imports inside functions included, those under
``if TYPE_CHECKING:`` too): a module may import its own package and the packages below it. The
entry points, declared here, sit on top and may import every package. Import cycles between
modules of the product fail too, since each would hide a layering the packages do not show.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("solver", "dispatch", "depots", "api")
# Entry points wire the layers together: the CLI, the database migrations (one Alembic history
# for every package's tables) and the ASGI app factory.
ENTRY_POINTS = ("dispatch.cli", "dispatch.store.migrations", "api.main")


def _modules() -> Iterator[tuple[str, Path]]:
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts), path


def _imports(name: str, path: Path) -> Iterator[tuple[str, int]]:
    """(imported module, line) for each import of the product's packages in a module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] in LAYERS:
                yield target, node.lineno


def _is_entry_point(name: str) -> bool:
    return any(name == e or name.startswith(f"{e}.") for e in ENTRY_POINTS)


def _known(target: str, modules: dict[str, Path]) -> str | None:
    """The product module an import names (``from pkg import name`` may name a module)."""
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target or None


def test_no_module_imports_a_layer_above_its_own():
    """solver imports no other layer, dispatch only solver, depots dispatch and solver."""
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    broken = []
    for name, path in _modules():
        if _is_entry_point(name):
            continue
        own = rank[name.split(".")[0]]
        for target, line in _imports(name, path):
            if rank[target.split(".")[0]] > own:
                broken.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert broken == []


def test_no_import_cycles_between_modules():
    """Module imports form no cycle (a package importing its own submodules aside)."""
    modules = dict(_modules())
    graph = nx.DiGraph()
    for name, path in modules.items():
        for target, _ in _imports(name, path):
            found = _known(target, modules)
            related = found is None or found == name or name.startswith(f"{found}.")
            if not related and not found.startswith(f"{name}."):
                graph.add_edge(name, found)
    tangles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert tangles == []


def test_the_solver_knows_no_calendar():
    """The solver sees seconds and hours of the week, never ``datetime`` or a time zone."""
    banned = {"datetime", "zoneinfo"}
    found = []
    for name, path in _modules():
        if not name.startswith("solver"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                names = {(node.module or "").split(".")[0]}
            else:
                continue
            if names & banned:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
