"""Review of suggestions, and consensus between coders.

Part of :class:`qda.Project`, over the shared state of :mod:`.base`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from qda.coding import review as reviewing
from qda.coding.rules import RulesCoder
from qda.errors import ConflictError, InputError
from qda.offsets import quote
from qda.project._util import _is_consensus, _who
from qda.project.base import ProjectBase
from qda.project.results import ConsensusReport, ReviewReport
from qda.store import now


class Reviewing(ProjectBase):
    # -------------------------------------------------------- review and consensus
    def explain_rules(self, segment_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """Why the rules suggest what they do: one row per piece of evidence.

        Columns: ``segment_id, document, code, kind`` (keyword, pattern, window, or
        exclude: an exclude keyword that blocks the code), ``term, matched, start, end,
        context`` (the segment's text with the match in [brackets]), ``outcome``
        (suggested, blocked by an exclusion, or not coded: an interviewer turn) and
        ``status`` (the stored rules coding's status now: suggested, accepted,
        rejected, or empty). Without ids: every segment the rules find something in.
        """
        segs = self._store.segments()
        if segment_ids is not None:
            wanted = list(dict.fromkeys(segment_ids))
            unknown = [s for s in wanted if s not in set(segs["segment_id"])]
            if unknown:
                raise InputError(f"unknown segment {unknown[0]!r}; see `qda segments` for the ids")
            segs = segs.set_index("segment_id").loc[wanted].reset_index()
        else:
            segs = segs[~segs["is_interviewer"]]
        texts = self._store.document_texts()
        found = RulesCoder(self.codebook, nlp=self.nlp).explain(segs, texts)
        interviewer = set(segs.loc[segs["is_interviewer"], "segment_id"])
        stored = self._store.codings()
        stored = stored[(stored["source"] == "rules") | (stored["origin"] == "rules")]
        status = {
            (s, c): ("accepted" if src == "human" else st)
            for s, c, src, st in zip(
                stored["segment_id"], stored["code_id"], stored["source"], stored["status"]
            )
        }
        rows = []
        bounds = segs.set_index("segment_id")[["start", "end"]]
        for rec in found.to_dict("records"):
            seg_start, seg_end = bounds.loc[rec["segment_id"]]
            text = quote(texts[rec["document_id"]], seg_start, seg_end, document=rec["document_id"])
            outcome = (
                "not coded (interviewer turn)"
                if rec["segment_id"] in interviewer
                else "blocked by an exclusion"
                if rec["blocked_by"]
                else "suggested"
            )
            for ev in [*rec["evidence"], *rec["blocked_by"]]:
                rows.append(
                    {
                        "segment_id": rec["segment_id"],
                        "document": rec["document_id"],
                        "code": rec["code_id"],
                        "kind": ev["kind"],
                        "term": ev["term"],
                        "matched": ev["text"],
                        "start": ev["start"],
                        "end": ev["end"],
                        "context": reviewing.bracket(text, ev["start"] - seg_start, ev["end"] - seg_start),
                        "outcome": outcome,
                        "status": status.get((rec["segment_id"], rec["code_id"]), ""),
                    }
                )
        return pd.DataFrame(
            rows,
            columns=[
                "segment_id",
                "document",
                "code",
                "kind",
                "term",
                "matched",
                "start",
                "end",
                "context",
                "outcome",
                "status",
            ],
        )

    def suggestions(self, **filters) -> pd.DataFrame:
        """Open suggestions (the long coding table's columns plus ``coding_id``), chosen by
        the filters of :meth:`review` (``ids, segments, codes, sources, min_confidence,
        max_confidence``)."""
        chosen = self._choose_suggestions(**filters)
        table = self._store.codings()
        return table[table["coding_id"].isin(chosen["coding_id"])].reset_index(drop=True)

    def review(
        self,
        action: str,
        *,
        coder: str | None = None,
        ids: Iterable[int] = (),
        segments: Iterable[str] = (),
        codes: Iterable[str] = (),
        sources: Iterable[str] = (),
        min_confidence: float | None = None,
        max_confidence: float | None = None,
        all: bool = False,
    ) -> ReviewReport:  # noqa: A002 - the CLI's --all
        """Accept or reject open suggestions (rules, model, import) chosen by the filters.

        Filters combine (a suggestion must match each one given): coding ``ids``,
        ``segments`` (ids), ``codes`` (exact code ids, not their children),
        ``sources``, and a confidence range (suggestions without a confidence, like the
        rules', never match a range). With no filter at all nothing is reviewed unless
        ``all=True``.

        ``accept``: each suggestion *becomes* a human coding of ``coder`` (default: the
        user's login name), keeping its provenance (``origin`` = the suggesting source,
        evidence, confidence, ``reviewed_by``/``reviewed_at``): one row, never counted
        twice. If the coder already has that coding (same words and code) the suggestion is
        archived whole instead. ``reject``: status ``rejected``; kept, and the rules do not
        suggest it again. One transaction and one history row per call.
        """
        if action not in ("accept", "reject"):
            raise InputError(f"unknown review action {action!r}; use accept or reject")
        if coder is not None and not coder.strip():
            raise InputError("the coder's name is empty; give --coder NAME")
        person = _who(coder.strip() if coder else None)
        filters: dict[str, Any] = {
            "ids": list(ids),
            "segments": list(segments),
            "codes": list(codes),
            "sources": list(sources),
            "min_confidence": min_confidence,
            "max_confidence": max_confidence,
        }
        chosen = self._choose_suggestions(**filters)
        if not all and not any(v not in (None, []) for v in filters.values()):
            raise InputError(
                f"no filter given: this would {action} every open suggestion "
                f"({len(chosen)}); choose some with --code, --source, --segment, --id or a "
                "confidence bound, or pass --all"
            )
        report = ReviewReport(action=action, matched=len(chosen))
        if chosen.empty:
            return report
        with self._store.transaction():
            if action == "accept":
                self._accept(chosen, person, report)
            else:
                report.changed = self._store.reject_suggestions(chosen["coding_id"], who=person)
            report.by_code = {
                str(k): int(v) for k, v in chosen["code_id"].value_counts().sort_index().items()
            }
            self._store.record(
                who=person,
                action=action,
                entity="codings",
                entity_id="review",
                detail={
                    "filters": {k: v for k, v in filters.items() if v not in (None, [])},
                    "all": bool(all),
                    "matched": report.matched,
                    "changed": report.changed,
                    "duplicates": report.duplicates,
                    "coder": person,
                    "by_code": report.by_code,
                    "coding_ids": [int(i) for i in chosen["coding_id"]],
                },
            )
        return report

    def _accept(self, chosen: pd.DataFrame, person: str, report: ReviewReport) -> None:
        """Accepting ``chosen`` as ``person``'s codings (in the caller's transaction): each
        becomes theirs, or is archived when they already have that coding."""
        convert, duplicates = reviewing.plan_accept(chosen, self._store.coder_codings(person))
        report.changed = self._store.accept_suggestions(convert, coder=person)
        for dup, original in duplicates.items():
            self._store.archive_codings(
                [dup],
                who=person,
                reason=f"accepted by {person}, who already had this coding (coding {original})",
            )
        report.duplicates = len(duplicates)

    def _choose_suggestions(
        self,
        *,
        ids: Iterable[int] = (),
        segments: Iterable[str] = (),
        codes: Iterable[str] = (),
        sources: Iterable[str] = (),
        min_confidence: float | None = None,
        max_confidence: float | None = None,
    ) -> pd.DataFrame:
        """Check the review filters (one InputError naming the bad value) and apply them."""
        ids, segments, codes, sources = list(ids), list(segments), list(codes), list(sources)
        cb = self.codebook
        for code_id in codes:
            if code_id not in cb:
                raise InputError(f"unknown code {code_id!r}; see `qda codebook show` for the ids")
        for source in sources:
            if source not in reviewing.AUTOMATIC_SOURCES:
                raise InputError(
                    f"unknown suggestion source {source!r}; use one of "
                    f"{', '.join(reviewing.AUTOMATIC_SOURCES)}"
                )
        low = reviewing.check_confidence(min_confidence, "--min-confidence")
        high = reviewing.check_confidence(max_confidence, "--max-confidence")
        if low is not None and high is not None and low > high:
            raise InputError(f"--min-confidence {low} is above --max-confidence {high}; nothing could match")
        for segment_id in segments:
            if self._store.segment(segment_id) is None:
                raise InputError(f"unknown segment {segment_id!r}; see `qda segments` for the ids")
        # By id alone (the coding page's one suggestion at a time): read only those rows;
        # every other filter narrows the same rows further, so the choice is the same.
        try:
            ids = [int(i) for i in ids]
        except (TypeError, ValueError):
            raise InputError(f"coding ids are whole numbers, not {ids!r}") from None
        table = self._store.codings(ids=ids if ids and len(ids) <= 500 else None)
        if ids:
            known = table.set_index("coding_id")
            for cid in ids:
                if cid not in known.index:
                    raise InputError(
                        f"no coding with id {cid}; see `qda review list` for the "
                        "open suggestions and their ids"
                    )
                row = known.loc[cid]
                if row["status"] != "suggested" or row["source"] == "human":
                    raise InputError(
                        f"coding {cid} is not an open suggestion (it is "
                        f"{row['source']}, {row['status']}); only open "
                        "suggestions are reviewed"
                    )
        return reviewing.select_suggestions(
            table,
            ids=ids,
            segments=segments,
            codes=codes,
            sources=sources,
            min_confidence=low,
            max_confidence=high,
        )

    def coders(self) -> pd.DataFrame:
        """Every person who coded or reviewed: ``coder, codings, reviewed``."""
        return self._store.coders()

    def build_consensus(
        self,
        coders: Sequence[str],
        *,
        rule: str = "all",
        name: str = "final",
        keep_edits: bool = False,
        who: str | None = None,
    ) -> ConsensusReport:
        """Write ``name``'s codings (source ``human``, status ``accepted``) from several
        coders' human codings, on the segments every one of them reviewed (a review row or
        a coding of theirs), and report the disagreements a person should settle.

        ``rule``: ``all`` (every coder applied the code to the segment), ``majority``
        (more than half) or ``any``. A consensus coding covers the span the agreeing
        coders used when they all used the same spans, else the whole segment; its
        evidence (one item of kind ``consensus``) names who agreed and who did not. The
        segments become reviewed by ``name``.

        Re-running rebuilds what an earlier consensus wrote: codings still agreed stay,
        new ones are added, ones no longer agreed are archived. Codings of ``name`` that
        a person made (no consensus evidence) or removed are never touched; while there
        are any, the call is refused (ConflictError) unless ``keep_edits=True``, which
        builds around them (a removed one is not added again).
        """
        coders, name = reviewing.check_consensus(
            coders, rule=rule, name=name, known=list(self._store.coders()["coder"])
        )
        table = self._store.codings()
        human = table[(table["source"] == "human") & (table["status"] == "accepted")]
        reviewed = {
            c: set(self._store.reviews(c)["segment_id"])
            | set(human.loc[human["coder"] == c, "segment_id"].dropna())
            for c in coders
        }
        segs = self._store.segments()
        final, disagreements = reviewing.consensus(
            human[human["coder"].isin(coders)], reviewed, segs, coders=coders, rule=rule
        )
        mine = human[human["coder"] == name]
        is_consensus = mine["evidence"].map(_is_consensus)
        written, by_hand = mine[is_consensus], mine[~is_consensus]
        removed_by_hand = self._removed_by_hand(name)
        common = set.intersection(*reviewed.values())
        report = ConsensusReport(
            name=name,
            coders=coders,
            rule=rule,
            segments=len(common),
            hand_codings=len(by_hand) + len(removed_by_hand),
            disagreements=disagreements,
        )
        if report.hand_codings and not keep_edits:
            raise ConflictError(
                f"coder {name!r} has {len(by_hand)} coding(s) a person added and "
                f"{len(removed_by_hand)} a person removed since a consensus wrote them; they "
                "are never overwritten. Rebuild around them with --keep-edits, or write the "
                "consensus under another name with --as"
            )
        stamp = now()
        plan = reviewing.plan_consensus(
            final,
            written,
            [by_hand, removed_by_hand],
            self._store.document_texts(),
            rule=rule,
            coders=coders,
            name=name,
            codebook_version=self.codebook.version,
            stamp=stamp,
        )
        self._write_consensus(plan, report, segs, common, who=_who(who), stamp=stamp)
        return report

    def _write_consensus(
        self,
        plan: reviewing.ConsensusPlan,
        report: ConsensusReport,
        segs: pd.DataFrame,
        common: set[str],
        *,
        who: str,
        stamp: str,
    ) -> None:
        """Write a planned consensus in one transaction: evidence renewed, codings added
        and archived, the ``common`` segments reviewed by the consensus, a history row."""
        seg_doc = segs.set_index("segment_id")["document_id"]
        with self._store.transaction():
            for coding_id, evidence in plan.evidence.items():
                self._store.set_coding_evidence(coding_id, evidence)
            report.kept, report.added = plan.kept, self._store.insert_codings(plan.add)
            report.removed = self._store.archive_codings(
                plan.gone,
                who=who,
                reason=f"consensus rebuilt ({report.rule} of {', '.join(report.coders)}): no longer agreed",
            )
            self._store.insert_reviews(
                {
                    "segment_id": s,
                    "document_id": seg_doc[s],
                    "coder": report.name,
                    "reviewed_at": stamp,
                    "source_file": "consensus",
                }
                for s in sorted(common)
                if s in seg_doc.index
            )
            self._store.record(
                who=who,
                action="consensus",
                entity="codings",
                entity_id=report.name,
                detail={
                    "coders": report.coders,
                    "rule": report.rule,
                    "segments": report.segments,
                    "added": report.added,
                    "kept": report.kept,
                    "removed": report.removed,
                    "hand_codings": report.hand_codings,
                    "disagreements": len(report.disagreements),
                },
            )

    def _removed_by_hand(self, name: str) -> pd.DataFrame:
        """Consensus codings of ``name`` a person archived (not a consensus rebuild)."""
        archived = self._store.archived_codings()
        archived = archived[(archived["coder"] == name) & (archived["source"] == "human")]
        return archived[
            archived["evidence"].map(lambda v: _is_consensus(json.loads(v)) if isinstance(v, str) else False)
            & ~archived["reason"].str.startswith("consensus")
        ]
