"""Exports: the workbook read back by two readers and compared with the analysis
functions, in both writing modes; charts; the quote bank (Markdown and Word)."""

from __future__ import annotations

import re
import shutil

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from qda import analysis, reports
from qda.attribution import attribute
from qda.cli import cli
from qda.errors import InputError
from qda.export.charts import code_color, fallback_color
from qda.export.excel import Sheet, Table, sheet_name, write_workbook
from qda.export.quotes import order_quotes
from qda.files import atomic_path
from qda.project import Project
from qda.resources import sample_coding

BASE_SHEETS = ["About", "Participants", "Codebook", "Segments", "Codings", "Matrix"]
CROSSTABS = [
    "Crosstab group",
    "Crosstab role",
    "Crosstab grade",
    "Crosstab location",
    "Crosstab method",
    "Crosstab relationship",
]
LATER = ["Framework", "Co-occurrence", "Saturation"]
SHEETS = BASE_SHEETS + CROSSTABS + LATER


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def workbook(sample_run):
    return sample_run.workbook


@pytest.fixture(scope="module")
def two_coders(sample_run, tmp_path_factory):
    """The sample with researcher_a's hand coding and researcher_b, a perturbed copy of
    it (every 7th coded row dropped, every 11th moved to another code): two coders."""
    folder = tmp_path_factory.mktemp("two-coders")
    shutil.copy(sample_run.project, folder / "p.qda")
    a = pd.read_csv(sample_coding(), dtype=str, keep_default_na=False)
    b = a.copy()
    b["coder"] = "researcher_b"
    coded = b.index[b["code"] != ""]
    b = b.drop(index=coded[::7])
    swap = [i for i in coded[3::11] if i in b.index]
    b.loc[swap, "code"] = np.where(b.loc[swap, "code"] == "home_visits", "community_venues", "home_visits")
    b.to_csv(folder / "researcher_b.csv", index=False)
    with Project.open(folder / "p.qda") as project:
        project.import_coding(sample_coding(), coder="researcher_a")
        project.import_coding(folder / "researcher_b.csv", coder="researcher_b")
        reports.export_workbook(project, folder / "normal.xlsx")
        reports.export_workbook(project, folder / "streamed.xlsx", constant_memory=True)
    project = Project.open(folder / "p.qda")
    yield project, folder
    project.close()


def _store_frames(project):
    store = project._store
    return (project.select_codings(), store.segments(), project._participants(), store.document_texts())


