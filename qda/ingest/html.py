"""Web pages (.html, .htm), read with Beautiful Soup (Python's own HTML parser).

The declared charset (``<meta charset>``, ``http-equiv``) or a byte-order mark decides
the decoding (Beautiful Soup's detector, which falls back to guessing). The stored text
is the page's visible text: each block element (paragraph, heading, list item, table
row, ``<br>``) ends a line, inline markup (``<b>Dawn:</b>``) stays inside it, entities
are decoded, and scripts, styles, the head and comments are left out. Speaker labels
are then found as in a text file.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, ProcessingInstruction

from qda.errors import InputError
from qda.ingest.source import ReadOptions, SourceDocument
from qda.ingest.text import text_document

__all__ = ["read_html"]

_BLOCKS = {
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "aside",
    "hr",
    "body",
    "form",
    "figure",
    "figcaption",
    "address",
    "nav",
    "details",
    "summary",
}
_CELLS = {"td", "th"}
_HIDDEN = {
    "script",
    "style",
    "head",
    "title",
    "template",
    "noscript",
    "svg",
    "object",
    "iframe",
    "button",
    "select",
    "textarea",
}
_SKIPPED_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)


def _walk(node, lines: list[str], current: list[str]) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, _SKIPPED_STRINGS):
                current.append(str(child))
            continue
        name = (child.name or "").lower()
        if name in _HIDDEN:
            continue
        if name in _CELLS and current and "".join(current).strip():
            current.append("\t")
        block = name in _BLOCKS
        if block:
            _flush(lines, current)
        _walk(child, lines, current)
        if block:
            _flush(lines, current)


def _flush(lines: list[str], current: list[str]) -> None:
    line = " ".join("".join(current).replace("\xa0", " ").split(" "))
    line = re.sub(r"[ \r\n\f\v]+", " ", line).strip()
    current.clear()
    if line:
        lines.append(line)


def read_html(path: Path, data: bytes, options: ReadOptions) -> SourceDocument:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "looks like a URL/filename" and the like
        try:
            soup = BeautifulSoup(data, "html.parser")
        except (ValueError, AssertionError, RecursionError, LookupError) as exc:
            raise InputError(
                f"{path}: the HTML cannot be read ({exc}); open it in a browser "
                "and save it again, or save the transcript as .docx or .txt"
            ) from exc
    if soup.find(True) is None and b"<" not in data[:4096]:
        raise InputError(f"{path}: has no HTML markup; read it as text with --format text, or rename it .txt")
    lines: list[str] = []
    current: list[str] = []
    try:
        _walk(soup, lines, current)
    except RecursionError as exc:
        raise InputError(
            f"{path}: its HTML is nested too deeply to read; save the transcript as .docx or .txt"
        ) from exc
    _flush(lines, current)
    text = "".join(c for c in "\n".join(lines) if c in "\n\t" or c >= " " and c != "\x7f")
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"
    if not text.strip():
        raise InputError(f"{path}: the web page has no visible text; check that it is the right file")
    meta = {"encoding": soup.original_encoding} if soup.original_encoding else None
    return text_document(path, text, options, format="html", metadata=meta)
