"""Subtitle timing lines that lost their ``-->``, impossible times and unreadable timing
lines are read with a warning naming the file, cue and line, not refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from qda.ingest import read_document

VTT = (
    "WEBVTT\n\n"
    "00:00:01.000 --> 00:00:04.000\n<v Interviewer>How did the meeting go?\n\n"
    "00:00:05.000{arrow}00:00:09.000\n<v Dawn>Better than I thought.\n\n"
    "00:00:10.000 --> 00:00:12.000\n<v Dawn>His mum came.\n"
)
SRT = (
    "1\n00:00:01,000 --> 00:00:04,000\nInterviewer: How did the meeting go?\n\n"
    "2\n00:00:05,000{arrow}00:00:09,000\nDawn: Better than I thought.\n\n"
    "3\n00:00:10,000 --> 00:00:12,000\nDawn: His mum came.\n"
)
ARROWS = [" -> ", " - -> ", " -- > ", " ", " - ", "->", " \u2014> ", " => "]


@pytest.mark.parametrize("kind, template, line", [("vtt", VTT, 6), ("srt", SRT, 6)])
@pytest.mark.parametrize("arrow", ARROWS)
def test_a_timing_line_without_its_arrow_is_read_with_a_warning(tmp_path, kind, template, line, arrow):
    path = tmp_path / f"meeting.{kind}"
    path.write_text(template.format(arrow=arrow), encoding="utf-8")
    doc = read_document(path)
    (message,) = doc.warnings
    assert str(path) in message and f"cue 2 (line {line}," in message and "-->" in message
    dawn = doc.turns[1]
    assert (dawn.speaker, dawn.begin_time, dawn.end_time) == ("Dawn", 5.0, 12.0)


FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"


def test_teams_voices_impossible_and_broken_times_are_read_with_warnings():
    doc = read_document(FIXTURES / "teams_lenient.vtt")
    assert [(t.speaker, t.begin_time, t.end_time) for t in doc.turns] == [
        ("Okafor, Chidi", 3.511, 60.0),
        ("Brennan, Aoife", 61.0, 64.9),
    ]
    assert doc.text.startswith("Okafor, Chidi: Okay, let's get started")
    cue2, cue3, cue4 = doc.warnings
    assert "cue 2 (line 8," in cue2 and "impossible time" in cue2 and "00:01:00.000" in cue2
    assert "cue 3 (line 12," in cue3 and "read as 00:01:01.000 --> 00:01:04.900" in cue3
    assert "cue 4 (line 16," in cue4 and "cannot be read" in cue4
    assert "The families came back the second week." in doc.text


@pytest.mark.parametrize("kind", ["vtt", "srt"])
def test_a_cue_ending_before_it_starts_ends_at_its_start(tmp_path, kind):
    path = tmp_path / f"m.{kind}"
    path.write_text(
        SRT.format(arrow=" --> ").replace("00:00:09,000", "00:00:02,000")
        if kind == "srt"
        else VTT.format(arrow=" --> ").replace("00:00:09.000", "00:00:02.000")
    )
    doc = read_document(path)
    assert "cue 2 (line 6," in doc.warnings[0] and "ends before it starts" in doc.warnings[0]
    assert doc.turns[1].begin_time == 5.0


@pytest.mark.parametrize("kind, template", [("vtt", VTT), ("srt", SRT)])
def test_good_timings_and_times_in_cue_text_still_read(tmp_path, kind, template):
    path = tmp_path / f"meeting.{kind}"
    text = template.format(arrow=" --> ").replace("His mum came.", "His mum came at 10:30.5 or so.")
    path.write_text(text, encoding="utf-8")
    doc = read_document(path)
    assert [t.speaker for t in doc.turns] == ["Interviewer", "Dawn"]
    assert doc.metadata["cues"] == 3
