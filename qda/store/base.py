"""The store's connection: opening, transactions, settings, history, and the check that
rows read back end inside their document's text. Every part of the store
(``documents.py``, ``codings.py`` ...) subclasses :class:`StoreBase`, so what the parts
share is declared here, once, and a part never calls another part's methods.

Everyone else hands the store plain rows (dicts, DataFrames) and gets DataFrames
back. Writes happen inside :meth:`Store.transaction`; nested use joins the outer
transaction, so a whole command commits or rolls back as one.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import pandas as pd

from qda.errors import ProjectError
from qda.store import migrations, safety

__all__ = ["StoreBase", "busy_timeout", "now"]

_SQLITE_MAGIC = b"SQLite format 3\x00"

#: How long a command waits for another one writing to the same project before it
#: gives up with a ProjectError (seconds); ``QDA_BUSY_TIMEOUT`` overrides it.
BUSY_TIMEOUT = 60.0


def busy_timeout() -> float:
    """The bound on waiting for another writer, in seconds."""
    value = os.environ.get("QDA_BUSY_TIMEOUT", "").strip()
    try:
        return max(float(value), 0.0) if value else BUSY_TIMEOUT
    except ValueError:
        return BUSY_TIMEOUT


def _busy(path: Path, waited: float) -> ProjectError:
    return ProjectError(
        f"{path}: the project is locked: another qda command (or a program such as DB "
        f"Browser) is writing to it and it stayed locked for {waited:.0f} s; nothing was "
        "changed. Wait for it to finish (or close that program) and run this again"
    )


def _read_only_connection(path: Path, timeout: float) -> sqlite3.Connection:
    """A read-only connection. On a read-only mount or folder, SQLite cannot create the
    write-ahead log's ``-shm`` index beside the file ("unable to open database file"):
    the project is then opened ``immutable=1``, which SQLite supports for read-only media
    (no locks, no shared memory). Nothing can change it there, so nothing is missed."""
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, timeout=timeout)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None and code & 0xFF != sqlite3.SQLITE_CANTOPEN:
            raise
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None, timeout=timeout)


def now() -> str:
    """Timestamp used for every row: UTC, ISO 8601, seconds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class StoreBase:
    """The connection, its lifecycle and transactions, settings and history."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self._conn = conn
        self.path = path
        self._depth = 0
        #: Why the project cannot be written (None: it can); writes are refused.
        self.read_only: str | None = None
        #: Things the person opening the project should know (shown by the CLI).
        self.warnings: list[str] = []
        #: Each document's text length, keyed by the file's change stamp (see _text_lengths).
        self._lengths: tuple[tuple[int, int], dict[str, int]] | None = None

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
    def open(cls, path: str | Path, *, read_only: bool | None = None) -> Self:
        """Open a project. ``read_only``: None opens it read-only when qda cannot write to
        it (file or folder permissions), True always: reads work, writes are refused."""
        path = Path(path)
        if not path.exists():
            seen = _projects_near(path)
            raise ProjectError(
                f"{path}: no such project; create one with `qda init {path}` or `qda run`"
                + (f", or give one of the projects here with --project: {', '.join(seen)}" if seen else "")
            )
        if path.is_dir():
            raise ProjectError(f"{path}: is a folder, not a qda project file")
        with open(path, "rb") as fh:
            head = fh.read(100)
        if not head.startswith(_SQLITE_MAGIC):
            raise ProjectError(f"{path}: is not a qda project (not an SQLite database)")
        safety.check_size(path, head)
        app_id = int.from_bytes(head[68:72], "big")
        if app_id != migrations.APPLICATION_ID:
            raise ProjectError(f"{path}: is an SQLite database made by another program, not a qda project")
        version = int.from_bytes(head[60:64], "big")
        if version > migrations.LATEST:
            raise ProjectError(
                f"{path}: was written by a newer qda (schema {version}; this qda knows up to "
                f"{migrations.LATEST}); upgrade qda to open it"
            )
        why = safety.read_only_reason(path)
        if read_only and why is None:
            why = "opened read-only"
        return cls._connect(path, read_only=why)

    @classmethod
    def _connect(cls, path: Path, *, read_only: str | None = None) -> Self:
        journal = "DELETE" if safety.network_policy(path) == "rollback" else "WAL"
        timeout = busy_timeout()
        conn = None
        try:
            if read_only:
                conn = _read_only_connection(path, timeout)
            else:
                conn = sqlite3.connect(path, isolation_level=None, timeout=timeout)
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            todo = migrations.pending(conn)
            if todo and read_only:
                raise ProjectError(
                    f"{path}: the project is read-only ({read_only}) and was made by an older "
                    f"qda; upgrading it to schema {migrations.LATEST} writes to it. Make it "
                    "writable (chmod u+w) and open it again"
                )
            if todo and migrations.applied(conn):
                # Never migrate a researcher's project without a copy of it as it was;
                # a brand-new file has nothing to keep. (Imported here: the backups part
                # of the store builds on this module.)
                from qda.store.backups import make_backup

                make_backup(conn, path, f"before-migration-{todo[0].id}")
            if not read_only:
                conn.execute(f"PRAGMA journal_mode = {journal}")
            if migrations.apply_pending(conn):
                # The header (application_id, user_version) is read from the file by
                # :meth:`open` before connecting: write it through now, not at the next
                # automatic checkpoint, so another process can open the project at once.
                if journal == "WAL":
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except BaseException as exc:
            if conn is not None:
                conn.close()
            if not isinstance(exc, sqlite3.Error):
                raise
            if safety.is_damage(exc):
                raise safety.damaged(path, str(exc)) from exc
            if safety.is_busy(exc):
                raise _busy(path, timeout) from exc
            raise ProjectError(f"{path}: cannot open the project: {exc}") from exc
        store = cls(conn, path)
        store.read_only = read_only
        if journal != "WAL":
            store.warnings.append(
                f"{path}: the project is on a network filesystem; it is opened with a rollback "
                "journal because QDA_NETWORK_FS=rollback is set. Let only one person write to "
                "it at a time"
            )
        return store

    def close(self) -> None:
        self._conn.close()

    # --------------------------------------------------------------- transactions
    @property
    def in_transaction(self) -> bool:
        """Whether a :meth:`transaction` is open on this store (its writes not committed)."""
        return bool(self._depth)

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
        if self.read_only:
            raise ProjectError(
                f"{self.path}: the project is read-only ({self.read_only}); this command "
                "would change it, so nothing was done. Make it writable (chmod u+w) or work "
                "on a copy"
            )
        self._begin()
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        self._depth = 0
        self._commit()

    def _begin(self) -> None:
        """``BEGIN IMMEDIATE``: take the write lock now, so reads in the transaction see
        the state it writes over. SQLite's busy handler waits for another writer; on top of
        it the attempt is retried with jittered backoff until :func:`busy_timeout`."""
        bound = busy_timeout()
        deadline, pause = time.monotonic() + bound, 0.02
        while True:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not safety.is_busy(exc):
                    if safety.is_damage(exc):
                        raise safety.damaged(self.path, str(exc)) from exc
                    raise
                if time.monotonic() >= deadline:
                    raise _busy(self.path, bound) from exc
            time.sleep(min(pause * (0.5 + random.random()), max(deadline - time.monotonic(), 0)))
            pause = min(pause * 2, 1.0)

    def _commit(self) -> None:
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            # A rollback journal (network filesystem) needs readers gone to commit; WAL
            # never waits here. Whatever the reason, the transaction must not stay open.
            self._rollback()
            if safety.is_busy(exc):
                raise _busy(self.path, busy_timeout()) from exc
            if safety.is_damage(exc):
                raise safety.damaged(self.path, str(exc)) from exc
            raise

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            try:
                self._conn.execute("ROLLBACK")
            except sqlite3.Error:  # SQLite has already rolled back (e.g. on an I/O error)
                pass

    def _write(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> sqlite3.Cursor:
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
        if row is None:
            return default
        try:
            return json.loads(row[0])
        except (TypeError, ValueError, RecursionError) as exc:  # changed outside qda
            raise safety.damaged(self.path, f"its setting {key!r} is not JSON") from exc

    def set_setting(self, key: str, value: Any) -> None:
        self._write(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    # -------------------------------------------------------------------- history
    def record(
        self,
        *,
        who: str,
        action: str,
        entity: str,
        entity_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        self._write(
            "INSERT INTO history (at, who, action, entity, entity_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (now(), who, action, entity, entity_id, json.dumps(detail or {}, ensure_ascii=False)),
        )

    def history(self) -> pd.DataFrame:
        return self._frame("SELECT id, at, who, action, entity, entity_id, detail FROM history ORDER BY id")

    # ---------------------------------------------------------------------- checks
    def integrity_check(self) -> str:
        return self._conn.execute("PRAGMA integrity_check").fetchone()[0]

    def check_ends(self, rows: pd.DataFrame, what: str, id_column: str) -> None:
        """Refuse rows (segments or codings, with ``document_id`` and ``end``) that end
        beyond their document's text: a project changed outside qda, whose offsets, sliced,
        would quote the wrong words silently. One pass over the rows' ends per document."""
        if rows.empty:
            return
        lengths = self._text_lengths()
        for document_id, end in rows.groupby("document_id", sort=False)["end"].max().items():
            length = lengths.get(document_id)
            if length is None or end <= length:
                continue
            text = self._conn.execute("SELECT text FROM documents WHERE id = ?", (document_id,)).fetchone()[0]
            if end <= len(text):  # SQLite's length() stops at a NUL character
                continue
            bad = rows[(rows["document_id"] == document_id) & (rows["end"] > len(text))]
            raise safety.damaged(
                self.path,
                f"{what} {bad[id_column].iloc[0]} of document {document_id!r} ends at "
                f"character {int(bad['end'].iloc[0]):,}, beyond the end of its text "
                f"({len(text):,} characters), so it would quote the wrong words",
            )

    def _text_lengths(self) -> dict[str, int]:
        """Each document's text length, read again only after the file changed (this
        connection's writes or another's)."""
        stamp = (self._conn.execute("PRAGMA data_version").fetchone()[0], self._conn.total_changes)
        cached = self._lengths
        if cached is None or cached[0] != stamp:
            cached = self._lengths = (
                stamp,
                dict(self._conn.execute("SELECT id, length(text) FROM documents")),
            )
        return cached[1]


def _projects_near(path: Path, limit: int = 8) -> list[str]:
    """Project files (``*.qda``) beside ``path``, in the current folder and in
    ``qda-output/`` (where `qda run` puts one), for the message about a missing project."""
    found: list[str] = []
    for folder in dict.fromkeys([path.parent, Path("."), Path("qda-output")]):
        try:
            found.extend(str(p) for p in sorted(folder.glob("*.qda")) if p.is_file())
        except OSError:
            continue
    return list(dict.fromkeys(found))[:limit]
