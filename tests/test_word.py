"""Word tables of turns: a speaker | text table is turns even when too short for
speakers to recur; a cover sheet stays header lines."""

from __future__ import annotations

import pytest

from qda.ingest import read_document
from tests.helpers.readers import make_docx


@pytest.mark.parametrize(
    "table",
    [
        [["Interviewer", "How did the three-way meeting go?"], ["Dawn", "Better than I thought."]],
        [["00:01:02", "I", "How did it go?"], ["00:01:09", "Dawn", "Fine. His mum came"]],
    ],
)
def test_a_two_row_speaker_table_is_two_turns_not_part_of_the_previous_turn(tmp_path, table):
    path = make_docx(
        tmp_path / "a.docx",
        [[("Interviewer: Shall we start?", False)], [("Dawn: Yes, go on.", False)]],
        table=table,
    )
    doc = read_document(path)
    said = [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns]
    assert said[-2:] == [(table[0][-2], table[0][-1]), (table[1][-2], table[1][-1])]
    assert said[1] == ("Dawn", "Yes, go on.")


@pytest.mark.parametrize(
    "cover",
    [
        [["Interview", "Telephone"], ["Date", "1 May 2024"]],
        [["Interviewer", "Jane Smith"], ["Location", "Kent"]],
    ],
)
def test_a_two_row_cover_sheet_is_still_not_turns(tmp_path, cover):
    path = make_docx(
        tmp_path / "a.docx",
        [[("Interviewer: Shall we start?", False)], [("Dawn: Yes, go on.", False)]],
        cover=cover,
    )
    doc = read_document(path)
    assert doc.text.startswith("\t".join(cover[0]) + "\n" + "\t".join(cover[1]) + "\n")
    assert [t.speaker for t in doc.turns] == ["Interviewer", "Dawn"]


# ------------------------------------------------------- a row holding a whole part
def _part_table(path, parts, header=None):
    """A two-column Word table, one row per part: names cell | words cell, paragraph by
    paragraph ('' is an empty spacing paragraph)."""
    import docx as _docx

    document = _docx.Document()
    document.add_paragraph("Interview 7 (telephone)")
    table = document.add_table(rows=len(parts) + bool(header), cols=2)
    rows = list(table.rows)
    if header:
        rows[0].cells[0].text, rows[0].cells[1].text = header
        rows = rows[1:]
    for row, (names, words) in zip(rows, parts):
        for cell, paragraphs in zip(row.cells, (names, words)):
            cell.paragraphs[0].text = paragraphs[0]
            for text in paragraphs[1:]:
                cell.add_paragraph(text)
    document.save(path)
    return path


PARTS = [
    (
        ["Interviewer", "", "Participant 4", "", "Interviewer"],
        [
            "So how long have you been caring for your dad?",
            "",
            "Nearly three years now, since his fall.",
            "",
            "And who else helps?",
        ],
    ),
    (
        ["Participant 4", "", "", "Interviewer", "", "Participant 4"],
        [
            "My brother, on Sundays.",
            "",
            "Not much else, if I'm honest.",
            "Does that feel enough?",
            "",
            "Some weeks. Not in winter.",
        ],
    ),
]


def test_a_row_holding_a_whole_part_is_read_paragraph_by_paragraph(tmp_path):
    from qda.ingest import read_document

    doc = read_document(_part_table(tmp_path / "part.docx", PARTS, header=("Speaker", "Text")))
    assert [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns] == [
        ("Interviewer", "So how long have you been caring for your dad?"),
        ("Participant 4", "Nearly three years now, since his fall."),
        ("Interviewer", "And who else helps?"),
        ("Participant 4", "My brother, on Sundays.\nNot much else, if I'm honest."),
        ("Interviewer", "Does that feel enough?"),
        ("Participant 4", "Some weeks. Not in winter."),
    ]
    assert doc.metadata["header"] == "Interview 7 (telephone)"


def test_a_part_table_without_header_and_names_with_colons(tmp_path):
    from qda.ingest import read_document

    parts = [
        (["I:", "R:", "I:"], ["Ready?", "Yes, go on.", "First question then."]),
        (["R:", "I:"], ["Fine.", "Thanks."]),
    ]
    doc = read_document(_part_table(tmp_path / "part.docx", parts))
    assert [t.speaker for t in doc.turns] == ["I", "R", "I", "R", "I"]
    assert all(":" not in doc.text[t.start : t.end] for t in doc.turns)
