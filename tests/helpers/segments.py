"""Segments as the coders take them, from a list of texts: one document ``d`` of the
texts joined by blank lines, one segment ``s0``, ``s1`` ... per text."""

from __future__ import annotations

import pandas as pd


def segments_from(texts: list[str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The segments frame (exact offsets of each text) and ``{"d": document text}``."""
    doc = "\n\n".join(texts)
    rows, pos = [], 0
    for i, t in enumerate(texts):
        start = doc.index(t, pos)
        rows.append({"segment_id": f"s{i}", "document_id": "d", "start": start, "end": start + len(t)})
        pos = start + len(t)
    return pd.DataFrame(rows), {"d": doc}
