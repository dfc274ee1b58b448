"""Learned suggestions: fit on one coder, suggest, evaluate, rank what to code next.

Part of :class:`qda.Project`, over the shared state of :mod:`.base`.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from qda.coding.rules import RulesCoder
from qda.errors import InputError
from qda.project._util import _who
from qda.project.base import ProjectBase
from qda.project.results import SuggestReport
from qda.store import now


@contextmanager
def _as_coder(coder: str):
    """An error about what a coder taught (too few segments, no negatives) names them."""
    try:
        yield
    except InputError as exc:
        raise InputError(f"coder {coder.strip()!r}: {exc}") from exc


def helper_record(features: str, helper: str = "calibrated") -> dict:
    """Which helper made a model suggestion: name, version, features and model, kept in
    its evidence so a reader can tell helpers (and versions of them) apart."""
    from qda import __version__

    if helper == "chosen":
        from qda.coding.choose import VERSION

        return {
            "name": "chosen",
            "version": f"{__version__}/{VERSION}",
            "features": features,
            "model": "per code: logistic regression (class-balanced, liblinear) on the "
            "features and threshold chosen by inner cross-validation",
        }
    return {
        "name": "calibrated",
        "version": __version__,
        "features": features,
        "model": "one-vs-rest logistic regression (class-balanced, liblinear), "
        "Platt-calibrated per code with 10 or more positives",
    }


@dataclass
class ColdStartReport(SuggestReport):
    """What a cold start did: a SuggestReport (coder ``codebook``, nothing taught) plus
    the ``path`` it took (``lexical`` or ``embeddings+lexical``) and the codes that had
    only their name to be compared with (``name_only``)."""

    path: str = ""
    name_only: list[str] = field(default_factory=list)


def _cold_evidence(found, cold, cb, seed: int) -> list[dict]:
    """Per suggestion: the helper (name ``codebook``, version, method) and what of the
    codebook matched: the code's definition and the words the segment shares with it."""
    from qda import __version__
    from qda.coding.coldstart import VERSION, code_descriptions

    pos, _ = code_descriptions(cb)
    helper = {
        "name": "codebook",
        "version": f"{__version__}/{VERSION}",
        "features": cold.path,
        "model": "similarity to the codebook's definitions, z-scored per code over the "
        "project's segments, then self-trained logistic regression "
        f"({cold.settings['rounds']} rounds)",
    }
    return [
        {
            "helper_name": "codebook",
            "helper": helper,
            "method": cold.path,
            "definition": pos.get(code, "")[:300],
            "matched": list(words),
            "score": float(score),
            "threshold": cold.settings["threshold"],
            "seed": seed,
        }
        for code, words, score in zip(found["code_id"], found["matched"], found["score"])
    ]


