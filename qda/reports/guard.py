"""Files people work in: never overwritten with their edits in them.

``qda run`` writes the same files into its folder every time, and people work in them:
the workbook's Framework sheet has columns for their summaries, and a quote bank is
where a report's quotes get picked and trimmed; coding sheets, framework sheets, the long
coding CSV and participants templates go out to be filled in. So before such a file is
written over, it is compared with what qda last wrote there (the project remembers each
file's size, modification time and SHA-256); a file that was changed since, or that
this project never wrote, is first copied to ``<name>.edited-<UTC time>.<ext>`` beside
it, and the caller is told where (a copy, not a move: if the new file then cannot be
written, the old one is still in its place). Nothing is read into the project on its
own: a workbook kept this way may be older than the project, so bringing its summaries
in stays the researcher's decision (``qda framework import FILE``).
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from qda.errors import InputError, QdaError

if TYPE_CHECKING:
    from qda.project import Project

__all__ = ["SHEET_HINT", "WORKBOOK_HINT", "guarded", "keep_if_edited", "kept_note", "remember_written"]

_SETTING = "written_outputs"
_MAX_REMEMBERED = 200  # files remembered per project (the oldest are forgotten)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _remembered(project: Project) -> dict[str, dict]:
    """The remembered files, each ``{size, mtime_ns, sha256}``. A record that is not of
    that shape (a project changed outside qda) is forgotten: its file then counts as
    edited and is kept, the safe side, instead of failing after an export was written."""
    try:
        seen = project.store.get_setting(_SETTING, {})
    except QdaError:  # not JSON
        return {}
    if not isinstance(seen, dict):
        return {}
    return {
        key: entry
        for key, entry in seen.items()
        if isinstance(entry, dict)
        and isinstance(entry.get("size"), int)
        and isinstance(entry.get("mtime_ns"), int)
        and isinstance(entry.get("sha256"), str)
    }


def _key(path: Path) -> str:
    return str(Path(path).resolve())


def keep_if_edited(project: Project, path: str | Path) -> Path | None:
    """Copy ``path`` aside if it holds anything qda did not write there last; the copy's
    path, or None when there was nothing to keep (no file, or qda's own file unchanged)."""
    path = Path(path)
    if not path.is_file():
        return None
    seen = _remembered(project).get(_key(path))
    if seen:
        stat = path.stat()
        if stat.st_size == seen["size"] and stat.st_mtime_ns == seen["mtime_ns"]:
            return None
        if stat.st_size == seen["size"] and _sha256(path) == seen["sha256"]:
            return None  # touched or copied back, not changed
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    kept = path.with_name(f"{path.stem}.edited-{stamp}{path.suffix}")
    n = 1
    while kept.exists():
        n += 1
        kept = path.with_name(f"{path.stem}.edited-{stamp}-{n}{path.suffix}")
    try:
        shutil.copy2(path, kept)
    except OSError as exc:
        kept.unlink(missing_ok=True)
        raise InputError(
            f"{path}: was changed since qda wrote it, and it could not be copied "
            f"to {kept.name} ({exc.strerror or exc}); nothing was written. Move "
            "or rename it yourself, then run again"
        ) from exc
    return kept


@contextmanager
def guarded(project: Project, *paths: str | Path) -> Iterator[list[tuple[Path, Path]]]:
    """Around writing ``paths``: first keep a copy of each one someone changed (yields
    ``(path, copy)`` pairs), then, if the writing succeeded, remember what was written."""
    kept = [(Path(p), k) for p in paths if (k := keep_if_edited(project, p)) is not None]
    yield kept
    remember_written(project, *paths)


def kept_note(original: str | Path, kept: str | Path, hint: str = "") -> str:
    """What to tell the user about a kept copy (``hint``: how to use what is in it)."""
    original, kept = Path(original), Path(kept)
    note = (
        f"{original}: was changed since qda last wrote it; that version is kept as "
        f"{kept.name}, and a new {original.name} was written"
    )
    return f"{note} ({hint.format(kept=kept.name)})" if hint else note


#: hints for :func:`kept_note`
WORKBOOK_HINT = (
    "summaries typed in its Framework sheet go into the project with `qda framework import {kept} --by NAME`"
)
SHEET_HINT = "marks in it go into the project with `qda code import {kept} --coder NAME`"


def remember_written(project: Project, *paths: str | Path) -> None:
    """Record what qda just wrote at ``paths``, so an unchanged file is not kept as
    edited next time. Nothing is recorded in a read-only project."""
    if project.store.read_only:
        return
    seen = _remembered(project)
    for path in paths:
        path = Path(path)
        if not path.is_file():
            continue
        stat = path.stat()
        seen.pop(_key(path), None)  # re-insert: newest last
        seen[_key(path)] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": _sha256(path)}
    while len(seen) > _MAX_REMEMBERED:
        seen.pop(next(iter(seen)))
    try:
        with project.store.transaction():
            project.store.set_setting(_SETTING, seen)
    except QdaError:
        # locked by another program past the busy timeout: the file is written, only its
        # record is not (next time it is kept as edited: the safe side)
        return
