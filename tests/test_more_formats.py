"""OpenDocument (.odt), RTF, HTML readers, the .doc refusal, and the seventeen real
think-aloud transcripts (.odt) of ../shared/data/serdif-usability."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from qda.errors import InputError
from qda.ingest import read_document
from qda.project import Project
from tests.helpers.readers import HTML, RTF, write_odt

REAL = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "serdif-usability"
    / "original"
    / "transcripts_raw"
)


def turns_of(doc):
    return [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns]


def test_odt_paragraphs_spaces_breaks_and_no_notes(tmp_path):
    doc = read_document(write_odt(tmp_path / "amira.odt"))
    assert doc.format == "odt"
    assert turns_of(doc) == [
        ("Interviewer", "How did the move go?"),
        ("Amira", "It was hard at first.\nThen the neighbours helped."),
        ("Interviewer", "And now?"),
        ("Amira", "Better, much better."),
    ]
    assert "Transcriber" not in doc.text and "check this" not in doc.text
    assert doc.metadata["header"] == "Interview 4, community centre"


def test_rtf_is_read_with_its_code_page(tmp_path):
    path = tmp_path / "renee.rtf"
    path.write_bytes(RTF)
    doc = read_document(path)
    assert doc.format == "rtf"
    assert turns_of(doc) == [
        ("Interviewer", "How was the café group?"),
        ("Renée", "Lovely – I go every week."),
        ("Interviewer", "Why?"),
        ("Renée", "The people.’ It’s company."),
    ]
    assert "\\" not in doc.text and "{" not in doc.text


def test_rtf_that_is_not_rtf_is_refused(tmp_path):
    path = tmp_path / "fake.rtf"
    path.write_text("Interviewer: hello")
    with pytest.raises(InputError, match=r"fake\.rtf: is not an RTF file"):
        read_document(path)


@pytest.mark.parametrize("suffix", [".html", ".htm"])
def test_html_charset_paragraphs_no_markup_or_entities(tmp_path, suffix):
    path = tmp_path / f"zoe{suffix}"
    path.write_bytes(HTML.encode("cp1252"))
    doc = read_document(path)
    assert doc.format == "html"
    assert turns_of(doc) == [
        ("Interviewer", "Tell me about the café & the garden."),
        ("Zoë", "The garden was mine,\nthe café was Tom’s."),
        ("Interviewer", "And now?"),
        ("Zoë", "We share <both>."),
    ]
    assert "<p" not in doc.text and "&amp;" not in doc.text and "not this" not in doc.text
    assert "exported" not in doc.text and "Transcript" not in doc.text


def test_html_utf8_meta_charset(tmp_path):
    path = tmp_path / "a.html"
    path.write_bytes('<meta charset="utf-8"><p>Siân: Diolch.</p><p>Q: Pam?</p>'.encode())
    assert turns_of(read_document(path)) == [("Siân", "Diolch."), ("Q", "Pam?")]


def test_doc_is_refused_with_advice(tmp_path):
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(
        InputError,
        match=r"old\.doc: is an old Word \.doc file.*save it as "
        r"\.docx",
    ):
        read_document(path)


@pytest.mark.parametrize("name", ["x.odt", "x.html"])
def test_damaged_files_are_one_error(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 not really a zip" if name.endswith("odt") else b"\xff\xfe\x00")
    try:
        read_document(path)
    except InputError as exc:
        assert name in str(exc)


# ------------------------------------------------------------------ the real transcripts
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/serdif-usability absent")


@needs_real
def test_the_seventeen_real_transcripts_import_with_moderator_and_participant_turns(tmp_path):
    files = sorted(REAL.glob("*.odt"))
    assert len(files) == 17
    for path in files:
        doc = read_document(path)
        speakers = Counter(t.speaker for t in doc.turns)
        assert set(speakers) == {"MODERATOR", None}, (path.name, speakers)
        assert speakers[None] >= 2 and speakers["MODERATOR"] >= 1
        for t in doc.turns:
            words = doc.text[t.start : t.end]
            assert "MODERATOR:" not in words
            if t.speaker == "MODERATOR":
                assert "\n" not in words  # the moderator's line, not what follows
            assert t.is_interviewer is (t.speaker == "MODERATOR")
    with Project.create(tmp_path / "p.qda") as project:
        report = project.ingest([REAL])
        assert len(report.added) == 17
        segments = project.segments(interviewer=True)
        assert set(segments["speaker"].fillna("")) == {"MODERATOR", ""}
        assert (segments["speaker"] == "MODERATOR").sum() >= 17
        said = project.segments()  # the participants' words, by document
        assert said["speaker"].isna().all() and said["document"].nunique() == 17