def _check_figures(path, project, *, agreement: bool):
    """Every sheet's figures equal the analysis functions' on the default codings."""
    chosen, segments, participants, _ = _store_frames(project)
    cb = project.codebook
    frames = pd.read_excel(path, sheet_name=None, engine="calamine")
    # Matrix, totals included
    expected = analysis.code_matrix(
        segments, chosen.codings, cb, participants=participants, depth=None, totals=True
    )
    matrix = frames["Matrix"]
    assert matrix["participant"].astype(str).tolist() == expected["participant"].tolist()
    assert (matrix[cb.ids + ["Total"]].to_numpy() == expected[cb.ids + ["Total"]].to_numpy()).all()
    # Crosstabs: counts, and percentages (written as fractions for Excel's % format)
    for attr in reports.crosstab_attributes(participants):
        ct = analysis.crosstab(
            segments, chosen.codings, cb, participants, attr, unit="participants", depth=None
        ).to_frame()
        sheet = frames[f"Crosstab {attr}"].iloc[: len(ct)]
        assert sheet["code_id"].tolist() == ct["code_id"].tolist()
        for col in ct.columns[2:]:
            want = ct[col].astype("float64") / (100 if "%" in col else 1)
            np.testing.assert_allclose(
                sheet[col].astype("float64"), want, equal_nan=True, err_msg=f"{attr}: {col}"
            )
        # the segments table sits below, after a blank row and its title
        start = len(ct) + 3
        below = pd.read_excel(path, sheet_name=f"Crosstab {attr}", engine="calamine", skiprows=start)
        by_seg = analysis.crosstab(
            segments, chosen.codings, cb, participants, attr, unit="segments", depth=None
        ).to_frame()
        assert below["code_id"].tolist() == by_seg["code_id"].tolist()
        np.testing.assert_allclose(
            below[[c for c in by_seg.columns if c.startswith("n |")]].astype("float64"),
            by_seg[[c for c in by_seg.columns if c.startswith("n |")]].astype("float64"),
        )
    # Co-occurrence: counts, then the c-coefficient below
    co = analysis.cooccurrence(chosen.codings, cb, depth=None, segments=segments)
    counts = frames["Co-occurrence"]
    assert (counts.iloc[: len(cb)][cb.ids].to_numpy() == co.counts.to_numpy()).all()
    c = pd.read_excel(path, sheet_name="Co-occurrence", engine="calamine", skiprows=len(cb) + 3)
    np.testing.assert_allclose(c[cb.ids].to_numpy(dtype=float), co.c_coefficient.to_numpy(), equal_nan=True)
    # Saturation
    sat = analysis.saturation(chosen.codings, segments, cb)
    assert frames["Saturation"]["cumulative_codes"].tolist() == sat["cumulative_codes"].tolist()
    # Framework: a quote cell holds the segments' words
    framework = frames["Framework"]
    assert framework["participant"].tolist() == participants["participant_id"].tolist()
    # Agreement
    if agreement:
        result = project.agreement(reports.agreement_coders(project)).to_frame()
        sheet = frames["Agreement"]
        assert sheet["code_id"].tolist() == result["code_id"].tolist()
        np.testing.assert_allclose(
            sheet["percent_agreement"].astype(float), result["percent_agreement"] / 100, equal_nan=True
        )
        for col in ("cohen_kappa", "krippendorff_alpha"):
            np.testing.assert_allclose(sheet[col].astype(float), result[col].astype(float), equal_nan=True)
    else:
        assert "Agreement" not in frames
    return frames


# ------------------------------------------------------------------------------ workbook
def test_workbook_has_every_sheet_and_reads_back_with_calamine(workbook):
    frames = pd.read_excel(workbook, sheet_name=None, engine="calamine")
    assert list(frames) == SHEETS
    matrix = frames["Matrix"]
    assert len(matrix) == 52 and matrix["participant"].is_unique  # 27 + 24 + Total
    assert matrix["participant"].iloc[-1] == "Total"
    for theme in ("benefits", "challenges", "boundaries", "co_location", "Total"):
        assert theme in matrix.columns


def test_workbook_figures_match_the_dataframes(sample_run, sample_project):
    _check_figures(sample_run.workbook, sample_project, agreement=False)
    matrix = pd.read_excel(sample_run.workbook, sheet_name="Matrix", engine="calamine")
    codes = sample_project.codebook.ids
    segments = pd.read_excel(sample_run.workbook, sheet_name="Segments", engine="calamine")
    table = sample_project.segments()
    assert segments["segment_id"].tolist() == table["segment_id"].tolist()
    assert segments["text"].tolist() == table["text"].tolist()  # quotes survive intact
    # each code column of Segments summed per participant gives the Matrix
    body = matrix.iloc[:-1]
    per_person = segments.groupby("participant")[codes].sum()
    assert (per_person.reindex(body["participant"]).fillna(0).to_numpy() == body[codes].to_numpy()).all()


