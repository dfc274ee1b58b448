"""Segmentation: units, offsets (text[start:end] is the segment), stable ids, lemmas."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qda.errors import InputError
from qda.ingest.speakers import find_turns
from qda.segment import make_nlp, segment_document, segment_id

TEXT = (
    "[Header line]\n\n"
    "Interviewer: First question? Second part.\n\n"
    "Dawn: One sentence here. Another one follows!\n"
    "A second paragraph of Dawn's turn.\n\n"
    "Interviewer: Thanks.\n"
)


@pytest.mark.parametrize(
    "unit, expected",
    [
        (
            "turn",
            [
                "First question? Second part.",
                "One sentence here. Another one follows!\nA second paragraph of Dawn's turn.",
                "Thanks.",
            ],
        ),
        (
            "paragraph",
            [
                "First question? Second part.",
                "One sentence here. Another one follows!",
                "A second paragraph of Dawn's turn.",
                "Thanks.",
            ],
        ),
        (
            "sentence",
            [
                "First question?",
                "Second part.",
                "One sentence here.",
                "Another one follows!",
                "A second paragraph of Dawn's turn.",
                "Thanks.",
            ],
        ),
    ],
)
def test_units_cut_turns_as_expected(unit, expected):
    turns, _ = find_turns(TEXT)
    segs = segment_document(TEXT, turns, unit=unit, nlp=make_nlp())
    assert [TEXT[s.start : s.end] for s in segs] == expected
    assert [s.position for s in segs] == list(range(1, len(expected) + 1))
    assert {s.unit for s in segs} == {unit}
    speakers = [s.speaker for s in segs]
    assert speakers[0] == "Interviewer" and speakers[-1] == "Interviewer"
    assert all(s.is_interviewer == (s.speaker == "Interviewer") for s in segs)


def test_unknown_unit_is_refused():
    with pytest.raises(InputError, match="unknown segmentation unit"):
        segment_document(TEXT, [], unit="chapter")


def test_segment_ids_are_readable_and_stable():
    assert segment_id("kent-01", "turn", 7) == "kent-01#t007"
    assert segment_id("kent-01", "sentence", 1234) == "kent-01#s1234"


def test_lemmas_are_case_insensitive_and_cached():
    nlp = make_nlp()
    doc = nlp("Families visited. FAMILIES were visiting the Home Visits")
    assert [t.lemma_ for t in doc if t.is_alpha] == [
        "family",
        "visit",
        "family",
        "be",
        "visit",
        "the",
        "home",
        "visit",
    ]
    assert make_nlp() is nlp  # one pipeline per process


def test_missing_trained_pipeline_is_a_clear_error():
    with pytest.raises(InputError, match="not installed"):
        make_nlp("en_core_web_nonexistent")


_LABELS = st.sampled_from(["Interviewer", "Dawn", "P1", "Speaker 2", "Siân", "Q"])
_WORD = st.text(
    alphabet=st.characters(
        blacklist_categories=["Cs", "Cc", "Zl", "Zp"], blacklist_characters=":\n\r\x0b\x0c\x1c\x1d\x1e\x85"
    ),
    min_size=1,
    max_size=12,
)
_BODY = st.lists(_WORD, min_size=1, max_size=25).map(" ".join)
_NEWLINE = st.sampled_from(["\n", "\n\n", "\n \n"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    turns=st.lists(st.tuples(_LABELS, st.lists(_BODY, min_size=1, max_size=3)), min_size=1, max_size=8),
    unit=st.sampled_from(["turn", "paragraph", "sentence"]),
    sep=_NEWLINE,
)
def test_every_segment_is_its_own_text(turns, unit, sep):
    """The offset rule, whatever the text: text[start:end] is the segment, trimmed,
    inside one turn, in order, never overlapping, never empty."""
    text = sep.join(f"{label}: " + "\n".join(paras) for label, paras in turns)
    found, _ = find_turns(text)
    segs = segment_document(text, found, unit=unit, nlp=make_nlp())
    last_end = 0
    for seg in segs:
        piece = text[seg.start : seg.end]
        assert piece and piece == piece.strip()
        assert seg.start >= last_end
        last_end = seg.end
        owner = [t for t in found if t.start <= seg.start and seg.end <= t.end]
        assert len(owner) == 1 and owner[0].speaker == seg.speaker
    covered = "".join(text[s.start : s.end] for s in segs)
    assert "".join(covered.split()) == "".join("".join(text[t.start : t.end] for t in found).split())
