"""What the notebook builders share: each ``NN-name.py`` here lists its notebook's cells
and calls :func:`build`, which executes the notebook with nbclient (a real kernel, in
a temporary folder) and saves it with the outputs it printed. ``execute.py`` re-runs
the saved notebooks the same way without rebuilding them.

Every notebook works in its own folder, ``qda-notebooks/<its name>/``, which it makes
afresh when it starts: run in any order, and again, they print what is stored here
(``tests/test_notebooks.py`` runs them forwards and in reverse in one folder and
compares)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import nbformat as nbf
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def start(name: str, extra_imports: str = "") -> str:
    """The first code cell's lines: the notebook's own folder, made afresh."""
    return ("import shutil\nfrom pathlib import Path\n\nimport qda\n" + extra_imports
            + f"\n# This notebook's own folder, made afresh: the notebooks run in any order.\n"
            f"work = Path(\"qda-notebooks/{name}\")\n"
            "shutil.rmtree(work, ignore_errors=True)\n")


def execute(nb, *, timeout: int = 900, folder: Path | None = None):
    """Run every cell of ``nb`` in ``folder`` (default: a new temporary one)."""
    tmp = folder or Path(tempfile.mkdtemp())
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp)}}).execute()
    finally:
        if folder is None:
            shutil.rmtree(tmp, ignore_errors=True)
    return nb


def build(cells: list, name: str, *, timeout: int = 900) -> Path:
    nb = nbf.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = KERNEL
    execute(nb, timeout=timeout)
    out = ROOT / "notebooks" / f"{name}.ipynb"
    nbf.write(nb, out)
    print(f"wrote {out.relative_to(ROOT)}")
    return out
