"""The rules coder: the codebook's keywords and patterns run over every segment.

Part of :class:`qda.Project`, over the shared state of :mod:`.base`. Plans in
:func:`qda.coding.rules.plan_rules_run` (which segments need coding again), codes in
batches (in worker processes when asked), writes in one transaction.
"""

from __future__ import annotations

import hashlib

import pandas as pd

from qda.coding.rules import (
    CODING_COLUMNS,
    RULES_VERSION,
    RulesCoder,
    RulesRunPlan,
    code_batch,
    plan_rules_run,
    rule_fingerprints,
)
from qda.errors import ProjectError
from qda.limits import MAX_SEGMENT_CHARS
from qda.offsets import quote
from qda.parallel import Runner, batched
from qda.project._util import _who
from qda.project.base import ProjectBase
from qda.project.results import RulesReport
from qda.store import now

_RULES_BATCH = 1000  # segments per parallel task


def _text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def _refuse_long_segments(segs: pd.DataFrame) -> None:
    """A segment over :data:`MAX_SEGMENT_CHARS` (stored before ingest refused them) cannot
    be read by spaCy: say which, and how to mend it, instead of failing inside spaCy."""
    sizes = segs["end"] - segs["start"]
    long = segs[sizes > MAX_SEGMENT_CHARS]
    if long.empty:
        return
    first = long.iloc[0]
    more = f" (and {len(long) - 1} more)" if len(long) > 1 else ""
    raise ProjectError(
        f"segment {first['segment_id']} is {int(first['end'] - first['start']):,} characters "
        f"long{more}, over the limit of {MAX_SEGMENT_CHARS:,} characters for one segment, so "
        "the rules coder cannot read it; split that passage in the document's file (blank "
        "lines or speaker labels) and ingest the file again"
    )


