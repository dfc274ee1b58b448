"""The code keeps the house's lint rules (ruff, configured in pyproject.toml): unused
imports, undefined names, shadowed loop variables and unsorted imports are caught here,
not in review. An undefined ``sys`` in the CLI's folder-import path was found this way."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing_in_the_package_and_benchmarks():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.fail("ruff is not installed: pip install -e '.[dev]' installs it")
    result = subprocess.run([ruff, "check", "qda", "benchmarks"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
