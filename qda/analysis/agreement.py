"""Agreement between coders on the same segments, per code and pooled.

Every (segment, code) is a nominal decision: the coder applied the code (1) or
reviewed the segment and did not (0). A coder who did not review a segment gave
no decision there (missing data). Codes roll up: a coder who applied a sub-theme
applied its theme.

- **Percent agreement**: of the pairs of coders who both reviewed a segment, the
  share that made the same decision (two coders: the share of their common
  segments where they agree), 0-100.
- **Cohen's kappa** (``sklearn.metrics.cohen_kappa_score``): only with exactly two
  coders, on the segments both reviewed; NaN otherwise.
- **Krippendorff's alpha**, nominal (the ``krippendorff`` package): any number of
  coders, missing data allowed; segments only one coder reviewed carry no
  information and drop out.

Kappa and alpha are undefined (NaN, with a note) when every decision was the same
(typically a code nobody used: everyone agrees it is absent, and the chance
correction divides by zero); percent agreement is still given.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import krippendorff
import numpy as np
import pandas as pd

from qda.analysis.columns import choose_codes, rolled_pairs
from qda.codebook import Codebook
from qda.errors import InputError

__all__ = [
    "AGREEMENT_COLUMNS",
    "Agreement",
    "agreement",
    "cohen_kappa",
    "krippendorff_alpha",
    "percent_agreement",
]

AGREEMENT_COLUMNS = [
    "code_id",
    "code",
    "units",
    "percent_agreement",
    "cohen_kappa",
    "krippendorff_alpha",
    "note",
]
POOLED = "(all codes)"


@dataclass(frozen=True)
class Agreement:
    """``per_code``: one row per code (:data:`AGREEMENT_COLUMNS`): ``units`` (segments
    at least two of the coders reviewed), ``percent_agreement`` (0-100),
    ``cohen_kappa`` (two coders only, else NaN), ``krippendorff_alpha`` (nominal)
    and a ``note`` when a figure is undefined.
    ``pooled``: ``mean_percent_agreement`` (mean over the codes), ``percent_agreement``,
    ``cohen_kappa`` and ``krippendorff_alpha`` over all (segment, code) decisions
    together. ``coders``: the coders compared; ``units``: segments at least two of
    them reviewed; ``note``: how the figures were made."""

    per_code: pd.DataFrame
    pooled: pd.Series
    coders: tuple[str, ...]
    units: int
    note: str

    def _repr_html_(self) -> str:
        from qda.display import shaded_table

        return shaded_table(
            self.to_frame(), shade=["cohen_kappa", "krippendorff_alpha"], caption=self.note, max_rows=60
        )

    def to_frame(self) -> pd.DataFrame:
        """``per_code`` with a last row ``(all codes)`` holding the pooled figures."""
        last = {
            "code_id": POOLED,
            "code": "All codes pooled",
            "units": self.units,
            "percent_agreement": self.pooled["percent_agreement"],
            "cohen_kappa": self.pooled["cohen_kappa"],
            "krippendorff_alpha": self.pooled["krippendorff_alpha"],
            "note": (f"mean percent agreement over codes {self.pooled['mean_percent_agreement']:.1f}"),
        }
        return pd.concat([self.per_code, pd.DataFrame([last])], ignore_index=True)


# ------------------------------------------------------------------- the measures
def percent_agreement(data: np.ndarray) -> float:
    """Share (0-100) of agreeing pairs among the pairs of coders who both gave a value
    for a unit. ``data``: coders x units, NaN = missing. NaN if no unit has two."""
    data = np.asarray(data, dtype="float64")
    agree = pairs = 0
    for i, j in combinations(range(data.shape[0]), 2):
        both = ~np.isnan(data[i]) & ~np.isnan(data[j])
        pairs += int(both.sum())
        agree += int((data[i][both] == data[j][both]).sum())
    return 100.0 * agree / pairs if pairs else float("nan")


def cohen_kappa(a: Sequence, b: Sequence) -> float:
    """Cohen's kappa of two coders' values on the same units (missing pairs dropped);
    NaN when undefined (no units, or one value throughout)."""
    x, y = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    both = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[both], y[both]
    labels = np.union1d(x, y)
    if len(x) == 0 or len(labels) < 2:
        return float("nan")
    # Imported here: scikit-learn (with SciPy) takes seconds to import, and most
    # exports never compute a kappa.
    from sklearn.metrics import cohen_kappa_score

    return float(cohen_kappa_score(x, y, labels=labels))


def krippendorff_alpha(data: np.ndarray) -> float:
    """Krippendorff's alpha, nominal. ``data``: coders x units (any numeric codes,
    NaN = missing). NaN when undefined (no unit with two values, or one value
    throughout the pairable units)."""
    data = np.asarray(data, dtype="float64")
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    data = data[:, pairable]
    values = np.unique(data[~np.isnan(data)])
    if data.shape[1] == 0 or len(values) < 2:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(
            krippendorff.alpha(reliability_data=data, value_domain=values, level_of_measurement="nominal")
        )


# ------------------------------------------------------------------------ agreement
def agreement(
    codings: pd.DataFrame,
    coders: Sequence[str],
    codebook: Codebook,
    *,
    units: pd.DataFrame | Mapping[str, Iterable[str]] | None = None,
    codes: Sequence[str] | None = None,
    depth: int | None = None,
) -> Agreement:
    """Agreement between ``coders`` (two or more) per code and pooled.

    ``codings``: ``segment_id, code_id, coder`` (the coders' codings; others ignored).
    ``units``: which segments each coder reviewed: the reviews table (``segment_id,
    coder``) or a mapping coder -> segment ids; a coder's coded segments count as
    reviewed too. ``None``: every segment any of them coded counts as reviewed by
    all of them (as when all coded the same documents through). ``depth``/``codes``
    choose the codes as for the matrix (default every code, rolled up).
    """
    coders = list(dict.fromkeys(coders))
    if len(coders) < 2:
        raise InputError("agreement needs at least two coders, e.g. --coders A,B")
    ids = choose_codes(codebook, depth=depth, codes=codes)
    mine = codings[codings["coder"].isin(coders)]
    reviewed = _reviewed(mine, coders, units)
    segment_ids = _common_units(reviewed, coders)
    decisions = _decisions(rolled_pairs(mine, codebook, ids, coder=True), reviewed, coders, segment_ids, ids)
    two = len(coders) == 2
    per_code = _per_code(decisions, codebook, units=len(segment_ids), two=two)
    every = np.concatenate(list(decisions.values()), axis=1) if ids else np.full((len(coders), 0), np.nan)
    pooled = pd.Series(
        {
            "mean_percent_agreement": float(per_code["percent_agreement"].mean()),
            "percent_agreement": percent_agreement(every),
            "cohen_kappa": cohen_kappa(every[0], every[1]) if two else float("nan"),
            "krippendorff_alpha": krippendorff_alpha(every),
        },
        name="pooled",
    )
    note = (
        f"{len(coders)} coders ({', '.join(coders)}) on {len(segment_ids)} segments at "
        f"least two of them reviewed; each (segment, code) is a yes/no decision, codes "
        f"rolled up to their parents; a segment a coder did not review is missing data"
        + ("" if two else "; Cohen's kappa needs exactly two coders")
        + "."
    )
    return Agreement(
        per_code=per_code, pooled=pooled, coders=tuple(coders), units=len(segment_ids), note=note
    )


def _reviewed(
    codings: pd.DataFrame, coders: list[str], units: pd.DataFrame | Mapping[str, Iterable[str]] | None
) -> dict[str, set[str]]:
    """The segments each coder reviewed (see :func:`agreement`'s ``units``)."""
    coded_segments = {c: set(codings.loc[codings["coder"] == c, "segment_id"].dropna()) for c in coders}
    if units is None:
        everyone: set[str] = set().union(*coded_segments.values())
        reviewed = {c: set(everyone) for c in coders}
    else:
        if isinstance(units, pd.DataFrame):
            units = units.groupby("coder")["segment_id"].agg(set).to_dict()
        reviewed = {c: set(units.get(c, ())) | coded_segments[c] for c in coders}
    empty = [c for c in coders if not reviewed[c]]
    if empty:
        raise InputError(
            f"coder {empty[0]!r} has no reviewed or coded segments; import their "
            "coding (qda code import F --coder NAME) first"
        )
    return reviewed


def _common_units(reviewed: dict[str, set[str]], coders: list[str]) -> list[str]:
    """Units: segments at least two coders reviewed, in a stable order."""
    seen: dict[str, int] = {}
    for c in coders:
        for s in reviewed[c]:
            seen[s] = seen.get(s, 0) + 1
    segment_ids = sorted(s for s, n in seen.items() if n >= 2)
    if not segment_ids:
        raise InputError(
            f"coders {', '.join(coders)} reviewed no segment in common; "
            "agreement is measured on segments each of them coded"
        )
    return segment_ids


def _decisions(
    pairs: pd.DataFrame,
    reviewed: dict[str, set[str]],
    coders: list[str],
    segment_ids: list[str],
    ids: list[str],
) -> dict[str, np.ndarray]:
    """Per code, coders x units: 1 where the coder applied it, 0 where they reviewed the
    unit without it, NaN where they did not review the unit."""
    col = {s: i for i, s in enumerate(segment_ids)}
    base = np.full((len(coders), len(segment_ids)), np.nan)
    for i, c in enumerate(coders):
        for s in reviewed[c]:
            if s in col:
                base[i, col[s]] = 0.0
    pairs = pairs[pairs["segment_id"].isin(col)]
    row_of = {c: i for i, c in enumerate(coders)}
    decisions = {cid: base.copy() for cid in ids}
    for r in pairs.itertuples(index=False):
        decisions[r.code_id][row_of[r.coder], col[r.segment_id]] = 1.0
    return decisions


def _per_code(decisions: dict[str, np.ndarray], codebook: Codebook, *, units: int, two: bool) -> pd.DataFrame:
    """One row of :data:`AGREEMENT_COLUMNS` per code."""
    rows = []
    for cid, data in decisions.items():
        note = ""
        if np.nanmax(data) == 0:
            note = "no coder applied this code: kappa and alpha undefined"
        elif np.nanmin(data) == 1:
            note = "every coder applied it to every segment: kappa and alpha undefined"
        rows.append(
            {
                "code_id": cid,
                "code": codebook.get(cid).name,
                "units": units,
                "percent_agreement": percent_agreement(data),
                "cohen_kappa": cohen_kappa(data[0], data[1]) if two else float("nan"),
                "krippendorff_alpha": krippendorff_alpha(data),
                "note": note,
            }
        )
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)
