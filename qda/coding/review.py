"""Reviewing suggestions and building a consensus: pure functions over coding tables.

**Review.** :func:`select_suggestions` picks open suggestions (``status =
'suggested'``, any automatic source) by ids, segments, codes, sources and a
confidence range; :func:`plan_accept` says what accepting them does. An accepted
suggestion *becomes* a human coding of the reviewer: the same row, with ``source
= 'human'``, ``coder`` = the reviewer, ``status = 'accepted'``, and its
provenance kept (``origin`` = the source that suggested it, its evidence and
confidence, ``reviewed_by``/``reviewed_at``). One row, so an analysis never counts
it twice; it is the reviewer's, so agreement, learning and consensus see it as
theirs. When the reviewer already has that coding (same words, same code), or two
suggestions of the same words and code are accepted together, the extra
suggestion is archived (kept whole, with the reason) instead.

**Consensus.** :func:`consensus` takes several coders' human codings and the
segments each reviewed and decides, per (segment, code), under the rule ``all``
(every coder), ``majority`` (more than half) or ``any`` (at least one), on the
segments *every* coder reviewed; every (segment, code) the coders did not all
agree on is a disagreement for a person to settle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from qda.errors import InputError

__all__ = [
    "AUTOMATIC_SOURCES",
    "CONSENSUS_RULES",
    "select_suggestions",
    "plan_accept",
    "consensus",
    "bracket",
    "check_confidence",
    "DISAGREEMENT_COLUMNS",
    "check_consensus",
    "ConsensusPlan",
    "plan_consensus",
]

AUTOMATIC_SOURCES = ("rules", "model", "llm", "import")
CONSENSUS_RULES = ("all", "majority", "any")
DISAGREEMENT_COLUMNS = ["segment_id", "document_id", "code_id", "coded_by", "not_coded_by", "in_final"]


# ---------------------------------------------------------------------- review
def check_confidence(value: float | None, option: str) -> float | None:
    """A confidence bound in [0, 1], or None."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{option} must be a number between 0 and 1, not {value!r}") from None
    if not 0.0 <= number <= 1.0 or number != number:
        raise InputError(f"{option} must be between 0 and 1 (a confidence), not {value!r}")
    return number


def select_suggestions(
    codings: pd.DataFrame,
    *,
    ids: Iterable[int] = (),
    segments: Iterable[str] = (),
    codes: Iterable[str] = (),
    sources: Iterable[str] = (),
    min_confidence: float | None = None,
    max_confidence: float | None = None,
) -> pd.DataFrame:
    """Open suggestions matching every given filter (an empty filter is not applied).

    A confidence bound keeps only suggestions that have a confidence (the rules
    have none), ``min_confidence <= confidence <= max_confidence``.
    """
    out = codings[(codings["status"] == "suggested") & (codings["source"] != "human")]
    for column, wanted in (
        ("coding_id", list(ids)),
        ("segment_id", list(segments)),
        ("code_id", list(codes)),
        ("source", list(sources)),
    ):
        if wanted:
            out = out[out[column].isin(wanted)]
    confidence = out["confidence"].astype("float64")  # NaN (none) never passes a bound
    if min_confidence is not None:
        keep = confidence >= min_confidence
        out, confidence = out[keep], confidence[keep]
    if max_confidence is not None:
        out = out[confidence <= max_confidence]
    return out


def plan_accept(chosen: pd.DataFrame, existing: pd.DataFrame) -> tuple[list[int], dict[int, int]]:
    """Which chosen suggestions become the reviewer's human codings, and which are
    duplicates: ``(to convert, {duplicate id: the coding it duplicates})``.

    ``existing`` is the reviewer's human codings (``coding_id, document_id, start,
    end, code_id``). A suggestion whose words and code the reviewer already has, or
    that an earlier chosen suggestion already covers, is a duplicate.
    """

    def key(r) -> tuple:
        return (r["document_id"], int(r["start"]), int(r["end"]), r["code_id"])

    held = {key(r): int(r["coding_id"]) for r in existing.to_dict("records")}
    convert: list[int] = []
    duplicates: dict[int, int] = {}
    for r in chosen.sort_values("coding_id").to_dict("records"):
        k, cid = key(r), int(r["coding_id"])
        if k in held:
            duplicates[cid] = held[k]
        else:
            held[k] = cid
            convert.append(cid)
    return convert, duplicates


