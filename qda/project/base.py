"""Opening and closing a project, and what it reads back (tables, analyses, settings).

Part of :class:`qda.Project` (a mixin): ``self._store`` is the project's store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Self

import pandas as pd

from qda import analysis
from qda.analysis.segments import segment_table
from qda.attribution import DEFAULT_TEMPLATE
from qda.codebook import Codebook
from qda.ingest.source import RESERVED_ATTRIBUTES, attribute_column
from qda.project._util import _who
from qda.segment import make_nlp
from qda.store import Store


class ProjectBase:
    def __init__(self, store: Store, *, spacy_model: str | None = None):
        self._store = store
        self._spacy_model = spacy_model
        self._codebook: Codebook | None = None
        self._codebook_stamp = -1

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def create(cls, path: str | Path, **kw) -> Self:
        return cls(Store.create(path), **kw)

    @classmethod
    def open(cls, path: str | Path, *, read_only: bool | None = None, **kw) -> Self:
        """Open a project; ``read_only=True`` refuses every change (None: read-only only
        when the file or its folder cannot be written)."""
        return cls(Store.open(path, read_only=read_only), **kw)

    @classmethod
    def open_or_create(cls, path: str | Path, **kw) -> Self:
        return cls.open(path, **kw) if Path(path).exists() else cls.create(path, **kw)

    @property
    def path(self) -> Path:
        return self._store.path

    @property
    def store(self) -> Store:
        """The project's store, for readers below the faces that need its tables as
        stored (:mod:`qda.reports` reads what the exports need through it). Change the
        project through its methods: they keep one transaction per write and the history."""
        return self._store

    def close(self) -> None:
        self._store.close()

    def _repr_html_(self) -> str:
        """The project at a glance in a notebook: counts, codings used, memos, and the
        participants-by-themes matrix shaded (:func:`qda.display.project_html`)."""
        from qda.display import project_html

        return project_html(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self):
        """Group several operations into one transaction (they nest)."""
        try:
            with self._store.transaction():
                yield
        finally:
            self._codebook = None   # a rollback may have undone codebook edits

    @property
    def nlp(self):
        return make_nlp(self._spacy_model)

    # ---------------------------------------------------------------------- reads
    def documents(self, *, text: bool = False) -> pd.DataFrame:
        return self._store.documents(with_text=text).rename(columns={"document_id": "document"})

    def participants(self) -> pd.DataFrame:
        """One row per participant: participant, label, auto, then attributes."""
        return self._participants().rename(columns={"participant_id": "participant"})

    def _participants(self) -> pd.DataFrame:
        """The store's participants, an attribute named like a column of qda's tables
        (stored before such names were refused, or by another program) or like a code's
        id (the matrix and the Segments sheet have a column per code) renamed
        ``attribute_<name>``, so that joining attributes to segments never clashes."""
        parts = self._store.participants()
        base = {"participant_id", "label", "auto"}
        taken = RESERVED_ATTRIBUTES | set(self.codebook.ids)
        return parts.rename(columns={c: attribute_column(c, taken)
                                     for c in parts.columns if c not in base})

    def history(self) -> pd.DataFrame:
        return self._store.history()

    def segments(self, *, interviewer: bool = False) -> pd.DataFrame:
        """The segment table: ``segment_id, document, participant, speaker, unit, start, end,
        text`` then participant attributes, then ``question`` (survey answers) and
        ``begin_time, end_time`` (seconds, from subtitle cues or timestamps) when any segment
        has them. Interviewer turns only with ``interviewer=True`` (then an
        ``is_interviewer`` column is added at the end)."""
        return self._segment_table(self._store.segments(), self._store.document_texts(),
                                   self._participants(), interviewer=interviewer)

    @staticmethod
    def _segment_table(segs: pd.DataFrame, texts: Mapping[str, str],
                       participants: pd.DataFrame, *, interviewer: bool = False
                       ) -> pd.DataFrame:
        """:meth:`segments` from tables already read (the store's segments, the texts,
        :meth:`_participants`): :func:`qda.analysis.segment_table`."""
        return segment_table(segs, texts, participants, interviewer=interviewer)

    def codings(self, *, coders: Iterable[str] | None = None, sources: Iterable[str] | None = None,
                statuses: Iterable[str] | None = None) -> pd.DataFrame:
        """The long coding table: ``segment_id, document, participant, start, end, code, coder,
        source, status, confidence, text``, then ``evidence, codebook_version, created_at,
        review`` (why a person should look again, e.g. after a split), ``origin`` (for an
        accepted suggestion: the source that suggested it) and ``reviewed_by``."""
        df = self._store.codings()
        for col, wanted in (("coder", coders), ("source", sources), ("status", statuses)):
            if wanted is not None:
                df = df[df[col].isin(list(wanted))]
        texts = self._store.document_texts()
        segs = self._store.segments()[["segment_id", "participant_id"]]
        df = df.merge(segs, on="segment_id", how="left")
        df["text"] = [texts[d][s:e] for d, s, e in zip(df["document_id"], df["start"], df["end"])]
        df = df.rename(columns={"document_id": "document", "participant_id": "participant",
                                "code_id": "code"})
        return df[["segment_id", "document", "participant", "start", "end", "code", "coder",
                   "source", "status", "confidence", "text", "evidence", "codebook_version",
                   "created_at", "review", "origin", "reviewed_by"]].reset_index(drop=True)

    # ------------------------------------------------------------------- analysis
    # select_codings, matrix and the other analyses: qda/project/analysing.py
    def quotes(self, *, template: str | None = None, **filters) -> pd.DataFrame:
        """Coded quotes with attributions: one row per (code, segment), document order."""
        chosen = self.select_codings(**filters)
        return analysis.coded_quotes(chosen.codings, self._store.segments(),
                                     self._store.document_texts(), self.codebook,
                                     self.attributions(template=template))

    # ------------------------------------------------------------------- settings
    @property
    def attribution_template(self) -> str:
        return self._store.get_setting("attribution_template", DEFAULT_TEMPLATE)

    def set_attribution_template(self, template: str, *, who: str | None = None) -> None:
        with self._store.transaction():
            self._store.set_setting("attribution_template", template)
            self._store.record(who=_who(who), action="set", entity="setting",
                               entity_id="attribution_template", detail={"value": template})

    def summary(self, *, segments: pd.DataFrame | None = None) -> dict[str, int]:
        """Counts of documents, participants, segments, interviewer turns, codes and
        codings (``segments``: the store's segment table, when already read)."""
        segs = self._store.segments() if segments is None else segments
        total, human, suggested = self._store.coding_totals()
        return {
            "documents": len(self._store.document_ids()),
            "participants": len(self._store.participant_ids()),
            "segments": int((~segs["is_interviewer"]).sum()),
            "interviewer_turns": int(segs["is_interviewer"].sum()),
            "codes": len(self._store.codes()),
            "codings": total,
            "human_codings": human,
            "suggestions": suggested,
        }
