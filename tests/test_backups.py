"""Backups: automatic before migrations and destructive edits, kept to a limit;
`qda backup` and `qda restore`."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from qda.cli import cli
from qda.errors import ProjectError
from qda.project import Project
from qda.store import Store, migrations

FIXTURES = Path(__file__).parent / "fixtures"


def _codings(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM codings").fetchone()[0]
    finally:
        conn.close()


def test_a_new_project_makes_no_backup(tmp_path):
    Project.create(tmp_path / "p.qda").close()
    Project.open(tmp_path / "p.qda").close()
    assert not (tmp_path / "p.qda.backups").exists()


def test_the_oldest_schema_is_backed_up_before_it_migrates(tmp_path):
    path = tmp_path / "old.qda"
    shutil.copy(FIXTURES / "schema1.qda", path)
    original = path.read_bytes()
    with Project.open(path) as project:
        backups = project.backups()
        assert project.check() == "ok"
    assert list(backups["reason"]) == ["before-migration-2"]
    copy = Path(backups["file"][0])
    conn = sqlite3.connect(copy)
    try:  # the copy is the project as it was: schema 1, the same rows, one file
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert (
        _codings(copy)
        == sqlite3.connect(FIXTURES / "schema1.qda").execute("SELECT count(*) FROM codings").fetchone()[0]
    )
    assert len(original) > 0
    with Project.open(path) as project:  # migrated once: no second backup
        assert len(project.backups()) == 1


def test_merge_and_delete_back_up_first(sample_project):
    cb = sample_project.codebook
    parent = next(c for c in cb if cb.children(c.id))
    a, b = [c.id for c in cb.children(parent.id)][:2]
    sample_project.merge_codes(a, b)
    sample_project.delete_code(b, archive=True)
    reasons = list(sample_project.backups()["reason"])
    assert reasons == [
        f"before-merge-{a}".lower().replace("_", "-"),
        f"before-delete-{b}".lower().replace("_", "-"),
    ]
    merged_copy = Path(sample_project.backups()["file"][0])
    conn = sqlite3.connect(merged_copy)
    try:  # the copy still has the merged code's codings where they were
        assert conn.execute("SELECT count(*) FROM codes WHERE id = ?", (a,)).fetchone()[0] == 1
    finally:
        conn.close()


def test_only_the_most_recent_backups_are_kept(fresh_project):
    fresh_project.set_backup_limit(3)
    made = [fresh_project.backup(f"step {i}") for i in range(5)]
    kept = fresh_project.backups()
    assert list(kept["file"]) == [str(p) for p in made[2:]]
    assert not made[0].exists() and not made[1].exists()
    with pytest.raises(Exception, match="whole number"):
        fresh_project.set_backup_limit(0)


def test_restore_brings_back_the_backup_and_keeps_the_state_it_replaced(sample_project, tmp_path):
    path = sample_project.path
    before = len(sample_project.codings())
    copy = sample_project.backup(out=tmp_path / "copy.qda")
    sample_project.delete_code(sample_project.codebook.ids[-1], archive=True)
    sample_project.close()
    restored, kept = Project.restore(path, copy)
    with restored:
        assert len(restored.codings()) == before
        assert restored.check() == "ok"
    assert kept is not None and kept.exists() and "before-restore" in kept.name


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_text("not a project"), "not an SQLite database"),
        (lambda p: sqlite3.connect(p).execute("CREATE TABLE t (x)"), "another program"),
    ],
)
def test_restore_refuses_a_file_that_is_not_a_qda_project(fresh_project, tmp_path, make, message):
    bad = tmp_path / "bad.qda"
    make(bad)
    path = fresh_project.path
    fresh_project.close()
    before = path.read_bytes()
    with pytest.raises(ProjectError, match=message):
        Project.restore(path, bad)
    assert path.read_bytes() == before
    assert not (tmp_path / "p.qda.backups").exists()


def test_restore_over_a_damaged_project_keeps_the_damaged_file(sample_project, tmp_path):
    path = sample_project.path
    copy = sample_project.backup(out=tmp_path / "good.qda")
    sample_project.close()
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(size // 3)
    with pytest.raises(ProjectError, match="damaged.*qda restore"):
        Project.open(path)
    restored, kept = Project.restore(path, copy)
    with restored:
        assert restored.check() == "ok"
    assert kept.stat().st_size == size // 3 and "damaged" in kept.name


def test_restore_of_an_older_schema_migrates_it(fresh_project, tmp_path):
    path = fresh_project.path
    fresh_project.close()
    restored, _ = Project.restore(path, FIXTURES / "schema1.qda")
    with restored:
        assert restored._store._conn.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST
        assert len(restored.codings()) == _codings(FIXTURES / "schema1.qda")


def test_cli_backup_list_and_restore(fresh_project, tmp_path):
    path = fresh_project.path
    fresh_project.close()
    runner = CliRunner()
    out = tmp_path / "mine.qda"
    result = runner.invoke(cli, ["backup", "--out", str(out), "--project", str(path)])
    assert result.exit_code == 0, result.output
    assert Store.open(out).integrity_check() == "ok"
    result = runner.invoke(cli, ["backup", "--keep", "2", "--project", str(path)])
    assert result.exit_code == 0 and "PROJECT" not in result.output
    result = runner.invoke(cli, ["backup", "--list", "--project", str(path)])
    assert "manual" in result.output
    result = runner.invoke(cli, ["restore", str(out), "--project", str(path)])
    assert result.exit_code == 0, result.output
    assert "previous state is kept" in result.output
    result = runner.invoke(cli, ["restore", str(tmp_path / "none.qda"), "--project", str(path)])
    assert result.exit_code == 1 and "Error:" in result.output and "no such file" in result.output