def test_codings_sheet_is_long_and_marks_what_the_analyses_use(workbook, sample_project):
    codings = pd.read_excel(workbook, sheet_name="Codings", engine="calamine")
    assert list(codings.columns[:11]) == [
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
    chosen = sample_project.select_codings()
    assert codings["used"].sum() == len(chosen.codings)
    texts = sample_project._store.document_texts()
    for rec in codings.head(50).itertuples():
        assert texts[rec.document][rec.start : rec.end] == rec.text  # offsets are sacred
    assert codings["evidence"].str.len().gt(0).all()  # the rules' matched terms


def test_workbook_layout_with_openpyxl(workbook):
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames == SHEETS
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True) if r[0]}
    assert "Automatic suggestions" in about["Codings used"]
    assert about["Codebook"].startswith("Family involvement in probation supervision, version 1.1")
    assert about["Written by"].startswith("qda ")
    assert "two or more human coders" in about["Sheet Agreement"]
    for name in SHEETS[1:]:
        assert f"Sheet {name}" in about
        ws = book[name]
        assert ws.freeze_panes is not None and re.match(r"[A-C]2$", ws.freeze_panes)
        assert ws.tables, f"{name} is not an Excel table (no filters)"
        assert ws.column_dimensions["A"].width > 8
    text_col = [c.column_letter for c in book["Segments"][1] if c.value == "text"][0]
    assert book["Segments"][f"{text_col}2"].alignment.wrap_text
    assert book["Matrix"].conditional_formatting
    assert book["Co-occurrence"].conditional_formatting
    assert len(book["Co-occurrence"].tables) == 2
    # shares in % format; framework summaries tinted and unlocked for editing
    ws = book["Crosstab group"]
    header = [c.value for c in ws[1]]
    pct = header.index("column % | staff") + 1
    assert ws.cell(2, pct).number_format == "0%"
    ws = book["Framework"]
    header = [c.value for c in ws[1]]
    summary = header.index("benefits | summary") + 1
    quotes = header.index("benefits | quotes") + 1
    assert ws.cell(2, summary).protection.locked is False
    assert ws.cell(2, summary).fill.fgColor.rgb.endswith("FFF8DC")
    assert ws.cell(2, quotes).alignment.wrap_text
    assert ws.column_dimensions[ws.cell(1, quotes).column_letter].width >= 60
    # the Total row is bold, and outside the heatmap
    ws = book["Matrix"]
    assert ws.cell(ws.max_row, 1).value == "Total" and ws.cell(ws.max_row, 1).font.bold
    ranges = [str(r.sqref) for r in ws.conditional_formatting]
    assert all(str(ws.max_row) not in rng.split(":")[-1] for rng in ranges)


def test_two_coders_get_an_agreement_sheet_in_both_writing_modes(two_coders):
    project, folder = two_coders
    assert reports.agreement_coders(project) == ["researcher_a", "researcher_b"]
    normal = _check_figures(folder / "normal.xlsx", project, agreement=True)
    streamed = _check_figures(folder / "streamed.xlsx", project, agreement=True)
    assert list(normal) == list(streamed) == SHEETS + ["Agreement"]
    for name in normal:  # the same figures whichever way the file was written
        if name == "About":  # ... but for the minute it was written
            normal[name] = normal[name][~normal[name].iloc[:, 0].eq("Written")]
            streamed[name] = streamed[name][~streamed[name].iloc[:, 0].eq("Written")]
        pd.testing.assert_frame_equal(normal[name], streamed[name])
    about = dict(
        pd.read_excel(folder / "normal.xlsx", sheet_name="About", header=None, engine="calamine")
        .dropna()
        .to_numpy()
    )
    assert about["Codings used"].startswith("Human and accepted codings")
    assert "researcher_a, researcher_b" in about["Sheet Agreement"]


def test_framework_summaries_typed_in_the_workbook_come_back(two_coders, tmp_path):
    project, folder = two_coders
    path = tmp_path / "db.xlsx"
    shutil.copy(folder / "normal.xlsx", path)
    book = openpyxl.load_workbook(path)
    ws = book["Framework"]
    header = [c.value for c in ws[1]]
    column = header.index("participant") + 1
    row = [c.value for c in next(ws.iter_cols(min_col=column, max_col=column))].index("F01") + 1
    ws.cell(row, header.index("benefits | summary") + 1, "Sees the officer as on her side.")
    book.save(path)
    project.import_framework(path, by="tester")
    stored = project.framework_summaries()
    assert (
        stored.set_index(["participant_id", "code_id"]).loc[("F01", "benefits"), "summary"]
        == "Sees the officer as on her side."
    )
    again = tmp_path / "again.xlsx"
    reports.export_workbook(project, again)  # and it is exported again
    framework = pd.read_excel(again, sheet_name="Framework", engine="calamine")
    assert (
        framework.set_index("participant").at["F01", "benefits | summary"]
        == "Sees the officer as on her side."
    )


