"""Plain-text transcripts (.txt, .md): decode, normalise newlines, find turns."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from pathlib import Path

from qda.errors import InputError
from qda.ingest.source import SourceDocument, normalise_newlines
from qda.ingest.speakers import find_turns, paragraph_turns

__all__ = ["read_text", "decode_text"]

# A transcriber's note on the first line, e.g. "[Written submission. Names changed.]",
# is a header, not something the author said.
_BRACKETED_HEADER = re.compile(r"\A\s*\[[^\]\n]*\][ \t]*(?:\n|\Z)")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes, path: Path) -> str:
    """Bytes to str: UTF-8 (with or without BOM) or BOM-marked UTF-16."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{path}: is marked as {encoding.upper()} but byte {exc.start} is not valid "
                    f"{encoding.upper()}; re-save the file as UTF-8"
                ) from exc
    if b"\x00" in data[:8192]:
        raise InputError(f"{path}: looks like a binary file, not text; give a transcript "
                         "saved as plain text (.txt)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}: line {line}: byte {exc.start} is not UTF-8; re-save the file as UTF-8 text"
        ) from exc


def read_text(path: Path, data: bytes, *, interviewer_labels: Iterable[str] = ()) -> SourceDocument:
    text = normalise_newlines(decode_text(data, path))
    if not text.strip():
        raise InputError(f"{path}: has no text; check that it is the right file")
    turns, header_end = find_turns(text, interviewer_labels=interviewer_labels)
    labelled = bool(turns)
    if not labelled:
        note = _BRACKETED_HEADER.match(text)
        header_end = note.end() if note else 0
        turns = paragraph_turns(text, header_end)
    if not turns:
        raise InputError(f"{path}: has only a header ({text.strip()[:60]!r}) and no transcript "
                         "text; check that it is the right file")
    return SourceDocument(
        name=path.name,
        format="text",
        text=text,
        turns=turns,
        labelled=labelled,
        metadata={"header": text[:header_end].strip()} if text[:header_end].strip() else {},
    )
