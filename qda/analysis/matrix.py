"""The cross-reference matrix: rows (participants, documents or an attribute) by codes.

Codings roll up: a segment coded at a sub-theme also counts for its theme and
every ancestor. A segment counts once per cell however many codings or coders
put it there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from qda.analysis.columns import choose_codes, live_segments, rolled_pairs
from qda.codebook import Codebook
from qda.errors import InputError
from qda.offsets import quotes

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


def code_matrix(
    segments: pd.DataFrame,
    codings: pd.DataFrame,
    codebook: Codebook,
    *,
    participants: pd.DataFrame | None = None,
    rows: str = "participant",
    value: str = "count",
    codes: Sequence[str] | None = None,
    texts: Mapping[str, str] | None = None,
    depth: int | None = None,
    totals: bool = False,
) -> pd.DataFrame:
    """Cross-reference ``rows`` against codes.

    ``segments``: the segment table (``segment_id, document_id, participant_id,
    is_interviewer, start, end``); interviewer segments are left out.
    ``rows``: ``participant`` (one row per participant, with their attributes,
    including those with nothing coded), ``document``, or any participant attribute
    (a participant without a value is in the group ``(none)``).
    ``value``: ``count`` of coded segments, ``presence`` 0/1, ``share`` of the row's
    segments (0-1), or ``words`` in coded segments (needs ``texts``).
    Columns: ``codes`` (in that order) if given, else every code at ``depth`` 1..N in
    codebook order (``depth=1``: the themes; ``None``: every code). A column counts
    segments coded at the code or any code below it.

    ``totals=True`` adds a ``Total`` column and a last ``Total`` row. A segment
    coded at two columns is still one segment, so a total is never a plain sum:

    - ``count``: the row's distinct segments coded at any of the columns; the
      column's segments over all rows; the corner: distinct coded segments.
    - ``words``: the words of those distinct segments.
    - ``share``: those distinct segments over the row's (column: all rows')
      segments; the corner: the share of all segments coded at any column.
    - ``presence``: the number of columns present in the row; the number of rows
      where the column is present; the corner: rows with any column present.
    """
    if value not in VALUES:
        raise InputError(f"unknown matrix value {value!r}; use one of {', '.join(VALUES)}")
    columns = choose_codes(codebook, depth=depth, codes=codes)
    attrs = participants if participants is not None else pd.DataFrame(columns=["participant_id"])
    segs, key = _keyed_segments(live_segments(segments).copy(), attrs, rows)
    segs["_words"] = _segment_words(segs, texts) if value == "words" else 0

    pairs = rolled_pairs(codings, codebook, columns).merge(
        segs[["segment_id", key, "_words"]], on="segment_id"
    )
    measure = "_words" if value == "words" else "segment_id"
    aggfunc = "sum" if value == "words" else "count"
    table = pairs.pivot_table(index=key, columns="code_id", values=measure, aggfunc=aggfunc)

    index = _row_order(
        segs[key],
        attrs["participant_id"].tolist() if rows == "participant" and participants is not None else None,
    )
    table = table.reindex(index=index, columns=columns).fillna(0).astype("int64")
    row_segments = segs.groupby(key)["segment_id"].count().reindex(index).fillna(0)
    if value == "presence":
        table = (table > 0).astype("int64")
    elif value == "share":
        table = table.div(row_segments.where(row_segments > 0), axis=0).fillna(0.0).round(4)
    if totals:
        table = _with_totals(table, pairs, segs, key=key, value=value, row_segments=row_segments)
    table.columns.name = None
    if rows == "participant" and participants is not None:
        info = attrs.set_index("participant_id").drop(columns=["auto"], errors="ignore")
        table = info.reindex(table.index).join(table)
    table.index.name = {"participant": "participant", "document": "document"}.get(rows, rows)
    return table.reset_index()


def _keyed_segments(segs: pd.DataFrame, attrs: pd.DataFrame, rows: str) -> tuple[pd.DataFrame, str]:
    """The segments with the column that names their matrix row, and that column's name
    (an attribute's missing value is the group ``(none)``)."""
    if rows == "participant":
        key = "participant_id"
    elif rows == "document":
        key = "document_id"
    else:
        if rows not in attrs.columns or rows in ("participant_id", "label", "auto"):
            names = [c for c in attrs.columns if c not in ("participant_id", "label", "auto")]
            raise InputError(
                f"cannot make rows of {rows!r}; use participant, document or an "
                f"attribute ({', '.join(names) or 'none in this project'})"
            )
        segs = segs.merge(attrs[["participant_id", rows]], on="participant_id", how="left")
        key = rows
        segs[key] = segs[key].fillna("(none)").replace("", "(none)")
    return segs[segs[key].notna()].copy(), key


def _row_order(keys: pd.Series, listed: list[str] | None) -> list:
    """The matrix's rows: the ``listed`` participants in their order, then anyone else in
    ``keys`` (participant rows); otherwise the keys in order of first appearance."""
    if listed is None:
        return list(dict.fromkeys(keys))
    known = set(listed)
    return listed + [p for p in keys.unique() if p not in known]


def _segment_words(segs: pd.DataFrame, texts: Mapping[str, str] | None) -> list[int]:
    """The number of words in each segment."""
    if texts is None:
        raise InputError("value 'words' needs the document texts")
    return [len(q.split()) for q in quotes(texts, segs["document_id"], segs["start"], segs["end"])]


def _with_totals(
    table: pd.DataFrame,
    pairs: pd.DataFrame,
    segs: pd.DataFrame,
    *,
    key: str,
    value: str,
    row_segments: pd.Series,
) -> pd.DataFrame:
    """``table`` with the ``Total`` column and row described in :func:`code_matrix`."""
    distinct = pairs.drop_duplicates("segment_id")  # coded at any column, once
    if value == "presence":
        row_total = table.sum(axis=1)
        col_total = table.sum(axis=0)
        corner: float = int((row_total > 0).sum())
    else:
        measure = "_words" if value == "words" else "segment_id"
        how = "sum" if value == "words" else "count"
        row_total = distinct.groupby(key)[measure].agg(how).reindex(table.index).fillna(0)
        col_total = pairs.groupby("code_id")[measure].agg(how).reindex(table.columns).fillna(0)
        corner = distinct[measure].agg(how)
        if value == "share":
            all_segments = row_segments.sum()
            row_total = row_total.div(row_segments.where(row_segments > 0)).fillna(0.0).round(4)
            col_total = (col_total / all_segments if all_segments else col_total * 0.0).round(4)
            corner = round(corner / all_segments, 4) if all_segments else 0.0
    out = table.copy()
    out["Total"] = row_total
    out.loc["Total"] = list(col_total) + [corner]
    if value != "share":
        out = out.astype("int64")
    return out
