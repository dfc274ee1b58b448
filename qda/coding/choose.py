"""The best measured helper per code: feature sets, model and threshold chosen by inner CV.

:class:`ChosenSuggester` learns each code with whichever of several *candidates*
agreed best with the coder on their own training segments, measured by an inner
stratified cross-validation (``inner_folds``, default 3), and with the probability
threshold that gave that agreement (Cohen's kappa, searched over ``THRESHOLDS``). A
project with tens of codings and one with thousands each get what works for them, code
by code; ``choice()`` says what was chosen and why.

Candidates (``CANDIDATES``; those needing sentence embeddings are left out, and listed
in ``unavailable_``, when the optional extra is not installed, and those needing the
segments' context when ``fit`` is given no ``context``):

- ``words+chars``: TF-IDF word 1-2-grams and character 2-5-grams;
- ``words+chars+context+position``: those, plus TF-IDF words of the text around the
  segment and the tenth of the document it starts in (:mod:`qda.coding.context`);
- ``words+chars+embeddings+definitions+context+context_embeddings+position``: all of
  these, plus all-MiniLM-L6-v2 sentence embeddings of the segment and of its context,
  and the segment's cosine similarity to each code's definition.

Feature names (``ALL_FEATURES``) join with ``+``; ``a|b`` blends two candidates (the
mean of their probabilities). ``TEXT_CANDIDATES`` is the earlier, context-free set.
On SERDIF (5-fold) the default set reached macro kappa 0.571, the text set 0.515.

Each code gets one class-balanced logistic regression (liblinear, dual) on its chosen
candidate's features, *uncalibrated*: a fixed threshold over calibrated probabilities
silences the rarer codes (a calibrated 0.5 is rarely reached by a code seen in 3% of
segments), so the threshold is learned per code instead. The probability kept as a
suggestion's confidence is the regression's own; ``thresholds_`` holds the cut per code.

The inner folds' TF-IDF blocks come from texts analysed once (:mod:`qda.coding.foldtfidf`:
the same matrices as a vectoriser fitted per fold), and candidates with the same text
features share one vectoriser, fitted once and applied once per call of ``predict``.

Pure: texts and label sets in, DataFrames out.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import cohen_kappa_score
from sklearn.utils.validation import check_is_fitted

from qda.coding.context import check_context
from qda.coding.foldtfidf import FoldTfidf, FoldUnion
from qda.coding.learn import (
    MIN_SEGMENTS,
    PREDICT_CHUNK,
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

__all__ = ["CANDIDATES", "TEXT_CANDIDATES", "THRESHOLDS", "ChosenSuggester", "definition_texts"]

TEXT_CANDIDATES = ("words+chars", "embeddings", "words+chars+embeddings+definitions")
CANDIDATES = (
    "words+chars",
    "words+chars+context+position",
    "words+chars+embeddings+definitions+context+context_embeddings+position",
)
CONTEXT_FEATURES = ("context", "context_embeddings", "position")
ALL_FEATURES = ("words", "chars", "lemmas", "embeddings", "definitions", *CONTEXT_FEATURES)
POSITION_BINS = 10  # tenths of the document
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.1, 0.95, 0.05))
#: The solver's stopping tolerance. LIBLINEAR's own default for the dual logistic
#: regression is 0.1, scikit-learn's 1e-4; at 1e-2 SERDIF's 5-fold figures are the same
#: to three decimals (macro kappa 0.571, F1 0.592) and the fit on 5,000 segments takes
#: about a fifth less (benchmarks/RESULTS.md).
TOL = 1e-2
VERSION = "3"  # 2: context candidates; at-least-one only when asked; 3: TOL 1e-2


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
    context_weight : scale of the context blocks (``context``, ``context_embeddings``,
        ``position``) beside the segment's own features.
    at_least_one_code : suggest each text's most likely code (highest probability
        relative to its threshold) when no code reaches its threshold. Only for units
        known to carry a code (highlights a person made but has not coded yet); off by
        default, since an ordinary segment may need no code at all.
    random_state : seed of the inner folds and the solver.
    """

    def __init__(
        self,
        *,
        candidates=None,
        definitions=None,
        inner_folds: int = 3,
        min_positives: int = 3,
        C: float = 1.0,
        context_weight: float = 0.5,
        at_least_one_code: bool = False,
        random_state: int = 0,
    ):
        self.candidates = candidates
        self.context_weight = context_weight
        self.at_least_one_code = at_least_one_code
        self.definitions = definitions
        self.inner_folds = inner_folds
        self.min_positives = min_positives
        self.C = C
        self.random_state = random_state

    # ------------------------------------------------------------ features
    def _design(self, spec: str, texts: list[str], context, fitted=None, given=None):
        """Features of ``texts`` for a candidate: (matrix, fitted transformers).
        ``context``: a DataFrame (``context``, ``position``) row by row with ``texts``,
        or None when the candidate needs none. ``given``: TF-IDF blocks already built
        (``"text"``, ``"context"``; an inner fold's, from :mod:`qda.coding.foldtfidf`)."""
        names = spec.split("+")
        fitted = dict(fitted or {})
        given = given or {}
        text_part = _text_part(names)
        blocks = []
        if "text" in given:
            blocks.append(given["text"])
        elif text_part:
            if "text" not in fitted:  # fit_transform: each text analysed once, not twice
                fitted["text"] = make_features(text_part)
                blocks.append(sp.csr_matrix(fitted["text"].fit_transform(texts)))
            else:
                blocks.append(sp.csr_matrix(fitted["text"].transform(texts)))
        if "embeddings" in names or "definitions" in names:
            E = embed_texts(texts)
            if "embeddings" in names:
                blocks.append(sp.csr_matrix(E))
            if "definitions" in names:
                blocks.append(sp.csr_matrix(E @ self.definition_matrix_.T))
        if any(n in CONTEXT_FEATURES for n in names):
            blocks.extend(
                self._context_blocks(
                    names, list(context["context"]), context["position"].to_numpy(), fitted, given
                )
            )
        X = sp.hstack(blocks, format="csr")
        X.sort_indices()
        return X, fitted

    def _context_blocks(self, names, around: list[str], position: np.ndarray, fitted, given):
        """The context's feature blocks, each scaled by ``context_weight`` (the segment's
        own words stay the stronger voice)."""
        w, blocks = self.context_weight, []
        if "context" in names and "context" in given:
            blocks.append(given["context"] * w)
        elif "context" in names:
            if "context" not in fitted:
                fitted["context"] = _context_vectorizer().fit(around)
            blocks.append(sp.csr_matrix(fitted["context"].transform(around)) * w)
        if "context_embeddings" in names:
            blocks.append(sp.csr_matrix(embed_texts(around)) * w)
        if "position" in names:
            bins = np.minimum(POSITION_BINS - 1, np.floor(np.clip(position, 0, 1) * POSITION_BINS)).astype(
                int
            )
            onehot = sp.csr_matrix(
                (np.full(len(bins), w), (np.arange(len(bins)), bins)), shape=(len(bins), POSITION_BINS)
            )
            blocks.append(onehot)
        return blocks

    def _fit_code(self, X, y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return LogisticRegression(
                C=self.C,
                class_weight="balanced",
                solver="liblinear",
                dual=True,
                max_iter=1000,
                tol=TOL,
                random_state=self.random_state,
            ).fit(X, y)

    # ------------------------------------------------------------- fitting
    def fit(self, texts, label_sets, *, codes=None, context=None):
        """Learn each code from ``texts`` and their ``label_sets``. ``context``: the
        segments' surroundings (:func:`qda.coding.context.segment_contexts`, one row per
        text), which lets the candidates that use it compete; without it they are left
        out (``unavailable_``)."""
        texts = check_texts(texts)
        labels = _label_sets(label_sets, len(texts))
        n = len(texts)
        if n < MIN_SEGMENTS:
            raise _too_few_segments(n)
        context = check_context(context, n)
        counts = label_counts(labels)
        wanted = list(counts.index) if codes is None else list(dict.fromkeys(codes))
        learn = self._learnable(counts, wanted, n)
        self.codes_ = learn
        self.candidates_ = self._usable_candidates(context is not None)
        defs = dict(self.definitions or {})
        if any("definitions" in part for c in self.candidates_ for part in _parts(c)):
            self.definition_matrix_ = embed_texts([defs.get(c) or c for c in learn])
        Y = np.array([[c in s for c in learn] for s in labels], dtype=np.int8)
        blocks = _FoldBlocks(list(texts), context)
        oof = self._inner_oof(texts, context, Y, blocks)
        self.choice_, self.thresholds_, self.inner_kappa_ = {}, {}, {}
        for j, code in enumerate(learn):
            scored = [(*_best_threshold(Y[:, j], oof[c][:, j]), c) for c in self.candidates_]
            # highest inner kappa; ties go to the earlier candidate
            cut, kappa, cand = max(scored, key=lambda r: (r[1], -scored.index(r)))
            self.choice_[code], self.thresholds_[code], self.inner_kappa_[code] = cand, cut, kappa
        self.features_, self.estimators_ = {}, {}
        specs = dict.fromkeys(p for c in self.choice_.values() for p in _parts(c))
        for spec in specs:  # candidates with the same text features share one vectoriser
            X, self.features_[spec] = self._design(spec, texts, context, *blocks.whole(spec))
            for j, code in enumerate(learn):
                if spec in _parts(self.choice_[code]):
                    self.estimators_[(code, spec)] = self._fit_code(X, Y[:, j])
        self.uses_context_ = any(_needs_context(s) for s in specs)
        self.n_segments_ = n
        self.positives_ = {c: int(counts.get(c, 0)) for c in learn}
        return self

    def _learnable(self, counts: pd.Series, wanted: list[str], n: int) -> list[str]:
        """The codes with enough positive and negative segments; the rest go to
        ``skipped_`` with the reason."""
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
        return learn

    def _usable_candidates(self, have_context: bool) -> list[str]:
        """The candidates that can be computed here (the rest in ``unavailable_``)."""
        candidates = list(self.candidates or CANDIDATES)
        for c in candidates:
            for part in _parts(c):
                unknown = [n for n in part.split("+") if n not in ALL_FEATURES]
                if unknown:
                    raise InputError(
                        f"unknown feature {unknown[0]!r} in candidate {c!r}; "
                        f"use {', '.join(ALL_FEATURES)} joined with '+' "
                        "(and candidates blended with '|')"
                    )
        self.unavailable_ = []
        if not embeddings_available():
            self.unavailable_ = [c for c in candidates if _needs_embeddings(c)]
        if not have_context:
            self.unavailable_ += [c for c in candidates if _needs_context(c) and c not in self.unavailable_]
        usable = [c for c in candidates if c not in self.unavailable_]
        if not usable:
            raise InputError(
                "no candidate features can be used: the sentence embeddings are "
                "not installed (`pip install qda[embeddings]`) or the segments' "
                "context was not given; add 'words+chars'"
            )
        return usable

    def _inner_oof(self, texts, context, Y, blocks: _FoldBlocks) -> dict[str, np.ndarray]:
        """Per candidate: out-of-fold probabilities of an inner stratified CV (stratified
        on each segment's rarest code); a blend ``a|b`` averages its parts'."""
        rarity = Y.sum(axis=0)
        key = np.array([int(np.argmin(np.where(row > 0, rarity, 1 << 30))) if row.any() else -1 for row in Y])
        with warnings.catch_warnings():  # a code on one segment only: a fold without it
            warnings.simplefilter("ignore", UserWarning)
            folds = _stratified(key, self.inner_folds, self.random_state)
        arr = np.asarray(texts, dtype=object)
        specs = list(dict.fromkeys(p for c in self.candidates_ for p in _parts(c)))
        out = {spec: np.zeros(Y.shape) for spec in specs}
        for k, test in enumerate(folds):  # folds outer: one fold's blocks in memory at a time
            train = np.setdiff1d(np.arange(len(texts)), test)
            ctx_tr = None if context is None else context.iloc[train]
            ctx_te = None if context is None else context.iloc[test]
            for spec in specs:
                given_tr, given_te = blocks.split(spec, k, train, test)
                Xtr, fitted = self._design(spec, list(arr[train]), ctx_tr, given=given_tr)
                Xte, _ = self._design(spec, list(arr[test]), ctx_te, fitted, given=given_te)
                for j in range(Y.shape[1]):
                    if Y[train, j].min() == Y[train, j].max():
                        continue
                    out[spec][test, j] = self._fit_code(Xtr, Y[train, j]).predict_proba(Xte)[:, 1]
        return {c: np.mean([out[p] for p in _parts(c)], axis=0) for c in self.candidates_}

    # ----------------------------------------------------------- predicting
    def predict_proba(self, texts, *, context=None) -> pd.DataFrame:
        """Each code's probability (the mean of its blend's parts, if a blend)."""
        check_is_fitted(self, "estimators_")
        index = texts.index if isinstance(texts, pd.Series) else None
        items = check_texts(texts)
        if not items:
            return pd.DataFrame(columns=self.codes_, dtype="float64", index=index)
        context = check_context(context, len(items))
        if self.uses_context_ and context is None:
            raise InputError(
                "this suggester learnt from the segments' context (the words "
                "around them, their position): give the context of the "
                "segments to suggest for too"
            )
        P = np.zeros((len(items), len(self.codes_)))
        for lo in range(0, len(items), PREDICT_CHUNK):  # rows at a time: memory stays flat
            hi = lo + PREDICT_CHUNK
            P[lo:hi] = self._proba_rows(items[lo:hi], None if context is None else context.iloc[lo:hi])
        return pd.DataFrame(P, columns=self.codes_, index=index)

    def _proba_rows(self, items: list[str], context) -> np.ndarray:
        P = np.zeros((len(items), len(self.codes_)))
        memo: dict = {}
        for spec, fitted in self.features_.items():
            fitted, given = _text_once(memo, spec, items, fitted)
            X, _ = self._design(spec, items, context, fitted, given)
            for j, code in enumerate(self.codes_):
                parts = _parts(self.choice_[code])
                if spec in parts:
                    P[:, j] += self.estimators_[(code, spec)].predict_proba(X)[:, 1] / len(parts)
        return P

    def predict(self, texts, *, context=None) -> pd.DataFrame:
        """Whether each code is suggested: its probability at or above its own threshold
        (and, with ``at_least_one_code``, each text's most likely code if none is)."""
        proba = self.predict_proba(texts, context=context)
        cut = pd.Series(self.thresholds_)[proba.columns].to_numpy()
        pred = proba.to_numpy() >= cut
        if self.at_least_one_code:
            pred = _force_top(proba.to_numpy(), cut, pred)
        return pd.DataFrame(pred, index=proba.index, columns=proba.columns)

    def suggestions(self, texts: pd.Series, *, context=None) -> pd.DataFrame:
        """Long rows ``segment_id, code_id, confidence`` of the codes :meth:`predict`
        suggests."""
        proba = self.predict_proba(texts, context=context)
        cut = pd.Series(self.thresholds_)[proba.columns].to_numpy()
        pred = proba.to_numpy() >= cut
        if self.at_least_one_code:
            pred = _force_top(proba.to_numpy(), cut, pred)
        long = long_probabilities(proba)
        long = long[
            long_probabilities(pd.DataFrame(pred, index=proba.index, columns=proba.columns))["confidence"]
            .to_numpy()
            .astype(bool)
        ]
        return in_segment_order(long, proba.index)

    def choice(self) -> pd.DataFrame:
        """Per code: the chosen features, threshold, inner kappa and positives."""
        check_is_fitted(self, "estimators_")
        return pd.DataFrame(
            [
                {
                    "code_id": c,
                    "features": self.choice_[c],
                    "threshold": self.thresholds_[c],
                    "inner_kappa": self.inner_kappa_[c],
                    "positives": self.positives_[c],
                }
                for c in self.codes_
            ]
        )


def _text_part(names: list[str]) -> str:
    """The TF-IDF text features of a spec's names (``"words+chars"``), or ``""``."""
    return "+".join(n for n in names if n in ("words", "chars", "lemmas"))


def _text_once(memo: dict, spec: str, texts: list[str], fitted: dict) -> tuple[dict, dict]:
    """(fitted, given) for :meth:`ChosenSuggester._design`, with ``spec``'s text block
    transformed once per ``memo`` for every spec that shares its fitted text vectoriser."""
    part = _text_part(spec.split("+"))
    if not part or "text" not in fitted:
        return fitted, {}
    key = id(fitted["text"])
    if key not in memo:
        memo[key] = sp.csr_matrix(fitted["text"].transform(texts))
    return fitted, {"text": memo[key]}


def _context_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, dtype=np.float64)


