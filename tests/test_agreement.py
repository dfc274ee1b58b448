"""Agreement between coders, checked against published worked examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from qda.analysis import agreement, cohen_kappa, krippendorff_alpha, percent_agreement
from qda.codebook import Code, Codebook
from qda.errors import InputError

N = np.nan
ONE = Codebook(codes=(Code("x", "X"),))


def _binary(values: dict[str, list[int | None]], code: str = "x") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Codings and reviews from per-coder lists: 1 coded, 0 reviewed, None not reviewed."""
    codings, reviews = [], []
    for coder, row in values.items():
        for i, v in enumerate(row):
            if v is None:
                continue
            reviews.append({"segment_id": f"s{i:02d}", "coder": coder})
            if v:
                codings.append({"segment_id": f"s{i:02d}", "code_id": code, "coder": coder})
    return (pd.DataFrame(codings, columns=["segment_id", "code_id", "coder"]), pd.DataFrame(reviews))


# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School
# for Communication, University of Pennsylvania, section C: nominal data, four observers,
# twelve units, missing data (the blanks); alpha = 0.743.
KRIPPENDORFF_C = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
        [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
    ]
)
# The same paper, section A: binary data, two observers, ten units, no missing data;
# alpha = 0.095.
KRIPPENDORFF_A = {"A": [0, 1, 0, 0, 0, 0, 0, 0, 1, 0], "B": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]}
# Wikipedia, "Cohen's kappa", worked example: 50 grant proposals read by two readers;
# both yes 20, A yes B no 5, A no B yes 10, both no 15: p_o = 0.7, p_e = 0.5, kappa = 0.4.
WIKIPEDIA_50 = {"A": [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15, "B": [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15}


def test_krippendorff_nominal_four_coders_missing_data():
    assert krippendorff_alpha(KRIPPENDORFF_C) == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_binary_two_coders_through_agreement():
    codings, reviews = _binary(KRIPPENDORFF_A)
    result = agreement(codings, ["A", "B"], ONE, units=reviews)
    row = result.per_code.iloc[0]
    assert row["krippendorff_alpha"] == pytest.approx(0.095, abs=5e-4)
    assert row["percent_agreement"] == pytest.approx(60.0)
    # kappa by hand: p_o = .6, p_e = .2 x .4 + .8 x .6 = .56, (.6 - .56) / .44
    assert row["cohen_kappa"] == pytest.approx(0.04 / 0.44)
    assert row["units"] == 10 and result.units == 10


def test_cohen_kappa_wikipedia_fifty_proposals_through_agreement():
    assert cohen_kappa(WIKIPEDIA_50["A"], WIKIPEDIA_50["B"]) == pytest.approx(0.4)
    codings, reviews = _binary(WIKIPEDIA_50)
    result = agreement(codings, ["A", "B"], ONE, units=reviews)
    assert result.per_code.loc[0, "cohen_kappa"] == pytest.approx(0.4)
    assert result.per_code.loc[0, "percent_agreement"] == pytest.approx(70.0)
    assert result.pooled["cohen_kappa"] == pytest.approx(0.4)  # one code: pooled = it


def test_missing_data_three_coders():
    # C did not review s02, s03; A did not review s04.
    codings, reviews = _binary({"A": [1, 0, 1, 1, None], "B": [1, 0, 1, 0, 1], "C": [1, 0, None, None, 1]})
    result = agreement(codings, ["A", "B", "C"], ONE, units=reviews)
    row = result.per_code.iloc[0]
    assert math.isnan(row["cohen_kappa"])  # three coders
    # pairs: s00 3 agree, s01 3 agree, s02 A-B agree, s03 A-B disagree, s04 B-C agree
    assert row["percent_agreement"] == pytest.approx(100 * 8 / 9)
    expected = krippendorff_alpha(np.array([[1, 0, 1, 1, N], [1, 0, 1, 0, 1], [1, 0, N, N, 1]]))
    assert row["krippendorff_alpha"] == pytest.approx(expected)
    assert result.units == 5
    assert "kappa needs exactly two" in result.note


@pytest.mark.filterwarnings("error")
def test_a_code_nobody_used_is_nan_with_a_note_and_no_warning():
    cb = Codebook(codes=(Code("x", "X"), Code("y", "Y")))
    codings, reviews = _binary(KRIPPENDORFF_A)
    result = agreement(codings, ["A", "B"], cb, units=reviews)
    y = result.per_code.set_index("code_id").loc["y"]
    assert y["percent_agreement"] == 100.0
    assert math.isnan(y["cohen_kappa"]) and math.isnan(y["krippendorff_alpha"])
    assert "no coder applied" in y["note"]
    # pooled over both codes: 20 decisions, 6 + 10 agree
    assert result.pooled["percent_agreement"] == pytest.approx(80.0)
    assert result.pooled["mean_percent_agreement"] == pytest.approx(80.0)
    pooled_alpha = krippendorff_alpha(
        np.array([KRIPPENDORFF_A["A"] + [0] * 10, KRIPPENDORFF_A["B"] + [0] * 10])
    )
    assert result.pooled["krippendorff_alpha"] == pytest.approx(pooled_alpha)
    flat = result.to_frame()
    assert flat.iloc[-1]["code_id"] == "(all codes)"
    assert flat.iloc[-1]["krippendorff_alpha"] == pytest.approx(pooled_alpha)


def test_codes_roll_up_to_their_theme():
    cb = Codebook(codes=(Code("t", "Theme"), Code("t1", "One", parent="t"), Code("t2", "Two", parent="t")))
    codings = pd.DataFrame(
        {"segment_id": ["s1", "s1", "s2"], "code_id": ["t1", "t2", "t2"], "coder": ["A", "B", "A"]}
    )
    reviews = pd.DataFrame({"segment_id": ["s1", "s2", "s1", "s2"], "coder": ["A", "A", "B", "B"]})
    result = agreement(codings, ["A", "B"], cb, units=reviews).per_code.set_index("code_id")
    assert result.loc["t", "percent_agreement"] == 50.0  # s1 both (via t1/t2), s2 only A
    assert result.loc["t1", "percent_agreement"] == 50.0
    themes = agreement(codings, ["A", "B"], cb, units=reviews, depth=1).per_code
    assert themes["code_id"].tolist() == ["t"]


def test_units_none_means_everyone_saw_every_coded_segment():
    codings = pd.DataFrame({"segment_id": ["s1", "s2"], "code_id": ["x", "x"], "coder": ["A", "B"]})
    result = agreement(codings, ["A", "B"], ONE)
    assert result.units == 2 and result.per_code.loc[0, "percent_agreement"] == 0.0


def test_a_mapping_of_units_and_other_coders_ignored():
    codings, _ = _binary(WIKIPEDIA_50)
    extra = pd.DataFrame({"segment_id": ["s00"], "code_id": ["x"], "coder": ["C"]})
    units = {"A": [f"s{i:02d}" for i in range(50)], "B": [f"s{i:02d}" for i in range(50)]}
    result = agreement(pd.concat([codings, extra]), ["A", "B"], ONE, units=units)
    assert result.per_code.loc[0, "cohen_kappa"] == pytest.approx(0.4)


def test_errors():
    codings, reviews = _binary(WIKIPEDIA_50)
    with pytest.raises(InputError, match="at least two coders"):
        agreement(codings, ["A"], ONE, units=reviews)
    with pytest.raises(InputError, match="coder 'Z' has no reviewed"):
        agreement(codings, ["A", "Z"], ONE, units=reviews)
    apart = pd.DataFrame({"segment_id": ["s1", "s2"], "coder": ["A", "B"]})
    with pytest.raises(InputError, match="no segment in common"):
        agreement(codings.iloc[:0], ["A", "B"], ONE, units=apart)


def test_measures_directly():
    assert percent_agreement(np.array([[1, 0, N], [1, 1, 1]])) == 50.0
    assert math.isnan(percent_agreement(np.array([[1, N], [N, 1]])))
    assert math.isnan(cohen_kappa([0, 0, 0], [0, 0, 0]))
    assert math.isnan(krippendorff_alpha(np.array([[1, N], [N, 1]])))
