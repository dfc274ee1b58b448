"""REFI-QDA exchange (qda/refi/, qda/project/exchange.py): export valid against the
standard's schemas, import of every real sample, the round trip, and hostile files."""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qda import archive as refi_archive
from qda.errors import InputError, ProjectError
from qda.project import Project
from qda.refi.offsets import STANDARD, UTF16, Convention, Positions, choose_convention
from tests.helpers.refi import CODE_A, NS, SCHEMAS, G, make_qdpx, project_xml, qde, text_source

xmlschema = pytest.importorskip("xmlschema")

ROOT = Path(__file__).resolve().parents[1]
REFI = ROOT.parent / "shared" / "refi-qda"  # ../shared beside the checkout (as in CI)
if not REFI.exists():
    REFI = Path("/work/shared/refi-qda")
SHARED = ROOT / "tests" / "fixtures" / "refi"
SAMPLES = SHARED / "samples" if (SHARED / "samples").exists() else REFI / "samples"
CODEBOOK = ROOT / "codebooks" / "family_involvement.yaml"
needs_samples = pytest.mark.skipif(
    not SAMPLES.exists(), reason="REFI-QDA vendor samples not available (see tests/fixtures/refi/SOURCE.md)"
)


@pytest.fixture(scope="module")
def project_schema():
    return xmlschema.XMLSchema(str(SCHEMAS / "Project.xsd"))


@pytest.fixture(scope="module")
def codebook_schema():
    return xmlschema.XMLSchema(str(SCHEMAS / "Codebook.xsd"))


