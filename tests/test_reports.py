"""The report package: one snapshot read once, one builder per sheet, the framework
workbook of `qda framework --out F.xlsx` laid out as the workbook's Framework sheet."""

from __future__ import annotations

import dataclasses
import re

import openpyxl
import pytest
from click.testing import CliRunner

from qda import reports
from qda.cli import cli
from qda.errors import InputError


def test_the_snapshot_is_frozen_and_holds_what_the_exports_read(sample_project):
    snap = reports.read_snapshot(sample_project)
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.codings = snap.codings.head(0)  # type: ignore[misc]
    assert snap.name == sample_project.path.name
    assert snap.chosen.description == sample_project.select_codings().description
    assert snap.counts == sample_project.summary()
    assert len(snap.codings) == sample_project.summary()["codings"]
    assert set(snap.texts) == set(sample_project.documents()["document"])
    assert (
        snap.participants["participant_id"].tolist() == sample_project.participants()["participant"].tolist()
    )
    assert snap.agreement is None and "two or more human coders" in snap.agreement_note


def test_every_export_from_one_snapshot_reads_the_store_once(sample_project, tmp_path, monkeypatch):
    """The workbook, the charts and the quote bank read the codings and the texts
    once between them, and a second snapshot is never taken behind the caller's back."""
    store = sample_project.store
    calls = {"codings": 0, "document_texts": 0, "segments": 0}
    for name in calls:
        real = getattr(store, name)

        def counted(*args, _real=real, _name=name, **kw):
            calls[_name] += 1
            return _real(*args, **kw)

        monkeypatch.setattr(store, name, counted)
    snap = reports.read_snapshot(sample_project)
    reports.export_workbook(sample_project, tmp_path / "db.xlsx", data=snap)
    reports.export_charts(snap, tmp_path / "charts")
    reports.export_quotes(snap, tmp_path / "q.md")
    assert calls == {"codings": 1, "document_texts": 1, "segments": 1}


def test_the_registry_builds_the_workbook_sheets_in_order(sample_project):
    snap = reports.read_snapshot(sample_project)
    pages = reports.sheet_pages(snap)
    written = [p.name for p in pages if p.sheet is not None]
    assert written[:5] == ["Participants", "Codebook", "Segments", "Codings", "Matrix"]
    assert written[-3:] == ["Framework", "Co-occurrence", "Saturation"]
    assert all(name.startswith("Crosstab ") for name in written[5:-3])
    # a builder per registry entry; one with nothing to show says why on the About sheet
    assert list(reports.SHEETS)[-2:] == ["Agreement", "Memos"]
    unwritten = {p.name: p.about for p in pages if p.sheet is None}
    assert set(unwritten) == {"Agreement", "Memos"}
    assert unwritten["Memos"].startswith("Not written")
    about, sheets = reports.workbook_sheets(snap)
    assert [s.name for s in sheets] == written
    assert [k for k, _ in about if k.startswith("Sheet ")] == [f"Sheet {p.name}" for p in pages]


def _layout(path):
    ws = openpyxl.load_workbook(path)["Framework"]
    header = [c.value for c in ws[1]]
    summary = header.index("challenges | summary") + 1
    quotes = header.index("challenges | quotes") + 1
    letter = openpyxl.utils.get_column_letter
    return {
        "freeze": ws.freeze_panes,
        "header": header,
        "summary_fill": ws.cell(2, summary).fill.fgColor.rgb,
        "summary_locked": ws.cell(2, summary).protection.locked,
        "widths": (ws.column_dimensions[letter(quotes)].width, ws.column_dimensions[letter(summary)].width),
        "wrap": ws.cell(2, quotes).alignment.wrap_text,
    }


def test_the_cli_framework_workbook_is_laid_out_as_the_workbook_sheet(sample_project, tmp_path):
    book = reports.export_workbook(sample_project, tmp_path / "db.xlsx")
    sample_project.close()
    out = tmp_path / "fw.xlsx"
    result = CliRunner().invoke(cli, ["framework", "--out", str(out), "--project", str(sample_project.path)])
    assert result.exit_code == 0, result.output
    ours, theirs = _layout(out), _layout(book)
    assert ours == theirs
    assert ours["freeze"] == "C2" and ours["summary_locked"] is False
    assert ours["summary_fill"].endswith("FFF8DC") and ours["wrap"]
    about = {r[0].value: r[1].value for r in openpyxl.load_workbook(out)["About"].iter_rows()}
    assert about["Importing"].startswith("qda framework import fw.xlsx --by NAME")


# ------------------------------------------------------------------------- export_all
def test_export_all_into_a_folder_writes_what_qda_run_writes(sample_project, tmp_path):
    out = tmp_path / "out"
    result = reports.export_all(sample_project, out)
    assert result.workbook == out / reports.WORKBOOK and result.workbook.is_file()
    assert result.quotes == out / reports.QUOTES and result.quotes.is_file()
    assert result.charts and all(p.parent == out / reports.CHARTS for p in result.charts)
    assert result.paths == [result.workbook, *result.charts, result.quotes]
    assert result.codings_used == sample_project.select_codings().description
    assert result.counts == sample_project.summary() and result.warnings == []
    # the workbook changed by hand is kept, and said, before a new one is written
    book = openpyxl.load_workbook(result.workbook)
    book["Framework"]["A1"] = "edited"
    book.save(result.workbook)
    again = reports.export_all(sample_project, out, charts=tmp_path / "c2")
    assert len(again.warnings) == 1 and "qda framework import" in again.warnings[0]
    assert list(out.glob("qda-database.edited-*.xlsx"))
    assert again.charts[0].parent == tmp_path / "c2"


def test_export_all_writes_only_what_is_named(sample_project, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    result = reports.export_all(sample_project, quotes=out / "q.docx", order="length")
    assert result.paths == [out / "q.docx"] and result.workbook is None
    assert sorted(p.name for p in out.iterdir()) == ["q.docx"]


@pytest.mark.parametrize(
    "kw, message",
    [
        ({}, "nothing to export"),
        ({"quotes": "q.txt"}, "Markdown (.md) or Word (.docx)"),
        ({"quotes": "q.md", "order": "random"}, "unknown quote order 'random'"),
        ({"charts": "charts", "group": "nope"}, "--group nope: no attribute 'nope'"),
    ],
)
def test_export_all_checks_everything_before_writing(sample_project, tmp_path, kw, message):
    out = tmp_path / "out"
    out.mkdir()
    paths = {k: out / v if k in ("quotes", "charts") else v for k, v in kw.items()}
    with pytest.raises(InputError, match=re.escape(message)):
        reports.export_all(sample_project, workbook=out / "db.xlsx" if kw else None, **paths)
    assert list(out.iterdir()) == []
    with pytest.raises(InputError, match="exists and is not a folder"):
        reports.export_all(sample_project, tmp_path / "sample.qda")
