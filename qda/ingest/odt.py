"""OpenDocument text (.odt, as LibreOffice writes it), read with odfpy.

The stored text is built like a Word document's: paragraphs and headings in order,
one per line (spaces, tabs and line breaks as written; footnotes, comments and
tracked deletions left out), list items as paragraphs, a table one line per row with
its cells separated by tabs. Speaker labels are then found as in a text file.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path

from odf.namespaces import OFFICENS, TABLENS, TEXTNS
from odf.opendocument import load

from qda.errors import InputError
from qda.ingest.source import ReadOptions, SourceDocument, normalise_newlines
from qda.ingest.text import text_document

__all__ = ["read_odt"]

_MIMETYPE = "application/vnd.oasis.opendocument.text"
#: elements whose text is not the document's running text
_LEFT_OUT = {
    (TEXTNS, "note"),
    (OFFICENS, "annotation"),
    (TEXTNS, "tracked-changes"),
    (TEXTNS, "sequence-decls"),
    (TEXTNS, "variable-decls"),
    (OFFICENS, "forms"),
    (TEXTNS, "table-of-content"),
    (TEXTNS, "soft-page-break"),
}
_BLOCKS = {(TEXTNS, "p"), (TEXTNS, "h")}


def _open(path: Path, data: bytes):
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"{path}: is an old binary office file, not OpenDocument text; open "
            "it in LibreOffice or Word and save it as .odt or .docx"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            mimetype = (
                archive.read("mimetype").decode("ascii", "replace").strip()
                if "mimetype" in archive.namelist()
                else ""
            )
            if "content.xml" not in archive.namelist():
                raise InputError(
                    f"{path}: is a zip archive without content.xml, so not an "
                    "OpenDocument file; save it from LibreOffice as .odt"
                )
    except (zipfile.BadZipFile, OSError, NotImplementedError, ValueError, EOFError, zlib.error) as exc:
        raise InputError(
            f"{path}: is not an OpenDocument .odt file (not a readable zip "
            f"archive: {exc}); open it in LibreOffice and save it again"
        ) from exc
    if mimetype and mimetype != _MIMETYPE:
        raise InputError(
            f"{path}: is OpenDocument of another kind ({mimetype}), not a text "
            "document; save the transcript from LibreOffice Writer as .odt"
        )
    try:
        return load(io.BytesIO(data))
    except InputError:
        raise
    except Exception as exc:  # expat, zlib, KeyError...: all mean a damaged package
        raise InputError(
            f"{path}: the OpenDocument file is damaged and cannot be read "
            f"({exc.__class__.__name__}); open it in LibreOffice and save it "
            "again"
        ) from exc


def _inline(node, out: list[str]) -> None:
    """The text of a paragraph's contents, as written."""
    for child in node.childNodes:
        if child.nodeType == child.TEXT_NODE:
            out.append(child.data)
            continue
        name = getattr(child, "qname", None)
        if name in _LEFT_OUT:
            continue
        if name == (TEXTNS, "s"):
            out.append(" " * int(child.getAttribute("c") or 1))
        elif name == (TEXTNS, "tab"):
            out.append("\t")
        elif name == (TEXTNS, "line-break"):
            out.append("\n")
        else:
            _inline(child, out)


def _text_of(node) -> str:
    out: list[str] = []
    _inline(node, out)
    return normalise_newlines("".join(out)).strip()


def _row(row) -> str:
    cells = []
    for cell in row.childNodes:
        if getattr(cell, "qname", None) == (TABLENS, "table-cell"):
            lines: list[str] = []
            _lines(cell, lines)
            cells.append(" ".join(line for line in lines if line))
    return "\t".join(c for c in cells if c)


def _lines(node, lines: list[str]) -> None:
    """Paragraphs (in lists, sections, frames, tables) in document order."""
    for child in node.childNodes:
        name = getattr(child, "qname", None)
        if name is None or name in _LEFT_OUT:
            continue
        if name in _BLOCKS:
            lines.append(_text_of(child))
        elif name == (TABLENS, "table-row"):
            lines.append(_row(child))
        else:
            _lines(child, lines)


def read_odt(path: Path, data: bytes, options: ReadOptions) -> SourceDocument:
    document = _open(path, data)
    lines: list[str] = []
    _lines(document.text, lines)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"
    if not text.strip():
        raise InputError(f"{path}: the OpenDocument file has no text; check that it is the right file")
    return text_document(path, text, options, format="odt")
