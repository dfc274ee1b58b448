"""How far to trust each helper: cross-validated model vs rules, against one coder.

:func:`evaluate` splits one coder's reviewed segments into ``folds`` parts with
multi-label iterative stratification (:func:`stratified_folds`, Sechidis et al.
2011), so each fold holds about the same share of every code. For each fold a :class:`SuggestModel` is fitted
on the other folds and predicts the held-out one; the pooled out-of-fold
predictions are compared with the coder's codes. The rules coder's hits on the same
segments (``rules_hits``) are scored the same way, so a researcher can see, code by
code, which helper agrees with them more.

Figures per code: support (segments the coder gave the code), predicted (segments
the helper gave it), precision, recall, F1 and Cohen's kappa (``sklearn.metrics``;
kappa of two constant columns is reported as NaN). Overall: ``micro`` (every
(segment, code) decision pooled) and ``macro`` (the mean over codes).

A code with fewer positive segments than folds cannot be stratified: it is skipped
with its reason, unless it was asked for by name in ``codes`` (then an InputError).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score, precision_recall_fscore_support

from qda.coding.learn import (
    MIN_SEGMENTS,
    SuggestModel,
    _label_sets,
    _nothing_to_learn,
    _too_few_segments,
    check_texts,
    label_counts,
)
from qda.errors import InputError

__all__ = [
    "EvaluationReport",
    "evaluate",
    "score_helper",
    "stratified_folds",
    "METRIC_COLUMNS",
    "HELPERS",
    "DEFAULT_HELPER",
    "check_helper",
]

HELPERS = ("chosen", "calibrated")  # the learned helpers `qda suggest --helper` can name
DEFAULT_HELPER = "calibrated"


def check_helper(name: str) -> str:
    """``name`` when it is one of :data:`HELPERS`, else an InputError saying which are."""
    clean = (name or "").strip().lower()
    if clean not in HELPERS:
        raise InputError(f"unknown helper {name!r}; use one of: {', '.join(HELPERS)}")
    return clean


FEW_POSITIVES = 20  # fewer positive segments than this: a code's figures are not to be trusted
METRIC_COLUMNS = ["support", "predicted", "precision", "recall", "f1", "kappa"]


@dataclass
class EvaluationReport:
    """The result of :func:`evaluate`.

    ``per_code``: one row per (code, helper) with :data:`METRIC_COLUMNS`.
    ``overall``: rows (helper, average) for ``micro`` and ``macro``.
    ``probabilities``: the model's out-of-fold probability per segment and code.
    ``skipped``: codes not evaluated, with the reason.
    ``fit_seconds``: CPU seconds spent building features, fitting and predicting, summed over folds
    (CPU time, not wall time, so a busy machine does not inflate it).
    """

    per_code: pd.DataFrame
    overall: pd.DataFrame
    probabilities: pd.DataFrame
    skipped: dict[str, str]
    folds: int
    seed: int
    n_segments: int
    threshold: float
    fit_seconds: float
    features: str
    helpers: list[str] = field(default_factory=list)
    truth: pd.DataFrame | None = None  # the coder's codes, 0/1 per segment and code
    rules: pd.DataFrame | None = None  # the rules' hits, 0/1, when given
    chosen: pd.DataFrame | None = None  # the chosen helper's out-of-fold decisions, 0/1

    def at_threshold(self, threshold: float) -> EvaluationReport:
        """The same cross-validation scored at another probability threshold (no refit; the
        chosen helper keeps its own thresholds per code)."""
        if self.truth is None:
            raise ValueError(
                "at_threshold needs the coder's codes (truth), which the report from evaluate() keeps"
            )
        codes = list(self.probabilities.columns)
        predicted = {}
        if "model" in self.helpers:
            predicted["model"] = (self.probabilities.to_numpy() >= threshold).astype(np.int8)
        if self.chosen is not None:
            predicted["chosen"] = self.chosen.to_numpy()
        per_code, overall = _score_all(
            self.truth.to_numpy(), predicted, None if self.rules is None else self.rules.to_numpy(), codes
        )
        return replace(self, per_code=per_code, overall=overall, threshold=threshold)

    def table(self) -> pd.DataFrame:
        """Per-code rows then the overall rows, one line per (code, helper): for printing."""
        overall = self.overall.reset_index().rename(columns={"average": "code_id"})
        overall["code_id"] = "(" + overall["code_id"] + ")"
        return pd.concat([self.per_code, overall[self.per_code.columns]], ignore_index=True)

    def _repr_html_(self) -> str:
        from qda.display import shaded_table

        return shaded_table(self.table(), shade=["f1", "kappa"], caption=self.summary(), max_rows=60)

    def thin_codes(self, minimum: int = FEW_POSITIVES) -> pd.DataFrame:
        """Codes whose figures rest on fewer than ``minimum`` positive segments
        (``code_id, support``): their kappa can swing widely from one coding to the next."""
        first = self.per_code.drop_duplicates("code_id")
        return first.loc[first["support"] < minimum, ["code_id", "support"]].reset_index(drop=True)

    def basis(self) -> str:
        """What the figures rest on, with a warning about codes with too few codings."""
        first = self.per_code.drop_duplicates("code_id")
        line = (
            f"Figures rest on {self.n_segments} segments the coder reviewed; positive "
            f"segments per code: {int(first['support'].min())} to "
            f"{int(first['support'].max())} (median {first['support'].median():g})."
        )
        thin = self.thin_codes()
        if len(thin):
            shown = ", ".join(f"{c} ({n})" for c, n in zip(thin["code_id"], thin["support"]))
            line += (
                f" Warning: {len(thin)} code(s) have fewer than {FEW_POSITIVES} positive "
                f"segments, too few to trust their figures: {shown}; code more of them."
            )
        return line

    def summary(self) -> str:
        """One sentence on what was evaluated, for the top of a printed table."""
        return (
            f"{self.folds}-fold cross-validation (seed {self.seed}) on {self.n_segments} "
            f"segments, {self.per_code['code_id'].nunique()} codes, features "
            f"{self.features}, threshold {self.threshold:g}"
        )


def _binary(label_sets: Sequence[frozenset[str]], codes: list[str]) -> np.ndarray:
    Y = np.zeros((len(label_sets), len(codes)), dtype=np.int8)
    col = {c: j for j, c in enumerate(codes)}
    for i, labels in enumerate(label_sets):
        for code in labels:
            if code in col:
                Y[i, col[code]] = 1
    return Y


def _kappa(a: np.ndarray, b: np.ndarray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(cohen_kappa_score(a, b, replace_undefined_by=np.nan))


def _metrics(t: np.ndarray, p: np.ndarray) -> dict:
    """Support, predicted, precision, recall, F1 and kappa of 0/1 decisions ``p``."""
    prec, rec, f1, _ = precision_recall_fscore_support(t, p, average="binary", pos_label=1, zero_division=0)
    return {
        "support": int(t.sum()),
        "predicted": int(p.sum()),
        "precision": float(prec),
        "recall": float(rec),
        "f1": float(f1),
        "kappa": _kappa(t, p),
    }


def score_helper(
    Y_true: np.ndarray, Y_pred: np.ndarray, codes: list[str], helper: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-code and overall (micro, macro) figures of one helper against the coder."""
    rows = [
        {"code_id": code, "helper": helper, **_metrics(Y_true[:, j], Y_pred[:, j])}
        for j, code in enumerate(codes)
    ]
    per_code = pd.DataFrame(rows, columns=["code_id", "helper", *METRIC_COLUMNS])
    micro = {"helper": helper, "average": "micro", **_metrics(Y_true.ravel(), Y_pred.ravel())}
    macro = {
        "helper": helper,
        "average": "macro",
        "support": micro["support"],
        "predicted": micro["predicted"],
        **{k: float(per_code[k].mean(skipna=True)) for k in ("precision", "recall", "f1", "kappa")},
    }
    overall = pd.DataFrame([micro, macro]).set_index(["helper", "average"])
    return per_code, overall[METRIC_COLUMNS]


