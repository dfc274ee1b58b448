"""Rows of codings: automatic and human, archived, reviewed; what code edits do to them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from qda.store.base import StoreBase, now

__all__ = ["CodingRows"]


class CodingRows(StoreBase):
    """Codings, the archive, reviews. (A part of :class:`~qda.store.Store`.)"""

    # ------------------------------------------------------- re-anchoring, archive
    def take_document_codings(self, document_id: str) -> list[dict[str, Any]]:
        """Remove a document's codings and return them whole (ids kept), so they can be
        put back at new offsets with :meth:`restore_codings` or archived, in one transaction."""
        cur = self._conn.execute(
            'SELECT id, segment_id, document_id, start, "end", code_id, coder, source, status,'
            " confidence, evidence, codebook_version, created_at, review, origin, reviewed_by,"
            " reviewed_at FROM codings WHERE document_id = ? ORDER BY id",
            (document_id,),
        )
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
            ({"origin": None, "reviewed_by": None, "reviewed_at": None, **r} for r in rows),
        )

    def archive_coding_rows(self, rows: Iterable[Mapping[str, Any]], *, reason: str, who: str) -> int:
        """Keep codings (rows as from :meth:`take_document_codings`, plus ``quote`` and
        ``document_version``) in ``archived_codings``. They are never deleted."""
        names = dict(self._conn.execute("SELECT id, name FROM codes"))
        stamp = now()
        rows = [
            {
                "document_version": None,
                "origin": None,
                "reviewed_by": None,
                "reviewed_at": None,
                **r,
                "coding_id": r.get("id"),
                "code_name": names.get(r["code_id"]),
                "reason": reason,
                "archived_at": stamp,
                "archived_by": who,
            }
            for r in rows
        ]
        self._write_many(
            "INSERT INTO archived_codings (coding_id, segment_id, document_id, document_version,"
            ' start, "end", quote, code_id, code_name, coder, source, status, confidence,'
            " evidence, codebook_version, created_at, reason, archived_at, archived_by, origin,"
            " reviewed_by, reviewed_at) VALUES (:coding_id, :segment_id, :document_id,"
            " :document_version, :start, :end, :quote, :code_id, :code_name, :coder, :source,"
            " :status, :confidence, :evidence, :codebook_version, :created_at, :reason,"
            " :archived_at, :archived_by, :origin, :reviewed_by, :reviewed_at)",
            rows,
        )
        return len(rows)

    # ------------------------------------------------------- codings under code edits
    def coding_ids(self, code_ids: Iterable[str]) -> list[int]:
        """Ids of every coding (any coder, source, status) at the given codes."""
        code_ids = list(code_ids)
        marks = ", ".join("?" * len(code_ids))
        return [
            r[0]
            for r in self._conn.execute(
                f"SELECT id FROM codings WHERE code_id IN ({marks}) ORDER BY id", code_ids
            )
        ]

    def merge_codings(self, source: str, into: str, *, reason: str, who: str) -> tuple[int, int]:
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
            f"SELECT {cols} FROM codings WHERE code_id = ? ORDER BY id", (source,)
        ).fetchall()
        moved = collapsed = 0
        for cid, doc, start, end, coder, src, status, review, created in mine:
            twin = self._conn.execute(
                f"SELECT {cols} FROM codings WHERE code_id = ? AND document_id = ? AND start = ?"
                ' AND "end" = ? AND coder = ? AND source = ?',
                (into, doc, start, end, coder, src),
            ).fetchone()
            if twin is None:
                self._write("UPDATE codings SET code_id = ? WHERE id = ?", (into, cid))
                moved += 1
                continue
            keep_source = (rank[status], twin[8]) > (rank[twin[6]], created)
            keep, drop = (
                ((cid, review), (twin[0], twin[7])) if keep_source else ((twin[0], twin[7]), (cid, review))
            )
            notes = "; ".join(dict.fromkeys(n for n in (keep[1], drop[1]) if n))
            self.archive_codings([drop[0]], reason=f"{reason}: duplicate of coding {keep[0]}", who=who)
            self._write(
                "UPDATE codings SET code_id = ?, review = ? WHERE id = ?", (into, notes or None, keep[0])
            )
            moved += 1
            collapsed += 1
        return moved, collapsed

    def flag_for_review(self, code_id: str, note: str) -> int:
        """Add ``note`` to the review column of the code's codings (not rejected ones)."""
        cur = self._write(
            "UPDATE codings SET review = CASE WHEN review IS NULL OR review = '' THEN ?"
            " ELSE review || '; ' || ? END WHERE code_id = ? AND status != 'rejected'",
            (note, note, code_id),
        )
        return cur.rowcount

    def archive_codings(self, coding_ids: Iterable[int], *, reason: str, who: str) -> int:
        """Move codings to ``archived_codings``, whole, with their quote and why."""
        ids = list(coding_ids)
        if not ids:
            return 0
        stamp = now()
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            marks = ", ".join("?" * len(chunk))
            rows = self._conn.execute(
                'SELECT c.id, c.segment_id, c.document_id, d.version, c.start, c."end", d.text,'
                " c.code_id, k.name, c.coder, c.source, c.status, c.confidence, c.evidence,"
                " c.codebook_version, c.created_at, c.origin, c.reviewed_by, c.reviewed_at"
                " FROM codings c"
                " JOIN documents d ON d.id = c.document_id LEFT JOIN codes k ON k.id = c.code_id"
                f" WHERE c.id IN ({marks})",
                chunk,
            ).fetchall()
            self._write_many(
                "INSERT INTO archived_codings (coding_id, segment_id, document_id,"
                ' document_version, start, "end", quote, code_id, code_name, coder, source,'
                " status, confidence, evidence, codebook_version, created_at, origin,"
                " reviewed_by, reviewed_at, reason, archived_at, archived_by) VALUES (?, ?, ?, ?,"
                " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(*r[:6], r[6][r[4] : r[5]], *r[7:], reason, stamp, who) for r in rows],
            )
            self._write(f"DELETE FROM codings WHERE id IN ({marks})", chunk)
        return len(ids)

    def archived_codings(self) -> pd.DataFrame:
        return self._frame(
            "SELECT id AS archive_id, coding_id, segment_id, document_id, document_version,"
            ' start, "end", quote, code_id, code_name, coder, source, status, confidence,'
            " evidence, codebook_version, created_at, reason, archived_at, archived_by, origin,"
            " reviewed_by, reviewed_at FROM archived_codings ORDER BY id"
        )

    # -------------------------------------------------------------------- codings
    def insert_codings(self, rows: Iterable[Mapping[str, Any]]) -> int:
        rows = [
            {
                "review": None,
                **r,
                "evidence": None
                if r.get("evidence") is None
                else json.dumps(r["evidence"], ensure_ascii=False),
            }
            for r in rows
        ]
        self._write_many(
            'INSERT INTO codings (segment_id, document_id, start, "end", code_id, coder, source,'
            " status, confidence, evidence, codebook_version, created_at, review) VALUES"
            " (:segment_id, :document_id, :start, :end, :code_id, :coder, :source, :status,"
            " :confidence, :evidence, :codebook_version, :created_at, :review)",
            rows,
        )
        return len(rows)

    def has_coding(
        self, document_id: str, start: int, end: int, code_id: str, *, coder: str, source: str
    ) -> bool:
        return (
            self._conn.execute(
                'SELECT 1 FROM codings WHERE document_id = ? AND start = ? AND "end" = ?'
                " AND code_id = ? AND coder = ? AND source = ?",
                (document_id, start, end, code_id, coder, source),
            ).fetchone()
            is not None
        )

    def delete_suggestions(self, *, source: str) -> int:
        """Delete the still-open suggestions of an automatic source (never human codings)."""
        if source == "human":
            raise ValueError("human codings are never deleted by an automatic coder")
        cur = self._write("DELETE FROM codings WHERE source = ? AND status = 'suggested'", (source,))
        return cur.rowcount

    def reviewed_keys(self, *, source: str) -> set[tuple[str, str]]:
        """(segment, code) pairs of a source that a person accepted or rejected (an accepted
        suggestion is now a human coding whose ``origin`` is the source)."""
        return set(
            self._conn.execute(
                "SELECT segment_id, code_id FROM codings WHERE (source = ? AND status != 'suggested')"
                " OR origin = ?",
                (source, source),
            )
        )

    def codings(self, ids: Iterable[int] | None = None) -> pd.DataFrame:
        """Every coding (``ids``: only those, for a review of a few by id)."""
        where = ""
        params: tuple[int, ...] = ()
        if ids is not None:
            params = tuple(int(i) for i in ids)[:30000]
            where = f" WHERE c.id IN ({', '.join('?' * len(params))})" if params else " WHERE 0"
        df = self._frame(
            'SELECT c.id AS coding_id, c.segment_id, c.document_id, c.start, c."end", c.code_id,'
            " c.coder, c.source, c.status, c.confidence, c.evidence, c.codebook_version,"
            " c.created_at, c.review, c.origin, c.reviewed_by, c.reviewed_at FROM codings c"
            f" JOIN documents d ON d.id = c.document_id{where}"
            " ORDER BY d.rowid, c.start, c.id",
            params,
        )
        df["evidence"] = (
            df["evidence"].astype(object).map(lambda v: json.loads(v) if isinstance(v, str) else None)
        )
        df["confidence"] = df["confidence"].astype("float64")
        self.check_ends(df, "coding", "coding_id")
        return df

    # ------------------------------------------------------ human coding: sheets, reviews
    def coder_codings(self, coder: str, *, source: str = "human") -> pd.DataFrame:
        """One coder's codings of one source, with their ids and creation times."""
        return self._frame(
            'SELECT id AS coding_id, segment_id, document_id, start, "end", code_id,'
            " created_at FROM codings WHERE coder = ? AND source = ? ORDER BY id",
            (coder, source),
        )

    def insert_reviews(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Record that coders reviewed segments; a (segment, coder) already there is kept as it
        was. Returns how many were new."""
        assert self._depth, "writes happen inside Store.transaction()"
        cur = self._conn.executemany(
            "INSERT OR IGNORE INTO reviews (segment_id, document_id, coder, reviewed_at,"
            " source_file) VALUES (:segment_id, :document_id, :coder, :reviewed_at,"
            " :source_file)",
            list(rows),
        )
        return max(cur.rowcount, 0)

    def reviews(self, coder: str | None = None) -> pd.DataFrame:
        """Reviews of segments that still exist, in document order."""
        where, params = ("WHERE r.coder = ?", (coder,)) if coder else ("", ())
        return self._frame(
            "SELECT r.segment_id, r.document_id, r.coder, r.reviewed_at, r.source_file"
            " FROM reviews r JOIN segments s ON s.id = r.segment_id"
            f" JOIN documents d ON d.id = s.document_id {where}"
            " ORDER BY d.rowid, s.position, r.coder",
            params,
        )

    # ---------------------------------------------------------------------- review
    def accept_suggestions(self, coding_ids: Iterable[int], *, coder: str) -> int:
        """Open suggestions become ``coder``'s human codings, keeping their provenance:
        ``origin`` = the source that suggested them, evidence and confidence as they were,
        ``reviewed_by``/``reviewed_at``. Only open automatic suggestions change."""
        return self._review(
            coding_ids,
            "source = 'human', coder = :coder, status = 'accepted',"
            " origin = source, reviewed_by = :coder, reviewed_at = :at",
            {"coder": coder},
        )

    def reject_suggestions(self, coding_ids: Iterable[int], *, who: str) -> int:
        """Open suggestions become ``rejected`` (kept, never suggested again)."""
        return self._review(
            coding_ids, "status = 'rejected', reviewed_by = :coder, reviewed_at = :at", {"coder": who}
        )

    def _review(self, coding_ids: Iterable[int], assignments: str, params: dict) -> int:
        ids = [int(i) for i in coding_ids]
        changed, stamp = 0, now()
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            marks = ", ".join(f":id{n}" for n in range(len(chunk)))
            cur = self._write(
                f"UPDATE codings SET {assignments} WHERE id IN ({marks})"
                " AND status = 'suggested' AND source != 'human'",
                {**params, "at": stamp, **{f"id{n}": v for n, v in enumerate(chunk)}},
            )
            changed += cur.rowcount
        return changed

    def set_coding_evidence(self, coding_id: int, evidence: Any) -> None:
        """Replace a coding's evidence (consensus codings record who agreed)."""
        self._write(
            "UPDATE codings SET evidence = ? WHERE id = ?",
            (json.dumps(evidence, ensure_ascii=False), int(coding_id)),
        )

    def coders(self) -> pd.DataFrame:
        """Every coder with human codings or reviews: coder, codings, reviewed segments."""
        return self._frame(
            "SELECT coder, sum(codings) AS codings, sum(reviewed) AS reviewed FROM ("
            " SELECT coder, count(*) AS codings, 0 AS reviewed FROM codings"
            " WHERE source = 'human' GROUP BY coder"
            " UNION ALL SELECT coder, 0, count(*) FROM reviews GROUP BY coder)"
            " GROUP BY coder ORDER BY coder"
        )

    # ------------------------------------------------------ incremental rules coding
    def rules_state(self) -> tuple[dict[str, tuple[str, int, int, str]], dict[str, str]]:
        """What the last rules run saw: segment id -> (document, start, end, text hash),
        and code id -> rule fingerprint (see :func:`qda.coding.rules.rule_fingerprints`)."""
        segs = {
            r[0]: tuple(r[1:])
            for r in self._conn.execute(
                'SELECT segment_id, document_id, start, "end", text_hash FROM rules_segments'
            )
        }
        codes = dict(self._conn.execute("SELECT code_id, fingerprint FROM rules_codes"))
        return segs, codes

    def set_rules_state(
        self,
        segments: Iterable[tuple[str, str, int, int, str]],
        drop: Iterable[str],
        codes: Mapping[str, str],
    ) -> None:
        """Record coded segments (id, document, start, end, text hash), forget ``drop``
        (segments gone or no longer coded), and store the codes' fingerprints."""
        self._write_many("DELETE FROM rules_segments WHERE segment_id = ?", ((sid,) for sid in drop))
        self._write_many(
            'INSERT OR REPLACE INTO rules_segments (segment_id, document_id, start, "end",'
            " text_hash) VALUES (?, ?, ?, ?, ?)",
            segments,
        )
        self._write("DELETE FROM rules_codes")
        self._write_many("INSERT INTO rules_codes (code_id, fingerprint) VALUES (?, ?)", codes.items())

    def clear_rules_state(self) -> None:
        self._write("DELETE FROM rules_segments")
        self._write("DELETE FROM rules_codes")

    def delete_suggestions_of(
        self, *, source: str, segment_ids: Iterable[str] = (), code_ids: Iterable[str] = ()
    ) -> int:
        """Delete open suggestions of an automatic source on the given segments, of the
        given codes, and those held by no segment; never human codings."""
        if source == "human":
            raise ValueError("human codings are never deleted by an automatic coder")
        n = 0
        code_ids = list(code_ids)
        for i in range(0, len(code_ids), 500):
            chunk = code_ids[i : i + 500]
            n += self._write(
                "DELETE FROM codings WHERE source = ? AND status = 'suggested' AND code_id IN"
                f" ({', '.join('?' * len(chunk))})",
                (source, *chunk),
            ).rowcount
        n += self._write(
            "DELETE FROM codings WHERE source = ? AND status = 'suggested' AND segment_id IS NULL", (source,)
        ).rowcount
        before = self._conn.total_changes
        self._write_many(
            "DELETE FROM codings WHERE segment_id = ? AND source = ? AND status = 'suggested'",
            ((sid, source) for sid in segment_ids),
        )
        return n + self._conn.total_changes - before

    def coding_totals(self) -> tuple[int, int, int]:
        """(codings of documents in the project, human codings, open suggestions), counted
        as :meth:`codings` lists them."""
        row = self._conn.execute(
            "SELECT count(*), coalesce(sum(c.source = 'human'), 0),"
            " coalesce(sum(c.status = 'suggested'), 0) FROM codings c"
            " JOIN documents d ON d.id = c.document_id"
        ).fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def suggestion_counts(self, *, source: str) -> tuple[int, int]:
        """(open suggestions of a source, distinct segments they are on)."""
        row = self._conn.execute(
            "SELECT count(*), count(DISTINCT segment_id) FROM codings WHERE source = ? AND"
            " status = 'suggested'",
            (source,),
        ).fetchone()
        return int(row[0]), int(row[1])

    def set_suggestions_version(self, *, source: str, version: str) -> None:
        """Stamp a source's open suggestions with the codebook version that (still)
        produces them, after an incremental run left some untouched."""
        self._write(
            "UPDATE codings SET codebook_version = ? WHERE source = ? AND"
            " status = 'suggested' AND codebook_version IS NOT ?",
            (version, source, version),
        )

    # ------------------------------------------------ one coding at a time (the page)
    def coding(self, coding_id: int) -> dict[str, Any] | None:
        """One coding by id (evidence parsed), or None."""
        cur = self._conn.execute(
            'SELECT id AS coding_id, segment_id, document_id, start, "end", code_id, coder,'
            " source, status, confidence, evidence, origin, reviewed_by FROM codings"
            " WHERE id = ?",
            (int(coding_id),),
        )
        row = cur.fetchone()
        if row is None:
            return None
        out = dict(zip([d[0] for d in cur.description], row))
        out["evidence"] = json.loads(out["evidence"]) if out["evidence"] else None
        return out

    def coding_id_of(
        self, document_id: str, start: int, end: int, code_id: str, *, coder: str, source: str
    ) -> int | None:
        row = self._conn.execute(
            'SELECT id FROM codings WHERE document_id = ? AND start = ? AND "end" = ?'
            " AND code_id = ? AND coder = ? AND source = ?",
            (document_id, start, end, code_id, coder, source),
        ).fetchone()
        return None if row is None else int(row[0])

    def document_codings(self, document_id: str) -> pd.DataFrame:
        """The codings of one document (every coder, source and status), by position."""
        df = self._frame(
            'SELECT id AS coding_id, segment_id, start, "end", code_id, coder, source, status,'
            " confidence, evidence, origin, created_at FROM codings WHERE document_id = ?"
            ' ORDER BY start, "end", id',
            (document_id,),
        )
        df["evidence"] = (
            df["evidence"].astype(object).map(lambda v: json.loads(v) if isinstance(v, str) else None)
        )
        df["confidence"] = df["confidence"].astype("float64")
        return df

    def reopen_suggestion(self, coding_id: int) -> int:
        """Undo a review: a rejected suggestion, or an accepted one whose suggesting source
        was its coder (``rules``, ``model``), becomes an open suggestion again."""
        cur = self._write(
            "UPDATE codings SET status = 'suggested', reviewed_by = NULL, reviewed_at = NULL,"
            " source = CASE WHEN status = 'accepted' THEN origin ELSE source END,"
            " coder = CASE WHEN status = 'accepted' THEN origin ELSE coder END,"
            " origin = CASE WHEN status = 'accepted' THEN NULL ELSE origin END"
            " WHERE id = ? AND ((status = 'rejected' AND source != 'human')"
            " OR (status = 'accepted' AND source = 'human' AND origin IN ('rules', 'model')))",
            (int(coding_id),),
        )
        return cur.rowcount

    def coding_progress(self) -> pd.DataFrame:
        """Per document and person: segments (not interviewer turns) they coded or marked
        as reviewed: ``document_id, coder, segments``."""
        return self._frame(
            "SELECT u.document_id, u.coder, count(DISTINCT u.segment_id) AS segments FROM ("
            " SELECT segment_id, document_id, coder FROM codings WHERE source = 'human'"
            " AND segment_id IS NOT NULL"
            " UNION SELECT segment_id, document_id, coder FROM reviews) u"
            " JOIN segments s ON s.id = u.segment_id WHERE s.is_interviewer = 0"
            " GROUP BY u.document_id, u.coder ORDER BY u.document_id, u.coder"
        )
