"""Fold TF-IDF from texts analysed once equals the vectoriser fitted on each fold's
training texts: same columns, same values, nothing of the held-out texts on the
training side (qda/coding/foldtfidf.py, used by the chosen helper's inner folds)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from qda.coding.foldtfidf import FoldTfidf, FoldUnion
from qda.coding.learn import make_features

TEXTS = [
    "Home visits help families stay in touch.",
    "The visiting room is noisy and there is no privacy at all.",
    "Officers should not share confidential details with families.",
    "My mum came every week; it kept me going.",
    "We cannot always arrange visits around school times.",
    "Families sometimes work against what we are trying to do.",
    "Letters and phone calls matter as much as visits.",
    "Only the held-out text says zyxwvut, a word nowhere else.",
]


def _folds():
    rng = np.random.default_rng(0)
    order = rng.permutation(len(TEXTS))
    for test in np.array_split(order, 3):
        yield np.setdiff1d(np.arange(len(TEXTS)), test), np.sort(test)


@pytest.mark.parametrize(
    "make",
    [
        lambda: TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
        lambda: TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
        lambda: TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, dtype=np.float64),
    ],
)
def test_each_fold_equals_the_vectoriser_fitted_on_its_training_texts(make):
    counted = FoldTfidf(make(), TEXTS)
    for train, test in _folds():
        reference = make()
        want_tr = reference.fit_transform([TEXTS[i] for i in train])
        want_te = reference.transform([TEXTS[i] for i in test])
        got_tr, got_te = counted.split(train, test)
        assert got_tr.shape == want_tr.shape and got_te.shape == want_te.shape
        assert abs(got_tr - want_tr).max() < 1e-12
        assert abs(got_te - want_te).max() < 1e-12


def test_a_word_only_in_held_out_texts_is_not_a_column():
    vec = TfidfVectorizer(min_df=1)
    counted = FoldTfidf(vec, TEXTS)
    odd = len(TEXTS) - 1
    train, test = np.arange(odd), np.array([odd])
    got_tr, got_te = counted.split(train, test)
    reference = TfidfVectorizer(min_df=1).fit([TEXTS[i] for i in train])
    assert "zyxwvut" not in reference.vocabulary_
    assert got_tr.shape[1] == len(reference.vocabulary_)


def test_the_union_stacks_as_the_feature_union_does():
    counted = FoldUnion(make_features("words+chars"), TEXTS)
    for train, test in _folds():
        union = make_features("words+chars")
        want_tr = union.fit_transform([TEXTS[i] for i in train])
        want_te = union.transform([TEXTS[i] for i in test])
        got_tr, got_te = counted.split(train, test)
        assert abs(got_tr - want_tr).max() < 1e-12
        assert abs(got_te - want_te).max() < 1e-12


@pytest.mark.parametrize(
    "vec",
    [TfidfVectorizer(max_df=0.9), TfidfVectorizer(max_features=10), TfidfVectorizer(min_df=0.1)],
)
def test_settings_it_cannot_reproduce_are_refused(vec):
    with pytest.raises(ValueError, match="FoldTfidf needs"):
        FoldTfidf(vec, TEXTS)


def test_the_whole_corpus_fit_is_the_vectoriser_fitted_on_every_text():
    for make in (lambda: make_features("words+chars"), lambda: make_features("words")):
        union, matrix = FoldUnion(make(), TEXTS).whole()
        reference = make()
        want = reference.fit_transform(TEXTS)
        assert matrix.shape == want.shape and abs(matrix - want).max() < 1e-12
        new = ["Visits at home, every week.", "zyxwvut"]
        assert abs(union.transform(new) - reference.transform(new)).max() < 1e-12
