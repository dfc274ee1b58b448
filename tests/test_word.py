"""Word tables of turns: a speaker | text table is turns even when too short for
speakers to recur; a cover sheet stays header lines."""

from __future__ import annotations

import pytest

from qda.ingest import read_document
from tests.test_readers import make_docx


@pytest.mark.parametrize("table", [
    [["Interviewer", "How did the three-way meeting go?"], ["Dawn", "Better than I thought."]],
    [["00:01:02", "I", "How did it go?"], ["00:01:09", "Dawn", "Fine. His mum came"]],
])
def test_a_two_row_speaker_table_is_two_turns_not_part_of_the_previous_turn(tmp_path, table):
    path = make_docx(tmp_path / "a.docx", [[("Interviewer: Shall we start?", False)],
                                           [("Dawn: Yes, go on.", False)]], table=table)
    doc = read_document(path)
    said = [(t.speaker, doc.text[t.start:t.end]) for t in doc.turns]
    assert said[-2:] == [(table[0][-2], table[0][-1]), (table[1][-2], table[1][-1])]
    assert said[1] == ("Dawn", "Yes, go on.")


@pytest.mark.parametrize("cover", [
    [["Interview", "Telephone"], ["Date", "1 May 2024"]],
    [["Interviewer", "Jane Smith"], ["Location", "Kent"]],
])
def test_a_two_row_cover_sheet_is_still_not_turns(tmp_path, cover):
    path = make_docx(tmp_path / "a.docx", [[("Interviewer: Shall we start?", False)],
                                           [("Dawn: Yes, go on.", False)]], cover=cover)
    doc = read_document(path)
    assert doc.text.startswith("\t".join(cover[0]) + "\n" + "\t".join(cover[1]) + "\n")
    assert [t.speaker for t in doc.turns] == ["Interviewer", "Dawn"]
