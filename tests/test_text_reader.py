"""Plain-text transcripts: read_document's contract, encodings, bad input, collect_inputs."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qda.ingest
from qda.errors import InputError, QdaError
from qda.ingest import ReadOptions, collect_inputs, read_document

INTERVIEW = (
    "[Telephone interview. Names changed.]\n"
    "\n"
    "Interviewer: How often do you speak to families?\n"
    "\n"
    "Siân: Most weeks I'd ring his mum. 😬\n"
    "And the home visit showed me a lot.\n"
    "\n"
    "Interviewer 2:\n"
    "Anything hard about it?\n"
    "\n"
    "Dr. Okafor: Confidentiality.\n"
)
EXPECTED_TURNS = [
    ("Interviewer", True, "How often do you speak to families?"),
    ("Siân", False, "Most weeks I'd ring his mum. 😬\nAnd the home visit showed me a lot."),
    ("Interviewer 2", True, "Anything hard about it?"),
    ("Dr. Okafor", False, "Confidentiality."),
]


@pytest.fixture
def write(tmp_path):
    """write(name, bytes or str) -> path of a new file in a fresh folder."""

    def _write(name: str, content: bytes | str) -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return _write


def turns_of(doc):
    return [(t.speaker, t.is_interviewer, doc.text[t.start : t.end]) for t in doc.turns]


# ---------------------------------------------------------------------------- contract
@pytest.mark.parametrize("name", ["int-a.txt", "Int A.TXT", "notes.md", "old.text"])
def test_read_document_reads_a_labelled_transcript(write, name):
    path = write(name, INTERVIEW)
    doc = read_document(path)
    assert doc.name == name
    assert doc.path == str(path)
    assert doc.format == "text"
    assert doc.labelled is True
    assert doc.text == INTERVIEW
    assert turns_of(doc) == EXPECTED_TURNS
    assert doc.metadata == {"header": "[Telephone interview. Names changed.]"}
    assert doc.sha256 == hashlib.sha256(INTERVIEW.encode("utf-8")).hexdigest()


def test_read_document_takes_extra_interviewer_labels(write):
    doc = read_document(
        write("a.txt", "JB: Question?\nDawn: Answer.\n"), ReadOptions(interviewer_labels=("jb",))
    )
    assert turns_of(doc) == [("JB", True, "Question?"), ("Dawn", False, "Answer.")]


def test_a_file_without_labels_gives_one_turn_per_line_after_a_bracketed_header(write):
    text = "[Written submission. Names changed.]\nFirst paragraph.\n\n  Second one.  \nThird.\n"
    doc = read_document(write("written.txt", text))
    assert doc.labelled is False
    assert turns_of(doc) == [
        (None, False, "First paragraph."),
        (None, False, "Second one."),
        (None, False, "Third."),
    ]
    assert doc.metadata == {"header": "[Written submission. Names changed.]"}


def test_a_file_without_labels_or_header_starts_at_its_first_line(write):
    doc = read_document(write("written.txt", "[not a header] because text follows\nMore.\n"))
    assert turns_of(doc) == [(None, False, "[not a header] because text follows"), (None, False, "More.")]
    assert doc.metadata == {}


def test_offsets_index_the_stored_text(write):
    doc = read_document(write("a.txt", INTERVIEW.replace("\n", "\r\n")))
    for t in doc.turns:
        words = doc.text[t.start : t.end]
        assert words == words.strip()
        assert not re.match(r"[^\W\d_][\w .'’()-]*:", words)  # no label inside


# --------------------------------------------------------------------------- encodings
@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda s: s.encode("utf-8"), id="utf-8"),
        pytest.param(lambda s: b"\xef\xbb\xbf" + s.encode("utf-8"), id="utf-8-bom"),
        pytest.param(lambda s: b"\xff\xfe" + s.encode("utf-16-le"), id="utf-16-le-bom"),
        pytest.param(lambda s: b"\xfe\xff" + s.encode("utf-16-be"), id="utf-16-be-bom"),
        pytest.param(lambda s: s.replace("\n", "\r\n").encode("utf-8"), id="crlf"),
        pytest.param(lambda s: s.replace("\n", "\r").encode("utf-8"), id="cr"),
        pytest.param(
            lambda s: b"\xff\xfe" + s.replace("\n", "\r\n").encode("utf-16-le"), id="utf-16-le-crlf"
        ),
    ],
)
def test_encodings_and_newlines_read_the_same_text(write, encode):
    doc = read_document(write("a.txt", encode(INTERVIEW)))
    assert doc.text == INTERVIEW
    assert "\r" not in doc.text and "\ufeff" not in doc.text
    assert turns_of(doc) == EXPECTED_TURNS


@pytest.mark.parametrize(
    ("encoding", "words"),
    [
        ("cp1252", "A caf\u00e9 nearby, \u00a34 a week \u2013 it\u2019s fine."),  # old Word/Notepad
        ("latin-1", "Na\u00efve caf\u00e9, \u00bd price."),
        ("cp1252", "caf\u00e9"),  # too short to guess from
        (
            "cp1251",
            "\u0417\u0434\u0440\u0430\u0432\u0441\u0442\u0432\u0443\u0439\u0442\u0435, "
            "\u043a\u0430\u043a \u0447\u0430\u0441\u0442\u043e \u0432\u044b "
            "\u043e\u0431\u0449\u0430\u0435\u0442\u0435\u0441\u044c \u0441 "
            "\u0441\u0435\u043c\u044c\u0451\u0439?",
        ),
    ],
)
def test_legacy_single_byte_encodings_are_detected(write, encoding, words):
    text = f"Interviewer: Hello.\nDawn: {words}\n"
    doc = read_document(write("legacy.txt", text.replace("\n", "\r\n").encode(encoding)))
    assert doc.text == text
    assert turns_of(doc) == [("Interviewer", True, "Hello."), ("Dawn", False, words)]
    # Latin-1 text is cp1252 text (cp1252 only adds printable characters at 0x80-0x9F).
    assert doc.metadata["encoding"] == {"latin-1": "cp1252"}.get(encoding, encoding)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_read(write, encoding):
    doc = read_document(
        write("u16.txt", "Interviewer: Hello there.\nSiân: Hi, how are you?\n".encode(encoding))
    )
    assert turns_of(doc) == [("Interviewer", True, "Hello there."), ("Siân", False, "Hi, how are you?")]
    assert doc.metadata["encoding"] == encoding


@pytest.mark.parametrize("data", [b"\x00\x01binary", b"Dawn: hi\x00\x00 there", b"\x00\x00\x00\x00"])
def test_nuls_that_are_not_utf16_are_binary(write, data):
    with pytest.raises(InputError, match="binary"):
        read_document(write("odd.txt", data))


def test_damaged_utf16_without_a_bom_is_a_clear_error(write):
    """Found by the fuzzer: a lone surrogate in BOM-less UTF-16 escaped as UnicodeDecodeError."""
    data = "Interviewer: Hello there.\nDawn: Hi.\n".encode("utf-16-le") + b"\x00\xd8"
    path = write("u16.txt", data)
    with pytest.raises(InputError, match=re.escape(str(path)) + ".*UTF-16-LE.*UTF-8"):
        read_document(path)


def test_a_bom_that_lies_raises_input_error(write):
    path = write("odd.txt", b"\xff\xfe" + "Dawn: hi".encode("utf-16-le") + b"\x00")  # odd length
    with pytest.raises(InputError, match=re.escape(str(path))):
        read_document(path)


# --------------------------------------------------------------------------- bad input
@pytest.fixture(
    params=[
        "missing",
        "empty",
        "whitespace",
        "bom-only",
        "binary",
        "nul-in-text",
        "rtf",
        "no-extension",
        "folder",
        "folder-named-txt",
        "too-big",
    ]
)
def bad_input(request, tmp_path, monkeypatch) -> tuple[Path, str]:
    """(path, a fragment the message must hold besides the file name)."""
    kind = request.param
    if kind == "missing":
        return tmp_path / "gone.txt", "no such file"
    if kind == "empty":
        (path := tmp_path / "empty.txt").write_bytes(b"")
        return path, "empty"
    if kind == "whitespace":
        (path := tmp_path / "blank.txt").write_bytes(b" \r\n\t\n  \n")
        return path, "no text"
    if kind == "bom-only":
        (path := tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf\n")
        return path, "no text"
    if kind == "binary":
        (path := tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 4)
        return path, "binary"
    if kind == "nul-in-text":
        (path := tmp_path / "nul.txt").write_bytes(b"Dawn: hello\x00 there, odd length")
        return path, "binary"
    if kind == "rtf":
        (path := tmp_path / "report.pages").write_bytes(b"PK Dawn: hi")
        return path, "unsupported file type '.pages'"
    if kind == "no-extension":
        (path := tmp_path / "README").write_text("Dawn: hi")
        return path, "unsupported file type"
    if kind == "folder":
        (path := tmp_path / "transcripts").mkdir()
        return path, "unsupported"
    if kind == "folder-named-txt":
        (path := tmp_path / "odd.txt").mkdir()
        return path, "folder"
    if kind == "too-big":
        monkeypatch.setattr(qda.ingest, "MAX_FILE_BYTES", 100)
        (path := tmp_path / "huge.txt").write_bytes(b"Dawn: " + b"words " * 20)
        return path, "limit"
    raise AssertionError(kind)


def test_bad_input_raises_input_error_naming_the_file(bad_input):
    path, fragment = bad_input
    with pytest.raises(InputError) as info:
        read_document(path)
    message = str(info.value)
    assert str(path) in message
    assert fragment in message
    assert "Traceback" not in message


def test_the_size_limit_is_checked_before_reading(write, monkeypatch):
    path = write("ok.txt", b"Dawn: " + b"words " * 20)
    monkeypatch.setattr(qda.ingest, "MAX_FILE_BYTES", path.stat().st_size)
    assert read_document(path).turns  # exactly at the limit is fine
    monkeypatch.setattr(qda.ingest, "MAX_FILE_BYTES", path.stat().st_size - 1)
    with pytest.raises(InputError, match="split it"):
        read_document(path)


def test_input_error_is_a_qda_error():
    assert issubclass(InputError, QdaError)


# ------------------------------------------------------------------------ collect_inputs
@pytest.fixture
def folder(tmp_path) -> Path:
    folder = tmp_path / "transcripts"
    folder.mkdir()
    for name in ["int-b.txt", "Fg.md", "int-a.txt", "old.text", "notes.pages", ".hidden.txt", "~$int-a.txt"]:
        (folder / name).write_text("Dawn: hi\n", encoding="utf-8")
    (folder / "participants.csv").write_text("participant\nP1\n", encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "deep.txt").write_text("Dawn: hi\n", encoding="utf-8")
    return folder


def test_collect_inputs_expands_a_folder_sorted_with_its_sheet(folder):
    files, sheet = collect_inputs([folder])
    assert [p.name for p in files] == ["Fg.md", "int-a.txt", "int-b.txt", "old.text"]
    assert sheet == folder / "participants.csv"


def test_collect_inputs_keeps_files_given_by_name_in_order(folder, tmp_path):
    loose = tmp_path / "loose.txt"
    loose.write_text("Dawn: hi\n", encoding="utf-8")
    files, sheet = collect_inputs([str(loose), folder / "int-b.txt"])
    assert files == [loose, folder / "int-b.txt"]
    assert sheet is None


def test_collect_inputs_finds_an_xlsx_sheet(tmp_path):
    (tmp_path / "a.txt").write_text("Dawn: hi\n", encoding="utf-8")
    (tmp_path / "Participants.xlsx").write_bytes(b"")
    files, sheet = collect_inputs([tmp_path])
    assert files == [tmp_path / "a.txt"]
    assert sheet == tmp_path / "Participants.xlsx"


@pytest.mark.parametrize(
    "contents", [[], ["participants.csv"], ["notes.pages", "scan.tiff"], ["~$open.docx"]]
)
def test_collect_inputs_refuses_a_folder_without_transcripts(tmp_path, contents):
    folder = tmp_path / "empty-folder"
    folder.mkdir()
    for name in contents:
        (folder / name).write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(str(folder)) + ".*no transcripts"):
        collect_inputs([folder])


def test_collect_inputs_refuses_a_missing_path(tmp_path):
    with pytest.raises(InputError, match=re.escape(str(tmp_path / "nope"))):
        collect_inputs([tmp_path / "nope"])


def test_every_collected_file_reads(folder):
    files, _ = collect_inputs([folder])
    docs = [read_document(p) for p in files]
    assert [turns_of(d) for d in docs] == [[("Dawn", False, "hi")]] * 4


# ------------------------------------------------------------------ the property test
LABELS = {  # label -> is it the interviewer's?
    "Interviewer": True,
    "Interviewer 2": True,
    "Facilitator": True,
    "I": True,
    "Q": True,
    "Dawn": False,
    "P1": False,
    "Speaker 3": False,
    "Dr. Okafor": False,
    "Siân": False,
    "MARIA": False,
    "O'Brien": False,
    "Jean-Luc": False,
    "Zoë Dupré": False,
}
NEWLINES = st.sampled_from(["\n", "\r\n", "\r"])
EMOJI = st.sampled_from(["😬", "👩🏽‍🦰", "🇬🇧", "❤️", "\u200d", "\ufeff", "a\u0301"])
# Any character but a newline (those come from NEWLINES) or a NUL (a binary file).
CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\r\n\x00")


def _safe_line(line: str) -> str:
    """A body line that cannot start a turn: one with a colon is prefixed with '~ '."""
    return f"~ {line}" if ":" in line else line


LINE = st.lists(st.one_of(st.text(CHARS, max_size=12), EMOJI), max_size=4).map("".join)
BODY_LINES = st.lists(LINE.map(_safe_line), min_size=1, max_size=4)


@st.composite
def transcripts(draw):
    turns = draw(
        st.lists(
            st.tuples(st.sampled_from(sorted(LABELS)), BODY_LINES, st.booleans(), NEWLINES),
            min_size=1,
            max_size=6,
        ).filter(
            lambda ts: (
                all("".join(lines).strip() for _, lines, _, _ in ts)
                # a file labelling only the interviewer has unlabelled respondent text
                and not all(LABELS[label] for label, *_ in ts)
            )
        )
    )
    parts, expected = [], []
    for label, lines, own_line, nl in turns:
        body = draw(NEWLINES).join(lines)
        sep = draw(NEWLINES) if own_line else draw(st.sampled_from([" ", "  ", "\t"]))
        parts.append(f"{label}:{sep}{body}" + nl * draw(st.integers(1, 3)))
        expected.append((label, LABELS[label], "\n".join(lines).strip()))
    return "".join(parts), expected


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=transcripts())
def test_property_turns_are_what_was_written(tmp_path, case):
    raw, expected = case
    path = tmp_path / "random.txt"
    path.write_bytes(raw.encode("utf-8"))
    doc = read_document(path, ReadOptions(utterances=True))
    assert "\r" not in doc.text
    assert doc.text == raw.replace("\r\n", "\n").replace("\r", "\n")
    assert doc.labelled
    assert turns_of(doc) == expected
    # by default a run of one speaker is one turn, the words of each label one per line
    runs: list[tuple] = []
    for label, is_int, words in expected:
        if runs and runs[-1][0] == label:
            runs[-1] = (label, is_int, f"{runs[-1][2]}\n{words}")
        else:
            runs.append((label, is_int, words))
    assert turns_of(read_document(path)) == runs


def test_a_file_with_only_a_header_note_is_refused(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("[Interview cancelled; no recording.]\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"note\.txt: has only a header"):
        read_document(path)
