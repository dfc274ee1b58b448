"""Rows of memos: a researcher's notes on the project, a document, a participant, a code
or a coding (see the ``memos`` table in :mod:`qda.store.migrations`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from qda.store.base import StoreBase, now

__all__ = ["MemoRows", "MEMO_TARGETS"]

#: What a memo can be about, in the order memos are listed.
MEMO_TARGETS = ("project", "document", "participant", "code", "coding")

_COLUMNS = "id AS memo_id, target, target_id, title, text, author, created_at, updated_by, updated_at"


class MemoRows(StoreBase):
    """Memos. (A part of :class:`~qda.store.Store`.)"""

    def memos(self) -> pd.DataFrame:
        """``memo_id, target, target_id, title, text, author, created_at, updated_by,
        updated_at``: by target kind (project first), then target, then when written."""
        order = " ".join(f"WHEN '{t}' THEN {i}" for i, t in enumerate(MEMO_TARGETS))
        return self._frame(f"SELECT {_COLUMNS} FROM memos ORDER BY CASE target {order} END, target_id, id")

    def memo(self, memo_id: int) -> dict[str, Any] | None:
        cur = self._conn.execute(f"SELECT {_COLUMNS} FROM memos WHERE id = ?", (memo_id,))
        row = cur.fetchone()
        return None if row is None else dict(zip([d[0] for d in cur.description], row))

    def add_memo(
        self,
        *,
        target: str,
        target_id: str | None,
        text: str,
        title: str = "",
        author: str,
        created_at: str | None = None,
        updated_by: str | None = None,
        updated_at: str | None = None,
    ) -> int:
        """Insert a memo (times default to now; an import passes the file's) and return
        its id."""
        stamp = now()
        cur = self._write(
            "INSERT INTO memos (target, target_id, title, text, author, created_at,"
            " updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                target,
                target_id,
                title,
                text,
                author,
                created_at or stamp,
                updated_by or author,
                updated_at or created_at or stamp,
            ),
        )
        assert cur.lastrowid is not None  # set by every INSERT
        return cur.lastrowid

    def update_memo(self, memo_id: int, *, text: str, title: str, who: str) -> None:
        self._write(
            "UPDATE memos SET text = ?, title = ?, updated_by = ?, updated_at = ? WHERE id = ?",
            (text, title, who, now(), memo_id),
        )

    def delete_memo(self, memo_id: int) -> None:
        self._write("DELETE FROM memos WHERE id = ?", (memo_id,))

    def retarget_memos(self, target: str, old: str, new: str) -> int:
        """Memos about ``target`` ``old`` now about ``new`` (a code merged or renamed, a
        participant renamed); returns how many moved."""
        return self._write(
            "UPDATE memos SET target_id = ? WHERE target = ? AND target_id = ?", (new, target, old)
        ).rowcount

    def coding_ids_at(self, segment_id: str, code_id: str) -> list[tuple[int, str, str]]:
        """(coding id, coder, source) of the codings of ``code_id`` on a segment."""
        return [
            tuple(r)
            for r in self._conn.execute(
                "SELECT id, coder, source FROM codings WHERE segment_id = ? AND code_id = ? ORDER BY id",
                (segment_id, code_id),
            )
        ]

    def coding_id(
        self, document_id: str, start: int, end: int, code_id: str, *, coder: str, source: str
    ) -> int | None:
        row = self._conn.execute(
            'SELECT id FROM codings WHERE document_id = ? AND start = ? AND "end" = ?'
            " AND code_id = ? AND coder = ? AND source = ?",
            (document_id, start, end, code_id, coder, source),
        ).fetchone()
        return None if row is None else int(row[0])

    def coding_refs(self) -> pd.DataFrame:
        """``coding_id, segment_id, code_id, coder`` of every coding (to describe what a
        memo is about)."""
        return self._frame("SELECT id AS coding_id, segment_id, code_id, coder FROM codings")