# ---------------------------------------------------------------------- a coded project
@pytest.fixture
def coded(tmp_path) -> Project:
    """Transcripts with emoji (outside the BMP), accents in NFC and NFD, CRLF and tabs;
    two coders' span codings, a review note, open and rejected suggestions."""
    folder = tmp_path / "in"
    folder.mkdir()
    nfd = unicodedata.normalize("NFD", "Siân café")
    (folder / "int-1.txt").write_bytes(
        (
            "Interviewer: How was it?\r\n\r\n"
            "Dawn: Honestly \U0001f62c the family\tvisit helped. My mum \U0001f469\u200d\U0001f467 "
            "came along.\r\n\r\n"
            "Interviewer: And the office?\r\n\r\n"
            f"Dawn: The Café near the office, {nfd}, is where we met. Confidentiality matters.\r\n"
        ).encode()
    )
    (folder / "int-2.txt").write_text(
        "Interviewer: Tell me about the appointments.\n\n"
        "Respondent: Children aren't allowed in \U0001f476, so I stand outside. "
        "Naïve rules.\n",
        encoding="utf-8",
    )
    (folder / "participants.csv").write_text(
        "participant,document,speaker,group,role\n"
        "S01,int-1,Dawn,staff,Responsible Officer\n"
        "F01,int-2,,family,Partner of service user\n",
        encoding="utf-8",
    )
    p = Project.create(tmp_path / "a.qda")
    p.load_codebook(CODEBOOK)
    p.ingest([folder])
    p.code_rules()
    texts = p.documents(text=True).set_index("document")["text"]
    rows = ["document,start,end,code,coder"]
    ids = p.codebook.ids
    for n, (doc, word) in enumerate(
        [
            ("int-1", "family\tvisit"),
            ("int-1", "\U0001f469"),
            ("int-1", nfd),
            ("int-1", "Confidentiality"),
            ("int-2", "\U0001f476, so I"),
            ("int-2", "Naïve"),
        ]
    ):
        start = texts[doc].index(word)
        rows.append(f"{doc},{start},{start + len(word)},{ids[n % len(ids)]},alice")
    (tmp_path / "codings.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    p.import_coding(tmp_path / "codings.csv", coder="alice")
    start = texts["int-1"].index("Honestly")
    (tmp_path / "bob.csv").write_text(
        f"{rows[0]}\nint-1,{start},{start + 8},{ids[1]},bob\n", encoding="utf-8"
    )
    p.import_coding(tmp_path / "bob.csv", coder="bob")
    segs = p.segments()
    p.add_coding(segs["segment_id"].iloc[0], ids[2], coder="alice")
    p.split_code(ids[0], [{"id": "split_a", "name": "Split A"}])  # a review note
    sugg = p.codings(statuses=["suggested"])
    assert len(sugg) >= 2
    yield p
    p.close()


def test_export_is_valid_and_stable(coded, tmp_path, project_schema, codebook_schema):
    first = coded.export_qdpx(tmp_path / "one.qdpx")
    second = coded.export_qdpx(tmp_path / "two.qdpx")
    project_schema.validate(qde(first))
    assert first.read_bytes() == second.read_bytes()  # stable GUIDs, fixed zip dates
    coded.export_qdc(tmp_path / "book.qdc")
    codebook_schema.validate(str(tmp_path / "book.qdc"))
    with zipfile.ZipFile(first) as z:
        names = z.namelist()
        assert names[0] == "project.qde"
        assert all(n.startswith("sources/") and n.endswith(".txt") for n in names[1:])
        texts = {z.read(n).decode("utf-8") for n in names[1:]}
    assert texts == set(coded.documents(text=True)["text"])  # exactly the stored text
    xml = qde(first)
    for part in (
        "<Cases>",
        "<Variables>",
        "<VariableValue>",
        "<Notes>",
        "<NoteRef",
        'name="alice"',
        'name="bob"',
        'name="qda"',
        "split into split_a",
    ):
        assert part in xml


def test_export_offsets_are_code_points(coded, tmp_path):
    path = coded.export_qdpx(tmp_path / "p.qdpx")
    root = xmlschema.XMLSchema(str(SCHEMAS / "Project.xsd")).to_dict(qde(path))
    with zipfile.ZipFile(path) as z:
        files = {n.split("/")[1]: z.read(n).decode("utf-8") for n in z.namelist()[1:]}
    wanted = {(r.text, r.code) for r in coded.codings(statuses=["accepted"]).itertuples()}
    found = set()
    codes = {}
    for code in _walk_codes(root["CodeBook"]["Codes"]["Code"]):
        codes[code["@guid"]] = code["Description"].rsplit("qda id: ", 1)[1]
    for src in root["Sources"]["TextSource"]:
        text = files[src["@plainTextPath"].split("//")[1]]
        for sel in src.get("PlainTextSelection", []):
            for c in sel.get("Coding", []):
                found.add(
                    (text[sel["@startPosition"] : sel["@endPosition"]], codes[c["CodeRef"]["@targetGUID"]])
                )
    assert wanted <= found and {"\U0001f469", "Naïve"} <= {t for t, _ in found}


def _walk_codes(codes):
    for c in codes:
        yield c
        yield from _walk_codes(c.get("Code", []))


def test_suggestions_only_with_the_flag_and_never_rejected(coded, tmp_path, project_schema):
    sugg = coded.codings(statuses=["suggested"])
    coded.review("reject", coder="alice", segments=[sugg["segment_id"].iloc[0]], codes=[sugg["code"].iloc[0]])
    plain = qde(coded.export_qdpx(tmp_path / "plain.qdpx"))
    assert "qda suggestion" not in plain
    full = qde(coded.export_qdpx(tmp_path / "full.qdpx", suggestions=True))
    project_schema.validate(full)
    open_ = coded.codings(statuses=["suggested"])
    assert full.count("qda suggestion: ") == len(open_)
    assert full.count("<Coding ") == plain.count("<Coding ") + len(open_)
    # and they come back as suggestions, not as codings
    back = Project.create(tmp_path / "back.qda")
    back.import_qdpx(tmp_path / "full.qdpx")
    assert (back.codings(statuses=["suggested"])["source"] == "import").all()
    assert len(back.codings(statuses=["suggested"])) == len(open_)
    back.close()


def test_round_trip_keeps_texts_codes_codings_participants(coded, tmp_path):
    path = coded.export_qdpx(tmp_path / "rt.qdpx")
    new = Project.create(tmp_path / "b.qda")
    report = new.import_qdpx(path)
    assert report.skipped == [] and report.unplaced == [] and report.warnings == []
    a, b = coded.documents(text=True), new.documents(text=True)
    assert dict(zip(a["document"], a["text"])) == dict(zip(b["document"], b["text"]))
    assert "\r" not in "".join(b["text"]) and "\t" in "".join(b["text"])
    assert coded.codebook.to_frame().equals(new.codebook.to_frame())
    key = ["document", "start", "end", "code", "coder", "review"]
    kept = coded.codings()
    kept = kept[(kept["source"] == "human") | (kept["status"] == "accepted")]
    got = new.codings()
    assert sorted(map(tuple, kept[key].values.tolist())) == sorted(map(tuple, got[key].values.tolist()))
    assert (got["text"].values == new.codings()["text"].values).all()
    assert set(got["source"]) == {"import"} and set(got["status"]) == {"accepted"}
    pa = coded.participants().sort_values("participant").reset_index(drop=True)
    pb = new.participants().sort_values("participant").reset_index(drop=True)
    assert pa.equals(pb[pa.columns])
    sa, sb = coded.segments(), new.segments()
    assert sa[["document", "participant", "start", "end"]].equals(
        sb[["document", "participant", "start", "end"]]
    )
    # analyses count imported codings like human ones
    assert new.select_codings().basis == "human"
    new.close()


def test_import_twice_changes_nothing(coded, tmp_path):
    path = coded.export_qdpx(tmp_path / "rt.qdpx")
    report = coded.import_qdpx(path)  # into the project it came from
    assert report.documents == [] and len(report.reused) == 2
    assert report.codings == len(coded.codings(sources=["import"]))
    again = coded.import_qdpx(path)
    assert again.codings == 0 and again.duplicates == report.codings
    assert len(coded.documents()) == 2


def test_round_trip_of_the_sample(sample_project, tmp_path, project_schema):
    """The bundled sample: interviews, focus groups, a survey (turns from its table)."""
    segs = sample_project.segments()
    for sid, code in zip(segs["segment_id"][:40], sample_project.codebook.ids * 5):
        sample_project.add_coding(sid, code, coder="alice")
    path = sample_project.export_qdpx(tmp_path / "s.qdpx")
    project_schema.validate(qde(path))
    new = Project.create(tmp_path / "s.qda")
    report = new.import_qdpx(path)
    assert report.unplaced == [] and report.warnings == []
    pa = sample_project.participants().sort_values("participant").reset_index(drop=True)
    pb = new.participants().sort_values("participant").reset_index(drop=True)
    assert pa.equals(pb[pa.columns])
    key = ["document", "start", "end", "code", "coder"]
    human = sample_project.codings(sources=["human"])
    assert sorted(map(tuple, human[key].values.tolist())) == sorted(
        map(tuple, new.codings()[key].values.tolist())
    )
    new.close()


def test_empty_project_and_wrong_names_are_refused(fresh_project, tmp_path):
    with pytest.raises(ProjectError, match="nothing to export"):
        fresh_project.export_qdpx(tmp_path / "x.qdpx")
    with pytest.raises(ProjectError, match="no codebook"):
        fresh_project.export_qdc(tmp_path / "x.qdc")
    with pytest.raises(InputError, match="name it .qdpx"):
        fresh_project.export_qdpx(tmp_path / "x.zip")
    with pytest.raises(InputError, match="name it .qdc"):
        fresh_project.export_qdc(tmp_path / "x.xml")


# ---------------------------------------------------------------------------- samples
@needs_samples
@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.qd*")))
def test_every_sample_imports(name, tmp_path):
    project = Project.create(tmp_path / "p.qda")
    path = SAMPLES / name
    if path.suffix == ".qdc":
        report = project.load_codebook(path)
        assert len(report.added) == 3
    else:
        report = project.import_qdpx(path)
        again = project.import_qdpx(path)  # a second import adds nothing
        assert again.documents == [] and again.codings == 0
    project.close()


@needs_samples
def test_nvivo_sample_utf16_offsets_and_crlf(tmp_path):
    project = Project.create(tmp_path / "p.qda")
    report = project.import_qdpx(SAMPLES / "nvivo-12.6-win_oltas.qdpx")
    assert report.unplaced == [] and report.codings > 0
    assert any("UTF-16" in line for line in report.conversions)
    text = project.documents(text=True)["text"].iloc[0]
    assert "\r" not in text and not text.startswith("\ufeff")
    codings = project.codings()
    # starts and ends at word boundaries: the offsets line up (by code points they do not)
    for s, e in zip(codings["start"], codings["end"]):
        assert s == 0 or not (text[s - 1].isalnum() and text[s].isalnum())
        assert e == len(text) or not (text[e - 1].isalnum() and text[e].isalnum())
    assert set(codings["coder"]) <= {"Gergo", "floriansipos"}
    assert len(project.codebook) == 60
    project.close()


@needs_samples
def test_atlas_sample_reports_what_it_skips(tmp_path):
    project = Project.create(tmp_path / "p.qda")
    report = project.import_qdpx(SAMPLES / "atlasti-8.4-mac_standard-project.qdpx")
    skipped = " | ".join(f"{a}: {b}" for a, b in report.skipped)
    for word in ("an image", "audio", "video", "PDF region", "set(s)", "graph(s)", "is not in"):
        assert word in skipped
    # its two notes are memos now; the one linked to a quotation whose text is not in the
    # file stays on the project, said so
    memos = project.memos()
    assert report.memos == 2 and list(memos["target"]) == ["project", "project"]
    assert list(memos["title"]) == ["Research Plan", "My favorite Coke ad"]
    assert memos["text"][0] == (
        "day to day log about this amazing project\n\nThis is a "
        "great project by a dynamic team of researcher-developers."
    )
    assert any("My favorite Coke ad" in w and "did not import" in w for w in report.warnings)
    assert "note(s)" not in skipped and "link(s)" not in skipped
    assert report.unplaced and all(
        {"source", "code", "start", "end", "why"} <= set(u) for u in report.unplaced
    )
    cb = project.codebook
    coke = [c for c in cb if c.name == "Coke"][0]
    assert {c.name for c in cb.children(coke.id)} == {"full-fat Coke", "diet Coke"}
    project.close()


@needs_samples
def test_maxqda_sample_documents_and_codes(tmp_path):
    project = Project.create(tmp_path / "p.qda")
    report = project.import_qdpx(SAMPLES / "maxqda-24.7_ICLS-themes.qdpx")
    assert len(report.documents) == 10 and len(project.codebook) > 100
    assert any("set(s)" in what for what, _ in report.skipped)
    project.close()


@needs_samples
def test_taguette_codebook_through_the_cli(tmp_path):
    from click.testing import CliRunner

    from qda.cli import cli

    Project.create(tmp_path / "p.qda").close()
    result = CliRunner().invoke(
        cli,
        [
            "codebook",
            "load",
            str(SAMPLES / "taguette-1.4.1_codebook.qdc"),
            "--project",
            str(tmp_path / "p.qda"),
        ],
    )
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------------------- offsets
def test_positions_convert_utf16_and_crlf_exactly():
    raw = "a\U0001f600b\r\nc\U0001f600d\re"
    stored = "a\U0001f600b\nc\U0001f600d\ne"
    pos = Positions(raw, UTF16)
    assert pos.stored == stored
    # UTF-16: a=0, emoji=1-2, b=3, \r=4, \n=5, c=6, emoji=7-8, d=9, \r=10, e=11
    assert [pos(u) for u in (0, 1, 3, 4, 5, 6, 7, 9, 11, 12)] == [0, 1, 2, 3, 3, 4, 5, 6, 8, 9]
    assert pos(2) is None and pos(8) is None and pos(13) is None  # half a pair, outside
    assert stored[pos(6) : pos(9)] == "c\U0001f600"
    one = Positions(raw, Convention(newlines="CRLF as one"))
    assert stored[one(3) : one(6)] == "\nc\U0001f600"


def test_convention_is_detected_from_the_selections():
    raw = "\U0001f600 hello world \U0001f600 good morning"
    cp = [(2, 7, "hello"), (8, 13, "world"), (16, 20, "good")]
    utf16 = [(3, 8, "hello"), (9, 14, "world"), (18, 22, "good")]
    assert choose_convention(raw, cp) == STANDARD
    assert choose_convention(raw, utf16) == UTF16
    assert choose_convention(raw, cp, preferred=UTF16) == STANDARD
    crlf = "one two\r\nthree four\r\nfive six"
    as_one = [(8, 13, ""), (19, 23, ""), (24, 27, "")]
    assert choose_convention(crlf, as_one).newlines == "CRLF as one"


@pytest.mark.parametrize(
    "origin,bom,crlf,utf16",
    [
        ("NVivo for Windows 12.6", True, True, True),
        ("Some tool", False, False, True),
        ("Some tool", True, True, False),
        ("ATLAS.ti 9", False, True, False),
    ],
)
def test_import_places_selections_whatever_the_counting(tmp_path, origin, bom, crlf, utf16):
    lines = [
        "Q: How was it? \U0001f62c",
        "A: The caf\u00e9 visit was good \U0001f469\U0001f3fd.",
        "A: Another line about family support.",
        "Q: Thanks.",
    ]
    raw = ("\r\n" if crlf else "\n").join(lines)
    words = ["visit", "family support", "Thanks"]

    def count(i: int) -> int:
        return len(raw[:i].encode("utf-16-le")) // 2 if utf16 else i

    sels = [(count(raw.index(w)), count(raw.index(w) + len(w)), G(50)) for w in words]
    if origin.startswith("ATLAS"):  # counts CRLF as one
        norm = raw.replace("\r\n", "\n")
        sels = [(norm.index(w), norm.index(w) + len(w), G(50)) for w in words]
    data = ("\ufeff" if bom else "") + raw
    xml = project_xml(origin, text_source(G(10), "doc.txt", sels, "internal://X.txt"), CODE_A)
    path = make_qdpx(tmp_path / "t.qdpx", xml, {"Sources/x.TXT": data.encode("utf-8")})
    project = Project.create(tmp_path / "p.qda")
    report = project.import_qdpx(path)
    assert report.unplaced == []
    assert sorted(project.codings()["text"]) == sorted(words)
    assert set(project.codings()["coder"]) == {"Ann"}
    project.close()


def test_selection_that_cannot_be_placed_is_reported(tmp_path):
    sels = [(0, 5, G(50)), (40, 99, G(50)), (3, 3, G(50)), (0, 4, G(77))]
    xml = project_xml("Tool", text_source(G(10), "doc", sels, content="Hello world, again."), CODE_A)
    project = Project.create(tmp_path / "p.qda")
    report = project.import_qdpx(make_qdpx(tmp_path / "t.qdpx", xml))
    assert project.codings()["text"].tolist() == ["Hello"]
    assert [(u["start"], u["end"]) for u in report.unplaced] == [(40, 99), (3, 3), (0, 4)]
    assert all(u["source"] == "doc" for u in report.unplaced)
    assert "outside the text" in report.unplaced[0]["why"]
    assert "not in the project's codebook" in report.unplaced[2]["why"]
    project.close()


def test_cases_and_variables_become_participants(tmp_path, project_schema):
    text = "Dawn: We met at the hub.\n\nTom: Me too, at the hub.\n"
    xml = (
        f'<?xml version="1.0" encoding="utf-8"?><Project {NS} name="c" origin="Tool">'
        f'<Variables><Variable guid="{G(60)}" name="group" typeOfVariable="Text"/>'
        f'<Variable guid="{G(61)}" name="age" typeOfVariable="Integer"/></Variables>'
        f'<Cases><Case guid="{G(70)}" name="P1"><VariableValue><VariableRef '
        f'targetGUID="{G(60)}"/><TextValue>staff</TextValue></VariableValue><VariableValue>'
        f'<VariableRef targetGUID="{G(61)}"/><IntegerValue>44</IntegerValue></VariableValue>'
        f'<SelectionRef targetGUID="{G(80)}"/></Case>'
        f'<Case guid="{G(71)}" name="P2"><SelectionRef targetGUID="{G(81)}"/></Case></Cases>'
        f'<Sources><TextSource guid="{G(10)}" name="fg.txt"><PlainTextContent>{text}'
        f'</PlainTextContent><PlainTextSelection guid="{G(80)}" startPosition="0" '
        f'endPosition="24"/><PlainTextSelection guid="{G(81)}" startPosition="26" '
        f'endPosition="50"/></TextSource></Sources></Project>'
    )
    project_schema.validate(xml)
    project = Project.create(tmp_path / "p.qda")
    report = project.import_qdpx(make_qdpx(tmp_path / "c.qdpx", xml))
    assert report.participants == 2
    parts = project.participants().set_index("participant")
    assert parts.loc["P1", "group"] == "staff" and parts.loc["P1", "age"] == "44"
    segs = project.segments().set_index("speaker")
    assert segs.loc["Dawn", "participant"] == "P1" and segs.loc["Tom", "participant"] == "P2"
    project.close()


def test_existing_codebook_gains_only_new_codes(tmp_path):
    project = Project.create(tmp_path / "p.qda")
    project.load_codebook(CODEBOOK)
    before = project.codebook.ids
    codes = CODE_A + f'<Code guid="{G(51)}" name="{project.codebook.get(before[0]).name}" isCodable="true"/>'
    xml = project_xml(
        "Tool", text_source(G(10), "d", [(0, 5, G(50)), (6, 11, G(51))], content="Hello world"), codes
    )
    report = project.import_qdpx(make_qdpx(tmp_path / "t.qdpx", xml))
    assert report.codes_added == 1 and project.codebook.ids[: len(before)] == before
    assert "alpha" in project.codebook
    assert sorted(project.codings()["code"]) == sorted(["alpha", before[0]])
    project.close()


# ---------------------------------------------------------------------- hostile files
def _refused(tmp_path, path, *words):
    victim = tmp_path / "victim.qda"
    victim.unlink(missing_ok=True)
    project = Project.create(victim)
    with pytest.raises(InputError) as info:
        project.import_qdpx(path)
    assert str(path) in str(info.value)
    for word in words:
        assert word in str(info.value)
    assert project.documents().empty and not len(project.codebook)
    project.close()


def test_billion_laughs_is_refused(tmp_path):
    xml = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        f'<Project {NS} name="&lol3;"/>'
    )
    _refused(tmp_path, make_qdpx(tmp_path / "lol.qdpx", xml), "refused", "DTD")


