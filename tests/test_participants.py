"""The participants sheet (CSV and XLSX): who each speaker is, and errors that name the row."""

from __future__ import annotations

import csv
import os
import re
import unicodedata
from pathlib import Path

import openpyxl
import pytest

from qda.errors import InputError, ParticipantsError
from qda.ingest import ParticipantsSheet, read_participants


def _write_csv(path: Path, rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])


def _write_xlsx(path: Path, rows: list[list[object]]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, row in enumerate(rows, start=1):  # an empty row stays an empty row
        for c, value in enumerate(row, start=1):
            if value not in (None, ""):
                ws.cell(row=r, column=c, value=value)
    wb.save(path)


@pytest.fixture(params=["csv", "xlsx"])
def sheet_file(request, tmp_path):
    """sheet_file(rows) -> a participants sheet holding rows, in each format in turn."""

    def _make(rows: list[list[object]], stem: str = "participants") -> Path:
        path = tmp_path / f"{stem}.{request.param}"
        (_write_csv if request.param == "csv" else _write_xlsx)(path, rows)
        return path

    return _make


# ------------------------------------------------------------------------- precedence
PRECEDENCE_ROWS = [
    ["participant", "document", "speaker", "group"],
    ["S01", "int-a", "Dawn", "staff"],  # this speaker in this document
    ["F01", "int-a", "", "family"],  # the document's respondent
    ["S99", "", "Dawn", "staff"],  # this label in every other document
    ["S02", "fg", "Dr.  Okafor", "staff"],
]


@pytest.mark.parametrize(
    ("document", "speaker", "expected"),
    [
        ("int-a", "Dawn", "S01"),  # document+speaker beats both others
        ("int-a", "Tom", "F01"),  # document-only beats nothing
        ("int-a", None, "F01"),
        ("int-b", "Dawn", "S99"),  # speaker-only when the document has no row
        ("int-b", "Tom", None),
        ("int-b", None, None),
        ("int-a", "  dawn ", "S01"),  # case and spacing do not matter
        ("int-a", "DAWN", "S01"),
        ("fg", "dr. okafor", "S02"),
        ("fg", "Dr. Okafor", "S02"),
        ("fg", "Dawn", "S99"),
    ],
)
def test_lookup_precedence(sheet_file, document, speaker, expected):
    sheet = read_participants(sheet_file(PRECEDENCE_ROWS))
    assert sheet.lookup(document, speaker) == expected


@pytest.mark.parametrize(
    "document",
    ["Staff 01 (Kent).txt", "Staff 01 (Kent)", "staff-01-kent", "STAFF 01 (KENT).TXT", "Staff 01 (Kent).md"],
)
def test_document_may_be_named_by_file_name_stem_or_id(sheet_file, document):
    sheet = read_participants(sheet_file([["participant", "document", "speaker"], ["S01", document, "Dawn"]]))
    assert sheet.lookup("staff-01-kent", "Dawn") == "S01"
    assert sheet.lookup("staff-01-kent", "Tom") is None
    assert sheet.unknown_documents(["staff-01-kent"]) == []  # known


def test_a_speaker_in_decomposed_unicode_matches_the_sheet(sheet_file):
    sheet = read_participants(sheet_file([["participant", "speaker"], ["S01", "Siân"]]))
    assert sheet.lookup("any", unicodedata.normalize("NFD", "Siân")) == "S01"
    assert sheet.lookup("any", "SIÂN") == "S01"


# ---------------------------------------------------------------- headers, attributes
def test_headers_are_case_insensitive_and_attributes_lower_cased(sheet_file):
    sheet = read_participants(
        sheet_file(
            [
                ["Participant", " DOCUMENT ", "Speaker", "Label", "Group", "Age Group", "LOCATION"],
                ["S01", "int-a", "Dawn", "Dawn (RO)", "staff", "30-39", "Kent"],
                ["F01", "int-b", "", "", "family", "", ""],
            ]
        )
    )
    assert isinstance(sheet, ParticipantsSheet)
    assert sheet.attribute_names == ("group", "age_group", "location")
    assert sheet.lookup("int-a", "dawn") == "S01"
    assert sheet.participants() == {
        "S01": {
            "label": "Dawn (RO)",
            "attributes": {"group": "staff", "age_group": "30-39", "location": "Kent"},
        },
        "F01": {"label": "F01", "attributes": {"group": "family", "age_group": None, "location": None}},
    }


def test_rows_of_one_participant_merge_and_cells_are_trimmed(sheet_file):
    sheet = read_participants(
        sheet_file(
            [
                ["participant", "document", "speaker", "group", "role"],
                [" S01 ", "int-a", "Dawn", "staff", ""],
                ["S01", "fg", "Dawn", " staff ", "Responsible Officer"],
                ["S01", "int-a", "dawn", "", ""],  # the same mapping again is harmless
            ]
        )
    )
    assert sheet.participants() == {
        "S01": {"label": "S01", "attributes": {"group": "staff", "role": "Responsible Officer"}},
    }
    assert sheet.lookup("fg", "Dawn") == sheet.lookup("int-a", "Dawn") == "S01"


def test_row_numbers_are_spreadsheet_rows_and_blank_rows_are_skipped(sheet_file):
    sheet = read_participants(
        sheet_file(
            [
                ["participant", "group"],
                ["P1", "a"],
                [],
                ["", ""],
                ["P2", "b"],
            ]
        )
    )
    assert sheet.rows["participant"].tolist() == ["P1", "P2"]
    assert sheet.rows["__row__"].tolist() == [2, 5]


def test_xlsx_numbers_become_text(tmp_path):
    path = tmp_path / "p.xlsx"
    _write_xlsx(path, [["participant", "age", "cohort"], [101, 34, 2021]])
    sheet = read_participants(path)
    assert sheet.participants() == {"101": {"label": "101", "attributes": {"age": "34", "cohort": "2021"}}}


def test_csv_with_bom_and_leading_blank_lines(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(b"\xef\xbb\xbf\r\n\r\nParticipant,Group\r\nP1,staff\r\n\r\n,family\r\n")
    with pytest.raises(ParticipantsError, match=r"row 6: the participant cell is empty"):
        read_participants(path)
    path.write_bytes(b"\xef\xbb\xbf\n\nParticipant,Group\nP1,staff\n")
    assert read_participants(path).participants() == {"P1": {"label": "P1", "attributes": {"group": "staff"}}}


# ----------------------------------------------------------------------------- errors
ROW_ERRORS = [
    pytest.param(
        [["name", "group"], ["P1", "x"]],
        None,
        ["no 'participant' column", "name, group"],
        id="no-participant-column",
    ),
    pytest.param([["participant", "group"]], None, ["header but no participants"], id="header-only"),
    pytest.param(
        [["participant", "group"], ["P1", "a"], ["", "b"]],
        3,
        ["participant cell is empty"],
        id="empty-participant",
    ),
    pytest.param(
        [["participant", "group"], ["P1", "a"], [], ["", "b"]],
        4,
        ["participant cell is empty"],
        id="empty-participant-after-blank-row",
    ),
    pytest.param(
        [["participant", "document", "speaker"], ["P1", "a.txt", "Dawn"], ["P2", "A", " dawn "]],
        3,
        ["same document and speaker as row 2", "'P2'", "'P1'"],
        id="document-and-speaker-twice",
    ),
    pytest.param(
        [["participant", "document"], ["P1", "int-a"], ["P1", "int-b"], ["P2", "INT A.txt"]],
        4,
        ["as row 2"],
        id="document-only-twice",
    ),
    pytest.param(
        [["participant", "speaker"], ["P1", "Dawn"], ["P2", "DAWN"]], 3, ["as row 2"], id="speaker-only-twice"
    ),
    pytest.param(
        [["participant", "group"], ["P1", "staff"], ["P2", "family"], ["P1", "family"]],
        4,
        ["'P1'", "group", "'family'", "row 2", "'staff'"],
        id="conflicting-attribute",
    ),
    pytest.param(
        [["participant", "Group", "group"], ["P1", "a", "b"]],
        None,
        ["'group' appears twice"],
        id="duplicate-column",
    ),
]


@pytest.mark.parametrize(("rows", "row", "fragments"), ROW_ERRORS)
def test_sheet_errors_name_the_file_and_row(sheet_file, rows, row, fragments):
    path = sheet_file(rows)
    with pytest.raises(ParticipantsError) as info:
        read_participants(path)
    message = str(info.value)
    assert message.startswith(str(path))
    if row is not None:
        assert f"row {row}:" in message
    else:
        assert not re.search(r"row \d", message)
    for fragment in fragments:
        assert fragment in message


def test_unknown_documents_are_listed_with_their_rows_not_refused(sheet_file):
    path = sheet_file(
        [
            ["participant", "document", "speaker"],
            ["P1", "int-a.txt", ""],
            ["P2", "int-z.txt", "Ann"],
            ["P3", "int-z", "Bea"],
        ]
    )
    sheet = read_participants(path)
    assert sheet.unknown_documents(["int-a", "int-z"]) == []
    assert sheet.unknown_documents_warning(["int-a", "int-z"]) is None
    assert sheet.unknown_documents(["int-a", "int-b"]) == [(3, "int-z.txt"), (4, "int-z")]
    message = sheet.unknown_documents_warning([])
    assert message.startswith(str(path))
    assert "3 row(s) (row 2, 3, 4)" in message and "'int-z.txt'" in message


@pytest.fixture(
    params=[
        "missing",
        "wrong-extension",
        "empty-csv",
        "whitespace-csv",
        "empty-xlsx",
        "corrupt-xlsx",
        "not-utf8-csv",
        "folder",
    ]
)
def bad_file(request, tmp_path) -> tuple[Path, str]:
    """(path, a fragment the message must hold besides the file name)."""
    kind = request.param
    if kind == "missing":
        return tmp_path / "participants.csv", "no such participants sheet"
    if kind == "wrong-extension":
        (path := tmp_path / "participants.ods").write_bytes(b"participant\nP1\n")
        return path, ".csv or .xlsx, not .ods"
    if kind == "empty-csv":
        (path := tmp_path / "participants.csv").write_bytes(b"")
        return path, "is empty"
    if kind == "whitespace-csv":
        (path := tmp_path / "participants.csv").write_bytes(b"\n \r\n\t\n")
        return path, "is empty"
    if kind == "empty-xlsx":
        openpyxl.Workbook().save(path := tmp_path / "participants.xlsx")
        return path, "no 'participant' column"
    if kind == "corrupt-xlsx":
        (path := tmp_path / "participants.xlsx").write_bytes(os.urandom(2048))
        return path, "cannot be read"
    if kind == "not-utf8-csv":
        (path := tmp_path / "participants.csv").write_bytes(
            "participant,location\nP1,Montr\u00e9al\n".encode("cp1252")
        )
        return path, "UTF-8"
    if kind == "folder":
        (path := tmp_path / "participants.csv").mkdir()
        return path, "cannot be read"
    raise AssertionError(kind)


def test_bad_files_raise_participants_error_naming_the_file(bad_file):
    path, fragment = bad_file
    with pytest.raises(ParticipantsError) as info:
        read_participants(path)
    assert str(info.value).startswith(str(path))
    assert fragment in str(info.value)


def test_participants_error_is_an_input_error():
    assert issubclass(ParticipantsError, InputError)


def test_whitespace_lines_above_the_header_count_as_one_row_each(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("   \n\t\nparticipant,document\nP1,\n,doc-a\n", encoding="utf-8")
    with pytest.raises(ParticipantsError, match="row 5: the participant cell is empty"):
        read_participants(path)


def test_qda_participants_load_warns_about_documents_not_in_the_project(tmp_path, transcripts):
    from click.testing import CliRunner

    from qda.cli import cli

    runner = CliRunner()
    project = str(tmp_path / "p.qda")
    assert runner.invoke(cli, ["init", project]).exit_code == 0
    assert runner.invoke(cli, ["ingest", str(transcripts / "int-a.txt"), "--project", project]).exit_code == 0
    result = runner.invoke(
        cli, ["participants", "load", str(transcripts / "participants.csv"), "--project", project]
    )
    assert result.exit_code == 0, result.output
    assert "Warning: " in result.output and "not in the project ('int-b.txt', 'fg')" in result.output
    assert "UserWarning" not in result.output
