"""The import report: one line per document from `qda ingest` and `qda run`, the same
columns from `qda documents`, kept in the project (migration 14)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from qda.cli import cli
from qda.project import Project

FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _folder(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("whisperx.txt", "stray_space.txt", "teams_lenient.vtt"):
        shutil.copy(FIXTURES / name, folder / name)
    (folder / "house.txt").write_text(
        "DAWN > Most weeks I ring his mum.\nJB > Why?\nDAWN > Habit, mostly.\n", encoding="utf-8"
    )
    return folder


def test_ingest_prints_a_line_per_document_and_documents_lists_them(tmp_path):
    project = tmp_path / "p.qda"
    invoke("init", project)
    result = invoke("ingest", _folder(tmp_path), "--project", project)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("Read ")]
    assert lines == [
        "Read house.txt: no speaker labels (read as one author's text), 3 paragraphs, 15 words, 1 warning",
        "Read stray_space.txt: 3 speakers (Interviewer2, Participant, Interviewer2 2), "
        "7 turns, 36 words, 1 warning",
        "Read teams_lenient.vtt: 2 speakers (Okafor, Chidi, Brennan, Aoife), 2 turns, 27 words, 3 warnings",
        "Read whisperx.txt: 3 speakers (SPEAKER_00, SPEAKER_01, UNKNOWN), 5 turns, 70 words, no warnings",
    ]
    assert (
        "house.txt: no speaker labels recognised: read as one author's text; if it has "
        "speaker labels, give --speaker-pattern"
    ) in result.stderr
    out = tmp_path / "docs.csv"
    assert invoke("documents", "--project", project, "--out", out).exit_code == 0
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table.columns) == [
        "document",
        "name",
        "format",
        "speakers",
        "turns",
        "words",
        "warnings",
        "notes",
    ]
    row = table.set_index("document").loc["whisperx"]
    assert (row["speakers"], row["turns"], row["words"], row["warnings"]) == (
        "SPEAKER_00; SPEAKER_01; UNKNOWN",
        5,
        70,
        0,
    )
    assert table.set_index("document").loc["teams_lenient", "notes"].count("cue ") == 3
    assert table.set_index("document").loc["house", "speakers"] == ""


def test_the_pattern_the_report_suggests_reads_the_labels(tmp_path):
    folder = _folder(tmp_path)
    with Project.create(tmp_path / "p.qda") as project:
        report = project.ingest([folder / "house.txt"])
        warning = report.warnings[0]
        pattern = warning.split("--speaker-pattern '")[-1].split("' for lines")[0]
    with Project.create(tmp_path / "q.qda") as project:
        project.ingest([folder / "house.txt"], speaker_pattern=pattern, interviewer_labels=["JB"])
        table = project.import_report()
        assert table.loc[0, "speakers"] == "DAWN; JB" and table.loc[0, "turns"] == 3


def test_run_prints_the_report_too(tmp_path):
    result = invoke("run", _folder(tmp_path), "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "Read whisperx.txt: 3 speakers (SPEAKER_00, SPEAKER_01, UNKNOWN), 5 turns" in result.stdout
