"""Reading another program's database: a Taguette project file (``.sqlite3``).

Taguette (https://www.taguette.org) keeps a whole server's projects in one SQLite file:
``documents`` (HTML), ``tags`` (a path and a description), ``highlights`` (UTF-8 byte
offsets into the document's text with its tags stripped, and the HTML snippet) and
``highlight_tags``. This module only reads those rows, read-only, into plain data;
:mod:`qda.ingest.taguette` turns them into text, a codebook and codings. SQL stays here,
in the store package, like all of qda's SQL.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from qda.errors import InputError

__all__ = ["TaguetteRows", "read_taguette_rows"]

_NEEDED = {"projects", "documents", "tags", "highlights", "highlight_tags"}


@dataclass
class TaguetteRows:
    """The rows of a Taguette database qda uses, as tuples in id order."""

    projects: list[tuple] = field(default_factory=list)  # id, name, description
    members: list[tuple] = field(default_factory=list)  # project_id, login
    documents: list[tuple] = field(default_factory=list)  # id, project_id, name, contents
    tags: list[tuple] = field(default_factory=list)  # id, project_id, path, description
    highlights: list[tuple] = field(default_factory=list)  # id, document_id, start, end, snippet
    highlight_tags: list[tuple] = field(default_factory=list)  # highlight_id, tag_id


def read_taguette_rows(path: str | Path) -> TaguetteRows:
    """Every project, document, tag and highlight of a Taguette database, read-only.

    A file that is not SQLite, or an SQLite file without Taguette's tables, is an
    InputError naming the file.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    with open(path, "rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise InputError(
                f"{path}: is not a Taguette database (not an SQLite file); "
                "give the .sqlite3 file Taguette keeps its projects in"
            )
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        missing = sorted(_NEEDED - tables)
        if missing:
            raise InputError(
                f"{path}: is not a Taguette database (no table "
                f"{', '.join(missing)}); give the .sqlite3 file Taguette keeps "
                "its projects in"
            )
        members = []
        if "project_members" in tables:
            members = conn.execute(
                "SELECT project_id, user_login FROM project_members ORDER BY project_id, user_login"
            ).fetchall()
        return TaguetteRows(
            projects=conn.execute("SELECT id, name, description FROM projects ORDER BY id").fetchall(),
            members=members,
            documents=conn.execute(
                "SELECT id, project_id, name, contents FROM documents ORDER BY id"
            ).fetchall(),
            tags=conn.execute("SELECT id, project_id, path, description FROM tags ORDER BY id").fetchall(),
            highlights=conn.execute(
                "SELECT id, document_id, start_offset, end_offset, snippet FROM highlights ORDER BY id"
            ).fetchall(),
            highlight_tags=conn.execute(
                "SELECT highlight_id, tag_id FROM highlight_tags ORDER BY highlight_id, tag_id"
            ).fetchall(),
        )
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{path}: cannot be read as a Taguette database ({exc})") from exc
    finally:
        conn.close()
