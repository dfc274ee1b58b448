"""The code keeps the house's lint rules and layout (ruff check, ruff format) and type checks
(mypy), all configured in pyproject.toml: unused imports, undefined names, shadowed loop
variables and unsorted imports (ruff), a value that may be None used as if it could not be, a
name reused for another type, a part of a class calling a method it does not declare (mypy) are
caught here, not in review. An undefined ``sys`` in the CLI's folder-import path was found this
way."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    path = shutil.which(name) or str(Path(sys.executable).with_name(name))
    if not Path(path).exists():
        pytest.fail(f"{name} is not installed: pip install -e '.[dev]' installs it")
    return path


CHECKED = ["qda", "benchmarks", "tests"]


def test_ruff_finds_nothing_in_the_package_benchmarks_and_tests():
    result = subprocess.run(
        [_tool("ruff"), "check", *CHECKED], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_is_as_ruff_formats_it():
    result = subprocess.run(
        [_tool("ruff"), "format", "--check", *CHECKED], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, "run `ruff format qda benchmarks tests`:\n" + result.stdout + result.stderr


def mypy_errors(output: str) -> list[str]:
    """mypy's error lines (``path:line: error: ...``), not its notes or summary."""
    return [line for line in output.splitlines() if re.match(r"^[^:\s]+:\d+(:\d+)?: error:", line)]


def test_mypy_error_lines_are_picked_out():
    output = (
        "qda/store/a.py:3: error: x  [attr-defined]\n"
        "qda/project/b.py:4: error: y  [attr-defined]\n"
        "qda/store/a.py:9: note: see here\n"
        "Found 2 errors in 2 files (checked 2 source files)\n"
    )
    assert mypy_errors(output) == [
        "qda/store/a.py:3: error: x  [attr-defined]",
        "qda/project/b.py:4: error: y  [attr-defined]",
    ]


@pytest.mark.slow
def test_mypy_finds_nothing_in_the_package():
    # Its own cache folder, so that a cache from another mypy version is never reused.
    result = subprocess.run(
        [_tool("mypy"), "--cache-dir", str(ROOT / ".mypy_cache")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode not in (0, 1):  # 2: mypy itself failed (bad configuration)
        pytest.fail(result.stdout + result.stderr)
    errors = mypy_errors(result.stdout)
    assert not errors and result.returncode == 0, "\n".join(errors) + "\n" + result.stderr
