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

import pandas as pd

from qda.errors import InputError

__all__ = ["AUTOMATIC_SOURCES", "CONSENSUS_RULES", "select_suggestions", "plan_accept",
           "consensus", "bracket", "check_confidence", "DISAGREEMENT_COLUMNS"]

AUTOMATIC_SOURCES = ("rules", "model", "llm", "import")
CONSENSUS_RULES = ("all", "majority", "any")
DISAGREEMENT_COLUMNS = ["segment_id", "document_id", "code_id", "coded_by", "not_coded_by",
                        "in_final"]


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


def select_suggestions(codings: pd.DataFrame, *, ids: Iterable[int] = (),
                       segments: Iterable[str] = (), codes: Iterable[str] = (),
                       sources: Iterable[str] = (), min_confidence: float | None = None,
                       max_confidence: float | None = None) -> pd.DataFrame:
    """Open suggestions matching every given filter (an empty filter is not applied).

    A confidence bound keeps only suggestions that have a confidence (the rules
    have none), ``min_confidence <= confidence <= max_confidence``.
    """
    out = codings[(codings["status"] == "suggested") & (codings["source"] != "human")]
    for column, wanted in (("coding_id", list(ids)), ("segment_id", list(segments)),
                           ("code_id", list(codes)), ("source", list(sources))):
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
def consensus(codings: pd.DataFrame, reviewed: Mapping[str, Iterable[str]],
              segments: pd.DataFrame, *, coders: Sequence[str], rule: str = "all"
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
        raise InputError(f"unknown consensus rule {rule!r}; use one of "
                         f"{', '.join(CONSENSUS_RULES)}")
    coders = list(coders)
    common = set.intersection(*(set(reviewed.get(c, ())) for c in coders)) if coders else set()
    mine = codings[codings["coder"].isin(coders) & codings["segment_id"].isin(common)]
    seg = segments.set_index("segment_id")
    spans: dict[tuple[str, str], dict[str, set[tuple[int, int]]]] = {}
    for r in mine.to_dict("records"):
        spans.setdefault((r["segment_id"], r["code_id"]), {}).setdefault(
            r["coder"], set()).add((int(r["start"]), int(r["end"])))
    need = {"all": len(coders), "majority": len(coders) // 2 + 1, "any": 1}[rule]
    final, disagreements = [], []
    order = {s: i for i, s in enumerate(segments["segment_id"])}
    for (segment_id, code_id), by_coder in sorted(
            spans.items(), key=lambda kv: (order.get(kv[0][0], 0), kv[0][1])):
        agreed = [c for c in coders if c in by_coder]
        not_agreed = [c for c in coders if c not in by_coder]
        keep = len(agreed) >= need
        document_id = seg.at[segment_id, "document_id"]
        if not_agreed:
            disagreements.append({"segment_id": segment_id, "document_id": document_id,
                                  "code_id": code_id, "coded_by": ", ".join(agreed),
                                  "not_coded_by": ", ".join(not_agreed), "in_final": keep})
        if not keep:
            continue
        span_sets = [frozenset(by_coder[c]) for c in agreed]
        if all(s == span_sets[0] for s in span_sets):
            chosen = sorted(span_sets[0])
        else:
            chosen = [(int(seg.at[segment_id, "start"]), int(seg.at[segment_id, "end"]))]
        for start, end in chosen:
            final.append({"segment_id": segment_id, "document_id": document_id,
                          "start": start, "end": end, "code_id": code_id,
                          "agreed": agreed, "not_agreed": not_agreed})
    return (pd.DataFrame(final, columns=["segment_id", "document_id", "start", "end",
                                         "code_id", "agreed", "not_agreed"]),
            pd.DataFrame(disagreements, columns=DISAGREEMENT_COLUMNS))


# --------------------------------------------------------------------- explain
def bracket(text: str, start: int, end: int, *, width: int = 50) -> str:
    """``text`` with ``[start:end]`` bracketed and at most ``width`` characters each side,
    on one line: ``…we rarely have [family contact] unless…``."""
    before = text[max(0, start - width):start]
    after = text[end:end + width]
    line = (("…" if start > width else "") + before + "[" + text[start:end] + "]" + after
            + ("…" if end + width < len(text) else ""))
    return " ".join(line.split())
