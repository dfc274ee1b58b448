"""Label styles other tools write (fixtures in tests/fixtures/transcripts/, invented but
laid out as those tools lay them out): read without flags, one turn per run of one
speaker (or per utterance with ``utterances=True``), times kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from qda.ingest import ReadOptions, read_document

FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"


def turns_of(doc):
    return [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns]


def speakers(doc):
    return [t.speaker for t in doc.turns]


@pytest.mark.parametrize(
    ("name", "runs", "utterances"),
    [
        ("whisperx.txt", ["SPEAKER_00", "SPEAKER_01", "UNKNOWN", "SPEAKER_00", "SPEAKER_01"], 7),
        ("whisperx.srt", ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00"], 5),
        ("whisperx.vtt", ["SPEAKER_00", "SPEAKER_01"], 3),
        ("bracketed.txt", ["Interviewer", "P3"] * 3, 6),
        ("bracketed_ids.txt", ["id1", "id2", "id1", "id3", "id2"], 5),
        ("otter.txt", ["Unknown Speaker", "Priya Shah"] * 2 + ["Unknown Speaker"], 5),
        (
            "stray_space.txt",
            ["Interviewer2", "Participant"] * 2 + ["Interviewer2 2", "Participant", "Interviewer2"],
            7,
        ),
    ],
)
def test_label_styles_read_without_flags(name, runs, utterances):
    doc = read_document(FIXTURES / name)
    assert doc.labelled
    assert speakers(doc) == runs
    assert len(read_document(FIXTURES / name, ReadOptions(utterances=True)).turns) == utterances
    for t in doc.turns:  # never a label, bracket or time inside a turn's words
        words = doc.text[t.start : t.end]
        assert words == words.strip() and not words.startswith(("[", "-", ":"))


def test_whisperx_runs_span_their_times_and_keep_no_label():
    doc = read_document(FIXTURES / "whisperx.txt")
    first, second = doc.turns[:2]
    assert (first.begin_time, first.end_time) == (0.031, 6.835)
    assert (second.begin_time, second.end_time) == (7.235, 16.118)
    assert doc.text[first.start : first.end] == (
        "Okay, so we're recording now. Thanks for making the time.\n"
        "Could you start by telling me how the referral came about?"
    )
    assert doc.text.startswith("[0:00:00.031000 - 0:00:03.655000] SPEAKER_00 - Okay")
    apart = read_document(FIXTURES / "whisperx.txt", ReadOptions(utterances=True))
    assert apart.text == (FIXTURES / "whisperx.txt").read_text()
    assert (apart.turns[4].speaker, apart.turns[4].begin_time, apart.turns[4].end_time) == (
        "UNKNOWN",
        16.4,
        17.09,
    )


def test_subtitle_cues_with_bracketed_labels_merge_and_can_stay_apart():
    doc = read_document(FIXTURES / "whisperx.srt")
    assert turns_of(doc)[1] == (
        "SPEAKER_01",
        "It was the health visitor who mentioned it. I didn't know the service existed.",
    )
    assert (doc.turns[1].begin_time, doc.turns[1].end_time) == (7.235, 16.118)
    apart = read_document(FIXTURES / "whisperx.srt", ReadOptions(utterances=True))
    assert speakers(apart) == ["SPEAKER_00", "SPEAKER_00", "SPEAKER_01", "SPEAKER_01", "SPEAKER_00"]


def test_bracketed_labels_leave_stage_directions_in_the_words():
    doc = read_document(FIXTURES / "bracketed.txt")
    assert turns_of(doc)[1] == (
        "P3",
        "I'm a staff nurse, mostly nights, for about six years "
        "now.\n[laughs] Long enough to have seen three managers "
        "come and go.",
    )
    assert doc.turns[0].is_interviewer and not doc.turns[1].is_interviewer


def test_stage_directions_alone_are_not_labels(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text(
        "[laughs] That was the week it snowed.\n[pause] We never went back.\n"
        "[laughs] Not once.\n[pause] Anyway.\n"
    )
    doc = read_document(path)
    assert not doc.labelled
    assert "no speaker labels recognised" in doc.warnings[0]


def test_otter_unknown_speaker_is_a_speaker_and_the_trailer_is_not_speech():
    doc = read_document(FIXTURES / "otter.txt")
    assert turns_of(doc)[-1] == ("Unknown Speaker", "That is lovely to hear.")
    assert all("otter.ai" not in doc.text[t.start : t.end] for t in doc.turns)


def test_stray_space_label_and_near_copy_warning():
    doc = read_document(FIXTURES / "stray_space.txt")
    assert speakers(doc) == [
        "Interviewer2",
        "Participant",
        "Interviewer2",
        "Participant",
        "Interviewer2 2",
        "Participant",
        "Interviewer2",
    ]
    assert turns_of(doc)[1] == ("Participant", "Sure. It was busy, mostly hospital appointments.")
    assert len(doc.warnings) == 1
    assert "'Interviewer2 2' is used once and looks like 'Interviewer2'" in doc.warnings[0]


@pytest.mark.parametrize("labels", [["Speaker 1", "Speaker 2", "Speaker 12"], ["P1", "P2", "P3"]])
def test_numbered_speakers_are_not_near_copies(tmp_path, labels):
    lines = [f"Interviewer: Question {i}?\n{label}: Answer.\n" for i, label in enumerate(labels)]
    path = tmp_path / "group.txt"
    path.write_text("".join(lines) + f"Interviewer: More?\n{labels[0]}: Yes.\n")
    assert read_document(path).warnings == []


def test_no_labels_warning_suggests_a_pattern_close_to_the_first_lines(tmp_path):
    path = tmp_path / "house.txt"
    path.write_text("DAWN > Most weeks I ring his mum.\nJB > Why?\nDAWN > Habit, mostly.\n")
    doc = read_document(path)
    (warning,) = doc.warnings
    assert "read as one author's text; if it has speaker labels, give --speaker-pattern" in warning
    assert "'DAWN > Most weeks I ring his mum.'" in warning
    pattern = warning.split("--speaker-pattern '")[-1].split("' for lines")[0]
    again = read_document(path, ReadOptions(speaker_pattern=pattern))
    assert speakers(again) == ["DAWN", "JB", "DAWN"]


def test_the_readme_speaker_pattern_examples_read_their_lines():
    """Each row of README's --speaker-pattern table reads the line it shows."""
    import re

    from qda.ingest.speakers import find_turns

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([^`]+)`[^|]*\| `'([^|]+)'` \|$", readme, re.MULTILINE)
    assert len(rows) == 5
    for line, pattern in rows:
        turns, _ = find_turns(line.split(" / ")[0] + "\n", speaker_pattern=pattern)
        assert len(turns) == 1 and turns[0].speaker and line[turns[0].start :].strip(), line
