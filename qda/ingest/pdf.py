"""PDFs with a text layer, read with pypdf.

pypdf is pure Python (no system libraries to install), maintained by the py-pdf
project, reads encrypted files (and opens those with only an owner password, as a
PDF viewer does) and extracts text page by page. The pages' text is joined with
newlines and speaker labels are found as in a text file. A scanned PDF has no text
layer: it is refused with a message saying to run OCR first.
"""

from __future__ import annotations

import io
import logging
import unicodedata
from contextlib import contextmanager
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

from qda.errors import InputError
from qda.ingest.source import ReadOptions, SourceDocument, normalise_newlines
from qda.ingest.text import text_document

__all__ = ["read_pdf"]


def _clean(text: str) -> str:
    """Control characters some PDFs carry (NUL, form feed) are dropped; newlines stay."""
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")


@contextmanager
def _quiet_pypdf():
    """pypdf logs every repair it makes to a damaged file ("incorrect startxref
    pointer"); the user gets our one error line or the document, not those."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def read_pdf(path: Path, data: bytes, options: ReadOptions) -> SourceDocument:
    with _quiet_pypdf():
        return _read_pdf(path, data, options)


def _read_pdf(path: Path, data: bytes, options: ReadOptions) -> SourceDocument:
    if b"%PDF" not in data[:1024]:
        raise InputError(f"{path}: is not a PDF (no %PDF header); check that it is the right file")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except (DependencyError, NotImplementedError) as exc:
                raise InputError(
                    f"{path}: is encrypted in a way qda cannot open ({exc}); "
                    "save an unencrypted copy (print to PDF)"
                ) from exc
            if not opened:
                raise InputError(
                    f"{path}: is password-protected; remove the password (open it "
                    "and save or print an unprotected copy) and import that"
                )
        pages = [_clean(normalise_newlines(page.extract_text() or "")).strip() for page in reader.pages]
    except InputError:
        raise
    except FileNotDecryptedError as exc:
        raise InputError(
            f"{path}: is password-protected; remove the password and import an unprotected copy"
        ) from exc
    except (
        PyPdfError,
        NotImplementedError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        OSError,
        RecursionError,
        AssertionError,
        IndexError,
        ZeroDivisionError,
    ) as exc:
        raise InputError(
            f"{path}: cannot be read as a PDF ({exc}); it may be damaged; open it and save it again"
        ) from exc
    if not any(pages):
        raise InputError(
            f"{path}: has no text layer ({len(pages)} page(s) of images, e.g. a scan); OCR is "
            "needed first: run it through OCR software (e.g. ocrmypdf) and import the result"
        )
    text = "\n".join(p for p in pages if p) + "\n"
    return text_document(path, text, options, format="pdf", metadata={"pages": len(pages)})
