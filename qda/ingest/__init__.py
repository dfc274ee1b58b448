"""Readers: files in, :class:`SourceDocument` (stored text + speaker turns) out.

Each format has one module; :func:`read_document` picks one by extension.
Readers are pure: they never touch the project.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from qda.errors import InputError
from qda.ingest.participants import ParticipantsSheet, read_participants
from qda.ingest.source import KNOWN_EXTENSIONS, ReadOptions, SourceDocument, document_key
from qda.ingest.speakers import Turn, find_turns
from qda.ingest.text import read_text

__all__ = [
    "MAX_FILE_BYTES",
    "ParticipantsSheet",
    "ReadOptions",
    "SourceDocument",
    "Turn",
    "collect_inputs",
    "document_key",
    "find_turns",
    "read_document",
    "read_participants",
]

#: Files larger than this are refused (a transcript of 50 MB is ~8 million words;
#: anything larger is almost certainly the wrong file).
MAX_FILE_BYTES = 50 * 1024 * 1024

_READERS = {".txt": read_text, ".md": read_text, ".text": read_text}
_SHEET_NAMES = {"participants.csv", "participants.xlsx"}


def read_document(path: str | Path, options: ReadOptions | None = None) -> SourceDocument:
    """Read one transcript file into a :class:`SourceDocument`."""
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise InputError(
            f"{path}: unsupported file type {path.suffix or '(no extension)'!r}; "
            f"qda reads {', '.join(sorted(_READERS))}"
        )
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the files in it or the folder to `qda ingest`")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path}: is empty (0 bytes); check that it is the right file")
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"{path}: is {size / 1e6:.0f} MB, over the {MAX_FILE_BYTES // 2**20} MB limit for one "
            "document; split it into several files"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read: {exc.strerror}") from exc
    options = options or ReadOptions()
    doc = reader(path, data, interviewer_labels=options.interviewer_labels)
    doc.sha256 = hashlib.sha256(data).hexdigest()
    doc.path = str(path)
    return doc


def collect_inputs(paths: Iterable[str | Path]) -> tuple[list[Path], Path | None]:
    """Expand folders into the transcripts inside them (sorted, non-recursive).

    A ``participants.csv``/``.xlsx`` inside a given folder is returned as the
    participants sheet rather than read as a transcript.
    """
    files: list[Path] = []
    sheet: Path | None = None
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            for p in found:
                if p.name.lower() in _SHEET_NAMES:
                    sheet = sheet or p
                elif p.suffix.lower() in KNOWN_EXTENSIONS:
                    files.append(p)
            if not any(p.suffix.lower() in KNOWN_EXTENSIONS for p in found):
                raise InputError(f"{path}: holds no transcripts ({', '.join(KNOWN_EXTENSIONS)})")
        elif not path.exists():
            raise InputError(f"{path}: no such file or folder")
        else:
            files.append(path)
    return files, sheet
