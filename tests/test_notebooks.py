"""The walkthrough notebooks (nbclient, a real kernel): their stored outputs are what
they print when run, and they print it whatever order they run in, all in one folder
as a user in Jupyter runs them (each works in its own ``qda-notebooks/<name>/``)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.notebooks

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))

# What legitimately differs between two runs: object addresses, the kernel's cell file
# names in warnings, clock times.
_VOLATILE = [
    (re.compile(r" at 0x[0-9a-f]+"), " at 0x…"),
    (re.compile(r"/tmp/ipykernel_\d+/\d+\.py"), "<cell>"),
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?(\+00:00|Z| UTC)?"), "<time>"),
]


def _normal(text: str) -> str:
    for pattern, repl in _VOLATILE:
        text = pattern.sub(repl, text)
    return text


def _outputs(nb) -> list[list[str]]:
    """Per code cell, what it printed and returned as text (errors by name)."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        seen, last_stream = [], None
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream":
                # the kernel may send one print in several chunks: compare the whole text
                if last_stream == out["name"]:
                    seen[-1] += _normal(out["text"])
                else:
                    seen.append(f"{out['name']}: {_normal(out['text'])}")
                last_stream = out["name"]
                continue
            last_stream = None
            if out["output_type"] in ("execute_result", "display_data"):
                seen.append(_normal(out["data"].get("text/plain", "")))
            elif out["output_type"] == "error":
                seen.append(f"ERROR {out['ename']}: {out['evalue']}")
        cells.append(seen)
    return cells


def _run_in(folder: Path, paths) -> None:
    for path in paths:
        stored = nbformat.read(path, as_version=4)
        ran = nbformat.read(path, as_version=4)
        NotebookClient(
            ran, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
        ).execute()
        got, want = _outputs(ran), _outputs(stored)
        assert not any(o.startswith("ERROR") for c in got for o in c), (path.name, got)
        for n, (g, w) in enumerate(zip(got, want)):
            assert g == w, f"{path.name}, code cell {n + 1}: printed {g!r}, stored {w!r}"
        assert len(got) == len(want)


@pytest.mark.notebooks
@pytest.mark.parametrize("order", ["forward", "reverse"])
def test_notebooks_in_any_order_print_their_stored_outputs(order, tmp_path):
    """Run one after the other in one folder (as in Jupyter): 02 accepting suggestions or
    03 importing a second coder must change no other notebook's figures."""
    _run_in(tmp_path, NOTEBOOKS if order == "forward" else NOTEBOOKS[::-1])
    for path in NOTEBOOKS:
        assert (tmp_path / "qda-notebooks" / path.stem).is_dir(), path.stem
    assert (tmp_path / "qda-notebooks" / "01-quickstart" / "qda-database.xlsx").exists()
    assert (tmp_path / "qda-notebooks" / "04-your-own-data" / "database.xlsx").exists()


def test_every_code_cell_has_been_executed():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        counts = [c.get("execution_count") for c in nb.cells if c.cell_type == "code"]
        assert counts == list(range(1, len(counts) + 1)), path.name


def test_the_walkthroughs_are_there_and_speak_to_users():
    names = [p.name for p in NOTEBOOKS]
    assert names == [
        "01-quickstart.ipynb",
        "02-coding-and-suggestions.ipynb",
        "03-analysis.ipynb",
        "04-your-own-data.ipynb",
    ]
    for path in NOTEBOOKS:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\bIssue \d", text), f"{path.name}: a note for developers"
        assert 'qda-output\\"' not in text, f"{path.name}: shares the default folder"


def test_the_install_names_jupyterlab():
    root = Path(__file__).resolve().parents[1]
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'notebooks = \[\s*"jupyterlab', pyproject)
    assert "pip install -e '.[notebooks]'" in (root / "README.md").read_text(encoding="utf-8")