class Suggesting(ProjectBase):
    # --------------------------------------------------------- learned suggestions
    def training_set(self, coder: str) -> tuple[pd.Series, list[frozenset[str]]]:
        """What ``coder`` has taught: the text of every segment they reviewed or coded (by
        hand or in an imported project)
        (a Series indexed by segment id, in document order, no interviewer turns) and the
        set of codes they applied to each (empty: reviewed, no code applies)."""
        coder = (coder or "").strip()
        # Codings imported from another program (REFI-QDA, Taguette) are the coder's too.
        mine = pd.concat(
            [self._store.coder_codings(coder), self._store.coder_codings(coder, source="import")],
            ignore_index=True,
        )
        reviewed = set(self._store.reviews(coder)["segment_id"]) | set(mine["segment_id"])
        if not reviewed:
            coders = sorted(
                set(self._store.codings().query("source == 'human'")["coder"])
                | set(self._store.reviews()["coder"])
            )
            raise InputError(
                f"coder {coder!r} has coded no segments in this project"
                + (
                    f"; coders with codings: {', '.join(coders)}"
                    if coders
                    else "; import a coding sheet or CSV first (`qda code import`)"
                )
            )
        segs = self.segments()
        segs = segs[segs["segment_id"].isin(reviewed)]
        codes: dict[str, set[str]] = {}
        for sid, code in zip(mine["segment_id"], mine["code_id"]):
            codes.setdefault(sid, set()).add(code)
        texts = segs.set_index("segment_id")["text"]
        return texts, [frozenset(codes.get(sid, ())) for sid in texts.index]

    def _contexts(self, segment_ids) -> pd.DataFrame:
        """Each segment's surroundings in its document (the words before and after it,
        its position), in the order of ``segment_ids``: what the chosen helper's context
        candidates learn from."""
        from qda.coding.context import segment_contexts

        segs = self._store.segments().set_index("segment_id").loc[list(segment_ids)]
        return segment_contexts(segs, self._store.document_texts())

    def _fit_suggester(self, coder: str, *, seed: int, features: str, helper: str = "calibrated"):
        from qda.coding.learn import SuggestModel

        texts, labels = self.training_set(coder)
        with _as_coder(coder):
            if helper == "chosen":
                from qda.coding.choose import ChosenSuggester, definition_texts

                defs = definition_texts(self.codebook, {c for s in labels for c in s})
                model = ChosenSuggester(definitions=defs, random_state=seed)
                return model.fit(texts, labels, context=self._contexts(texts.index)), texts
            return SuggestModel(features=features, random_state=seed).fit(texts, labels), texts

    def _uncoded(self, coder: str, taught: pd.Series) -> pd.Series:
        segs = self.segments()
        segs = segs[~segs["segment_id"].isin(taught.index)]
        return segs.set_index("segment_id")["text"]

    def suggest(
        self,
        *,
        from_coder: str | None = None,
        threshold: float = 0.5,
        seed: int = 0,
        features: str = "words+chars",
        who: str | None = None,
        helper: str = "chosen",
    ) -> SuggestReport:
        """Learn from ``from_coder``'s coding and suggest codes for the segments they have
        not reviewed (source ``model``, status ``suggested``, with the helper's confidence).
        Without ``from_coder``: the cold start from the codebook alone
        (:meth:`suggest_from_codebook`, its own default threshold; ``threshold``,
        ``features`` and ``helper`` are for the learned helpers).

        ``helper`` is ``chosen`` (the default: :class:`~qda.coding.choose.ChosenSuggester`,
        features and threshold per code by inner cross-validation; ``threshold`` and
        ``features`` are not used) or ``calibrated`` (:class:`~qda.coding.learn.SuggestModel`,
        one ``threshold`` for every code). ``chosen`` is the default because it agreed
        better with the coder on both the sample (macro kappa 0.44 against 0.35) and the
        real SERDIF set (0.571 against 0.415, with
        the segments' context). Each
        suggestion's evidence names it (``helper_name``) and, for ``chosen``, the code's
        own features and threshold.

        Replaces earlier open model suggestions; those a person accepted or rejected stay
        and are not suggested again; human codings are never touched. One transaction.
        """
        if from_coder is None:
            return self.suggest_from_codebook(seed=seed, who=who)
        if not 0 < threshold < 1:
            raise InputError(f"the threshold is a probability between 0 and 1, not {threshold}")
        from qda.coding.evaluate import check_helper

        helper = check_helper(helper)
        model, taught = self._fit_suggester(from_coder, seed=seed, features=features, helper=helper)
        uncoded = self._uncoded(from_coder, taught)
        found = (
            model.suggestions(uncoded, context=self._contexts(uncoded.index))
            if helper == "chosen"
            else model.suggestions(uncoded, threshold=threshold)
        )
        report = SuggestReport(
            coder=from_coder, taught=len(taught), codes=list(model.codes_), skipped=dict(model.skipped_)
        )
        cb = self.codebook
        evidence = {
            "from": from_coder,
            "helper_name": helper,
            "features": features,
            "seed": seed,
            "threshold": threshold,
            "taught": len(taught),
            "helper": helper_record(features, helper),
        }
        per_code = {}
        if helper == "chosen":  # each code its own features and threshold
            per_code = {
                c: {
                    **evidence,
                    "features": model.choice_[c],
                    "threshold": float(model.thresholds_[c]),
                    "helper": helper_record(model.choice_[c], helper),
                }
                for c in model.codes_
            }
        found = found.assign(evidence=[per_code.get(c, evidence) for c in found["code_id"]])
        self._store_suggestions(found, report, coder="model", who=who, cb=cb, detail=evidence)
        return report

    def _store_suggestions(
        self, found: pd.DataFrame, report: SuggestReport, *, coder: str, who: str | None, cb, detail: dict
    ) -> None:
        """Write ``found`` (segment_id, code_id, confidence, evidence) as open model
        suggestions in one transaction: earlier open model suggestions go, reviewed ones
        are not suggested again, segments gone meanwhile are skipped."""
        stamp = now()
        with self._store.transaction():
            # Under the write lock: reviews and segments as they are now, not as they were
            # when fitting started (another process may have changed them meanwhile).
            reviewed = self._store.reviewed_keys(source="model")
            keep = [(s, c) not in reviewed for s, c in zip(found["segment_id"], found["code_id"])]
            report.kept_reviewed = len(keep) - sum(keep)
            found = found[keep]
            segs = self._store.segments().set_index("segment_id")
            found = found[found["segment_id"].isin(segs.index)]
            report.replaced = self._store.delete_suggestions(source="model")
            report.suggestions = self._store.insert_codings(
                {
                    "segment_id": sid,
                    "document_id": segs.at[sid, "document_id"],
                    "start": int(segs.at[sid, "start"]),
                    "end": int(segs.at[sid, "end"]),
                    "code_id": code,
                    "coder": coder,
                    "source": "model",
                    "status": "suggested",
                    "confidence": round(float(conf), 4),
                    "evidence": ev,
                    "codebook_version": cb.version,
                    "created_at": stamp,
                }
                for sid, code, conf, ev in zip(
                    found["segment_id"], found["code_id"], found["confidence"], found["evidence"]
                )
            )
            self._store.record(
                who=_who(who),
                action="suggest",
                entity="codings",
                entity_id=coder,
                detail={
                    **detail,
                    "suggestions": report.suggestions,
                    "replaced": report.replaced,
                    "codes": report.codes,
                    "codebook_version": cb.version,
                },
            )
        report.segments_suggested = found["segment_id"].nunique()

    def evaluate_suggester(
        self,
        *,
        from_coder: str,
        folds: int = 5,
        seed: int = 0,
        threshold: float = 0.5,
        features: str = "words+chars",
        helper: str | Sequence[str] = ("chosen", "calibrated"),
    ):
        """Cross-validate the suggester on ``from_coder``'s segments, beside the rules
        coder on the same segments (see :func:`qda.coding.evaluate.evaluate`). ``helper``:
        one helper name or a list of them (``chosen``, ``calibrated``; by default both),
        side by side."""
        from qda.coding.choose import definition_texts
        from qda.coding.evaluate import check_helper, evaluate

        helpers = [check_helper(h) for h in ([helper] if isinstance(helper, str) else helper)]
        if not helpers:
            raise InputError("no helper to evaluate; name chosen or calibrated")

        texts, labels = self.training_set(from_coder)
        cb = self.codebook
        hits = self._rules_hits(cb, texts.index)
        with _as_coder(from_coder):
            return evaluate(
                texts,
                labels,
                folds=folds,
                seed=seed,
                rules_hits=hits,
                threshold=threshold,
                features=features,
                helpers=helpers,
                definitions=definition_texts(cb, {c for s in labels for c in s}),
                context=self._contexts(texts.index) if "chosen" in helpers else None,
            )

    def _rules_hits(self, cb, segment_ids: pd.Index) -> list[frozenset[str]] | None:
        """The rules coder's codes per segment, or None when the codebook has no rules."""
        if not any(c.keywords or c.patterns or c.proximity for c in cb):
            return None
        segs = self._store.segments()
        segs = segs[segs["segment_id"].isin(segment_ids)]
        found = RulesCoder(cb, nlp=self.nlp).code(segs, self._store.document_texts())
        by_seg: dict[str, set[str]] = {}
        for sid, code in zip(found["segment_id"], found["code_id"]):
            by_seg.setdefault(sid, set()).add(code)
        return [frozenset(by_seg.get(sid, ())) for sid in segment_ids]

    def suggest_from_codebook(
        self,
        *,
        threshold: float | None = None,
        seed: int = 0,
        embeddings: bool | None = None,
        who: str | None = None,
    ) -> ColdStartReport:
        """Cold start: suggest each segment its best code from the codebook alone (its
        definitions, include/exclude notes, examples, names and rules), no coding used
        (see :mod:`qda.coding.coldstart`). Source ``model``, coder ``codebook``; the
        confidence is how clearly the segment is that code rather than its next best,
        as a percentile over the project's segments; suggested when at least
        ``threshold`` (default :data:`~qda.coding.coldstart.DEFAULT_THRESHOLD`).
        Replaces earlier open model suggestions, keeps reviewed ones, never touches human
        codings. One transaction."""
        cb = self.codebook
        cold = self._cold_start(cb, embeddings=embeddings, seed=seed, threshold=threshold)
        report = ColdStartReport(
            coder="codebook",
            taught=0,
            codes=list(cold.scores.columns),
            path=cold.path,
            name_only=cold.settings["name_only"],
        )
        found = cold.suggestions.assign(evidence=_cold_evidence(cold.suggestions, cold, cb, seed))
        self._store_suggestions(
            found,
            report,
            coder="codebook",
            who=who,
            cb=cb,
            detail={"helper_name": "codebook", "path": cold.path, **cold.settings},
        )
        return report

    def _cold_start(self, cb, *, embeddings: bool | None, seed: int, threshold: float | None = None):
        """:func:`~qda.coding.coldstart.cold_start` over every segment of the project."""
        from qda.coding.coldstart import DEFAULT_THRESHOLD, cold_start

        texts = self.segments().set_index("segment_id")["text"]
        return cold_start(
            texts,
            cb,
            nlp=self.nlp,
            rules_hits=self._rules_hits(cb, texts.index),
            embeddings=embeddings,
            seed=seed,
            threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
            context=self._contexts(texts.index),
        )

    def evaluate_cold_start(
        self, *, against: str, seed: int = 0, embeddings: bool | None = None
    ) -> pd.DataFrame:
        """The cold start (every segment its best code, as :meth:`suggest_from_codebook`
        would store, nothing stored) scored against ``against``'s reviewed segments: per
        code (the codes they applied) then ``(micro)`` and ``(macro)`` rows, helper
        ``codebook``. No fitting on their coding: it is only the answer key."""
        from qda.coding.evaluate import _binary, score_helper

        truth, labels = self.training_set(against)
        cold = self._cold_start(self.codebook, embeddings=embeddings, seed=seed)
        codes = [c for c in cold.scores.columns if any(c in s for s in labels)]
        row, col = {s: i for i, s in enumerate(truth.index)}, {c: j for j, c in enumerate(codes)}
        pred = np.zeros((len(truth), len(codes)), dtype=np.int8)
        for sid, code in zip(cold.suggestions["segment_id"], cold.suggestions["code_id"]):
            if sid in row and code in col:
                pred[row[sid], col[code]] = 1
        per, over = score_helper(_binary(labels, codes), pred, codes, f"codebook ({cold.path})")
        over = over.reset_index().rename(columns={"average": "code_id"})
        over["code_id"] = "(" + over["code_id"] + ")"
        return pd.concat([per, over[per.columns]], ignore_index=True)

    def next_to_code(
        self, *, from_coder: str, n: int = 20, seed: int = 0, features: str = "words+chars"
    ) -> pd.DataFrame:
        """Active learning: the ``n`` segments ``from_coder`` has not coded whose coding
        would teach the suggester most (least certain first): ``segment_id, score, code,
        probability``."""
        from qda.coding.learn import rank_uncertain

        model, taught = self._fit_suggester(from_coder, seed=seed, features=features)
        ranked = rank_uncertain(model, self._uncoded(from_coder, taught), n)
        return ranked.rename_axis("segment_id").reset_index()