# ------------------------------------------------------------------- consensus
def consensus(
    codings: pd.DataFrame,
    reviewed: Mapping[str, Iterable[str]],
    segments: pd.DataFrame,
    *,
    coders: Sequence[str],
    rule: str = "all",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The consensus codings and the disagreements.

    ``codings``: the coders' human codings (``segment_id, document_id, start, end,
    code_id, coder``). ``reviewed``: coder -> segments they reviewed (reviews, and
    segments they coded). ``segments``: ``segment_id, document_id, start, end``.

    Returns ``(final, disagreements)``. ``final`` has one row per coding to write
    (``segment_id, document_id, start, end, code_id, agreed, not_agreed``): the span
    the agreeing coders all used when they used the same spans, else the whole
    segment. ``disagreements`` has a row per (segment, code) some but not all
    coders applied (:data:`DISAGREEMENT_COLUMNS`), whether or not the rule kept it.
    """
    if rule not in CONSENSUS_RULES:
        raise InputError(f"unknown consensus rule {rule!r}; use one of {', '.join(CONSENSUS_RULES)}")
    coders = list(coders)
    common = set.intersection(*(set(reviewed.get(c, ())) for c in coders)) if coders else set()
    mine = codings[codings["coder"].isin(coders) & codings["segment_id"].isin(common)]
    seg = segments.set_index("segment_id")
    spans: dict[tuple[str, str], dict[str, set[tuple[int, int]]]] = {}
    for r in mine.to_dict("records"):
        spans.setdefault((r["segment_id"], r["code_id"]), {}).setdefault(r["coder"], set()).add(
            (int(r["start"]), int(r["end"]))
        )
    need = {"all": len(coders), "majority": len(coders) // 2 + 1, "any": 1}[rule]
    final, disagreements = [], []
    order = {s: i for i, s in enumerate(segments["segment_id"])}
    for (segment_id, code_id), by_coder in sorted(
        spans.items(), key=lambda kv: (order.get(kv[0][0], 0), kv[0][1])
    ):
        agreed = [c for c in coders if c in by_coder]
        not_agreed = [c for c in coders if c not in by_coder]
        keep = len(agreed) >= need
        document_id = seg.at[segment_id, "document_id"]
        if not_agreed:
            disagreements.append(
                {
                    "segment_id": segment_id,
                    "document_id": document_id,
                    "code_id": code_id,
                    "coded_by": ", ".join(agreed),
                    "not_coded_by": ", ".join(not_agreed),
                    "in_final": keep,
                }
            )
        if not keep:
            continue
        span_sets = [frozenset(by_coder[c]) for c in agreed]
        if all(s == span_sets[0] for s in span_sets):
            chosen = sorted(span_sets[0])
        else:
            chosen = [(int(seg.at[segment_id, "start"]), int(seg.at[segment_id, "end"]))]
        for start, end in chosen:
            final.append(
                {
                    "segment_id": segment_id,
                    "document_id": document_id,
                    "start": start,
                    "end": end,
                    "code_id": code_id,
                    "agreed": agreed,
                    "not_agreed": not_agreed,
                }
            )
    return (
        pd.DataFrame(
            final, columns=["segment_id", "document_id", "start", "end", "code_id", "agreed", "not_agreed"]
        ),
        pd.DataFrame(disagreements, columns=DISAGREEMENT_COLUMNS),
    )


# --------------------------------------------------------------------- explain
def bracket(text: str, start: int, end: int, *, width: int = 50) -> str:
    """``text`` with ``[start:end]`` bracketed and at most ``width`` characters each side,
    on one line: ``…we rarely have [family contact] unless…``."""
    before = text[max(0, start - width) : start]
    after = text[end : end + width]
    line = (
        ("…" if start > width else "")
        + before
        + "["
        + text[start:end]
        + "]"
        + after
        + ("…" if end + width < len(text) else "")
    )
    return " ".join(line.split())


def check_consensus(
    coders: Sequence[str], *, rule: str, name: str, known: Sequence[str]
) -> tuple[list[str], str]:
    """The consensus's coders (stripped, each once) and the name it is written as, or
    an InputError naming what is wrong. ``known``: every coder of the project."""
    coders = [c.strip() for c in coders if c and c.strip()]
    if len(set(coders)) < 2:
        raise InputError("a consensus needs two or more different coders, e.g. --coders alice,bob")
    coders = list(dict.fromkeys(coders))
    if rule not in CONSENSUS_RULES:
        raise InputError(f"unknown consensus rule {rule!r}; use one of {', '.join(CONSENSUS_RULES)}")
    name = (name or "").strip()
    if not name:
        raise InputError("the consensus needs a coder name to write as, e.g. --as final")
    if name in coders:
        raise InputError(
            f"the consensus cannot be written as {name!r}, one of the coders "
            "it is built from; choose another name with --as"
        )
    if name in AUTOMATIC_SOURCES:
        raise InputError(f"{name!r} is the name of an automatic coder; choose another name with --as")
    people = [c for c in known if c != name]
    for c in coders:
        if c not in set(known):
            raise InputError(
                f"unknown coder {c!r}: no human codings or reviews by that "
                f"name; coders in this project: {', '.join(people) or 'none'}"
            )
    return coders, name


def _span_key(r: Mapping[str, Any]) -> tuple[str, int, int, str]:
    return (r["document_id"], int(r["start"]), int(r["end"]), r["code_id"])


@dataclass
class ConsensusPlan:
    """What rebuilding a consensus writes: new coding rows, new evidence of codings
    kept (coding id -> evidence), how many are kept, the ids of those no longer agreed."""

    add: list[dict[str, Any]] = field(default_factory=list)
    evidence: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    kept: int = 0
    gone: list[int] = field(default_factory=list)


def plan_consensus(
    final: pd.DataFrame,
    written: pd.DataFrame,
    blocked: Sequence[pd.DataFrame],
    texts: Mapping[str, str],
    *,
    rule: str,
    coders: Sequence[str],
    name: str,
    codebook_version: str,
    stamp: str,
) -> ConsensusPlan:
    """The consensus codings ``final`` (from :func:`consensus`) against what an earlier
    consensus ``written``: still agreed stay (their evidence renewed), new ones are
    added as ``name``'s, the others go. ``blocked``: codings a person added or removed
    as ``name`` (same words and code are never written)."""
    no = {_span_key(r) for table in blocked for r in table.to_dict("records")}
    old = {_span_key(r): r for r in written.to_dict("records")}
    plan, keep = ConsensusPlan(), set()
    for r in final.to_dict("records"):
        k = _span_key(r)
        if k in no:
            continue
        evidence = [
            {
                "kind": "consensus",
                "term": f"{rule}: " + ", ".join(r["agreed"]),
                "rule": rule,
                "coders": list(coders),
                "agreed": r["agreed"],
                "not_agreed": r["not_agreed"],
                "start": r["start"],
                "end": r["end"],
                "text": texts[r["document_id"]][r["start"] : r["end"]],
            }
        ]
        keep.add(k)
        if k in old:
            plan.kept += 1
            if old[k]["evidence"] != evidence:
                plan.evidence[int(old[k]["coding_id"])] = evidence
            continue
        plan.add.append(
            {
                "segment_id": r["segment_id"],
                "document_id": r["document_id"],
                "start": r["start"],
                "end": r["end"],
                "code_id": r["code_id"],
                "coder": name,
                "source": "human",
                "status": "accepted",
                "confidence": None,
                "evidence": evidence,
                "codebook_version": codebook_version,
                "created_at": stamp,
            }
        )
    plan.gone = [int(r["coding_id"]) for k, r in old.items() if k not in keep]
    return plan
