"""`qda ingest` and `qda participants template` on the command line."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from qda.cli import cli
from qda.project import Project
from tests.helpers.paths import CODEBOOK


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_ingest_again_after_an_edit_reports_the_new_version(tmp_path, transcripts):
    project = tmp_path / "p.qda"
    assert invoke("init", project).exit_code == 0
    assert invoke("codebook", "load", CODEBOOK, "--project", project).exit_code == 0
    first = invoke("ingest", transcripts, "--project", project)
    assert first.exit_code == 0 and "Imported 3 document(s)" in first.output
    with Project.open(project) as p:
        assert p.add_coding("int-b#t002", "co_location", coder="ana")
    path = transcripts / "int-b.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "Tell me about the office.", "Tell me about the office, please."
        ),
        encoding="utf-8",
    )
    again = invoke("ingest", transcripts, "--project", project)
    assert again.exit_code == 0, again.output
    assert "Updated int-b to version 2" in again.output
    assert "1 coding(s) re-anchored, 0 archived" in again.output
    assert "Skipped" in again.output and "unchanged" in again.output
    with Project.open(project) as p:
        row = p.codings().iloc[0]
        assert row["segment_id"] == "int-b#t002" and row["text"].startswith("Children aren't")


def test_participants_template_lists_the_speakers_no_sheet_maps(tmp_path, transcripts):
    (transcripts / "participants.csv").unlink()
    project = tmp_path / "p.qda"
    assert invoke("init", project).exit_code == 0
    result = invoke("ingest", transcripts, "--project", project)
    assert result.exit_code == 0
    assert "qda participants template" in result.output  # the warning says how
    out = tmp_path / "todo.csv"
    made = invoke("participants", "template", "--out", out, "--project", project)
    assert made.exit_code == 0, made.output
    sheet = pd.read_csv(out)
    assert list(sheet.columns[:3]) == ["participant", "document", "speaker"]
    assert set(zip(sheet["document"], sheet["speaker"].fillna(""))) == {
        ("int-a", "Dawn"),
        ("int-b", "Respondent"),
        ("fg", "Amira"),
        ("fg", "Tom"),
    }
    # Filled in and loaded, nothing is left to fill.
    sheet["participant"] = ["P1", "P2", "P3", "P4"]
    sheet["role"] = "Responsible Officer"
    sheet.to_csv(out, index=False)
    assert invoke("participants", "load", out, "--project", project).exit_code == 0
    with Project.open(project) as p:
        assert p.participants_template().empty
        assert set(p.participants()["participant"]) == {"P1", "P2", "P3", "P4"}
