"""The store's connection: opening, transactions, settings, history.

Everyone else hands the store plain rows (dicts, DataFrames) and gets DataFrames
back. Writes happen inside :meth:`Store.transaction`; nested use joins the outer
transaction, so a whole command commits or rolls back as one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import pandas as pd

from qda.errors import ProjectError
from qda.store import migrations

__all__ = ["StoreBase", "now"]

_SQLITE_MAGIC = b"SQLite format 3\x00"


def now() -> str:
    """Timestamp used for every row: UTC, ISO 8601, seconds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class StoreBase:
    """The connection, its lifecycle and transactions, settings and history."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self._conn = conn
        self.path = path
        self._depth = 0

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def create(cls, path: str | Path) -> Self:
        path = Path(path)
        if path.exists():
            raise ProjectError(f"{path}: already exists; open it instead of creating it")
        if not path.parent.exists():
            raise ProjectError(f"{path}: folder {path.parent} does not exist; create it first")
        return cls._connect(path)

    @classmethod
    def open(cls, path: str | Path) -> Self:
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
    def _connect(cls, path: Path) -> Self:
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

    # ---------------------------------------------------------------------- checks
    def integrity_check(self) -> str:
        return self._conn.execute("PRAGMA integrity_check").fetchone()[0]
