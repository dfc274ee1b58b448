"""Word documents (.docx), read with python-docx.

The stored text is built from the document: paragraphs in order, one per line, with a
blank line before each speaker's turn. A speaker label may be typed (``Dawn: ...``),
or bold at the start of a paragraph (bold ``Dawn:`` or bold ``Dawn`` then the words);
bold labels are written into the stored text as ``Dawn: ...`` so that turns are found
the same way as in a text file. A table whose rows are turns (speaker | words, with an
optional time column; a header row naming the columns, speakers that recur, or rows
that are all label | words with most words ending like a sentence) gives
one ``[time] Speaker: words`` line per row; a two-column table in which one row holds
a whole part (the names in the first cell, the words in the second, aligned paragraph
by paragraph) gives a ``Speaker: words`` line per aligned pair; any other table (a cover sheet: "Date | 1
May") gives one line per row, its cells separated by tabs.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections import Counter
from pathlib import Path

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from qda.errors import InputError
from qda.ingest.source import ReadOptions, SourceDocument, check_zip_parts, normalise_newlines
from qda.ingest.speakers import is_interviewer_label
from qda.ingest.text import text_document
from qda.limits import MAX_DOCX_ELEMENTS

__all__ = ["read_docx"]

_TIME = re.compile(r"[\[(]?\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?[\])]?")
_LABELISH = re.compile(r"[^\W\d_][\w .'’()-]{0,39}")
_SAID = re.compile(r"[.?!\u2026]['\"\u2019\u201d)\]]*$")  # ends like a sentence
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _open(path: Path, data: bytes):
    if data.startswith(_OLE_MAGIC):
        raise InputError(
            f"{path}: is an old Word .doc or a password-protected document, not a "
            ".docx; open it in Word, remove any password and save as .docx"
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InputError(
            f"{path}: is not a Word .docx file (not a zip archive: corrupt or "
            "renamed); open it in Word and save it again as .docx"
        )
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, NotImplementedError, ValueError) as exc:
        raise InputError(f"{path}: is a damaged zip archive ({exc}); save it again as .docx") from exc
    if "word/document.xml" not in names:
        raise InputError(
            f"{path}: is a zip archive without word/document.xml, so not a Word "
            ".docx; save it from Word as .docx"
        )
    check_zip_parts(path, data, "Word document")
    _count_elements(path, data)
    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:  # lxml, KeyError, ValueError...: all mean a damaged package
        raise InputError(
            f"{path}: the Word document is damaged and cannot be read ({exc}); "
            "open it in Word and save it again"
        ) from exc


def _count_elements(path: Path, data: bytes) -> None:
    """Refuse a document.xml of more than :data:`MAX_DOCX_ELEMENTS` elements, counted in
    the inflated stream (1 MB at a time) before python-docx builds the tree: libxml2's
    XPath fails past 10 million nodes, and millions of empty paragraphs zip into kilobytes.
    """
    count = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("word/document.xml") as member:
            for chunk in iter(lambda: member.read(1 << 20), b""):
                count += chunk.count(b"<") - chunk.count(b"</")
                if count > MAX_DOCX_ELEMENTS:
                    raise InputError(
                        f"{path}: its text (word/document.xml) has over "
                        f"{MAX_DOCX_ELEMENTS:,} XML elements (paragraphs, runs, cells...), "
                        "the limit for one Word document; split it into several documents"
                    )
    except (zipfile.BadZipFile, zlib.error, OSError, NotImplementedError, ValueError, EOFError) as exc:
        raise InputError(
            f"{path}: the Word document is damaged and cannot be read ({exc}); "
            "open it in Word and save it again"
        ) from exc


def _is_bold(run) -> bool:
    if run.bold is not None:
        return bool(run.bold)
    return bool(run.style is not None and run.style.font.bold)


def _bold_label(paragraph: Paragraph) -> tuple[str, str, bool] | None:
    """(label, the rest, had a colon) when the paragraph starts with a bold label."""
    bold: list[str] = []
    runs = list(paragraph.runs)
    i = 0
    while i < len(runs) and (_is_bold(runs[i]) or not runs[i].text.strip()) and (_is_bold(runs[i]) or bold):
        bold.append(runs[i].text)
        i += 1
    rest = "".join(r.text for r in runs[i:])
    label = "".join(bold).strip()
    colon = label.endswith(":")
    label = label.rstrip(":").strip()
    if not colon and rest.lstrip().startswith(":"):
        colon, rest = True, rest.lstrip()[1:]
    if not label or not _LABELISH.fullmatch(label) or len(label.split()) > 4:
        return None
    if not colon and not rest.strip():
        return None  # a bold heading, not a label
    return label, rest.strip(), colon


def _cells(row) -> list[str]:
    seen, out = set(), []
    for cell in row.cells:
        if id(cell._tc) in seen:  # merged cells repeat
            continue
        seen.add(id(cell._tc))
        out.append(normalise_newlines(cell.text).strip())
    return out


_COLUMN_ROLES = {
    "time": {"time", "timestamp", "start", "start time", "begin", "timecode"},
    "label": {"speaker", "name", "who", "participant", "person", "speaker name"},
    "words": {"text", "words", "transcript", "utterance", "speech", "what was said", "content", "dialogue"},
}


def _header_roles(cells: list[str]) -> dict[str, int] | None:
    """Column roles from a header row such as ``Time | Speaker | Text``."""
    roles = {}
    for i, cell in enumerate(cells):
        for role, names in _COLUMN_ROLES.items():
            if cell.strip().rstrip(":").lower() in names and role not in roles:
                roles[role] = i
    return roles if "label" in roles else None


def _row_turn(cells: list[str], roles: dict[str, int] | None) -> tuple[str | None, str, str]:
    """(time, label, words) of a table row."""
    if roles:
        get = lambda role: cells[roles[role]] if role in roles and roles[role] < len(cells) else ""
        used = set(roles.values())
        words = (
            get("words")
            if "words" in roles
            else " ".join(c for i, c in enumerate(cells) if i not in used and c)
        )
        return get("time") or None, get("label").rstrip(":").strip(), words
    stamp = next((c for c in cells if _TIME.fullmatch(c)), None)
    rest = [c for c in cells if c is not stamp]
    if len(rest) >= 2:
        return stamp, rest[0].rstrip(":").strip(), " ".join(c for c in rest[1:] if c)
    return stamp, "", " ".join(rest)


def _paragraphs(cell) -> list[str]:
    return [" ".join(normalise_newlines(p.text).split()) for p in cell.paragraphs]


def _part_lines(row) -> list[str] | None:
    """A row holding a whole part of an interview: the speakers' names in the first cell
    and their words in the second, one paragraph per turn, aligned paragraph by paragraph
    (empty paragraphs as spacing; a words paragraph beside an empty name continues the
    turn above). None when the row is not laid out so."""
    seen, cells = set(), []
    for cell in row.cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            cells.append(cell)
    if len(cells) != 2:
        return None
    names, words = _paragraphs(cells[0]), _paragraphs(cells[1])
    labels = [n.rstrip(":").strip() for n in names if n]
    if len(labels) < 2 or not all(_LABELISH.fullmatch(n) and len(n.split()) <= 4 for n in labels):
        return None
    said = [i for i, n in enumerate(names) if n and i < len(words) and words[i]]
    if len(said) * 2 < len(labels):
        return None  # names without words beside them: not aligned
    lines = []
    for i in range(max(len(names), len(words))):
        name = names[i].rstrip(":").strip() if i < len(names) else ""
        text = words[i] if i < len(words) else ""
        if name:
            lines.append(f"{name}: {text}" if text else f"{name}:")
        elif text:
            lines.append(text)
    return lines


def _table_lines(table: Table) -> list[str]:
    parts = [_part_lines(r) for r in table.rows]
    if any(parts) and all(
        p is not None or not any(_cells(r)) or _header_roles(_cells(r)) for p, r in zip(parts, table.rows)
    ):
        return [line for part in parts if part for line in ["", *part]]
    rows = [_cells(r) for r in table.rows]
    rows = [r for r in rows if any(r)]
    if not rows:
        return []
    roles = _header_roles(rows[0])
    body = rows[1:] if roles else rows
    turns = [_row_turn(cells, roles) for cells in body]
    labelled = [t for t in turns if _LABELISH.fullmatch(t[1]) and len(t[1].split()) <= 4 and t[2]]
    # Speakers come back; the keys of a cover sheet ("Date | 1 May") do not. A table too
    # short for speakers to recur (Interviewer | question, Dawn | answer) is turns when
    # every row is a label and words, and most of them are said: sentences, unlike the
    # values of a cover sheet (a date, a place, a name).
    repeats = len({t[1] for t in labelled}) < len(labelled)
    spoken = [t for t in labelled if _SAID.search(t[2]) and len(t[2].split()) >= 2]
    said = len(labelled) == len(turns) >= 2 and len(spoken) * 2 >= len(turns)
    if (
        turns
        and len(labelled) * 2 >= len(turns)
        and max(len(r) for r in rows) >= 2
        and (roles or repeats or said)
    ):
        lines = []
        for stamp, label, words in turns:
            if not words:
                continue
            time = f"[{stamp.strip('[]()')}] " if stamp and _TIME.fullmatch(stamp) else ""
            lines.append(f"{time}{label}: {words}" if label else words)
        return lines
    return ["\t".join(c for c in r if c) for r in rows]


def read_docx(path: Path, data: bytes, options: ReadOptions) -> SourceDocument:
    document = _open(path, data)
    blocks = [b for b in document.iter_inner_content() if isinstance(b, Paragraph | Table)]
    tables = sum(isinstance(b, Table) for b in blocks)
    # A bold word without a colon is a label only if it recurs (or is the interviewer's),
    # so that "**Never** again" at the start of one paragraph stays text.
    bold = {id(b): _bold_label(b) for b in blocks if isinstance(b, Paragraph)}
    counts = Counter(found[0] for found in bold.values() if found)
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Table):
            lines.extend(["", *_table_lines(block), ""])
            continue
        found = bold[id(block)] if options.speaker_pattern is None else None
        if found and (
            found[2] or counts[found[0]] >= 2 or is_interviewer_label(found[0], options.interviewer_labels)
        ):
            label, rest, _ = found
            lines.extend(["", f"{label}: {rest}" if rest else f"{label}:"])
        else:
            text = normalise_newlines(block.text).strip()
            if text:
                lines.append(text)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"
    if not text.strip():
        raise InputError(f"{path}: the Word document has no text; check that it is the right file")
    doc = text_document(path, text, options, format="docx", metadata={"tables": tables} if tables else None)
    return doc
