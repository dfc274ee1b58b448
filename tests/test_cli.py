"""The command line: the design's contract, and one clean `Error:` line for bad input."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qda.cli import cli
from tests.helpers.paths import CODEBOOK


def qda(*args, cwd=None):
    """Run the real console entry point in a subprocess."""
    exe = Path(sys.executable).with_name("qda")
    return subprocess.run(
        [str(exe), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


@pytest.fixture
def runner():
    return CliRunner()


def test_qda_run_with_no_arguments_runs_the_bundled_sample(tmp_path):
    """The README's first command, from a directory that is not the checkout."""
    result = qda("run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "qda-output"
    for name in (
        "project.qda",
        "qda-database.xlsx",
        "quotes.md",
        "charts/theme-prevalence-by-group.png",
        "charts/participant-theme-heatmap.png",
    ):
        assert (out / name).exists(), name
        assert str(Path("qda-output") / name) in result.stdout
    # 14 transcripts + the staff survey; 27 people in participants.csv + 24 survey respondents
    assert "15 document(s)" in result.stdout and "51 participants" in result.stdout
    matrix = pd.read_excel(out / "qda-database.xlsx", sheet_name="Matrix", engine="calamine")
    assert len(matrix[matrix["participant"] != "Total"]) == 51  # and a Total row
    assert {"benefits", "challenges", "boundaries", "co_location"} <= set(matrix.columns)
    again = qda("run", cwd=tmp_path)  # safe to run twice
    assert again.returncode == 0 and "skipped 15 unchanged" in again.stdout


def test_the_step_by_step_commands(runner, tmp_path, transcripts):
    p = str(tmp_path / "p.qda")
    steps = [
        (["init", p], "Created"),
        (["ingest", str(transcripts), "--project", p], "Imported 3 document(s)"),
        (["codebook", "load", str(CODEBOOK), "--project", p], "27 codes"),
        (["code", "rules", "--project", p], "suggestions on"),
        (["codebook", "show", "--project", p], "co_location"),
        (["participants", "show", "--project", p], "Senior Probation Officer"),
    ]
    for args, expected in steps:
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (args, result.output)
        assert expected in result.output, (args, result.output)
    segs = tmp_path / "segments.csv"
    assert runner.invoke(cli, ["segments", "--out", str(segs), "--project", p]).exit_code == 0
    table = pd.read_csv(segs)
    assert list(table.columns[:8]) == [
        "segment_id",
        "document",
        "participant",
        "speaker",
        "unit",
        "start",
        "end",
        "text",
    ]
    codings = tmp_path / "codings.csv"
    assert (
        runner.invoke(cli, ["codings", "--out", str(codings), "--source", "rules", "--project", p]).exit_code
        == 0
    )
    assert list(pd.read_csv(codings).columns[:11]) == [
        "segment_id",
        "document",
        "participant",
        "start",
        "end",
        "code",
        "coder",
        "source",
        "status",
        "confidence",
        "text",
    ]
    result = runner.invoke(cli, ["matrix", "--rows", "role", "--value", "presence", "--project", p])
    assert result.exit_code == 0 and result.stdout.startswith("role,current_involvement")
    out = tmp_path / "exports"
    out.mkdir()
    result = runner.invoke(
        cli,
        [
            "export",
            "--xlsx",
            str(out / "db.xlsx"),
            "--charts",
            str(out / "charts"),
            "--quotes",
            str(out / "q.md"),
            "--project",
            p,
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / "db.xlsx").exists() and (out / "q.md").exists()
    exported = tmp_path / "cb.yaml"
    assert runner.invoke(cli, ["codebook", "export", str(exported), "--project", p]).exit_code == 0
    assert runner.invoke(cli, ["codebook", "load", str(exported), "--project", p]).exit_code == 0


def _bad_codebook(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(
        "name: x\nversion: 1\ncodes:\n  - id: a\n    name: A\n  - id: a\n    name: Again\n", encoding="utf-8"
    )
    return path


@pytest.mark.parametrize(
    "make_args, fragments",
    [
        (lambda t, p: ["ingest", str(t / "missing.txt"), "--project", p], ["missing.txt", "no such file"]),
        (lambda t, p: ["ingest", str(_write(t / "e.txt", b"")), "--project", p], ["e.txt", "empty"]),
        (
            lambda t, p: ["ingest", str(_write(t / "b.txt", b"\x00\xff\x00PK")), "--project", p],
            ["b.txt", "binary"],
        ),
        (
            lambda t, p: ["codebook", "load", str(_bad_codebook(t)), "--project", p],
            ["dup.yaml", "line 6", "'a'", "duplicate id"],
        ),
        (
            lambda t, p: [
                "ingest",
                str(_write(t / "ok.txt", b"Ann: hello\n")),
                "--participants",
                str(_write(t / "pp.csv", b"participant,document,text\nP1,ok,x\n")),
                "--project",
                p,
            ],
            ["pp.csv", "column 'text'", "rename"],
        ),
        (
            lambda t, p: [
                "ingest",
                str(_write(t / "ok.txt", b"Ann: hello\n")),
                "--project",
                str(t / "nope.qda"),
            ],
            ["nope.qda", "no such project"],
        ),
        (lambda t, p: ["matrix", "--rows", "shoe_size", "--project", p], ["cannot make rows"]),
        (lambda t, p: ["export", "--project", p], ["say what to export"]),
    ],
)
def test_bad_input_is_one_error_line_and_nothing_changes(runner, tmp_path, make_args, fragments):
    p = str(tmp_path / "p.qda")
    assert runner.invoke(cli, ["init", p]).exit_code == 0
    before = Path(p).read_bytes()
    result = runner.invoke(cli, make_args(tmp_path, p))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.output
    shutil.copy(p, tmp_path / "after.qda")  # the project still opens, unchanged
    from qda.project import Project

    with Project.open(tmp_path / "after.qda") as project:
        assert project.summary()["documents"] == 0 and len(project.codebook) == 0
    assert len(before) > 0


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def test_real_entry_point_reports_errors_without_traceback(tmp_path):
    result = qda("ingest", tmp_path / "ghost.txt", "--project", tmp_path / "p.qda")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr


def test_run_on_the_users_own_folder(tmp_path, transcripts):
    result = qda("run", transcripts, "--out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "3 document(s)" in result.stdout
    assert (tmp_path / "out" / "qda-database.xlsx").exists()
