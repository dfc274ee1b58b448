"""Coded quotes: one row per (code, segment) a code was applied to, with its words and the
participant's attribution label."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from qda.analysis.matrix import coded_segments
from qda.codebook import Codebook
from qda.offsets import quotes

__all__ = ["QUOTE_COLUMNS", "coded_quotes"]

QUOTE_COLUMNS = ["code", "segment_id", "document", "participant", "attribution", "text"]


def coded_quotes(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    texts: Mapping[str, str],
    codebook: Codebook,
    attributions: Mapping[str, str],
) -> pd.DataFrame:
    """Quotes for a quote bank: ``code, segment_id, document, participant, attribution,
    text``, codes in codebook order, then by document id and position.

    ``codings``: the codings to quote (codes applied directly; no roll-up);
    ``segments``: the store's segment table (``segment_id, document_id, participant_id,
    start, end, is_interviewer``; interviewer turns are never quoted); ``texts``:
    document id -> stored text; ``attributions``: participant id -> label."""
    pairs = coded_segments(codings, codebook, rollup=False)
    segs = segments.loc[
        ~segments["is_interviewer"], ["segment_id", "document_id", "participant_id", "start", "end"]
    ]
    df = pairs.merge(segs, on="segment_id")
    order = {cid: i for i, cid in enumerate(codebook.ids)}
    df = (
        df.assign(_o=df["code_id"].map(order))
        .sort_values(["_o", "document_id", "start"])
        .reset_index(drop=True)
    )
    return pd.DataFrame(
        {
            "code": df["code_id"],
            "segment_id": df["segment_id"],
            "document": df["document_id"],
            "participant": df["participant_id"],
            "attribution": df["participant_id"].map(attributions),
            "text": quotes(texts, df["document_id"], df["start"], df["end"]),
        },
        columns=QUOTE_COLUMNS,
    )
