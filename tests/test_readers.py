"""Every reader: one contract (offsets give the words, speakers and times come out right),
the bad input each format can bring, and fuzzing of the text and subtitle readers."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qda.ingest
from qda.errors import InputError, QdaError
from qda.ingest import FORMATS, ReadOptions, collect_inputs, read_document
from qda.ingest.subtitles import read_srt, read_vtt
from qda.ingest.text import read_text
from tests.helpers.readers import (
    CASES,
    SRT,
    VTT_VOICES,
    ZOOM,
    _survey_csv,
    _survey_xlsx,
    make_image_pdf,
    make_pdf,
    survey_frame,
    write,
)

ANY = object()  # a begin_time the case does not pin down


INTERVIEW_TURNS = [
    ("Interviewer", True, "How often do you speak to families?", None),
    ("Dawn", False, "Most weeks I ring his mum.\nShe knows the order.", None),
    ("I", True, "Anything hard?", None),
    ("R", False, "Consent. Always consent.", None),
]

SURVEY_TURNS = [
    ("R001", False, "Having the time to ring a parent before the first appointment.", None),
    ("R001", False, "Caseloads, plainly. And no guidance on consent.", None),
    ("R002", False, "A room at the children's centre where partners can come along.", None),
    ("R002", False, "Domestic abuse checks take weeks to come back.", None),
    ("R003", False, "Families who do not trust probation at all, understandably.", None),
]

EXPECTED = {
    "txt": INTERVIEW_TURNS,
    "md": INTERVIEW_TURNS,
    "txt-utf16": INTERVIEW_TURNS,
    "txt-cp1252": [(("Zoë",) + t[1:]) if t[0] == "Dawn" else t for t in INTERVIEW_TURNS],
    "docx-paragraphs": INTERVIEW_TURNS,
    "pdf": INTERVIEW_TURNS,
    "docx-bold": INTERVIEW_TURNS + [("Dawn", False, "Yes.\nNever mind, that was all.", None)],
    "docx-table": [
        ("Interviewer", True, "How often do you speak to families?", 5.0),
        ("Dawn", False, "Most weeks I ring his mum. She knows the order.", 9.0),
        ("I", True, "Anything hard?", 60.0),
        ("R", False, "Consent. Always consent.", 62.0),
    ],
    "pdf-owner-password-only": [
        ("Interviewer", True, "How often do you speak to families?", None),
        ("Dawn", False, "Most weeks.", None),
    ],
    "vtt-voices": [
        ("Facilitator", True, "What helps you & your family?", 1.0),
        ("Lorraine", False, "Being asked. Just being asked. Nobody asked me before. And that hurt.", 4.5),
        ("Jade", False, "Same for me.", 60.0),
    ],
    "vtt-prefixes": [
        (None, False, "Intro music", 0.5),
        ("Interviewer", True, "Tell me about the home visit.", 2.0),
        ("Dawn Smith", False, "It showed me a lot. The kids were there.", 5.0),
    ],
    "srt": [
        ("Q", True, "Did the letter reach you?", 1.0),
        ("A", False, "It did, a week late. Too late.", 3.0),
    ],
    "zoom": [
        ("Interviewer", True, "Thanks for joining.", 3.0),
        # one turn per run of one speaker, the utterances one per line
        ("Marcus Bell", False, "No problem.\nI've got ten minutes.", 7.0),
        ("Interviewer", True, "Then let's start.", 90.0),
    ],
    "otter": [
        ("Interviewer", True, "How did the three-way meeting go?", 2.0),
        ("Speaker 2", False, "Better than I thought.\nHis mum came.\nAnd she stayed.", 15.0),
    ],
    "house-style": [
        ("DAWN", False, "Most weeks.", None),
        ("JB", True, "Why?", None),
        ("DAWN", False, "Habit.", None),
    ],
    "survey-csv": SURVEY_TURNS,
    "survey-xlsx": SURVEY_TURNS,
    "odt": [
        ("Interviewer", True, "How did the move go?", None),
        ("Amira", False, "It was hard at first.\nThen the neighbours helped.", None),
        ("Interviewer", True, "And now?", None),
        ("Amira", False, "Better, much better.", None),
    ],
    "rtf": [
        ("Interviewer", True, "How was the café group?", None),
        ("Renée", False, "Lovely – I go every week.", None),
        ("Interviewer", True, "Why?", None),
        ("Renée", False, "The people.’ It’s company.", None),
    ],
    "html": [
        ("Interviewer", True, "Tell me about the café & the garden.", None),
        ("Zoë", False, "The garden was mine,\nthe café was Tom’s.", None),
        ("Interviewer", True, "And now?", None),
        ("Zoë", False, "We share <both>.", None),
    ],
}
EXPECTED["otter-forced"] = EXPECTED["otter"]
FORMAT_OF = {
    "txt": "text",
    "md": "text",
    "txt-cp1252": "text",
    "txt-utf16": "text",
    "docx-paragraphs": "docx",
    "docx-bold": "docx",
    "docx-table": "docx",
    "pdf": "pdf",
    "pdf-owner-password-only": "pdf",
    "vtt-voices": "vtt",
    "vtt-prefixes": "vtt",
    "srt": "srt",
    "zoom": "transcript-export",
    "otter": "transcript-export",
    "otter-forced": "transcript-export",
    "house-style": "text",
    "survey-csv": "survey",
    "survey-xlsx": "survey",
    "odt": "odt",
    "rtf": "rtf",
    "html": "html",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_reader_contract(tmp_path, case):
    path, options = CASES[case](tmp_path)
    doc = read_document(path, options=options)
    assert doc.format == FORMAT_OF[case]
    assert doc.name == path.name and doc.path == str(path) and len(doc.sha256) == 64
    assert "\r" not in doc.text
    got = [(t.speaker, t.is_interviewer, doc.text[t.start : t.end], t.begin_time) for t in doc.turns]
    want = EXPECTED[case]
    assert [g[:3] for g in got] == [w[:3] for w in want]
    assert [g[3] for g in got] == [w[3] for w in want]
    for a, b in zip(doc.turns, doc.turns[1:]):
        assert a.end <= b.start  # in order, never overlapping
    for t in doc.turns:
        words = doc.text[t.start : t.end]
        assert words and words == words.strip()
        assert not re.search(r"\d{1,2}:\d{2}", words[:9]) or case.startswith("survey")
        if t.end_time is not None:
            assert t.end_time >= t.begin_time
    assert doc.labelled is any(t.speaker for t in doc.turns)


def test_every_format_has_a_contract_case():
    covered = set(FORMAT_OF.values())
    assert covered | {"doc"} == set(FORMATS)  # .doc is refused (tests/test_more_formats.py)


def test_survey_respondents_questions_and_unit(tmp_path):
    path, options = _survey_xlsx(tmp_path)
    doc = read_document(path, options=options)
    assert doc.unit == "response"
    assert doc.respondents == {
        "R001": {"Role": "Responsible Officer", "Location": "Kent"},
        "R002": {"Role": "Senior Probation Officer", "Location": "Sussex"},
        "R003": {"Role": "Responsible Officer", "Location": "Kent"},
    }
    assert [t.question for t in doc.turns] == [
        "What helps you involve families?",
        "What gets in the way?",
    ] * 2 + ["What gets in the way?"]
    assert doc.text.startswith("R001 — What helps you involve families?\nHaving the time")
    assert doc.metadata["header_row"] == 3


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_survey_xlsx_reads_the_same_with_either_engine(tmp_path, monkeypatch, engine):
    import qda.ingest.spreadsheet

    monkeypatch.setattr(qda.ingest.spreadsheet, "excel_engine", lambda: engine)
    path, options = _survey_xlsx(tmp_path)
    doc = read_document(path, options=options)
    assert [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns] == [(w[0], w[2]) for w in SURVEY_TURNS]
    assert doc.metadata["sheet"] == "Sheet1"


def test_survey_columns_are_detected_and_reported(tmp_path):
    path, _ = _survey_csv(tmp_path)
    doc = read_document(path)
    assert doc.metadata["id_column"] == "Respondent"
    assert doc.metadata["text_columns"] == ["What helps you involve families?", "What gets in the way?"]
    assert doc.metadata["attribute_columns"] == ["Role", "Location"]
    assert doc.metadata["detected"] == ["id_column", "text_columns"]
    assert doc.metadata["header_row"] == 3


def test_a_survey_without_an_id_column_names_respondents_by_row(tmp_path):
    frame = survey_frame().drop(columns=["Respondent"]).assign(Role="Responsible Officer")
    path = tmp_path / "anon.csv"
    frame.to_csv(path, index=False, sep=";")
    doc = read_document(path)
    assert [t.speaker for t in doc.turns][:2] == ["row 2", "row 2"]
    assert doc.metadata["id_column"] is None
    assert doc.respondents["row 4"] == {"Role": "Responsible Officer", "Location": "Kent"}


def test_vtt_turns_keep_first_begin_and_last_end(tmp_path):
    doc = read_document(write(tmp_path / "a.vtt", VTT_VOICES))
    lorraine = doc.turns[1]
    assert (lorraine.begin_time, lorraine.end_time) == (4.5, 11.0)
    assert doc.text.startswith("Facilitator: What helps you & your family?\n\nLorraine: Being")


def test_vtt_notes_before_the_first_cue_are_the_header(tmp_path):
    text = VTT_VOICES.replace("WEBVTT\n", "WEBVTT\n\nNOTE\nFocus group 5. Names changed.\n")
    doc = read_document(write(tmp_path / "a.vtt", text))
    assert doc.metadata == {"cues": 5, "header": "Focus group 5. Names changed."}
    assert "Names changed" not in doc.text


def test_zoom_timestamps_stay_outside_the_turns(tmp_path):
    doc = read_document(write(tmp_path / "zoom.txt", ZOOM), ReadOptions(utterances=True))
    assert doc.text == ZOOM
    assert all("[" not in doc.text[t.start : t.end] for t in doc.turns)
    # a run of one speaker is one turn: the text is rebuilt, each run's first label as written
    merged = read_document(write(tmp_path / "zoom.txt", ZOOM))
    assert "[00:00:07] Marcus Bell: No problem.\nI've got ten minutes.\n\n" in merged.text
    assert merged.metadata["text_rebuilt"] and merged.metadata["utterances"] == 4
    assert all(":" not in merged.text[t.start : t.end][:12] for t in merged.turns)


def test_docx_stores_what_it_built(tmp_path):
    path, _ = CASES["docx-bold"](tmp_path)
    doc = read_document(path)
    assert doc.text == (
        "[Telephone interview.]\n\nInterviewer: How often do you speak to "
        "families?\n\nDawn: Most weeks I ring his mum.\nShe knows the order.\n\n"
        "I: Anything hard?\n\nR: Consent. Always consent.\n\nDawn: Yes.\n"
        "Never mind, that was all.\n"
    )
    assert doc.metadata == {"header": "[Telephone interview.]"}


def test_a_docx_cover_table_is_header_not_turns(tmp_path):
    path, _ = CASES["docx-paragraphs"](tmp_path)
    doc = read_document(path)
    assert doc.text.startswith("Interview\tTelephone\nDate\t1 May 2024\n\n[Telephone interview.]\n")
    assert doc.metadata == {
        "header": "Interview\tTelephone\nDate\t1 May 2024\n\n[Telephone interview.]",
        "tables": 1,
    }


def test_pdf_metadata_counts_pages(tmp_path):
    path, _ = CASES["pdf"](tmp_path)
    assert read_document(path).metadata["pages"] == 2


# ------------------------------------------------------------------------- speaker styles
@pytest.mark.parametrize(
    ("line", "speaker", "is_interviewer", "begin"),
    [
        ("Dawn: words", "Dawn", False, None),
        ("DAWN: words", "DAWN", False, None),
        ("P1: words", "P1", False, None),
        ("Speaker 1: words", "Speaker 1", False, None),
        ("Interviewer: words", "Interviewer", True, None),
        ("I: words", "I", True, None),
        ("R: words", "R", False, None),
        ("Q: words", "Q", True, None),
        ("A: words", "A", False, None),
        ("[00:01:02] Dawn: words", "Dawn", False, 62.0),
        ("(1:02) Dawn: words", "Dawn", False, 62.0),
        ("00:01:02.5 Dawn: words", "Dawn", False, 62.5),
        ("Dawn [00:01:02]: words", "Dawn", False, 62.0),
        ("Dawn (01:02): words", "Dawn", False, 62.0),
        ("Dawn 01:00:00: words", "Dawn", False, 3600.0),
        ("**Dawn:** words", "Dawn", False, None),
        ("**Interviewer**: words", "Interviewer", True, None),
        ("__P2:__ words", "P2", False, None),
    ],
)
def test_speaker_label_styles(tmp_path, line, speaker, is_interviewer, begin):
    doc = read_document(write(tmp_path / "a.txt", f"{line}\n"))
    [turn] = doc.turns
    assert (turn.speaker, turn.is_interviewer, doc.text[turn.start : turn.end], turn.begin_time) == (
        speaker,
        is_interviewer,
        "words",
        begin,
    )


@pytest.mark.parametrize("line", ["At 10:30: we met.", "10:30 then we left: it rained.", "Meeting at 10:30"])
def test_times_in_sentences_are_not_labels(tmp_path, line):
    doc = read_document(write(tmp_path / "a.txt", f"Dawn: First.\n{line}\n"))
    assert [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns] == [("Dawn", f"First.\n{line}")]


def test_labels_with_nothing_said_are_refused_not_read_as_text(tmp_path):
    path = write(tmp_path / "a.txt", "Interviewer:\nDawn:\n\nInterviewer:\n")
    with pytest.raises(InputError, match=re.escape(str(path)) + ".*nothing said"):
        read_document(path)


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [("(?P<label>[A-Z]+", "not a valid regular expression"), (r"^([A-Z]+) >", "no group named 'label'")],
)
def test_a_bad_speaker_pattern_says_what_to_write(tmp_path, pattern, fragment):
    path = write(tmp_path / "a.txt", "DAWN > hi\n")
    with pytest.raises(InputError, match=re.escape(fragment) + ".*(?P<label>|label)"):
        read_document(path, options=ReadOptions(speaker_pattern=pattern))


# ------------------------------------------------------------------------------ bad input
def _corrupt_xlsx(t: Path) -> Path:
    return write(t / "answers.xlsx", b"PK\x03\x04" + bytes(range(256)) * 4)


BAD: dict[str, tuple[Callable[[Path], Path], ReadOptions, str]] = {
    "empty": (lambda t: write(t / "empty.txt", b""), ReadOptions(), "empty"),
    "binary-txt": (
        lambda t: write(t / "photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 8),
        ReadOptions(),
        "binary",
    ),
    "docx-not-zip": (
        lambda t: write(t / "a.docx", "Dawn: I am plain text really."),
        ReadOptions(),
        "not a zip",
    ),
    "docx-zip-without-document": (
        lambda t: _zip(t / "a.docx", {"word/other.xml": "<x/>"}),
        ReadOptions(),
        "without word/document.xml",
    ),
    "docx-old-doc": (
        lambda t: write(t / "a.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)),
        ReadOptions(),
        "password-protected",
    ),
    "pdf-password": (
        lambda t: make_pdf(t / "a.pdf", ["Dawn: secret"], password="s3cret"),
        ReadOptions(),
        "password-protected",
    ),
    "pdf-image-only": (lambda t: make_image_pdf(t / "scan.pdf"), ReadOptions(), "OCR"),
    "pdf-garbage": (
        lambda t: write(t / "a.pdf", b"%PDF-1.4\n garbage"),
        ReadOptions(),
        "cannot be read as a PDF",
    ),
    "vtt-no-header": (
        lambda t: write(t / "a.vtt", VTT_VOICES.replace("WEBVTT", "")),
        ReadOptions(),
        "WEBVTT",
    ),
    "csv-no-named-column": (
        lambda t: _csv(t),
        ReadOptions(text_columns=("Comments",)),
        "no text column 'Comments'; its columns are: 'Respondent', 'Role'",
    ),
    "csv-no-named-id": (
        lambda t: _csv(t),
        ReadOptions(id_column="Staff number"),
        "no id column 'Staff number'",
    ),
    "csv-no-free-text": (
        lambda t: write(t / "s.csv", "id,role\n1,PO\n2,PSO\n"),
        ReadOptions(),
        "no column of free-text answers",
    ),
    "csv-duplicate-respondent": (
        lambda t: write(
            t / "s.csv", "respondent,answer\nR1,one two three four five\nR1,six seven eight nine ten\n"
        ),
        ReadOptions(id_column="respondent"),
        "row 3: respondent 'R1' already has row 2",
    ),
    "csv-header-only": (
        lambda t: write(t / "s.csv", "\n\nrespondent,answer\n\n"),
        ReadOptions(),
        "no responses",
    ),
    "xlsx-corrupt": (_corrupt_xlsx, ReadOptions(), "cannot be read as a spreadsheet"),
    "unknown-format": (
        lambda t: write(t / "a.txt", "Dawn: hi"),
        ReadOptions(format="wordperfect"),
        "unknown format 'wordperfect'; use one of text, transcript-export, docx",
    ),
    "export-without-times": (
        lambda t: write(t / "a.txt", "Dawn: hi"),
        ReadOptions(format="zoom"),
        "no timestamped speaker lines",
    ),
    "too-big": (lambda t: write(t / "big.vtt", VTT_VOICES), ReadOptions(), "limit"),
}


def _zip(path: Path, members: dict[str, str]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as z:
        for name, body in members.items():
            z.writestr(name, body)
    return path


def _csv(t: Path) -> Path:
    return write(t / "s.csv", "Respondent,Role,Answer\nR1,PO,Time to ring families first.\n")


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_input_error_naming_the_file(tmp_path, monkeypatch, case):
    make, options, fragment = BAD[case]
    path = make(tmp_path)
    if case == "too-big":
        monkeypatch.setattr(qda.ingest, "MAX_FILE_BYTES", path.stat().st_size - 1)
    with pytest.raises(InputError) as info:
        read_document(path, options=options)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert fragment in message, message
    assert "\n" not in message and "Traceback" not in message


# ------------------------------------------------------------------------- collect_inputs
def test_collect_inputs_takes_every_format_and_keeps_the_participants_sheet(tmp_path):
    names = [
        "a.txt",
        "b.docx",
        "c.pdf",
        "d.vtt",
        "e.srt",
        "f.csv",
        "g.xlsx",
        "h.md",
        "participants.csv",
        "~$b.docx",
        "notes.pages",
    ]
    for name in names:
        write(tmp_path / name, "x")
    files, sheet = collect_inputs([tmp_path])
    assert [p.name for p in files] == [
        "a.txt",
        "b.docx",
        "c.pdf",
        "d.vtt",
        "e.srt",
        "f.csv",
        "g.xlsx",
        "h.md",
    ]
    assert sheet == tmp_path / "participants.csv"


# --------------------------------------------------------------------------------- fuzzing
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
OPTIONS = ReadOptions()


def _check(doc) -> None:
    assert "\r" not in doc.text
    for t in doc.turns:
        words = doc.text[t.start : t.end]
        assert 0 <= t.start < t.end <= len(doc.text)
        assert words == words.strip()
    assert all(a.end <= b.start for a, b in zip(doc.turns, doc.turns[1:]))


def _fuzz(reader, path: Path, data: bytes) -> None:
    try:
        doc = reader(path, data, OPTIONS)
    except QdaError as exc:
        assert str(path) in str(exc)
        return
    _check(doc)


@FUZZ
@given(data=st.binary(max_size=400))
def test_fuzz_text_reader_with_bytes(tmp_path, data):
    _fuzz(read_text, tmp_path / "f.txt", data)


SPEECH = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
TIME = st.builds(
    lambda h, m, s, ms: f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}",
    st.integers(0, 2),
    st.integers(0, 70),
    st.integers(0, 70),
    st.integers(0, 999),
)
LINE = st.one_of(
    SPEECH,
    st.builds(lambda n, w: f"{n}: {w}", st.sampled_from(["Dawn", "Interviewer", "Q", "Zoë"]), SPEECH),
    st.builds(lambda n, w: f"<v {n}>{w}</v>", st.sampled_from(["Dawn", "Jade", " ", "A B"]), SPEECH),
    st.builds(lambda a, b: f"{a} --> {b}", TIME, TIME),
    st.just(""),
    st.just("WEBVTT"),
    st.just("1"),
)


@FUZZ
@given(lines=st.lists(LINE, max_size=14), nl=st.sampled_from(["\n", "\r\n", "\r"]))
def test_fuzz_text_reader_with_transcript_like_text(tmp_path, lines, nl):
    _fuzz(read_text, tmp_path / "f.txt", nl.join(lines).encode("utf-8"))


@FUZZ
@given(lines=st.lists(LINE, max_size=16), nl=st.sampled_from(["\n", "\r\n"]), header=st.booleans())
def test_fuzz_vtt_reader(tmp_path, lines, nl, header):
    text = ("WEBVTT" + nl + nl if header else "") + nl.join(lines)
    _fuzz(read_vtt, tmp_path / "f.vtt", text.encode("utf-8"))


@FUZZ
@given(lines=st.lists(LINE, max_size=16), nl=st.sampled_from(["\n", "\r\n"]))
def test_fuzz_srt_reader(tmp_path, lines, nl):
    _fuzz(read_srt, tmp_path / "f.srt", nl.join(lines).encode("utf-8"))


@FUZZ
@given(data=st.binary(max_size=300))
def test_fuzz_subtitle_readers_with_bytes(tmp_path, data):
    _fuzz(read_vtt, tmp_path / "f.vtt", b"WEBVTT\n\n" + data)
    _fuzz(read_srt, tmp_path / "f.srt", b"1\n00:00:01,000 --> 00:00:02,000\n" + data)


@FUZZ
@given(
    cues=st.lists(
        st.tuples(
            st.sampled_from(["Dawn", "Jade", None]),
            st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=30).filter(
                lambda s: (
                    s.strip()
                    and ":" not in s
                    and "-->" not in s
                    and "\n" not in s
                    and "\r" not in s
                    and "<" not in s
                    and "&" not in s
                    and not s.strip().isdigit()
                )
            ),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_property_vtt_cue_words_come_back(tmp_path, cues):
    blocks = []
    for i, (who, words) in enumerate(cues):
        voice = f"<v {who}>" if who else ""
        blocks.append(f"00:00:{i:02d}.000 --> 00:00:{i + 1:02d}.000\n{voice}{words}")
    doc = read_vtt(tmp_path / "p.vtt", ("WEBVTT\n\n" + "\n\n".join(blocks) + "\n").encode(), OPTIONS)
    _check(doc)
    said = " ".join(doc.text[t.start : t.end] for t in doc.turns)
    assert said.split() == " ".join(w for _, w in cues).split()


# ---------------------------------------------------------------- one folder, every format
def test_qda_ingest_imports_a_folder_with_every_format_in_one_command(tmp_path):
    from click.testing import CliRunner

    from qda.cli import cli
    from qda.project import Project

    folder = tmp_path / "transcripts"
    folder.mkdir()
    cases = [
        "txt",
        "txt-cp1252",
        "docx-bold",
        "docx-table",
        "pdf",
        "vtt-voices",
        "srt",
        "zoom",
        "otter",
        "survey-csv",
        "survey-xlsx",
    ]
    for case in cases:
        sub = tmp_path / case
        sub.mkdir()
        path, _ = CASES[case](sub)
        path.rename(folder / f"{case}{path.suffix}")
    project = tmp_path / "p.qda"
    assert CliRunner().invoke(cli, ["init", str(project)]).exit_code == 0
    result = CliRunner().invoke(cli, ["ingest", str(folder), "--project", str(project)])
    assert result.exit_code == 0, result.output
    assert f"Imported {len(cases)} document(s)" in result.output
    with Project.open(project) as p:
        docs = p.documents()
        segments = p.segments(interviewer=True)
    assert set(docs["format"]) == {"text", "docx", "pdf", "vtt", "srt", "transcript-export", "survey"}
    for case in cases:
        said = segments[segments["document"] == case]
        assert len(said), case
        words = " ".join(" ".join(said["text"]).split())
        assert words == " ".join(" ".join(w for _, _, w, _ in EXPECTED[case]).split()), case


def test_survey_cells_read_as_people_typed_them(tmp_path):
    """Numbers from a spreadsheet are not '12.0'; dates are ISO dates; a column with no
    header is named by its letter, not 'Unnamed: 2'."""
    import datetime as dt

    frame = pd.DataFrame(
        {
            "Staff number": [12, 13],
            "Joined": [dt.datetime(2019, 4, 1), dt.datetime(2021, 9, 6)],
            "": ["Kent", "Surrey"],
            "Comments": [
                "Ringing his mum before the first appointment helped a lot.",
                "A room at the children's centre, so partners could come along.",
            ],
        }
    )
    path = tmp_path / "s.xlsx"
    frame.to_excel(path, index=False)
    doc = read_document(path)
    assert doc.metadata["id_column"] == "Staff number"
    assert doc.respondents == {
        "12": {"Joined": "2019-04-01", "column C": "Kent"},
        "13": {"Joined": "2021-09-06", "column C": "Surrey"},
    }
    assert [t.speaker for t in doc.turns] == ["12", "13"]


def test_a_survey_column_named_twice_is_refused(tmp_path):
    path = write(tmp_path / "s.csv", "id,answer,Answer\n1,one two three four,five six seven eight\n")
    with pytest.raises(InputError, match=re.escape(str(path)) + r": row 1: column 'Answer' appears twice"):
        read_document(path)


def test_a_house_style_pattern_reads_subtitle_cues(tmp_path):
    text = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nDAWN > Most weeks.\n\n"
        "00:00:02.000 --> 00:00:03.000\nJB > Why?\n"
    )
    doc = read_document(
        write(tmp_path / "a.vtt", text),
        options=ReadOptions(speaker_pattern=r"(?P<label>[A-Z]+) > ", interviewer_labels=("JB",)),
    )
    assert [(t.speaker, t.is_interviewer, doc.text[t.start : t.end]) for t in doc.turns] == [
        ("DAWN", False, "Most weeks."),
        ("JB", True, "Why?"),
    ]


# Timing faults are read with a warning naming the cue and line (not refused).
@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (
            lambda t: write(
                t / "a.vtt",
                VTT_VOICES.replace("00:00:07.250 --> 00:00:09.000", "00:00:07.250 --> 00:0x:09.000"),
            ),
            "line 13,",
        ),
        (
            lambda t: write(
                t / "a.vtt",
                VTT_VOICES.replace("00:01:00.000 --> 00:01:03.000", "00:61:00.000 --> 00:61:03.000"),
            ),
            "line 21,",
        ),
        (
            lambda t: write(
                t / "a.vtt",
                VTT_VOICES.replace("00:00:04.500 --> 00:00:07.250", "00:00:07.500 --> 00:00:04.250"),
            ),
            "ends before it starts",
        ),
        (lambda t: write(t / "a.srt", SRT.replace("00:00:03,000", "00:00:3a,000")), "line 6,"),
    ],
)
def test_subtitle_timing_faults_are_warnings(tmp_path, make, fragment):
    path = make(tmp_path)
    doc = read_document(path)
    assert any(fragment in w and str(path) in w for w in doc.warnings), doc.warnings
    assert doc.turns
