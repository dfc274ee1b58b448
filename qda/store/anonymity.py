"""Rows that anonymisation rewrites, the originals it may keep, and wiping freed pages.

Which columns hold words is schema knowledge, so it lives here:
:data:`REWRITTEN` lists the columns ``Project.anonymise`` rewrites by string
(``plain``) or inside JSON values (``json``); documents' and versions' texts and
every offset are rewritten through :meth:`set_document_text`,
:meth:`set_version_text`, :meth:`set_segment_spans` and the codings' own methods.
:meth:`text_cells` yields every text value of every table (the audit reads them all,
whatever this list says), except the originals kept by ``--keep-original``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pandas as pd

from qda.errors import ProjectError
from qda.store.base import StoreBase, now

__all__ = ["AnonymityRows", "ORIGINALS_TABLE", "REWRITTEN"]

#: Kept originals (``qda anonymise --keep-original``): no export or analysis reads it.
ORIGINALS_TABLE = "anonymisation_originals"

#: (table, column) → how its values are rewritten: ``plain`` text or ``json`` (strings inside).
REWRITTEN: dict[tuple[str, str], str] = {
    ("settings", "value"): "json",
    ("documents", "name"): "plain",
    ("documents", "path"): "plain",
    ("documents", "attributes"): "json",
    ("documents", "import_report"): "json",  # speakers found, warnings quoting lines
    ("participants", "label"): "plain",
    ("participant_attributes", "value"): "plain",
    ("speakers", "label"): "plain",
    ("segments", "speaker"): "plain",
    ("segments", "question"): "plain",
    ("codes", "description"): "plain",
    ("codes", "include"): "plain",
    ("codes", "exclude"): "plain",
    ("codes", "examples"): "json",
    ("codings", "review"): "plain",
    ("archived_codings", "reason"): "plain",
    ("reviews", "source_file"): "plain",
    ("framework_summaries", "summary"): "plain",
    ("memos", "title"): "plain",
    ("memos", "text"): "plain",
    ("history", "entity_id"): "plain",
    ("history", "detail"): "json",
}

# A readable name for a row, per table (for --check and the originals table).
_ROW_NAME = {
    "settings": "key",
    "documents": "id",
    "document_versions": "document_id || ' v' || version",
    "participants": "id",
    "participant_attributes": "participant_id || '.' || name",
    "speakers": "document_id || ' / ' || label",
    "segments": "id",
    "codes": "id",
    "codings": "'coding ' || id",
    "archived_codings": "'archived ' || id",
    "reviews": "segment_id || ' by ' || coder",
    "history": "'history ' || id",
    "framework_summaries": "participant_id || ' / ' || code_id",
    "memos": "'memo ' || id",
}


class AnonymityRows(StoreBase):
    """Rewriting words in place, keeping originals apart. (A part of :class:`~qda.store.Store`.)"""

    def secure_delete(self, on: bool = True) -> None:
        """Overwrite deleted content with zeros (``PRAGMA secure_delete``) from now on."""
        self._conn.execute(f"PRAGMA secure_delete = {'ON' if on else 'OFF'}")

    def wipe_free_space(self) -> None:
        """Rebuild the file so no deleted or replaced text survives in free pages, and
        empty the write-ahead log into it. Outside any transaction."""
        assert not self._depth, "VACUUM cannot run inside a transaction"
        try:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._conn.execute("VACUUM")
            busy = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except sqlite3.Error as exc:
            busy, reason = 1, str(exc)
        else:
            reason = "another connection is reading it"
        if busy:
            raise ProjectError(
                f"{self.path}: the change is saved, but the replaced words may still be in the "
                f"file's free space ({reason}); close every other program using the project "
                "and run the same command again to wipe them"
            )

    # ---------------------------------------------------------------- any text cell
    def text_cells(self) -> Iterator[tuple[str, str, str, str]]:
        """(table, row name, column, value) for every non-empty text value in the project."""
        tables = [
            r[0]
            for r in self._conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND name NOT IN (?, 'schema_migrations') ORDER BY name",
                (ORIGINALS_TABLE,),
            )
        ]
        for table in tables:
            info = list(self._conn.execute(f'PRAGMA table_info("{table}")'))
            cols = [c[1] for c in info if (c[2] or "").upper() in ("TEXT", "")]
            if not cols:
                continue
            # a table another part adds later (perhaps WITHOUT ROWID) is named by its key
            key = [f'"{c[1]}"' for c in sorted(info, key=lambda c: c[5]) if c[5]]
            name = _ROW_NAME.get(table, " || ' / ' || ".join(key) or "rowid")
            select = ", ".join(f'"{c}"' for c in cols)
            for row in self._conn.execute(f'SELECT {name}, {select} FROM "{table}"'):
                for col, value in zip(cols, row[1:]):
                    if isinstance(value, str) and value:
                        yield table, str(row[0]), col, value

    def cells(self, table: str, column: str) -> list[tuple[int, str, str]]:
        """(rowid, row name, value) of one of the :data:`REWRITTEN` columns, non-empty only."""
        assert (table, column) in REWRITTEN
        return [
            r
            for r in self._conn.execute(
                f'SELECT rowid, {_ROW_NAME[table]}, "{column}" FROM "{table}"'
                f' WHERE "{column}" IS NOT NULL AND "{column}" != \'\''
            )
        ]

    def update_cells(self, table: str, column: str, values: Iterable[tuple[int, str]]) -> None:
        assert (table, column) in REWRITTEN
        self._write_many(
            f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = ?', [(v, rowid) for rowid, v in values]
        )

    # ------------------------------------------------------- texts and offsets
    def set_document_text(self, document_id: str, text: str, *, version: int) -> None:
        """Replace a document's stored text in place, as ``version`` (no old version is kept)."""
        self._write("UPDATE documents SET text = ?, version = ? WHERE id = ?", (text, version, document_id))

    def version_texts(self) -> pd.DataFrame:
        return self._frame(
            "SELECT document_id, version, text FROM document_versions ORDER BY document_id, version"
        )

    def set_version_text(self, document_id: str, version: int, text: str) -> None:
        self._write(
            "UPDATE document_versions SET text = ? WHERE document_id = ? AND version = ?",
            (text, document_id, version),
        )

    def set_segment_spans(self, rows: Iterable[tuple[str, int, int]]) -> None:
        """(segment id, start, end) for segments whose offsets moved."""
        self._write_many(
            'UPDATE segments SET start = ?, "end" = ? WHERE id = ?', [(s, e, sid) for sid, s, e in rows]
        )

    def archived_spans(self) -> pd.DataFrame:
        return self._frame(
            'SELECT id, document_id, document_version, start, "end", quote,'
            " evidence FROM archived_codings ORDER BY id"
        )

    def set_archived_spans(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Rows of (id, start, end, quote, evidence) for archived codings."""
        self._write_many(
            'UPDATE archived_codings SET start = :start, "end" = :end,'
            " quote = :quote, evidence = :evidence WHERE id = :id",
            list(rows),
        )

    def rename_participant(self, old: str, new: str) -> None:
        """A participant's id (speakers, segments and attributes follow: ON UPDATE CASCADE)."""
        self._write("UPDATE participants SET id = ? WHERE id = ?", (new, old))
        self._write(
            "UPDATE memos SET target_id = ? WHERE target = 'participant' AND target_id = ?", (new, old)
        )

    # -------------------------------------------------------------- originals
    def keep_originals(self, rows: Iterable[tuple[str, str, str, str]], *, key_sha256: str) -> int:
        """(table, row name, column, original value) into the originals table."""
        stamp = now()
        stamped = [(stamp, key_sha256, *r) for r in rows]
        self._write_many(
            f"INSERT INTO {ORIGINALS_TABLE} (anonymised_at, key_sha256, table_name, row_key,"
            " column_name, original) VALUES (?, ?, ?, ?, ?, ?)",
            stamped,
        )
        return len(stamped)

    def originals(self) -> pd.DataFrame:
        """The originals kept by ``--keep-original`` (only this method reads them)."""
        return self._frame(
            f"SELECT id, anonymised_at, key_sha256, table_name, row_key, column_name, original"
            f" FROM {ORIGINALS_TABLE} ORDER BY id"
        )