def _score_all(Y, predicted: dict[str, np.ndarray], rules, codes):
    """Figures of each helper in ``predicted`` (name -> 0/1 matrix), then the rules'."""
    scored = [score_helper(Y, pred, codes, name) for name, pred in predicted.items()]
    if rules is not None:
        scored.append(score_helper(Y, rules, codes, "rules"))
    per_code = pd.concat([p for p, _ in scored], ignore_index=True)
    overall = pd.concat([o for _, o in scored])
    order = {name: i for i, name in enumerate([*predicted, "rules"])}
    per_code["_code"] = per_code["code_id"].map({c: i for i, c in enumerate(codes)})
    per_code["_helper"] = per_code["helper"].map(order)
    per_code = (
        per_code.sort_values(["_code", "_helper"], kind="stable")
        .drop(columns=["_code", "_helper"])
        .reset_index(drop=True)
    )
    return per_code, overall


def stratified_folds(Y: np.ndarray, folds: int, seed: int) -> list[np.ndarray]:
    """Fold number per segment by iterative stratification (Sechidis et al., 2011).

    Multi-label data cannot be stratified code by code, so the rarest code is placed
    first: its segments go one by one to the fold that still wants most of that code
    (ties: the fold wanting most segments, then a seeded random choice), and the
    counts each fold wants are updated for every code the segment carries. Then the
    next rarest code among the segments left, and so on; segments with no code fill
    the folds wanting most segments. Written here because the PyPI implementation
    (iterative-stratification 0.1.9) installs a top-level ``tests`` package that
    shadows a project's own. Returns the test indices of each fold.
    """
    rng = np.random.default_rng(seed)
    n = Y.shape[0]
    want = np.full(folds, n / folds)
    want_code = np.tile(Y.sum(axis=0) / folds, (folds, 1))
    fold_of = np.full(n, -1)
    left = np.ones(n, dtype=bool)

    def place(i: int, scores: np.ndarray) -> None:
        best = np.flatnonzero(scores == scores.max())
        if len(best) > 1:
            by_size = want[best]
            best = best[by_size == by_size.max()]
        f = int(best[0] if len(best) == 1 else rng.choice(best))
        fold_of[i] = f
        left[i] = False
        want[f] -= 1
        want_code[f] -= Y[i]

    while left.any():
        remaining = Y[left].sum(axis=0)
        if not remaining.any():
            for i in rng.permutation(np.flatnonzero(left)):
                place(int(i), want)
            break
        counts = np.where(remaining > 0, remaining, np.iinfo(np.int64).max)
        code = int(np.flatnonzero(counts == counts.min())[0])
        for i in rng.permutation(np.flatnonzero(left & (Y[:, code] == 1))):
            place(int(i), want_code[:, code])
    return [np.flatnonzero(fold_of == f) for f in range(folds)]


