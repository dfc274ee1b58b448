"""The cross-reference matrix: roll-up, rows, values, interviewer turns left out."""

from __future__ import annotations

import pandas as pd
import pytest

from qda.analysis import code_matrix, coded_segments, select_codings
from qda.codebook import Code, Codebook
from qda.errors import InputError

CB = Codebook(codes=(
    Code("benefits", "Benefits"),
    Code("b_staff", "To staff", parent="benefits"),
    Code("b_users", "To service users", parent="benefits"),
    Code("challenges", "Challenges"),
))
SEGMENTS = pd.DataFrame({
    "segment_id": ["a1", "a2", "a3", "b1", "b2", "i1"],
    "document_id": ["A", "A", "A", "B", "B", "A"],
    "participant_id": ["P1", "P1", "P1", "P2", "P2", None],
    "is_interviewer": [False, False, False, False, False, True],
    "start": [0, 10, 20, 0, 10, 30],
    "end": [5, 15, 25, 5, 15, 35],
})
PARTICIPANTS = pd.DataFrame({"participant_id": ["P1", "P2", "P3"], "label": ["P1", "P2", "P3"],
                             "auto": [False] * 3, "role": ["officer", "mother", "officer"]})


def _codings(rows):
    return pd.DataFrame(rows, columns=["segment_id", "code_id", "coder", "source", "status"])


CODINGS = _codings([
    ("a1", "b_staff", "ann", "human", "accepted"),
    ("a1", "b_users", "ann", "human", "accepted"),   # same segment, two sub-codes
    ("a1", "b_staff", "bob", "human", "accepted"),   # second coder, same pair
    ("a2", "challenges", "ann", "human", "accepted"),
    ("b1", "benefits", "ann", "human", "accepted"),
    ("i1", "challenges", "ann", "human", "accepted"),  # interviewer turn: never counted
])


def test_rollup_counts_each_segment_once_per_theme():
    m = code_matrix(SEGMENTS, CODINGS, CB, participants=PARTICIPANTS).set_index("participant")
    assert m.loc["P1", ["benefits", "b_staff", "b_users", "challenges"]].tolist() == [1, 1, 1, 1]
    assert m.loc["P2", ["benefits", "b_staff", "b_users", "challenges"]].tolist() == [1, 0, 0, 0]
    assert m.loc["P3", CB.ids].tolist() == [0, 0, 0, 0]          # nothing coded, still a row
    assert m.loc["P1", "role"] == "officer"                       # attributes come along


def test_values_presence_share_words():
    texts = {"A": "one two three four five six seven eight nine ten eleven twelve",
             "B": "alpha beta gamma delta epsilon zeta eta theta"}
    share = code_matrix(SEGMENTS, CODINGS, CB, participants=PARTICIPANTS,
                        value="share").set_index("participant")
    assert share.loc["P1", "benefits"] == pytest.approx(1 / 3, abs=1e-4)
    assert share.loc["P2", "benefits"] == pytest.approx(0.5)
    words = code_matrix(SEGMENTS, CODINGS, CB, participants=PARTICIPANTS, value="words",
                        texts=texts).set_index("participant")
    assert words.loc["P1", "benefits"] == len(texts["A"][0:5].split())
    presence = code_matrix(SEGMENTS, CODINGS, CB, participants=PARTICIPANTS, value="presence")
    assert set(presence[CB.ids].to_numpy().ravel()) <= {0, 1}


def test_rows_by_attribute_and_document():
    by_role = code_matrix(SEGMENTS, CODINGS, CB, participants=PARTICIPANTS, rows="role")
    assert by_role.set_index("role").loc["officer", "benefits"] == 1
    by_doc = code_matrix(SEGMENTS, CODINGS, CB, rows="document").set_index("document")
    assert by_doc.loc["A", "challenges"] == 1 and by_doc.loc["B", "benefits"] == 1


def test_matches_a_plain_pivot_table():
    """The matrix equals pandas' own count over the rolled-up pairs."""
    pairs = coded_segments(CODINGS, CB).merge(SEGMENTS[~SEGMENTS["is_interviewer"]],
                                              on="segment_id")
    expected = pairs.pivot_table(index="participant_id", columns="code_id",
                                 values="segment_id", aggfunc="nunique", fill_value=0)
    m = code_matrix(SEGMENTS, CODINGS, CB, participants=PARTICIPANTS).set_index("participant")
    for pid in expected.index:
        for code in expected.columns:
            assert m.loc[pid, code] == expected.loc[pid, code]


@pytest.mark.parametrize("kwargs, message", [
    ({"value": "median"}, "unknown matrix value"),
    ({"rows": "shoe_size"}, "cannot make rows"),
    ({"codes": ["nope"]}, "unknown code"),
    ({"value": "words"}, "needs the document texts"),
])
def test_bad_requests_are_clear(kwargs, message):
    with pytest.raises(InputError, match=message):
        code_matrix(SEGMENTS, CODINGS, CB, participants=PARTICIPANTS, **kwargs)


def test_selection_prefers_human_then_suggestions_never_rejected():
    mixed = _codings([("a1", "b_staff", "rules", "rules", "suggested"),
                      ("a2", "challenges", "ann", "human", "accepted"),
                      ("a3", "b_users", "rules", "rules", "rejected")])
    chosen = select_codings(mixed)
    assert chosen.basis == "human" and chosen.codings["coder"].tolist() == ["ann"]
    auto = select_codings(mixed[mixed["source"] == "rules"])
    assert auto.basis == "suggestions" and auto.codings["status"].tolist() == ["suggested"]
    assert "not yet reviewed" in auto.description
    filtered = select_codings(mixed, statuses=["rejected"])
    assert filtered.codings["segment_id"].tolist() == ["a3"]
