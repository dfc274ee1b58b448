"""Files people work in are never overwritten with their edits in them: a changed one is
kept as <name>.edited-<time>.<ext> before the new one is written."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import qda
from qda.cli import cli
from qda.errors import InputError
from qda.project import Project
from qda.reports import guard as outputs


def _edited(folder: Path, stem: str) -> list[Path]:
    return sorted(folder.glob(f"{stem}.edited-*"))


def _write_summary(book: Path, text: str) -> tuple[str, str]:
    """Type a summary into the workbook's Framework sheet, as a researcher in Excel would."""
    wb = openpyxl.load_workbook(book)
    ws = wb["Framework"]
    header = [c.value for c in ws[1]]
    col = next(i for i, h in enumerate(header, start=1) if str(h).endswith("| summary"))
    ws.cell(2, col, text)
    participant = ws.cell(2, header.index("participant") + 1).value
    wb.save(book)
    return participant, str(header[col - 1]).split(" | ")[0]


def _holds(book: Path, text: str) -> bool:
    return any(text in str(v) for row in openpyxl.load_workbook(book)["Framework"].values for v in row)


def test_run_again_rewrites_its_own_files_and_keeps_nothing(tmp_path):
    out = tmp_path / "out"
    qda.run(out=out)
    again = qda.run(out=out)
    assert not _edited(out, "qda-database") and not _edited(out, "quotes")
    assert not any("was changed" in w for w in again.warnings)


def test_summaries_typed_in_the_workbook_survive_a_rerun(tmp_path):
    out = tmp_path / "out"
    first = qda.run(out=out)
    participant, code = _write_summary(first.workbook, "Mum is the anchor; calls weekly.")
    again = qda.run(out=out)
    kept = _edited(out, "qda-database")
    assert len(kept) == 1
    note = next(w for w in again.warnings if "qda-database.xlsx" in w)
    assert kept[0].name in note and "qda framework import" in note
    # the kept copy holds the researcher's words; the new workbook is qda's own
    assert _holds(kept[0], "Mum is the anchor")
    assert not _holds(again.workbook, "Mum is the anchor")
    # and they can be brought into the project, as the note says
    with Project.open(again.project) as project:
        report = project.import_framework(kept[0], by="Ann")
        assert (participant, code) in report.added
    # a third run: the kept copy stays, nothing new is kept
    qda.run(out=out)
    assert _edited(out, "qda-database") == kept


def test_a_quote_bank_someone_edited_is_kept(tmp_path):
    out = tmp_path / "out"
    first = qda.run(out=out)
    first.quotes.write_text("# My chosen quotes\n", encoding="utf-8")
    qda.run(out=out)
    (kept,) = _edited(out, "quotes")
    assert kept.read_text(encoding="utf-8") == "# My chosen quotes\n"
    assert first.quotes.read_text(encoding="utf-8").startswith("# Quote bank")


def test_touched_but_unchanged_is_not_kept(tmp_path):
    out = tmp_path / "out"
    first = qda.run(out=out)
    os.utime(first.workbook, ns=(1, 1))  # an editor opened and closed it
    qda.run(out=out)
    assert not _edited(out, "qda-database")


def test_a_file_qda_never_wrote_is_kept(tmp_path, sample_project):
    target = tmp_path / "mine.xlsx"
    target.write_bytes(b"someone's own spreadsheet")
    kept = outputs.keep_if_edited(sample_project, target)
    assert kept is not None and kept.read_bytes() == b"someone's own spreadsheet"
    assert target.read_bytes() == b"someone's own spreadsheet"  # a copy, not a move
    assert outputs.keep_if_edited(sample_project, tmp_path / "absent.xlsx") is None


def test_a_copy_that_cannot_be_made_stops_the_write(tmp_path, sample_project, monkeypatch):
    target = tmp_path / "db.xlsx"
    target.write_bytes(b"edited")

    def full_disk(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copy2", full_disk)
    with pytest.raises(InputError, match="could not be copied"):
        with outputs.guarded(sample_project, target):
            raise AssertionError("must not write")
    assert target.read_bytes() == b"edited" and not _edited(tmp_path, "db")


def test_read_only_project_remembers_nothing(tmp_path, sample_run):
    target = tmp_path / "quotes.md"
    with Project.open(sample_run.project, read_only=True) as project:
        with outputs.guarded(project, target):
            target.write_text("x", encoding="utf-8")
        assert project._store.get_setting("written_outputs", {}).get(str(target.resolve())) is None


# ------------------------------------------------------------------------------ CLI
@pytest.fixture
def cli_project(tmp_path, sample_run):
    p = tmp_path / "p.qda"
    shutil.copy(sample_run.project, p)
    return str(p)


def test_cli_coding_sheet_filled_then_written_again_is_kept(tmp_path, cli_project):
    runner = CliRunner()
    sheet = tmp_path / "ann.xlsx"
    args = ["code", "sheet", str(sheet), "--coder", "Ann", "--project", cli_project]
    assert runner.invoke(cli, args).exit_code == 0
    wb = openpyxl.load_workbook(sheet)
    wb.active["A1"] = wb.active["A1"].value  # a coder opened it and saved it
    wb.active.cell(5, 10, "x")
    wb.save(sheet)
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    (kept,) = _edited(tmp_path, "ann")
    assert "qda code import" in result.output and kept.name in result.output
    # unchanged since: writing it again keeps nothing more
    assert runner.invoke(cli, args).exit_code == 0
    assert _edited(tmp_path, "ann") == [kept]


def test_cli_long_coding_csv_edited_is_kept(tmp_path, cli_project):
    runner = CliRunner()
    csv = tmp_path / "codings.csv"
    args = ["codings", "--out", str(csv), "--project", cli_project]
    assert runner.invoke(cli, args).exit_code == 0
    csv.write_text(csv.read_text(encoding="utf-8") + "edited,row\n", encoding="utf-8")
    result = runner.invoke(cli, args)
    assert result.exit_code == 0
    (kept,) = _edited(tmp_path, "codings")
    assert kept.read_text(encoding="utf-8").endswith("edited,row\n")
    assert "Warning:" in result.output and "qda code import" in result.output


def test_cli_export_and_framework_sheet_are_guarded(tmp_path, cli_project):
    runner = CliRunner()
    book = tmp_path / "db.xlsx"
    frame = tmp_path / "framework.xlsx"
    for args in (["export", "--xlsx", str(book)], ["framework", "--out", str(frame)]):
        args = [*args, "--project", cli_project]
        assert runner.invoke(cli, args).exit_code == 0
        target = book if "export" in args else frame
        _write_summary(target, "typed")
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert len(_edited(tmp_path, target.stem)) == 1
        assert "qda framework import" in result.output