def _codes_to_score(
    counts: pd.Series, codes: Iterable[str] | None, *, n: int, folds: int, need: int
) -> tuple[list[str], dict[str, str]]:
    """The codes to cross-validate and the ones left out with why: ``codes`` when given
    (each must have ``need`` positives, else an error names it), else every code with
    ``need`` positives and ``need`` negatives among the ``n`` segments."""
    skipped: dict[str, str] = {}
    if codes is not None:
        chosen = list(dict.fromkeys(codes))
        short = [(c, int(counts.get(c, 0))) for c in chosen if counts.get(c, 0) < need]
        if short:
            code, pos = short[0]
            raise InputError(
                f"code {code!r} has {pos} positive segment{'s' if pos != 1 else ''}, fewer "
                f"than needed for {folds}-fold cross-validation ({need}); use --folds {max(2, pos)}"
                " or fewer, code more segments, or leave the code out"
            )
    else:
        chosen = []
        for code, pos in counts.items():
            if pos < need:
                skipped[code] = (
                    f"{pos} positive segment{'s' if pos != 1 else ''}, needs "
                    f"{need} for {folds}-fold cross-validation"
                )
            elif n - pos < need:
                skipped[code] = f"applied to {pos} of {n} segments; too few without it"
            else:
                chosen.append(code)
        if not chosen and len(counts) and int(counts.iloc[0]) >= need:  # lacks negatives
            raise _nothing_to_learn(counts, list(counts.index), n, need, "evaluate")
        if not chosen:
            top = int(counts.iloc[0]) if len(counts) else 0
            raise InputError(
                f"no code has enough positive segments for {folds}-fold cross-validation: "
                f"each needs at least {need}, the most frequent code has {top}; "
                f"use fewer folds (--folds {max(2, min(top, folds - 1))}) or code more segments"
            )
    return chosen, skipped


def _cross_validate(
    Y,
    texts,
    labels,
    helpers,
    *,
    folds: int,
    seed: int,
    codes: list[str],
    features: str,
    hits,
    min_positives: int,
    definitions,
    context,
):
    """Out-of-fold decisions of each helper: (the calibrated model's probabilities, the
    chosen helper's decisions or None, CPU seconds spent fitting and predicting)."""
    proba = np.zeros(Y.shape, dtype=np.float64)
    picked = np.zeros(Y.shape, dtype=np.int8) if "chosen" in helpers else None
    fit_seconds = 0.0
    arr = np.asarray(texts, dtype=object)
    for test in stratified_folds(Y, folds, seed):
        train = np.setdiff1d(np.arange(len(arr)), test)
        t0 = time.process_time()
        if "calibrated" in helpers:
            _fold_calibrated(proba, arr, labels, hits, train, test, codes, features, min_positives, seed)
        if picked is not None:
            _fold_chosen(picked, arr, labels, train, test, codes, definitions, min_positives, seed, context)
        fit_seconds += time.process_time() - t0
    return proba, picked, fit_seconds


