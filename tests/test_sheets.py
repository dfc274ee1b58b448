"""Human coding round trip: coding sheets (xlsx) and the long coding CSV, both ways."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from qda.cli import cli
from qda.coding.sheetread import is_mark
from qda.coding.sheets import FIELDS
from qda.errors import InputError
from qda.project import Project


# ------------------------------------------------------------------------------- helpers
def fill(src, dst, *, marks=(), done=(), edit=None):
    """Fill a sheet as a person would: ``marks`` (segment, code, value), ``done`` segments,
    ``edit`` {(segment, column): value}. Returns the path written."""
    book = openpyxl.load_workbook(src)
    ws = book["Coding"]
    header = {c.value: c.column for c in ws[2] if c.value is not None}
    rows = {ws.cell(r, 1).value: r for r in range(3, ws.max_row + 1)}
    for sid, code, *value in marks:
        ws.cell(rows[sid], header[code]).value = value[0] if value else "x"
    for sid in done:
        ws.cell(rows[sid], header["done"]).value = "x"
    for (sid, col), value in (edit or {}).items():
        ws.cell(rows[sid], header[col]).value = value
    book.save(dst)
    return dst


def sheet_cells(path):
    book = openpyxl.load_workbook(path)
    ws = book["Coding"]
    header = [c.value for c in ws[2]]
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    return book, ws, header, data


def snapshot(project):
    codings = (
        project.codings()
        .drop(columns=["evidence"])
        .sort_values(["segment_id", "code", "coder", "source", "start"])
        .reset_index(drop=True)
    )
    return codings, project.reviews(), project.archived_codings()


def assert_unchanged(project, before):
    after = snapshot(project)
    for a, b in zip(before, after):
        pd.testing.assert_frame_equal(a, b)


def human(project, coder):
    df = project.codings(coders=[coder], sources=["human"])
    return set(zip(df["segment_id"], df["code"], df["start"], df["end"]))


@pytest.fixture
def segs(sample_project):
    return sample_project.segments()


@pytest.fixture
def sheet(sample_project, tmp_path):
    return sample_project.coding_sheet(tmp_path / "alice.xlsx", coder="alice")


# --------------------------------------------------------------------------- the sheet
def test_sheet_has_one_row_per_segment_codes_under_themes_and_the_layout(sample_project, sheet, segs):
    book, ws, header, data = sheet_cells(sheet)
    cb = sample_project.codebook
    assert book.sheetnames == ["Coding", "Instructions", "qda"]
    assert book["qda"].sheet_state == "hidden"
    assert list(header[: len(FIELDS)]) == list(FIELDS)
    assert header[len(FIELDS) : len(FIELDS) + 2] == ["suggestions", "done"]
    code_cols = header[len(FIELDS) + 2 : len(FIELDS) + 2 + len(cb)]
    assert code_cols == cb.ids
    assert [r[0] for r in data] == list(segs["segment_id"])  # no interviewer turns
    assert [r[4] for r in data] == list(segs["text"])
    # Theme headers merged above their codes, in the theme's colour.
    merged = {str(m) for m in ws.merged_cells.ranges}
    first = len(FIELDS) + 3
    for theme in cb.top_level():
        cols = [first + i for i, c in enumerate(code_cols) if cb.root(c) == theme.id]
        a, b = openpyxl.utils.get_column_letter(cols[0]), openpyxl.utils.get_column_letter(cols[-1])
        assert f"{a}1:{b}1" in merged
        assert ws[f"{a}1"].value == theme.name
        assert ws[f"{a}1"].fill.fgColor.rgb.endswith(theme.color.lstrip("#").upper())
    # Definitions as header comments; validation; panes; filter.
    some = cb.children(cb.top_level()[0].id)[0]
    comment = ws.cell(2, first + code_cols.index(some.id)).comment
    assert comment is not None and " ".join(some.description.split())[:60] in comment.text
    assert ws.freeze_panes == "F3"
    assert ws.auto_filter.ref.startswith("A2:")
    rules = [dv for dv in ws.data_validations.dataValidation]
    assert any(dv.type == "list" and "x" in dv.formula1 and dv.promptTitle for dv in rules)
    # Suggestions: every segment with an open rules suggestion shows it, and only those.
    open_ = sample_project.codings(statuses=["suggested"])
    hints = {r[0]: r[5] for r in data}
    assert {s for s, h in hints.items() if h} == set(open_["segment_id"])
    row = open_.iloc[0]
    assert f"{row['code']} (rules)" in hints[row["segment_id"]]
    assert all(r[6] is None for r in data)  # nothing done yet
    assert sum(v == "x" for r in data for v in r[7:]) == 0


def test_sheet_can_be_limited_to_codes_and_documents(sample_project, tmp_path, segs):
    path = sample_project.coding_sheet(
        tmp_path / "s.xlsx",
        coder="alice",
        codes=["benefits", "co_location", "contact_frequency"],
        documents=["staff-01-telephone"],
    )
    _, _, header, data = sheet_cells(path)
    # in codebook order, whatever order they were asked in
    assert header[7:10] == [
        c for c in sample_project.codebook.ids if c in ("benefits", "co_location", "contact_frequency")
    ]
    want = segs[segs["document"] == "staff-01-telephone"]["segment_id"]
    assert [r[0] for r in data] == list(want)
    with pytest.raises(InputError, match="unknown code"):
        sample_project.coding_sheet(tmp_path / "t.xlsx", coder="a", codes=["nope"])
    with pytest.raises(InputError, match="unknown document"):
        sample_project.coding_sheet(tmp_path / "t.xlsx", coder="a", documents=["nope"])
    with pytest.raises(InputError, match=r"\.xlsx"):
        sample_project.coding_sheet(tmp_path / "t.csv", coder="a")


@pytest.mark.parametrize(
    "value,expected",
    [
        ("x", True),
        ("X", True),
        (" x ", True),
        (1, True),
        (1.0, True),
        ("1", True),
        (None, False),
        ("", False),
        ("  ", False),
        ("yes", None),
        (2, None),
        (0, None),
        (True, None),
        ("xx", None),
    ],
)
def test_what_counts_as_a_mark(value, expected):
    assert is_mark(value) is expected


# ---------------------------------------------------------------------- the round trip
def test_code_part_of_the_sample_by_sheet_import_and_reimport_changes_nothing(
    sample_project, sheet, segs, tmp_path
):
    """The issue's done-when: one coder codes part of the sample by sheet."""
    ids = list(segs["segment_id"])
    marks = [
        (ids[0], "contact_frequency"),
        (ids[0], "benefits"),
        (ids[1], "co_location"),
        (ids[2], "benefits", 1),
        (ids[3], "direct_involvement", "X"),
        (ids[4], "current_involvement"),
    ]
    filled = fill(sheet, tmp_path / "filled.xlsx", marks=marks, done=[ids[5], ids[6], ids[0]])
    rules_before = sample_project.codings(sources=["rules"])

    report = sample_project.import_coding(filled, coder="alice")
    assert (report.added, report.already) == (6, 0)
    assert report.reviewed == 7  # 5 rows with marks + 2 done-only rows
    assert report.untouched == len(ids) - 7
    assert report.conflicts == [] and report.edited == [] and report.removed == 0
    got = sample_project.codings(coders=["alice"])
    assert len(got) == 6 and set(got["source"]) == {"human"} and set(got["status"]) == {"accepted"}
    starts = segs.set_index("segment_id")
    for _, r in got.iterrows():  # whole-segment codings, exact offsets
        assert (r["start"], r["end"]) == tuple(starts.loc[r["segment_id"], ["start", "end"]])
    assert set(sample_project.reviews(coder="alice")["segment_id"]) == set(ids[:7])
    pd.testing.assert_frame_equal(sample_project.codings(sources=["rules"]), rules_before)
    last = sample_project.history().iloc[-1]
    assert (last["action"], last["who"]) == ("import", "alice") and '"added": 6' in last["detail"]

    before = snapshot(sample_project)
    again = sample_project.import_coding(filled, coder="alice")
    assert (again.added, again.already, again.reviewed, again.reviewed_already) == (0, 6, 0, 7)
    assert_unchanged(sample_project, before)

    # A new sheet for the same coder shows their work; returned unchanged it changes nothing.
    fresh = sample_project.coding_sheet(tmp_path / "again.xlsx", coder="alice")
    _, _, header, data = sheet_cells(fresh)
    shown = {(r[0], header[j]) for r in data for j, v in enumerate(r) if v == "x" and header[j] != "done"}
    assert shown == {(m[0], m[1]) for m in marks}
    assert {r[0] for r in data if r[6] == "x"} == set(ids[:7])
    third = sample_project.import_coding(fresh, coder="alice")
    assert (third.added, third.reviewed, third.conflicts) == (0, 0, [])
    assert_unchanged(sample_project, before)


