"""A person's marks, from a coding sheet or a long CSV, against the project's codings.

Both files come back as :class:`Mark` objects (a code applied to a whole segment, or to
exactly a span). :func:`plan_import` compares them with the coder's codings already in
the project: which to add, how many are already there, and which codings the file no
longer marks (conflicts to report, never removed unless asked). :class:`Resolved` is
what either file says once checked against the project. Pure: marks and DataFrames in,
plans out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["ImportPlan", "Mark", "Resolved", "plan_import", "replaced_message"]


@dataclass(frozen=True)
class Mark:
    """A code a person applied: to the whole segment (``exact=False``: any coding of that
    code inside the segment satisfies it) or to exactly ``start:end`` (span rows)."""

    segment_id: str
    document_id: str
    start: int
    end: int
    code_id: str
    exact: bool = False


@dataclass
class ImportPlan:
    add: list[Mark] = field(default_factory=list)
    already: int = 0
    unmarked: pd.DataFrame | None = None  # the coder's codings the file no longer marks


def plan_import(
    marks: Iterable[Mark], existing: pd.DataFrame, *, segments: set[str], codes: set[str] | None
) -> ImportPlan:
    """Compare a person's marks with their codings already in the project.

    ``existing``: that coder's human codings (``coding_id, segment_id, document_id, start,
    end, code_id, created_at``). ``segments`` and ``codes`` (None: every code) say what the
    file covers: a coding there that no mark matches is *unmarked* (a conflict to report,
    never removed unless asked)."""
    plan = ImportPlan()
    by_seg_code: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for sid, code, start, end in zip(
        existing["segment_id"], existing["code_id"], existing["start"], existing["end"]
    ):
        by_seg_code.setdefault((sid, code), []).append((int(start), int(end)))
    wanted_seg: set[tuple[str, str]] = set()
    wanted_span: set[tuple[str, str, int, int]] = set()
    seen: set[Mark] = set()
    for m in marks:
        if m in seen:
            continue
        seen.add(m)
        have = by_seg_code.get((m.segment_id, m.code_id), [])
        if m.exact:
            wanted_span.add((m.segment_id, m.code_id, m.start, m.end))
            hit = (m.start, m.end) in have
        else:
            wanted_seg.add((m.segment_id, m.code_id))
            hit = bool(have)
        if hit:
            plan.already += 1
        else:
            plan.add.append(m)
    in_scope = existing["segment_id"].isin(segments)
    if codes is not None:
        in_scope &= existing["code_id"].isin(codes)
    scoped = existing[in_scope]
    kept = [
        (sid, code) in wanted_seg or (sid, code, int(s), int(e)) in wanted_span
        for sid, code, s, e in zip(scoped["segment_id"], scoped["code_id"], scoped["start"], scoped["end"])
    ]
    plan.unmarked = scoped[~pd.Series(kept, index=scoped.index, dtype=bool)].reset_index(drop=True)
    return plan


@dataclass
class Resolved:
    """What a sheet or CSV says, checked against the project: marks to apply, segments the
    coder reviewed, the file's scope (for conflicts) and rows whose text was edited."""

    kind: str  # "sheet" or "csv"
    marks: list[Mark] = field(default_factory=list)
    reviewed: dict[str, str] = field(default_factory=dict)  # segment -> document
    segments: set[str] = field(default_factory=set)
    codes: set[str] | None = None
    edited: list[tuple[str, str]] = field(default_factory=list)  # (where, segment_id)
    rows: int = 0
    untouched: int = 0
    warnings: list[str] = field(default_factory=list)


def replaced_message(segment_id: str, document: str, count: int = 1) -> str:
    """What to say about a segment id that a new version of its document replaced."""
    others = f" (and {count - 1} more row(s) like it)" if count > 1 else ""
    return (
        f"segment {segment_id} belongs to an earlier version of document {document}"
        f"{others}; write a new coding sheet with `qda code sheet`"
    )
