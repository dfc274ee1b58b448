"""Rows of the framework matrix's summaries (one per participant and code)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from qda.store.base import StoreBase, now

__all__ = ["FrameworkRows"]


class FrameworkRows(StoreBase):
    """Framework summaries. (A part of :class:`~qda.store.Store`.)"""

    def framework_summaries(self) -> pd.DataFrame:
        """``participant_id, code_id, summary, updated_at, updated_by``, by participant
        and code order."""
        return self._frame(
            "SELECT f.participant_id, f.code_id, f.summary, f.updated_at, f.updated_by"
            " FROM framework_summaries f JOIN codes c ON c.id = f.code_id"
            " ORDER BY f.participant_id, c.position"
        )

    def set_framework_summaries(self, rows: Iterable[Mapping[str, Any]], *, who: str) -> int:
        """Set summaries (``participant_id, code_id, summary``), replacing what was there."""
        stamp = now()
        rows = [
            {
                "participant_id": r["participant_id"],
                "code_id": r["code_id"],
                "summary": r["summary"],
                "at": stamp,
                "who": who,
            }
            for r in rows
        ]
        self._write_many(
            "INSERT INTO framework_summaries (participant_id, code_id, summary, updated_at,"
            " updated_by) VALUES (:participant_id, :code_id, :summary, :at, :who)"
            " ON CONFLICT(participant_id, code_id) DO UPDATE SET summary = excluded.summary,"
            " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            rows,
        )
        return len(rows)

    def delete_framework_summaries(self, keys: Iterable[tuple[str, str]]) -> int:
        """Remove the summaries of these (participant, code) pairs."""
        keys = list(keys)
        self._write_many("DELETE FROM framework_summaries WHERE participant_id = ? AND code_id = ?", keys)
        return len(keys)

    def merge_framework_summaries(self, source: str, into: str) -> int:
        """Move code ``source``'s summaries to ``into`` (a merge): where the participant
        already has a summary at ``into``, the source's text is appended to it, marked
        with where it came from. Returns how many summaries moved."""
        rows = self._conn.execute(
            "SELECT participant_id, summary FROM framework_summaries WHERE code_id = ?", (source,)
        ).fetchall()
        stamp = now()
        for participant, text in rows:
            self._write(
                "INSERT INTO framework_summaries (participant_id, code_id, summary, updated_at,"
                " updated_by) VALUES (?, ?, ?, ?, 'qda')"
                " ON CONFLICT(participant_id, code_id) DO UPDATE SET summary ="
                " framework_summaries.summary || char(10) || char(10) || ?,"
                " updated_at = excluded.updated_at",
                (participant, into, text, stamp, f"[merged from {source}] {text}"),
            )
        self._write("DELETE FROM framework_summaries WHERE code_id = ?", (source,))
        return len(rows)

    def take_framework_summaries(self, code_ids: Iterable[str]) -> list[dict[str, Any]]:
        """Remove the summaries of codes about to be deleted and return them whole, for
        the history row that keeps them."""
        ids = list(code_ids)
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        cur = self._conn.execute(
            "SELECT participant_id, code_id, summary, updated_at, updated_by FROM"
            f" framework_summaries WHERE code_id IN ({marks})",
            ids,
        )
        cols = [d[0] for d in cur.description]
        rows = [dict(zip(cols, r)) for r in cur.fetchall()]
        self._write(f"DELETE FROM framework_summaries WHERE code_id IN ({marks})", ids)
        return rows
