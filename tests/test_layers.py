"""The house's rooms import downward only: ARCHITECTURE.md's table, checked on every import.

A room may import the rooms listed before it in ``LAYERS`` (and itself), never one
listed after it; rooms on one line are peers that may not import each other either.
A new module under ``qda/`` must be given a place here, as it must in the map.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

QDA = Path(__file__).resolve().parents[1] / "qda"

#: Bottom first, as ARCHITECTURE.md's table lists them.
LAYERS: list[set[str]] = [
    {"errors"},
    {"limits"},
    {"files", "csvcells", "archive", "xmlnames", "resources", "display", "offsets"},
    {"ingest"},
    {"segment", "parallel", "reanchor"},
    {"codebook"},
    {"coding"},
    {"analysis", "explore"},
    {"anonymise", "attribution"},
    {"export"},
    {"refi"},
    {"store"},
    {"documents"},
    {"project"},
    {"reports"},
    {"workflow"},
    {"serve"},
    {"cli"},
    {"__init__", "__main__"},
]
RANK = {room: i for i, rooms in enumerate(LAYERS) for room in rooms}


def _room(path: Path) -> str:
    parts = path.relative_to(QDA).with_suffix("").parts
    return parts[0]


def _imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "qda":
                yield node.lineno, [f"qda.{a.name}" for a in node.names]
            else:
                yield node.lineno, [node.module]
        elif isinstance(node, ast.Import):
            yield node.lineno, [a.name for a in node.names]


MODULES = sorted(QDA.rglob("*.py"))


def test_every_room_has_a_place():
    rooms = {_room(p) for p in MODULES}
    assert rooms <= set(RANK), (
        f"give these a place in LAYERS and ARCHITECTURE.md: {sorted(rooms - set(RANK))}"
    )


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(QDA)))
def test_no_room_imports_a_room_above_it(path):
    room = _room(path)
    upward = []
    for line, modules in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        for module in modules:
            parts = module.split(".")
            if parts[0] != "qda" or len(parts) < 2 or parts[1] == "__version__":
                continue
            target = parts[1]
            if target != room and RANK.get(target, -1) >= RANK[room]:
                upward.append(f"line {line}: {module}")
    assert not upward, f"{room} imports upward: {upward}"
