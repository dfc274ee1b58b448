"""Backups of a project: copies made with SQLite's online backup API, and restore.

Automatic backups go to a folder beside the project, ``<project>.backups/``, named
``<stem>-<UTC time>-<reason>.qda`` so they sort by time; the most recent
``backup_limit`` (a setting, default :data:`DEFAULT_LIMIT`) are kept. A backup is a
whole, self-contained project file (rollback journal, no ``-wal`` beside it) that
``qda`` opens like any other, written to a temporary name and renamed into place, so
an interrupted backup never leaves half a file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from qda.errors import ProjectError
from qda.store import migrations, safety
from qda.store.base import StoreBase

__all__ = [
    "DEFAULT_LIMIT",
    "BackupRows",
    "backup_folder",
    "backup_text_cells",
    "copy_database",
    "make_backup",
    "prune",
    "restore",
    "wipe_file",
]

#: Automatic backups kept per project unless the ``backup_limit`` setting says otherwise.
DEFAULT_LIMIT = 10

_NAME = re.compile(r"^(?P<stem>.+)-(?P<at>\d{8}T\d{6}\.\d{6}Z)-(?P<reason>[a-z0-9-]+)\.qda$")


def backup_folder(project: Path) -> Path:
    return project.parent / f"{project.name}.backups"


def _slug(reason: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-")[:60] or "backup"


def copy_database(conn: sqlite3.Connection, target: Path) -> Path:
    """Copy the database behind ``conn`` (a consistent snapshot, committed data only) to
    ``target`` through a temporary file beside it; the copy uses a rollback journal."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".qda-tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        dest = sqlite3.connect(tmp_path, isolation_level=None)
        try:
            conn.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
    except sqlite3.Error as exc:
        raise ProjectError(f"{target}: the backup could not be written ({exc}); nothing was changed") from exc
    except OSError as exc:
        raise ProjectError(
            f"{target}: the backup could not be written ({exc.strerror}); "
            "free some disk space or choose another place with --out"
        ) from exc
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
    return target


def _limit(conn: sqlite3.Connection) -> int:
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = 'backup_limit'").fetchone()
    except sqlite3.Error:  # before the first migration there is no settings table
        row = None
    return DEFAULT_LIMIT if row is None else int(json.loads(row[0]))


def make_backup(conn: sqlite3.Connection, project: Path, reason: str, *, out: Path | None = None) -> Path:
    """Back the project up: to ``out`` if given, else into its backups folder (then the
    oldest automatic backups beyond the limit are removed)."""
    if out is not None:
        out = Path(out)
        if not out.parent.is_dir():
            raise ProjectError(f"{out}: folder {out.parent} does not exist; create it first")
        if out.resolve() == project.resolve():
            raise ProjectError(f"{out}: is the project itself; back it up to another file")
        return copy_database(conn, out)
    folder = backup_folder(project)
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise ProjectError(
            f"{folder}: cannot create the backups folder ({exc.strerror}); nothing was changed"
        ) from exc
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    target = folder / f"{project.stem}-{stamp}-{_slug(reason)}.qda"
    copy_database(conn, target)
    prune(project, _limit(conn))
    return target


def list_backups(project: Path) -> list[tuple[Path, str, str]]:
    """(file, UTC time, reason) of the automatic backups, oldest first."""
    folder = backup_folder(project)
    if not folder.is_dir():
        return []
    found = []
    for item in folder.iterdir():
        m = _NAME.match(item.name)
        if m and m["stem"] == project.stem and item.is_file():
            found.append((item, m["at"], m["reason"]))
    return sorted(found, key=lambda t: t[1])


def prune(project: Path, limit: int) -> list[Path]:
    """Remove the oldest automatic backups beyond ``limit``; returns those removed."""
    found = list_backups(project)
    gone = [item for item, _, _ in found[: max(len(found) - max(limit, 1), 0)]]
    for item in gone:
        item.unlink(missing_ok=True)
    return gone


def check_backup_file(source: Path) -> None:
    """Refuse a file to restore from unless it is a whole qda project this qda can open."""
    if not source.is_file():
        raise ProjectError(f"{source}: no such file to restore from")
    with open(source, "rb") as fh:
        head = fh.read(100)
    if not head.startswith(b"SQLite format 3\x00"):
        raise ProjectError(f"{source}: is not a qda project (not an SQLite database); nothing was restored")
    if int.from_bytes(head[68:72], "big") != migrations.APPLICATION_ID:
        raise ProjectError(
            f"{source}: is an SQLite database made by another program, not a "
            "qda project; nothing was restored"
        )
    version = int.from_bytes(head[60:64], "big")
    if version > migrations.LATEST:
        raise ProjectError(
            f"{source}: was written by a newer qda (schema {version}); upgrade qda to restore it"
        )
    safety.check_size(source, head)
    try:
        conn = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            has_schema = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise ProjectError(
            f"{source}: cannot be read as a qda project ({exc}); nothing was restored"
        ) from exc
    if result != "ok":
        raise ProjectError(
            f"{source}: is damaged (integrity check: {result}); choose another backup; nothing was restored"
        )
    if not has_schema:
        raise ProjectError(f"{source}: has no qda schema; nothing was restored")


