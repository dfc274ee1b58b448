"""Participant attributes named like a column of qda's tables (question, start, text, ...):
refused in a participants sheet, renamed from a survey, and never a crash in the tables."""

from __future__ import annotations

import pandas as pd
import pytest

from qda import reports
from qda.errors import ParticipantsError
from qda.ingest import read_document, read_participants
from qda.ingest.source import RESERVED_ATTRIBUTES, ReadOptions
from qda.project import Project
from tests.helpers.paths import CODEBOOK

CLASHING = [
    "question",
    "start",
    "end",
    "text",
    "segment_id",
    "unit",
    "begin_time",
    "is_interviewer",
    "auto",
    "participant_id",
    "code_id",
    "attribution",
]


@pytest.mark.parametrize("name", CLASHING)
def test_a_sheet_attribute_named_like_a_table_column_is_refused(tmp_path, name):
    path = tmp_path / "participants.csv"
    path.write_text(
        f"participant,document,speaker,group,{name.upper()}\nS01,int-a,Dawn,staff,x\n", encoding="utf-8"
    )
    with pytest.raises(ParticipantsError) as err:
        read_participants(path)
    message = str(err.value)
    assert str(path) in message and repr(name) in message and "rename" in message


def test_reserved_names_cover_the_segment_table(fresh_project, transcripts):
    fresh_project.ingest([transcripts])
    columns = set(fresh_project.segments(interviewer=True).columns) - {"group", "role", "location"}
    assert columns <= RESERVED_ATTRIBUTES


def test_tables_and_exports_survive_attributes_stored_under_clashing_names(
    fresh_project: Project, transcripts, tmp_path
):
    fresh_project.ingest([transcripts])
    fresh_project.load_codebook(CODEBOOK)
    fresh_project.code_rules()
    # As an older qda (or another program) could have stored them: straight into the store.
    clashing = {n: f"v-{n}" for n in CLASHING + ["label"]}
    with fresh_project._store.transaction():
        fresh_project._store.upsert_participant("S01", label="Dawn", attributes=clashing)
    segs = fresh_project.segments()
    dawn = segs[segs["participant"] == "S01"].iloc[0]
    assert dawn["text"].startswith("Most weeks")  # the segment's own columns win
    assert dawn["attribute_question"] == "v-question"
    assert dawn["attribute_start"] == "v-start" and dawn["start"] == 95
    assert fresh_project.quotes().shape[1] == 6
    parts = fresh_project.participants().set_index("participant")
    assert parts.at["S01", "label"] == "Dawn" and parts.at["S01", "attribute_label"] == "v-label"
    assert parts.at["S01", "attribute_auto"] == "v-auto" and not parts.at["S01", "auto"]
    assert "v-question" in fresh_project.matrix(rows="attribute_question").iloc[:, 0].tolist()
    fresh_project.coding_sheet(tmp_path / "sheet.xlsx", coder="ana")
    reports.export_workbook(fresh_project, tmp_path / "db.xlsx")
    reports.export_quotes(fresh_project, tmp_path / "quotes.md")


def test_a_survey_column_named_like_a_table_column_is_kept_renamed_and_reported(tmp_path):
    path = tmp_path / "survey.csv"
    pd.DataFrame(
        {
            "Respondent": ["R1", "R2", "R3"],
            "Start": ["2024-05-01", "2024-05-02", "2024-05-03"],
            "Unit": ["North", "South", "North"],
            "What helps?": [
                "Time to ring a parent before the first appointment.",
                "A room at the children's centre for partners to come.",
                "Nothing much, to be honest with you here.",
            ],
        }
    ).to_csv(path, index=False)
    doc = read_document(path, options=ReadOptions())
    assert doc.respondents["R1"] == {"attribute_Start": "2024-05-01", "attribute_Unit": "North"}
    assert len(doc.warnings) == 2 and "'Start'" in doc.warnings[0]
    with Project.create(tmp_path / "p.qda") as project:
        report = project.ingest([path])
        assert any("'attribute_Unit'" in w for w in report.warnings)
        segs = project.segments()
        assert list(segs["attribute_Unit"]) == ["North", "South", "North"]
        assert segs["unit"].eq("response").all()


def test_an_attribute_named_like_a_code_id_is_renamed_so_the_code_column_stays_one(
    fresh_project: Project, transcripts, tmp_path
):
    fresh_project.ingest([transcripts])
    fresh_project.load_codebook(CODEBOOK)
    fresh_project.code_rules()
    code = fresh_project.codebook.ids[0]
    with fresh_project._store.transaction():
        fresh_project._store.upsert_participant("S01", label="Dawn", attributes={code: "an attribute value"})
    segments = reports.segments_with_codes(fresh_project)
    assert list(segments.columns).count(code) == 1
    assert set(segments[code]) <= {0, 1}  # the code's 0/1 column
    assert f"attribute_{code}" in segments.columns
    matrix = fresh_project.matrix()
    assert list(matrix.columns).count(code) == 1
    assert "an attribute value" in matrix[f"attribute_{code}"].tolist()
    reports.export_workbook(fresh_project, tmp_path / "db.xlsx")
    from python_calamine import CalamineWorkbook

    header = (
        CalamineWorkbook.from_path(str(tmp_path / "db.xlsx")).get_sheet_by_name("Segments").to_python()[0]
    )
    assert header.count(code) == 1 and f"{code} (2)" not in header
