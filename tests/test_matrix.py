"""The cross-reference matrix: roll-up, rows, values, interviewer turns left out."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qda.analysis import code_matrix, coded_segments, select_codings
from qda.codebook import Code, Codebook
from qda.errors import InputError
from tests.helpers.analysis_world import CB as WCB
from tests.helpers.analysis_world import CODINGS as WCODINGS
from tests.helpers.analysis_world import PARTICIPANTS as WPART
from tests.helpers.analysis_world import SEGMENTS as WSEGS
from tests.helpers.analysis_world import TEXTS as WTEXTS
from tests.helpers.analysis_world import codings as make_codings

CB = Codebook(
    codes=(
        Code("benefits", "Benefits"),
        Code("b_staff", "To staff", parent="benefits"),
        Code("b_users", "To service users", parent="benefits"),
        Code("challenges", "Challenges"),
    )
)
SEGMENTS = pd.DataFrame(
    {
        "segment_id": ["a1", "a2", "a3", "b1", "b2", "i1"],
        "document_id": ["A", "A", "A", "B", "B", "A"],
        "participant_id": ["P1", "P1", "P1", "P2", "P2", None],
        "is_interviewer": [False, False, False, False, False, True],
        "start": [0, 10, 20, 0, 10, 30],
        "end": [5, 15, 25, 5, 15, 35],
    }
)
PARTICIPANTS = pd.DataFrame(
    {
        "participant_id": ["P1", "P2", "P3"],
        "label": ["P1", "P2", "P3"],
        "auto": [False] * 3,
        "role": ["officer", "mother", "officer"],
    }
)


def _codings(rows):
    return pd.DataFrame(rows, columns=["segment_id", "code_id", "coder", "source", "status"])


CODINGS = _codings(
    [
        ("a1", "b_staff", "ann", "human", "accepted"),
        ("a1", "b_users", "ann", "human", "accepted"),  # same segment, two sub-codes
        ("a1", "b_staff", "bob", "human", "accepted"),  # second coder, same pair
        ("a2", "challenges", "ann", "human", "accepted"),
        ("b1", "benefits", "ann", "human", "accepted"),
        ("i1", "challenges", "ann", "human", "accepted"),  # interviewer turn: never counted
    ]
)


def test_rollup_counts_each_segment_once_per_theme():
    m = code_matrix(SEGMENTS, CODINGS, CB, participants=PARTICIPANTS).set_index("participant")
    assert m.loc["P1", ["benefits", "b_staff", "b_users", "challenges"]].tolist() == [1, 1, 1, 1]
    assert m.loc["P2", ["benefits", "b_staff", "b_users", "challenges"]].tolist() == [1, 0, 0, 0]
    assert m.loc["P3", CB.ids].tolist() == [0, 0, 0, 0]  # nothing coded, still a row
    assert m.loc["P1", "role"] == "officer"  # attributes come along


def test_values_presence_share_words():
    texts = {
        "A": "one two three four five six seven eight nine ten eleven twelve",
        "B": "alpha beta gamma delta epsilon zeta eta theta",
    }
    share = code_matrix(SEGMENTS, CODINGS, CB, participants=PARTICIPANTS, value="share").set_index(
        "participant"
    )
    assert share.loc["P1", "benefits"] == pytest.approx(1 / 3, abs=1e-4)
    assert share.loc["P2", "benefits"] == pytest.approx(0.5)
    words = code_matrix(
        SEGMENTS, CODINGS, CB, participants=PARTICIPANTS, value="words", texts=texts
    ).set_index("participant")
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
    pairs = coded_segments(CODINGS, CB).merge(SEGMENTS[~SEGMENTS["is_interviewer"]], on="segment_id")
    expected = pairs.pivot_table(
        index="participant_id", columns="code_id", values="segment_id", aggfunc="nunique", fill_value=0
    )
    m = code_matrix(SEGMENTS, CODINGS, CB, participants=PARTICIPANTS).set_index("participant")
    for pid in expected.index:
        for code in expected.columns:
            assert m.loc[pid, code] == expected.loc[pid, code]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"value": "median"}, "unknown matrix value"),
        ({"rows": "shoe_size"}, "cannot make rows"),
        ({"codes": ["nope"]}, "unknown code"),
        ({"value": "words"}, "needs the document texts"),
    ],
)
def test_bad_requests_are_clear(kwargs, message):
    with pytest.raises(InputError, match=message):
        code_matrix(SEGMENTS, CODINGS, CB, participants=PARTICIPANTS, **kwargs)


def test_selection_prefers_human_then_suggestions_never_rejected():
    mixed = _codings(
        [
            ("a1", "b_staff", "rules", "rules", "suggested"),
            ("a2", "challenges", "ann", "human", "accepted"),
            ("a3", "b_users", "rules", "rules", "rejected"),
        ]
    )
    chosen = select_codings(mixed)
    assert chosen.basis == "human" and chosen.codings["coder"].tolist() == ["ann"]
    auto = select_codings(mixed[mixed["source"] == "rules"])
    assert auto.basis == "suggestions" and auto.codings["status"].tolist() == ["suggested"]
    assert "not yet reviewed" in auto.description
    filtered = select_codings(mixed, statuses=["rejected"])
    assert filtered.codings["segment_id"].tolist() == ["a3"]


# ---------------------------------------------------------------- depth and totals


def _world(value="count", **kw):
    m = code_matrix(
        WSEGS, WCODINGS, WCB, participants=WPART, value=value, texts=WTEXTS, depth=1, totals=True, **kw
    )
    return m.set_index(m.columns[0])


def test_depth_one_shows_themes_with_children_rolled_up():
    m = code_matrix(WSEGS, WCODINGS, WCB, participants=WPART, depth=1)
    assert [c for c in m.columns if c in WCB] == ["benefits", "challenges", "other"]
    m = m.set_index("participant")
    assert m.loc["P1", ["benefits", "challenges"]].tolist() == [1, 2]
    every = code_matrix(WSEGS, WCODINGS, WCB, participants=WPART, depth=None)
    assert [c for c in every.columns if c in WCB] == WCB.ids
    two = code_matrix(WSEGS, WCODINGS, WCB, participants=WPART, depth=2)
    assert [c for c in two.columns if c in WCB] == WCB.ids  # the tree is two deep


def test_codes_list_wins_over_depth_and_keeps_its_order():
    m = code_matrix(WSEGS, WCODINGS, WCB, participants=WPART, depth=1, codes=["c_time", "benefits"])
    assert [c for c in m.columns if c in WCB] == ["c_time", "benefits"]


@pytest.mark.parametrize("depth", [0, -1, 1.5, "2", True])
def test_bad_depth_is_an_input_error(depth):
    with pytest.raises(InputError, match="depth"):
        code_matrix(WSEGS, WCODINGS, WCB, participants=WPART, depth=depth)


def test_count_totals_count_distinct_segments():
    m = _world("count")
    cols = ["benefits", "challenges", "other", "Total"]
    assert m.loc["P1", cols].tolist() == [1, 2, 0, 3]
    assert m.loc["P3", cols].tolist() == [1, 1, 0, 1]  # c1 at both themes: one segment
    assert m.loc["P4", cols].tolist() == [0, 0, 0, 0]
    assert m.loc["Total", cols].tolist() == [3, 3, 0, 5]
    assert m.index[-1] == "Total" and m.loc["Total", "label"] != m.loc["Total", "label"]


def test_presence_totals_count_columns_and_rows():
    m = _world("presence")
    cols = ["benefits", "challenges", "other", "Total"]
    assert m.loc["P1", cols].tolist() == [1, 1, 0, 2]
    assert m.loc["P2", cols].tolist() == [1, 0, 0, 1]
    assert m.loc["Total", cols].tolist() == [3, 2, 0, 3]  # rows present; rows with any


def test_share_totals_are_distinct_segments_over_segments():
    m = _world("share")
    cols = ["benefits", "challenges", "Total"]
    assert m.loc["P1", cols].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0], abs=1e-4)
    assert m.loc["P2", cols].tolist() == pytest.approx([0.5, 0.0, 0.5])
    assert m.loc["P3", cols].tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert m.loc["Total", cols].tolist() == pytest.approx([3 / 7, 3 / 7, 5 / 7], abs=1e-4)


def test_words_totals_count_each_segment_once():
    m = _world("words")
    cols = ["benefits", "challenges", "Total"]
    assert m.loc["P1", cols].tolist() == [2, 7, 9]
    assert m.loc["P3", cols].tolist() == [6, 6, 6]
    assert m.loc["Total", cols].tolist() == [13, 13, 20]


def test_totals_on_attribute_rows_with_missing_values_as_none():
    m = code_matrix(WSEGS, WCODINGS, WCB, participants=WPART, rows="group", depth=1, totals=True).set_index(
        "group"
    )
    assert m.loc["staff", ["benefits", "challenges", "Total"]].tolist() == [2, 3, 4]
    assert m.loc["(none)", "Total"] == 0
    assert m.loc["Total", ["benefits", "challenges", "Total"]].tolist() == [3, 3, 5]


# ------------------------------------------------ totals against a brute-force count

_LIVE = [s for s, i in zip(WSEGS["segment_id"], WSEGS["is_interviewer"]) if not i]
_OWNER = dict(zip(WSEGS["segment_id"], WSEGS["participant_id"]))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(list(WSEGS["segment_id"])), st.sampled_from(WCB.ids)), max_size=25),
    st.sampled_from([1, None]),
)
def test_totals_equal_a_brute_force_count(pairs, depth):
    coded = make_codings(pairs) if pairs else WCODINGS.iloc[:0]
    m = code_matrix(WSEGS, coded, WCB, participants=WPART, depth=depth, totals=True).set_index("participant")
    columns = [c for c in m.columns if c in WCB]

    def hit(segment, column):
        return any(c == column or column in WCB.ancestors(c) for s, c in pairs if s == segment)

    for pid in ["P1", "P2", "P3", "P4"]:
        mine = [s for s in _LIVE if _OWNER[s] == pid]
        assert m.loc[pid, "Total"] == sum(any(hit(s, c) for c in columns) for s in mine)
    for c in columns:
        assert m.loc["Total", c] == sum(hit(s, c) for s in _LIVE)
    assert m.loc["Total", "Total"] == sum(any(hit(s, c) for c in columns) for s in _LIVE)
