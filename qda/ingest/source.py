"""What every reader returns: the stored text and its speaker turns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qda.errors import InputError
from qda.ingest.speakers import Turn
from qda.limits import MAX_SEGMENT_CHARS

__all__ = [
    "ReadOptions",
    "SourceDocument",
    "normalise_newlines",
    "document_key",
    "check_turn_sizes",
    "check_zip_parts",
    "KNOWN_EXTENSIONS",
    "RESERVED_ATTRIBUTES",
    "attribute_column",
]

#: Names a participant attribute cannot have: the columns of the tables the attributes
#: are joined to (segments, codings, participants, quotes, the segments CSV and sheet).
#: A participants sheet with such a column is refused; a survey column of that name is
#: kept as ``attribute_<name>`` (:func:`attribute_column`).
RESERVED_ATTRIBUTES = frozenset(
    {
        "participant",
        "participant_id",
        "document",
        "document_id",
        "speaker",
        "label",
        "auto",
        "segment_id",
        "position",
        "unit",
        "start",
        "end",
        "text",
        "question",
        "begin_time",
        "end_time",
        "is_interviewer",
        "code",
        "code_id",
        "codes",
        "attribution",
    }
)


def attribute_column(name: str, taken) -> str:
    """The column an attribute gets in a table whose other columns are ``taken``: its
    name, or ``attribute_<name>`` (``attribute_attribute_<name>``, ...) on a clash."""
    taken = set(taken)
    while name in taken:
        name = f"attribute_{name}"
    return name


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF: the stored text always uses ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file; every reader takes the same options and ignores the rest."""

    format: str | None = None  # force a reader instead of the extension
    interviewer_labels: tuple[str, ...] = ()  # more labels that mark the interviewer
    speaker_pattern: str | None = None  # a house-style label regex (group 'label')
    text_columns: tuple[str, ...] = ()  # survey tables: the answer columns
    id_column: str | None = None  # survey tables: the respondent column
    #: several survey tables read at once (a folder): a table without a named column
    #: uses the named ones it has, else finds its own (and says so), instead of refusing
    lenient_columns: bool = False
    #: keep consecutive turns of one speaker apart (one per utterance, cue or label)
    #: instead of making each run of one speaker one turn (``--utterances``)
    utterances: bool = False


@dataclass
class SourceDocument:
    """A read file: ``text`` is what the project stores; turns index into it."""

    name: str
    format: str
    text: str
    turns: list[Turn]
    labelled: bool  # True when the turns come from speaker labels (or respondents)
    metadata: dict[str, Any] = field(default_factory=dict)
    sha256: str = ""
    path: str = ""
    #: the unit the file itself is made of, e.g. ``response`` for a survey table
    unit: str | None = None
    #: attributes the file gives for its speakers (survey columns), by speaker label
    respondents: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: things the reader noticed that the researcher should see (the ingest report)
    warnings: list[str] = field(default_factory=list)


def check_turn_sizes(doc: SourceDocument, where: str) -> None:
    """Refuse a turn (so a segment) longer than :data:`MAX_SEGMENT_CHARS` characters:
    spaCy will not read it (E088), and a segment never crosses a turn."""
    for turn in doc.turns:
        size = turn.end - turn.start
        if size > MAX_SEGMENT_CHARS:
            line = doc.text.count("\n", 0, turn.start) + 1
            raise InputError(
                f"{where}, line {line}: one passage (a turn or paragraph) is {size:,} "
                f"characters long, over the limit of {MAX_SEGMENT_CHARS:,} characters for "
                "one segment; split it into paragraphs (blank lines) or speaker turns"
            )


def document_key(name: str) -> str:
    """The document id a file name gets: its stem, lower-cased, as a slug.

    ``Staff 01 (Kent).txt`` -> ``staff-01-kent``. Participants sheets may name a
    document by file name, stem or id; all three map to the same key.
    """
    stem = name.strip()
    for ext in KNOWN_EXTENSIONS:
        if stem.lower().endswith(ext):
            stem = stem[: -len(ext)]
            break
    slug = re.sub(r"[^\w]+", "-", stem.lower(), flags=re.UNICODE).strip("-_")
    return slug or "document"


KNOWN_EXTENSIONS = (
    ".txt",
    ".md",
    ".text",
    ".docx",
    ".pdf",
    ".vtt",
    ".srt",
    ".csv",
    ".xlsx",
    ".xlsm",
    ".odt",
    ".rtf",
    ".html",
    ".htm",
    ".doc",
)


def check_zip_parts(path: Path, data: bytes, what: str) -> None:
    """Refuse an Office file (.docx, .xlsx) whose parts inflate past
    :data:`qda.limits.MAX_INFLATED_MEMBER_BYTES` or more than :data:`qda.limits.MAX_ZIP_RATIO`
    times their packed size, before any XML is parsed: a 1 MB .docx whose document.xml
    inflated to 1 GB took 24 s and 2.2 GB. The XML parts are inflated here in chunks and
    counted (a zip's directory can lie about sizes); a damaged zip is left to the reader."""
    import io
    import zipfile
    import zlib

    from qda.limits import MAX_INFLATED_MEMBER_BYTES, MAX_RATIO_FLOOR_BYTES, MAX_ZIP_RATIO

    limit_mb = MAX_INFLATED_MEMBER_BYTES // 1024**2

    def refuse(name: str, why: str) -> InputError:
        return InputError(
            f"{path}: refused: its part {name!r} {why}; this is not an ordinary "
            f"{what} (a zip bomb or a generated file). Open it in its program "
            "and save it again, or split it"
        )

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                if info.file_size > MAX_INFLATED_MEMBER_BYTES:
                    raise refuse(
                        info.filename,
                        f"inflates to {info.file_size / 1e6:.0f} MB, "
                        f"over the {limit_mb} MB limit (MAX_INFLATED_MEMBER_BYTES)",
                    )
                if info.file_size > MAX_RATIO_FLOOR_BYTES and info.file_size > MAX_ZIP_RATIO * max(
                    info.compress_size, 1
                ):
                    raise refuse(
                        info.filename,
                        f"inflates over {MAX_ZIP_RATIO} times its packed size (the limit MAX_ZIP_RATIO)",
                    )
                if not info.filename.lower().endswith((".xml", ".rels")):
                    continue
                budget = min(
                    MAX_INFLATED_MEMBER_BYTES, max(MAX_RATIO_FLOOR_BYTES, MAX_ZIP_RATIO * info.compress_size)
                )
                with zf.open(info) as fh:
                    total = 0
                    while chunk := fh.read(1024 * 1024):
                        total += len(chunk)
                        if total > budget:
                            raise refuse(
                                info.filename,
                                "inflates past what its directory "
                                f"says, over the limit ({MAX_ZIP_RATIO} times its "
                                f"packed size, at most {limit_mb} MB)",
                            )
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, ValueError, RuntimeError):
        return  # damaged: the reader says so in its own words
