"""Planning an ingest: which read files become new documents, which the next version of
a document, which are skipped and why. Pure: the project's known documents come in as a
table (``document_id, name, sha256, unit`` as the store lists them, oldest first), the
read documents as an iterator; nothing is written here (:mod:`qda.documents` writes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from qda.errors import InputError
from qda.ingest.source import SourceDocument, document_key

__all__ = ["IngestPlan", "check_survey_columns", "plan_ingest", "survey_line", "unchanged_files"]


@dataclass
class IngestPlan:
    #: (new document id, document), in file order
    new: list[tuple[str, SourceDocument]] = field(default_factory=list)
    #: (the stored document's row: id, name, unit; its next version), in file order
    versions: list[tuple[dict[str, Any], SourceDocument]] = field(default_factory=list)
    #: every document to store (new or version), in file order
    read: list[SourceDocument] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    surveys: list[str] = field(default_factory=list)  # survey_line each
    warnings: list[str] = field(default_factory=list)
    used_columns: set[str] = field(default_factory=set)  # survey columns, casefolded
    taken: set[str] = field(default_factory=set)  # document ids after it


def _first(known: pd.DataFrame, key: str) -> dict[str, dict[str, Any]]:
    """The first stored document (oldest) for each value of ``key``."""
    rows: dict[str, dict[str, Any]] = {}
    for row in known[["document_id", "name", "sha256", "unit"]].to_dict("records"):
        rows.setdefault(row[key], {"id": row["document_id"], "name": row["name"], "unit": row["unit"]})
    return rows


def unchanged_files(
    files: Iterable[Path], known: pd.DataFrame, sha256: Callable[[Path], str | None]
) -> dict[Path, str]:
    """Files already in the project under their name, byte for byte (not read again):
    path -> document id. ``sha256(path)``: the file's hash, None if unreadable."""
    by_sha = _first(known, "sha256")
    out = {}
    for path in files:
        same = by_sha.get(sha256(path) or "")
        if same is not None and same["name"] == path.name:
            out[path] = same["id"]
    return out


def plan_ingest(
    files: Sequence[Path],
    read: Iterator[SourceDocument],
    *,
    unchanged: Mapping[Path, str],
    known: pd.DataFrame,
) -> IngestPlan:
    """What to do with each file: ``read`` yields the documents of the files not in
    ``unchanged``, in order. A document with the content of a stored one, or of one
    read earlier in this run, is skipped; one with a stored document's name becomes
    its next version; the others get a new id (their name's key, ``-2`` ... when
    taken)."""
    by_sha, by_name = _first(known, "sha256"), _first(known, "name")
    plan = IngestPlan(taken=set(known["document_id"]))
    seen_sha: dict[str, str] = {}
    for path in files:
        if path in unchanged:
            plan.skipped.append((str(path), f"unchanged, already {unchanged[path]}"))
            continue
        doc = next(read)
        if doc.format == "survey":
            plan.used_columns.update(c.casefold() for c in doc.metadata["text_columns"])
            if doc.metadata["id_column"]:
                plan.used_columns.add(doc.metadata["id_column"].casefold())
            plan.surveys.append(survey_line(doc))
        same = by_sha.get(doc.sha256)
        if same is not None:
            why = "unchanged" if same["name"] == doc.name else "same content as document"
            plan.skipped.append((str(path), f"{why}, already {same['id']}"))
            continue
        if doc.sha256 in seen_sha:
            plan.skipped.append((str(path), f"same content as {seen_sha[doc.sha256]}"))
            continue
        seen_sha[doc.sha256] = str(path)
        plan.warnings.extend(doc.warnings)
        plan.read.append(doc)
        if doc.name in by_name:
            plan.versions.append((by_name[doc.name], doc))
            continue
        doc_id = base = document_key(doc.name)
        n = 2
        while doc_id in plan.taken:
            doc_id, n = f"{base}-{n}", n + 1
        plan.taken.add(doc_id)
        plan.new.append((doc_id, doc))
    return plan


def check_survey_columns(plan: IngestPlan, surveys: Sequence[Path], names: Sequence[str]) -> None:
    """Several survey tables at once: every column named (``--text-column``,
    ``--id-column``) must be in one of them. A table skipped unread (already in the
    project) cannot say which columns it has, so call this only when all were read."""
    for name in names:
        if name.strip().casefold() not in plan.used_columns:
            raise InputError(
                f"no survey table has the column {name!r} (tables: "
                f"{', '.join(f.name for f in surveys)}); check its spelling in "
                "--text-column/--id-column"
            )


def survey_line(doc: SourceDocument) -> str:
    """Which columns of a survey table were read as answers, which as the respondent id
    and which became attributes (so that a researcher can correct the choice)."""
    meta = doc.metadata

    def quoted(cols: Iterable[str]) -> str:
        return ", ".join(repr(c) for c in cols) or "none"

    found = (
        " (found by qda: name them with --text-column/--id-column to choose)" if meta.get("detected") else ""
    )
    return (
        f"{doc.name}: answers read from {quoted(meta['text_columns'])}; respondent id {meta['id_column']!r}"
        if meta["id_column"]
        else f"{doc.name}: answers read from {quoted(meta['text_columns'])}; respondents by row number"
    ) + f"; attributes: {quoted(meta['attribute_columns'])}{found}"
