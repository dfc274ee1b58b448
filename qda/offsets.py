"""Quotes cut from a document's stored text by code-point offsets: the offset rule in one place.

Every segment and coding keeps ``start``/``end`` into its document's stored text (code
points, end exclusive), and ``text[start:end]`` is its quote. Python's slicing never
complains: offsets past the end give a short or empty quote silently. These helpers
check the offsets first, so a project whose offsets do not fit its text (a damaged file,
a bug) fails loudly with the document and offsets named instead of exporting wrong
quotes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from qda.errors import ProjectError

__all__ = ["quote", "quotes"]


def quote(text: str, start: int, end: int, *, document: str = "") -> str:
    """``text[start:end]``, once ``0 <= start <= end <= len(text)`` is checked
    (``document`` names the text in the error)."""
    if not 0 <= start <= end <= len(text):
        raise _outside(document, start, end, len(text))
    return text[start:end]


def quotes(
    texts: Mapping[str, str], documents: Iterable[str], starts: Iterable[int], ends: Iterable[int]
) -> list[str]:
    """The quote of each (document, start, end), as :func:`quote`: a table's text column
    (``quotes(texts, df["document_id"], df["start"], df["end"])``)."""
    out = []
    for document, start, end in zip(documents, starts, ends):
        text = texts[document]
        if not 0 <= start <= end <= len(text):
            raise _outside(document, start, end, len(text))
        out.append(text[start:end])
    return out


def _outside(document: str, start: int, end: int, length: int) -> ProjectError:
    where = f"document {document!r}" if document else "the document"
    return ProjectError(
        f"offsets {start}-{end} do not fit {where} ({length} characters); the "
        "project's offsets and texts disagree: restore it from a backup, or "
        "ingest the document again"
    )
