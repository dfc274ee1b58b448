"""Old binary Word files (.doc): not read, refused with what to do."""

from __future__ import annotations

from pathlib import Path

from qda.errors import InputError
from qda.ingest.source import ReadOptions, SourceDocument

__all__ = ["read_doc"]


def read_doc(path: Path, data: bytes, options: ReadOptions) -> SourceDocument:
    raise InputError(
        f"{path}: is an old Word .doc file, which qda does not read; open it in "
        "Word or LibreOffice and save it as .docx (File > Save As > Word "
        "Document), then import the .docx"
    )
