"""Exports: the workbook read back by two readers, charts, the quote bank."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from qda import reports
from qda.attribution import attribute
from qda.export.files import atomic_path

SHEETS = ["About", "Participants", "Codebook", "Segments", "Matrix"]


@pytest.fixture(scope="module")
def workbook(sample_run):
    return sample_run.workbook


def test_workbook_has_every_sheet_and_reads_back_with_calamine(workbook):
    frames = pd.read_excel(workbook, sheet_name=None, engine="calamine")
    assert list(frames) == SHEETS
    matrix = frames["Matrix"]
    assert len(matrix) == 51 and matrix["participant"].is_unique   # 27 + 24 survey respondents
    for theme in ("benefits", "challenges", "boundaries", "co_location"):
        assert theme in matrix.columns


def test_workbook_figures_match_the_dataframes(sample_run, sample_project):
    matrix = pd.read_excel(sample_run.workbook, sheet_name="Matrix", engine="calamine")
    expected = sample_project.matrix()
    codes = sample_project.codebook.ids
    assert matrix["participant"].tolist() == expected["participant"].tolist()
    assert matrix[codes].to_numpy().tolist() == expected[codes].to_numpy().tolist()
    segments = pd.read_excel(sample_run.workbook, sheet_name="Segments", engine="calamine")
    table = sample_project.segments()
    assert segments["segment_id"].tolist() == table["segment_id"].tolist()
    assert segments["text"].tolist() == table["text"].tolist()   # quotes survive intact
    # each code column of Segments summed per participant gives the Matrix
    per_person = segments.groupby("participant")[codes].sum()
    assert (per_person.loc[expected["participant"]].to_numpy()
            == expected[codes].to_numpy()).all()


def test_workbook_layout_with_openpyxl(workbook):
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames == SHEETS
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True) if r[0]}
    assert "Automatic suggestions" in about["Codings used"]
    assert about["Codebook"].startswith("Family involvement in probation supervision, version 1.1")
    for name in SHEETS[1:]:
        ws = book[name]
        assert ws.freeze_panes is not None and ws.freeze_panes.startswith(("A2", "B2"))
        assert ws.tables, f"{name} is not an Excel table (no filters)"
        assert ws.column_dimensions["A"].width > 8
    text_col = [c.column_letter for c in book["Segments"][1] if c.value == "text"][0]
    assert book["Segments"][f"{text_col}2"].alignment.wrap_text
    assert book["Matrix"].conditional_formatting


def test_a_formula_looking_quote_stays_text(tmp_path):
    from qda.export.excel import Sheet, write_workbook
    path = write_workbook(tmp_path / "x.xlsx", about=[("k", "v")], sheets=[
        Sheet("Segments", pd.DataFrame({"text": ["=HYPERLINK(\"http://x\")", "+44 1234"]}))])
    ws = openpyxl.load_workbook(path)["Segments"]
    assert ws["A2"].data_type == "s" and ws["A2"].value.startswith("=HYPERLINK")


def test_charts_are_pngs(sample_run):
    names = sorted(p.name for p in sample_run.charts)
    assert names == ["participant-theme-heatmap.png", "theme-prevalence-by-group.png"]
    for path in sample_run.charts:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000


def test_quote_bank_attributes_quotes(sample_run, sample_project):
    text = sample_run.quotes.read_text(encoding="utf-8")
    assert text.startswith("# Quote bank: Family involvement in probation supervision")
    assert "Automatic suggestions, not yet reviewed" in text
    assert "(Responsible Officer, Kent)" in text and "(Mother of service user)" in text
    quotes = sample_project.quotes()
    for rec in quotes.head(30).to_dict("records"):
        assert f"`{rec['segment_id']}`" in text
    assert "## Boundaries (`boundaries`" in text and "### Home visits (`home_visits`" in text


@pytest.mark.parametrize("attrs, expected", [
    ({"role": "Responsible Officer", "location": "Kent"}, "Responsible Officer, Kent"),
    ({"role": "Mother of service user", "location": ""}, "Mother of service user"),
    ({"role": "Mother of service user", "location": float("nan")}, "Mother of service user"),
    ({"role": "", "location": "Kent"}, "Kent"),
    ({}, "P07"),
])
def test_attribution_template_drops_empty_fields(attrs, expected):
    assert attribute("{role}, {location}", attrs, fallback="P07") == expected


def test_atomic_write_leaves_the_old_file_when_interrupted(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("killed")
    assert target.read_text(encoding="utf-8") == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_segments_with_codes_flags_roll_up(sample_project):
    table = reports.segments_with_codes(sample_project)
    cb = sample_project.codebook
    for theme in cb.top_level():
        kids = [c.id for c in cb.children(theme.id)]
        either = table[kids].max(axis=1) if kids else table[theme.id]
        assert (table[theme.id] >= either).all()
