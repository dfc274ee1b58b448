"""Co-occurrence of codes within segments: counts and the c-coefficient.

Two codes co-occur when one segment is coded at both (each rolled up to the
codes shown, so with sub-themes shown beside their theme, a sub-theme always
co-occurs with its own theme). Interviewer turns are left out when the segment
table is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qda.analysis.columns import choose_codes, live_segments, rolled_pairs
from qda.codebook import Codebook

__all__ = ["Cooccurrence", "cooccurrence"]


@dataclass(frozen=True)
class Cooccurrence:
    """``counts``: square, codes by codes (index and columns = code ids, codebook
    order); off the diagonal the number of segments coded at both codes, on it
    the number of segments coded at the code (n1).
    ``c_coefficient``: n12 / (n1 + n2 - n12) (the Jaccard index of the two codes'
    segments; 0 = never together, 1 = always together); the diagonal is 1.0 for a
    code that is used and NaN for one no segment has (also NaN off the diagonal
    when neither code is used).
    ``names``: code id -> name, for labels."""

    counts: pd.DataFrame
    c_coefficient: pd.DataFrame
    names: dict[str, str]

    def _repr_html_(self) -> str:
        from qda.display import shaded_table

        return shaded_table(
            self.to_frame(),
            shade=list(self.counts.columns),
            caption="Segments coded at both codes (diagonal: at the code)",
            max_rows=60,
        )

    def to_frame(self, *, value: str = "counts") -> pd.DataFrame:
        """``counts`` or ``c_coefficient`` with a leading ``code_id, code`` column pair."""
        table = self.counts if value == "counts" else self.c_coefficient
        out = table.copy()
        out.insert(0, "code", [self.names[c] for c in out.index])
        out.index.name = "code_id"
        return out.reset_index()

    def pairs(self) -> pd.DataFrame:
        """The long form, one row per pair of different codes that co-occur at least once:
        ``code_a, code_b, n_a, n_b, n_ab, c_coefficient``, most frequent first."""
        ids = list(self.counts.index)
        rows = []
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                n_ab = int(self.counts.at[a, b])
                if n_ab:
                    rows.append(
                        {
                            "code_a": a,
                            "code_b": b,
                            "n_a": int(self.counts.at[a, a]),
                            "n_b": int(self.counts.at[b, b]),
                            "n_ab": n_ab,
                            "c_coefficient": float(self.c_coefficient.at[a, b]),
                        }
                    )
        out = pd.DataFrame(rows, columns=["code_a", "code_b", "n_a", "n_b", "n_ab", "c_coefficient"])
        return out.sort_values(["n_ab", "c_coefficient"], ascending=False, kind="stable").reset_index(
            drop=True
        )


def cooccurrence(
    codings: pd.DataFrame,
    codebook: Codebook,
    *,
    depth: int | None = 1,
    codes: Sequence[str] | None = None,
    segments: pd.DataFrame | None = None,
) -> Cooccurrence:
    """Code-by-code co-occurrence within segments (see :class:`Cooccurrence`).

    ``codings``: ``segment_id, code_id`` (already chosen); ``depth``/``codes`` choose
    the codes as for the matrix; ``segments`` (optional): the segment table, to leave
    interviewer turns out.
    """
    ids = choose_codes(codebook, depth=depth, codes=codes)
    pairs = rolled_pairs(codings, codebook, ids)
    if segments is not None:
        pairs = pairs[pairs["segment_id"].isin(live_segments(segments)["segment_id"])]
    incidence = (
        pairs.assign(v=1)
        .pivot_table(index="segment_id", columns="code_id", values="v", aggfunc="max")
        .reindex(columns=ids)
        .fillna(0)
        .astype("int64")
    )
    matrix = incidence.T.dot(incidence) if len(incidence) else pd.DataFrame(0, index=ids, columns=ids)
    counts = matrix.reindex(index=ids, columns=ids).fillna(0).astype("int64")
    counts.index.name = None
    counts.columns.name = None
    n = np.diag(counts.to_numpy()).astype("float64")
    both = counts.to_numpy().astype("float64")
    union = n[:, None] + n[None, :] - both
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.where(union > 0, both / np.where(union > 0, union, 1), np.nan)
    coefficient = pd.DataFrame(c, index=ids, columns=ids)
    return Cooccurrence(
        counts=counts, c_coefficient=coefficient, names={cid: codebook.get(cid).name for cid in ids}
    )
