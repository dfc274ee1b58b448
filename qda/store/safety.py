"""Checks made before a project file is opened: damage, network filesystems, read-only.

None of these write anything: they read the file's 100-byte SQLite header, the
mount table and file permissions, so a refused project is left exactly as it was.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from qda.errors import ProjectError

#: What SQLite raises for a file it cannot use (callers outside the store catch this
#: name and ask :func:`store_error` what to tell the user, without speaking SQL).
DatabaseError = sqlite3.DatabaseError

__all__ = [
    "MOUNTS",
    "NETWORK_FILESYSTEMS",
    "DatabaseError",
    "check_size",
    "damaged",
    "network_filesystem",
    "read_only_reason",
    "store_error",
]

#: Filesystem types (as in ``/proc/mounts``) where SQLite's locks and shared memory
#: cannot be trusted: the write-ahead log does not work there at all and the rollback
#: journal is only as safe as the server's locking.
NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "coda",
        "ceph",
        "glusterfs",
        "lustre",
        "fuse.sshfs",
        "fuse.davfs2",
        "davfs",
        "fuse.rclone",
        "fuse.s3fs",
    }
)

#: The mount table read to find a project's filesystem (Linux); tests point it elsewhere.
MOUNTS = Path("/proc/mounts")

#: ``QDA_NETWORK_FS=rollback`` lets a project on a network filesystem be opened with a
#: rollback journal instead of the write-ahead log (one writer at a time, at your risk).
NETWORK_ENV = "QDA_NETWORK_FS"


def damaged(path: Path, detail: str) -> ProjectError:
    """The error for a project file SQLite cannot read back: names ``qda restore``."""
    backups = Path(f"{path}.backups")
    where = (
        f"the automatic backups are in {backups}/" if backups.is_dir() else "restore a copy you made earlier"
    )
    return ProjectError(
        f"{path}: the project file is damaged ({detail}); nothing was changed. Restore a backup "
        f"with `qda restore BACKUP --project {path}` ({where})"
    )


def check_size(path: Path, head: bytes) -> None:
    """Refuse a truncated file: shorter than the page count its header promises, unless
    its write-ahead log holds pages. A checkpoint (SQLite copying the log into the file)
    cut off by a crash or a kill leaves the file's new header written and its last pages
    not yet: those pages are still in the log, and SQLite reads them from there and
    finishes the copy when the project is next opened (``tests/test_crash.py`` met it)."""
    if len(head) < 100:
        raise damaged(path, f"only {len(head)} bytes, shorter than an SQLite header")
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise damaged(path, f"its header gives an impossible page size {page_size}")
    pages = int.from_bytes(head[28:32], "big")
    # The page count is valid only when the change counter matches "version valid for".
    if pages and head[24:28] == head[92:96]:
        size = path.stat().st_size
        if size < pages * page_size and not _log_has_pages(path):
            raise damaged(path, f"truncated: {size} bytes where its header says {pages * page_size}")


def _log_has_pages(path: Path) -> bool:
    """Whether the project's write-ahead log holds any frame (more than its 32-byte header)."""
    try:
        return Path(f"{path}-wal").stat().st_size > 32
    except OSError:
        return False


def _unescape(field: str) -> str:
    """Paths in /proc/mounts escape space, tab, newline and backslash as octal."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def network_filesystem(path: Path) -> str | None:
    """The network filesystem type holding ``path``'s folder, or None (local, or unknown:
    no mount table, as on macOS and Windows)."""
    try:
        lines = MOUNTS.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    folder = str(Path(os.path.abspath(path)).parent.resolve())
    best, best_type = "", None
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount, fstype = _unescape(parts[1]), parts[2]
        inside = folder == mount or folder.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):
            best, best_type = mount, fstype
    return best_type if best_type in NETWORK_FILESYSTEMS else None


def network_policy(path: Path) -> str | None:
    """None on a local disk; ``"rollback"`` on a network filesystem the user allowed;
    otherwise a ProjectError saying why and what to do (raised before anything is written)."""
    fstype = network_filesystem(path)
    if fstype is None:
        return None
    if os.environ.get(NETWORK_ENV, "").strip().lower() == "rollback":
        return "rollback"
    raise ProjectError(
        f"{path}: the project is on a network filesystem ({fstype}), where SQLite's locking "
        "is unreliable and its write-ahead log does not work, so a project there can be "
        "corrupted; nothing was opened. Copy it to a local disk, work there and copy it back "
        f"when done, or set {NETWORK_ENV}=rollback to open it with a rollback journal (one "
        "person at a time, at your own risk)"
    )


def read_only_reason(path: Path) -> str | None:
    """Why qda cannot write to the project (None: it can). SQLite needs to write the file
    and to create its journal files beside it."""
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return "it is on a read-only filesystem"
    except (OSError, AttributeError):  # no statvfs (Windows): the checks below decide
        pass
    if not os.access(path, os.W_OK):
        return "the file is read-only"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return f"its folder {path.parent} is read-only"
    return None


def is_busy(exc: sqlite3.Error) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED: another connection holds the lock we need."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)


def is_damage(exc: sqlite3.Error) -> bool:
    """SQLITE_CORRUPT or SQLITE_NOTADB: the file's contents cannot be read back."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    return "malformed" in str(exc) or "not a database" in str(exc)


def store_error(path: Path, exc: sqlite3.Error) -> ProjectError | None:
    """The ProjectError to show for an SQLite error met while using a project (damage,
    a lock held too long), or None when it is a bug in qda."""
    if is_damage(exc):
        return damaged(Path(path), str(exc))
    if is_busy(exc):
        return ProjectError(
            f"{path}: the project is locked by another program ({exc}); "
            "wait for it to finish (or close it) and run this again"
        )
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR):
        return ProjectError(
            f"{path}: the disk could not be written or read ({exc}); nothing "
            "was changed. Free some space or check the disk, then run this "
            "again"
        )
    return None
