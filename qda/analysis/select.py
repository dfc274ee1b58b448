"""Which codings an analysis uses, and the sentence that says so.

The default follows what researchers expect of NVivo or MAXQDA: once people have
coded (human codings, or suggestions a person accepted), analyses use those;
on a fresh project where only automatic suggestions exist (as after ``qda run``
on new transcripts), they use the suggestions, and every output says so.
Rejected codings are never used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

__all__ = ["CodingSelection", "select_codings"]


@dataclass(frozen=True)
class CodingSelection:
    codings: pd.DataFrame
    basis: str  # 'human' | 'suggestions' | 'filtered'
    description: str  # one line for About sheets, chart titles, quote-bank headers


def select_codings(
    codings: pd.DataFrame,
    *,
    coders: Iterable[str] | None = None,
    sources: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
) -> CodingSelection:
    """Pick the codings to analyse (the default rule above, or explicit filters)."""
    live = codings[codings["status"] != "rejected"]
    if coders is not None or sources is not None or statuses is not None:
        # Explicit filters; rejected codings only when asked for by status.
        out = codings if statuses is not None else live
        parts = []
        for column, wanted in (("coder", coders), ("source", sources), ("status", statuses)):
            if wanted is not None:
                wanted = list(wanted)
                out = out[out[column].isin(wanted)]
                parts.append(f"{column} {', '.join(wanted)}")
        return CodingSelection(out, "filtered", "Codings of " + "; ".join(parts))
    human = live[(live["source"] == "human") | (live["status"] == "accepted")]
    if not human.empty:
        coders_used = sorted(human["coder"].unique())
        return CodingSelection(
            human,
            "human",
            f"Human and accepted codings ({len(human)} codings by {', '.join(coders_used)})",
        )
    suggested = live[live["status"] == "suggested"]
    sources_used = sorted(suggested["source"].unique())
    what = " and ".join(sources_used) if sources_used else "none yet"
    return CodingSelection(
        suggested,
        "suggestions",
        f"Automatic suggestions, not yet reviewed by a person ({len(suggested)} codings; source: {what})",
    )
