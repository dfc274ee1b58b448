"""A folder with bad or unsupported files: every file accounted for; by default the first
file that cannot be read stops the import (project unchanged, the message names
--skip-bad); with --skip-bad each file is its own transaction and the refused are listed,
exit status 1."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from qda.cli import cli
from qda.project import Project


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _folder(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-good.txt").write_text("Interviewer: Hello?\nDawn: Hi there.\n")
    (folder / "b-broken.docx").write_bytes(b"this is not a zip archive")
    (folder / "c-page.htm").write_bytes(
        b"<html><body><p>Interviewer: Why?</p><p>Dawn: Habit.</p></body></html>"
    )
    (folder / "d-old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    (folder / "e-photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / "~$a-good.docx").write_bytes(b"lock")
    return folder


def test_by_default_the_first_bad_file_stops_everything_and_names_the_option(tmp_path):
    project = tmp_path / "p.qda"
    invoke("init", project)
    result = invoke("ingest", _folder(tmp_path), "--project", project)
    assert result.exit_code == 1
    assert "b-broken.docx" in result.stderr and "--skip-bad" in result.stderr
    assert "nothing was imported" in result.stderr
    with Project.open(project) as p:
        assert p.documents().empty


def test_skip_bad_imports_the_readable_files_and_accounts_for_every_file(tmp_path):
    project = tmp_path / "p.qda"
    invoke("init", project)
    result = invoke("ingest", _folder(tmp_path), "--project", project, "--skip-bad")
    assert result.exit_code == 1
    assert "Read a-good.txt: 2 speakers (Interviewer, Dawn), 2 turns" in result.stdout
    assert "Read c-page.htm: 2 speakers" in result.stdout
    assert (
        "Not a transcript: " in result.stdout and "e-photo.png: not a transcript type (.png)" in result.stdout
    )
    assert "~$a-good.docx: an Office lock file" in result.stdout
    refused = [line for line in result.stderr.splitlines() if line.startswith("Refused: ")]
    assert len(refused) == 2
    assert "b-broken.docx" in refused[0] and "d-old.doc" in refused[1]
    assert "save it as .docx" in refused[1]
    assert "Error: 2 file(s) refused" in result.stderr
    with Project.open(project) as p:
        assert sorted(p.documents()["name"]) == ["a-good.txt", "c-page.htm"]


def test_skip_bad_with_only_good_files_exits_0(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Interviewer: Hello?\nDawn: Hi there.\n")
    (folder / "b.txt").write_text("Interviewer: Again?\nAmir: Yes.\n")
    project = tmp_path / "p.qda"
    invoke("init", project)
    result = invoke("ingest", folder, "--project", project, "--skip-bad")
    assert result.exit_code == 0, result.output
    assert result.output.count("Read ") == 2
    assert result.stderr.count("have no row in a participants sheet") == 1


def test_run_with_skip_bad_writes_outputs_then_exits_1(tmp_path):
    result = invoke("run", _folder(tmp_path), "--out", tmp_path / "out", "--skip-bad")
    assert result.exit_code == 1
    assert (tmp_path / "out" / "qda-database.xlsx").exists()
    assert "Refused: " in result.stderr
