"""The house stays tidy: small modules, functions that fit on a screen, runnable examples.

The limits are the project's (COMMON standards, issue 10): no function body over 80 lines
in segmentation/, ui/, pages/ and app.py; no module over 700 lines (a page: 250); every
public function of the core carries a ``>>>`` example (pytest runs them as doctests).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLACES = ("segmentation", "ui", "pages", "app.py")
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 700
MAX_PAGE_LINES = 250

def _modules() -> list[Path]:
    found = []
    for place in PLACES:
        path = ROOT / place
        found += [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))
    return found


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the first statement after the docstring to the function's end."""
    body = node.body
    if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return node.end_lineno - body[0].lineno + 1


def test_the_checks_see_the_code():
    names = [_name(p) for p in _modules()]
    assert "segmentation/profile.py" in names and "pages/profiles.py" in names
    assert "app.py" in names and len(names) > 50


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_modules_and_functions_fit_on_a_screen(path):
    source = path.read_text(encoding="utf-8")
    limit = MAX_PAGE_LINES if path.parent.name == "pages" else MAX_MODULE_LINES
    assert source.count("\n") <= limit, f"{_name(path)} is over {limit} lines: split it by job"
    long = [
        f"{node.name} ({_body_lines(node)} lines)"
        for node in _functions(ast.parse(source))
        if _body_lines(node) > MAX_FUNCTION_LINES
    ]
    assert not long, f"{_name(path)}: bodies over {MAX_FUNCTION_LINES} lines: {long}"


def _public_functions_without_example() -> list[str]:
    missing = []
    for path in sorted((ROOT / "segmentation").rglob("*.py")):
        if path.name.startswith("_") and path.name != "__init__.py":
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                if ">>>" not in (ast.get_docstring(node) or ""):
                    missing.append(f"{_name(path)}:{node.name}")
    return missing


def test_every_public_function_of_the_core_has_an_example():
    missing = sorted(_public_functions_without_example())
    assert not missing, (
        "public functions without a >>> example (add one, or make the function _private "
        f"when only its module uses it): {missing}"
    )
