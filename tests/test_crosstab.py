"""Crosstabs of codes by a participant attribute, worked out by hand on the small world."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from qda.analysis import crosstab
from qda.errors import InputError
from tests.helpers.analysis_world import CB, CODINGS, PARTICIPANTS, SEGMENTS


def test_participants_counted_once_per_theme():
    ct = crosstab(SEGMENTS, CODINGS, CB, PARTICIPANTS, "group", unit="participants")
    assert list(ct.counts.columns) == ["code", "family", "staff", "(none)", "Total"]
    assert list(ct.counts.index) == ["benefits", "challenges", "other"]
    assert ct.counts.loc["benefits", "code"] == "Benefits"
    assert ct.base.to_dict() == {"family": 1, "staff": 2, "(none)": 1, "Total": 4}
    # P1 has three coded segments, two of them at challenges: still one participant.
    assert ct.counts.loc["challenges", ["family", "staff", "(none)", "Total"]].tolist() == [0, 2, 0, 2]
    assert ct.counts.loc["benefits", ["family", "staff", "(none)", "Total"]].tolist() == [1, 2, 0, 3]
    assert ct.column_percent.loc[
        "benefits", ["family", "staff", "(none)", "Total"]
    ].tolist() == pytest.approx([100.0, 100.0, 0.0, 75.0])
    assert ct.row_percent.loc["benefits", ["family", "staff", "(none)", "Total"]].tolist() == pytest.approx(
        [100 / 3, 200 / 3, 0.0, 100.0]
    )
    assert math.isnan(ct.row_percent.loc["other", "staff"])  # nobody: no share to split
    assert "counted once" in ct.note and "group" in ct.note
    assert ct.groups == ["family", "staff", "(none)"]


def test_segments_unit_counts_segments_and_their_base():
    ct = crosstab(SEGMENTS, CODINGS, CB, PARTICIPANTS, "group", unit="segments")
    assert ct.base.to_dict() == {"family": 2, "staff": 4, "(none)": 1, "Total": 7}
    assert ct.counts.loc["challenges", ["family", "staff", "Total"]].tolist() == [0, 3, 3]
    assert ct.column_percent.loc["benefits", "Total"] == pytest.approx(300 / 7)
    assert ct.column_percent.loc["benefits", "staff"] == pytest.approx(50.0)  # a1, c1 of 4
    assert "Segments" in ct.note


def test_depth_and_codes_choose_the_rows():
    ct = crosstab(SEGMENTS, CODINGS, CB, PARTICIPANTS, "group", depth=None)
    assert list(ct.counts.index) == CB.ids
    assert ct.counts.loc["b_users", "staff"] == 2  # a1 and c1
    ct = crosstab(SEGMENTS, CODINGS, CB, PARTICIPANTS, "group", codes=["c_time"])
    assert list(ct.counts.index) == ["c_time"]


def test_blank_values_are_none_group():
    parts = PARTICIPANTS.assign(group=["staff", "  ", "staff", float("nan")])
    ct = crosstab(SEGMENTS, CODINGS, CB, parts, "group", unit="participants")
    assert ct.groups == ["staff", "(none)"]
    assert ct.base["(none)"] == 2


def test_to_frame_is_one_flat_table_with_the_base_last():
    ct = crosstab(SEGMENTS, CODINGS, CB, PARTICIPANTS, "group", unit="participants")
    flat = ct.to_frame()
    assert list(flat.columns[:6]) == ["code_id", "code", "n | family", "n | staff", "n | (none)", "n | Total"]
    assert "column % | family" in flat.columns and "row % | Total" in flat.columns
    assert flat["code_id"].tolist() == ["benefits", "challenges", "other", "(base)"]
    assert flat.iloc[-1]["n | staff"] == 2
    assert flat.iloc[0]["column % | Total"] == pytest.approx(75.0)


def test_errors():
    with pytest.raises(InputError, match="no participant attribute 'age'.*group"):
        crosstab(SEGMENTS, CODINGS, CB, PARTICIPANTS, "age")
    with pytest.raises(InputError, match="unknown crosstab unit"):
        crosstab(SEGMENTS, CODINGS, CB, PARTICIPANTS, "group", unit="documents")
    with pytest.raises(InputError, match="unknown code 'nope'"):
        crosstab(SEGMENTS, CODINGS, CB, PARTICIPANTS, "group", codes=["nope"])
    with pytest.raises(InputError, match="no participant attribute 'label'"):
        crosstab(SEGMENTS, CODINGS, CB, PARTICIPANTS, "label")


def test_no_codings_gives_zero_counts_not_an_error():
    ct = crosstab(SEGMENTS, CODINGS.iloc[:0], CB, PARTICIPANTS, "group")
    assert int(ct.counts[["family", "staff", "Total"]].to_numpy().sum()) == 0
    assert isinstance(ct.to_frame(), pd.DataFrame)
