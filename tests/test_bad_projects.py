"""Opening a bad project: each gets one clear error and the file is left as it was
(same bytes, same modification time)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from qda.cli import cli
from qda.errors import ProjectError
from qda.project import Project
from qda.store import Store, migrations, safety


def _state(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def _cli(*args) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(map(str, args)))
    return result.exit_code, result.output


@pytest.fixture
def small_project(tmp_path, transcripts) -> Path:
    path = tmp_path / "p.qda"
    with Project.create(path) as project:
        project.ingest([transcripts])
        project.load_codebook(Path(__file__).resolve().parents[1] / "codebooks" / "family_involvement.yaml")
    return path


def _newer(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    conn.commit()
    conn.close()


def _another_program(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()


def _truncate(path: Path) -> None:
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size // 2)


@pytest.mark.parametrize(
    "spoil, message",
    [
        (lambda p: p.write_bytes(b"PK\x03\x04 a zip file" * 50), "not an SQLite database"),
        (lambda p: p.write_bytes(b""), "not an SQLite database"),
        (_another_program, "another program"),
        (_newer, "newer qda"),
        (_truncate, "damaged .*truncated.*qda restore"),
        (lambda p: p.write_bytes(p.read_bytes()[:60]), "damaged"),
    ],
)
def test_a_bad_project_is_refused_and_left_as_it_was(small_project, spoil, message):
    path = small_project
    if spoil in (_another_program,):
        path.unlink()
    spoil(path)
    before = _state(path)
    time.sleep(0.01)
    with pytest.raises(ProjectError, match=message):
        Project.open(path)
    code, out = _cli("code", "rules", "--project", path)
    assert code == 1 and out.startswith("Error: ") and "Traceback" not in out
    assert _state(path) == before
    assert not Path(f"{path}-wal").exists() or spoil is _newer


def test_a_page_damaged_inside_the_file_is_a_clear_error_naming_restore(small_project):
    conn = sqlite3.connect(small_project)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'segments'").fetchone()[0]
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(small_project.read_bytes())
    for i in range((root - 1) * page, root * page, 3):  # scribble over the table's page
        data[i] ^= 0xA5
    small_project.write_bytes(bytes(data))
    before = _state(small_project)
    code, out = _cli("segments", "--project", small_project)
    assert code == 1 and "damaged" in out and "qda restore" in out, out
    assert _state(small_project) == before


@pytest.fixture
def read_only(small_project, monkeypatch):
    """The file read-only. As root, permissions do not stop writes, so the check qda makes
    (os.access) is also told so: what qda does with a read-only file is the same."""
    os.chmod(small_project, 0o444)
    real = safety.read_only_reason
    monkeypatch.setattr(
        safety, "read_only_reason", lambda p: "the file is read-only" if Path(p) == small_project else real(p)
    )
    yield small_project
    os.chmod(small_project, 0o644)


def test_reading_commands_work_on_a_read_only_project_and_writing_ones_are_refused(read_only):
    before = _state(read_only)
    code, out = _cli("segments", "--project", read_only)
    assert code == 0 and "segment_id" in out
    code, out = _cli("codebook", "show", "--project", read_only)
    assert code == 0, out
    for command in (
        ["code", "rules"],
        ["codebook", "delete", "benefits", "--archive"],
        ["backup", "--keep", "3"],
    ):
        code, out = _cli(*command, "--project", read_only)
        assert code == 1 and "read-only" in out and "Traceback" not in out, (command, out)
    with Project.open(read_only) as project:
        assert project.read_only == "the file is read-only"
        with pytest.raises(ProjectError, match="read-only.*nothing was done"):
            project.set_attribution_template("{participant}")
    assert _state(read_only) == before


def test_an_old_read_only_project_says_it_needs_upgrading(tmp_path, monkeypatch):
    path = tmp_path / "old.qda"
    shutil.copy(Path(__file__).parent / "fixtures" / "schema1.qda", path)
    monkeypatch.setattr(safety, "read_only_reason", lambda p: "the file is read-only")
    before = _state(path)
    with pytest.raises(ProjectError, match="read-only.*older qda.*writable"):
        Project.open(path)
    assert _state(path) == before
    assert not (tmp_path / "old.qda.backups").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file permissions")
def test_a_really_read_only_file_opens_for_reading(small_project):
    os.chmod(small_project, 0o444)
    try:
        with Project.open(small_project) as project:
            assert len(project.segments()) > 0
            assert project.read_only
    finally:
        os.chmod(small_project, 0o644)


@pytest.fixture
def on_nfs(tmp_path, monkeypatch):
    mounts = tmp_path / "mounts"
    folder = str(tmp_path).replace(" ", "\\040")
    mounts.write_text(f"/dev/sda1 / ext4 rw 0 0\nfiler:/export/home {folder} nfs4 rw 0 0\n")
    monkeypatch.setattr(safety, "MOUNTS", mounts)
    monkeypatch.delenv(safety.NETWORK_ENV, raising=False)
    return tmp_path


def test_the_mount_table_finds_the_filesystem_of_the_project_folder(on_nfs, tmp_path):
    assert safety.network_filesystem(on_nfs / "p.qda") == "nfs4"
    assert safety.network_filesystem(Path("/somewhere/else.qda")) is None


def test_a_project_on_a_network_filesystem_is_refused(small_project, on_nfs):
    before = _state(small_project)
    with pytest.raises(ProjectError, match="network filesystem \\(nfs4\\).*Copy it to a local"):
        Project.open(small_project)
    code, out = _cli("init", on_nfs / "new.qda")
    assert code == 1 and "network filesystem" in out
    assert not (on_nfs / "new.qda").exists()
    assert _state(small_project) == before


def test_a_network_project_opens_with_a_rollback_journal_when_asked(small_project, on_nfs, monkeypatch):
    monkeypatch.setenv(safety.NETWORK_ENV, "rollback")
    code, out = _cli("code", "rules", "--project", small_project)
    assert code == 0 and "Warning:" in out and "rollback journal" in out
    conn = sqlite3.connect(small_project)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    assert not Path(f"{small_project}-wal").exists()


def test_a_locked_project_is_a_clear_error_after_the_bound(small_project, monkeypatch):
    monkeypatch.setenv("QDA_BUSY_TIMEOUT", "0.5")
    holder = sqlite3.connect(small_project, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        before = Store.open(small_project).codings().shape
        started = time.monotonic()
        code, out = _cli("code", "rules", "--project", small_project)
        assert code == 1 and "locked" in out and "nothing was changed" in out, out
        assert time.monotonic() - started < 30
        code, out = _cli("segments", "--project", small_project)  # reading still works
        assert code == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Project.open(small_project) as project:
        assert project.codings().shape == before
        project.code_rules()  # and once it is free, writing works again
        assert len(project.codings()) > 0


def _checkpoint_cut_off(small_project: Path, copy: Path) -> None:
    """``copy``: ``small_project`` as a kill in the middle of a checkpoint leaves it: the
    write-ahead log holds pages that grew the file, the file's header already gives the
    grown page count, and the file itself is not yet extended."""
    conn = sqlite3.connect(small_project, isolation_level=None)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("CREATE TABLE scratch (x)")
    conn.execute("INSERT INTO scratch SELECT randomblob(2000) FROM segments, segments LIMIT 400")
    conn.execute("DROP TABLE scratch")  # the pages stay (on the free list): the file grew
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    for suffix in ("", "-wal"):  # copied while the log is still unmerged, as after a kill
        shutil.copy(f"{small_project}{suffix}", f"{copy}{suffix}")
    conn.close()
    data = bytearray(copy.read_bytes())
    assert len(data) < pages * int.from_bytes(data[16:18], "big")
    data[28:32] = pages.to_bytes(4, "big")
    data[92:96] = data[24:28]  # the page count is valid
    copy.write_bytes(bytes(data))


def test_a_checkpoint_cut_off_is_finished_on_opening_not_called_damage(small_project, tmp_path):
    copy = tmp_path / "copy.qda"
    _checkpoint_cut_off(small_project, copy)
    with Project.open(small_project) as project:
        want = project.segments()
    with Project.open(copy) as project:
        assert project.segments().equals(want)
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_the_same_file_without_its_log_is_refused_as_truncated(small_project, tmp_path):
    copy = tmp_path / "copy.qda"
    _checkpoint_cut_off(small_project, copy)
    Path(f"{copy}-wal").unlink()
    before = _state(copy)
    with pytest.raises(ProjectError, match="damaged .*truncated"):
        Project.open(copy)
    assert _state(copy) == before
