"""Where key terms still occur: in texts the caller lists, or in export files.

:func:`scan_texts` takes (source, place, column, text) tuples and returns one row per
occurrence. :func:`scan_file` reads an export file completely first:

- ``.csv``, ``.md``, ``.txt``, ``.tsv``, ``.json``: the decoded text;
- ``.xlsx``: every cell of every sheet (openpyxl), cell comments and sheet names;
- ``.docx``: every paragraph, table cell, header and footer (python-docx), and the
  document properties;
- ``.qdpx``/``.qdc`` and other zip/XML files: every member's text (XML members with
  the markup removed and entities decoded), recursing into documents inside.

A file of another kind is an :class:`~qda.errors.InputError`: it was not checked.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from qda.anonymise.key import Key
from qda.errors import InputError

__all__ = ["COLUMNS", "file_texts", "scan_file", "scan_texts"]

COLUMNS = ["source", "place", "column", "term", "kind", "found", "context"]
_TEXT_SUFFIXES = {".csv", ".md", ".txt", ".tsv", ".json", ".html", ".htm", ".yaml", ".yml"}
_TAG = re.compile(r"<[^>]*>")


def scan_texts(items: Iterable[tuple[str, str, str, str]], key: Key) -> pd.DataFrame:
    """One row per key term found: ``source, place, column, term, kind, found, context``."""
    rows = []
    for source, place, column, text in items:
        if not isinstance(text, str) or not text:
            continue
        for m in key.matches(text):
            lo, hi = max(0, m.start - 30), min(len(text), m.end + 30)
            context = " ".join(
                (text[lo : m.start] + "[" + text[m.start : m.end] + "]" + text[m.end : hi]).split()
            )
            rows.append(
                (source, place, column, m.entry.original, m.entry.kind, text[m.start : m.end], context)
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def scan_file(path: str | Path, key: Key) -> pd.DataFrame:
    path = Path(path)
    return scan_texts(((str(path), place, "", text) for place, text in file_texts(path)), key)


def file_texts(path: Path) -> list[tuple[str, str]]:
    """(place, text) for everything readable in an export file."""
    if not path.is_file():
        raise InputError(f"{path}: no such file to check")
    suffix = path.suffix.lower()
    data = path.read_bytes()
    try:
        return _texts(path.name, suffix, data)
    except InputError:
        raise
    except Exception as exc:  # a damaged file: say so rather than pass it as clean
        raise InputError(f"{path}: cannot be read to check it ({type(exc).__name__}: {exc})") from exc


def _texts(name: str, suffix: str, data: bytes) -> list[tuple[str, str]]:
    if suffix in _TEXT_SUFFIXES:
        return [("text", data.decode("utf-8-sig", errors="replace"))]
    if suffix in (".xlsx", ".xlsm"):
        # Cells by coordinate; the rest of the package (properties, comments) as members.
        return _xlsx(data) + _zip(data, skip=("xl/worksheets/", "xl/sharedStrings"))
    if suffix == ".docx":
        return _docx(data) + _zip(
            data, skip=("word/document.xml", "word/header", "word/footer", "docProps/core.xml")
        )
    if suffix in (".qdpx", ".zip"):
        return _zip(data)
    if suffix in (".qde", ".qdc", ".xml", ".svg"):
        return [("xml", _xml_text(data))]
    raise InputError(
        f"{name}: cannot check {suffix or 'files without an extension'} files; "
        "give .xlsx, .csv, .md, .docx, .qdpx, .qdc or a text file"
    )


def _xlsx(data: bytes) -> list[tuple[str, str]]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=False, data_only=False)
    out = []
    for ws in wb.worksheets:
        out.append((f"sheet {ws.title!r} name", ws.title))
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    out.append((f"sheet {ws.title!r} cell {cell.coordinate}", str(cell.value)))
                if cell.comment is not None:
                    out.append((f"sheet {ws.title!r} comment {cell.coordinate}", cell.comment.text))
    return out


def _docx(data: bytes) -> list[tuple[str, str]]:
    import docx

    doc = docx.Document(io.BytesIO(data))
    out = [(f"paragraph {i}", p.text) for i, p in enumerate(doc.paragraphs, 1)]
    for t, table in enumerate(doc.tables, 1):
        for r, row in enumerate(table.rows, 1):
            for c, cell in enumerate(row.cells, 1):
                out.append((f"table {t} row {r} cell {c}", cell.text))
    for s, section in enumerate(doc.sections, 1):
        for part, what in ((section.header, "header"), (section.footer, "footer")):
            out += [(f"section {s} {what}", p.text) for p in part.paragraphs]
    props = doc.core_properties
    out += [
        (f"property {n}", str(getattr(props, n) or ""))
        for n in ("author", "title", "subject", "keywords", "comments", "last_modified_by")
    ]
    return out


def _zip(data: bytes, *, skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Every member of a zip file: XML without markup, text as text, known files within."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.is_dir() or info.filename.startswith(skip):
                continue
            member = zf.read(info)
            suffix = Path(info.filename).suffix.lower()
            place = f"member {info.filename}"
            if suffix in (".xml", ".rels", ".qde", ".qdc", ".vml"):
                out.append((place, _xml_text(member)))
            elif suffix in _TEXT_SUFFIXES:
                out.append((place, member.decode("utf-8-sig", errors="replace")))
            elif suffix in (".docx", ".xlsx"):
                out += [(f"{place} {p}", t) for p, t in _texts(info.filename, suffix, member)]
            elif suffix == ".pdf":
                out.append((place, _pdf_text(member)))
    return out


def _xml_text(data: bytes) -> str:
    """The text of an XML document: attribute values and character data, markup removed.
    Text runs split across tags (Word splits words into runs) are joined without a space."""
    text = data.decode("utf-8", errors="replace")
    attrs = " ".join(html.unescape(v) for v in re.findall(r'="([^"]*)"', text))
    return html.unescape(_TAG.sub("", text)) + "\n" + attrs


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
