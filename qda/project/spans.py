"""One coding at a time, as a person codes in a reader: a span of a turn coded, one
coding removed, one review undone; and what a reader shows of one document.

Part of :class:`qda.Project`, over the shared state of :mod:`.base`. Each
writing method is one transaction with one history row (who, when, what).
"""

from __future__ import annotations

import bisect
from typing import Any

import pandas as pd

from qda.errors import ConflictError, InputError
from qda.project._util import _who
from qda.project.base import ProjectBase
from qda.project.results import SpanCoding
from qda.store import now


class Spans(ProjectBase):
    def code_span(
        self,
        document: str,
        start: int,
        end: int,
        code_id: str,
        *,
        coder: str,
        text: str | None = None,
        who: str | None = None,
    ) -> SpanCoding:
        """Record ``coder``'s coding of ``document``'s stored text ``[start, end)`` (code
        points, end exclusive) at ``code_id``: source ``human``, status ``accepted``.

        The span must lie inside one segment that is not an interviewer turn. ``text``,
        when given, must equal the stored text there (a page showing an older version of
        the document is refused, ConflictError). A coding the coder already has (same
        span and code) is not added again: ``created`` is then False.
        """
        coder = (coder or "").strip()
        if not coder:
            raise InputError("a human coding needs the coder's name")
        if code_id not in self.codebook:
            raise InputError(f"unknown code {code_id!r}; see `qda codebook show` for the ids")
        doc = _doc_or_error(self._store, document)
        start, end = _offsets(start, end, len(doc["text"]), document)
        if text is not None and doc["text"][start:end] != text:
            raise ConflictError(
                f"{document}: the text at {start}-{end} is not the text selected (the document "
                "changed since the page was loaded); reload the page and select again"
            )
        seg = self._segment_at(document, start, end)
        stored = {
            "document_id": document,
            "start": start,
            "end": end,
            "code_id": code_id,
            "coder": coder,
            "source": "human",
        }
        with self._store.transaction():
            old = self._store.coding_id_of(document, start, end, code_id, coder=coder, source="human")
            if old is not None:
                return SpanCoding(old, seg["segment_id"], created=False)
            self._store.insert_codings(
                [
                    {
                        **stored,
                        "segment_id": seg["segment_id"],
                        "status": "accepted",
                        "confidence": None,
                        "evidence": None,
                        "codebook_version": self.codebook.version,
                        "created_at": now(),
                    }
                ]
            )
            new = self._store.coding_id_of(document, start, end, code_id, coder=coder, source="human")
            assert new is not None, "the coding just inserted is there"
            self._store.record(
                who=_who(who or coder),
                action="add",
                entity="coding",
                entity_id=str(new),
                detail={
                    "segment": seg["segment_id"],
                    "document": document,
                    "start": start,
                    "end": end,
                    "code": code_id,
                    "coder": coder,
                },
            )
        return SpanCoding(new, seg["segment_id"], created=True)

    def _segment_at(self, document: str, start: int, end: int) -> dict[str, Any]:
        segs = self._store.segments(document)
        starts = segs["start"].tolist()
        i = bisect.bisect_right(starts, start) - 1
        if i < 0 or end > int(segs["end"].iat[i]):
            raise InputError(
                f"{document}: offsets {start}-{end} do not lie inside one turn (they cross a "
                "turn boundary or fall between turns); select within one turn"
            )
        row = segs.iloc[i]
        if row["is_interviewer"]:
            raise InputError(
                f"{document}: {row['segment_id']} is an interviewer turn; interviewer turns are not coded"
            )
        return {"segment_id": row["segment_id"], "start": int(row["start"]), "end": int(row["end"])}

    def remove_coding(self, coding_id: int, *, who: str | None = None) -> dict[str, Any]:
        """Remove one human coding: it goes to the archive whole (with its quote, who and
        why), never deleted. A suggestion is rejected with :meth:`review` instead.
        Returns the coding as it was."""
        row = self._human_coding(coding_id)
        person = _who(who)
        with self._store.transaction():
            self._store.archive_codings([row["coding_id"]], who=person, reason=f"removed by {person}")
            self._store.record(
                who=person,
                action="remove",
                entity="coding",
                entity_id=str(row["coding_id"]),
                detail={k: row[k] for k in ("segment_id", "document_id", "start", "end", "code_id", "coder")},
            )
        return row

    def _human_coding(self, coding_id: int) -> dict[str, Any]:
        row = self._coding_or_error(coding_id)
        if row["source"] != "human":
            raise InputError(
                f"coding {coding_id} is a suggestion ({row['source']}, "
                f"{row['status']}); reject it instead of removing it"
            )
        return row

    def _coding_or_error(self, coding_id: Any) -> dict[str, Any]:
        try:
            cid = int(coding_id)
        except (TypeError, ValueError):
            raise InputError(f"coding ids are whole numbers, not {coding_id!r}") from None
        row = self._store.coding(cid)
        if row is None:
            raise InputError(f"no coding with id {cid}; see `qda codings` for the codings")
        return row

    def reopen_suggestion(self, coding_id: int, *, who: str | None = None) -> dict[str, Any]:
        """Undo a review: a rejected suggestion, or an accepted one (a rules or model
        suggestion that became a person's coding), is an open suggestion again."""
        row = self._coding_or_error(coding_id)
        person = _who(who)
        with self._store.transaction():
            if not self._store.reopen_suggestion(row["coding_id"]):
                raise InputError(
                    f"coding {row['coding_id']} is not a reviewed suggestion that can be "
                    f"opened again (it is {row['source']}, {row['status']}"
                    + (f", suggested by {row['origin']}" if row.get("origin") else "")
                    + ")"
                )
            self._store.record(
                who=person,
                action="reopen",
                entity="coding",
                entity_id=str(row["coding_id"]),
                detail={"was": row["status"], "code": row["code_id"], "segment": row["segment_id"]},
            )
        reopened = self._store.coding(row["coding_id"])
        assert reopened is not None, "the coding just reopened is there"
        return reopened

    # ---------------------------------------------------------------- reader reads
    def document_codings(self, document: str) -> pd.DataFrame:
        """Every coding of one document (any coder, source, status) with ``coding_id``:
        ``coding_id, segment_id, start, end, code, coder, source, status, confidence,
        evidence, origin, created_at``, by position."""
        _doc_or_error(self._store, document)
        return self._store.document_codings(document).rename(columns={"code_id": "code"})

    def document_turns(self, document: str) -> tuple[dict[str, Any], pd.DataFrame]:
        """One document as a reader shows it: ``{id, name, version, text}`` and its
        segments, interviewer turns included (the store's columns: ``segment_id, position,
        unit, start, end, speaker, participant_id, is_interviewer, begin_time, end_time,
        question``)."""
        doc = _doc_or_error(self._store, document)
        return doc, self._store.segments(document)

    def document_overview(self) -> pd.DataFrame:
        """One row per document: ``document, name, format, version, characters, words``
        (in segments, not interviewer turns), ``segments, interviewer_turns,
        participants`` (a list of ids), ``progress`` (a dict: person -> segments they
        coded or reviewed)."""
        df = self._store.document_overview()
        # words are counted again only for documents whose version or respondents' spans
        # changed since this Project last counted them (a page asks for the list often)
        cache = self.__dict__.setdefault("_words_cache", {})
        keys = list(zip(df["document_id"], df["version"], df["spans"]))
        missing = [k[0] for k in keys if k not in cache]
        for doc, n in self._store.segment_words(missing).items():
            row = df.index[df["document_id"] == doc][0]
            cache[keys[row]] = n
        df.insert(5, "words", [cache.get(k, 0) for k in keys])
        df = df.drop(columns="spans")
        progress: dict[str, dict[str, int]] = {}
        prog = self._store.coding_progress()
        for doc, coder, n in zip(prog["document_id"], prog["coder"], prog["segments"]):
            progress.setdefault(doc, {})[coder] = int(n)
        df["progress"] = [progress.get(d, {}) for d in df["document_id"]]
        return df.rename(columns={"document_id": "document"})


def _offsets(start: Any, end: Any, length: int, document: str) -> tuple[int, int]:
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError):
        raise InputError(f"{document}: offsets are whole numbers, not {start!r}-{end!r}") from None
    if not 0 <= start < end <= length:
        raise InputError(
            f"{document}: offsets {start}-{end} are not a span of the text (0 <= start < end <= {length})"
        )
    return start, end


def _doc_or_error(store, document: str) -> dict[str, Any]:
    doc = store.document(document)
    if doc is None:
        raise InputError(f"unknown document {document!r}; see `qda documents` for the ids")
    return doc
