"""Which codes an analysis shows, and the (segment, code) pairs rolled up to them.

Every analysis takes the same two choices: ``depth`` (``1`` = the themes, ``2`` =
themes and their sub-themes, ..., ``None`` = every code) or an explicit list of
``codes``. A column always counts its whole subtree: a segment coded at a
sub-theme counts for the sub-theme and for each ancestor shown, once.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from qda.codebook import Codebook
from qda.errors import InputError

__all__ = ["choose_codes", "live_segments", "rolled_pairs"]


def choose_codes(
    codebook: Codebook, *, depth: int | None = None, codes: Sequence[str] | None = None
) -> list[str]:
    """The code ids to show, in codebook order (or the order given in ``codes``).

    ``codes`` wins over ``depth``. ``depth=N`` keeps every code at depth 1..N, so a
    theme coded directly still has its column; deeper codes roll up into them.
    """
    if codes is not None:
        chosen = list(dict.fromkeys(codes))
        unknown = [c for c in chosen if c not in codebook]
        if unknown:
            raise InputError(f"unknown code {unknown[0]!r}; see `qda codebook show` for the ids")
        return chosen
    if depth is None:
        return codebook.ids
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise InputError(f"depth must be a whole number from 1 (themes) up, or all; not {depth!r}")
    return [c for c in codebook.ids if codebook.depth(c) <= depth]


def live_segments(segments: pd.DataFrame) -> pd.DataFrame:
    """The segments analyses count: interviewer turns left out."""
    if "is_interviewer" not in segments.columns:
        return segments
    return segments[~segments["is_interviewer"].astype(bool)]


def rolled_pairs(
    codings: pd.DataFrame, codebook: Codebook, columns: Sequence[str], *, coder: bool = False
) -> pd.DataFrame:
    """Distinct ``(segment_id, code_id)`` pairs (with ``coder`` when asked) where
    ``code_id`` is one of ``columns`` and the segment is coded at it or below it."""
    keep = ["segment_id", "code_id"] + (["coder"] if coder else [])
    pairs = codings.loc[codings["segment_id"].notna(), keep]
    pairs = pairs[pairs["code_id"].isin(codebook.ids)]
    up = codebook.rollup()
    up = up[up["theme_id"].isin(list(columns))]
    pairs = pairs.merge(up, on="code_id")
    pairs = pairs.drop(columns="code_id").rename(columns={"theme_id": "code_id"})
    return pairs[keep].drop_duplicates().reset_index(drop=True)
