"""TF-IDF for many training subsets of one corpus, each text analysed once.

An inner cross-validation fits a TF-IDF vectoriser on each fold's training texts and
transforms its held-out texts: every text is tokenised (words, character n-grams) once
per fold and per candidate that uses it, which was most of the chosen helper's fit time.
:class:`FoldTfidf` counts every text's terms once, over the whole corpus, and builds each
fold's matrices from those counts: the terms kept are those the fold's *training* rows
hold at least ``min_df`` times, the idf comes from the training rows only, so the
matrices equal what the vectoriser fitted on the training texts gives (same columns in
the same order, same values; ``tests/test_foldtfidf.py`` checks it). Nothing of the
held-out texts leaks into the training side. :meth:`FoldTfidf.whole` gives the
vectoriser fitted on every text (a count step and a TF-IDF step, which is what
``TfidfVectorizer`` is) and its matrix from the same counts, so the final fit does not
analyse the texts again either.

Pure: texts in, sparse matrices out.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

__all__ = ["FoldTfidf", "FoldUnion"]


class FoldTfidf:
    """The counts of ``texts`` under ``vectorizer``'s analysis, split fold by fold.

    ``vectorizer``: an unfitted :class:`~sklearn.feature_extraction.text.TfidfVectorizer`
    with an integer ``min_df`` and no ``max_df``, ``max_features`` or fixed vocabulary
    (those would make the kept terms depend on more than each term's own count)."""

    def __init__(self, vectorizer: TfidfVectorizer, texts: list[str]):
        p = vectorizer.get_params()
        if (
            p["max_df"] != 1.0
            or p["max_features"] is not None
            or p["vocabulary"] is not None
            or p["binary"]
            or not isinstance(p["min_df"], int)
        ):
            raise ValueError(
                "FoldTfidf needs an integer min_df and no max_df, max_features, vocabulary or binary"
            )
        self.min_df = max(1, p["min_df"])
        self._idf = dict(
            norm=p["norm"], use_idf=p["use_idf"], smooth_idf=p["smooth_idf"], sublinear_tf=p["sublinear_tf"]
        )
        # The vectoriser's own count step, fitted on every text. Its min_df over all of
        # them drops no term a fold could keep: a term held min_df times by a fold's
        # training rows is held at least that often by all rows.
        self.counter = CountVectorizer(**{k: p[k] for k in CountVectorizer().get_params()})
        counts = self.counter.fit_transform(texts).tocsr()
        counts.sort_indices()
        self.counts = counts

    def split(self, train: np.ndarray, test: np.ndarray) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """(training matrix, held-out matrix), as the vectoriser fitted on ``train`` gives."""
        fitted = self.counts[train]
        df = np.bincount(fitted.indices, minlength=fitted.shape[1])
        keep = np.flatnonzero(df >= self.min_df)
        if not len(keep):
            raise ValueError("After pruning, no terms remain. Try a lower min_df or a max_df.")
        tfidf = TfidfTransformer(**self._idf)
        return tfidf.fit_transform(fitted[:, keep]), tfidf.transform(self.counts[test][:, keep])

    def whole(self) -> tuple[Pipeline, sp.csr_matrix]:
        """(the vectoriser fitted on every text, their matrix): counts, then TF-IDF."""
        tfidf = TfidfTransformer(**self._idf)
        matrix = tfidf.fit_transform(self.counts)
        return Pipeline([("counts", self.counter), ("tfidf", tfidf)]), sp.csr_matrix(matrix)


class FoldUnion:
    """:class:`FoldTfidf` for each part of a :class:`~sklearn.pipeline.FeatureUnion` of
    TF-IDF vectorisers (``make_features("words+chars")``), stacked as the union stacks."""

    def __init__(self, union: FeatureUnion, texts: list[str]):
        self.parts = [FoldTfidf(vec, texts) for _, vec in union.transformer_list]
        self.names = [name for name, _ in union.transformer_list]

    def split(self, train: np.ndarray, test: np.ndarray) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        pairs = [part.split(train, test) for part in self.parts]
        return (
            sp.hstack([a for a, _ in pairs], format="csr"),
            sp.hstack([b for _, b in pairs], format="csr"),
        )

    def whole(self) -> tuple[FeatureUnion, sp.csr_matrix]:
        """(the union fitted on every text, their matrix), as :meth:`FoldTfidf.whole`."""
        pairs = [part.whole() for part in self.parts]
        union = FeatureUnion([(name, fitted) for name, (fitted, _) in zip(self.names, pairs)])
        return union, sp.hstack([m for _, m in pairs], format="csr")
