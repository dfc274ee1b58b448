"""Memos (qda/project/memos.py, qda/store/memos.py, qda memo ...): on every kind of
target, with history; following code merges and renames; in the workbook; anonymised
and audited; bad input refused leaving the project unchanged."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from qda import reports
from qda.cli import cli
from qda.errors import InputError
from qda.project import Project
from tests.helpers.paths import CODEBOOK


@pytest.fixture
def small(transcripts, tmp_path) -> Project:
    """Three small transcripts, the default codebook, one human coding by ann."""
    project = Project.create(tmp_path / "m.qda")
    project.load_codebook(CODEBOOK)
    project.ingest([transcripts], participants=transcripts / "participants.csv")
    seg = project.segments().set_index("segment_id")
    first = seg.index[seg["text"].str.contains("ring his mum")][0]
    project.add_coding(first, "home_visits", coder="ann")
    yield project
    project.close()


def _segment(project: Project, words: str) -> str:
    seg = project.segments()
    return seg.loc[seg["text"].str.contains(words), "segment_id"].iloc[0]


def test_a_memo_on_each_kind_of_target(small):
    seg = _segment(small, "ring his mum")
    ids = [
        small.add_memo("Families matter more than we planned for.", who="ann"),
        small.add_memo("Rang from a car park.", document="int-a", title="Context", who="ann"),
        small.add_memo("Talks about consent twice.", participant="S01", who="bob"),
        small.add_memo("Overlaps with co-location.", code="home_visits", who="ann"),
        small.add_memo("Is a phone call a visit?", coding=f"{seg}:home_visits", who="bob"),
    ]
    assert ids == sorted(ids) and len(set(ids)) == 5
    memos = small.memos()
    assert list(memos["target"]) == ["project", "document", "participant", "code", "coding"]
    assert list(memos["author"]) == ["ann", "ann", "bob", "ann", "bob"]
    about = dict(zip(memos["target"], memos["about"]))
    assert about["project"] == "the project"
    assert about["document"] == "int-a.txt"
    assert about["participant"] == "S01"
    assert about["code"] == small.codebook.get("home_visits").name
    assert about["coding"] == f"home_visits on {seg} by ann"
    coding_id = small._store.codings().query("code_id == 'home_visits'")["coding_id"].item()
    assert memos.loc[4, "target_id"] == str(coding_id)
    assert memos.loc[1, "title"] == "Context"
    assert (memos["created_at"] == memos["updated_at"]).all()
    # a coding by its id too, and filters
    small.add_memo("Second thought.", coding=coding_id, who="ann")
    assert len(small.memos(target="coding")) == 2
    assert len(small.memos(target="coding", target_id=coding_id)) == 2
    assert list(small.memos(author="bob")["memo_id"]) == [ids[2], ids[4]]
    history = small.history().query("entity == 'memo'")
    assert list(history["action"]) == ["add"] * 6
    assert json.loads(history["detail"].iloc[1])["text"] == "Rang from a car park."


def test_edit_and_delete_keep_the_words_in_history(small):
    memo = small.add_memo("First draft", code="benefits", who="ann")
    small.edit_memo(memo, "Second draft", title="Benefits", who="bob")
    row = small.memos().iloc[0]
    assert (row["text"], row["title"], row["author"], row["updated_by"]) == (
        "Second draft",
        "Benefits",
        "ann",
        "bob",
    )
    small.edit_memo(str(memo), title="Benefits, again")
    assert small.memos().iloc[0]["text"] == "Second draft"
    small.delete_memo(memo, who="ann")
    assert small.memos().empty
    assert small.add_memo("Another", who="ann") == memo + 1  # an id is never used twice
    small.delete_memo(memo + 1, who="ann")
    history = small.history().query("entity == 'memo'")
    assert list(history["action"]) == ["add", "edit", "edit", "delete", "add", "delete"]
    edit = json.loads(history["detail"].iloc[1])
    assert edit["before"]["text"] == "First draft" and edit["after"]["text"] == "Second draft"
    gone = json.loads(history["detail"].iloc[3])["before"]
    assert gone["text"] == "Second draft" and gone["author"] == "ann"


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda p: p.add_memo("x", document="nope"), "no document 'nope'"),
        (lambda p: p.add_memo("x", participant="P99"), "no participant 'P99'"),
        (lambda p: p.add_memo("x", code="no_such_code"), "no code 'no_such_code'"),
        (lambda p: p.add_memo("x", coding=99999), "no coding 99999"),
        (lambda p: p.add_memo("x", coding="int-a#t1:benefits"), "has no coding of 'benefits'"),
        (lambda p: p.add_memo("x", coding="just-words"), "SEGMENT:CODE"),
        (lambda p: p.add_memo("x", code="benefits", document="int-a"), "about one thing"),
        (lambda p: p.add_memo("   \n"), "needs some text"),
        (lambda p: p.add_memo(None), "needs some text"),
        (lambda p: p.edit_memo(42, "x"), "there is no memo 42"),
        (lambda p: p.edit_memo("one", "x"), "not a number"),
        (lambda p: p.delete_memo(42), "there is no memo 42"),
        (lambda p: p.memos(target="segment"), "is not one of"),
    ],
)
def test_bad_input_is_one_error_and_changes_nothing(small, call, message):
    before = (small.memos(), len(small.history()))
    with pytest.raises(InputError, match=message):
        call(small)
    assert small.memos().equals(before[0]) and len(small.history()) == before[1]


def test_edit_without_anything_new_and_empty_text(small):
    memo = small.add_memo("Kept", who="ann")
    with pytest.raises(InputError, match="give a new text or title"):
        small.edit_memo(memo)
    with pytest.raises(InputError, match="needs some text"):
        small.edit_memo(memo, "  ")
    assert small.memos()["text"].tolist() == ["Kept"]


def test_a_coding_two_people_made_needs_the_coder(small):
    seg = _segment(small, "ring his mum")
    small.add_coding(seg, "home_visits", coder="bob")
    with pytest.raises(InputError, match="ann \\(human\\), bob \\(human\\).*--coder"):
        small.add_memo("x", coding=f"{seg}:home_visits")
    small.add_memo("Bob's reading", coding=f"{seg}:home_visits", coder="bob")
    assert small.memos()["about"].item() == f"home_visits on {seg} by bob"


def test_memos_follow_code_merge_and_rename_and_survive_delete(small):
    small.add_memo("On venues", code="community_venues", who="ann")
    small.add_memo("On visits", code="home_visits", who="ann")
    small.add_memo("On boundaries", code="professional_boundaries", who="ann")
    edit = small.merge_codes("community_venues", "co_location")
    assert edit.detail["memos"] == 1
    small.rename_code("home_visits", new_id="visits_at_home")
    small.delete_code("professional_boundaries")
    memos = small.memos().set_index("text")
    assert memos.loc["On venues", "target_id"] == "co_location"
    assert memos.loc["On visits", "target_id"] == "visits_at_home"
    assert memos.loc["On boundaries", "about"] == "code professional_boundaries (no longer in the project)"


def test_memos_sheet_in_the_workbook(small, tmp_path):
    about, sheets = reports.workbook_sheets(small)
    assert "Memos" not in [s.name for s in sheets]
    assert ("Sheet Memos", "Not written: the project has no memos (`qda memo add`).") in about
    small.add_memo("Line one\nline two", document="int-b", title="Buggy", who="ann")
    path = reports.export_workbook(small, tmp_path / "db.xlsx")
    ws = load_workbook(path, read_only=True)["Memos"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:7] == ("memo_id", "target", "target_id", "about", "title", "text", "author")
    assert rows[1][1:7] == ("document", "int-b", "int-b.txt", "Buggy", "Line one\nline two", "ann")


def test_anonymise_rewrites_memos_and_check_finds_names_left(small, tmp_path):
    key = tmp_path / "key.csv"
    key.write_text("original,replacement,kind\nDawn,[officer],person\n", encoding="utf-8")
    small.add_memo("Dawn rang his mum weekly.", participant="S01", title="Dawn", who="ann")
    found = small.check_anonymity(key)
    in_memos = found[found["source"] == "project:memos"]
    assert sorted(in_memos["column"]) == ["text", "title"]
    assert set(in_memos["place"]) == {"memo 1"}
    small.anonymise(key)
    memo = small.memos().iloc[0]
    assert (memo["title"], memo["text"]) == ("[officer]", "[officer] rang his mum weekly.")
    left = small.check_anonymity(key)
    # the project is clean; only the backup made before the key was applied holds names
    assert left[~left["source"].str.startswith("backup:")].empty
    assert left["source"].str.endswith("before-anonymise.qda").all()
    assert b"Dawn rang" not in small.path.read_bytes()


def test_memo_on_an_automatic_participant_follows_its_new_id(transcripts, tmp_path):
    project = Project.create(tmp_path / "auto.qda")
    project.ingest([transcripts / "int-a.txt"])  # no sheet: int-a/Dawn
    project.add_memo("Dawn's view", participant="int-a/Dawn", who="ann")
    key = tmp_path / "key.csv"
    key.write_text("original,replacement,kind\nDawn,Officer A,person\n", encoding="utf-8")
    project.anonymise(key)
    memo = project.memos().iloc[0]
    assert (memo["target_id"], memo["text"]) == ("int-a/Officer A", "Officer A's view")
    project.close()


def test_cli_add_list_edit_delete(small, tmp_path):
    run = CliRunner().invoke
    p = ["--project", str(small.path)]
    seg = _segment(small, "ring his mum")
    small.close()
    r = run(cli, ["memo", "add", "Whole study: families first.", "--author", "ann", *p])
    assert r.exit_code == 0, r.output
    assert r.output == "Memo 1 added (project: the project).\n"
    r = run(
        cli,
        [
            "memo",
            "add",
            "Phone, not a visit?",
            "--coding",
            f"{seg}:home_visits",
            "--author",
            "bob",
            "--title",
            "Query",
            *p,
        ],
    )
    assert r.output == f"Memo 2 added (coding: home_visits on {seg} by ann).\n"
    r = run(
        cli,
        ["memo", "add", "-", "--code", "benefits", "--author", "ann", *p],
        input="From standard input\nsecond line\n",
    )
    assert r.exit_code == 0, r.output
    r = run(cli, ["memo", "list", *p])
    lines = r.output.splitlines()
    assert len(lines) == 3 and lines[0].split()[:2] == ["1", "project"]
    assert "Query: Phone, not a visit?" in lines[2] and "(bob, " in lines[2]
    r = run(cli, ["memo", "list", "--code", "benefits", "--full", *p])
    assert "second line" in r.output and r.output.startswith("Memo 3 on code ")
    assert (
        run(cli, ["memo", "edit", "2", "A call counts.", "--author", "ann", *p]).output == "Memo 2 changed.\n"
    )
    out = tmp_path / "memos.csv"
    assert run(cli, ["memo", "list", "--out", str(out), *p]).exit_code == 0
    assert "A call counts." in out.read_text(encoding="utf-8")
    assert run(cli, ["memo", "delete", "1", *p]).output == "Memo 1 deleted.\n"
    assert run(cli, ["memo", "list", "--author", "nobody", *p]).output == "No memos.\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["memo", "add", "x", "--document", "nope"], "Error: there is no document 'nope'"),
        (["memo", "add", "  "], "Error: a memo needs some text"),
        (["memo", "edit", "7", "x"], "Error: there is no memo 7"),
        (["memo", "delete", "7"], "Error: there is no memo 7"),
        (
            ["memo", "add", "x", "--code", "benefits", "--participant", "S01"],
            "Error: a memo is about one thing",
        ),
    ],
)
def test_cli_errors_are_one_line(small, args, message):
    path = str(small.path)
    small.close()
    r = CliRunner().invoke(cli, [*args, "--project", path])
    assert r.exit_code == 1
    assert r.output.strip().splitlines() == [r.output.strip()]
    assert r.output.startswith(message)


# ------------------------------------------------------------------------- REFI-QDA
def _refi_memos(project: Project) -> Project:
    seg = _segment(project, "ring his mum")
    project.add_memo("Families first.", title="Plan", who="ann")
    project.add_memo("Car park call.", document="int-a", who="ann")
    project.add_memo("Consent twice.", participant="S01", who="bob")
    project.add_memo("Overlaps co-location.", code="home_visits", who="ann")
    project.add_memo("A call, not a visit?", coding=f"{seg}:home_visits", who="bob")
    return project


def test_memos_export_to_refi_qda_valid_and_in_place(small, tmp_path):
    xmlschema = pytest.importorskip("xmlschema")
    from tests.helpers.refi import SCHEMAS, qde

    _refi_memos(small)
    path = small.export_qdpx(tmp_path / "m.qdpx")
    xmlschema.XMLSchema(str(SCHEMAS / "Project.xsd")).validate(str(_unzipped(path, tmp_path)))
    import xml.etree.ElementTree as ET

    ns = {"q": "urn:QDA-XML:project:1.0"}
    root = ET.fromstring(qde(path))
    notes = {n.get("guid"): n for n in root.iterfind("q:Notes/q:Note", ns)}
    by_text = {n.find("q:PlainTextContent", ns).text: g for g, n in notes.items()}
    assert set(by_text) == {
        "Families first.",
        "Car park call.",
        "Consent twice.",
        "Overlaps co-location.",
        "A call, not a visit?",
    }
    assert notes[by_text["Families first."]].get("name") == "Plan"
    users = {u.get("guid"): u.get("name") for u in root.iterfind("q:Users/q:User", ns)}
    assert users[notes[by_text["Consent twice."]].get("creatingUser")] == "bob"

    def refs(el):
        return {r.get("targetGUID") for r in el.iterfind("q:NoteRef", ns)}

    assert list(root)[-1].tag.endswith("NoteRef")
    assert refs(root) == {by_text["Families first."]}
    code = next(
        c
        for c in root.iter("{urn:QDA-XML:project:1.0}Code")
        if c.get("name") == small.codebook.get("home_visits").name
    )
    assert refs(code) == {by_text["Overlaps co-location."]}
    source = next(s for s in root.iterfind("q:Sources/q:TextSource", ns) if s.get("name") == "int-a.txt")
    assert refs(source) == {by_text["Car park call."]}
    coding = next(source.iterfind("q:PlainTextSelection/q:Coding", ns))
    assert refs(coding) == {by_text["A call, not a visit?"]}
    link = root.find("q:Links/q:Link", ns)
    case = next(c for c in root.iterfind("q:Cases/q:Case", ns) if c.get("name") == "S01")
    assert (link.get("originGUID"), link.get("targetGUID")) == (by_text["Consent twice."], case.get("guid"))


def _unzipped(path, tmp_path):
    import zipfile

    target = tmp_path / "project.qde"
    target.write_bytes(zipfile.ZipFile(path).read("project.qde"))
    return target


def test_memos_round_trip_through_refi_qda(small, tmp_path):
    _refi_memos(small)
    small.edit_memo(2, "Car park call, twice.", who="bob")
    path = small.export_qdpx(tmp_path / "m.qdpx")
    before = small.memos()
    other = Project.create(tmp_path / "other.qda")
    report = other.import_qdpx(path)
    assert report.memos == 5 and not any("note" in what for what, _ in report.skipped)
    after = other.memos()
    cols = ["target", "title", "text", "author", "created_at", "updated_by", "updated_at"]
    assert after[cols].equals(before[cols])
    assert after["target_id"].isna().tolist() == [True, False, False, False, False]
    assert list(after["target_id"][1:4]) == ["int-a", "S01", "home_visits"]
    coding = other.codings().iloc[0]
    assert after["about"].iloc[4] == f"home_visits on {coding['segment_id']} by ann"
    again = other.import_qdpx(path)
    assert again.memos == 0 and other.memos().equals(after)
    other.close()


def test_foreign_notes_on_codings_selections_and_nothing(tmp_path):
    from tests.helpers.refi import CODE_A, NS, G, make_qdpx

    text = "Ann: We met at the hub every week."
    sel = (
        f'<PlainTextSelection guid="{G(100)}" name="the hub" startPosition="14" '
        f'endPosition="21"><Coding guid="{G(101)}" creatingUser="{G(1)}"><CodeRef '
        f'targetGUID="{G(50)}"/><NoteRef targetGUID="{G(200)}"/></Coding>'
        f'<NoteRef targetGUID="{G(201)}"/></PlainTextSelection>'
    )
    note = (
        '<Note guid="{g}" name="{n}" creatingUser="{u}" creationDateTime='
        '"2024-05-01T10:00:00Z"><PlainTextContent>{t}</PlainTextContent></Note>'
    ).format
    xml = (
        f'<?xml version="1.0" encoding="utf-8"?><Project {NS} name="t" origin="Other 1">'
        f'<Users><User guid="{G(1)}" name="Ann"/></Users><CodeBook><Codes>{CODE_A}'
        f'</Codes></CodeBook><Sources><TextSource guid="{G(10)}" name="int.txt">'
        f"<PlainTextContent>{text}</PlainTextContent>{sel}</TextSource></Sources><Notes>"
        + note(g=G(200), n="On the coding", u=G(1), t="Why the hub?")
        + note(g=G(201), n="On the words", u=G(1), t="Check the place name.")
        + note(g=G(202), n="Loose", u=G(9), t="A thought.")
        + "</Notes></Project>"
    )
    project = Project.create(tmp_path / "f.qda")
    report = project.import_qdpx(make_qdpx(tmp_path / "f.qdpx", xml))
    assert report.memos == 3
    memos = project.memos().set_index("text")
    assert memos.loc["Why the hub?", "target"] == "coding"
    assert memos.loc["Why the hub?", "about"].startswith("alpha on int#")
    assert memos.loc["Why the hub?", "author"] == "Ann"
    assert memos.loc["Why the hub?", "created_at"] == "2024-05-01T10:00:00+00:00"
    assert memos.loc["Check the place name.", ["target", "target_id", "title"]].tolist() == [
        "document",
        "int",
        "On the words (on the words “the hub”)",
    ]
    assert memos.loc["A thought.", "target"] == "project"
    assert memos.loc["A thought.", "author"].startswith("user ")
    project.close()


def test_cli_anonymise_check_finds_a_name_in_a_memo(small, tmp_path):
    key = tmp_path / "key.csv"
    key.write_text("original,replacement,kind\nKieran,[son],person\n", encoding="utf-8")
    small.add_memo("F01 worries Kieran will lose his flat.", participant="F01", who="ann")
    path = str(small.path)
    small.close()
    r = CliRunner().invoke(cli, ["anonymise", "--key", str(key), "--check", "--project", path])
    assert r.exit_code == 1
    assert "project:memos memo 1 text: 'Kieran' (person): F01 worries [Kieran] will lose" in r.output
    assert (
        CliRunner()
        .invoke(cli, ["anonymise", "--key", str(key), "--wipe-backups", "--project", path])
        .exit_code
        == 0
    )
    r = CliRunner().invoke(cli, ["anonymise", "--key", str(key), "--check", "--project", path])
    assert r.exit_code == 0, r.output
