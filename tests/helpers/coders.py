"""Two coders on the sample: researcher_a's bundled coding, and a second coder made from
it (the ``two_coders_path`` fixture imports both)."""

from __future__ import annotations

import pandas as pd

from tests.helpers.paths import ROOT

CODING_A = ROOT / "data" / "sample-coding" / "researcher_a.csv"


def researcher_b(path) -> pd.DataFrame:
    """A second coder made by perturbing researcher_a: every 5th segment marked as
    'no code applies', every 7th (from the 2nd) recoded as `risks`, every 10th (from
    the 4th) not reviewed at all."""
    a = pd.read_csv(CODING_A, dtype={"code": str})
    order = {s: i for i, s in enumerate(dict.fromkeys(a["segment_id"]))}
    i = a["segment_id"].map(order)
    b = a[(i % 10) != 3].copy()
    i = b["segment_id"].map(order)
    none = (i % 5) == 0
    b.loc[(i % 7) == 1, "code"] = "risks"
    blank = b[none].drop_duplicates("segment_id").assign(code="")
    b = pd.concat([b[~none], blank]).assign(coder="researcher_b")
    b.to_csv(path, index=False)
    return b