def evaluate(
    texts,
    label_sets,
    *,
    folds: int = 5,
    seed: int = 0,
    rules_hits: Iterable[Iterable[str]] | None = None,
    codes: Iterable[str] | None = None,
    features: str = "words+chars",
    threshold: float = 0.5,
    min_positives: int = 3,
    rules_as_features: bool = False,
    helpers: Sequence[str] = ("calibrated",),
    definitions: dict[str, str] | None = None,
    context: pd.DataFrame | None = None,
) -> EvaluationReport:
    """Stratified K-fold cross-validation of the suggester on one coder's segments.

    ``texts`` and ``label_sets`` are the coder's reviewed segments and the codes
    they applied (an empty set: reviewed, no code). ``rules_hits`` (one set of codes
    per text) adds the rules coder's figures on the same segments, and with
    ``rules_as_features`` also feeds them to the model. ``codes`` limits the
    evaluation to those codes. ``helpers`` names the learned helpers to cross-validate
    side by side (:data:`HELPERS`): ``calibrated`` (:class:`SuggestModel`, rows labelled
    ``model``) and ``chosen`` (:class:`~qda.coding.choose.ChosenSuggester`, rows
    ``chosen``, with ``definitions`` for its definition features and ``context``, the
    segments' surroundings (:func:`qda.coding.context.segment_contexts`, one row per
    text), for its context features). Same inputs and seed, same report.
    """
    helpers = [check_helper(h) for h in dict.fromkeys(helpers)]
    if not helpers:
        raise InputError(f"no helper to evaluate; name one of {', '.join(HELPERS)}")
    index = texts.index if isinstance(texts, pd.Series) else None
    texts = check_texts(texts)
    labels = _label_sets(label_sets, len(texts))
    n = len(texts)
    if folds < 2:
        raise InputError(f"cross-validation needs at least 2 folds, not {folds}")
    if n < MIN_SEGMENTS:
        raise _too_few_segments(n, "evaluate")
    if folds > n:
        raise InputError(f"{folds} folds for {n} segments; use at most {n} folds")
    hits = _label_sets(rules_hits, n) if rules_hits is not None else None
    chosen, skipped = _codes_to_score(
        label_counts(labels), codes, n=n, folds=folds, need=max(min_positives, folds)
    )
    Y = _binary(labels, chosen)
    proba, picked, fit_seconds = _cross_validate(
        Y,
        texts,
        labels,
        helpers,
        folds=folds,
        seed=seed,
        codes=chosen,
        features=features,
        hits=hits if rules_as_features else None,
        min_positives=min_positives,
        definitions=definitions,
        context=context,
    )
    predicted = {}
    if "calibrated" in helpers:
        predicted["model"] = (proba >= threshold).astype(np.int8)
    if picked is not None:
        predicted["chosen"] = picked
    per_code, overall = _score_all(Y, predicted, _binary(hits, chosen) if hits is not None else None, chosen)
    frame = lambda a: pd.DataFrame(a, columns=chosen, index=index)  # noqa: E731
    return EvaluationReport(
        per_code=per_code,
        overall=overall,
        probabilities=frame(proba),
        skipped=skipped,
        folds=folds,
        seed=seed,
        n_segments=n,
        threshold=threshold,
        fit_seconds=fit_seconds,
        features=features,
        helpers=[*predicted, *(["rules"] if hits is not None else [])],
        truth=frame(Y),
        rules=frame(_binary(hits, chosen)) if hits is not None else None,
        chosen=frame(picked) if picked is not None else None,
    )


def _fold_calibrated(proba, arr, labels, hits, train, test, codes, features, min_positives, seed) -> None:
    """One outer fold of the calibrated :class:`SuggestModel`: probabilities into ``proba``."""
    model = SuggestModel(features=features, min_positives=min_positives, random_state=seed)
    train_hits = [hits[i] for i in train] if hits is not None else None
    model.fit(list(arr[train]), [labels[i] for i in train], rules_hits=train_hits, codes=codes)
    test_hits = [hits[i] for i in test] if hits is not None else None
    p = model.predict_proba(list(arr[test]), rules_hits=test_hits)
    for j, code in enumerate(codes):
        if code in p.columns:  # a code too rare in this fold's training part
            proba[test, j] = p[code].to_numpy()  # stays 0: never suggested


def _fold_chosen(
    picked, arr, labels, train, test, codes, definitions, min_positives, seed, context=None
) -> None:
    """One outer fold of :class:`~qda.coding.choose.ChosenSuggester` (its own inner CV
    chooses features and thresholds on the training part only): decisions into ``picked``."""
    from qda.coding.choose import ChosenSuggester

    model = ChosenSuggester(definitions=definitions, min_positives=min_positives, random_state=seed)
    part = (
        (lambda rows: None)
        if context is None
        # noqa: E731
        else (lambda rows: context.iloc[rows])
    )
    model.fit(list(arr[train]), [labels[i] for i in train], codes=codes, context=part(train))
    p = model.predict(list(arr[test]), context=part(test))
    for j, code in enumerate(codes):
        if code in p.columns:
            picked[test, j] = p[code].to_numpy().astype(np.int8)
