"""Participants sheet rows that match no speaker are named, with the closest label."""

from __future__ import annotations

import warnings

from qda.project import Project


def _transcripts(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "int-1.txt").write_text(
        "Interviewer: Hello?\nAna: Hi.\nInterviewer: More?\nAna: Yes.\n", encoding="utf-8"
    )
    (folder / "int-2.txt").write_text("Interviewer: Hello?\nBruno: Hi.\n", encoding="utf-8")
    return folder


def test_a_row_whose_speaker_is_not_in_its_document_is_named_with_the_closest(tmp_path):
    folder = _transcripts(tmp_path)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "participant,document,speaker,group\nP1,int-1,Anna,carer\nP2,int-2,Bruno,staff\nP3,,Zed,staff\n",
        encoding="utf-8",
    )
    with Project.create(tmp_path / "p.qda") as project:
        report = project.ingest([folder], participants=sheet)
        rows = [w for w in report.warnings if "matches no speaker" in w]
        assert len(rows) == 2
        assert "row 2: speaker 'Anna' matches no speaker in int-1; the closest label is 'Ana'" in rows[0]
        assert "row 4: speaker 'Zed' matches no speaker in any document; no label there is close" in rows[1]
        with warnings.catch_warnings(record=True) as noted:
            warnings.simplefilter("always")
            project.load_participants(sheet)
        assert sum("matches no speaker" in str(w.message) for w in noted) == 2


def test_rows_that_match_give_no_warning(tmp_path):
    folder = _transcripts(tmp_path)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("participant,document,speaker\nP1,int-1,ana\nP2,int-2.txt,BRUNO\n", encoding="utf-8")
    with Project.create(tmp_path / "p.qda") as project:
        report = project.ingest([folder], participants=sheet)
        assert not [w for w in report.warnings if "matches no speaker" in w]
