"""Saturation: new codes per successive document."""

from __future__ import annotations

import pytest

from qda.analysis import saturation
from qda.analysis.saturation import SATURATION_COLUMNS
from qda.errors import InputError
from tests.helpers.analysis_world import CB, CODINGS, SEGMENTS


def test_import_order():
    s = saturation(CODINGS, SEGMENTS, CB)
    assert list(s.columns) == SATURATION_COLUMNS
    assert s["document"].tolist() == ["A", "B", "C"]
    assert s["segments"].tolist() == [3, 2, 2]  # i1 left out
    assert s["new_codes"].tolist() == [5, 0, 0]
    assert s.loc[0, "new_code_ids"] == "benefits; b_staff; b_users; challenges; c_time"
    assert s["cumulative_codes"].tolist() == [5, 5, 5]
    assert s["codes"].tolist() == [5, 1, 4]


def test_given_order_and_depth():
    s = saturation(CODINGS, SEGMENTS, CB, documents=["C", "B", "A"])
    assert s["position"].tolist() == [1, 2, 3]
    assert s["new_codes"].tolist() == [4, 0, 1]
    assert s.loc[2, "new_code_ids"] == "b_staff"
    assert s["cumulative_codes"].tolist() == [4, 4, 5]
    themes = saturation(CODINGS, SEGMENTS, CB, depth=1, documents=["B", "A"])
    assert themes["new_code_ids"].tolist() == ["benefits", "challenges"]


def test_unknown_document():
    with pytest.raises(InputError, match="unknown document 'Z'"):
        saturation(CODINGS, SEGMENTS, CB, documents=["A", "Z"])


def test_interviewer_coding_does_not_count():
    only_i1 = CODINGS[CODINGS["segment_id"] == "i1"]
    assert saturation(only_i1, SEGMENTS, CB)["cumulative_codes"].tolist() == [0, 0, 0]