class _FoldBlocks:
    """The TF-IDF blocks of each inner fold, from texts (and contexts) analysed once
    (:mod:`qda.coding.foldtfidf`); a block two candidates share is built once per fold."""

    def __init__(self, texts: list[str], context):
        self._texts, self._context = texts, context
        self._counts: dict[str, FoldUnion | FoldTfidf] = {}
        self._splits: dict[tuple[str, int], tuple] = {}
        self._whole: dict[tuple[str, str], tuple] = {}

    def _counted(self, key: str):
        if key not in self._counts:
            if key == "context":
                self._counts[key] = FoldTfidf(_context_vectorizer(), list(self._context["context"]))
            else:
                self._counts[key] = FoldUnion(make_features(key), self._texts)
        return self._counts[key]

    def _wanted(self, spec: str) -> dict[str, str]:
        """The blocks ``spec`` needs, by name (``text``, ``context``): their count keys."""
        names = spec.split("+")
        wanted = {"text": _text_part(names)} if _text_part(names) else {}
        if "context" in names and self._context is not None:
            wanted["context"] = "context"
        return wanted

    def whole(self, spec: str) -> tuple[dict, dict]:
        """(fitted vectorisers, blocks) of ``spec`` over every text, by name; one
        vectoriser per count key, shared by the specs that use it."""
        fitted, given = {}, {}
        for name, key in self._wanted(spec).items():
            if ("whole", key) not in self._whole:
                self._whole[("whole", key)] = self._counted(key).whole()
            fitted[name], given[name] = self._whole[("whole", key)]
        return fitted, given

    def split(self, spec: str, k: int, train: np.ndarray, test: np.ndarray) -> tuple[dict, dict]:
        """(training blocks, held-out blocks) of fold ``k`` for ``spec``, by name."""
        wanted = self._wanted(spec)
        given_tr, given_te = {}, {}
        self._splits = {f: v for f, v in self._splits.items() if f[1] == k}  # earlier folds' go
        for name, key in wanted.items():
            if (key, k) not in self._splits:
                self._splits[(key, k)] = self._counted(key).split(train, test)
            given_tr[name], given_te[name] = self._splits[(key, k)]
        return given_tr, given_te


def _parts(candidate: str) -> list[str]:
    """The feature specs a candidate blends (``a|b``: the mean of a's and b's)."""
    return [p.strip() for p in candidate.split("|") if p.strip()]


def _needs_context(candidate: str) -> bool:
    return any(n in CONTEXT_FEATURES for p in _parts(candidate) for n in p.split("+"))


def _needs_embeddings(candidate: str) -> bool:
    return any(
        n in ("embeddings", "definitions", "context_embeddings")
        for p in _parts(candidate)
        for n in p.split("+")
    )


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