def restore(conn: sqlite3.Connection, source: Path) -> None:
    """Replace the database behind ``conn`` (open, writable) by the project in ``source``
    (already checked), page by page through the backup API, as one write."""
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        src.backup(conn)
    except sqlite3.Error as exc:
        raise ProjectError(f"cannot restore from {source} ({exc}); the project was not changed") from exc
    finally:
        src.close()


def replace_damaged(project: Path, source: Path) -> Path:
    """Restore over a project file that cannot be opened: move the damaged file (and its
    journal files) into the backups folder, then put a copy of ``source`` in its place."""
    folder = backup_folder(project)
    folder.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    kept = folder / f"{project.stem}-{stamp}-damaged-before-restore.qda"
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:  # the copy is whole and on disk before the damaged file is moved away
        tmp = copy_database(src, project.parent / f".{project.stem}-restoring.qda")
    finally:
        src.close()
    shutil.move(project, kept)
    for extra in ("-wal", "-shm", "-journal"):
        side = Path(f"{project}{extra}")
        if side.exists():
            shutil.move(side, Path(f"{kept}{extra}"))
    os.replace(tmp, project)
    return kept


class BackupRows(StoreBase):
    """Backups of the open project. (A part of :class:`~qda.store.Store`.)"""

    def backup(self, reason: str, *, out: str | Path | None = None) -> Path:
        """Copy the project (committed state) to ``out`` or into its backups folder."""
        if self._depth:
            raise ProjectError("a backup is made before a transaction, not inside one")
        return make_backup(self._conn, self.path, reason, out=Path(out) if out else None)

    def backups(self) -> pd.DataFrame:
        """The automatic backups, oldest first: ``file, at, reason, bytes``."""
        rows: list[dict[str, Any]] = [
            {
                "file": str(item),
                "at": datetime.strptime(at, "%Y%m%dT%H%M%S.%fZ")
                .replace(tzinfo=UTC)
                .isoformat(timespec="seconds"),
                "reason": reason,
                "bytes": item.stat().st_size,
            }
            for item, at, reason in list_backups(self.path)
        ]
        return pd.DataFrame(rows, columns=["file", "at", "reason", "bytes"])

    @property
    def backup_limit(self) -> int:
        return _limit(self._conn)

    @classmethod
    def restore(cls, path: str | Path, source: str | Path):
        """Put the project in ``source`` (a backup) in place of the one at ``path``.

        ``source`` must be a whole qda project (checked first, nothing changed otherwise).
        The current project is backed up first (reason ``before-restore``); if it cannot
        be opened because it is damaged, the damaged file is moved into the backups folder
        instead. Returns ``(store, kept)``: the restored project, open and migrated to this
        qda's schema, and where the previous state was kept (None: there was none)."""
        path, source = Path(path), Path(source)
        check_backup_file(source)
        if path.exists() and source.resolve() == path.resolve():
            raise ProjectError(f"{source}: is the project itself; name a backup to restore")
        if not path.exists():
            if not path.parent.is_dir():
                raise ProjectError(f"{path}: folder {path.parent} does not exist")
            shutil.copyfile(source, path)
            return cls.open(path), None
        try:
            current = cls.open(path)
        except ProjectError as exc:
            if "damaged" not in str(exc):
                raise
            kept = replace_damaged(path, source)
            return cls.open(path), kept
        try:
            if current.read_only:
                raise ProjectError(
                    f"{path}: the project is read-only ({current.read_only}); "
                    "make it writable to restore over it"
                )
            kept = current.backup("before-restore")
            restore(current._conn, source)
        finally:
            current.close()
        return cls.open(path), kept


def backup_text_cells(path: Path) -> list[tuple[str, str, str, str]]:
    """(table, row number, column, value) of every text value in a backup file, whatever
    its schema (an older backup too), read ``immutable`` so that nothing is written beside
    it. A file SQLite cannot read gives nothing (restore refuses it anyway)."""
    out: list[tuple[str, str, str, str]] = []
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return out
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            cur = conn.execute(f'SELECT * FROM "{table}"')
            cols = [d[0] for d in cur.description]
            for number, row in enumerate(cur, start=1):
                out += [
                    (table, str(number), col, value)
                    for col, value in zip(cols, row)
                    if isinstance(value, str) and value
                ]
    except sqlite3.Error:
        pass
    finally:
        conn.close()
    return out


def wipe_file(path: Path) -> None:
    """Overwrite a file with zeros, flush it to the disk, then delete it. (On an SSD or a
    copy-on-write filesystem the old blocks may survive the overwrite: encrypt the disk.)"""
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        block = b"\0" * (1024 * 1024)
        for _ in range(0, size, len(block)):
            fh.write(block)
        fh.flush()
        os.fsync(fh.fileno())
    path.unlink()