def test_streamed_workbook_is_well_formed_with_autofilters(two_coders):
    _, folder = two_coders
    book = openpyxl.load_workbook(folder / "streamed.xlsx")
    for name in book.sheetnames[1:]:
        ws = book[name]
        assert not ws.tables  # xlsxwriter cannot stream tables
        assert ws.auto_filter.ref, name  # ... so filters come from an autofilter
        assert ws.freeze_panes is not None
    assert book["Matrix"].conditional_formatting
    assert book["Agreement"].cell(2, 1).value is not None


def test_large_workbooks_stream_by_themselves(tmp_path, monkeypatch):
    from qda.export import excel

    frame = pd.DataFrame({"a": range(30), "text": ["x"] * 30})
    monkeypatch.setattr(excel, "LARGE_CELLS", 50)
    write_workbook(tmp_path / "big.xlsx", about=[("k", "v")], sheets=[Sheet("S", frame)])
    assert not openpyxl.load_workbook(tmp_path / "big.xlsx")["S"].tables
    monkeypatch.setattr(excel, "LARGE_CELLS", 10_000)
    write_workbook(tmp_path / "small.xlsx", about=[("k", "v")], sheets=[Sheet("S", frame)])
    assert openpyxl.load_workbook(tmp_path / "small.xlsx")["S"].tables


@pytest.mark.parametrize(
    "wanted, taken, expected",
    [
        ("Crosstab group", [], "Crosstab group"),
        ("Crosstab relationship to the service user", [], "Crosstab relationship to the se"),
        ("Crosstab a/b: c?", [], "Crosstab a-b- c-"),
        ("History", [], "History (qda)"),
        ("'quoted'", [], "quoted"),
        ("Matrix", ["matrix"], "Matrix (2)"),
        (
            "Crosstab relationship to the service user",
            ["Crosstab relationship to the se"],
            "Crosstab relationship to th (2)",
        ),
    ],
)
def test_sheet_names_are_legal_and_unique(wanted, taken, expected):
    name = sheet_name(wanted, taken)
    assert name == expected and len(name) <= 31


def test_long_attribute_names_make_legal_distinct_sheets(tmp_path):
    frame = pd.DataFrame({"x": [1, 2]})
    sheets = [
        Sheet("Crosstab relationship to the service user", frame),
        Sheet("Crosstab relationship to the service user's family", frame),
        Sheet("Crosstab [site]", frame, more=[Table(frame, title="below")]),
    ]
    path = write_workbook(tmp_path / "n.xlsx", about=[("k", "v")], sheets=sheets)
    names = openpyxl.load_workbook(path).sheetnames
    assert len(set(n.lower() for n in names)) == 4 and all(len(n) <= 31 for n in names)


def test_crosstab_sheets_only_for_groupings(sample_project):
    participants = sample_project._participants()
    chosen = reports.crosstab_attributes(participants)
    assert chosen == [c.split(" ", 1)[1] for c in CROSSTABS]
    wide = participants.assign(age=range(len(participants)), same="x")
    assert "age" not in reports.crosstab_attributes(wide)  # 51 values: a list, not groups
    assert "same" not in reports.crosstab_attributes(wide)  # one value: nothing to compare


