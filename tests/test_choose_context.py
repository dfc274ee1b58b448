"""The chosen helper's context features (the words around a segment, its position in the
document: qda/coding/context.py), blended candidates, and the explicit at-least-one-code
mode (off by default)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qda.coding.choose import CANDIDATES, ChosenSuggester
from qda.coding.context import segment_contexts
from qda.errors import InputError
from tests.helpers.learn import NEUTRAL


def test_segment_contexts_are_the_characters_around_each_span_and_its_position():
    docs = {"d1": "0123456789abcdefghij", "d2": "xyz"}
    spans = pd.DataFrame(
        {"document_id": ["d1", "d1", "d2"], "start": [10, 0, 1], "end": [12, 3, 2]}, index=["s1", "s2", "s3"]
    )
    out = segment_contexts(spans, docs, window=4)
    assert list(out.index) == ["s1", "s2", "s3"]
    assert out.loc["s1", "context"] == "6789\ncdef"  # never the span's own "ab"
    assert out.loc["s2", "context"] == "\n3456"  # clipped at the document's start
    assert out.loc["s3", "context"] == "x\nz"
    assert out["position"].tolist() == [0.5, 0.0, pytest.approx(1 / 3)]


def test_segment_contexts_name_the_bad_span():
    spans = pd.DataFrame({"document_id": ["d1"], "start": [5], "end": [40]}, index=["s9"])
    with pytest.raises(InputError, match="segment s9: offsets 5-40 are outside document 'd1'"):
        segment_contexts(spans, {"d1": "short text"})
    with pytest.raises(InputError, match="segment s9: document 'd1' has no stored text"):
        segment_contexts(spans, {})
    with pytest.raises(InputError, match="context window"):
        segment_contexts(spans, {"d1": "x" * 50}, window=-1)


def _prompted(n: int = 72, seed: int = 0):
    """Segments whose words say nothing of their code: only the task prompt before them
    (their context) does. Code 'export_task' for the export prompt, 'search_task' for
    the search prompt, none after small talk."""
    rng = np.random.default_rng(seed)
    prompts = {
        "export_task": "Task three: please download the table as a spreadsheet.",
        "search_task": "Task one: now look for stations near the river.",
        None: "Moderator: how was your morning so far?",
    }
    keys = list(prompts)
    texts, labels, contexts = [], [], []
    for i in range(n):
        key = keys[i % 3]
        texts.append(f"{NEUTRAL[int(rng.integers(len(NEUTRAL)))]}, okay, let me see")
        labels.append({key} if key else set())
        contexts.append(prompts[key] + "\n" + "Moderator: thank you.")
    return texts, labels, pd.DataFrame({"context": contexts, "position": 0.5})


def test_context_features_learn_what_the_words_around_a_segment_say():
    texts, labels, context = _prompted()
    model = ChosenSuggester(candidates=["words", "words+context"]).fit(texts, labels, context=context)
    assert set(model.choice()["features"]) == {"words+context"}
    assert model.uses_context_
    same = [texts[0]] * 3  # identical words ...
    around = pd.DataFrame(
        {
            "context": [context.at[0, "context"], context.at[1, "context"], context.at[2, "context"]],
            "position": 0.5,
        }
    )
    pred = model.predict(same, context=around)  # ... told apart by their context
    assert pred.loc[0, "export_task"] and not pred.loc[0, "search_task"]
    assert pred.loc[1, "search_task"] and not pred.loc[1, "export_task"]
    assert not pred.loc[2].any()
    with pytest.raises(InputError, match="learnt from the segments' context"):
        model.predict(same)
    with pytest.raises(InputError, match="3 rows for 2 segments"):
        model.predict(same[:2], context=around)


def test_without_context_the_words_alone_cannot_tell_the_codes_apart():
    texts, labels, context = _prompted()
    plain = ChosenSuggester(candidates=["words", "words+context"]).fit(texts, labels)
    assert plain.unavailable_ == ["words+context"] and not plain.uses_context_
    assert (plain.choice()["inner_kappa"] < 0.3).all()
    with_ctx = ChosenSuggester(candidates=["words", "words+context"]).fit(texts, labels, context=context)
    assert (with_ctx.choice()["inner_kappa"] > 0.9).all()


def test_position_in_the_document_is_a_feature():
    texts, labels, _ = _prompted()
    where = {"export_task": 0.85, "search_task": 0.15}
    context = pd.DataFrame({"context": "", "position": [where.get(next(iter(s), None), 0.5) for s in labels]})
    model = ChosenSuggester(candidates=["words", "words+position"]).fit(texts, labels, context=context)
    assert set(model.choice()["features"]) == {"words+position"}
    pred = model.predict([texts[0]] * 2, context=pd.DataFrame({"context": "", "position": [0.8, 0.1]}))
    assert pred.loc[0, "export_task"] and pred.loc[1, "search_task"]


def test_a_blend_averages_its_parts_probabilities():
    texts, labels, context = _prompted()
    model = ChosenSuggester(candidates=["words|words+context"]).fit(texts, labels, context=context)
    one = ChosenSuggester(candidates=["words"]).fit(texts, labels, context=context)
    two = ChosenSuggester(candidates=["words+context"]).fit(texts, labels, context=context)
    p = model.predict_proba(texts[:5], context=context.iloc[:5])
    mean = (one.predict_proba(texts[:5]) + two.predict_proba(texts[:5], context=context.iloc[:5])) / 2
    pd.testing.assert_frame_equal(p, mean)


def test_at_least_one_code_is_off_by_default_and_forces_a_code_when_asked():
    texts, labels, context = _prompted()
    model = ChosenSuggester(candidates=["words+context"]).fit(texts, labels, context=context)
    assert model.get_params()["at_least_one_code"] is False
    small_talk = context.iloc[[2, 5]]  # the prompts of no code
    assert not model.predict(["a b c", "d e f"], context=small_talk).to_numpy().any()
    model.set_params(at_least_one_code=True)
    forced = model.predict(["a b c", "d e f"], context=small_talk)
    assert (forced.sum(axis=1) == 1).all()
    rows = model.suggestions(pd.Series(["a b c"], index=["s1"]), context=small_talk.iloc[:1])
    assert len(rows) == 1 and rows["segment_id"].tolist() == ["s1"]


def test_unknown_feature_in_a_candidate_is_refused():
    texts, labels, _ = _prompted()
    with pytest.raises(InputError, match="unknown feature 'colour' in candidate"):
        ChosenSuggester(candidates=["words+colour"]).fit(texts, labels)


def test_the_default_candidates_include_context_ones():
    assert any("context" in c for c in CANDIDATES)


def test_predicting_in_chunks_gives_what_one_piece_gives(monkeypatch):
    import qda.coding.choose as choose

    texts, labels, context = _prompted()
    model = ChosenSuggester().fit(texts, labels, context=context)
    whole = model.predict_proba(pd.Series(texts), context=context)
    monkeypatch.setattr(choose, "PREDICT_CHUNK", 7)  # 72 rows: ten full chunks and a short one
    chunked = model.predict_proba(pd.Series(texts), context=context)
    pd.testing.assert_frame_equal(chunked, whole)
    assert model.uses_context_
