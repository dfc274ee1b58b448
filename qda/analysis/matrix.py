"""The cross-reference matrix: rows (participants, documents or an attribute) by codes.

Codings roll up: a segment coded at a sub-theme also counts for its theme and
every ancestor. A segment counts once per cell however many codings or coders
put it there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from qda.codebook import Codebook
from qda.errors import InputError

__all__ = ["VALUES", "code_matrix", "coded_segments"]

VALUES = ("count", "presence", "share", "words")


def coded_segments(codings: pd.DataFrame, codebook: Codebook, *, rollup: bool = True) -> pd.DataFrame:
    """Distinct (segment_id, code_id) pairs; with ``rollup`` each code's ancestors too."""
    pairs = codings.loc[codings["segment_id"].notna(), ["segment_id", "code_id"]]
    pairs = pairs[pairs["code_id"].isin(codebook.ids)]
    if rollup:
        pairs = pairs.merge(codebook.rollup(), on="code_id")[["segment_id", "theme_id"]]
        pairs = pairs.rename(columns={"theme_id": "code_id"})
    return pairs.drop_duplicates().reset_index(drop=True)


def code_matrix(segments: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook, *,
                participants: pd.DataFrame | None = None, rows: str = "participant",
                value: str = "count", codes: Sequence[str] | None = None,
                texts: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Cross-reference ``rows`` against codes.

    ``segments``: the segment table (``segment_id, document_id, participant_id,
    is_interviewer, start, end``); interviewer segments are left out.
    ``rows``: ``participant`` (one row per participant, with their attributes,
    including those with nothing coded), ``document``, or any participant attribute.
    ``value``: ``count`` of coded segments, ``presence`` 0/1, ``share`` of the row's
    segments, or ``words`` in coded segments (needs ``texts``).
    ``codes``: the columns, default every code in codebook order.
    """
    if value not in VALUES:
        raise InputError(f"unknown matrix value {value!r}; use one of {', '.join(VALUES)}")
    columns = list(codes) if codes is not None else codebook.ids
    unknown = [c for c in columns if c not in codebook]
    if unknown:
        raise InputError(f"unknown code {unknown[0]!r}; see `qda codebook show` for the ids")
    segs = segments[~segments["is_interviewer"]].copy()
    attrs = participants if participants is not None else pd.DataFrame(columns=["participant_id"])
    if rows == "participant":
        key = "participant_id"
    elif rows == "document":
        key = "document_id"
    else:
        if rows not in attrs.columns or rows in ("participant_id", "label", "auto"):
            names = [c for c in attrs.columns if c not in ("participant_id", "label", "auto")]
            raise InputError(f"cannot make rows of {rows!r}; use participant, document or an "
                             f"attribute ({', '.join(names) or 'none in this project'})")
        segs = segs.merge(attrs[["participant_id", rows]], on="participant_id", how="left")
        key = rows
        segs[key] = segs[key].fillna("(none)").replace("", "(none)")
    segs = segs[segs[key].notna()]

    pairs = coded_segments(codings, codebook).merge(segs[["segment_id", key]], on="segment_id")
    pairs = pairs[pairs["code_id"].isin(columns)]
    if value == "words":
        if texts is None:
            raise InputError("value 'words' needs the document texts")
        words = {
            r.segment_id: len(texts[r.document_id][r.start:r.end].split())
            for r in segs.itertuples()
        }
        pairs["n"] = pairs["segment_id"].map(words)
        table = pairs.pivot_table(index=key, columns="code_id", values="n", aggfunc="sum")
    else:
        table = pairs.pivot_table(index=key, columns="code_id", values="segment_id",
                                  aggfunc="count")

    if rows == "participant":
        index = attrs["participant_id"].tolist() if participants is not None else []
        listed = set(index)
        index += [p for p in segs[key].unique() if p not in listed]
    else:
        index = list(dict.fromkeys(segs[key]))
    table = table.reindex(index=index, columns=columns).fillna(0).astype("int64")
    if value == "presence":
        table = (table > 0).astype("int64")
    elif value == "share":
        totals = segs.groupby(key)["segment_id"].count().reindex(index).fillna(0)
        table = table.div(totals.where(totals > 0), axis=0).fillna(0.0).round(4)
    table.columns.name = None
    if rows == "participant" and participants is not None:
        info = attrs.set_index("participant_id").drop(columns=["auto"], errors="ignore")
        table = info.reindex(table.index).join(table)
    table.index.name = {"participant": "participant", "document": "document"}.get(rows, rows)
    return table.reset_index()