def test_a_formula_looking_quote_stays_text(tmp_path):
    path = write_workbook(
        tmp_path / "x.xlsx",
        about=[("k", "v")],
        sheets=[Sheet("Segments", pd.DataFrame({"text": ['=HYPERLINK("http://x")', "+44 1234"]}))],
    )
    ws = openpyxl.load_workbook(path)["Segments"]
    assert ws["A2"].data_type == "s" and ws["A2"].value.startswith("=HYPERLINK")


def test_cli_export_writes_a_streamed_workbook(sample_run, tmp_path):
    project = tmp_path / "p.qda"
    shutil.copy(sample_run.project, project)
    out = tmp_path / "db.xlsx"
    result = CliRunner().invoke(
        cli, ["export", "--xlsx", str(out), "--constant-memory", "--project", str(project)]
    )
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == SHEETS and not book["Matrix"].tables


# -------------------------------------------------------------------------------- charts
def test_charts_are_pngs_and_svgs(sample_run):
    names = sorted(p.name for p in sample_run.charts)
    stems = [
        "code-cooccurrence",
        "code-frequency",
        "document-theme-heatmap",
        "participant-theme-heatmap",
        "saturation",
        "theme-prevalence-by-group",
    ]
    assert names == sorted(f"{s}.{ext}" for s in stems for ext in ("png", "svg"))
    for path in sample_run.charts:
        if path.suffix == ".png":
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000
        else:
            svg = path.read_text(encoding="utf-8")
            assert svg.lstrip().startswith("<?xml") and "<svg" in svg
            assert "Automatic suggestions" in svg  # the subtitle, as text


def test_fallback_colours_follow_the_id_not_the_position(sample_project):
    cb = sample_project.codebook
    assert code_color(cb, "benefits") == cb.color("benefits")  # the codebook's own
    assert fallback_color("new_theme") == fallback_color("new_theme")
    assert re.fullmatch(r"#[0-9A-F]{6}", fallback_color("new_theme"))
    assert len({fallback_color(f"code_{i}") for i in range(20)}) >= 15


def test_a_project_with_nothing_coded_still_exports(fresh_project, tmp_path):
    from tests.helpers.paths import CODEBOOK

    fresh_project.load_codebook(CODEBOOK)
    path = reports.export_workbook(fresh_project, tmp_path / "empty.xlsx")
    frames = pd.read_excel(path, sheet_name=None, engine="calamine")
    assert {"Matrix", "Framework", "Co-occurrence"} <= set(frames)
    assert reports.export_charts(fresh_project, tmp_path / "charts") == []  # nothing to draw
    text = reports.export_quotes(fresh_project, tmp_path / "q.md").read_text(encoding="utf-8")
    assert "(`benefits`, 0 quotes)" in text


# ---------------------------------------------------------------------------- quote bank
def test_quote_bank_attributes_quotes(sample_run, sample_project):
    text = sample_run.quotes.read_text(encoding="utf-8")
    assert text.startswith("# Quote bank: Family involvement in probation supervision")
    assert "Codings used: Automatic suggestions, not yet reviewed" in text
    assert "in document order" in text
    assert "(Responsible Officer, Kent)" in text and "(Mother of service user)" in text
    quotes = sample_project.quotes()
    for rec in quotes.head(30).to_dict("records"):
        assert f"`{rec['segment_id']}`" in text
    assert "## Boundaries (`boundaries`" in text and "### Home visits (`home_visits`" in text


def test_quote_order_choices():
    quotes = pd.DataFrame(
        {
            "code": ["a", "a", "a", "b"],
            "segment_id": ["s1", "s2", "s3", "s4"],
            "text": ["short", "a much longer quote", "mid length", "x"],
            "confidence": [0.2, float("nan"), 0.9, 0.5],
        }
    )
    assert order_quotes(quotes, "document")["segment_id"].tolist() == ["s1", "s2", "s3", "s4"]
    assert order_quotes(quotes, "confidence")["segment_id"].tolist() == ["s3", "s1", "s2", "s4"]
    assert order_quotes(quotes, "length")["segment_id"].tolist() == ["s2", "s3", "s1", "s4"]
    with pytest.raises(InputError, match="unknown quote order 'random'"):
        order_quotes(quotes, "random")


