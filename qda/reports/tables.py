"""The tables the workbook adds to the analyses': segments with their codes, every
coding, and which participant attributes make groups. Pure functions of a
:class:`~qda.reports.snapshot.Snapshot` (or a project, read into one)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from qda import analysis
from qda.analysis import coded_segments
from qda.coding import evidence
from qda.errors import InputError
from qda.offsets import quotes
from qda.reports.snapshot import Snapshot, snapshot_of

if TYPE_CHECKING:
    from qda.project import Project

__all__ = ["CROSSTAB_GROUPS", "chart_groups", "codings_table", "crosstab_attributes", "segments_with_codes"]

# An attribute makes a crosstab sheet when its values split the participants into
# this many groups: one value is no comparison; more than 20 (ids, ages, free text)
# is a list, not a grouping.
CROSSTAB_GROUPS = (2, 20)
_NOT_ATTRIBUTES = ("participant_id", "participant", "label", "auto")


def segments_with_codes(source: Project | Snapshot, data: Snapshot | None = None) -> pd.DataFrame:
    """The segment table with a ``codes`` column (codes applied directly) and a 0/1
    column per code (1 when the segment is coded at the code or a sub-code)."""
    snap = data or snapshot_of(source, agreement=False)
    cb = snap.codebook
    segs = analysis.segment_table(snap.segments, snap.texts, snap.participants)
    direct = coded_segments(snap.chosen.codings, cb, rollup=False)
    order = {cid: i for i, cid in enumerate(cb.ids)}
    listed: dict[str, list[str]] = {}
    for segment_id, code_id in sorted(
        zip(direct["segment_id"], direct["code_id"]), key=lambda pair: order.get(pair[1], len(order))
    ):
        listed.setdefault(segment_id, []).append(code_id)
    segs["codes"] = [("; ".join(listed[s]) if s in listed else "") for s in segs["segment_id"]]
    rolled = coded_segments(snap.chosen.codings, cb)
    flags = np.zeros((len(segs), len(cb.ids)), dtype="int64")
    at = pd.Index(segs["segment_id"]).get_indexer(rolled["segment_id"])
    code_at = pd.Index(cb.ids).get_indexer(rolled["code_id"])
    found = (at >= 0) & (code_at >= 0)
    flags[at[found], code_at[found]] = 1
    return pd.concat([segs.reset_index(drop=True), pd.DataFrame(flags, columns=cb.ids)], axis=1)


def codings_table(
    source: Project | Snapshot, chosen: analysis.CodingSelection | None = None, data: Snapshot | None = None
) -> pd.DataFrame:
    """Every coding in the project, long: the design's long coding CSV columns first
    (``segment_id, document, participant, start, end, code, coder, source, status,
    confidence, text``: the coded words), then ``used`` (1 when the analyses count it,
    by ``chosen``), ``code_name``, ``evidence`` (the matched terms), ``origin``,
    ``reviewed_by``, ``codebook_version``, ``created_at``, ``review``."""
    snap = data or snapshot_of(source, agreement=False)
    chosen = chosen or snap.chosen
    texts = snap.texts
    df = snap.codings.merge(snap.segments[["segment_id", "participant_id"]], on="segment_id", how="left")
    cb = snap.codebook
    out = pd.DataFrame(
        {
            "segment_id": df["segment_id"],
            "document": df["document_id"],
            "participant": df["participant_id"],
            "start": df["start"],
            "end": df["end"],
            "code": df["code_id"],
            "coder": df["coder"],
            "source": df["source"],
            "status": df["status"],
            "confidence": df["confidence"],
            "text": quotes(texts, df["document_id"], df["start"], df["end"]),
            "used": df["coding_id"].isin(set(chosen.codings["coding_id"])).astype("int64"),
            "code_name": [cb.get(c).name if c in cb else "" for c in df["code_id"]],
            "evidence": df["evidence"].map(evidence.summary),
            "origin": df["origin"],
            "reviewed_by": df["reviewed_by"],
            "codebook_version": df["codebook_version"],
            "created_at": df["created_at"],
            "review": df["review"],
        }
    )
    return out.reset_index(drop=True)


def crosstab_attributes(participants: pd.DataFrame) -> list[str]:
    """Participant attributes that make a grouping: between :data:`CROSSTAB_GROUPS`
    distinct non-empty values (a missing value is the extra group ``(none)``)."""
    low, high = CROSSTAB_GROUPS
    out = []
    for column in participants.columns:
        if column in _NOT_ATTRIBUTES:
            continue
        values = {str(v).strip() for v in participants[column] if _present(v)}
        if low <= len(values) <= high:
            out.append(str(column))
    return out


def _present(value: object) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None and value == value  # NaN != NaN


def chart_groups(participants: pd.DataFrame, group: str | Sequence[str] | None = None) -> list[str]:
    """The attributes to draw theme prevalence by: those named (each must exist), else
    ``group`` when the project has it, else the first attribute that makes a grouping
    (:func:`crosstab_attributes`), else none."""
    names = [str(c) for c in participants.columns if c not in _NOT_ATTRIBUTES]
    if group is None:
        if "group" in names:
            return ["group"]
        return crosstab_attributes(participants)[:1]
    wanted = [group] if isinstance(group, str) else list(dict.fromkeys(group))
    for name in wanted:
        if name not in names:
            raise InputError(
                f"--group {name}: no attribute {name!r} in this project; use one "
                f"of {', '.join(names) or 'none (load a participants sheet)'}"
            )
    return wanted
