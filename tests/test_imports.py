"""The package's import graph points one way: no module imports, even inside a function, a
module that imports it back (directly or through others)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import listening_coach

PACKAGE = Path(listening_coach.__file__).parent
NAME = "listening_coach"


def _modules() -> dict[str, Path]:
    """Dotted name -> file, for every module of the package (packages by their __init__)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """Nodes under ``if TYPE_CHECKING:``: never executed, so they cannot make a cycle."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for body in node.body for n in ast.walk(body)}
    return skip


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports, at module level or inside functions.

    ``from a import b`` counts as importing ``a.b`` when that is a module, else ``a``.
    """
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        skip = _type_checking_nodes(tree)
        targets: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                targets |= {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                            for a in node.names}
        resolved = {_resolve(t, modules) for t in targets if t.split(".")[0] == NAME}
        graph[name] = {t for t in resolved if t is not None and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_import_graph_has_no_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 50 and "listening_coach.pipeline" in graph["listening_coach.coach.corrections"]
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or ())


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_every_module_imports_in_a_fresh_interpreter() -> None:
    names = sorted(n for n in _modules() if not n.endswith("__main__"))
    code = "import importlib, sys\nfor n in sys.argv[1:]:\n    importlib.import_module(n)\n"
    done = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


# Outer layers may import inner ones, never the reverse (docs/architecture.md draws them).
LAYERS = ("core", "report", "live", "coach", "testing", "evaluation", "front")


def layer(module: str) -> str:
    """The layer of a package module: its subpackage, the front end, or the flat core."""
    parts = module.split(".")
    if module == NAME or parts[1] in ("cli", "commands", "__main__"):
        return "front"
    return parts[1] if parts[1] in LAYERS else "core"


def test_imports_point_down_the_layers() -> None:
    graph = import_graph()
    assert layer("listening_coach.live.session") == "live" and layer("listening_coach.turns") == "core"
    upward = sorted(f"{a} ({layer(a)}) imports {b} ({layer(b)})" for a, targets in graph.items()
                    for b in targets if LAYERS.index(layer(b)) > LAYERS.index(layer(a)))
    assert not upward, "\n".join(upward)
