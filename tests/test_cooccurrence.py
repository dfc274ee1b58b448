"""Co-occurrence within segments and the c-coefficient, worked out by hand."""

from __future__ import annotations

import math

import pytest

from qda.analysis import cooccurrence
from tests.helpers.analysis_world import CB, CODINGS, SEGMENTS


def test_themes_counts_and_coefficient():
    co = cooccurrence(CODINGS, CB, segments=SEGMENTS)  # depth 1: the themes
    assert list(co.counts.index) == ["benefits", "challenges", "other"]
    assert co.counts.loc["benefits", "benefits"] == 3  # a1, b1, c1
    assert co.counts.loc["challenges", "challenges"] == 3  # a2, a3, c1 (not i1)
    assert co.counts.loc["benefits", "challenges"] == 1  # c1
    assert (co.counts.to_numpy() == co.counts.to_numpy().T).all()
    assert co.c_coefficient.loc["benefits", "challenges"] == pytest.approx(1 / (3 + 3 - 1))
    assert co.c_coefficient.loc["benefits", "benefits"] == 1.0
    assert math.isnan(co.c_coefficient.loc["other", "other"])  # never used
    assert co.c_coefficient.loc["other", "benefits"] == 0.0


def test_interviewer_turns_only_left_out_with_the_segment_table():
    with_i1 = cooccurrence(CODINGS, CB)
    assert with_i1.counts.loc["challenges", "challenges"] == 4


def test_every_code_and_pairs():
    co = cooccurrence(CODINGS, CB, depth=None, segments=SEGMENTS)
    assert co.counts.loc["b_staff", "b_users"] == 1  # a1
    assert co.c_coefficient.loc["b_staff", "b_users"] == pytest.approx(1 / (1 + 2 - 1))
    assert co.c_coefficient.loc["b_users", "c_time"] == pytest.approx(1 / 3)
    assert co.counts.loc["b_users", "benefits"] == 2  # a sub-theme with its theme
    pairs = co.pairs()
    top = pairs.iloc[0]
    assert (top["code_a"], top["code_b"], top["n_ab"]) == ("benefits", "b_users", 2)
    assert set(pairs.columns) == {"code_a", "code_b", "n_a", "n_b", "n_ab", "c_coefficient"}
    flat = co.to_frame(value="c_coefficient")
    assert list(flat.columns[:2]) == ["code_id", "code"] and flat.loc[0, "code"] == "Benefits"


def test_no_codings():
    co = cooccurrence(CODINGS.iloc[:0], CB)
    assert co.counts.to_numpy().sum() == 0
    assert co.c_coefficient.isna().all().all()
    assert co.pairs().empty