class RulesCoding(ProjectBase):
    def code_rules(
        self,
        *,
        who: str | None = None,
        incremental: bool = False,
        workers: int | None = None,
        scheduler: str | None = None,
    ) -> RulesReport:
        """Suggest codes by the codebook's keywords and patterns (source ``rules``).

        Replaces earlier open rules suggestions; suggestions a person accepted or
        rejected are kept as they are, and human codings are never touched.

        ``incremental``: code again only what changed since the last rules run: segments
        that are new or whose text or offsets changed (all codes), and on the others only
        the codes whose rules (keywords, exclusions, patterns, windows) changed. The
        suggestions are the same as a full run's. ``workers`` (processes on this machine)
        or ``scheduler`` (a Dask cluster's address) code batches of segments in parallel;
        this process alone writes to the project.
        """
        cb = self.codebook
        report = RulesReport()
        segs = self._rules_segments(report)
        texts = self._store.document_texts()
        fingerprints = rule_fingerprints(cb)
        pipeline = self._rules_pipeline()
        keys = [
            (sid, doc, int(s), int(e), _text_hash(quote(texts[doc], s, e, document=doc)))
            for sid, doc, s, e in zip(segs["segment_id"], segs["document_id"], segs["start"], segs["end"])
        ]
        old_segs, old_codes = self._store.rules_state()
        if not incremental or self._store.get_setting("rules_pipeline") != pipeline:
            old_segs, old_codes = {}, {}
        reviewed = self._store.reviewed_keys(source="rules")
        # a suggestion a person reviewed is not suggested again; if that review is gone
        # (its coding archived), a full run would suggest it again: so code its segment
        was_reviewed = {tuple(k) for k in self._store.get_setting("rules_reviewed", [])}
        reopened = {sid for sid, _ in was_reviewed - reviewed} if old_segs else set()
        plan = plan_rules_run(keys, fingerprints, old_segs, old_codes, reopened)
        changed_ids = plan.changed_ids
        with Runner(workers=workers, scheduler=scheduler) as runner:
            found = self._rules_found(segs[segs["segment_id"].isin(changed_ids)], texts, cb, None, runner)
            if plan.codes_changed and len(plan.changed) < len(keys):
                rest = self._rules_found(
                    segs[~segs["segment_id"].isin(changed_ids)], texts, cb, plan.codes_changed, runner
                )
                found = pd.concat([found, rest], ignore_index=True)
        self._write_rules(found, plan, fingerprints, pipeline, report, who=_who(who), version=cb.version)
        report.segments = len(segs)
        report.segments_recoded = len(plan.changed)
        report.codes_recoded = list(plan.codes_changed)
        report.incremental = not plan.full
        return report

    def _rules_segments(self, report: RulesReport) -> pd.DataFrame:
        """The segments the rules code (interviewer turns left out), checked: a codebook,
        some segments, none too long for spaCy; a warning when no code has rules."""
        cb = self.codebook
        if not len(cb):
            raise ProjectError("the project has no codebook; load one with `qda codebook load F`")
        if not any(c.keywords or c.patterns or c.proximity for c in cb):
            report.warnings.append(
                "no code in the codebook has keywords, patterns or proximity "
                "rules; "
                "the rules coder has nothing to match"
            )
        segs = self._store.segments()
        segs = segs[~segs["is_interviewer"]]
        if segs.empty:
            raise ProjectError("there are no segments to code; ingest transcripts first (`qda ingest FILES`)")
        _refuse_long_segments(segs)
        return segs

    def _write_rules(
        self,
        found: pd.DataFrame,
        plan: RulesRunPlan,
        fingerprints: dict[str, str],
        pipeline: str,
        report: RulesReport,
        *,
        who: str,
        version: str,
    ) -> None:
        """Store a rules run's suggestions in one transaction, replacing its earlier open
        ones (all, or those of what changed), and the state the next run compares with."""
        stamp = now()
        with self._store.transaction():
            # Read what a person reviewed under the write lock: another process may have
            # accepted or rejected a suggestion (or re-segmented a document) while the
            # rules ran, and its work must neither be suggested again nor collide.
            reviewed = self._store.reviewed_keys(source="rules")
            keep = [(s, c) not in reviewed for s, c in zip(found["segment_id"], found["code_id"])]
            report.kept_reviewed = len(found) - sum(keep)
            found = _still_there(found[keep], self._store.segments())
            if plan.full:
                report.replaced = self._store.delete_suggestions(source="rules")
            else:
                report.replaced = self._store.delete_suggestions_of(
                    source="rules", segment_ids=[*plan.changed_ids, *plan.stale], code_ids=plan.codes_changed
                )
                self._store.set_suggestions_version(source="rules", version=version)
            inserted = self._store.insert_codings(
                {
                    **r,
                    "coder": "rules",
                    "source": "rules",
                    "status": "suggested",
                    "confidence": None,
                    "codebook_version": version,
                    "created_at": stamp,
                }
                for r in found.to_dict("records")
            )
            if plan.full:
                self._store.clear_rules_state()
            self._store.set_rules_state(plan.changed, [] if plan.full else plan.stale, fingerprints)
            self._store.set_setting("rules_pipeline", pipeline)
            self._store.set_setting("rules_reviewed", sorted([s or "", c] for s, c in reviewed))
            report.suggestions, report.segments_coded = self._store.suggestion_counts(source="rules")
            self._store.record(
                who=who,
                action="code",
                entity="codings",
                entity_id="rules",
                detail={
                    "suggestions": report.suggestions,
                    "replaced": report.replaced,
                    "codebook_version": version,
                    "added": inserted,
                    "incremental": not plan.full,
                    "segments_recoded": len(plan.changed),
                    "codes_recoded": len(plan.codes_changed),
                },
            )

    def _rules_found(
        self, segs: pd.DataFrame, texts, codebook, codes: list[str] | None, runner: Runner
    ) -> pd.DataFrame:
        """The rules coder's kept rows for ``segs``: here, or in batches on ``runner``."""
        if segs.empty:
            return pd.DataFrame([], columns=CODING_COLUMNS)
        if not runner.parallel:
            return RulesCoder(codebook, nlp=self.nlp, codes=codes).code(segs, texts)
        rows = [
            (sid, doc, int(s), int(e), quote(texts[doc], s, e, document=doc))
            for sid, doc, s, e in zip(segs["segment_id"], segs["document_id"], segs["start"], segs["end"])
        ]
        key = f"{self._rules_pipeline()}|{sorted(rule_fingerprints(codebook).items())}|{codes}"
        tasks = [(key, codebook, codes, self._spacy_model, batch) for batch in batched(rows, _RULES_BATCH)]
        out = [row for result in runner.map(code_batch, tasks) for row in result]
        return pd.DataFrame(out, columns=CODING_COLUMNS)

    def _rules_pipeline(self) -> str:
        """What, besides the codebook, decides the rules' results: a change starts afresh."""
        import spacy

        return (
            f"rules {RULES_VERSION}; spacy {spacy.__version__}; "
            f"model {self._spacy_model or 'blank en + lookup lemmas'}"
        )


def _still_there(found: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``found`` whose segment still exists with the same offsets (read in the
    writing transaction: another process may have added a document version meanwhile)."""
    if found.empty:  # an incremental run may find nothing (and have no columns)
        return found
    now_ = set(zip(segments["segment_id"], segments["start"], segments["end"]))
    keep = [(s, a, b) in now_ for s, a, b in zip(found["segment_id"], found["start"], found["end"])]
    return found[keep]
