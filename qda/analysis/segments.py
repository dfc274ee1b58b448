"""The segment table people read (the design's Segments CSV), from the store's tables."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from qda.offsets import quotes

__all__ = ["SEGMENT_COLUMNS", "segment_table"]

#: the design's Segments CSV columns; participant attributes follow them
SEGMENT_COLUMNS = ("segment_id", "document", "participant", "speaker", "unit", "start", "end", "text")
# Extended columns, last and only when some segment has them (survey questions, cue times).
_EXTENDED = ("question", "begin_time", "end_time")


def segment_table(
    segments: pd.DataFrame, texts: Mapping[str, str], participants: pd.DataFrame, *, interviewer: bool = False
) -> pd.DataFrame:
    """``segment_id, document, participant, speaker, unit, start, end, text`` then the
    participant attributes, then ``question`` (survey answers) and ``begin_time,
    end_time`` when any segment has them. Interviewer turns only with ``interviewer=True``
    (then an ``is_interviewer`` column ends the table).

    ``segments``: the store's segment table (``document_id``, ``participant_id``,
    ``is_interviewer``, offsets...); ``texts``: document id -> stored text;
    ``participants``: ``participant_id, label, auto`` then attributes."""
    if not interviewer:
        segments = segments[~segments["is_interviewer"]]
    segments = segments.assign(
        text=quotes(texts, segments["document_id"], segments["start"], segments["end"])
    )
    attrs = participants.drop(columns=["label", "auto"])
    out = segments.merge(attrs, on="participant_id", how="left")
    out = out.rename(columns={"document_id": "document", "participant_id": "participant"})
    cols = [*SEGMENT_COLUMNS, *(c for c in attrs.columns if c != "participant_id")]
    cols += [c for c in _EXTENDED if out[c].notna().any()]
    if interviewer:
        cols.append("is_interviewer")
    return out[cols].reset_index(drop=True)
