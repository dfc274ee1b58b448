"""Taguette databases (qda/store/taguette.py, qda/refi/taguette.py): HTML made text,
UTF-8 byte offsets made character offsets, tags as codes, highlights as codings, bad
files refused; the real SERDIF study's database when ../shared has it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from qda.cli import cli
from qda.errors import InputError
from qda.project import Project
from qda.refi.taguette import byte_to_char, html_text, taguette_project
from qda.store.taguette import read_taguette_rows

ROOT = Path(__file__).resolve().parents[1]
SERDIF = ROOT.parent / "shared" / "data" / "serdif-usability"
SERDIF_DB = SERDIF / "original" / "SERDIF_P2_ThematicAnalysis.sqlite3"


def read_taguette_project(path):
    return taguette_project(read_taguette_rows(path), path)


HTML = (
    "<p>MODERATOR: Read the \u2018Home\u2019 tab.</p>\n<p>P1: I think the caf\u00e9 &amp; "
    "the <b>map</b> are clear.</p>\n<p>P1: The export was slow.</p>"
)


def _taguette(path: Path, highlights, *, html: str = HTML) -> Path:
    """A database with Taguette's tables (the columns qda reads) and the given highlights
    ``(start_byte, end_byte, snippet, [tag ids])``."""
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE projects (id INTEGER PRIMARY KEY, name TEXT, description TEXT,
                               created TEXT);
        CREATE TABLE project_members (project_id INTEGER, user_login TEXT, privileges TEXT);
        CREATE TABLE documents (id INTEGER PRIMARY KEY, name TEXT, description TEXT,
                                filename TEXT, created TEXT, project_id INTEGER,
                                text_direction TEXT, contents TEXT);
        CREATE TABLE tags (id INTEGER PRIMARY KEY, project_id INTEGER, path TEXT,
                           description TEXT);
        CREATE TABLE highlights (id INTEGER PRIMARY KEY, document_id INTEGER,
                                 start_offset INTEGER, end_offset INTEGER, snippet TEXT);
        CREATE TABLE highlight_tags (highlight_id INTEGER, tag_id INTEGER);
    """)
    conn.execute("INSERT INTO projects VALUES (1, 'Study', '', '2022-01-01')")
    conn.execute("INSERT INTO project_members VALUES (1, 'ann', 'ADMIN')")
    conn.execute("INSERT INTO documents VALUES (1, 'P1.odt', '', 'P1.odt', '', 1, 'LTR', ?)", (html,))
    conn.execute("INSERT INTO tags VALUES (1, 1, 'Map useful', 'The map helps.')")
    conn.execute("INSERT INTO tags VALUES (2, 1, 'System issue', 'Slow or crashing.')")
    for i, (s, e, snippet, tags) in enumerate(highlights, start=1):
        conn.execute("INSERT INTO highlights VALUES (?, 1, ?, ?, ?)", (i, s, e, snippet))
        conn.executemany("INSERT INTO highlight_tags VALUES (?, ?)", [(i, t) for t in tags])
    conn.commit()
    conn.close()
    return path


def _bytes_of(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return len(text[:start].encode()), len(text[: start + len(words)].encode())


def test_html_text_decodes_entities_and_drops_tags():
    text = html_text(HTML)
    assert "caf\u00e9 & the map are clear." in text
    assert "<" not in text and "&amp;" not in text


def test_byte_offsets_become_character_offsets():
    text = "\u2018a\u2019 caf\u00e9 b"
    convert = byte_to_char(text)
    start, end = _bytes_of(text, "caf\u00e9 b")
    assert text[convert(start) : convert(end)] == "caf\u00e9 b"


def test_highlights_become_codings_at_exact_characters(tmp_path):
    text = html_text(HTML)
    s1, e1 = _bytes_of(text, "the map are clear.")
    s2, e2 = _bytes_of(text, "The export was slow.")
    db = _taguette(
        tmp_path / "t.sqlite3",
        [(s1, e1, "<p>the <b>map</b> are clear.</p>", [1]), (s2, e2, "<p>The export was slow.</p>", [1, 2])],
    )
    project = Project.create(tmp_path / "p.qda")
    report = project.import_taguette(db)
    assert report.codings == 3 and not report.skipped and not report.unplaced
    codings = project.codings()
    docs = {r.document: r.text for r in project.documents(text=True).itertuples()}
    quotes = {
        (docs[d][s:e], c)
        for d, s, e, c in zip(codings["document"], codings["start"], codings["end"], codings["code"])
    }
    assert quotes == {
        ("the map are clear.", "map_useful"),
        ("The export was slow.", "map_useful"),
        ("The export was slow.", "system_issue"),
    }
    assert set(codings["coder"]) == {"ann"} and set(codings["source"]) == {"import"}
    assert project.codebook.get("system_issue").description == "Slow or crashing."
    texts, labels = project.training_set("ann")  # what qda suggest --from ann learns
    taught = dict(zip(texts.index, labels))
    assert {"map_useful", "system_issue"} in [set(v) for v in taught.values()]


def test_a_highlight_whose_offsets_miss_its_snippet_is_reported(tmp_path):
    db = _taguette(tmp_path / "t.sqlite3", [(0, 5, "<p>not these words</p>", [1])])
    refi, report = read_taguette_project(db)
    assert not refi.codings
    assert report.skipped and "do not give back the text" in report.skipped[0][1]


def test_not_a_taguette_database_is_one_error(tmp_path):
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE x (a)").connection.close()
    with pytest.raises(InputError, match="not a Taguette database"):
        read_taguette_project(other)
    text = tmp_path / "notes.db"
    text.write_text("hello")
    Project.create(tmp_path / "p.qda").close()
    result = CliRunner().invoke(cli, ["ingest", str(text), "--project", str(tmp_path / "p.qda")])
    assert result.exit_code == 1 and "Error:" in result.output
    assert "not an SQLite file" in result.output and "Traceback" not in result.output


@pytest.mark.skipif(not SERDIF_DB.exists(), reason="the SERDIF study data is not in ../shared")
def test_the_serdif_study_imports_whole(tmp_path):
    Project.create(tmp_path / "p.qda").close()
    result = CliRunner().invoke(cli, ["ingest", str(SERDIF_DB), "--project", str(tmp_path / "p.qda")])
    assert result.exit_code == 0, result.output
    assert "17 document(s), 22 code(s), 1930 coding(s)" in result.output
    assert "Skipped highlight 1630: it has no tag" in result.output
