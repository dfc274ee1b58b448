"""One builder per reader case (every format the ingest reads): each writes a small file
under a folder and returns it with the reading options. ``CASES`` names them; the reader
contract test holds what each must give, the fuzzing starts from their bytes."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import docx
import pandas as pd
from fpdf import FPDF
from pypdf import PdfWriter

from qda.ingest import ReadOptions


def make_docx(
    path: Path,
    paragraphs: list[list[tuple[str, bool]]] = (),
    table: list[list[str]] | None = None,
    cover: list[list[str]] | None = None,
) -> Path:
    """A .docx: an optional cover table, paragraphs given as runs (text, bold), then an
    optional table."""
    document = docx.Document()
    if cover:
        t = document.add_table(rows=len(cover), cols=len(cover[0]))
        for r, row in enumerate(cover):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    for runs in paragraphs:
        p = document.add_paragraph()
        for text, bold in runs:
            p.add_run(text).bold = bold or None
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    document.save(path)
    return path


def make_pdf(path: Path, lines: list[str], *, password: str | None = None) -> Path:
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for i, line in enumerate(lines):
        if i == 0 or line == "<page>":
            pdf.add_page()
        if line != "<page>":
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    data = bytes(pdf.output())
    if password is not None:
        writer = PdfWriter(clone_from=io.BytesIO(data))
        writer.encrypt(password, algorithm="RC4-128")
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    path.write_bytes(data)
    return path


def make_image_pdf(path: Path) -> Path:
    """A page with a drawn shape and no text, as a scan looks to a text extractor."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(90, 90, 90)
    pdf.rect(20, 20, 120, 160, style="F")
    path.write_bytes(bytes(pdf.output()))
    return path


def write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


INTERVIEW_TXT = (
    "[Telephone interview.]\n\nInterviewer: How often do you speak to families?\n\n"
    "Dawn: Most weeks I ring his mum.\nShe knows the order.\n\nI: Anything hard?\n"
    "R: Consent. Always consent.\n"
)

VTT_VOICES = """WEBVTT

1
00:00:01.000 --> 00:00:04.000
<v Facilitator>What helps you &amp; your family?</v>

2
00:00:04.500 --> 00:00:07.250
<v.loud Lorraine>Being asked.
Just being asked.</v>

3
00:00:07.250 --> 00:00:09.000
<v Lorraine>Nobody <i>asked</i> me before.

4
00:00:09.000 --> 00:00:11.000
And that hurt.

5
00:01:00.000 --> 00:01:03.000
<v Jade>Same for me.
"""

VTT_PREFIXES = """WEBVTT

00:00:00.500 --> 00:00:02.000
Intro music

00:00:02.000 --> 00:00:05.000
Interviewer: Tell me about the home visit.

00:00:05.000 --> 00:00:08.000
Dawn Smith: It showed me a lot.

00:00:08.000 --> 00:01:10.000
Dawn Smith: The kids were there.
"""

SRT = (
    "1\r\n00:00:01,000 --> 00:00:02,500\r\nQ: Did the letter reach you?\r\n\r\n"
    "2\r\n00:00:03,000 --> 00:00:05,000\r\nA: It did, a week late.\r\n\r\n"
    "3\r\n00:00:05,000 --> 00:00:06,000\r\nToo late.\r\n"
)

ZOOM = (
    "[00:00:03] Interviewer: Thanks for joining.\n"
    "[00:00:07] Marcus Bell: No problem.\n"
    "00:01:02 Marcus Bell: I've got ten minutes.\n"
    "00:01:30 Interviewer: Then let's start.\n"
)

OTTER = (
    "Meeting notes exported 2024-05-01\n\n"
    "Interviewer  0:02\nHow did the three-way meeting go?\n\n"
    "Speaker 2  0:15\nBetter than I thought.\nHis mum came.\n\n"
    "Speaker 2  1:02:03\nAnd she stayed.\n"
)


