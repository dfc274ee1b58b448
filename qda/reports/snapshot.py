"""What the exports read from a project, read once: a frozen :class:`Snapshot`.

The workbook, the charts and the quote bank all start from the same tables; at 10M words
each read of the codings or the segments costs over half a second, so they are read
once, through the project's public methods and its store's, and every builder after
that is a pure function of the snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from qda import analysis
from qda.codebook import Codebook
from qda.errors import InputError

if TYPE_CHECKING:
    from qda.project import Project

__all__ = ["Snapshot", "agreement_coders", "comparable_coders", "read_snapshot", "snapshot_of"]


@dataclass(frozen=True)
class Snapshot:
    """Everything an export needs, as it was when read (:func:`read_snapshot`); a
    snapshot read before the project's last change is out of date."""

    name: str  # the project file's name
    codebook: Codebook
    codings: pd.DataFrame  # the store's coding table, every coding
    chosen: analysis.CodingSelection  # the codings the analyses count (the default rule)
    segments: pd.DataFrame  # the store's segment table (ids, offsets, flags)
    texts: dict[str, str]  # document id -> stored text
    participants: pd.DataFrame  # participant_id, label, auto, attributes
    counts: dict[str, int]  # Project.summary()
    summaries: pd.DataFrame  # the framework summaries people wrote
    attributions: dict[str, str]  # participant id -> the label quotes carry
    memos: pd.DataFrame
    #: agreement between the project's human coders, or None with ``agreement_note``
    #: saying why not
    agreement: analysis.Agreement | None = None
    agreement_note: str = ""
    coders: list[str] = field(default_factory=list)


def read_snapshot(project: Project, *, agreement: bool = True) -> Snapshot:
    """The tables every export uses, with the default choice of codings.
    ``agreement=False`` leaves out the agreement between coders (only the workbook shows
    it; the charts and the quote bank are made without it)."""
    store = project.store
    codings = store.codings()
    segments = store.segments()
    coders = comparable_coders(codings, store.reviews())
    result, note = _agreement(project, coders) if agreement else (None, "Not computed for this export.")
    return Snapshot(
        name=project.path.name,
        codebook=project.codebook,
        codings=codings,
        chosen=analysis.select_codings(codings),
        segments=segments,
        texts=store.document_texts(),
        participants=project.participants().rename(columns={"participant": "participant_id"}),
        counts=project.summary(segments=segments),
        summaries=project.framework_summaries(),
        attributions=project.attributions(),
        memos=project.memos(),
        agreement=result,
        agreement_note=note,
        coders=coders,
    )


def agreement_coders(project: Project, codings: pd.DataFrame | None = None) -> list[str]:
    """The project's coders whose coding can be compared (:func:`comparable_coders`);
    ``codings``: the store's coding table, when already read."""
    store = project.store
    return comparable_coders(store.codings() if codings is None else codings, store.reviews())


def comparable_coders(codings: pd.DataFrame, reviews: pd.DataFrame) -> list[str]:
    """The people whose coding can be compared: coders with human codings (their own,
    or suggestions they accepted) or reviewed segments (``reviews``: the store's review
    rows), leaving out a consensus built by ``build_consensus`` (a coder whose every
    coding carries consensus evidence: it agrees with its coders by construction)."""
    human = codings[(codings["source"] == "human") & (codings["status"] == "accepted")]
    consensus = {c for c, g in human.groupby("coder") if _built(g["evidence"])}
    coders = set(human["coder"]) | set(reviews["coder"])
    return sorted(c for c in coders if c not in consensus and isinstance(c, str))


def _built(evidence: pd.Series) -> bool:
    def consensus(item: Any) -> bool:
        return isinstance(item, dict) and item.get("kind") == "consensus"

    return all(isinstance(e, list) and any(consensus(i) for i in e) for e in evidence)


def _agreement(project: Project, coders: list[str]) -> tuple[analysis.Agreement | None, str]:
    if len(coders) < 2:
        return None, (f"Not written: it needs two or more human coders ({len(coders)} in this project).")
    try:
        return project.agreement(coders), ""
    except InputError as exc:
        return None, f"Not written: {exc}."


def snapshot_of(source: Project | Snapshot, *, agreement: bool = True) -> Snapshot:
    """``source`` itself when it is a snapshot, else one read from the project
    (``agreement``: as for :func:`read_snapshot`)."""
    if isinstance(source, Snapshot):
        return source
    return read_snapshot(source, agreement=agreement)
