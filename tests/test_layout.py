"""The dependency rules the folders stand for, checked over every import (an ``ast`` walk).

``schemas`` and ``models`` never import ``actions``; a resource module (``actions/<name>.py``)
never imports the gateway or the CLI; the gateway never imports a resource module (it reaches
actions through the registry); webhook delivery needs neither; and no module imports itself
back through others.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("actions", "models", "schemas")
# Modules of ``actions`` that are not resources: the gateway and the resources both use them.
SHARED = {"actions", "actions.registry", "actions.caller", "actions.rights"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules(root: Path) -> dict[str, Path]:
    files = [root / "app.py", *(p for pkg in PACKAGES for p in (root / pkg).rglob("*.py"))]
    return {module_name(path, root): path for path in files if path.exists()}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The project modules a file imports by name (``from a import b`` counts ``a.b`` when
    that is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in known else node.module)
    return {name for name in found if name in known}


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = project_modules(root)
    return {name: imports_of(path, set(modules)) for name, path in modules.items()}


def kind(module: str) -> str:
    """schemas, models, gateway, cli, delivery, resource, shared or app."""
    parts = module.split(".")
    if parts[0] in ("schemas", "models", "app"):
        return parts[0]
    if len(parts) > 1 and parts[1] in ("gateway", "cli", "delivery"):
        return parts[1]
    return "shared" if module in SHARED else "resource"


FORBIDDEN = {  # importer kind: kinds it must not import
    "schemas": {"resource", "shared", "gateway", "cli", "delivery", "app"},
    "models": {"resource", "shared", "gateway", "cli", "delivery", "app"},
    "resource": {"gateway", "cli", "app"},
    "shared": {"resource", "gateway", "cli", "app"},
    "gateway": {"resource", "cli", "app"},
    "delivery": {"resource", "shared", "gateway", "cli", "app"},
    "cli": {"app"},
}


def violations(graph: dict[str, set[str]]) -> list[str]:
    """Every import that breaks a rule, and every import cycle, as sentences."""
    found = [f"{importer} ({kind(importer)}) imports {imported} ({kind(imported)})"
             for importer, imported_set in sorted(graph.items())
             for imported in sorted(imported_set)
             if kind(imported) in FORBIDDEN.get(kind(importer), set())
             and importer != "actions"]  # the package imports its resources to register them
    return found + [f"import cycle: {' -> '.join(cycle)}" for cycle in cycles(graph)]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected group of modules (depth-first, iterative)."""
    state: dict[str, int] = {}  # 1 on the path, 2 done
    found = []
    for start in sorted(graph):
        if start in state:
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            following = next(stack[-1], None)
            if following is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(following) == 1:
                found.append(path[path.index(following):] + [following])
            elif following not in state:
                state[following] = 1
                path.append(following)
                stack.append(iter(sorted(graph.get(following, ()))))
    return found


def test_the_layout_keeps_its_dependency_rules():
    assert violations(import_graph()) == []


def test_every_subpackage_is_listed_in_pyproject():
    listed = (ROOT / "pyproject.toml").read_text()
    packages = {module_name(init, ROOT) for pkg in PACKAGES for init in
                (ROOT / pkg).rglob("__init__.py")}
    assert {name for name in packages if f'"{name}"' not in listed} == set()


def test_no_module_is_over_300_lines():
    long = {name: n for name, path in project_modules(ROOT).items()
            if (n := len(path.read_text().splitlines())) > 300}
    assert long == {}


@pytest.mark.parametrize("importer, imported, code", [
    ("schemas/tasks.py", "actions.tasks", "from actions.tasks import post_task"),
    ("models/tasks.py", "actions.registry", "import actions.registry"),
    ("actions/tasks.py", "actions.gateway.views", "from actions.gateway import views"),
    ("actions/gateway/views.py", "actions.tasks", "from actions import tasks"),
    ("actions/delivery/passes.py", "actions.gateway", "import actions.gateway"),
])
def test_the_checker_finds_an_upward_import(tmp_path, importer, imported, code):
    for path in project_modules(ROOT).values():
        copy = tmp_path / path.relative_to(ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(path.read_text())
    target = tmp_path / importer
    target.write_text(target.read_text() + f"\n{code}\n")
    found = violations(import_graph(tmp_path))
    assert any(line.startswith(module_name(target, tmp_path)) and imported in line
               for line in found), found


def test_the_checker_finds_a_cycle():
    graph = {"models.a": {"models.b"}, "models.b": {"models.c"}, "models.c": {"models.a"}}
    assert violations(graph) == ["import cycle: models.a -> models.b -> models.c -> models.a"]
