"""The house's rules that a reader would otherwise have to trust: short functions, and parts
of the Project that call each other only through what they declare.

- No function in ``qda/`` holds more than ``MAX_STATEMENTS`` statements unless it is a flat
  table of cases listed in ``FLAT_TABLES`` (with the reason). Statements, not lines: the
  formatter (``ruff format``) puts a long call's arguments one per line, which adds lines and
  nothing a reader has to hold. A function of 60 lines in the house's dense style before the
  formatter held 35 to 46 statements; pylint's ``too-many-statements`` counts the same way
  (default 50).
- A part of ``Project`` (``qda/project/*.py``) uses underscored members only of its own
  module or those ``ProjectBase`` declares (``qda/project/base.py``); everything else goes
  through public methods.
- Outside ``qda/project/``, nothing reaches into a Project's private members
  (``project._store``, ``project._participants()`` ...).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

QDA = Path(__file__).resolve().parents[1] / "qda"
MODULES = sorted(QDA.rglob("*.py"))
MAX_STATEMENTS = 45

#: "module:function" -> why it may be longer (a flat table of cases reads best whole).
FLAT_TABLES: dict[str, str] = {
    "qda/codebook/yamlfile.py:_explain": "one plain-words message per kind of schema error",
}


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _statements(function: ast.AST) -> int:
    """Lines on which a statement starts inside ``function`` (nested ones included)."""
    return len(
        {node.lineno for node in ast.walk(function) if isinstance(node, ast.stmt) and node is not function}
    )


def _long_functions(path: Path, root: Path = QDA.parent) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(root).as_posix()
    return [
        f"{rel}:{node.name} ({_statements(node)} statements)"
        for node in _functions(tree)
        if _statements(node) > MAX_STATEMENTS and f"{rel}:{node.name}" not in FLAT_TABLES
    ]


def test_no_function_is_longer_than_the_house_allows():
    long = [f for path in MODULES for f in _long_functions(path)]
    assert not long, (
        "split these into read / plan / apply / report steps, or list a flat "
        "table of cases in FLAT_TABLES with its reason:\n" + "\n".join(long)
    )


def test_the_length_check_counts_statements_not_lines(tmp_path):
    too_many = "def f():\n" + "    x = 1\n" * (MAX_STATEMENTS + 1)
    # As many lines again, but one statement: a call with its arguments one per line.
    one_call = "def g():\n    print(\n" + "        1,\n" * (2 * MAX_STATEMENTS) + "    )\n"
    just_enough = "def h():\n" + "    if x:\n        y = 1\n" * (MAX_STATEMENTS // 2)
    path = tmp_path / "sample.py"
    path.write_text("\n\n".join([too_many, one_call, just_enough]), encoding="utf-8")
    assert [f.split(" ")[0] for f in _long_functions(path, tmp_path)] == ["sample.py:f"]


def _defined(tree: ast.AST) -> set[str]:
    """Names a module defines on its classes (methods, class attributes, annotated or
    assigned ``self.`` attributes)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    names.add(item.name)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    names.add(item.target.id)
                elif isinstance(item, ast.Assign):
                    names.update(t.id for t in item.targets if isinstance(t, ast.Name))
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        ):
            names.add(node.attr)
    return names


def _private_uses(tree: ast.AST, owner: str) -> list[tuple[int, str]]:
    """(line, name) of every ``<owner>._name`` read (dunders aside)."""
    return [
        (node.lineno, node.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == owner
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
    ]


PROJECT = QDA / "project"
BASE = _defined(ast.parse((PROJECT / "base.py").read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    "path", sorted(p for p in PROJECT.glob("*.py") if p.name != "base.py"), ids=lambda p: p.name
)
def test_a_project_part_uses_only_its_own_or_the_bases_private_members(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = _defined(tree)
    foreign = [
        f"{path.name}:{line}: self.{name}"
        for line, name in _private_uses(tree, "self")
        if name not in own and name not in BASE
    ]
    assert not foreign, (
        "a part calls another part's private member; make it public, or "
        "declare it on ProjectBase:\n" + "\n".join(foreign)
    )


@pytest.mark.parametrize(
    "path", [p for p in MODULES if PROJECT not in p.parents], ids=lambda p: p.relative_to(QDA).as_posix()
)
def test_nothing_outside_the_project_reaches_into_its_private_members(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    uses = [f"{line}: project.{name}" for line, name in _private_uses(tree, "project")]
    assert not uses, f"{path}: use the Project's public methods:\n" + "\n".join(uses)
