"""The framework matrix and reading its summaries back."""

from __future__ import annotations

import pandas as pd
import pytest

from qda.analysis import framework_matrix, read_framework_summaries
from qda.analysis.framework import framework_column, parse_framework_column
from qda.errors import InputError
from tests.helpers.analysis_world import CB, CODINGS, PARTICIPANTS, SEGMENTS, TEXTS, codings


def _quote(segment_id):
    seg = SEGMENTS.set_index("segment_id").loc[segment_id]
    return TEXTS[seg["document_id"]][seg["start"] : seg["end"]]


def test_layout_quotes_in_document_order_and_summaries():
    summaries = pd.DataFrame({"participant_id": ["P1"], "code_id": ["challenges"], "summary": ["Too busy."]})
    fw = framework_matrix(SEGMENTS, CODINGS, CB, PARTICIPANTS, TEXTS, summaries=summaries)
    assert list(fw.columns) == [
        "participant",
        "label",
        "group",
        "benefits | quotes",
        "benefits | summary",
        "challenges | quotes",
        "challenges | summary",
        "other | quotes",
        "other | summary",
    ]
    fw = fw.set_index("participant")
    assert list(fw.index) == ["P1", "P2", "P3", "P4"]  # P4: nothing coded, still a row
    assert fw.loc["P1", "challenges | quotes"] == f"[a2] {_quote('a2')}\n\n[a3] {_quote('a3')}"
    assert fw.loc["P1", "benefits | quotes"] == f"[a1] {_quote('a1')}"  # two sub-codes: once
    assert fw.loc["P1", "challenges | summary"] == "Too busy."
    assert fw.loc["P2", "challenges | quotes"] == "" and fw.loc["P2", "benefits | summary"] == ""
    assert "i1" not in fw.loc["P1", "challenges | quotes"]  # interviewer turn


def test_span_codings_quote_only_the_coded_words():
    seg = SEGMENTS.set_index("segment_id").loc["c1"]
    start = int(seg["start"])
    spans = pd.DataFrame(
        [
            {"segment_id": "c1", "code_id": "b_users", "start": start, "end": start + 2},
            {"segment_id": "c1", "code_id": "b_staff", "start": start + 6, "end": start + 8},
            {"segment_id": "c1", "code_id": "c_time", "start": start + 1, "end": start + 5},
        ]
    )
    fw = framework_matrix(SEGMENTS, spans, CB, PARTICIPANTS, TEXTS, depth=None)
    fw = fw.set_index("participant")
    assert fw.loc["P3", "benefits | quotes"] == "[c1] t1 … t3"
    assert fw.loc["P3", "b_users | quotes"] == "[c1] t1"


def test_column_names_map_back():
    assert framework_column("benefits", "summary") == "benefits | summary"
    assert parse_framework_column("benefits | summary") == ("benefits", "summary")
    assert parse_framework_column(" a|b | Quotes ") == ("a|b", "quotes")
    assert parse_framework_column("group") is None
    assert parse_framework_column("x | notes") is None


def _filled() -> pd.DataFrame:
    fw = framework_matrix(SEGMENTS, CODINGS, CB, PARTICIPANTS, TEXTS)
    fw.loc[0, "benefits | summary"] = "  Values the help.  "
    fw.loc[2, "challenges | summary"] = "Short of time."
    return fw


EXPECTED = [("P1", "benefits", "Values the help."), ("P3", "challenges", "Short of time.")]


def _rows(df):
    return list(df.itertuples(index=False, name=None))


def test_read_back_from_xlsx_csv_and_frame(tmp_path):
    fw = _filled()
    xlsx = tmp_path / "db.xlsx"
    with pd.ExcelWriter(xlsx) as writer:
        pd.DataFrame({"a": [1]}).to_excel(writer, sheet_name="About", index=False)
        fw.to_excel(writer, sheet_name="Framework", index=False)
    csv = tmp_path / "fw.csv"
    fw.to_csv(csv, index=False)
    for source in (xlsx, csv, fw):
        got = read_framework_summaries(source, CB, PARTICIPANTS)
        assert list(got.columns) == ["participant_id", "code_id", "summary"]
        assert _rows(got) == EXPECTED


def test_title_rows_above_the_header_and_numeric_ids(tmp_path):
    fw = _filled()
    parts = PARTICIPANTS.assign(participant_id=["1", "2", "3", "4"])
    fw["participant"] = [1, 2, 3, 4]
    path = tmp_path / "db.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame([["Framework matrix"], [""]]).to_excel(
            writer, sheet_name="Framework", index=False, header=False
        )
        fw.to_excel(writer, sheet_name="Framework", index=False, startrow=3)
    got = read_framework_summaries(path, CB, parts)
    assert _rows(got) == [("1", "benefits", "Values the help."), ("3", "challenges", "Short of time.")]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda fw: fw.rename(columns={"participant": "who"}), r"fw\.csv: no 'participant' column"),
        (
            lambda fw: fw.rename(columns={"other | summary": "nope | summary"}),
            r"fw\.csv, column I \('nope \| summary'\): no code 'nope'",
        ),
        (
            lambda fw: fw.assign(participant=["P1", "P2", "P9", "P4"]),
            r"fw\.csv, row 4, column A: unknown participant 'P9'",
        ),
        (
            lambda fw: fw.assign(participant=["P1", "P2", "P1", "P4"]),
            r"fw\.csv, row 4: participant 'P1' again \(first on row 2\)",
        ),
        (
            lambda fw: fw.assign(participant=["P1", "P2", None, "P4"]),
            r"fw\.csv, row 4: a summary without a participant",
        ),
        (
            lambda fw: fw.drop(columns=[c for c in fw.columns if c.endswith("summary")]),
            r"no '<code id> \| summary' columns",
        ),
    ],
)
def test_errors_name_file_row_and_column(tmp_path, change, message):
    path = tmp_path / "fw.csv"
    change(_filled()).to_csv(path, index=False)
    with pytest.raises(InputError, match=message):
        read_framework_summaries(path, CB, PARTICIPANTS)


def test_file_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_framework_summaries(tmp_path / "none.xlsx", CB, PARTICIPANTS)
    other = tmp_path / "other.xlsx"
    pd.DataFrame({"a": [1]}).to_excel(other, sheet_name="Matrix", index=False)
    with pytest.raises(InputError, match="other.xlsx: no sheet 'Framework' \\(sheets: Matrix\\)"):
        read_framework_summaries(other, CB, PARTICIPANTS)
    text = tmp_path / "fw.txt"
    text.write_text("participant\n")
    with pytest.raises(InputError, match="from .xlsx or .csv"):
        read_framework_summaries(text, CB, PARTICIPANTS)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="broken.xlsx: cannot read it"):
        read_framework_summaries(broken, CB, PARTICIPANTS)


def test_row_numbers_in_an_xlsx(tmp_path):
    fw = _filled().assign(participant=["P1", "P2", "P3", "PX"])
    path = tmp_path / "db.xlsx"
    fw.to_excel(path, sheet_name="Framework", index=False)
    with pytest.raises(
        InputError,
        match=r"db\.xlsx, sheet Framework, row 5, column A: "
        r"unknown participant 'PX'",
    ):
        read_framework_summaries(path, CB, PARTICIPANTS)


def test_with_codings_helper_world():
    only = codings([("b1", "benefits")])
    fw = framework_matrix(SEGMENTS, only, CB, PARTICIPANTS, TEXTS, codes=["benefits"])
    assert fw.set_index("participant").loc["P2", "benefits | quotes"] == f"[b1] {_quote('b1')}"
