"""The code keeps the house's lint rules (ruff) and type checks (mypy), both configured in
pyproject.toml: unused imports, undefined names, shadowed loop variables and unsorted imports
(ruff), a value that may be None used as if it could not be, a name reused for another type,
a part of a class calling a method it does not declare (mypy) are caught here, not in
review. An undefined ``sys`` in the CLI's folder-import path was found this way."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Folders of qda/ whose mypy errors are not counted yet: the Project's parts are being
#: given one declared base on another branch. The lead empties this tuple when that merges,
#: so that the whole package is checked.
PENDING: tuple[str, ...] = ("qda/project/",)


def _tool(name: str) -> str:
    path = shutil.which(name) or str(Path(sys.executable).with_name(name))
    if not Path(path).exists():
        pytest.fail(f"{name} is not installed: pip install -e '.[dev]' installs it")
    return path


def test_ruff_finds_nothing_in_the_package_and_benchmarks():
    result = subprocess.run([_tool("ruff"), "check", "qda", "benchmarks"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def errors_outside(output: str, pending: tuple[str, ...]) -> list[str]:
    """mypy's error lines (``path:line: error: ...``) in files outside ``pending``."""
    errors = [line for line in output.splitlines() if re.match(r"^[^:\s]+:\d+(:\d+)?: error:", line)]
    return [line for line in errors if not line.replace("\\", "/").startswith(pending)]


def test_errors_outside_pending_folders_are_counted():
    output = ("qda/store/a.py:3: error: x  [attr-defined]\n"
              "qda/project/b.py:4: error: y  [attr-defined]\n"
              "qda/store/a.py:9: note: see here\n"
              "Found 2 errors in 2 files (checked 2 source files)\n")
    assert errors_outside(output, ("qda/project/",)) == ["qda/store/a.py:3: error: x  [attr-defined]"]
    assert len(errors_outside(output, ())) == 2


@pytest.mark.slow
def test_mypy_finds_nothing_in_the_package():
    # Its own cache folder, so that a cache from another mypy version is never reused.
    result = subprocess.run([_tool("mypy"), "--cache-dir", str(ROOT / ".mypy_cache")],
                            cwd=ROOT, capture_output=True, text=True, timeout=900)
    if result.returncode not in (0, 1):   # 2: mypy itself failed (bad configuration)
        pytest.fail(result.stdout + result.stderr)
    errors = errors_outside(result.stdout, PENDING)
    assert not errors, "\n".join(errors) + "\n" + result.stderr