def test_unmarked_codings_are_conflicts_kept_unless_remove_unmarked_which_archives(
    sample_project, segs, tmp_path
):
    ids = list(segs["segment_id"])
    sample_project.add_coding(ids[0], "benefits", coder="alice")
    sample_project.add_coding(ids[1], "co_location", coder="alice")
    sample_project.add_coding(ids[0], "benefits", coder="bob")
    sheet = sample_project.coding_sheet(tmp_path / "s.xlsx", coder="alice")
    cleared = fill(sheet, tmp_path / "c.xlsx", marks=[(ids[0], "benefits", None)])
    rules_before = sample_project.codings(sources=["rules"])

    report = sample_project.import_coding(cleared, coder="alice")
    assert [(c["segment_id"], c["code"]) for c in report.conflicts] == [(ids[0], "benefits")]
    assert report.removed == 0 and report.added == 0
    assert (ids[0], "benefits") in {(s, c) for s, c, *_ in human(sample_project, "alice")}

    report = sample_project.import_coding(cleared, coder="alice", remove_unmarked=True)
    assert report.removed == 1 and report.conflicts == []
    assert {(s, c) for s, c, *_ in human(sample_project, "alice")} == {(ids[1], "co_location")}
    again = sample_project.import_coding(cleared, coder="alice", remove_unmarked=True)
    assert (again.removed, again.added, again.conflicts) == (0, 0, [])
    archived = sample_project.archived_codings()
    assert list(archived["coder"]) == ["alice"] and list(archived["code_id"]) == ["benefits"]
    row = segs.set_index("segment_id").loc[ids[0]]
    assert archived["quote"].iloc[0] == row["text"] and "c.xlsx" in archived["reason"].iloc[0]
    assert (ids[0], "benefits") in {(s, c) for s, c, *_ in human(sample_project, "bob")}
    pd.testing.assert_frame_equal(sample_project.codings(sources=["rules"]), rules_before)


