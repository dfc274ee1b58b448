"""The rules coder: keywords on lemmas, patterns, evidence offsets, suggestions only."""

from __future__ import annotations

import pandas as pd
import pytest

from qda.codebook import Code, Codebook
from qda.coding import RulesCoder, code_with_rules
from tests.helpers.segments import segments_from as _segments

CB = Codebook(
    name="t",
    version="2",
    codes=(
        Code("co_location", "Co-location"),
        Code("home_visits", "Home visits", parent="co_location", keywords=("home visit",)),
        Code(
            "venues",
            "Venues",
            parent="co_location",
            keywords=("children's centre", "drop-in", "community hub"),
        ),
        Code(
            "boundaries",
            "Boundaries",
            keywords=("confidential", "social worker"),
            patterns=([{"LOWER": "not"}, {"LOWER": "a"}, {"LEMMA": "counsellor"}],),
        ),
    ),
)


def test_keywords_match_on_lowercased_lemmas_and_keep_evidence():
    segs, texts = _segments(
        [
            "Home Visits tell you a lot.",
            "We met at the Children's Centre and the drop-in.",
            "Nothing to see here.",
            "I'm not a counsellor, and it's all CONFIDENTIAL.",
        ]
    )
    out = code_with_rules(segs, texts, CB)
    assert list(zip(out["segment_id"], out["code_id"])) == [
        ("s0", "home_visits"),
        ("s1", "venues"),
        ("s3", "boundaries"),
    ]
    for rec in out.to_dict("records"):
        for ev in rec["evidence"]:
            assert texts["d"][ev["start"] : ev["end"]] == ev["text"]
    venues = out.loc[out["code_id"] == "venues", "evidence"].iloc[0]
    assert [e["term"] for e in venues] == ["children's centre", "drop-in"]
    assert [e["text"] for e in venues] == ["Children's Centre", "drop-in"]
    bounds = out.loc[out["code_id"] == "boundaries", "evidence"].iloc[0]
    assert [e["term"] for e in bounds] == ["pattern 1", "confidential"]
    assert [e["kind"] for e in bounds] == ["pattern", "keyword"]
    assert bounds[0]["text"] == "not a counsellor"


def test_no_keywords_anywhere_codes_nothing():
    cb = Codebook(codes=(Code("a", "A"),))
    segs, texts = _segments(["home visit"])
    assert code_with_rules(segs, texts, cb).empty


def test_empty_segments_give_an_empty_typed_frame():
    out = RulesCoder(CB).code(pd.DataFrame(columns=["segment_id", "document_id", "start", "end"]), {})
    assert out.empty and list(out.columns) == [
        "segment_id",
        "document_id",
        "start",
        "end",
        "code_id",
        "evidence",
    ]


@pytest.mark.parametrize("text", ["home", "visit", "a home and a visit"])
def test_phrases_need_all_their_words_in_order(text):
    segs, texts = _segments([text])
    assert code_with_rules(segs, texts, CB).empty


def test_lemma_false_friends_do_not_match():
    """The lookup table sends "evening" to "even"; the adverb must not match it."""
    cb = Codebook(codes=(Code("times", "Times", keywords=("evening", "school hour")),))
    segs, texts = _segments(["It was even worse.", "Evening slots help.", "Outside school hours."])
    out = code_with_rules(segs, texts, cb)
    assert out["segment_id"].tolist() == ["s1", "s2"]
    assert [e["text"] for e in out["evidence"].iloc[0]] == ["Evening"]


# ------------------------------------------------------------------ exclude keywords
EXCL = Codebook(
    name="t",
    version="1",
    codes=(
        Code(
            "home_visits",
            "Home visits",
            keywords=("home visit", "doorstep"),
            exclude_keywords=("prison visit", "hospital"),
        ),
        Code("venues", "Venues", keywords=("home visit",)),
    ),
)


def test_an_exclude_keyword_stops_that_codes_suggestion_only():
    segs, texts = _segments(
        [
            "Home visits tell you a lot.",
            "Home visits are not like prison visits.",  # inflected: matched on lemmas
            "She was in Hospital so the home visit was off.",  # capitalised
            "He met me on the doorstep.",
        ]
    )
    out = code_with_rules(segs, texts, EXCL)
    assert list(zip(out["segment_id"], out["code_id"])) == [
        ("s0", "home_visits"),
        ("s0", "venues"),
        ("s1", "venues"),  # the same keyword of another code still counts
        ("s2", "venues"),
        ("s3", "home_visits"),
    ]


def test_exclude_keywords_alone_suggest_nothing():
    segs, texts = _segments(["A prison visit and a hospital."])
    assert code_with_rules(segs, texts, EXCL).empty


def test_exclude_keywords_keep_the_base_form_rule():
    """An exclude keyword written in an inflected form does not fire on a false friend."""
    cb = Codebook(
        name="t",
        version="1",
        codes=(Code("times", "Times", keywords=("appointment",), exclude_keywords=("evening",)),),
    )
    segs, texts = _segments(["Even the appointment was late.", "An evening appointment."])
    out = code_with_rules(segs, texts, cb)
    assert list(out["segment_id"]) == ["s0"]