def test_quote_bank_docx(two_coders, tmp_path):
    from docx import Document

    project, _ = two_coders
    path = reports.export_quotes(project, tmp_path / "quotes.docx", order="length")
    doc = Document(str(path))
    paragraphs = doc.paragraphs
    assert paragraphs[0].style.name == "Title"
    assert any("Codings used: Human and accepted codings" in p.text for p in paragraphs[:4])
    assert any("longest first" in p.text for p in paragraphs[:4])
    headings = {
        p.text.split("  (")[0]: p.style.name for p in paragraphs if p.style.name.startswith("Heading")
    }
    assert headings["Boundaries"] == "Heading 1" and headings["Home visits"] == "Heading 2"
    quotes = [p for p in paragraphs if p.style.name == "Quote"]
    expected = project.quotes()
    assert len(quotes) == len(expected)
    index = paragraphs.index(quotes[0])
    after = paragraphs[index + 1].text
    assert after.startswith("— ") and "#" in after  # attribution, then segment id
    # within a code, longest first
    first_code = expected["code"].iloc[0]
    lengths = expected[expected["code"] == first_code]["text"].str.len().sort_values(ascending=False).tolist()
    assert len(quotes[0].text) == lengths[0]


def test_quote_bank_refuses_other_formats(sample_project, tmp_path):
    with pytest.raises(InputError, match=r"quotes.txt: .* Markdown \(.md\) or Word \(.docx\)"):
        reports.export_quotes(sample_project, tmp_path / "quotes.txt")


