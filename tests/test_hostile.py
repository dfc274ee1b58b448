"""Hostile and oversized input (issue 22): each is built here, small, and must give one
clean ``Error:`` line (or the error type, through the API) within a generous hang guard,
leaving the project as it was. The limits are those of ``qda/limits.py``."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import traceback
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from qda import limits
from qda.cli import cli as cli_group
from qda.codebook import Code, Codebook, load_codebook
from qda.errors import CodebookError, InputError, ProjectError
from qda.ingest import source as ingest_source
from qda.project import Project
from qda.reports import export_quotes
from tests.helpers.hostile import deep_qdc, deep_yaml
from tests.helpers.paths import CODEBOOK

HANG_GUARD = 240  # seconds: a hang guard for a loaded 2-core machine, not a speed test


def qda(*args, timeout: float = HANG_GUARD) -> subprocess.CompletedProcess:
    """The real console entry point, killed after ``timeout`` seconds (then the test fails)."""
    exe = Path(sys.executable).with_name("qda")
    return subprocess.run(
        [str(exe), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def cli(*args) -> subprocess.CompletedProcess:
    """The command line in this process (quicker), shaped like :func:`qda`'s result; an
    exception that escaped it shows as a traceback in ``stderr``."""
    result = CliRunner().invoke(cli_group, list(map(str, args)))
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "Traceback\n" + "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, stderr)


def refused(result: subprocess.CompletedProcess, *words: str) -> str:
    """The one ``Error:`` line of a refused command, checked: exit 1, no traceback, and
    each of ``words`` in it."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def state(path: Path) -> str:
    """The project file's bytes (after its write-ahead log is folded in by closing)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def small(tmp_path, transcripts) -> Path:
    """A small project with the default codebook and the rules' suggestions."""
    path = tmp_path / "p.qda"
    with Project.create(path) as project:
        project.ingest([transcripts])
        project.load_codebook(CODEBOOK)
        project.code_rules()
    return path


def codebook_yaml(path: Path, codes: str) -> Path:
    path.write_text("name: Hostile\nversion: '1'\ncodes:\n" + codes, encoding="utf-8")
    return path


# ------------------------------------------------------------ 1. regular expressions
CATASTROPHIC = "^(a+)+$"


def test_a_pattern_that_backtracks_catastrophically_is_refused_when_loaded(small, tmp_path):
    book = codebook_yaml(
        tmp_path / "cb.yaml",
        f"""\
  - id: letters
    name: Letters
    patterns:
      - [{{TEXT: {{REGEX: '{CATASTROPHIC}'}}}}]
""",
    )
    before = state(small)
    started = time.monotonic()
    line = refused(
        cli("codebook", "load", book, "--project", small),
        "letters",
        "pattern 1",
        CATASTROPHIC,
        "catastrophic backtracking",
        "a repeat inside a repeat",
    )
    assert time.monotonic() - started < HANG_GUARD
    assert "line 4" in line
    assert state(small) == before


def test_a_qdc_patterns_paragraph_is_checked_too(tmp_path):
    """A pattern inside an imported .qdc's description (README: untrusted)."""
    qdc = tmp_path / "book.qdc"
    qdc.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        '<Code guid="00000000-0000-4000-8000-000000000001" name="Letters" isCodable="true">'
        '<Description>Letters.\n\nPatterns:\n- [{"LOWER": {"REGEX": "(x+x+)+y"}}]'
        "</Description></Code></Codes></CodeBook>",
        encoding="utf-8",
    )
    with pytest.raises(
        CodebookError,
        match=r"code 'Letters'.*pattern 1.*\(x\+x\+\)\+y.*"
        r"catastrophic",
    ):
        load_codebook(qdc)


def test_safe_shapes_still_load(tmp_path):
    book = codebook_yaml(
        tmp_path / "cb.yaml",
        """\
  - id: visits
    name: Visits
    patterns:
      - [{LOWER: {REGEX: '^visit(s|ing|ed)?$'}}]
      - [{LOWER: {REGEX: '^(?>a+)+$'}}]
      - [{TEXT: {REGEX: '^[A-Z][a-z]+$', NOT_IN: [Monday]}}]
""",
    )
    assert len(load_codebook(book).get("visits").patterns) == 3


