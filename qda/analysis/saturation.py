"""Saturation: how many codes each successive document adds.

A code is *seen* in a document when one of its (non-interviewer) segments is
coded at it or at any code below it; so a sub-theme seen for the first time
also makes its theme seen, if that is new.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from qda.analysis.columns import choose_codes, live_segments, rolled_pairs
from qda.codebook import Codebook
from qda.errors import InputError

__all__ = ["SATURATION_COLUMNS", "saturation"]

SATURATION_COLUMNS = [
    "position",
    "document",
    "segments",
    "codes",
    "new_codes",
    "new_code_ids",
    "cumulative_codes",
]


def saturation(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    codebook: Codebook,
    *,
    documents: Sequence[str] | None = None,
    depth: int | None = None,
    codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per document, in ``documents`` order (default: the order of the
    segment table, i.e. import order): ``position`` (1, 2, ...), ``document``,
    ``segments`` (non-interviewer segments), ``codes`` (distinct codes seen in it),
    ``new_codes`` (seen there for the first time), ``new_code_ids`` (those ids,
    ``"; "``-joined in codebook order) and ``cumulative_codes`` (distinct codes seen
    up to and including it). ``depth``/``codes`` choose which codes count, as for
    the matrix (default every code).
    """
    ids = choose_codes(codebook, depth=depth, codes=codes)
    segs = live_segments(segments)
    present = list(dict.fromkeys(segments["document_id"]))
    if documents is None:
        order = present
    else:
        order = list(dict.fromkeys(documents))
        unknown = [d for d in order if d not in set(present)]
        if unknown:
            raise InputError(f"unknown document {unknown[0]!r}; see `qda segments` for the document ids")
    pairs = rolled_pairs(codings, codebook, ids).merge(segs[["segment_id", "document_id"]], on="segment_id")
    by_doc = pairs.groupby("document_id")["code_id"].agg(set).to_dict()
    n_segments = segs.groupby("document_id")["segment_id"].count().to_dict()
    rank = {cid: i for i, cid in enumerate(ids)}
    seen: set[str] = set()
    rows = []
    for position, doc in enumerate(order, start=1):
        here = by_doc.get(doc, set())
        new = sorted(here - seen, key=rank.__getitem__)
        seen |= here
        rows.append(
            {
                "position": position,
                "document": doc,
                "segments": int(n_segments.get(doc, 0)),
                "codes": len(here),
                "new_codes": len(new),
                "new_code_ids": "; ".join(new),
                "cumulative_codes": len(seen),
            }
        )
    return pd.DataFrame(rows, columns=SATURATION_COLUMNS)