def test_xxe_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file://{secret}">]>'
        f'<Project {NS} name="x"><Sources><TextSource guid="{G(1)}" name="d">'
        "<PlainTextContent>&x;</PlainTextContent></TextSource></Sources></Project>"
    )
    _refused(tmp_path, make_qdpx(tmp_path / "xxe.qdpx", xml), "refused")


@pytest.mark.parametrize("member", ["../evil.txt", "sources/../../evil.txt", "/etc/evil.txt", "C:/evil.txt"])
def test_member_outside_the_archive_is_refused(tmp_path, member):
    xml = project_xml("Tool", text_source(G(10), "d", [], "internal://evil.txt"))
    path = make_qdpx(tmp_path / "slip.qdpx", xml, {member: "x"})
    _refused(tmp_path, path, member, "outside the archive")
    assert not (tmp_path / "evil.txt").exists()


def test_external_files_are_never_opened(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET words")
    xml = project_xml(
        "Tool",
        text_source(G(10), "d", [], f"absolute:///{secret}")
        + text_source(G(11), "e", [], "relative:///secret.txt"),
    )
    project = Project.create(tmp_path / "p.qda")
    report = project.import_qdpx(make_qdpx(tmp_path / "ext.qdpx", xml))
    assert project.documents().empty
    assert [why.startswith("its text is outside the project file") for _, why in report.skipped] == [
        True,
        True,
    ]
    project.close()


def test_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", project_xml("Tool", text_source(G(10), "d", [], "internal://big.txt")))
        z.writestr("sources/big.txt", b"\0" * (50 * 1024**2))  # 50 MB in ~50 kB
    assert path.stat().st_size < 200_000
    _refused(tmp_path, path, "zip bomb", "big.txt")


def test_total_size_and_member_count_limits(tmp_path, monkeypatch):
    xml = project_xml("Tool", text_source(G(10), "d", [], "internal://a.txt"))
    path = make_qdpx(tmp_path / "big.qdpx", xml, {f"sources/{i}.txt": "words " * 1000 for i in range(20)})
    monkeypatch.setattr(refi_archive, "MAX_UNPACKED", 50_000)
    _refused(tmp_path, path, "zip bomb", "MB limit")
    monkeypatch.setattr(refi_archive, "MAX_UNPACKED", 10**9)
    monkeypatch.setattr(refi_archive, "MAX_MEMBERS", 10)
    _refused(tmp_path, path, "21 files", "limit of 10")


def test_lying_sizes_stop_at_the_budget(tmp_path, monkeypatch):
    """The budget is counted on inflated bytes, not on what the directory claims."""
    xml = project_xml("Tool", text_source(G(10), "d", [], "internal://a.txt"))
    # (varied words: one word repeated packs over MAX_ZIP_RATIO times and is refused sooner)
    path = make_qdpx(
        tmp_path / "ok.qdpx", xml, {"sources/a.txt": " ".join(f"word{i}" for i in range(30_000))}
    )
    archive = refi_archive.open_archive(path)
    archive._budget[0] = 1000
    with pytest.raises(InputError, match="past the size limit"):
        archive.member("internal://a.txt")
    archive.close()


@pytest.mark.parametrize(
    "kind", ["not zip", "truncated", "no qde", "not a project", "empty", "folder", "missing"]
)
def test_broken_files_are_refused_clearly(tmp_path, kind):
    path = tmp_path / "broken.qdpx"
    good = make_qdpx(
        tmp_path / "good.qdpx", project_xml("Tool", text_source(G(10), "d", [], content="Some words here."))
    )
    if kind == "not zip":
        path.write_text("<Project/>")
        words = ("not a REFI-QDA project", "ZIP")
    elif kind == "truncated":
        data = good.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        words = ("ZIP",)
    elif kind == "no qde":
        make_qdpx(path, "x", qde_name="readme.txt")
        words = ("no project.qde",)
    elif kind == "not a project":
        make_qdpx(path, '<?xml version="1.0"?><html><body/></html>')
        words = ("not a REFI-QDA project", "<html>")
    elif kind == "empty":
        path.write_bytes(b"")
        words = ("ZIP",)
    elif kind == "folder":
        path.mkdir()
        words = ("is a folder",)
    else:
        words = ("no such file",)
    _refused(tmp_path, path, *words)


def test_damaged_member_is_refused(tmp_path):
    good = make_qdpx(
        tmp_path / "good.qdpx",
        project_xml("Tool", text_source(G(10), "d", [], "internal://a.txt")),
        {"sources/a.txt": "Some words here. " * 200},
    )
    data = bytearray(good.read_bytes())
    at = data.index(b"sources/a.txt") + len("sources/a.txt") + 10  # inside the packed bytes
    data[at : at + 20] = b"\xff" * 20
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(bytes(data))
    _refused(tmp_path, bad, "a.txt")


# ------------------------------------------------------------------------------ CLI
def _cli(*args):
    from click.testing import CliRunner

    from qda.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args])


