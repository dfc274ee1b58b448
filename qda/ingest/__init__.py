"""Readers: files in, :class:`SourceDocument` (stored text + speaker turns) out.

Each format has one module; :func:`read_document` picks one by ``--format`` or
extension and does the checks every format shares (missing, folder, empty, size).
Readers are pure: they never touch the project.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Iterable
from pathlib import Path

from qda.errors import InputError
from qda.ingest.participants import ParticipantsSheet, read_participants
from qda.ingest.source import (
    KNOWN_EXTENSIONS,
    ReadOptions,
    SourceDocument,
    check_turn_sizes,
    document_key,
)
from qda.ingest.speakers import Turn, compile_speaker_pattern, find_turns
from qda.limits import MAX_DOCUMENT_BYTES

__all__ = [
    "FORMATS",
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
MAX_FILE_BYTES = MAX_DOCUMENT_BYTES

#: format name -> "module:function"; each reader is ``reader(path, data, options)``.
#: Imported on first use so that reading a .txt never loads pandas, pypdf or webvtt.
FORMATS = {
    "text": "qda.ingest.text:read_text",
    "transcript-export": "qda.ingest.exports:read_export",
    "docx": "qda.ingest.word:read_docx",
    "pdf": "qda.ingest.pdf:read_pdf",
    "vtt": "qda.ingest.subtitles:read_vtt",
    "srt": "qda.ingest.subtitles:read_srt",
    "survey": "qda.ingest.survey:read_survey",
    "odt": "qda.ingest.odt:read_odt",
    "rtf": "qda.ingest.rtf:read_rtf",
    "html": "qda.ingest.html:read_html",
    "doc": "qda.ingest.doc:read_doc",
}
_ALIASES = {
    "zoom": "transcript-export",
    "teams": "transcript-export",
    "otter": "transcript-export",
    "txt": "text",
    "md": "text",
    "csv": "survey",
    "xlsx": "survey",
    "webvtt": "vtt",
    "htm": "html",
}
_BY_EXTENSION = {
    ".txt": "text",
    ".md": "text",
    ".text": "text",
    ".docx": "docx",
    ".pdf": "pdf",
    ".vtt": "vtt",
    ".srt": "srt",
    ".csv": "survey",
    ".xlsx": "survey",
    ".xlsm": "survey",
    ".odt": "odt",
    ".rtf": "rtf",
    ".html": "html",
    ".htm": "html",
    ".doc": "doc",
}
assert set(_BY_EXTENSION) == set(KNOWN_EXTENSIONS)
_SHEET_NAMES = {"participants.csv", "participants.xlsx", "participants.xlsm"}
# REFI-QDA exchange files are not transcripts: a project is imported whole, on its own.
_EXCHANGE = {
    ".qdpx": "is a REFI-QDA project; import it on its own with `qda ingest F.qdpx` "
    "(Project.import_qdpx), not among transcripts",
    ".qdc": "is a REFI-QDA codebook; load it with `qda codebook load F.qdc`",
}


def format_for(path: Path, format: str | None = None) -> str:
    """The reader's name for a file: ``format`` if given (or an alias), else by extension."""
    if format:
        name = format.strip().lower()
        name = _ALIASES.get(name, name)
        if name not in FORMATS:
            raise InputError(
                f"{path}: unknown format {format!r}; use one of {', '.join(FORMATS)} (or zoom, teams, otter)"
            )
        return name
    by_extension = _BY_EXTENSION.get(path.suffix.lower())
    if by_extension is None and path.suffix.lower() in _EXCHANGE:
        raise InputError(f"{path}: {_EXCHANGE[path.suffix.lower()]}")
    if by_extension is None:
        raise InputError(
            f"{path}: unsupported file type {path.suffix or '(no extension)'!r}; "
            f"qda reads {', '.join(KNOWN_EXTENSIONS)}, or name a format with --format"
        )
    return by_extension


def read_document(path: str | Path, options: ReadOptions | None = None) -> SourceDocument:
    """Read one file into a :class:`SourceDocument`, by ``options.format`` or extension."""
    path = Path(path)
    options = options or ReadOptions()
    name = format_for(path, options.format)
    if options.speaker_pattern is not None:
        compile_speaker_pattern(options.speaker_pattern)  # a bad pattern fails before reading
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
    module, _, function = FORMATS[name].partition(":")
    reader = getattr(importlib.import_module(module), function)
    doc = reader(path, data, options)
    doc = _common_rules(path, doc, options)
    check_turn_sizes(doc, str(path))
    doc.sha256 = hashlib.sha256(data).hexdigest()
    doc.path = str(path)
    return doc


def _common_rules(path: Path, doc: SourceDocument, options: ReadOptions) -> SourceDocument:
    """What every reader's document goes through (:mod:`qda.ingest.runs`): near-copy
    labels named, runs of one speaker made one turn, unlabelled text said so."""
    from qda.ingest.runs import label_warnings, merge_runs, no_labels_warning

    if doc.unit is not None:  # survey responses are their own unit
        return doc
    if not doc.labelled:
        doc.warnings.append(no_labels_warning(path.name, doc.text))
        return doc
    doc.warnings.extend(label_warnings(path.name, doc.turns))
    return doc if options.utterances else merge_runs(doc)


def collect_inputs(
    paths: Iterable[str | Path], *, others: list[tuple[Path, str]] | None = None
) -> tuple[list[Path], Path | None]:
    """Expand folders into the transcripts inside them (sorted, non-recursive).

    A ``participants.csv``/``.xlsx`` inside a given folder is returned as the
    participants sheet rather than read; any other ``.csv``/``.xlsx`` there is a
    survey table. ``others``, when given, receives every other file of a folder with why
    it is not a transcript (hidden files excepted), so that every file is accounted for.
    """
    others = [] if others is None else others
    files: list[Path] = []
    sheet: Path | None = None
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            # Hidden files and Office lock files ("~$interview.docx") are not documents.
            found = sorted(p for p in path.iterdir() if not p.name.startswith("."))
            documents = []
            for p in found:
                if p.is_dir():
                    others.append((p, "a folder (folders inside are not read)"))
                    continue
                if p.name.startswith("~$"):
                    others.append((p, "an Office lock file"))
                    continue
                if p.name.lower() in _SHEET_NAMES:
                    sheet = sheet or p
                elif p.suffix.lower() in _EXCHANGE:
                    raise InputError(
                        f"{p}: {_EXCHANGE[p.suffix.lower()]}; move it out of "
                        f"{path} or give the transcripts by name"
                    )
                elif p.suffix.lower() in KNOWN_EXTENSIONS:
                    documents.append(p)
                else:
                    others.append((p, f"not a transcript type ({p.suffix or 'no extension'})"))
            if not documents:
                raise InputError(f"{path}: holds no transcripts ({', '.join(KNOWN_EXTENSIONS)})")
            files.extend(documents)
        elif not path.exists():
            raise InputError(f"{path}: no such file or folder")
        else:
            files.append(path)
    return files, sheet
