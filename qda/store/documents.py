"""Rows of documents, their versions, participants, speakers and segments."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from qda.store.base import StoreBase, now

__all__ = ["DocumentRows"]


class DocumentRows(StoreBase):
    """Documents, versions, participants, speakers, segments. (A part of :class:`~qda.store.Store`.)"""

    # ------------------------------------------------------------------ documents
    def document_by_name(self, name: str) -> dict[str, Any] | None:
        return self._document_where("name = ?", name)

    def document_by_sha(self, sha256: str) -> dict[str, Any] | None:
        return self._document_where("sha256 = ?", sha256)

    def document(self, document_id: str) -> dict[str, Any] | None:
        return self._document_where("id = ?", document_id)

    def _document_where(self, where: str, value: str) -> dict[str, Any] | None:
        row = self._conn.execute(
            f"SELECT id, name, sha256, version, unit, text FROM documents WHERE {where}"
            " ORDER BY rowid LIMIT 1",
            (value,),
        ).fetchone()
        if row is None:
            return None
        return dict(zip(("id", "name", "sha256", "version", "unit", "text"), row))

    def document_ids(self) -> set[str]:
        return {r[0] for r in self._conn.execute("SELECT id FROM documents")}

    def insert_document(self, row: Mapping[str, Any]) -> None:
        self._write(
            "INSERT INTO documents (id, name, path, format, sha256, text, unit, imported_at,"
            " attributes, import_report) VALUES (:id, :name, :path, :format, :sha256, :text,"
            " :unit, :imported_at, :attributes, :import_report)",
            {
                **row,
                "attributes": json.dumps(row.get("attributes") or {}, ensure_ascii=False),
                "import_report": _report_json(row),
            },
        )

    def replace_document_text(self, document_id: str, row: Mapping[str, Any]) -> int:
        """Keep the current text as a version in ``document_versions`` and store the new one.

        Returns the new version number.
        """
        old = self._conn.execute(
            "SELECT version, sha256, text, imported_at FROM documents WHERE id = ?", (document_id,)
        ).fetchone()
        self._write(
            "INSERT INTO document_versions (document_id, version, sha256, text, imported_at,"
            " replaced_at) VALUES (?, ?, ?, ?, ?, ?)",
            (document_id, *old, now()),
        )
        self._write(
            "UPDATE documents SET path = :path, format = :format, sha256 = :sha256, text = :text,"
            " unit = :unit, imported_at = :imported_at, attributes = :attributes,"
            " version = :version, import_report = :import_report WHERE id = :id",
            {
                **row,
                "id": document_id,
                "version": old[0] + 1,
                "attributes": json.dumps(row.get("attributes") or {}, ensure_ascii=False),
                "import_report": _report_json(row),
            },
        )
        return old[0] + 1

    def document_versions(self, document_id: str) -> pd.DataFrame:
        """Earlier versions of a document (not the current one), oldest first."""
        return self._frame(
            "SELECT document_id, version, sha256, imported_at, replaced_at, text"
            " FROM document_versions WHERE document_id = ? ORDER BY version",
            (document_id,),
        )

    def documents(self, *, with_text: bool = False) -> pd.DataFrame:
        text = ", text" if with_text else ""
        df = self._frame(
            "SELECT id AS document_id, name, format, version, sha256, unit, imported_at,"
            f" length(text) AS characters{text} FROM documents ORDER BY rowid"
        )
        return df

    def import_reports(self) -> dict[str, dict[str, Any] | None]:
        """Each document's import report (None for one imported before qda kept them)."""
        return {
            doc_id: json.loads(report) if report else None
            for doc_id, report in self._conn.execute("SELECT id, import_report FROM documents ORDER BY rowid")
        }

    def document_texts(self) -> dict[str, str]:
        return dict(self._conn.execute("SELECT id, text FROM documents"))

    # --------------------------------------------------------------- participants
    def upsert_participant(
        self, pid: str, *, label: str, attributes: Mapping[str, Any], auto: bool = False
    ) -> None:
        self.upsert_participants([(pid, label, attributes)], auto=auto)

    def upsert_participants(
        self, rows: Iterable[tuple[str, str, Mapping[str, Any]]], *, auto: bool = False
    ) -> None:
        """(id, label, attributes) rows, in two statements whatever their number (a survey
        makes a participant of each of its respondents)."""
        rows, stamp = list(rows), now()
        self._write_many(
            "INSERT INTO participants (id, label, auto, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET label = excluded.label, auto = excluded.auto",
            ((pid, label, int(auto), stamp) for pid, label, _ in rows),
        )
        self._write_many(
            "INSERT INTO participant_attributes (participant_id, name, value) VALUES (?, ?, ?)"
            " ON CONFLICT(participant_id, name) DO UPDATE SET value = excluded.value",
            ((pid, name, value) for pid, _, attrs in rows for name, value in attrs.items()),
        )

    def participants(self) -> pd.DataFrame:
        """One row per participant: id, label, auto, then one column per attribute."""
        base = self._frame("SELECT id AS participant_id, label, auto FROM participants ORDER BY id")
        attrs = self._frame(
            "SELECT participant_id, name, value FROM participant_attributes ORDER BY participant_id, rowid"
        )
        base["auto"] = base["auto"].astype(bool)
        if attrs.empty:
            return base
        order = list(dict.fromkeys(attrs["name"]))
        wide = attrs.pivot(index="participant_id", columns="name", values="value")
        wide = wide.reindex(columns=order)
        wide.columns.name = None
        # An attribute named like one of the columns above (stored by an older qda or
        # another program) becomes attribute_<name> instead of clashing with it.
        renamed: dict[str, str] = {}
        for name in wide.columns:
            new = name
            while new in base.columns or new in renamed.values():
                new = f"attribute_{new}"
            renamed[name] = new
        wide = wide.rename(columns=renamed)
        return base.merge(wide, left_on="participant_id", right_index=True, how="left")

    def drop_unused_auto_participants(self) -> int:
        """Remove participants qda made up that no speaker or segment refers to any more."""
        cur = self._write(
            "DELETE FROM participants WHERE auto = 1"
            " AND id NOT IN (SELECT participant_id FROM speakers WHERE participant_id IS NOT NULL)"
            " AND id NOT IN (SELECT participant_id FROM segments WHERE participant_id IS NOT NULL)"
        )
        return cur.rowcount

    def participant_ids(self) -> set[str]:
        return {r[0] for r in self._conn.execute("SELECT id FROM participants")}

    # ------------------------------------------------------------------- speakers
    def upsert_speaker(
        self, document_id: str, label: str, *, participant_id: str | None, is_interviewer: bool
    ) -> None:
        self._write(
            "INSERT INTO speakers (document_id, label, participant_id, is_interviewer)"
            " VALUES (?, ?, ?, ?) ON CONFLICT(document_id, label) DO UPDATE SET"
            " participant_id = excluded.participant_id, is_interviewer = excluded.is_interviewer",
            (document_id, label, participant_id, int(is_interviewer)),
        )
        # Spelt so that the segments_speaker index serves it (a coalesce() would not).
        who = "speaker = ?" if label else "(speaker IS NULL OR speaker = ?)"
        self._write(
            f"UPDATE segments SET participant_id = ?, is_interviewer = ? WHERE document_id = ? AND {who}",
            (participant_id, int(is_interviewer), document_id, label),
        )

    def upsert_speakers(self, document_id: str, rows: Iterable[tuple[str, str | None, bool]]) -> None:
        """A document's (label, participant id, is interviewer) rows, then every segment of
        the document takes its speaker's participant in one pass: linear in the segments,
        where one update per speaker would be quadratic in a survey's respondents."""
        self._write_many(
            "INSERT INTO speakers (document_id, label, participant_id, is_interviewer)"
            " VALUES (?, ?, ?, ?) ON CONFLICT(document_id, label) DO UPDATE SET"
            " participant_id = excluded.participant_id, is_interviewer = excluded.is_interviewer",
            ((document_id, label, pid, int(is_int)) for label, pid, is_int in rows),
        )
        self._write(
            "UPDATE segments SET (participant_id, is_interviewer) = (SELECT sp.participant_id,"
            " sp.is_interviewer FROM speakers sp WHERE sp.document_id = segments.document_id"
            " AND sp.label = coalesce(segments.speaker, '')) WHERE document_id = ? AND EXISTS"
            " (SELECT 1 FROM speakers sp WHERE sp.document_id = segments.document_id"
            " AND sp.label = coalesce(segments.speaker, ''))",
            (document_id,),
        )

    def speakers(self, document_id: str | None = None) -> pd.DataFrame:
        """Speakers of every document, or of one."""
        where = "WHERE document_id = ? " if document_id is not None else ""
        df = self._frame(
            "SELECT document_id, label AS speaker, participant_id, is_interviewer FROM speakers"
            f" {where}ORDER BY document_id, label",
            () if document_id is None else (document_id,),
        )
        df["is_interviewer"] = df["is_interviewer"].astype(bool)
        return df

    # ------------------------------------------------------------------- segments
    def insert_segments(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self._write_many(
            'INSERT INTO segments (id, document_id, position, unit, start, "end", speaker,'
            " participant_id, is_interviewer, begin_time, end_time, question) VALUES (:id,"
            " :document_id, :position, :unit, :start, :end, :speaker, :participant_id,"
            " :is_interviewer, :begin_time, :end_time, :question)",
            ({"begin_time": None, "end_time": None, "question": None, **r} for r in rows),
        )

    def delete_segments(self, document_id: str) -> None:
        """Remove a document's segments (its codings must have been moved off them)."""
        self._write("DELETE FROM segments WHERE document_id = ?", (document_id,))

    def delete_speaker(self, document_id: str, label: str) -> None:
        self._write("DELETE FROM speakers WHERE document_id = ? AND label = ?", (document_id, label))

    def segment(self, segment_id: str) -> dict[str, Any] | None:
        row = self._conn.execute(
            'SELECT document_id, start, "end" FROM segments WHERE id = ?', (segment_id,)
        ).fetchone()
        return None if row is None else {"document_id": row[0], "start": row[1], "end": row[2]}

    def segments(self, document_id: str | None = None) -> pd.DataFrame:
        where, params = ("WHERE s.document_id = ?", (document_id,)) if document_id else ("", ())
        df = self._frame(
            'SELECT s.id AS segment_id, s.document_id, s.position, s.unit, s.start, s."end",'
            " s.speaker, s.participant_id, s.is_interviewer, s.begin_time, s.end_time,"
            f" s.question FROM segments s JOIN documents d ON d.id = s.document_id {where}"
            " ORDER BY d.rowid, s.position",
            params,
        )
        df["is_interviewer"] = df["is_interviewer"].astype(bool)
        for col in ("begin_time", "end_time"):
            df[col] = df[col].astype("float64")
        self.check_ends(df, "segment", "segment_id")
        return df

    def document_overview(self) -> pd.DataFrame:
        """Per document (in import order): ``document_id, name, format, version,
        characters, segments`` (not interviewer turns), ``interviewer_turns``,
        ``participants`` (a list of ids, by first turn)."""
        df = self._frame(
            "SELECT d.id AS document_id, d.name, d.format, d.version,"
            " length(d.text) AS characters,"
            " coalesce(sum(s.is_interviewer = 0), 0) AS segments,"
            " coalesce(sum(s.is_interviewer = 1), 0) AS interviewer_turns,"
            # a fingerprint of the respondents' spans: words are counted again only
            # when it (or the version) changes
            ' coalesce(sum(CASE WHEN s.is_interviewer = 0 THEN s.start * 1000003 + s."end"'
            " END), 0) AS spans"
            " FROM documents d LEFT JOIN segments s ON s.document_id = d.id"
            " GROUP BY d.id ORDER BY d.rowid"
        )
        people = self._conn.execute(
            "SELECT document_id, participant_id FROM segments WHERE is_interviewer = 0"
            " AND participant_id IS NOT NULL GROUP BY document_id, participant_id"
            " ORDER BY document_id, min(position)"
        ).fetchall()
        by_doc: dict[str, list[str]] = {}
        for doc, pid in people:
            by_doc.setdefault(doc, []).append(pid)
        df["participants"] = [by_doc.get(d, []) for d in df["document_id"]]
        return df

    def segment_words(self, documents: Iterable[str] | None = None) -> dict[str, int]:
        """Words (whitespace-separated) in each document's segments, not interviewer turns
        (``documents``: only those). Sliced in Python: SQLite's substr counts characters
        from the start of the text for every segment, which is slow on long documents."""
        where = ""
        params: tuple[str, ...] = ()
        if documents is not None:
            params = tuple(documents)
            if not params:
                return {}
            where = f" AND document_id IN ({', '.join('?' * len(params))})"
        spans: dict[str, list[tuple[int, int]]] = {}
        for doc, start, end in self._conn.execute(
            'SELECT document_id, start, "end" FROM segments WHERE is_interviewer = 0' + where, params
        ):
            spans.setdefault(doc, []).append((start, end))
        out: dict[str, int] = {}
        for doc, text in self._conn.execute(
            "SELECT id, text FROM documents" + where.replace(" AND document_id", " WHERE id"), params
        ):
            out[doc] = sum(len(text[s:e].split()) for s, e in spans.get(doc, ()))
        return out


def _report_json(row: Mapping[str, Any]) -> str | None:
    report = row.get("import_report")
    return None if report is None else json.dumps(report, ensure_ascii=False)
