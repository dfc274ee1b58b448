"""Subtitle timing lines that lost their ``-->`` are refused, naming the file and line."""

from __future__ import annotations

import pytest

from qda.errors import InputError
from qda.ingest import read_document

VTT = ("WEBVTT\n\n"
       "00:00:01.000 --> 00:00:04.000\n<v Interviewer>How did the meeting go?\n\n"
       "00:00:05.000{arrow}00:00:09.000\n<v Dawn>Better than I thought.\n\n"
       "00:00:10.000 --> 00:00:12.000\n<v Dawn>His mum came.\n")
SRT = ("1\n00:00:01,000 --> 00:00:04,000\nInterviewer: How did the meeting go?\n\n"
       "2\n00:00:05,000{arrow}00:00:09,000\nDawn: Better than I thought.\n\n"
       "3\n00:00:10,000 --> 00:00:12,000\nDawn: His mum came.\n")
ARROWS = [" -> ", " - -> ", " -- > ", " ", " - ", "->", " \u2014> ", " => "]


@pytest.mark.parametrize("kind, template, line", [("vtt", VTT, 6), ("srt", SRT, 6)])
@pytest.mark.parametrize("arrow", ARROWS)
def test_a_timing_line_without_its_arrow_is_refused(tmp_path, kind, template, line, arrow):
    path = tmp_path / f"meeting.{kind}"
    path.write_text(template.format(arrow=arrow), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_document(path)
    message = str(err.value)
    assert str(path) in message and f"line {line}:" in message and "-->" in message


@pytest.mark.parametrize("kind, template", [("vtt", VTT), ("srt", SRT)])
def test_good_timings_and_times_in_cue_text_still_read(tmp_path, kind, template):
    path = tmp_path / f"meeting.{kind}"
    text = template.format(arrow=" --> ").replace("His mum came.",
                                                  "His mum came at 10:30.5 or so.")
    path.write_text(text, encoding="utf-8")
    doc = read_document(path)
    assert [t.speaker for t in doc.turns] == ["Interviewer", "Dawn"]
    assert doc.metadata["cues"] == 3
