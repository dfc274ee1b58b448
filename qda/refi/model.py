"""The plain data a REFI-QDA project is written from and read into.

Pure data, no project and no SQL: :mod:`qda.project.exchange` fills these from a
project for export and puts them into a project after import.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qda.codebook import Codebook
from qda.display import Shown

__all__ = ["RefiDocument", "RefiCoding", "RefiCase", "RefiMemo", "RefiProject", "ImportReport"]


@dataclass(frozen=True)
class RefiDocument:
    """A text source: ``text`` is exactly what offsets index (qda's stored text)."""

    id: str
    name: str
    text: str
    created_at: str | None = None


@dataclass(frozen=True)
class RefiCoding:
    """A code applied to ``document.text[start:end]`` (code points, end exclusive)."""

    document: str
    start: int
    end: int
    code: str
    coder: str
    created_at: str | None = None
    source: str = "human"  # qda's source; an import is always 'import'
    status: str = "accepted"  # 'suggested' for a suggestion (export --suggestions)
    confidence: float | None = None
    note: str | None = None  # the coding's review note (a REFI Note)


@dataclass(frozen=True)
class RefiCase:
    """A participant: whole documents and spans of documents that are theirs."""

    id: str
    label: str
    attributes: dict[str, str] = field(default_factory=dict)
    documents: tuple[str, ...] = ()  # document ids wholly theirs
    spans: tuple[tuple[str, int, int], ...] = ()  # (document, start, end)
    auto: bool = False  # made up by qda for a speaker


@dataclass(frozen=True)
class RefiMemo:
    """A memo (a REFI ``Note``) and what it is about: ``target`` is ``project``,
    ``document`` (a document id), ``participant`` (a case id), ``code`` (a code id) or
    ``coding``; a coding is named by its place, ``target_id`` = (document, start, end,
    code, coder, source), since codings have no ids in a file. On import, a note on a
    selection is about its ``document`` (``title`` then says which words)."""

    id: str
    target: str
    target_id: object
    text: str
    title: str = ""
    author: str = ""
    created_at: str | None = None
    updated_by: str | None = None
    updated_at: str | None = None


@dataclass
class RefiProject:
    name: str
    codebook: Codebook | None
    documents: list[RefiDocument] = field(default_factory=list)
    codings: list[RefiCoding] = field(default_factory=list)
    cases: list[RefiCase] = field(default_factory=list)
    memos: list[RefiMemo] = field(default_factory=list)
    origin: str = ""


@dataclass
class ImportReport(Shown):
    """What an import took, converted, and left out (spec §7: report data loss)."""

    file: str = ""
    origin: str = ""
    documents: list[str] = field(default_factory=list)  # ids added
    reused: list[tuple[str, str]] = field(default_factory=list)  # (source name, existing id)
    codes_added: int = 0
    codings: int = 0
    duplicates: int = 0  # codings the project already had
    participants: int = 0
    memos: int = 0  # notes imported as memos
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    unplaced: list[dict] = field(default_factory=list)  # selections that could not be placed
    conversions: list[str] = field(default_factory=list)  # offsets converted, and how
    warnings: list[str] = field(default_factory=list)
