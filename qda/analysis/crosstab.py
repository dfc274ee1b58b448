"""Crosstabs: codes (rows) by the values of one participant attribute (columns).

The unit is either **segments** (how many of the group's segments are coded at
the code) or **participants** (how many of the group's participants have at
least one segment coded at the code: each counted once per code, however much
they said). Codes roll up: a theme's row counts segments coded at any code
below it. Interviewer turns are never counted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from qda.analysis.columns import choose_codes, live_segments, rolled_pairs
from qda.codebook import Codebook
from qda.errors import InputError

__all__ = ["NONE_GROUP", "UNITS", "Crosstab", "crosstab", "group_value"]

UNITS = ("segments", "participants")
NONE_GROUP = "(none)"
TOTAL = "Total"

_NOTES = {
    "segments": (
        "Segments counted: a segment coded at several codes below a theme counts "
        "once for the theme; the base is the group's segments (interviewer turns "
        "left out)."
    ),
    "participants": (
        "Participants counted once per code: a participant with several coded "
        "segments counts 1; the base is the group's participants who have any "
        "segment (interviewer turns left out)."
    ),
}


@dataclass(frozen=True)
class Crosstab:
    """Codes by the values of ``attribute``.

    ``counts``, ``row_percent`` and ``column_percent`` share one layout: index
    ``code_id`` (codebook order), a ``code`` column with the code's name, then one
    column per attribute value (sorted, ``(none)`` last for participants without a
    value) and ``Total``. ``counts`` are segments or participants (``unit``).
    ``column_percent`` = counts / ``base`` x 100: the share of the group coded at the
    code ("7 of 12 family members (58%)"). ``row_percent`` = counts / the row's
    ``Total`` x 100: how the code's segments or participants divide between the
    groups (with the participants unit, each group's share of the participants
    coded at it). Percentages are 0-100, not rounded; NaN where the base is 0.
    ``base``: per column (values and ``Total``), the number of segments or
    participants in the group.
    """

    attribute: str
    unit: str
    counts: pd.DataFrame
    row_percent: pd.DataFrame
    column_percent: pd.DataFrame
    base: pd.Series
    note: str

    @property
    def groups(self) -> list[str]:
        """The attribute's values (columns) in order, without ``Total``."""
        return [c for c in self.base.index if c != TOTAL]

    def _repr_html_(self) -> str:
        from qda.display import shaded_table

        table = self.column_percent.reset_index(drop=True)
        return shaded_table(
            table, shade=self.groups, digits=0, caption=f"column % of each {self.attribute}. {self.note}"
        )

    def to_frame(self) -> pd.DataFrame:
        """One flat table for a sheet or CSV: ``code_id, code``, then ``n | <value>`` for
        every column (counts), then ``row % | <value>`` and ``column % | <value>``.
        The last row, ``code_id`` ``(base)``, holds the base in the ``n`` columns."""
        columns = list(self.base.index)
        parts = [self.counts[["code"]]]
        for label, frame in (
            ("n", self.counts),
            ("row %", self.row_percent),
            ("column %", self.column_percent),
        ):
            parts.append(frame[columns].rename(columns=lambda c, lb=label: f"{lb} | {c}"))
        flat = pd.concat(parts, axis=1)
        base = {"code": f"Base: {self.unit} in the group"}
        base.update({f"n | {c}": self.base[c] for c in columns})
        flat.loc["(base)"] = pd.Series(base)
        flat.index.name = "code_id"
        return flat.reset_index()


def group_value(value: object) -> str:
    """An attribute value as a group name: missing or blank values are ``(none)``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NONE_GROUP
    text = str(value).strip()
    return text or NONE_GROUP


def crosstab(
    segments: pd.DataFrame,
    codings: pd.DataFrame,
    codebook: Codebook,
    participants: pd.DataFrame,
    attribute: str,
    *,
    unit: str = "segments",
    depth: int | None = 1,
    codes: Sequence[str] | None = None,
) -> Crosstab:
    """Codes by the values of a participant ``attribute`` (see :class:`Crosstab`).

    ``segments``: ``segment_id, participant_id, is_interviewer`` (the store's table);
    ``codings``: ``segment_id, code_id`` (already chosen, e.g. by
    :func:`~qda.analysis.select_codings`); ``participants``: ``participant_id`` and
    attribute columns. ``depth``/``codes`` choose the rows as for the matrix.
    Segments without a participant are left out (they belong to no group).
    """
    if unit not in UNITS:
        raise InputError(f"unknown crosstab unit {unit!r}; use segments or participants")
    names = [c for c in participants.columns if c not in ("participant_id", "label", "auto")]
    if attribute not in names:
        raise InputError(
            f"no participant attribute {attribute!r}; the project has "
            f"{', '.join(names) or 'none (load a participants sheet)'}"
        )
    rows = choose_codes(codebook, depth=depth, codes=codes)
    groups_of = participants.set_index("participant_id")[attribute]
    groups_of = groups_of.map(group_value)
    segs = live_segments(segments)
    segs = segs[segs["participant_id"].notna()][["segment_id", "participant_id"]]
    segs = segs.assign(group=segs["participant_id"].map(groups_of).fillna(NONE_GROUP))
    values = sorted(v for v in segs["group"].unique() if v != NONE_GROUP)
    if (segs["group"] == NONE_GROUP).any():
        values.append(NONE_GROUP)
    columns = values + [TOTAL]

    pairs = rolled_pairs(codings, codebook, rows).merge(segs, on="segment_id")
    item = "segment_id" if unit == "segments" else "participant_id"
    counts = (
        pairs.groupby(["code_id", "group"])[item]
        .nunique()
        .unstack("group")
        .reindex(index=rows, columns=values)
        .fillna(0)
        .astype("int64")
    )
    counts[TOTAL] = pairs.groupby("code_id")[item].nunique().reindex(rows).fillna(0)
    counts = counts.astype("int64")
    base = segs.groupby("group")[item].nunique().reindex(values).fillna(0).astype("int64")
    base[TOTAL] = segs[item].nunique()
    base.name = "base"

    column_percent = counts.div(base.where(base > 0), axis=1) * 100
    row_percent = counts.div(counts[TOTAL].where(counts[TOTAL] > 0), axis=0) * 100
    names_col = pd.Series([codebook.get(c).name for c in rows], index=rows, name="code")
    out = []
    for frame in (counts, row_percent, column_percent):
        frame = pd.concat([names_col, frame[columns]], axis=1)
        frame.index.name = "code_id"
        frame.columns.name = None
        out.append(frame)
    note = f"Codes by {attribute}. " + _NOTES[unit]
    return Crosstab(
        attribute=attribute,
        unit=unit,
        counts=out[0],
        row_percent=out[1],
        column_percent=out[2],
        base=base,
        note=note,
    )