def test_remove_unmarked_only_reaches_the_rows_and_codes_the_sheet_has(sample_project, segs, tmp_path):
    """A sheet of some codes for one document is the truth for those cells only."""
    inside = segs[segs["document"] == "staff-01-telephone"]["segment_id"].iloc[0]
    outside = segs[segs["document"] != "staff-01-telephone"]["segment_id"].iloc[0]
    for sid, code in ((inside, "benefits"), (inside, "co_location"), (outside, "benefits")):
        sample_project.add_coding(sid, code, coder="alice")
    sheet = sample_project.coding_sheet(
        tmp_path / "s.xlsx", coder="alice", codes=["benefits"], documents=["staff-01-telephone"]
    )
    cleared = fill(sheet, tmp_path / "c.xlsx", marks=[(inside, "benefits", None)])
    report = sample_project.import_coding(cleared, coder="alice", remove_unmarked=True)
    assert report.removed == 1
    assert {(s, c) for s, c, *_ in human(sample_project, "alice")} == {
        (inside, "co_location"),
        (outside, "benefits"),
    }


def test_a_mark_on_a_suggested_code_adds_a_human_coding_and_leaves_the_suggestion(
    sample_project, sheet, tmp_path
):
    sug = sample_project.codings(statuses=["suggested"]).iloc[0]
    filled = fill(sheet, tmp_path / "f.xlsx", marks=[(sug["segment_id"], sug["code"])])
    before = sample_project.codings(sources=["rules"])
    assert sample_project.import_coding(filled, coder="alice").added == 1
    pd.testing.assert_frame_equal(sample_project.codings(sources=["rules"]), before)
    assert (sug["segment_id"], sug["code"]) in {(s, c) for s, c, *_ in human(sample_project, "alice")}


