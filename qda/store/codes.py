"""Rows of the code tree."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from qda.store import safety
from qda.store.base import StoreBase

__all__ = ["CodeRows"]

_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


class CodeRows(StoreBase):
    """The codes of the codebook. (A part of :class:`~qda.store.Store`.)"""

    def codes(self) -> pd.DataFrame:
        df = self._frame(
            "SELECT id AS code_id, parent_id, name, description, include, exclude, examples,"
            " keywords, exclude_keywords, patterns, proximity, color, position FROM codes"
            " ORDER BY position"
        )
        for col in ("examples", "keywords", "exclude_keywords", "patterns", "proximity"):
            df[col] = [self._json_list(code, col, v) for code, v in zip(df["code_id"], df[col])]
        for code, color in zip(df["code_id"], df["color"]):
            if color is None or color == "" or (isinstance(color, float) and color != color):
                continue  # no colour of its own (NULL)
            if not (isinstance(color, str) and _COLOR.fullmatch(color)):
                raise safety.damaged(self.path, f"code {code!r} has the colour {color!r}, not #RRGGBB")
        return df

    def _json_list(self, code: str, column: str, value: Any) -> list:
        """A list column of a code row, checked: a project changed outside qda may hold
        anything there."""
        try:
            items = json.loads(value)
        except (TypeError, ValueError, RecursionError) as exc:
            raise safety.damaged(self.path, f"code {code!r}: its {column} are not JSON") from exc
        if not isinstance(items, list):
            raise safety.damaged(self.path, f"code {code!r}: its {column} are not a JSON list")
        return items

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
        """Give a code a new id; its codings and children follow (ON UPDATE CASCADE), and
        its memos.
        Returns how many codings followed."""
        n = self._conn.execute("SELECT count(*) FROM codings WHERE code_id = ?", (old,)).fetchone()[0]
        self._write("UPDATE codes SET id = ? WHERE id = ?", (new, old))
        self._write("UPDATE memos SET target_id = ? WHERE target = 'code' AND target_id = ?", (new, old))
        return n