def _store_codebook_unchecked(path: Path, expression: str) -> None:
    """Put a pattern into the project's codebook as a project made before the check (or
    changed outside qda) holds it: straight into the table."""
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE codes SET patterns = ? WHERE id = ?",
            (f'[[{{"TEXT": {{"REGEX": "{expression}"}}}}]]', "home_visits"),
        )
    conn.close()


def _with_letters(project: Path, tmp_path: Path, expression: str) -> None:
    """A word of 40 a's and a b (on which such expressions backtrack), and ``expression``
    stored as pattern 1 of home_visits."""
    doc = tmp_path / "more" / "letters.txt"
    doc.parent.mkdir()
    doc.write_text("Dawn: " + "a" * 40 + "b is what I wrote.\n", encoding="utf-8")
    assert cli("ingest", doc, "--project", project).returncode == 0
    _store_codebook_unchecked(project, expression)


def test_a_stored_catastrophic_pattern_no_longer_hangs_the_rules_coder(small, tmp_path):
    """Stored before the load check: 40 letters never finished with spaCy's ``re``."""
    _with_letters(small, tmp_path, CATASTROPHIC)
    started = time.monotonic()
    result = qda("code", "rules", "--project", small)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < HANG_GUARD


def test_the_rules_coder_stops_a_regex_that_runs_away(small, tmp_path):
    """A shape the load check cannot see (an alternation whose branches match the same
    text): the time limit per word stops it, naming the code, pattern and expression."""
    expression = "^(a|a)+$"
    _with_letters(small, tmp_path, expression)
    before = state(small)
    started = time.monotonic()
    refused(
        qda("code", "rules", "--project", small),
        "home_visits",
        "pattern 1",
        expression,
        "catastrophically",
        f"{limits.REGEX_TIMEOUT:g} s",
    )
    assert time.monotonic() - started < HANG_GUARD
    assert state(small) == before


def test_regex_patterns_match_as_before(fresh_project, tmp_path):
    """The guarded REGEX finds what spaCy's own did, with the other predicates kept."""
    doc = tmp_path / "t.txt"
    doc.write_text("Dawn: The home visits went well. Visiting Monday, Tuesday helps.\n", encoding="utf-8")
    fresh_project.ingest([doc])
    fresh_project.load_codebook(
        Codebook(
            codes=(
                Code(
                    "visits",
                    "Visits",
                    patterns=(
                        [{"LOWER": {"REGEX": "^visit"}}],
                        [{"TEXT": {"REGEX": "day$", "NOT_IN": ["Monday"]}}],
                    ),
                ),
            )
        )
    )
    fresh_project.code_rules()
    words = sorted(ev["text"] for evs in fresh_project.codings()["evidence"] for ev in evs)
    assert words == ["Tuesday", "Visiting", "visits"]


# --------------------------------------------------------------- 3. YAML alias bombs
def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """Nested aliases in codes' example lists: ``width ** levels`` values, ~500 bytes."""
    codes = [f"  - id: c0\n    name: C0\n    examples: &a0 [{', '.join(['lol'] * width)}]\n"]
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * width)
        codes.append(f"  - id: c{i}\n    name: C{i}\n    examples: &a{i} [{refs}]\n")
    return "".join(codes)


def test_a_yaml_alias_bomb_is_refused_quickly(small, tmp_path):
    book = codebook_yaml(tmp_path / "bomb.yaml", alias_bomb())
    assert book.stat().st_size < 1000
    before = state(small)
    started = time.monotonic()
    refused(
        qda("codebook", "load", book, "--project", small, timeout=120),
        "bomb.yaml",
        "aliases",
        f"{limits.MAX_YAML_ALIAS_VALUES:,}",
    )
    assert time.monotonic() - started < 120
    assert state(small) == before


