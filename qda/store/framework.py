"""Rows of the framework matrix's summaries (one per participant and code)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from qda.store.base import now

__all__ = ["FrameworkRows"]


class FrameworkRows:
    """Framework summaries. (A part of :class:`~qda.store.Store`.)"""

    def framework_summaries(self) -> pd.DataFrame:
        """``participant_id, code_id, summary, updated_at, updated_by``, by participant
        and code order."""
        return self._frame(
            "SELECT f.participant_id, f.code_id, f.summary, f.updated_at, f.updated_by"
            " FROM framework_summaries f JOIN codes c ON c.id = f.code_id"
            " ORDER BY f.participant_id, c.position")

    def set_framework_summaries(self, rows: Iterable[Mapping[str, Any]], *, who: str) -> int:
        """Set summaries (``participant_id, code_id, summary``), replacing what was there."""
        stamp = now()
        rows = [{"participant_id": r["participant_id"], "code_id": r["code_id"],
                 "summary": r["summary"], "at": stamp, "who": who} for r in rows]
        self._write_many(
            "INSERT INTO framework_summaries (participant_id, code_id, summary, updated_at,"
            " updated_by) VALUES (:participant_id, :code_id, :summary, :at, :who)"
            " ON CONFLICT(participant_id, code_id) DO UPDATE SET summary = excluded.summary,"
            " updated_at = excluded.updated_at, updated_by = excluded.updated_by", rows)
        return len(rows)

    def delete_framework_summaries(self, keys: Iterable[tuple[str, str]]) -> int:
        """Remove the summaries of these (participant, code) pairs."""
        keys = list(keys)
        self._write_many("DELETE FROM framework_summaries WHERE participant_id = ?"
                         " AND code_id = ?", keys)
        return len(keys)
