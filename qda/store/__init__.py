"""The project store: one SQLite file per project. The only module that speaks SQL.

Everyone else hands the store plain rows (dicts, DataFrames) and gets DataFrames
back. Writes happen inside :meth:`Store.transaction`; nested use joins the outer
transaction, so a whole command commits or rolls back as one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from qda.errors import ProjectError
from qda.store import migrations

__all__ = ["Store", "now"]

_SQLITE_MAGIC = b"SQLite format 3\x00"


def now() -> str:
    """Timestamp used for every row: UTC, ISO 8601, seconds."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class Store:
    """A qda project file. Open with :meth:`open` or :meth:`create`."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self._conn = conn
        self.path = path
        self._depth = 0

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def create(cls, path: str | Path) -> Store:
        path = Path(path)
        if path.exists():
            raise ProjectError(f"{path}: already exists; open it instead of creating it")
        if not path.parent.exists():
            raise ProjectError(f"{path}: folder {path.parent} does not exist; create it first")
        return cls._connect(path)

    @classmethod
    def open(cls, path: str | Path) -> Store:
        path = Path(path)
        if not path.exists():
            raise ProjectError(
                f"{path}: no such project; create one with `qda init {path}` or `qda run`"
            )
        if path.is_dir():
            raise ProjectError(f"{path}: is a folder, not a qda project file")
        with open(path, "rb") as fh:
            head = fh.read(100)
        if not head.startswith(_SQLITE_MAGIC):
            raise ProjectError(f"{path}: is not a qda project (not an SQLite database)")
        app_id = int.from_bytes(head[68:72], "big")
        if app_id != migrations.APPLICATION_ID:
            raise ProjectError(
                f"{path}: is an SQLite database made by another program, not a qda project"
            )
        version = int.from_bytes(head[60:64], "big")
        if version > migrations.LATEST:
            raise ProjectError(
                f"{path}: was written by a newer qda (schema {version}; this qda knows up to "
                f"{migrations.LATEST}); upgrade qda to open it"
            )
        return cls._connect(path)

    @classmethod
    def _connect(cls, path: Path) -> Store:
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=30)
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA journal_mode = WAL")
            if migrations.apply_pending(conn):
                # The header (application_id, user_version) is read from the file by
                # :meth:`open` before connecting: write it through now, not at the next
                # automatic checkpoint, so another process can open the project at once.
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            raise ProjectError(f"{path}: cannot open the project: {exc}") from exc
        return cls(conn, path)

    def close(self) -> None:
        self._conn.close()

    # --------------------------------------------------------------- transactions
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of work; nested calls join the outermost transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._conn.execute("ROLLBACK")
            raise
        self._depth = 0
        self._conn.execute("COMMIT")

    def _write(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> sqlite3.Cursor:
        assert self._depth, "writes happen inside Store.transaction()"
        return self._conn.execute(sql, params)

    def _write_many(self, sql: str, rows: Iterable[Any]) -> None:
        assert self._depth, "writes happen inside Store.transaction()"
        self._conn.executemany(sql, rows)

    def _frame(self, sql: str, params: Iterable[Any] = ()) -> pd.DataFrame:
        cur = self._conn.execute(sql, tuple(params))
        cols = [d[0] for d in cur.description]
        return pd.DataFrame.from_records(cur.fetchall(), columns=cols)

    # ------------------------------------------------------------------- settings
    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self._conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_setting(self, key: str, value: Any) -> None:
        self._write(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    # -------------------------------------------------------------------- history
    def record(self, *, who: str, action: str, entity: str, entity_id: str | None = None,
               detail: Mapping[str, Any] | None = None) -> None:
        self._write(
            "INSERT INTO history (at, who, action, entity, entity_id, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (now(), who, action, entity, entity_id, json.dumps(detail or {}, ensure_ascii=False)),
        )

    def history(self) -> pd.DataFrame:
        return self._frame(
            "SELECT id, at, who, action, entity, entity_id, detail FROM history ORDER BY id"
        )

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
            " ORDER BY rowid LIMIT 1", (value,)
        ).fetchone()
        if row is None:
            return None
        return dict(zip(("id", "name", "sha256", "version", "unit", "text"), row))

    def document_ids(self) -> set[str]:
        return {r[0] for r in self._conn.execute("SELECT id FROM documents")}

    def insert_document(self, row: Mapping[str, Any]) -> None:
        self._write(
            "INSERT INTO documents (id, name, path, format, sha256, text, unit, imported_at,"
            " attributes) VALUES (:id, :name, :path, :format, :sha256, :text, :unit,"
            " :imported_at, :attributes)",
            {**row, "attributes": json.dumps(row.get("attributes") or {}, ensure_ascii=False)},
        )

    def replace_document_text(self, document_id: str, row: Mapping[str, Any]) -> int:
        """Keep the current text as a version in ``document_versions`` and store the new one.

        Returns the new version number.
        """
        old = self._conn.execute(
            "SELECT version, sha256, text, imported_at FROM documents WHERE id = ?",
            (document_id,)).fetchone()
        self._write(
            "INSERT INTO document_versions (document_id, version, sha256, text, imported_at,"
            " replaced_at) VALUES (?, ?, ?, ?, ?, ?)", (document_id, *old, now()))
        self._write(
            "UPDATE documents SET path = :path, format = :format, sha256 = :sha256, text = :text,"
            " unit = :unit, imported_at = :imported_at, attributes = :attributes,"
            " version = :version WHERE id = :id",
            {**row, "id": document_id, "version": old[0] + 1,
             "attributes": json.dumps(row.get("attributes") or {}, ensure_ascii=False)})
        return old[0] + 1

    def document_versions(self, document_id: str) -> pd.DataFrame:
        """Earlier versions of a document (not the current one), oldest first."""
        return self._frame(
            "SELECT document_id, version, sha256, imported_at, replaced_at, text"
            " FROM document_versions WHERE document_id = ? ORDER BY version", (document_id,))

    def documents(self, *, with_text: bool = False) -> pd.DataFrame:
        text = ", text" if with_text else ""
        df = self._frame(
            "SELECT id AS document_id, name, format, version, sha256, unit, imported_at,"
            f" length(text) AS characters{text} FROM documents ORDER BY rowid"
        )
        return df

    def document_texts(self) -> dict[str, str]:
        return dict(self._conn.execute("SELECT id, text FROM documents"))

    # --------------------------------------------------------------- participants
    def upsert_participant(self, pid: str, *, label: str, attributes: Mapping[str, Any],
                           auto: bool = False) -> None:
        self._write(
            "INSERT INTO participants (id, label, auto, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET label = excluded.label, auto = excluded.auto",
            (pid, label, int(auto), now()),
        )
        for name, value in attributes.items():
            self._write(
                "INSERT INTO participant_attributes (participant_id, name, value) VALUES (?, ?, ?)"
                " ON CONFLICT(participant_id, name) DO UPDATE SET value = excluded.value",
                (pid, name, value),
            )

    def participants(self) -> pd.DataFrame:
        """One row per participant: id, label, auto, then one column per attribute."""
        base = self._frame(
            "SELECT id AS participant_id, label, auto FROM participants ORDER BY id"
        )
        attrs = self._frame(
            "SELECT participant_id, name, value FROM participant_attributes"
            " ORDER BY participant_id, rowid"
        )
        base["auto"] = base["auto"].astype(bool)
        if attrs.empty:
            return base
        order = list(dict.fromkeys(attrs["name"]))
        wide = attrs.pivot(index="participant_id", columns="name", values="value")
        wide = wide.reindex(columns=order)
        wide.columns.name = None
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
    def upsert_speaker(self, document_id: str, label: str, *, participant_id: str | None,
                       is_interviewer: bool) -> None:
        self._write(
            "INSERT INTO speakers (document_id, label, participant_id, is_interviewer)"
            " VALUES (?, ?, ?, ?) ON CONFLICT(document_id, label) DO UPDATE SET"
            " participant_id = excluded.participant_id, is_interviewer = excluded.is_interviewer",
            (document_id, label, participant_id, int(is_interviewer)),
        )
        self._write(
            "UPDATE segments SET participant_id = ?, is_interviewer = ?"
            " WHERE document_id = ? AND coalesce(speaker, '') = ?",
            (participant_id, int(is_interviewer), document_id, label),
        )

    def speakers(self) -> pd.DataFrame:
        df = self._frame(
            "SELECT document_id, label AS speaker, participant_id, is_interviewer FROM speakers"
            " ORDER BY document_id, label"
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
        self._write("DELETE FROM speakers WHERE document_id = ? AND label = ?",
                    (document_id, label))

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
            " ORDER BY d.rowid, s.position", params
        )
        df["is_interviewer"] = df["is_interviewer"].astype(bool)
        for col in ("begin_time", "end_time"):
            df[col] = df[col].astype("float64")
        return df

    # ------------------------------------------------------- re-anchoring, archive
    def take_document_codings(self, document_id: str) -> list[dict[str, Any]]:
        """Remove a document's codings and return them whole (ids kept), so they can be
        put back at new offsets with :meth:`restore_codings` or archived, in one transaction."""
        cur = self._conn.execute(
            'SELECT id, segment_id, document_id, start, "end", code_id, coder, source, status,'
            " confidence, evidence, codebook_version, created_at, review, origin, reviewed_by,"
            " reviewed_at FROM codings WHERE document_id = ? ORDER BY id", (document_id,))
        cols = [d[0] for d in cur.description]
        rows = [dict(zip(cols, r)) for r in cur.fetchall()]
        self._write("DELETE FROM codings WHERE document_id = ?", (document_id,))
        return rows

    def restore_codings(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Insert codings taken by :meth:`take_document_codings` (evidence still JSON text)."""
        self._write_many(
            'INSERT INTO codings (id, segment_id, document_id, start, "end", code_id, coder,'
            " source, status, confidence, evidence, codebook_version, created_at, review, origin,"
            " reviewed_by, reviewed_at) VALUES (:id, :segment_id, :document_id, :start, :end,"
            " :code_id, :coder, :source, :status, :confidence, :evidence, :codebook_version,"
            " :created_at, :review, :origin, :reviewed_by, :reviewed_at)",
            ({"origin": None, "reviewed_by": None, "reviewed_at": None, **r} for r in rows))

    def archive_coding_rows(self, rows: Iterable[Mapping[str, Any]], *, reason: str,
                            who: str) -> int:
        """Keep codings (rows as from :meth:`take_document_codings`, plus ``quote`` and
        ``document_version``) in ``archived_codings``. They are never deleted."""
        names = dict(self._conn.execute("SELECT id, name FROM codes"))
        stamp = now()
        rows = [{"document_version": None, "origin": None, "reviewed_by": None,
                 "reviewed_at": None, **r, "coding_id": r.get("id"),
                 "code_name": names.get(r["code_id"]), "reason": reason, "archived_at": stamp,
                 "archived_by": who} for r in rows]
        self._write_many(
            'INSERT INTO archived_codings (coding_id, segment_id, document_id, document_version,'
            ' start, "end", quote, code_id, code_name, coder, source, status, confidence,'
            " evidence, codebook_version, created_at, reason, archived_at, archived_by, origin,"
            " reviewed_by, reviewed_at) VALUES (:coding_id, :segment_id, :document_id,"
            " :document_version, :start, :end, :quote, :code_id, :code_name, :coder, :source,"
            " :status, :confidence, :evidence, :codebook_version, :created_at, :reason,"
            " :archived_at, :archived_by, :origin, :reviewed_by, :reviewed_at)", rows)
        return len(rows)

    def codes(self) -> pd.DataFrame:
        df = self._frame(
            "SELECT id AS code_id, parent_id, name, description, include, exclude, examples,"
            " keywords, exclude_keywords, patterns, proximity, color, position FROM codes"
            " ORDER BY position"
        )
        for col in ("examples", "keywords", "exclude_keywords", "patterns", "proximity"):
            df[col] = df[col].map(json.loads)
        return df

    def upsert_code(self, row: Mapping[str, Any]) -> None:
        row = dict(row)
        for col in ("examples", "keywords", "exclude_keywords", "patterns", "proximity"):
            row[col] = json.dumps(row.get(col) or [], ensure_ascii=False)
        self._write(
            "INSERT INTO codes (id, parent_id, name, description, include, exclude, examples,"
            " keywords, exclude_keywords, patterns, proximity, color, position) VALUES (:id,"
            " :parent_id, :name, :description, :include, :exclude, :examples, :keywords,"
            " :exclude_keywords, :patterns, :proximity, :color, :position)"
            " ON CONFLICT(id) DO UPDATE SET parent_id = excluded.parent_id, name = excluded.name,"
            " description = excluded.description, include = excluded.include,"
            " exclude = excluded.exclude, examples = excluded.examples,"
            " keywords = excluded.keywords, exclude_keywords = excluded.exclude_keywords,"
            " patterns = excluded.patterns, proximity = excluded.proximity,"
            " color = excluded.color, position = excluded.position",
            row,
        )

    def delete_code(self, code_id: str) -> None:
        self._write("UPDATE codes SET parent_id = NULL WHERE parent_id = ?", (code_id,))
        self._write("DELETE FROM codes WHERE id = ?", (code_id,))

    def coding_counts_by_code(self) -> dict[str, int]:
        return dict(self._conn.execute("SELECT code_id, count(*) FROM codings GROUP BY code_id"))

    def data_version(self) -> int:
        """Changes when another connection commits to the file (``PRAGMA data_version``),
        so a cached codebook can tell it is stale."""
        return self._conn.execute("PRAGMA data_version").fetchone()[0]

    def rename_code_id(self, old: str, new: str) -> int:
        """Give a code a new id; its codings and children follow (ON UPDATE CASCADE).
        Returns how many codings followed."""
        n = self._conn.execute("SELECT count(*) FROM codings WHERE code_id = ?", (old,)
                               ).fetchone()[0]
        self._write("UPDATE codes SET id = ? WHERE id = ?", (new, old))
        return n

    # ------------------------------------------------------- codings under code edits
    def coding_ids(self, code_ids: Iterable[str]) -> list[int]:
        """Ids of every coding (any coder, source, status) at the given codes."""
        code_ids = list(code_ids)
        marks = ", ".join("?" * len(code_ids))
        return [r[0] for r in self._conn.execute(
            f"SELECT id FROM codings WHERE code_id IN ({marks}) ORDER BY id", code_ids)]

    def merge_codings(self, source: str, into: str, *, reason: str, who: str
                      ) -> tuple[int, int]:
        """Move every coding of code ``source`` to code ``into``.

        A coding that ``into`` already has (same document, start, end, coder and
        source) collapses into one: the one with a person's decision is kept
        (accepted, then rejected, before suggested; the older on a tie), its review
        note gains the other's, and the other is archived with ``reason``, whole.
        Returns (codings moved, duplicates collapsed).
        """
        rank = {"accepted": 2, "rejected": 1, "suggested": 0}
        cols = 'id, document_id, start, "end", coder, source, status, review, created_at'
        mine = self._conn.execute(
            f"SELECT {cols} FROM codings WHERE code_id = ? ORDER BY id", (source,)).fetchall()
        moved = collapsed = 0
        for cid, doc, start, end, coder, src, status, review, created in mine:
            twin = self._conn.execute(
                f'SELECT {cols} FROM codings WHERE code_id = ? AND document_id = ? AND start = ?'
                ' AND "end" = ? AND coder = ? AND source = ?',
                (into, doc, start, end, coder, src)).fetchone()
            if twin is None:
                self._write("UPDATE codings SET code_id = ? WHERE id = ?", (into, cid))
                moved += 1
                continue
            keep_source = (rank[status], twin[8]) > (rank[twin[6]], created)
            keep, drop = ((cid, review), (twin[0], twin[7])) if keep_source \
                else ((twin[0], twin[7]), (cid, review))
            notes = "; ".join(dict.fromkeys(n for n in (keep[1], drop[1]) if n))
            self.archive_codings([drop[0]], reason=f"{reason}: duplicate of coding {keep[0]}",
                                 who=who)
            self._write("UPDATE codings SET code_id = ?, review = ? WHERE id = ?",
                        (into, notes or None, keep[0]))
            moved += 1
            collapsed += 1
        return moved, collapsed

    def flag_for_review(self, code_id: str, note: str) -> int:
        """Add ``note`` to the review column of the code's codings (not rejected ones)."""
        cur = self._write(
            "UPDATE codings SET review = CASE WHEN review IS NULL OR review = '' THEN ?"
            " ELSE review || '; ' || ? END WHERE code_id = ? AND status != 'rejected'",
            (note, note, code_id))
        return cur.rowcount

    def archive_codings(self, coding_ids: Iterable[int], *, reason: str, who: str) -> int:
        """Move codings to ``archived_codings``, whole, with their quote and why."""
        ids = list(coding_ids)
        if not ids:
            return 0
        stamp = now()
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            marks = ", ".join("?" * len(chunk))
            rows = self._conn.execute(
                'SELECT c.id, c.segment_id, c.document_id, d.version, c.start, c."end", d.text,'
                " c.code_id, k.name, c.coder, c.source, c.status, c.confidence, c.evidence,"
                " c.codebook_version, c.created_at, c.origin, c.reviewed_by, c.reviewed_at"
                " FROM codings c"
                " JOIN documents d ON d.id = c.document_id LEFT JOIN codes k ON k.id = c.code_id"
                f" WHERE c.id IN ({marks})", chunk).fetchall()
            self._write_many(
                "INSERT INTO archived_codings (coding_id, segment_id, document_id,"
                ' document_version, start, "end", quote, code_id, code_name, coder, source,'
                " status, confidence, evidence, codebook_version, created_at, origin,"
                " reviewed_by, reviewed_at, reason, archived_at, archived_by) VALUES (?, ?, ?, ?,"
                " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(*r[:6], r[6][r[4]:r[5]], *r[7:], reason, stamp, who) for r in rows])
            self._write(f"DELETE FROM codings WHERE id IN ({marks})", chunk)
        return len(ids)

    def archived_codings(self) -> pd.DataFrame:
        return self._frame(
            "SELECT id AS archive_id, coding_id, segment_id, document_id, document_version,"
            ' start, "end", quote, code_id, code_name, coder, source, status, confidence,'
            " evidence, codebook_version, created_at, reason, archived_at, archived_by, origin,"
            " reviewed_by, reviewed_at FROM archived_codings ORDER BY id")

    # -------------------------------------------------------------------- codings
    def insert_codings(self, rows: Iterable[Mapping[str, Any]]) -> int:
        rows = [
            {**r, "evidence": None if r.get("evidence") is None
             else json.dumps(r["evidence"], ensure_ascii=False)}
            for r in rows
        ]
        self._write_many(
            'INSERT INTO codings (segment_id, document_id, start, "end", code_id, coder, source,'
            " status, confidence, evidence, codebook_version, created_at) VALUES (:segment_id,"
            " :document_id, :start, :end, :code_id, :coder, :source, :status, :confidence,"
            " :evidence, :codebook_version, :created_at)",
            rows,
        )
        return len(rows)

    def has_coding(self, document_id: str, start: int, end: int, code_id: str, *, coder: str,
                   source: str) -> bool:
        return self._conn.execute(
            'SELECT 1 FROM codings WHERE document_id = ? AND start = ? AND "end" = ?'
            " AND code_id = ? AND coder = ? AND source = ?",
            (document_id, start, end, code_id, coder, source),
        ).fetchone() is not None

    def delete_suggestions(self, *, source: str) -> int:
        """Delete the still-open suggestions of an automatic source (never human codings)."""
        if source == "human":
            raise ValueError("human codings are never deleted by an automatic coder")
        cur = self._write(
            "DELETE FROM codings WHERE source = ? AND status = 'suggested'", (source,)
        )
        return cur.rowcount

    def reviewed_keys(self, *, source: str) -> set[tuple[str, str]]:
        """(segment, code) pairs of a source that a person accepted or rejected (an accepted
        suggestion is now a human coding whose ``origin`` is the source)."""
        return set(self._conn.execute(
            "SELECT segment_id, code_id FROM codings WHERE (source = ? AND status != 'suggested')"
            " OR origin = ?", (source, source),
        ))

    def codings(self) -> pd.DataFrame:
        df = self._frame(
            'SELECT c.id AS coding_id, c.segment_id, c.document_id, c.start, c."end", c.code_id,'
            " c.coder, c.source, c.status, c.confidence, c.evidence, c.codebook_version,"
            " c.created_at, c.review, c.origin, c.reviewed_by, c.reviewed_at FROM codings c"
            " JOIN documents d ON d.id = c.document_id"
            " ORDER BY d.rowid, c.start, c.id"
        )
        df["evidence"] = df["evidence"].astype(object).map(
            lambda v: json.loads(v) if isinstance(v, str) else None)
        df["confidence"] = df["confidence"].astype("float64")
        return df

    # ------------------------------------------------------ human coding: sheets, reviews
    def coder_codings(self, coder: str, *, source: str = "human") -> pd.DataFrame:
        """One coder's codings of one source, with their ids and creation times."""
        return self._frame(
            'SELECT id AS coding_id, segment_id, document_id, start, "end", code_id,'
            " created_at FROM codings WHERE coder = ? AND source = ? ORDER BY id",
            (coder, source))

    def insert_reviews(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Record that coders reviewed segments; a (segment, coder) already there is kept as it
        was. Returns how many were new."""
        assert self._depth, "writes happen inside Store.transaction()"
        cur = self._conn.executemany(
            "INSERT OR IGNORE INTO reviews (segment_id, document_id, coder, reviewed_at,"
            " source_file) VALUES (:segment_id, :document_id, :coder, :reviewed_at,"
            " :source_file)", list(rows))
        return max(cur.rowcount, 0)

    def reviews(self, coder: str | None = None) -> pd.DataFrame:
        """Reviews of segments that still exist, in document order."""
        where, params = ("WHERE r.coder = ?", (coder,)) if coder else ("", ())
        return self._frame(
            "SELECT r.segment_id, r.document_id, r.coder, r.reviewed_at, r.source_file"
            " FROM reviews r JOIN segments s ON s.id = r.segment_id"
            f" JOIN documents d ON d.id = s.document_id {where}"
            " ORDER BY d.rowid, s.position, r.coder", params)

    # ---------------------------------------------------------------------- review
    def accept_suggestions(self, coding_ids: Iterable[int], *, coder: str) -> int:
        """Open suggestions become ``coder``'s human codings, keeping their provenance:
        ``origin`` = the source that suggested them, evidence and confidence as they were,
        ``reviewed_by``/``reviewed_at``. Only open automatic suggestions change."""
        return self._review(coding_ids,
                            "source = 'human', coder = :coder, status = 'accepted',"
                            " origin = source, reviewed_by = :coder, reviewed_at = :at",
                            {"coder": coder})

    def reject_suggestions(self, coding_ids: Iterable[int], *, who: str) -> int:
        """Open suggestions become ``rejected`` (kept, never suggested again)."""
        return self._review(coding_ids, "status = 'rejected', reviewed_by = :coder,"
                            " reviewed_at = :at", {"coder": who})

    def _review(self, coding_ids: Iterable[int], assignments: str, params: dict) -> int:
        ids = [int(i) for i in coding_ids]
        changed, stamp = 0, now()
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            marks = ", ".join(f":id{n}" for n in range(len(chunk)))
            cur = self._write(
                f"UPDATE codings SET {assignments} WHERE id IN ({marks})"
                " AND status = 'suggested' AND source != 'human'",
                {**params, "at": stamp, **{f"id{n}": v for n, v in enumerate(chunk)}})
            changed += cur.rowcount
        return changed

    def set_coding_evidence(self, coding_id: int, evidence: Any) -> None:
        """Replace a coding's evidence (consensus codings record who agreed)."""
        self._write("UPDATE codings SET evidence = ? WHERE id = ?",
                    (json.dumps(evidence, ensure_ascii=False), int(coding_id)))

    def coders(self) -> pd.DataFrame:
        """Every coder with human codings or reviews: coder, codings, reviewed segments."""
        return self._frame(
            "SELECT coder, sum(codings) AS codings, sum(reviewed) AS reviewed FROM ("
            " SELECT coder, count(*) AS codings, 0 AS reviewed FROM codings"
            " WHERE source = 'human' GROUP BY coder"
            " UNION ALL SELECT coder, 0, count(*) FROM reviews GROUP BY coder)"
            " GROUP BY coder ORDER BY coder")

    # ---------------------------------------------------------------------- checks
    def integrity_check(self) -> str:
        return self._conn.execute("PRAGMA integrity_check").fetchone()[0]