def test_an_alias_bomb_in_attribution_rules_is_refused_too(tmp_path):
    from qda.attribution import load_rules

    rules = tmp_path / "rules.yaml"
    levels = [f"l0: &a0 [{', '.join(['x'] * 9)}]"] + [
        f"l{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)
    ]
    rules.write_text("\n".join(levels) + "\n", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(InputError, match=f"{limits.MAX_YAML_ALIAS_VALUES:,} values"):
        load_rules(rules)
    assert time.monotonic() - started < HANG_GUARD


def test_a_few_shared_lists_are_still_fine(tmp_path):
    book = codebook_yaml(
        tmp_path / "shared.yaml",
        """\
  - id: a
    name: A
    keywords: &shared [family, carer, partner]
  - id: b
    name: B
    keywords: *shared
""",
    )
    assert load_codebook(book).get("b").keywords == ("family", "carer", "partner")


def test_an_alias_inside_its_own_value_is_refused(tmp_path):
    book = codebook_yaml(
        tmp_path / "loop.yaml",
        """\
  - id: a
    name: A
    keywords: &loop [family, *loop]
""",
    )
    with pytest.raises(CodebookError, match="inside the value it names"):
        load_codebook(book)


# ------------------------------------------------------------------ 4. deep trees
def test_a_yaml_codebook_150_levels_deep_is_a_clean_error(small, tmp_path):
    book = codebook_yaml(tmp_path / "deep.yaml", deep_yaml(150))
    before = state(small)
    refused(cli("codebook", "load", book, "--project", small), "deep.yaml", f"{limits.MAX_YAML_DEPTH} levels")
    assert state(small) == before


def test_a_yaml_codebook_at_the_limit_loads_and_one_level_more_is_refused(tmp_path):
    book = codebook_yaml(tmp_path / "ok.yaml", deep_yaml(limits.MAX_CODE_DEPTH))
    assert load_codebook(book).depth(f"c{limits.MAX_CODE_DEPTH - 1}") == limits.MAX_CODE_DEPTH
    book = codebook_yaml(tmp_path / "over.yaml", deep_yaml(limits.MAX_CODE_DEPTH + 1))
    with pytest.raises(
        CodebookError,
        match=rf"line \d+: code 'c{limits.MAX_CODE_DEPTH}' is at "
        rf"level {limits.MAX_CODE_DEPTH + 1}.*limit of "
        rf"{limits.MAX_CODE_DEPTH} levels",
    ):
        load_codebook(book)


def test_a_qdc_code_tree_1000_deep_is_a_clean_error(small, tmp_path):
    qdc = tmp_path / "deep.qdc"
    qdc.write_text(deep_qdc(1000), encoding="utf-8")
    before = state(small)
    refused(
        cli("codebook", "load", qdc, "--project", small),
        "deep.qdc",
        "'C50'",
        f"limit of {limits.MAX_CODE_DEPTH} levels",
    )
    assert state(small) == before


def test_a_qdpx_code_tree_1000_deep_is_a_clean_error(small, tmp_path):
    book = deep_qdc(1000).split("\n", 1)[1].replace(' xmlns="urn:QDA-XML:codebook:1.0"', "")
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" '
        f'name="deep" origin="test">{book}</Project>'
    )
    qdpx = tmp_path / "deep.qdpx"
    with zipfile.ZipFile(qdpx, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", xml)
    before = state(small)
    refused(cli("ingest", qdpx, "--project", small), f"limit of {limits.MAX_CODE_DEPTH} levels")
    assert state(small) == before


def test_an_edit_cannot_make_the_tree_deeper_than_the_limit(fresh_project):
    parent = None
    for depth in range(limits.MAX_CODE_DEPTH):
        fresh_project.add_code(f"c{depth}", f"C{depth}", parent)
        parent = f"c{depth}"
    with pytest.raises(CodebookError, match=f"limit of {limits.MAX_CODE_DEPTH} levels"):
        fresh_project.add_code("one_more", "One more", parent)
    assert "one_more" not in fresh_project.codebook


# ----------------------------------------------------------- 4. a segment too long
def test_a_passage_over_the_segment_limit_is_refused_at_ingest(small, tmp_path):
    doc = tmp_path / "long" / "long.txt"
    doc.parent.mkdir()
    doc.write_text(
        "Short first paragraph.\n\n" + "word " * (limits.MAX_SEGMENT_CHARS // 5 + 1) + "\n", encoding="utf-8"
    )
    before = state(small)
    refused(
        cli("ingest", doc, "--project", small),
        "long.txt",
        "line 3",
        f"{limits.MAX_SEGMENT_CHARS:,} characters",
    )
    assert state(small) == before


def test_a_stored_segment_over_the_limit_is_a_clean_error_in_code_rules_and_run(small, tmp_path, monkeypatch):
    """A project that took such a passage before ingest refused it: `code rules` and
    `run` say which segment and what to do (spaCy's E088 every run, before)."""
    doc = tmp_path / "long" / "long.txt"
    doc.parent.mkdir()
    doc.write_text("Dawn: " + "home visit " * (limits.MAX_SEGMENT_CHARS // 11 + 1) + "\n", encoding="utf-8")
    monkeypatch.setattr(ingest_source, "MAX_SEGMENT_CHARS", 10 * limits.MAX_SEGMENT_CHARS)
    with Project.open(small) as project:
        project.ingest([doc])
    before = state(small)
    refused(
        cli("code", "rules", "--project", small),
        "long#t001",
        f"{limits.MAX_SEGMENT_CHARS:,} characters",
        "ingest the file again",
    )
    assert state(small) == before
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(small, out / "project.qda")
    refused(cli("run", tmp_path / "transcripts", "--out", out), "long#t001")
    assert state(out / "project.qda") == before


# ------------------------------------------------------ 4. a .docx of empty paragraphs
def empty_paragraphs_docx(path: Path, paragraphs: int) -> Path:
    """A Word file with one turn and then ``paragraphs`` empty paragraphs, written as a
    stream: 10 million of them are 60 MB of XML and about 120 kB on disk."""
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    source = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    xml = source.read("word/document.xml").decode("utf-8")
    head, _, tail = xml.partition("<w:body>")
    tail = tail[tail.index("<w:sectPr") :]
    chunk = b"<w:p/>" * 100_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                z.writestr(info, source.read(info.filename))
                continue
            with z.open("word/document.xml", "w", force_zip64=True) as member:
                member.write(f"{head}<w:body><w:p><w:r><w:t>Dawn: hello.</w:t></w:r></w:p>".encode())
                for _ in range(paragraphs // 100_000):
                    member.write(chunk)
                member.write(tail.encode())
    return path


def test_a_docx_of_ten_million_empty_paragraphs_is_a_clean_error(small, tmp_path):
    folder = tmp_path / "word"
    folder.mkdir()
    doc = empty_paragraphs_docx(folder / "empty.docx", 10_000_000)
    assert doc.stat().st_size < 1_000_000
    before = state(small)
    started = time.monotonic()
    # refused by the first limit it meets: its document.xml packs ~800 times (the zip
    # ratio); one that packs less is still stopped by the count of XML elements
    refused(qda("ingest", doc, "--project", small), "empty.docx", "MAX_ZIP_RATIO")
    assert time.monotonic() - started < HANG_GUARD
    assert state(small) == before


# ------------------------------------------------------- 4. tampered project settings
def _tamper(path: Path, sql: str, *params) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(sql, params)
    conn.close()


@pytest.mark.parametrize(
    "sql, params, words",
    [
        (
            "UPDATE settings SET value = ? WHERE key = 'codebook_version'",
            ("1.1 beta",),
            ["setting 'codebook_version' is not JSON"],
        ),
        (
            "UPDATE codes SET keywords = ? WHERE id = 'home_visits'",
            ("home visit, visit",),
            ["code 'home_visits'", "keywords are not JSON"],
        ),
        (
            "UPDATE codes SET keywords = ? WHERE id = 'home_visits'",
            ('"home visit"',),
            ["code 'home_visits'", "keywords are not a JSON list"],
        ),
        (
            "UPDATE codes SET color = ? WHERE id = 'home_visits'",
            ("red; drop",),
            ["code 'home_visits'", "colour 'red; drop'"],
        ),
    ],
)
def test_a_tampered_codebook_in_the_project_is_a_clean_error(small, sql, params, words):
    _tamper(small, sql, *params)
    before = state(small)
    for command in (["codebook", "show"], ["code", "rules"], ["matrix"]):
        refused(cli(*command, "--project", small), "damaged", *words)
    assert state(small) == before


@pytest.mark.parametrize("value", ["not json", "[1, 2]", '{KEY: {"mtime_ns": 1}}'])
def test_a_malformed_remembered_outputs_setting_is_forgotten_not_a_traceback(small, tmp_path, value):
    """The record of written files is only a guard against overwriting edits: a record
    of the wrong shape counts as none, so an existing file is kept as edited (the safe
    side) and the export goes on, instead of a traceback after the CSV was written."""
    out = tmp_path / "codings.csv"
    out.write_text("someone's edits\n", encoding="utf-8")
    _tamper(
        small,
        "INSERT OR REPLACE INTO settings (key, value) VALUES ('written_outputs', ?)",
        value.replace("KEY", json.dumps(str(out.resolve()))),
    )
    result = cli("codings", "--out", out, "--project", small)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    kept = list(tmp_path.glob("codings.edited-*.csv"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "someone's edits\n"
    assert out.read_text(encoding="utf-8").startswith("segment_id,")
    again = cli("codings", "--out", out, "--project", small)  # remembered properly now
    assert again.returncode == 0 and len(list(tmp_path.glob("codings.edited-*.csv"))) == 1


# ----------------------------------------------------------------- 9. quotes.md
def test_the_quote_bank_markdown_cannot_be_restructured_by_names_or_quotes(fresh_project, tmp_path):
    from markdown_it import MarkdownIt

    doc = tmp_path / "t.txt"
    doc.write_text(
        "Dawn: We talked about home visits. <script>alert('quote')</script>\n"
        "# Not a heading\n> not a quote — (Judge, Kent)\n\n"
        "Sam: Another home visit, with [a link](http://x) and `code`.\n",
        encoding="utf-8",
    )
    fresh_project.ingest([doc])
    evil = "Visits\n## Fake theme\n> a made-up quote\n\n— (Chief Inspector) `x#t001`"
    fresh_project.load_codebook(
        Codebook(
            codes=(
                Code(
                    "visits",
                    evil,
                    keywords=("home visit",),
                    description="Visits <script>alert('description')</script>\n# heading",
                ),
                Code("other", "Other <b>bold</b> <img src=x onerror=alert(1)>", parent="visits"),
            )
        )
    )
    assert (
        fresh_project.codebook.get("visits").name
        == "Visits ## Fake theme > a made-up quote — (Chief Inspector) `x#t001`"
    )
    fresh_project.code_rules()
    path = export_quotes(fresh_project, tmp_path / "quotes.md")
    tokens = MarkdownIt("commonmark").parse(path.read_text(encoding="utf-8"))
    kinds = [t.type for t in tokens]
    inline = [c for t in tokens if t.children for c in t.children]
    assert "html_block" not in kinds and all(c.type != "html_inline" for c in inline)
    assert [t.tag for t in tokens if t.type == "heading_open"] == ["h1", "h2", "h3"]
    assert kinds.count("blockquote_open") == 2  # the two coded turns, nothing else
    assert not any(c.type in ("link_open", "image", "code_inline") and "x#t001" in c.content for c in inline)
    text = "".join(c.content for c in inline if c.type == "text")
    assert "<script>alert('quote')</script>" in text  # shown as text, not run
    assert "# Not a heading" in text and "[a link](http://x)" in text


def test_every_codebook_entry_point_folds_line_breaks_in_names(tmp_path, fresh_project):
    book = codebook_yaml(
        tmp_path / "cb.yaml",
        """\
  - id: a
    name: "Two\\nlines\\r\\n# and a heading"
""",
    )
    assert load_codebook(book).get("a").name == "Two lines # and a heading"
    fresh_project.add_code("b", "B\nfake")
    fresh_project.rename_code("b", name="Renamed\u2028again")
    assert fresh_project.codebook.get("b").name == "Renamed again"


# ----------------------------------------------------- 11. offsets beyond the text
@pytest.mark.parametrize("table", ["codings", "segments"])
def test_offsets_beyond_the_text_are_refused_not_exported_as_other_words(small, tmp_path, table):
    with sqlite3.connect(small) as conn:
        doc, length = conn.execute("SELECT id, length(text) FROM documents LIMIT 1").fetchone()
        row = conn.execute(f"SELECT id FROM {table} WHERE document_id = ? LIMIT 1", (doc,)).fetchone()[0]
        conn.execute(f'UPDATE {table} SET "end" = ? WHERE id = ?', (length + 40, row))
    conn.close()
    before = state(small)
    what = "coding" if table == "codings" else "segment"
    commands = [["codings"], ["export", "--quotes", tmp_path / "q.md"]]
    if table == "segments":
        commands.append(["segments"])
    for command in commands:
        refused(
            cli(*command, "--project", small),
            "damaged",
            f"{what} {row}",
            f"beyond the end of its text ({length:,} characters)",
            "qda restore",
        )
    assert not (tmp_path / "q.md").exists()
    with Project.open(small) as project, pytest.raises(ProjectError, match="wrong words"):
        project.codings()
    assert state(small) == before


def test_the_limits_are_in_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for value in (
        f"{limits.MAX_SEGMENT_CHARS:,}",
        f"{limits.MAX_DOCX_ELEMENTS:,}",
        f"{limits.MAX_CODE_DEPTH}",
        f"{limits.MAX_YAML_ALIAS_VALUES:,}",
        f"{limits.REGEX_TIMEOUT:g} s",
    ):
        assert value in readme, value
