"""Rich Text Format (.rtf), read with striprtf.

RTF is 7-bit text with escapes (``\\'e9``, ``\\u233?``); striprtf turns it into plain
text (the code page the file declares with ``\\ansicpg`` honoured), and speaker labels are
then found as in a text file.
"""

from __future__ import annotations

import re
from pathlib import Path

from striprtf.striprtf import rtf_to_text

from qda.errors import InputError
from qda.ingest.source import ReadOptions, SourceDocument, normalise_newlines
from qda.ingest.text import text_document

__all__ = ["read_rtf"]

_CODEPAGE = re.compile(rb"\\ansicpg(\d+)")


def read_rtf(path: Path, data: bytes, options: ReadOptions) -> SourceDocument:
    if not data.lstrip().startswith(b"{\\rtf"):
        raise InputError(
            f"{path}: is not an RTF file (it does not start with '{{\\rtf'); "
            "open it in a word processor and save it as .rtf, .docx or .txt"
        )
    page = _CODEPAGE.search(data[:4096])
    encoding = f"cp{int(page.group(1))}" if page else "cp1252"
    try:
        "".encode(encoding)
    except LookupError:
        encoding = "cp1252"
    try:
        text = rtf_to_text(data.decode("latin-1"), encoding=encoding, errors="replace")
    except (ValueError, IndexError, KeyError, OverflowError, RecursionError) as exc:
        raise InputError(
            f"{path}: the RTF file is damaged and cannot be read ({exc}); open "
            "it in a word processor and save it again"
        ) from exc
    text = "\n".join(line.strip() for line in normalise_newlines(text).split("\n"))
    text = "".join(c for c in text if c in "\n\t" or c >= " ")
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"
    if not text.strip():
        raise InputError(f"{path}: the RTF file has no text; check that it is the right file")
    return text_document(path, text, options, format="rtf")
