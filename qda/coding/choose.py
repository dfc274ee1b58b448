"""The best measured helper per code: feature sets, model and threshold chosen by inner CV.

:class:`ChosenSuggester` learns each code with whichever of several *candidates*
agreed best with the coder on their own training segments, measured by an inner
stratified cross-validation (``inner_folds``, default 3), and with the probability
threshold that gave that agreement (Cohen's kappa, searched over ``THRESHOLDS``). A
project with tens of codings and one with thousands each get what works for them, code
by code; ``choice()`` says what was chosen and why.

Candidates (``CANDIDATES``; those needing sentence embeddings are left out, and listed
in ``unavailable_``, when the optional extra is not installed):

- ``words+chars``: TF-IDF word 1-2-grams and character 2-5-grams;
- ``embeddings``: all-MiniLM-L6-v2 sentence embeddings;
- ``words+chars+embeddings+definitions``: all of these, plus the text's cosine
  similarity to each code's definition (name, description, include notes, examples).

Each code gets one class-balanced logistic regression (liblinear, dual) on its chosen
candidate's features, *uncalibrated*: a fixed threshold over calibrated probabilities
silences the rarer codes (a calibrated 0.5 is rarely reached by a code seen in 3% of
segments), so the threshold is learned per code instead. The probability kept as a
suggestion's confidence is the regression's own; ``thresholds_`` holds the cut per code.

Pure: texts and label sets in, DataFrames out.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import cohen_kappa_score
from sklearn.utils.validation import check_is_fitted

from qda.coding.learn import (
    MIN_SEGMENTS,
    _label_sets,
    _nothing_to_learn,
    _too_few_segments,
    check_texts,
    embed_texts,
    embeddings_available,
    in_segment_order,
    label_counts,
    long_probabilities,
    make_features,
)
from qda.errors import InputError

__all__ = ["CANDIDATES", "THRESHOLDS", "ChosenSuggester", "definition_texts"]

CANDIDATES = ("words+chars", "embeddings", "words+chars+embeddings+definitions")
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.1, 0.95, 0.05))
VERSION = "1"


def definition_texts(codebook, codes) -> dict[str, str]:
    """What a codebook says of each code, as one text: name, description, include
    notes and examples (what a reader of the codebook would compare a passage with)."""
    out = {}
    for code in codes:
        if code not in codebook:
            out[code] = str(code)
            continue
        c = codebook.get(code)
        parts = [c.name, c.description, c.include, *c.examples]
        out[code] = ". ".join(p.strip() for p in parts if p and p.strip())
    return out


def _stratified(y: np.ndarray, folds: int, seed: int) -> list[np.ndarray]:
    from sklearn.model_selection import StratifiedKFold
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [test for _, test in skf.split(np.zeros(len(y)), y)]


def _kappa(y, p) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        k = cohen_kappa_score(y, p, replace_undefined_by=np.nan)
    return -1.0 if k != k else float(k)


class ChosenSuggester(BaseEstimator):
    """Per-code choice of candidate features and threshold by inner cross-validation.

    Parameters
    ----------
    candidates : candidate feature specs to choose among (default ``CANDIDATES``).
    definitions : ``{code: text}`` for the ``definitions`` features (see
        :func:`definition_texts`); codes without one get their id.
    inner_folds : folds of the inner cross-validation that chooses.
    min_positives : a code needs this many positive and negative segments.
    C : inverse regularisation strength of each logistic regression (on the SERDIF
        highlights, 5-fold CV, C=3 gave macro kappa 0.537 against 0.530 with 1: not
        yet made the default, the benchmarks record 1).
    random_state : seed of the inner folds and the solver.
    """

    def __init__(self, *, candidates=None, definitions=None, inner_folds: int = 3,
                 min_positives: int = 3, C: float = 1.0, random_state: int = 0):
        self.candidates = candidates
        self.definitions = definitions
        self.inner_folds = inner_folds
        self.min_positives = min_positives
        self.C = C
        self.random_state = random_state

    # ------------------------------------------------------------ features
    def _design(self, spec: str, texts: list[str], fitted=None):
        """Features of ``texts`` for a candidate: (matrix, fitted transformer)."""
        names = spec.split("+")
        text_part = "+".join(n for n in names if n in ("words", "chars", "lemmas"))
        blocks = []
        if text_part:
            if fitted is None:   # fit_transform: each text analysed once, not twice
                fitted = make_features(text_part)
                blocks.append(sp.csr_matrix(fitted.fit_transform(texts)))
            else:
                blocks.append(sp.csr_matrix(fitted.transform(texts)))
        if "embeddings" in names or "definitions" in names:
            E = embed_texts(texts)
            if "embeddings" in names:
                blocks.append(sp.csr_matrix(E))
            if "definitions" in names:
                blocks.append(sp.csr_matrix(E @ self.definition_matrix_.T))
        X = sp.hstack(blocks, format="csr")
        X.sort_indices()
        return X, fitted

    def _fit_code(self, X, y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return LogisticRegression(C=self.C, class_weight="balanced", solver="liblinear",
                                      dual=True, max_iter=1000,
                                      random_state=self.random_state).fit(X, y)

    # ------------------------------------------------------------- fitting
    def fit(self, texts, label_sets, *, codes=None):
        texts = check_texts(texts)
        labels = _label_sets(label_sets, len(texts))
        n = len(texts)
        if n < MIN_SEGMENTS:
            raise _too_few_segments(n)
        counts = label_counts(labels)
        wanted = list(counts.index) if codes is None else list(dict.fromkeys(codes))
        need = max(self.min_positives, self.inner_folds)
        self.skipped_ = {}
        learn = []
        for code in wanted:
            pos = int(counts.get(code, 0))
            if pos < need:
                plural = "s" if pos != 1 else ""
                self.skipped_[code] = f"{pos} positive segment{plural}, needs {need}"
            elif n - pos < need:
                self.skipped_[code] = f"applied to {pos} of {n} segments; too few without it"
            else:
                learn.append(code)
        if not learn:
            raise _nothing_to_learn(counts, wanted, n, need, "learn")
        self.codes_ = learn
        candidates = list(self.candidates or CANDIDATES)
        self.unavailable_ = []
        if not embeddings_available():
            self.unavailable_ = [c for c in candidates if "embeddings" in c or "definitions" in c]
            candidates = [c for c in candidates if c not in self.unavailable_]
        if not candidates:
            raise InputError("no candidate features can be used: the sentence embeddings are "
                             "not installed (`pip install qda[embeddings]`); add 'words+chars'")
        self.candidates_ = candidates
        defs = dict(self.definitions or {})
        if any("definitions" in c for c in candidates):
            self.definition_matrix_ = embed_texts([defs.get(c) or c for c in learn])
        Y = np.array([[c in s for c in learn] for s in labels], dtype=np.int8)
        self._oof = {}
        scores = self._inner_scores(texts, Y, candidates)
        self.choice_, self.thresholds_, self.inner_kappa_ = {}, {}, {}
        for j, code in enumerate(learn):
            best = max(((scores[c][j][1], -i, c, scores[c][j][0]) for i, c in
                        enumerate(candidates)))
            self.inner_kappa_[code], _, self.choice_[code], self.thresholds_[code] = best
        self.at_least_one_ = self._choose_at_least_one(Y)
        del self._oof
        self.features_, self.estimators_ = {}, {}
        for spec in dict.fromkeys(self.choice_.values()):
            X, self.features_[spec] = self._design(spec, texts)
            for j, code in enumerate(learn):
                if self.choice_[code] == spec:
                    self.estimators_[code] = self._fit_code(X, Y[:, j])
        self.n_segments_ = n
        self.positives_ = {c: int(counts.get(c, 0)) for c in learn}
        return self

    def _inner_scores(self, texts, Y, candidates):
        """Per candidate and code: (best threshold, kappa there) from out-of-fold
        probabilities of an inner stratified CV (stratified on each segment's rarest code)."""
        rarity = Y.sum(axis=0)
        key = np.array([int(np.argmin(np.where(row > 0, rarity, 1 << 30))) if row.any() else -1
                        for row in Y])
        with warnings.catch_warnings():   # a code on one segment only: a fold without it
            warnings.simplefilter("ignore", UserWarning)
            folds = _stratified(key, self.inner_folds, self.random_state)
        arr = np.asarray(texts, dtype=object)
        out = {}
        for spec in candidates:
            P = np.zeros(Y.shape)
            for test in folds:
                train = np.setdiff1d(np.arange(len(texts)), test)
                Xtr, fitted = self._design(spec, list(arr[train]))
                Xte, _ = self._design(spec, list(arr[test]), fitted)
                for j in range(Y.shape[1]):
                    if Y[train, j].min() == Y[train, j].max():
                        continue
                    P[test, j] = self._fit_code(Xtr, Y[train, j]).predict_proba(Xte)[:, 1]
            out[spec] = [_best_threshold(Y[:, j], P[:, j]) for j in range(Y.shape[1])]
            self._oof[spec] = P
        return out

    def _choose_at_least_one(self, Y: np.ndarray) -> bool:
        """Whether suggesting each text's most likely code even below its threshold (when
        no code reaches one) agreed better with the coder in the inner CV (macro kappa):
        true where the coder gives nearly every segment a code, e.g. highlights."""
        P = np.column_stack([self._oof[self.choice_[c]][:, j]
                             for j, c in enumerate(self.codes_)])
        cut = np.array([self.thresholds_[c] for c in self.codes_])
        plain = P >= cut
        forced = _force_top(P, cut, plain)
        macro = lambda pred: np.mean([_kappa(Y[:, j], pred[:, j])   # noqa: E731
                                      for j in range(Y.shape[1])])
        return bool(macro(forced) > macro(plain))

    # ----------------------------------------------------------- predicting
    def predict_proba(self, texts) -> pd.DataFrame:
        check_is_fitted(self, "estimators_")
        index = texts.index if isinstance(texts, pd.Series) else None
        items = check_texts(texts)
        if not items:
            return pd.DataFrame(columns=self.codes_, dtype="float64", index=index)
        P = np.zeros((len(items), len(self.codes_)))
        for spec, fitted in self.features_.items():
            X, _ = self._design(spec, items, fitted)
            for j, code in enumerate(self.codes_):
                if self.choice_[code] == spec:
                    P[:, j] = self.estimators_[code].predict_proba(X)[:, 1]
        return pd.DataFrame(P, columns=self.codes_, index=index)

    def predict(self, texts) -> pd.DataFrame:
        """Whether each code is suggested (its probability at or above its own threshold)."""
        proba = self.predict_proba(texts)
        cut = pd.Series(self.thresholds_)[proba.columns].to_numpy()
        pred = proba.to_numpy() >= cut
        if self.at_least_one_:
            pred = _force_top(proba.to_numpy(), cut, pred)
        return pd.DataFrame(pred, index=proba.index, columns=proba.columns)

    def suggestions(self, texts: pd.Series) -> pd.DataFrame:
        """Long rows ``segment_id, code_id, confidence`` over each code's threshold."""
        proba = self.predict_proba(texts)
        chosen = self.predict(texts) if self.at_least_one_ else None
        long = long_probabilities(proba)
        if chosen is None:
            long = long[long["confidence"] >= long["code_id"].map(self.thresholds_)]
        else:
            long = long[long_probabilities(chosen)["confidence"].to_numpy().astype(bool)]
        return in_segment_order(long, proba.index)

    def choice(self) -> pd.DataFrame:
        """Per code: the chosen features, threshold, inner kappa and positives."""
        check_is_fitted(self, "estimators_")
        return pd.DataFrame([{"code_id": c, "features": self.choice_[c],
                              "threshold": self.thresholds_[c],
                              "inner_kappa": self.inner_kappa_[c],
                              "positives": self.positives_[c]} for c in self.codes_])


def _best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """(threshold, kappa) with the highest kappa; ties go to the threshold nearest 0.5."""
    best = max((_kappa(y, p >= t), -abs(t - 0.5), t) for t in THRESHOLDS)
    return best[2], best[0]


def _force_top(P: np.ndarray, cut: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """``pred`` with, for each row where no code reached its threshold, the code whose
    probability is highest relative to its threshold switched on."""
    out = pred.copy()
    empty = ~pred.any(axis=1)
    if empty.any():
        top = (P[empty] / cut).argmax(axis=1)
        out[np.flatnonzero(empty), top] = True
    return out
