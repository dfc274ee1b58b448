"""Exploring the data: text search with keyword in context, word frequencies, coding
queries (saved by name, usable as matrix columns) and a passage in its context.

Part of :class:`qda.Project` (over :class:`.memos.Memos`, whose memos :meth:`show`
lists, and :class:`.attributing.Attributing`). The logic is in :mod:`qda.explore`; these
methods read the store's tables, apply the ``where`` conditions
(:mod:`qda.explore.where`) and hand them over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from qda.analysis.columns import rolled_pairs
from qda.errors import InputError
from qda.explore import context as ctx
from qda.explore import query as q
from qda.explore import search as s
from qda.explore import where as w
from qda.explore import words as wf
from qda.project._util import _who
from qda.project.attributing import Attributing
from qda.project.base import ProjectBase
from qda.project.memos import Memos

_BASE = ("participant_id", "label", "auto")
#: the setting that holds the saved queries: name -> {expression, where, coders}
SAVED_QUERIES = "saved_queries"


class Exploring(Memos, Attributing, ProjectBase):
    # ------------------------------------------------------------------ helpers
    def _attribute_names(self, participants: pd.DataFrame | None = None) -> list[str]:
        parts = self._participants() if participants is None else participants
        return [c for c in parts.columns if c not in _BASE]

    def _where_segments(self, where, *, interviewer: bool = False) -> pd.DataFrame:
        """The segment table (attributes joined) meeting ``where``."""
        conditions = w.parse_where(where)
        parts = self._participants()
        segs = self._segment_table(
            self._store.segments(), self._store.document_texts(), parts, interviewer=interviewer
        )
        return w.apply_where(segs, conditions, self._attribute_names(parts))

    def _coded_at(self, code: str, chosen) -> set[str]:
        if code not in self.codebook:
            raise InputError(f"unknown code {code!r}; see `qda codebook show` for the ids")
        return set(rolled_pairs(chosen.codings, self.codebook, [code])["segment_id"])

    # ------------------------------------------------------------------- search
    def search(
        self,
        term: str,
        *,
        regex: bool = False,
        lemma: bool = False,
        code: str | None = None,
        where: Iterable[str] | Mapping | None = None,
        context: int = s.CONTEXT_WORDS,
        interviewer: bool = False,
        coders: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Every hit of ``term`` (see :mod:`qda.explore.search`: plain words, ``regex``,
        or every form with ``lemma``) in the segments meeting ``where``
        (``["role=Responsible Officer"]``), only those coded at ``code`` (or below it,
        by the default codings or ``coders``') when given; interviewer turns only with
        ``interviewer=True``. One row per hit: ``segment_id, document, participant,
        speaker, start, end, left, hit, right``, then the segment's attributes.
        ``text[start:end]`` of the document is the hit."""
        if regex and lemma:
            raise InputError("search by --regex or by --lemma, not both")
        if context < 0:
            raise InputError(f"--context must be 0 or more words, not {context}")
        pattern = None if lemma else s.term_pattern(term, regex=regex)
        segs = self._where_segments(where, interviewer=interviewer)
        if code is not None:
            chosen = self.select_codings(coders=coders)
            segs = segs[segs["segment_id"].isin(self._coded_at(code, chosen))]
        texts = self._store.document_texts()
        if pattern is None:
            return s.lemma_hits(segs, texts, term, self.nlp, context=context)
        return s.find_hits(segs, texts, pattern, context=context)

    @staticmethod
    def hits_table(hits: pd.DataFrame, *, code: str | None = None, coder: str | None = None) -> pd.DataFrame:
        """Hits as a long coding CSV that ``qda code import`` reads back: the design's
        columns first (``text`` is the hit; ``code``/``coder`` filled when given, else
        empty for a person to fill), then ``left, right`` and the rest."""
        return s.hits_long(hits, code=code, coder=coder)

    # -------------------------------------------------------------------- words
    def words(
        self,
        *,
        by: str | None = None,
        codes: Sequence[str] | None = None,
        where: Iterable[str] | Mapping | None = None,
        top: int | None = 20,
        min_count: int = 1,
        sort: str = "count",
        coders: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Word frequencies (see :mod:`qda.explore.words`) in the segments meeting
        ``where`` (interviewer turns left out), only those coded at one of ``codes`` (or
        below) when given; ``by`` a participant attribute: per group, with keyness."""
        segs = self._where_segments(where)
        if codes:
            chosen = self.select_codings(coders=coders)
            keep: set[str] = set()
            for code in codes:
                keep |= self._coded_at(code, chosen)
            segs = segs[segs["segment_id"].isin(keep)]
        groups = None
        if by is not None:
            if by not in segs.columns or by in ("text", "start", "end", "segment_id"):
                names = ", ".join(["document", "participant", "speaker", *self._attribute_names()])
                raise InputError(f"--by {by}: no attribute {by!r} in this project; use one of {names}")
            values = segs[by].astype("object")
            groups = values.where(values.notna() & (values != ""), "(none)").astype(str)
        return wf.word_frequencies(
            segs["text"].tolist(),
            None if groups is None else groups.tolist(),
            self.nlp,
            by=by,
            top=top,
            min_count=min_count,
            sort=sort,
        )

    # ------------------------------------------------------------------ queries
    def _query_parts(self, where, coders):
        """What a query is evaluated over: the segments in scope, each code's rolled-up
        segments, each segment's place in its document."""
        scope = self._where_segments(where)
        chosen = self.select_codings(coders=coders)
        pairs = rolled_pairs(chosen.codings, self.codebook, self.codebook.ids)
        coded = {c: set(g) for c, g in pairs.groupby("code_id")["segment_id"]}
        segs = self._store.segments()
        places = {
            sid: (doc, int(pos))
            for sid, doc, pos in zip(segs["segment_id"], segs["document_id"], segs["position"])
        }
        return scope, coded, places, chosen

    def query(
        self,
        expression: str,
        *,
        where: Iterable[str] | Mapping | None = None,
        coders: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """The passages a coding query selects (see :mod:`qda.explore.query`), among the
        segments meeting ``where``, by the default codings or ``coders``': one row per
        segment, document order: ``segment_id, document, participant, attribution,
        speaker, start, end, codes`` (the query's codes the segment is coded at, itself
        or below), ``text``, then the participant's attributes."""
        parsed = q.parse_query(expression, self.codebook)
        scope, coded, places, _ = self._query_parts(where, coders)
        ids = q.evaluate(parsed, set(scope["segment_id"]), coded, places)
        out = scope[scope["segment_id"].isin(ids)].reset_index(drop=True)
        names = self.attributions()
        codes = ["; ".join(c for c in parsed.codes if sid in coded.get(c, ())) for sid in out["segment_id"]]
        out = out.drop(columns=["unit"])
        out.insert(3, "attribution", out["participant"].map(names))
        out.insert(out.columns.get_loc("text"), "codes", codes)
        return out

    def query_matrix(
        self,
        expression: str,
        *,
        rows: str = "participant",
        where: Iterable[str] | Mapping | None = None,
        coders: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """The query as a matrix (NVivo's matrix coding query): ``rows`` (participant,
        document or an attribute) by each code of the query and the query itself
        (segments; sub-codes rolled up), and the row's ``segments`` in scope."""
        parsed = q.parse_query(expression, self.codebook)
        scope, coded, places, _ = self._query_parts(where, coders)
        universe = set(scope["segment_id"])
        key = {"participant": "participant", "document": "document"}.get(rows, rows)
        if key not in scope.columns or key in ("text", "start", "end", "segment_id"):
            names = ", ".join(["participant", "document", *self._attribute_names()])
            raise InputError(f"--matrix {rows}: cannot make rows of {rows!r}; use one of {names}")
        columns = {c: coded.get(c, set()) & universe for c in parsed.codes}
        columns[parsed.text] = q.evaluate(parsed, universe, coded, places)
        order = None
        if key == "participant":
            order = [
                p for p in self._store.participants()["participant_id"] if p in set(scope["participant"])
            ]
        return q.query_matrix(scope, key, columns, rows=order)

    def saved_queries(self) -> dict[str, dict]:
        """name -> ``{"expression", "where", "coder"}`` of the queries saved in the
        project."""
        return dict(self._store.get_setting(SAVED_QUERIES, {}) or {})

    def save_query(
        self,
        name: str,
        expression: str,
        *,
        where=None,
        coders: Iterable[str] | None = None,
        who: str | None = None,
    ) -> None:
        """Keep a query by ``name`` (checked first; a name saved before is replaced) in
        the project's settings, with its ``where`` conditions and coders; usable as a
        column in :meth:`matrix` (``queries=[name]``). Recorded in the history."""
        name = (name or "").strip()
        if not name or any(ch in name for ch in ",="):
            raise InputError(f"a saved query needs a name without commas or '=', not {name!r}")
        q.parse_query(expression, self.codebook)
        conditions = w.parse_where(where)
        w.apply_where(self._where_segments(None).head(0), conditions, self._attribute_names())
        saved = self.saved_queries()
        entry = {"expression": expression, "where": conditions, "coders": list(coders) if coders else None}
        with self._store.transaction():
            self._store.set_setting(SAVED_QUERIES, {**saved, name: entry})
            self._store.record(
                who=_who(who),
                action="save",
                entity="query",
                entity_id=name,
                detail={**entry, "before": saved.get(name)},
            )

    def saved_query_segments(self, name: str, *, coders: Iterable[str] | None = None) -> set[str]:
        """The ids of the segments the saved query ``name`` selects (by its own coders
        when saved with any, else ``coders``, else the default codings)."""
        saved = self.saved_queries()
        if name not in saved:
            known = ", ".join(sorted(saved)) or "none yet (qda query EXPR --save NAME)"
            raise InputError(f"no saved query {name!r}; saved queries: {known}")
        entry = saved[name]
        parsed = q.parse_query(entry["expression"], self.codebook)
        scope, coded, places, _ = self._query_parts(entry.get("where") or None, entry.get("coders") or coders)
        return q.evaluate(parsed, set(scope["segment_id"]), coded, places)

    # --------------------------------------------------------------------- show
    def show(self, segment_id: str, *, context: int = 2) -> ctx.Passage:
        """The segment with ``context`` segments each side (interviewer turns included),
        every coding of it and the memos about its codings, participant and document."""
        seg = self._store.segment(segment_id)
        if seg is None:
            raise InputError(f"unknown segment {segment_id!r}; see `qda segments` for the ids")
        doc = seg["document_id"]
        segs = self._store.segments(doc)
        codings = self._store.codings()
        codings = codings[codings["segment_id"] == segment_id]
        return ctx.passage(
            segment_id,
            segs,
            self._store.document_texts()[doc],
            codings,
            self.codebook,
            context=context,
            attributions=self.attributions(),
            memos=self._passage_memos(codings, segs[segs["segment_id"] == segment_id].iloc[0]),
        )

    def _passage_memos(self, codings: pd.DataFrame, segment: pd.Series) -> pd.DataFrame:
        """The memos :meth:`show` lists with a passage: about its codings, its
        participant and its document."""
        memos = self.memos()
        about = (memos["target"] == "coding") & memos["target_id"].isin(
            [str(i) for i in codings["coding_id"]]
        )
        about |= (memos["target"] == "participant") & (memos["target_id"] == str(segment["participant_id"]))
        about |= (memos["target"] == "document") & (memos["target_id"] == segment["document_id"])
        return memos[about].reset_index(drop=True)
