"""The store: schema, migrations, transactions, refusal of foreign files."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from qda.errors import ProjectError
from qda.store import Store, migrations


def test_new_store_has_schema_and_identity(tmp_path):
    store = Store.create(tmp_path / "p.qda")
    conn = sqlite3.connect(tmp_path / "p.qda")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {
        "documents",
        "participants",
        "participant_attributes",
        "speakers",
        "segments",
        "codes",
        "codings",
        "history",
        "settings",
        "schema_migrations",
    } <= tables
    assert conn.execute("PRAGMA application_id").fetchone()[0] == migrations.APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    applied = [r[0] for r in conn.execute("SELECT id FROM schema_migrations")]
    assert applied == [m.id for m in migrations.MIGRATIONS]
    assert store._conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.integrity_check() == "ok"
    store.close()


def test_reopening_applies_nothing_new(tmp_path):
    Store.create(tmp_path / "p.qda").close()
    store = Store.open(tmp_path / "p.qda")
    assert migrations.pending(store._conn) == []
    store.close()


def test_transaction_rolls_back_everything_on_error(tmp_path):
    store = Store.create(tmp_path / "p.qda")
    with store.transaction():
        store.set_setting("a", 1)
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.set_setting("a", 2)
            with store.transaction():  # nested: joins the outer one
                store.set_setting("b", 3)
            raise RuntimeError("boom")
    assert store.get_setting("a") == 1
    assert store.get_setting("b") is None
    store.close()


def test_writes_outside_a_transaction_are_refused(tmp_path):
    store = Store.create(tmp_path / "p.qda")
    with pytest.raises(AssertionError):
        store.set_setting("a", 1)
    store.close()


def test_coded_segments_and_codes_cannot_be_deleted_under_their_codings(tmp_path):
    store = Store.create(tmp_path / "p.qda")
    with store.transaction():
        store.insert_document(
            {
                "id": "d",
                "name": "d.txt",
                "path": None,
                "format": "text",
                "sha256": "x",
                "text": "hello world",
                "unit": "turn",
                "imported_at": "now",
            }
        )
        store.insert_segments(
            [
                {
                    "id": "d#t001",
                    "document_id": "d",
                    "position": 1,
                    "unit": "turn",
                    "start": 0,
                    "end": 5,
                    "speaker": None,
                    "participant_id": None,
                    "is_interviewer": 0,
                }
            ]
        )
        store.upsert_code(
            {
                "id": "c",
                "parent_id": None,
                "name": "C",
                "description": "",
                "include": "",
                "exclude": "",
                "color": None,
                "position": 0,
            }
        )
        store.insert_codings(
            [
                {
                    "segment_id": "d#t001",
                    "document_id": "d",
                    "start": 0,
                    "end": 5,
                    "code_id": "c",
                    "coder": "ann",
                    "source": "human",
                    "status": "accepted",
                    "confidence": None,
                    "evidence": None,
                    "codebook_version": None,
                    "created_at": "now",
                }
            ]
        )
    with pytest.raises(sqlite3.IntegrityError):
        with store.transaction():
            store._write("DELETE FROM segments WHERE id = 'd#t001'")
    with pytest.raises(sqlite3.IntegrityError):
        with store.transaction():
            store.delete_code("c")
    assert len(store.codings()) == 1
    with pytest.raises(ValueError):
        with store.transaction():
            store.delete_suggestions(source="human")
    store.close()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"this is a text file, not a database" * 10, "not an SQLite database"),
        (b"", "not an SQLite database"),
    ],
)
def test_open_refuses_files_that_are_not_projects(tmp_path, content, message):
    path = tmp_path / "bad.qda"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match=message):
        Store.open(path)
    assert path.read_bytes() == content  # nothing written


def test_open_refuses_another_programs_sqlite(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(ProjectError, match="another program"):
        Store.open(path)
    assert path.read_bytes() == before


def test_open_refuses_a_newer_schema(tmp_path):
    path = tmp_path / "p.qda"
    Store.create(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(ProjectError, match="newer qda"):
        Store.open(path)


def test_open_missing_and_create_existing(tmp_path):
    with pytest.raises(ProjectError, match="no such project"):
        Store.open(tmp_path / "missing.qda")
    Store.create(tmp_path / "p.qda").close()
    with pytest.raises(ProjectError, match="already exists"):
        Store.create(tmp_path / "p.qda")
    with pytest.raises(ProjectError, match="does not exist"):
        Store.create(tmp_path / "nowhere" / "p.qda")


def test_a_project_from_schema_1_opens_and_migrates_keeping_everything(tmp_path):
    """tests/fixtures/schema1.qda was written by qda at schema 1 (commit 3ed1e0c)."""
    path = tmp_path / "old.qda"
    shutil.copy(Path(__file__).parent / "fixtures" / "schema1.qda", path)
    before = sqlite3.connect(path)
    assert before.execute("PRAGMA user_version").fetchone()[0] == 1
    counts = {
        t: before.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("documents", "segments", "codes", "codings", "history")
    }
    before.close()
    store = Store.open(path)
    try:
        conn = store._conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST
        for table, n in counts.items():
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == n
        assert {r[0] for r in conn.execute("SELECT version FROM documents")} == {1}
        texts = store.document_texts()
        human = store.codings().query("source == 'human'")
        assert len(human) == 1
        for row in store.codings().itertuples():
            assert 0 <= row.start < row.end <= len(texts[row.document_id])
        assert store.integrity_check() == "ok"
    finally:
        store.close()


def test_a_new_project_opens_from_another_connection_while_still_open(tmp_path):
    """Its header is on disk at once, not only in the write-ahead log."""
    path = tmp_path / "p.qda"
    first = Store.create(path)
    try:
        second = Store.open(path)
        second.close()
    finally:
        first.close()
