"""Helpers shared by the reliability tests: a dump of a project file to compare states,
the concurrent workers, and the figures kept for the README's Reliability table."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.helpers.paths import ROOT

RESULTS = ROOT / "tests" / "reliability-results.json"

#: Columns holding the time something happened: a re-run at another second differs only
#: there, so a normalised dump leaves them out.
TIME_COLUMNS = {"at", "created_at", "imported_at", "reviewed_at", "archived_at", "applied_at", "replaced_at"}


def dump(
    path: Path, *, tables: tuple[str, ...] | None = None, normalise: bool = False
) -> dict[str, list[tuple]]:
    """Every row of every table (or ``tables``), sorted, read through a fresh read-only
    connection. ``normalise`` drops the time columns and row ids that only count up
    (history, archive), so two runs of the same command compare equal."""
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        names = tables or tuple(
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " ORDER BY name"
            )
        )
        out = {}
        for name in names:
            cur = conn.execute(f'SELECT * FROM "{name}"')
            cols = [d[0] for d in cur.description]
            keep = [
                i
                for i, c in enumerate(cols)
                if not normalise
                or (c not in TIME_COLUMNS and not (c == "id" and name in ("history", "archived_codings")))
            ]
            rows = [tuple(r[i] for i in keep) for r in cur.fetchall()]
            out[name] = sorted(rows, key=repr)
        out["pragma"] = [
            tuple(conn.execute(f"PRAGMA {p}").fetchone()) for p in ("user_version", "application_id")
        ]
        return out
    finally:
        conn.close()


def integrity(path: Path) -> str:
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


# ------------------------------------------------------------------ concurrent workers
def import_files(project_path: str, files: list[str], coder: str, start, log) -> None:
    """A coder importing their sheets one after another (run in its own process)."""
    from qda.project import Project

    start.wait()
    for f in files:
        with Project.open(project_path) as project:
            report = project.import_coding(f, coder=coder)
        log.put((coder, f, report.added))


def run_rules(project_path: str, times: int, start, log) -> None:
    """Someone re-running the rules coder (run in its own process)."""
    from qda.project import Project

    start.wait()
    for _ in range(times):
        with Project.open(project_path) as project:
            report = project.code_rules()
        log.put(("rules", "", report.suggestions))


# ------------------------------------------------------------------ the README's figures
def record_result(key: str, value) -> None:
    """Keep a figure for the README's Reliability table (tests/reliability-results.json)."""
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[key] = value
    RESULTS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
