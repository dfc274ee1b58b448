"""The analyses of a project: matrix, crosstab, framework, co-occurrence, agreement,
saturation, and which codings they use.

Part of :class:`qda.Project` (over :class:`.exploring.Exploring`, for saved queries
as matrix columns, and :class:`.attributing.Attributing`, for quotes): each method reads
the store's tables, picks the codings with :meth:`select_codings` (human and accepted codings when there are
any, else the open suggestions; or the ``coders``/``sources``/``statuses`` given) and
hands them to the pure function in :mod:`qda.analysis`. ``agreement`` is the
exception: it compares the named coders' own codings whatever the default.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from qda import analysis
from qda.errors import InputError
from qda.project._util import _who
from qda.project.attributing import Attributing
from qda.project.base import ProjectBase
from qda.project.exploring import Exploring
from qda.project.results import FrameworkImportReport


class Analysing(Exploring, Attributing, ProjectBase):
    # ------------------------------------------------------------------- quotes
    def quotes(self, *, template: str | None = None, **filters: Any) -> pd.DataFrame:
        """Coded quotes with attributions: one row per (code, segment), document order."""
        chosen = self.select_codings(**filters)
        return analysis.coded_quotes(
            chosen.codings,
            self._store.segments(),
            self._store.document_texts(),
            self.codebook,
            self.attributions(template=template),
        )

    # ------------------------------------------------------------------- matrix
    def matrix(
        self,
        *,
        rows: str = "participant",
        value: str = "count",
        codes: Sequence[str] | None = None,
        depth: int | None = None,
        totals: bool = False,
        coders: Iterable[str] | None = None,
        sources: Iterable[str] | None = None,
        statuses: Iterable[str] | None = None,
        queries: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The cross-reference matrix (see :func:`qda.analysis.code_matrix`): ``rows`` by
        codes at ``depth`` (``1`` themes, ``None`` every code) or the ``codes`` listed,
        with ``totals`` if asked; the codings chosen by the filters or the default.
        ``queries``: saved coding queries (:meth:`save_query`), each one more column
        ``query:NAME`` after the codes, valued like them over the passages it selects
        (by the query's own coders if saved with any, else ``coders``, else the default
        codings; a ``Total`` column counts the codes only)."""
        chosen = self.select_codings(coders=coders, sources=sources, statuses=statuses)
        table = self._matrix(chosen, rows=rows, value=value, codes=codes, depth=depth, totals=totals)
        if queries:
            table = self._with_query_columns(
                table, queries, rows=rows, value=value, totals=totals, coders=coders
            )
        return table

    def _with_query_columns(
        self, table: pd.DataFrame, names: Sequence[str], *, rows: str, value: str, totals: bool, coders
    ) -> pd.DataFrame:
        """``table`` with a column per saved query: the matrix of the passages each
        selects, as if each query were a code, made the same way as the codes'."""
        from qda.codebook import Code, Codebook

        ids = {name: f"query:{name}" for name in dict.fromkeys(names)}
        passages = {name: self.saved_query_segments(name, coders=coders) for name in ids}
        pseudo = Codebook(codes=tuple(Code(cid, name) for name, cid in ids.items()))
        pairs = [
            {"segment_id": sid, "code_id": ids[name]}
            for name, sids in passages.items()
            for sid in sorted(sids)
        ]
        codings = pd.DataFrame(pairs, columns=["segment_id", "code_id"])
        extra = self._matrix(
            analysis.CodingSelection(codings, "filtered", ""),
            rows=rows,
            value=value,
            codes=list(ids.values()),
            totals=totals,
            codebook=pseudo,
        )
        cols = list(ids.values())
        at = table.columns.get_loc("Total") if "Total" in table.columns else len(table.columns)
        for offset, col in enumerate(cols):
            table.insert(at + offset, col, extra[col].to_numpy())
        return table

    def _matrix(self, chosen: analysis.CodingSelection, *, codebook=None, **kw) -> pd.DataFrame:
        texts = self._store.document_texts() if kw.get("value") == "words" else None
        return analysis.code_matrix(
            self._store.segments(),
            chosen.codings,
            codebook or self.codebook,
            participants=self._participants(),
            texts=texts,
            **kw,
        )

    # ----------------------------------------------------------------- crosstab
    def crosstab(
        self,
        attribute: str,
        *,
        unit: str = "segments",
        depth: int | None = 1,
        codes: Sequence[str] | None = None,
        **filters,
    ) -> analysis.Crosstab:
        """Codes by the values of a participant attribute (see
        :func:`qda.analysis.crosstab`); ``filters``: ``coders``, ``sources``,
        ``statuses`` as for :meth:`select_codings`."""
        chosen = self.select_codings(**filters)
        return analysis.crosstab(
            self._store.segments(),
            chosen.codings,
            self.codebook,
            self._participants(),
            attribute,
            unit=unit,
            depth=depth,
            codes=codes,
        )

    # ------------------------------------------------------------ co-occurrence
    def cooccurrence(
        self, *, depth: int | None = 1, codes: Sequence[str] | None = None, **filters
    ) -> analysis.Cooccurrence:
        """Codes co-occurring within segments (interviewer turns left out); see
        :func:`qda.analysis.cooccurrence`."""
        chosen = self.select_codings(**filters)
        return analysis.cooccurrence(
            chosen.codings, self.codebook, depth=depth, codes=codes, segments=self._store.segments()
        )

    # --------------------------------------------------------------- saturation
    def saturation(
        self,
        *,
        documents: Sequence[str] | None = None,
        depth: int | None = None,
        codes: Sequence[str] | None = None,
        **filters,
    ) -> pd.DataFrame:
        """New codes per successive document, in import order unless ``documents`` gives
        one (see :func:`qda.analysis.saturation`)."""
        chosen = self.select_codings(**filters)
        return analysis.saturation(
            chosen.codings,
            self._store.segments(),
            self.codebook,
            documents=documents,
            depth=depth,
            codes=codes,
        )

    # ---------------------------------------------------------------- agreement
    def agreement(
        self, coders: Sequence[str], *, codes: Sequence[str] | None = None, depth: int | None = None
    ) -> analysis.Agreement:
        """Agreement between ``coders`` (two or more) per code and pooled (see
        :func:`qda.analysis.agreement`).

        Each coder's decisions are their own human codings, which include the
        suggestions they accepted (an accepted suggestion *is* the reviewer's coding);
        rejected and open suggestions are not decisions of anyone's. The units are
        the segments each coder reviewed (``reviews``: a coding sheet row or CSV row
        they filled in, even with no code) or coded; interviewer turns are left out.
        Codings imported from another program (REFI-QDA, source ``import``) are that
        person's decisions too; such a coder has no review rows, so every segment of a
        document they coded in counts as reviewed by them (NVivo and MAXQDA coders code
        whole documents). A coder the project does not know, or one who reviewed
        nothing, is an error.
        """
        coders = [c.strip() for c in coders if c and c.strip()]
        coders = list(dict.fromkeys(coders))
        if len(coders) < 2:
            raise InputError("agreement needs at least two coders, e.g. --coders A,B")
        everything = self._store.codings()
        imported = everything[everything["source"] == "import"]
        known = sorted(set(self._store.coders()["coder"]) | set(imported["coder"].dropna()))
        unknown = [c for c in coders if c not in known]
        if unknown:
            names = ", ".join(known) or "none yet (qda code import F --coder NAME)"
            raise InputError(f"unknown coder {unknown[0]!r}; coders in this project: {names}")
        segs = self._store.segments()
        segs = segs[~segs["is_interviewer"]]
        live = set(segs["segment_id"])
        codings = everything[
            everything["coder"].isin(coders)
            & everything["source"].isin(["human", "import"])
            & (everything["status"] == "accepted")
            & everything["segment_id"].isin(live)
        ]
        reviews = self._store.reviews()
        reviews = reviews[reviews["coder"].isin(coders) & reviews["segment_id"].isin(live)]
        # A coder known only from imported codings reviewed the documents they coded in.
        by_import = [
            c for c in coders if not (reviews["coder"] == c).any() and (imported["coder"] == c).any()
        ]
        for coder in by_import:
            docs = set(imported.loc[imported["coder"] == coder, "document_id"])
            whole = segs.loc[segs["document_id"].isin(docs), ["segment_id"]].assign(coder=coder)
            reviews = pd.concat([reviews, whole], ignore_index=True)
        for coder in coders:
            if not ((reviews["coder"] == coder).any() or (codings["coder"] == coder).any()):
                raise InputError(
                    f"coder {coder!r} has no reviewed or coded segments (outside "
                    "interviewer turns); import their coding first"
                )
        return analysis.agreement(
            codings, coders, self.codebook, units=reviews[["segment_id", "coder"]], codes=codes, depth=depth
        )

    # ---------------------------------------------------------------- framework
    def framework(
        self, *, depth: int | None = 1, codes: Sequence[str] | None = None, **filters
    ) -> pd.DataFrame:
        """The framework matrix (see :func:`qda.analysis.framework_matrix`): one row per
        participant, for each theme its quotes and the summary stored in the project."""
        chosen = self.select_codings(**filters)
        return analysis.framework_matrix(
            self._store.segments(),
            chosen.codings,
            self.codebook,
            self._participants(),
            self._store.document_texts(),
            depth=depth,
            codes=codes,
            summaries=self._store.framework_summaries(),
        )

    def framework_summaries(self) -> pd.DataFrame:
        """The stored summaries: ``participant_id, code_id, summary, updated_at,
        updated_by``."""
        return self._store.framework_summaries()

    def import_framework(self, path: str | Path, *, by: str | None = None) -> FrameworkImportReport:
        """Read the summaries of a framework sheet (an exported workbook's ``Framework``
        sheet or a CSV of it) into the project, in one transaction and one history row.

        The rule: a non-empty cell sets the summary (new or changed); an empty cell
        leaves the stored summary alone (so a sheet exported before someone else's
        summaries, or with columns hidden, never wipes them out). To clear a summary,
        put a single ``-`` in the cell. Everything is checked before anything is written.
        """
        path = Path(path)
        found = analysis.read_framework_summaries(path, self.codebook, self._participants())
        clear = found["summary"] == "-"
        stored = self._store.framework_summaries()
        before = {(r.participant_id, r.code_id): r.summary for r in stored.itertuples()}
        report = FrameworkImportReport(file=str(path))
        rows, cleared = [], []
        for r in found[~clear].itertuples(index=False):
            old = before.get((r.participant_id, r.code_id))
            if old == r.summary:
                report.unchanged += 1
                continue
            (report.added if old is None else report.changed).append((r.participant_id, r.code_id))
            rows.append(
                {
                    "participant_id": r.participant_id,
                    "code_id": r.code_id,
                    "summary": r.summary,
                    "before": old,
                }
            )
        for r in found[clear].itertuples(index=False):
            if (r.participant_id, r.code_id) in before:
                cleared.append(
                    {
                        "participant_id": r.participant_id,
                        "code_id": r.code_id,
                        "before": before[(r.participant_id, r.code_id)],
                    }
                )
                report.cleared.append((r.participant_id, r.code_id))
        if not rows and not cleared:
            return report
        who = _who(by)
        with self._store.transaction():
            self._store.set_framework_summaries(
                [{k: v for k, v in r.items() if k != "before"} for r in rows], who=who
            )
            self._store.delete_framework_summaries([(r["participant_id"], r["code_id"]) for r in cleared])
            self._store.record(
                who=who,
                action="import",
                entity="framework",
                entity_id=path.name,
                detail={
                    "file": str(path),
                    "added": len(report.added),
                    "changed": len(report.changed),
                    "cleared": len(report.cleared),
                    "unchanged": report.unchanged,
                    "summaries": rows + cleared,
                },
            )
        return report