def test_edited_text_is_reported_and_the_marks_still_applied(sample_project, sheet, segs, tmp_path):
    sid = segs["segment_id"].iloc[2]
    filled = fill(
        sheet, tmp_path / "f.xlsx", marks=[(sid, "benefits")], edit={(sid, "text"): "I typed over this."}
    )
    report = sample_project.import_coding(filled, coder="alice")
    assert report.added == 1 and report.edited == [("row 5", sid)]
    assert any("differs" in w for w in report.warnings)


def test_a_sheet_written_without_a_coder_imports_for_whoever_names_themselves(sample_project, tmp_path, segs):
    blank = sample_project.coding_sheet(tmp_path / "b.xlsx", coder=None)
    sid = segs["segment_id"].iloc[0]
    filled = fill(blank, tmp_path / "f.xlsx", marks=[(sid, "benefits")])
    assert sample_project.import_coding(filled, coder="carol").added == 1
    with pytest.raises(InputError, match="for coder 'alice'"):
        sample_project.import_coding(
            sample_project.coding_sheet(tmp_path / "a.xlsx", coder="alice"), coder="bob"
        )


# ----------------------------------------------------------------------- the long CSV
def test_long_csv_both_ways_with_span_rows_and_empty_code_rows(sample_project, sample_run, segs, tmp_path):
    s = segs.set_index("segment_id")
    a, b, c, d = list(segs["segment_id"])[:4]
    doc_b = s.loc[b, "document"]
    span = (int(s.loc[b, "start"]) + 3, int(s.loc[b, "start"]) + 12)
    rows = pd.DataFrame(
        [
            {"segment_id": a, "code": "benefits", "coder": "alice"},
            {"segment_id": a, "code": "co_location", "coder": ""},
            {
                "segment_id": "",
                "document": doc_b,
                "start": span[0],
                "end": span[1],
                "code": "contact_frequency",
            },  # span, no id
            {
                "segment_id": c,
                "start": int(s.loc[c, "start"]),
                "end": int(s.loc[c, "start"]) + 5,
                "code": "benefits",
            },  # span with id
            {"segment_id": d, "code": ""},  # reviewed, no code
        ]
    )
    src = tmp_path / "in.csv"
    rows.to_csv(src, index=False)
    report = sample_project.import_coding(src, coder="alice")
    assert (report.added, report.reviewed, report.conflicts) == (4, 4, [])
    got = human(sample_project, "alice")
    assert (b, "contact_frequency", *span) in got  # held by segment b
    assert (c, "benefits", int(s.loc[c, "start"]), int(s.loc[c, "start"]) + 5) in got
    assert set(sample_project.reviews(coder="alice")["segment_id"]) == {a, b, c, d}
    before = snapshot(sample_project)
    assert sample_project.import_coding(src, coder="alice").added == 0
    assert_unchanged(sample_project, before)

    # Export (design columns first, reviewed rows with an empty code) ...
    out = sample_project.codings_csv(tmp_path / "out.csv", coders=["alice"])
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table.columns[:11]) == [
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
    empty = table[table["code"] == ""]
    assert list(empty["segment_id"]) == [d]
    texts = sample_project.documents(text=True).set_index("document")["text"]
    for r in table.itertuples():
        assert texts[r.document][r.start : r.end] == r.text
    # ... round-trips: into this project it changes nothing, into a copy it gives the same.
    assert sample_project.import_coding(out, coder="alice").added == 0
    assert_unchanged(sample_project, before)
    shutil.copy(sample_run.project, tmp_path / "copy.qda")
    with Project.open(tmp_path / "copy.qda") as copy:
        again = copy.import_coding(out, coder="alice")
        assert again.added == 4 and again.reviewed == 4
        assert human(copy, "alice") == human(sample_project, "alice")
        assert set(copy.reviews()["segment_id"]) == {a, b, c, d}


def test_csv_conflicts_are_reported_for_the_segments_the_file_covers(sample_project, segs, tmp_path):
    a, b = list(segs["segment_id"])[:2]
    sample_project.add_coding(a, "benefits", coder="alice")
    sample_project.add_coding(b, "benefits", coder="alice")
    src = tmp_path / "in.csv"
    pd.DataFrame([{"segment_id": a, "code": ""}]).to_csv(src, index=False)
    report = sample_project.import_coding(src, coder="alice")
    assert [(c["segment_id"], c["code"]) for c in report.conflicts] == [(a, "benefits")]
    report = sample_project.import_coding(src, coder="alice", remove_unmarked=True)
    assert report.removed == 1
    assert {s for s, *_ in human(sample_project, "alice")} == {b}


# ------------------------------------------------------------------------ the commands
def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_cli_sheet_and_import_print_a_short_report(sample_project, segs, tmp_path):
    project = sample_project.path
    path = tmp_path / "s.xlsx"
    made = invoke(
        "code",
        "sheet",
        path,
        "--coder",
        "alice",
        "--codes",
        "benefits,co_location",
        "--document",
        "family-01-interview",
        "--project",
        project,
    )
    assert made.exit_code == 0, made.output
    ids = list(segs[segs["document"] == "family-01-interview"]["segment_id"])
    fill(path, path, marks=[(ids[0], "benefits"), (ids[1], "co_location")], done=[ids[2]])
    first = invoke("code", "import", path, "--coder", "alice", "--project", project)
    assert first.exit_code == 0, first.output
    assert "2 coding(s) added, 0 already there; 3 segment(s) recorded as reviewed" in first.output
    second = invoke("code", "import", path, "--coder", "alice", "--project", project)
    assert "0 coding(s) added, 2 already there; 0 segment(s)" in second.output
    fill(path, path, marks=[(ids[0], "benefits", None)])
    third = invoke("code", "import", path, "--coder", "alice", "--project", project)
    assert "Conflicts: 1 coding(s)" in third.output and f"{ids[0]} benefits" in third.output
    assert "--remove-unmarked" in third.output
    fourth = invoke("code", "import", path, "--coder", "alice", "--remove-unmarked", "--project", project)
    assert "1 unmarked coding(s) archived" in fourth.output
    out = tmp_path / "c.csv"
    exported = invoke("codings", "--out", out, "--coder", "alice", "--reviewed", "--project", project)
    assert exported.exit_code == 0
    table = pd.read_csv(out, keep_default_na=False)
    assert sorted(table["code"]) == ["", "", "co_location"]


def _sheet_edit(tmp_path, sheet, *, cells=(), meta=None, name="bad.xlsx"):
    book = openpyxl.load_workbook(sheet)
    for ref, value in cells:
        book["Coding"][ref].value = value
    for key, value in (meta or {}).items():
        for row in book["qda"].iter_rows():
            if row[0].value == key:
                row[1].value = value
    book.save(tmp_path / name)
    return tmp_path / name


def _bad_inputs(tmp_path, sheet, segs, project):
    """(name, file, match) for every kind of bad input the import promises to refuse."""
    _, ws, header, data = sheet_cells(sheet)
    col = openpyxl.utils.get_column_letter
    code_j = header.index("benefits") + 1
    ok_mark = (f"{col(code_j)}3", "x")  # a valid mark, so refusals are real
    seg = segs.set_index("segment_id")
    sid = segs["segment_id"].iloc[0]
    doc = seg.loc[sid, "document"]
    text_len = len(project.documents(text=True).set_index("document").loc[doc, "text"])

    def csv(name, frame):
        path = tmp_path / name
        if isinstance(frame, str):
            path.write_text(frame, encoding="utf-8")
        else:
            pd.DataFrame(frame).to_csv(path, index=False)
        return path

    def sheet_with(name, *cells, meta=None):
        return _sheet_edit(tmp_path, sheet, cells=[ok_mark, *cells], meta=meta, name=name)

    first, second = segs["segment_id"].iloc[0], segs["segment_id"].iloc[1]
    boundary = int(seg.loc[first, "end"])
    return [
        (
            "unknown code column",
            sheet_with(
                "c1.xlsx", (f"{col(len(header) + 1)}2", "new_code"), (f"{col(len(header) + 1)}3", "x")
            ),
            "unknown code",
        ),
        (
            "renamed code column",
            sheet_with("c2.xlsx", (f"{col(code_j)}2", "benefitz")),
            "should be 'benefits'",
        ),
        ("unknown segment id", sheet_with("c3.xlsx", ("A4", "nope#t001")), "unknown segment id"),
        ("a mark other than x/1", sheet_with("c4.xlsx", (f"{col(code_j)}5", "yes")), "only x or 1"),
        ("a bad done mark", sheet_with("c5.xlsx", ("G6", "y")), "only x or 1"),
        ("another project", sheet_with("c6.xlsx", meta={"project_id": "0000"}), "another project"),
        ("a sheet for another coder", sheet_with("c7.xlsx", meta={"coder": "bob"}), "for coder 'bob'"),
        ("corrupt xlsx", csv("c8.xlsx", "this is not a workbook\n"), "cannot be read as an Excel"),
        ("a workbook that is not a sheet", _plain_workbook(tmp_path / "c9.xlsx"), "not a qda coding sheet"),
        ("wrong extension", csv("c10.txt", "segment_id,code\n"), "reads a coding sheet"),
        ("missing file", tmp_path / "missing.csv", "no such file"),
        ("CSV missing columns", csv("m1.csv", [{"segment_id": sid, "coder": "alice"}]), "missing column"),
        ("CSV missing offsets", csv("m2.csv", [{"document": doc, "code": "benefits"}]), "missing column"),
        (
            "CSV unknown code",
            csv("m3.csv", [{"segment_id": sid, "code": "benefits"}, {"segment_id": sid, "code": "nope"}]),
            "row 3: unknown code 'nope'",
        ),
        (
            "CSV unknown segment",
            csv("m4.csv", [{"segment_id": "x#t9", "code": "benefits"}]),
            "unknown segment id",
        ),
        (
            "CSV unknown document",
            csv("m5.csv", [{"document": "nope", "start": 0, "end": 3, "code": "benefits"}]),
            "unknown document",
        ),
        (
            "CSV offsets past the end",
            csv("m6.csv", [{"document": doc, "start": 0, "end": text_len + 5, "code": "benefits"}]),
            "past the end",
        ),
        (
            "CSV offsets across segments",
            csv(
                "m7.csv", [{"document": doc, "start": boundary - 2, "end": boundary + 40, "code": "benefits"}]
            ),
            "inside one segment",
        ),
        (
            "CSV offsets outside the segment",
            csv("m8.csv", [{"segment_id": second, "start": 0, "end": 2, "code": "benefits"}]),
            "outside segment",
        ),
        (
            "CSV offsets not numbers",
            csv("m9.csv", [{"segment_id": sid, "start": "a", "end": 2, "code": "benefits"}]),
            "not a character offset",
        ),
        (
            "CSV start after end",
            csv("m10.csv", [{"segment_id": sid, "start": 5, "end": 2, "code": "benefits"}]),
            "not before end",
        ),
        (
            "CSV another coder's rows",
            csv("m11.csv", [{"segment_id": sid, "code": "benefits", "coder": "bob"}]),
            "coder 'bob'",
        ),
        (
            "CSV rules suggestions",
            csv("m12.csv", [{"segment_id": sid, "code": "benefits", "source": "rules"}]),
            "not a person's",
        ),
        ("CSV not UTF-8", _latin1(tmp_path / "m13.csv"), "not UTF-8"),
    ]


def _plain_workbook(path):
    book = openpyxl.Workbook()
    book.active["A1"] = "segment_id"
    book.save(path)
    return path


def _latin1(path):
    path.write_bytes("segment_id,code\ncaf\xe9,benefits\n".encode("latin-1"))
    return path


def test_bad_input_is_one_error_line_and_changes_nothing(sample_project, sheet, segs, tmp_path):
    cases = _bad_inputs(tmp_path, sheet, segs, sample_project)
    before = snapshot(sample_project)
    history = len(sample_project.history())
    for name, path, match in cases:
        result = invoke("code", "import", path, "--coder", "alice", "--project", sample_project.path)
        lines = result.output.strip().splitlines()
        assert result.exit_code == 1, (name, result.output)
        assert len(lines) == 1 and lines[0].startswith("Error: "), (name, result.output)
        assert match in lines[0], (name, lines[0])
        assert "Traceback" not in result.output
        with pytest.raises(InputError):
            sample_project.import_coding(path, coder="alice")
    assert_unchanged(sample_project, before)
    assert len(sample_project.history()) == history


def test_import_needs_a_coder(sample_project, sheet):
    with pytest.raises(InputError, match="--coder"):
        sample_project.import_coding(sheet, coder="  ")


def test_project_id_is_kept_and_a_sheet_from_another_project_is_refused(
    sample_project, fresh_project, tmp_path, sheet
):
    pid = sample_project.project_id
    assert len(pid) == 36 and pid == sample_project.project_id
    assert fresh_project.project_id != pid
    fresh_project.load_codebook(sample_project.codebook)
    with pytest.raises(InputError, match="another project"):
        fresh_project.import_coding(sheet, coder="alice")


def test_a_sheet_whose_code_left_the_codebook_is_refused(sample_project, sheet, tmp_path):
    book = openpyxl.load_workbook(sheet)
    header = [c.value for c in book["Coding"][2]]
    j = header.index("benefits")
    book["Coding"].cell(2, j + 1).value = "retired_code"
    for row in book["qda"].iter_rows():
        if row[0].value == j + 1 and row[2].value == "benefits":
            row[2].value = "retired_code"
    book.save(tmp_path / "old.xlsx")
    before = snapshot(sample_project)
    with pytest.raises(InputError, match="unknown code.*retired_code"):
        sample_project.import_coding(tmp_path / "old.xlsx", coder="alice")
    assert_unchanged(sample_project, before)


def test_suggestions_column_shows_source_and_confidence(sample_project, segs, tmp_path):
    sid = segs["segment_id"].iloc[0]
    doc, start, end = segs.iloc[0][["document", "start", "end"]]
    with sample_project.transaction():
        sample_project._store.insert_codings(
            [
                {
                    "segment_id": sid,
                    "document_id": doc,
                    "start": int(start),
                    "end": int(end),
                    "code_id": "co_location",
                    "coder": "model",
                    "source": "model",
                    "status": "suggested",
                    "confidence": 0.8234,
                    "evidence": None,
                    "codebook_version": "1",
                    "created_at": "2026-01-01T00:00:00+00:00",
                }
            ]
        )
    path = sample_project.coding_sheet(tmp_path / "s.xlsx", coder="alice")
    _, _, _, data = sheet_cells(path)
    hint = data[0][5]
    assert hint.startswith("co_location 0.82 (model)")
    rules = sample_project.codings(sources=["rules"], statuses=["suggested"])
    for code in rules[rules["segment_id"] == sid]["code"]:
        assert f"{code} (rules)" in hint
    without = sample_project.coding_sheet(tmp_path / "n.xlsx", coder="alice", include_suggestions=False)
    assert all(r[5] is None for r in sheet_cells(without)[3])


def test_schema_1_projects_get_reviews_and_a_project_id(tmp_path):
    shutil.copy(Path(__file__).parent / "fixtures" / "schema1.qda", tmp_path / "old.qda")
    with Project.open(tmp_path / "old.qda") as project:
        pid = project.project_id
        assert len(pid) == 36 and pid[14] == "4"
        assert project.reviews().empty
    with Project.open(tmp_path / "old.qda") as project:
        assert project.project_id == pid


def test_a_sheet_from_an_older_codebook_version_imports_with_a_warning(sample_project, sheet, segs, tmp_path):
    cb = sample_project.codebook
    sample_project.load_codebook(
        type(cb)(name=cb.name, version="9.9", description=cb.description, codes=cb.codes)
    )
    filled = fill(sheet, tmp_path / "f.xlsx", marks=[(segs["segment_id"].iloc[0], "benefits")])
    report = sample_project.import_coding(filled, coder="alice")
    assert report.added == 1
    assert any("codebook version" in w and "9.9" in w for w in report.warnings)


@pytest.mark.parametrize("sep,bom", [(";", True), ("\t", False), (",", True)])
def test_long_csv_as_excel_saves_it(sample_project, segs, tmp_path, sep, bom):
    """Semicolons (European Excel), tabs, a BOM, offsets written as 12.0."""
    row = segs.iloc[1]
    text = (
        f"segment_id{sep}start{sep}end{sep}code\n"
        f"{row['segment_id']}{sep}{float(row['start'])}{sep}{row['start'] + 4}{sep}benefits\n"
    )
    path = tmp_path / "x.csv"
    path.write_text(text, encoding="utf-8-sig" if bom else "utf-8")
    assert sample_project.import_coding(path, coder="alice").added == 1
    assert human(sample_project, "alice") == {(row["segment_id"], "benefits", row["start"], row["start"] + 4)}