@needs_samples
def test_cli_export_and_ingest(coded, tmp_path, project_schema, codebook_schema):
    p = coded.path
    out = _cli("export", "--qdpx", tmp_path / "c.qdpx", "--qdc", tmp_path / "c.qdc", "--project", p)
    assert out.exit_code == 0, out.output
    project_schema.validate(qde(tmp_path / "c.qdpx"))
    codebook_schema.validate(str(tmp_path / "c.qdc"))
    out = _cli("export", "--qdpx", tmp_path / "s.qdpx", "--suggestions", "--project", p)
    assert out.exit_code == 0 and "qda suggestion" in qde(tmp_path / "s.qdpx")
    _cli("init", tmp_path / "n.qda")
    out = _cli("ingest", tmp_path / "c.qdpx", "--project", tmp_path / "n.qda")
    assert out.exit_code == 0, out.output
    assert "Imported c.qdpx" in out.output and "2 document(s)" in out.output
    out = _cli("codebook", "show", "--project", tmp_path / "n.qda")  # counts by source
    assert out.exit_code == 0 and "import" in out.output.splitlines()[2], out.output
    out = _cli("ingest", SAMPLES / "atlasti-8.4-mac_standard-project.qdpx", "--project", tmp_path / "n.qda")
    assert out.exit_code == 0 and "Skipped" in out.output and "Not placed" in out.output


