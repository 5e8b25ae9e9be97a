"""Modules small enough to read in one sitting, functions short enough to name (issue 16).

A module over :data:`MAX_MODULE_LINES` lines is split where a name explains the part (as
``coach/plan.py`` came out of ``coach/batch.py``); a function over :data:`MAX_FUNCTION_LINES`
lines (``def`` to its last line, docstring included) is split into named steps, unless it is on
:data:`LONG_FUNCTIONS` with the reason it reads better whole.
"""

from __future__ import annotations

import ast
from pathlib import Path

import listening_coach

PACKAGE = Path(listening_coach.__file__).resolve().parent
MAX_MODULE_LINES = 350
MAX_FUNCTION_LINES = 60

# "module/path.py:qualified.name" -> why it is better left whole. Keep this short: every entry
# is a function a reader has to hold in their head at once.
LONG_FUNCTIONS: dict[str, str] = {}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _functions(tree: ast.AST, prefix: str = "") -> list[tuple[str, int]]:
    """(qualified name, lines) of every function and method, nested ones included."""
    out: list[tuple[str, int]] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = f"{prefix}{node.name}"
            if not isinstance(node, ast.ClassDef):
                out.append((name, (node.end_lineno or node.lineno) - node.lineno + 1))
            out += _functions(node, f"{name}.")
        else:
            out += _functions(node, prefix)
    return out


def test_the_package_has_modules_to_check() -> None:
    names = {p.relative_to(PACKAGE).as_posix() for p in _modules()}
    assert {"pipeline.py", "coach/batch.py", "live/session.py"} <= names


def test_no_module_over_the_limit() -> None:
    long = {
        p.relative_to(PACKAGE).as_posix(): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these modules (lines > {MAX_MODULE_LINES}): {long}"


def test_no_function_over_the_limit() -> None:
    long: dict[str, int] = {}
    for path in _modules():
        rel = path.relative_to(PACKAGE).as_posix()
        for name, lines in _functions(ast.parse(path.read_text(encoding="utf-8"))):
            if lines > MAX_FUNCTION_LINES and f"{rel}:{name}" not in LONG_FUNCTIONS:
                long[f"{rel}:{name}"] = lines
    assert not long, (
        f"split these functions where a name explains the part (lines > {MAX_FUNCTION_LINES}), "
        f"or add them to LONG_FUNCTIONS with the reason: {long}"
    )


def test_the_allow_list_names_functions_that_are_still_long() -> None:
    lengths = {
        f"{p.relative_to(PACKAGE).as_posix()}:{name}": lines
        for p in _modules()
        for name, lines in _functions(ast.parse(p.read_text(encoding="utf-8")))
    }
    stale = [k for k in LONG_FUNCTIONS if lengths.get(k, 0) <= MAX_FUNCTION_LINES]
    assert not stale, f"remove these from LONG_FUNCTIONS (gone or short now): {stale}"


def test_the_measure_counts_nested_functions_and_methods() -> None:
    tree = ast.parse(
        "def outer():\n    def inner():\n        return 1\n    return inner\n"
        "class C:\n    def method(self):\n        x = 1\n        return x\n"
    )
    assert dict(_functions(tree)) == {"outer": 4, "outer.inner": 2, "C.method": 3}
