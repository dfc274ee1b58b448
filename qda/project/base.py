"""What every part of :class:`qda.Project` shares: the state, declared once, and the
tables they all read.

Each part of the Project (``ingesting``, ``codebooks``, ``coding`` ...) is a class over
:class:`ProjectBase`; a part that needs another's behaviour inherits from it by name
(``Exchange(Codebooks, ProjectBase)``) and calls only its public methods. The shared
state, and the only underscored members parts use from outside their own module:

- ``_store``: the project's :class:`~qda.store.Store` (all SQL is behind it);
- ``_spacy_model``: the spaCy pipeline asked for (None: the blank one), ``nlp`` builds it;
- ``_codebook`` / ``_codebook_stamp``: the cached :attr:`codebook` (set ``_codebook`` to
  None after a write that may change it); ``_stored_codebook()`` the same codebook with
  the loaded file's own version;
- ``_participants()`` and ``_segment_table()``: the participant and segment tables as
  joins need them; ``_backup_before(reason)``: the automatic backup before a
  destructive change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

import pandas as pd
from spacy.language import Language

from qda import analysis
from qda.analysis.segments import segment_table
from qda.codebook import Codebook
from qda.ingest.source import RESERVED_ATTRIBUTES, attribute_column
from qda.offsets import quotes
from qda.project._util import _version_label
from qda.segment import make_nlp
from qda.store import Store


class ProjectBase:
    _store: Store
    _spacy_model: str | None
    _codebook: Codebook | None
    _codebook_stamp: int

    def __init__(self, store: Store, *, spacy_model: str | None = None):
        self._store = store
        self._spacy_model = spacy_model
        self._codebook = None
        self._codebook_stamp = -1

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def create(cls, path: str | Path, **kw: Any) -> Self:
        return cls(Store.create(path), **kw)

    @classmethod
    def open(cls, path: str | Path, *, read_only: bool | None = None, **kw: Any) -> Self:
        """Open a project; ``read_only=True`` refuses every change (None: read-only only
        when the file or its folder cannot be written)."""
        return cls(Store.open(path, read_only=read_only), **kw)

    @classmethod
    def open_or_create(cls, path: str | Path, **kw: Any) -> Self:
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

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several operations into one transaction (they nest)."""
        try:
            with self._store.transaction():
                yield
        finally:
            self._codebook = None  # a rollback may have undone codebook edits

    @property
    def nlp(self) -> Language:
        return make_nlp(self._spacy_model)

    # ------------------------------------------------------------------- codebook
    @property
    def codebook(self) -> Codebook:
        """The project's codebook. Its ``version`` says exactly which state this is: the
        loaded file's version, then ``+rN`` after N edits (``1.0+r3``). Cached; every
        codebook write (and every rolled-back transaction, and a commit by another
        connection to the file) refreshes it."""
        stamp = self._store.data_version()
        if self._codebook is None or stamp != self._codebook_stamp:
            self._codebook_stamp = stamp
            self._codebook = Codebook.from_rows(
                self._store.codes().to_dict("records"),
                name=self._store.get_setting("codebook_name", "Codebook"),
                version=_version_label(
                    self._store.get_setting("codebook_version", "0"), self.codebook_revision
                ),
                description=self._store.get_setting("codebook_description", ""),
            )
        return self._codebook

    @property
    def codebook_revision(self) -> int:
        """Edits since the codebook file (its ``version``) was loaded."""
        return int(self._store.get_setting("codebook_revision", 0))

    def _stored_codebook(self) -> Codebook:
        """The codebook with the loaded file's own version (no ``+rN``), to compare files."""
        return dataclasses.replace(
            self.codebook, version=str(self._store.get_setting("codebook_version", "0"))
        )

    def _backup_before(self, reason: str) -> Path | None:
        """The automatic backup before a destructive change; skipped inside an outer
        transaction (its state is not committed yet) and on a read-only project (the
        change itself will be refused)."""
        if self._store.in_transaction or self._store.read_only:
            return None
        return self._store.backup(reason)

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
        return parts.rename(columns={c: attribute_column(c, taken) for c in parts.columns if c not in base})

    def history(self) -> pd.DataFrame:
        return self._store.history()

    def segments(self, *, interviewer: bool = False) -> pd.DataFrame:
        """The segment table: ``segment_id, document, participant, speaker, unit, start, end,
        text`` then participant attributes, then ``question`` (survey answers) and
        ``begin_time, end_time`` (seconds, from subtitle cues or timestamps) when any segment
        has them. Interviewer turns only with ``interviewer=True`` (then an
        ``is_interviewer`` column is added at the end)."""
        return self._segment_table(
            self._store.segments(),
            self._store.document_texts(),
            self._participants(),
            interviewer=interviewer,
        )

    @staticmethod
    def _segment_table(
        segs: pd.DataFrame, texts: Mapping[str, str], participants: pd.DataFrame, *, interviewer: bool = False
    ) -> pd.DataFrame:
        """:meth:`segments` from tables already read (the store's segments, the texts,
        :meth:`_participants`): :func:`qda.analysis.segment_table`."""
        return segment_table(segs, texts, participants, interviewer=interviewer)

    def codings(
        self,
        *,
        coders: Iterable[str] | None = None,
        sources: Iterable[str] | None = None,
        statuses: Iterable[str] | None = None,
    ) -> pd.DataFrame:
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
        df["text"] = quotes(texts, df["document_id"], df["start"], df["end"])
        df = df.rename(
            columns={"document_id": "document", "participant_id": "participant", "code_id": "code"}
        )
        return df[
            [
                "segment_id",
                "document",
                "participant",
                "start",
                "end",
                "code",
                "coder",
                "source",
                "status",
                "confidence",
                "text",
                "evidence",
                "codebook_version",
                "created_at",
                "review",
                "origin",
                "reviewed_by",
            ]
        ].reset_index(drop=True)

    # ---------------------------------------------------------- which codings
    def select_codings(
        self,
        *,
        coders: Iterable[str] | None = None,
        sources: Iterable[str] | None = None,
        statuses: Iterable[str] | None = None,
    ) -> analysis.CodingSelection:
        """The codings analyses use (see :func:`qda.analysis.select_codings`); its
        ``description`` says which, for titles and About sheets."""
        return analysis.select_codings(
            self._store.codings(), coders=coders, sources=sources, statuses=statuses
        )

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