@pytest.mark.parametrize(
    "args,message",
    [
        (["export", "--qdpx", "out.zip"], "name it .qdpx"),
        (["export", "--qdc", "out.yaml"], "name it .qdc"),
        (["export", "--suggestions", "--qdc", "x.qdc"], "--suggestions is for --qdpx"),
        (["export"], "--qdpx F"),
        (["ingest", "nothing.qdpx"], "no such file"),
        (["ingest", "book.qdc"], "qda codebook load"),
        (["ingest", "folder"], "import it on its own"),
        (["ingest", "bomb.qdpx"], "zip bomb"),
    ],
)
def test_cli_errors(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    _cli("init", "project.qda")
    (tmp_path / "book.qdc").write_text("<CodeBook/>")
    (tmp_path / "folder").mkdir()
    make_qdpx(tmp_path / "folder" / "x.qdpx", "<x/>")
    (tmp_path / "folder" / "a.txt").write_text("A: hello\n")
    with zipfile.ZipFile(tmp_path / "bomb.qdpx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", "<x/>")
        z.writestr("sources/big.txt", b"\0" * (20 * 1024**2))
    out = _cli(*args)
    assert out.exit_code == 1 and out.output.startswith("Error: "), out.output
    assert message in out.output
    assert "Traceback" not in out.output


# ----------------------------------------------------------------- more import cases
def test_pdf_text_representation_is_imported_and_regions_reported(tmp_path):
    text = "Breakfast is the most important meal."
    xml = (
        f'<?xml version="1.0" encoding="utf-8"?><Project {NS} name="p" origin="ATLAS.ti 9">'
        f"<CodeBook><Codes>{CODE_A}</Codes></CodeBook><Sources>"
        f'<PDFSource guid="{G(10)}" name="leaflet.pdf" path="internal://{G(11)}.pdf">'
        f'<PDFSelection guid="{G(12)}" page="0" firstX="1" firstY="2" secondX="3" '
        f'secondY="4"><Coding guid="{G(13)}"><CodeRef targetGUID="{G(50)}"/></Coding>'
        f'</PDFSelection><Representation guid="{G(14)}" name="leaflet">'
        f"<PlainTextContent>{text}</PlainTextContent>"
        f'<PlainTextSelection guid="{G(15)}" startPosition="22" endPosition="31">'
        f'<Coding guid="{G(16)}"><CodeRef targetGUID="{G(50)}"/></Coding>'
        f"</PlainTextSelection></Representation></PDFSource></Sources></Project>"
    )
    xmlschema.XMLSchema(str(SCHEMAS / "Project.xsd")).validate(xml)
    project = Project.create(tmp_path / "p.qda")
    report = project.import_qdpx(make_qdpx(tmp_path / "pdf.qdpx", xml))
    assert project.documents()["name"].tolist() == ["leaflet.pdf"]
    assert project.codings()["text"].tolist() == ["important"]
    assert any("1 PDF region(s) with 1 coding(s)" in what for what, _ in report.skipped)
    project.close()


def test_participant_values_already_there_are_kept(coded, tmp_path):
    path = coded.export_qdpx(tmp_path / "p.qdpx")
    new = Project.create(tmp_path / "n.qda")
    (tmp_path / "parts.csv").write_text("participant,group\nS01,family\n", encoding="utf-8")
    new.import_qdpx(path)
    with new.transaction():
        new._store.upsert_participant("S01", label="S01", attributes={"group": "other"})
    again = new.import_qdpx(path)
    assert any("'group'" in w and "kept" in w for w in again.warnings)
    assert new.participants().set_index("participant").loc["S01", "group"] == "other"
    new.close()


def test_characters_xml_cannot_hold_are_left_out_of_the_xml(tmp_path, project_schema):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("A: one\x0c two three\n", encoding="utf-8")
    project = Project.create(tmp_path / "p.qda")
    project.ingest([folder])
    project.load_codebook(CODEBOOK)
    project.add_coding(project.segments()["segment_id"].iloc[0], project.codebook.ids[0], coder="ann\x0b")
    path = project.export_qdpx(tmp_path / "p.qdpx")
    project_schema.validate(qde(path))
    back = Project.create(tmp_path / "b.qda")
    back.import_qdpx(path)
    assert back.documents(text=True)["text"].tolist() == ["A: one\x0c two three\n"]
    project.close()
    back.close()


def test_a_tool_named_like_qda_is_not_taken_for_qda(tmp_path):
    raw = "\U0001f600 hello world \U0001f600 good morning"
    sels = [(3, 8, G(50)), (9, 14, G(50)), (18, 22, G(50))]  # UTF-16 units
    xml = project_xml("QDA Miner 2024", text_source(G(10), "d", sels, content=raw), CODE_A)
    project = Project.create(tmp_path / "p.qda")
    project.import_qdpx(make_qdpx(tmp_path / "m.qdpx", xml))
    assert sorted(project.codings()["text"]) == ["good", "hello", "world"]
    project.close()


# --------------------------------------------------------------- property: positions
_PIECES = st.sampled_from(
    [
        "a",
        "é",
        "e\u0301",
        "\t",
        " ",
        "\r\n",
        "\r",
        "\n",
        "\U0001f600",
        "\U0001f469\u200d\U0001f467",
        "日",
        "ß",
        "x",
    ]
)


def _raw_index(raw: str, stored_index: int, crlf_as_one: bool) -> int:
    """Where stored_index (in the \\n-only text) falls in the counted text."""
    i = j = 0
    while j < stored_index:
        step = 2 if raw.startswith("\r\n", i) else 1
        i, j = i + step, j + 1
    return j if crlf_as_one else i


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=40), st.data())
def test_positions_round_trip_every_convention(pieces, data):
    raw = "".join(pieces)
    stored = raw.replace("\r\n", "\n").replace("\r", "\n")
    start = data.draw(st.integers(0, len(stored) - 1))
    end = data.draw(st.integers(start + 1, len(stored)))
    for convention in (
        STANDARD,
        UTF16,
        Convention(newlines="CRLF as one"),
        Convention("UTF-16 units", "CRLF as one"),
    ):
        one = convention.newlines == "CRLF as one"
        counted = stored if one else raw

        def units(cp: int, convention=convention, counted=counted) -> int:
            if convention.units == "code points":
                return cp
            return len(counted[:cp].encode("utf-16-le")) // 2

        s, e = (units(_raw_index(raw, k, one)) for k in (start, end))
        assert Positions(raw, convention).span(s, e) == (start, end)


