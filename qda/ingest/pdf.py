"""PDFs with a text layer, read with pypdf.

pypdf is pure Python (no system libraries to install), maintained by the py-pdf
project, reads encrypted files (and opens those with only an owner password, as a
PDF viewer does) and extracts text page by page. The pages' text is joined with
newlines and speaker labels are found as in a text file. A scanned PDF has no text
layer: it is refused with a message saying to run OCR first.
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

from qda.errors import InputError
from qda.ingest.source import ReadOptions, SourceDocument, normalise_newlines
from qda.ingest.text import text_document

__all__ = ["read_pdf"]


def _clean(text: str) -> str:
    """Control characters some PDFs carry (NUL, form feed) are dropped; newlines stay."""
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")


def read_pdf(path: Path, data: bytes, options: ReadOptions) -> SourceDocument:
    if b"%PDF" not in data[:1024]:
        raise InputError(f"{path}: is not a PDF (no %PDF header); check that it is the right file")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except (DependencyError, NotImplementedError) as exc:
                raise InputError(f"{path}: is encrypted in a way qda cannot open ({exc}); "
                                 "save an unencrypted copy (print to PDF)") from exc
            if not opened:
                raise InputError(f"{path}: is password-protected; remove the password (open it "
                                 "and save or print an unprotected copy) and import that")
        pages = [_clean(normalise_newlines(page.extract_text() or "")).strip()
                 for page in reader.pages]
    except InputError:
        raise
    except FileNotDecryptedError as exc:
        raise InputError(f"{path}: is password-protected; remove the password and import "
                         "an unprotected copy") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError,
            RecursionError, AssertionError, IndexError) as exc:
        raise InputError(f"{path}: cannot be read as a PDF ({exc}); it may be damaged; "
                         "open it and save it again") from exc
    if not any(pages):
        raise InputError(
            f"{path}: has no text layer ({len(pages)} page(s) of images, e.g. a scan); OCR is "
            "needed first: run it through OCR software (e.g. ocrmypdf) and import the result"
        )
    text = "\n".join(p for p in pages if p) + "\n"
    return text_document(path, text, options, format="pdf", metadata={"pages": len(pages)})