def test_cli_quotes_order_and_docx(sample_run, tmp_path):
    project = tmp_path / "p.qda"
    shutil.copy(sample_run.project, project)
    runner = CliRunner()
    result = runner.invoke(
        cli, ["export", "--quotes", str(tmp_path / "q.docx"), "--order", "length", "--project", str(project)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "q.docx").stat().st_size > 10_000
    bad = runner.invoke(cli, ["export", "--quotes", str(tmp_path / "q.txt"), "--project", str(project)])
    assert bad.exit_code == 1 and bad.output.startswith("Error: ")
    assert "Traceback" not in bad.output


# --------------------------------------------------------------------------------- misc
@pytest.mark.parametrize(
    "attrs, expected",
    [
        ({"role": "Responsible Officer", "location": "Kent"}, "Responsible Officer, Kent"),
        ({"role": "Mother of service user", "location": ""}, "Mother of service user"),
        ({"role": "Mother of service user", "location": float("nan")}, "Mother of service user"),
        ({"role": "", "location": "Kent"}, "Kent"),
        ({}, "P07"),
    ],
)
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


def test_exports_get_ordinary_file_permissions(tmp_path):
    import os
    import stat

    target = tmp_path / "new.md"
    with atomic_path(target) as tmp:
        tmp.write_text("x", encoding="utf-8")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask  # not mkstemp's 0600
    target.chmod(0o640)
    with atomic_path(target) as tmp:
        tmp.write_text("y", encoding="utf-8")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # a replaced file's mode


def test_an_export_onto_a_folder_is_a_clear_error(tmp_path):
    target = tmp_path / "quotes.md"
    target.mkdir()
    with pytest.raises(InputError, match="quotes.md: is a folder") as err:
        with atomic_path(target) as tmp:
            tmp.write_text("x", encoding="utf-8")
    assert "write somewhere else" in str(err.value)
    assert [p.name for p in tmp_path.iterdir()] == ["quotes.md"]  # no temporary left


def test_a_failing_disk_is_a_clear_error_and_keeps_the_old_file(tmp_path, monkeypatch):
    import errno
    import os

    target = tmp_path / "db.xlsx"
    target.write_text("old", encoding="utf-8")

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(InputError, match="No space left on device") as err:
        with atomic_path(target) as tmp:
            tmp.write_text("new", encoding="utf-8")
    assert "db.xlsx" in str(err.value) and "unchanged" in str(err.value)
    assert target.read_text(encoding="utf-8") == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_segments_with_codes_flags_roll_up(sample_project):
    table = reports.segments_with_codes(sample_project)
    cb = sample_project.codebook
    for theme in cb.top_level():
        kids = [c.id for c in cb.children(theme.id)]
        either = table[kids].max(axis=1) if kids else table[theme.id]
        assert (table[theme.id] >= either).all()


def test_a_heatmap_of_many_participants_shows_the_busiest(sample_project):
    """Hundreds of participants cannot be read as heatmap rows: the chart keeps the 60
    with most coded segments, in their order, and says so; small projects show all."""
    from qda.export.charts import MAX_HEATMAP_ROWS, theme_heatmap

    cb = sample_project.codebook
    themes = [c.id for c in cb.top_level()]
    rng = np.random.default_rng(0)
    counts = pd.DataFrame(rng.integers(0, 5, size=(300, len(themes))), columns=themes)
    counts.insert(0, "participant", [f"P{i:03d}" for i in range(300)])
    busiest = counts.set_index("participant")[themes].sum(axis=1)
    fig = theme_heatmap(counts, cb, basis="test")
    shown = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(shown) == MAX_HEATMAP_ROWS and shown == sorted(shown)
    assert busiest[shown].min() >= busiest.drop(shown).max()
    assert "60 with the most coded segments, of 300" in fig._suptitle.get_text()
    small = theme_heatmap(counts.head(12), cb, basis="test")
    assert len(small.axes[0].get_yticklabels()) == 12
    assert small._suptitle.get_text() == "Participants by theme"


def test_workbook_sheets_are_the_frames_the_workbook_holds(sample_project, tmp_path):
    """``workbook_sheets`` gives an analyst the workbook's tables as DataFrames: the
    sheets written are exactly those, in order, with their rows."""
    from python_calamine import CalamineWorkbook

    about, sheets = reports.workbook_sheets(sample_project)
    path = reports.export_workbook(sample_project, tmp_path / "db.xlsx")
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["About", *[s.name for s in sheets]]
    assert dict(about)["Codings used"] == sample_project.select_codings().description
    segments = next(s for s in sheets if s.name == "Segments")
    rows = book.get_sheet_by_name("Segments").to_python()
    assert rows[0] == [str(c) for c in segments.frame.columns]
    assert len(rows) == len(segments.frame) + 1


def test_a_cell_too_long_for_excel_is_cut_and_the_about_sheet_says_where(tmp_path):
    from python_calamine import CalamineWorkbook

    from qda.export.excel import Sheet, write_workbook

    long = "word " * 8000  # 40,000 characters
    frame = pd.DataFrame(
        {"participant": ["P1", "P2", "P3"], "benefits | quotes": [long, "short", long], "n": [1, 2, 3]}
    )
    path = write_workbook(tmp_path / "db.xlsx", about=[("Project", "p")], sheets=[Sheet("Framework", frame)])
    book = CalamineWorkbook.from_path(str(path))
    cells = book.get_sheet_by_name("Framework").to_python()
    assert len(cells[1][1]) == 32767 and cells[1][1].endswith("…")
    assert cells[2][1] == "short"
    about = {row[0]: row[1] for row in book.get_sheet_by_name("About").to_python() if row}
    assert "Framework 'benefits | quotes': 2 cells" in about["Cut to fit Excel"]
    again = write_workbook(
        tmp_path / "ok.xlsx",
        about=[("Project", "p")],
        sheets=[Sheet("Framework", frame.assign(**{"benefits | quotes": "x"}))],
    )
    about = [
        row[0] for row in CalamineWorkbook.from_path(str(again)).get_sheet_by_name("About").to_python() if row
    ]
    assert "Cut to fit Excel" not in about
