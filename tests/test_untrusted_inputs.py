"""Hostile and oversized inputs (issue 22): each is built here, small, and must end in one
`Error:` line (or the error type, through the API) naming the limit or the place, within
a generous time (a hang guard, not a speed test), with the project unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qda.project import Project
from tests.reliability import dump

HANG_GUARD = 120   # seconds; the fixed inputs finish in a few


def qda(*args, cwd=None, env=None):
    """The real console entry point in a subprocess, killed after HANG_GUARD seconds."""
    exe = Path(sys.executable).with_name("qda")
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=HANG_GUARD,
                          env={**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})})


def one_error(result) -> str:
    """The one `Error:` line of a failed command (no traceback)."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("Error: "), result.stderr
    return lines[-1]


@pytest.fixture
def small(tmp_path, transcripts) -> Path:
    """A project with the fixture's transcripts (no participants sheet yet)."""
    path = tmp_path / "small.qda"
    with Project.create(path) as project:
        project.ingest([transcripts / "int-a.txt", transcripts / "int-b.txt"])
    return path


# ------------------------------------------------------------ 6. a ragged participants CSV
@pytest.mark.parametrize("where", ["first", "third"])
def test_a_ragged_participants_row_is_refused_wherever_it_is(tmp_path, small, where):
    """An unquoted comma in `Kent, UK` gives a row one field too many. As the first data
    row, pandas made the first column an index and shifted every column silently."""
    rows = ["participant,document,speaker,location",
            "P1,int-a,Dawn,Kent", "P2,int-b,Respondent,Surrey", "P3,int-b,Other,Sussex"]
    bad = 1 if where == "first" else 3
    rows[bad] = rows[bad].rsplit(",", 1)[0] + ",Kent, UK"
    sheet = tmp_path / "participants.csv"
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    before = dump(small)
    error = one_error(qda("participants", "load", sheet, "--project", small))
    assert f"line {bad + 1}" in error and str(sheet) in error and "quote" in error
    assert "5 fields where the header has 4" in error
    assert dump(small) == before


def test_a_quoted_comma_and_a_short_row_are_read(tmp_path, small):
    from qda.ingest import read_participants
    sheet = tmp_path / "participants.csv"
    sheet.write_text('participant,document,speaker,location\n"P1",int-a,Dawn,"Kent, UK"\n'
                     "P2,int-b,Respondent\n", encoding="utf-8")
    info = read_participants(sheet).participants()
    assert info["P1"]["attributes"]["location"] == "Kent, UK"
    assert "location" not in info["P2"]["attributes"] or not info["P2"]["attributes"]["location"]