def survey_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Respondent": ["R001", "R002", "R003"],
            "Role": ["Responsible Officer", "Senior Probation Officer", "Responsible Officer"],
            "Location": ["Kent", "Sussex", "Kent"],
            "What helps you involve families?": [
                "Having the time to ring a parent before the first appointment.",
                "A room at the children's centre where partners can come along.",
                "",
            ],
            "What gets in the way?": [
                "Caseloads, plainly. And no guidance on consent.",
                "Domestic abuse checks take weeks to come back.",
                "Families who do not trust probation at all, understandably.",
            ],
        }
    )


def _survey_csv(tmp: Path) -> tuple[Path, ReadOptions]:
    path = tmp / "survey.csv"
    path.write_text("\n\n" + survey_frame().to_csv(index=False), encoding="utf-8")  # blank rows on top
    return path, ReadOptions()


def _survey_xlsx(tmp: Path) -> tuple[Path, ReadOptions]:
    path = tmp / "survey.xlsx"
    survey_frame().to_excel(path, index=False, startrow=2, startcol=1)  # blank rows and a column
    return path, ReadOptions(
        text_columns=("what helps you involve families?", "What gets in the way?"), id_column="respondent"
    )


CASES: dict[str, Callable[[Path], tuple[Path, ReadOptions]]] = {
    "txt": lambda t: (write(t / "a.txt", INTERVIEW_TXT), ReadOptions()),
    "md": lambda t: (write(t / "a.md", INTERVIEW_TXT), ReadOptions()),
    "txt-cp1252": lambda t: (
        write(t / "a.txt", INTERVIEW_TXT.replace("Dawn:", "Zoë:").replace("\n", "\r\n").encode("cp1252")),
        ReadOptions(),
    ),
    "txt-utf16": lambda t: (
        write(t / "a.txt", b"\xff\xfe" + INTERVIEW_TXT.encode("utf-16-le")),
        ReadOptions(),
    ),
    "docx-paragraphs": lambda t: (
        make_docx(
            t / "a.docx",
            [
                [("[Telephone interview.]", False)],
                [("Interviewer: How often do you speak to families?", False)],
                [("Dawn: Most weeks I ring his mum.", False)],
                [("She knows the order.", False)],
                [("I: Anything hard?", False)],
                [("R: Consent. Always consent.", False)],
            ],
            cover=[["Interview", "Telephone"], ["Date", "1 May 2024"]],
        ),
        ReadOptions(),
    ),
    "docx-bold": lambda t: (
        make_docx(
            t / "a.docx",
            [
                [("[Telephone interview.]", False)],
                [("Interviewer:", True), (" How often do you speak to families?", False)],
                [("Dawn", True), (" Most weeks I ring his mum.", False)],  # no colon: recurs
                [("She knows the order.", False)],
                [("I", True), ("  Anything hard?", False)],  # no colon: interviewer
                [("R", True), (": Consent. Always consent.", False)],
                [("Dawn", True), (" ", False), ("Yes.", False)],
                [("Never", True), (" mind, that was all.", False)],
            ],
        ),
        ReadOptions(),
    ),  # once: text
    "docx-table": lambda t: (
        make_docx(
            t / "a.docx",
            [[("[Telephone interview.]", False)]],
            table=[
                ["Time", "Speaker", "Text"],
                ["00:00:05", "Interviewer", "How often do you speak to families?"],
                ["00:00:09", "Dawn:", "Most weeks I ring his mum. She knows the order."],
                ["00:01:00", "I", "Anything hard?"],
                ["01:02", "R", "Consent. Always consent."],
            ],
        ),
        ReadOptions(),
    ),
    "pdf": lambda t: (
        make_pdf(
            t / "a.pdf",
            [
                "[Telephone interview.]",
                "Interviewer: How often do you speak to families?",
                "Dawn: Most weeks I ring his mum.",
                "<page>",
                "She knows the order.",
                "I: Anything hard?",
                "R: Consent. Always consent.",
            ],
        ),
        ReadOptions(),
    ),
    "pdf-owner-password-only": lambda t: (
        make_pdf(
            t / "a.pdf",
            ["Interviewer: How often do you speak to families?", "Dawn: Most weeks."],
            password="",
        ),
        ReadOptions(),
    ),
    "vtt-voices": lambda t: (write(t / "a.vtt", VTT_VOICES), ReadOptions()),
    "vtt-prefixes": lambda t: (write(t / "a.vtt", VTT_PREFIXES), ReadOptions()),
    "srt": lambda t: (write(t / "a.srt", SRT), ReadOptions()),
    "zoom": lambda t: (write(t / "zoom.txt", ZOOM), ReadOptions()),
    "otter": lambda t: (write(t / "otter.txt", OTTER), ReadOptions()),
    "otter-forced": lambda t: (write(t / "otter.log", OTTER), ReadOptions(format="otter")),
    "house-style": lambda t: (
        write(t / "a.txt", "DAWN > Most weeks.\nJB > Why?\nDAWN > Habit.\n"),
        ReadOptions(speaker_pattern=r"^(?P<label>[A-Z]+) >", interviewer_labels=("jb",)),
    ),
    "survey-csv": _survey_csv,
    "survey-xlsx": _survey_xlsx,
    "odt": lambda t: (write_odt(t / "a.odt"), ReadOptions()),
    "rtf": lambda t: (write_bytes(t / "a.rtf", RTF), ReadOptions()),
    "html": lambda t: (write_bytes(t / "a.htm", HTML.encode("cp1252")), ReadOptions()),
}


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# ------------------------------------------------ OpenDocument, RTF and HTML
def write_odt(path: Path) -> Path:
    from odf.office import Annotation
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, LineBreak, Note, NoteBody, P, S, Span, Tab

    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text="Interview 4, community centre"))
    p = P()
    p.addElement(Tab())
    p.addText("Interviewer:")
    p.addElement(S(c=2))
    p.addElement(Span(text="How did the move go?"))
    note = Note(noteclass="footnote")
    body = NoteBody()
    body.addElement(P(text="Transcriber: recording quiet here."))
    note.addElement(body)
    p.addElement(note)
    doc.text.addElement(p)
    p = P(text="Amira: It was hard at first.")
    p.addElement(LineBreak())
    p.addText("Then the neighbours helped.")
    comment = Annotation()
    comment.addElement(P(text="check this"))
    p.addElement(comment)
    doc.text.addElement(p)
    table = Table(name="t")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    row = TableRow()
    for words in ("Interviewer: And now?", ""):
        cell = TableCell()
        cell.addElement(P(text=words))
        row.addElement(cell)
    table.addElement(row)
    doc.text.addElement(table)
    doc.text.addElement(P(text="Amira: Better, much better."))
    doc.save(str(path))
    return path


RTF = (
    rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Helvetica;}}"
    rb"{\colortbl;\red0\green0\blue0;}\f0\fs24 "
    rb"{\b Interviewer:} How was the caf\'e9 group?\par "
    rb"Ren\'e9e: Lovely \endash  I go every week.\par "
    rb"\par Interviewer: Why?\par Ren\'e9e: The people.\u8217? It\u8217?s company.\par }"
)


HTML = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">
<title>Transcript</title><style>p { margin: 0 }</style>
<script>var s = "Interviewer: not this";</script></head>
<body><!-- exported by the transcription service -->
<p><b>Interviewer:</b> Tell me about the caf&eacute; &amp; the garden.</p>
<p><b>Zoë:</b> The garden was mine,<br>the café was Tom’s.</p>
<div><span>Interviewer:</span> And&nbsp;now?</div>
<p><b>Zoë:</b> We share &lt;both&gt;.</p>
</body></html>"""
