"""The tests' own layout: what test modules share lives in ``tests/helpers``; no test module
(nor a helper) imports a test module or ``conftest``; ``conftest.py`` holds only fixtures.
A test importing another test module runs that module's imports and couples the two, so a
change to one test file can break another's collection."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) for every import anywhere in ``tree`` (in functions too); a relative
    import is given with its dots, ``from pkg import name`` also as ``pkg.name``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            found.append((node.lineno, base))
            found += [
                (node.lineno, f"{base.rstrip('.')}.{alias.name}" if base.strip(".") else base + alias.name)
                for alias in node.names
            ]
    return found


def _is_test_module(module: str) -> bool:
    parts = module.lstrip(".").split(".")
    last = parts[-1]
    local = module.startswith(".") or parts[0] in ("tests", "conftest") or parts[0].startswith("test_")
    return local and (last == "conftest" or last.startswith("test_"))


def bad_imports(path: Path) -> list[str]:
    """Each import of a test module or conftest in the file at ``path``, as ``file:line``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        f"{path.name}:{line}: imports {module}" for line, module in _imported(tree) if _is_test_module(module)
    ]


def not_fixtures(path: Path) -> list[str]:
    """What a conftest holds at its top level besides imports, its docstring, calls and
    fixtures (shared data and builders belong in tests/helpers)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom | ast.Expr):
            continue
        fixture = isinstance(node, ast.FunctionDef) and any(
            "fixture" in ast.unparse(d) for d in node.decorator_list
        )
        if not fixture:
            out.append(
                f"{path.name}:{node.lineno}: {type(node).__name__} "
                f"{getattr(node, 'name', ast.unparse(node)[:40])!r}"
            )
    return out


def test_no_test_module_or_helper_imports_a_test_module_or_conftest():
    files = sorted(TESTS.glob("test_*.py")) + sorted((TESTS / "helpers").glob("*.py"))
    assert len(files) > 50
    found = [problem for path in files for problem in bad_imports(path)]
    assert not found, "move what is shared into tests/helpers:\n" + "\n".join(found)


def test_helpers_live_in_the_helpers_package():
    loose = [
        p.name
        for p in TESTS.glob("*.py")
        if not p.name.startswith("test_") and p.name not in ("conftest.py", "__init__.py")
    ]
    assert not loose, f"helper modules belong in tests/helpers/: {loose}"
    assert (TESTS / "helpers" / "__init__.py").exists()


def test_conftest_holds_only_fixtures():
    assert not_fixtures(TESTS / "conftest.py") == []


@pytest.mark.parametrize(
    "source, caught",
    [
        ("from tests.conftest import CODEBOOK\n", True),
        ("from .conftest import ROOT\n", True),
        ("import conftest\n", True),
        ("from tests.test_readers import CASES\n", True),
        ("from tests import test_more_formats as more_formats\n", True),
        ("from . import test_refi\n", True),
        ("def f():\n    from .test_refi import G\n", True),
        ("import tests.test_concurrency\n", True),
        ("from tests.helpers.readers import CASES\n", False),
        ("from tests.helpers import paths\n", False),
        ("from qda.coding import learn\n", False),
        ("import pytest_timeout\n", False),
    ],
    ids=lambda v: v.strip().replace("\n", " ") if isinstance(v, str) else None,
)
def test_the_import_check_catches_what_it_should(tmp_path, source, caught):
    path = tmp_path / "test_x.py"
    path.write_text(source, encoding="utf-8")
    assert bool(bad_imports(path)) is caught


def test_the_conftest_check_catches_shared_data_and_builders(tmp_path):
    path = tmp_path / "conftest.py"
    path.write_text(
        '"""Doc."""\nimport pytest\nCODEBOOK = "x"\n\n\ndef build():\n    pass\n\n\n'
        "@pytest.fixture\ndef ok():\n    return 1\n",
        encoding="utf-8",
    )
    found = not_fixtures(path)
    assert [p.split(": ", 2)[1].split()[0] for p in found] == ["Assign", "FunctionDef"]
    assert "CODEBOOK" in found[0] and "build" in found[1]