def test_two_sources_with_one_guid_stay_apart(tmp_path):
    sources = text_source(G(10), "one", [(0, 3, G(50))], content="One text here.") + text_source(
        G(10), "two", [(0, 3, G(50))], content="Two text here."
    )
    xml = project_xml("Tool", sources, CODE_A)
    project = Project.create(tmp_path / "p.qda")
    report = project.import_qdpx(make_qdpx(tmp_path / "d.qdpx", xml))
    codings = project.codings()
    assert sorted(codings["text"]) == ["One", "Two"]
    assert codings["document"].nunique() == 2
    assert any("used by another source" in w for w in report.warnings)
    project.close()


def test_codebook_of_a_hostile_qdpx_or_qdc_is_refused(tmp_path):
    from qda.codebook import load_codebook

    bomb = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", "<x/>")
        z.writestr("sources/big.txt", b"\0" * (20 * 1024**2))
    with pytest.raises(InputError, match="zip bomb"):
        load_codebook(bomb)
    lol = tmp_path / "lol.qdc"
    lol.write_text(
        '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="'
        f'{G(1)}" name="&b;" isCodable="true"/></Codes></CodeBook>'
    )
    with pytest.raises(InputError, match="refused"):
        load_codebook(lol)
    ok = make_qdpx(
        tmp_path / "ok.qdpx", project_xml("Tool", text_source(G(10), "d", [], content="x"), CODE_A)
    )
    assert [c.name for c in load_codebook(ok)] == ["Alpha"]
