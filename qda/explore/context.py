"""A passage in its context: the segment, the turns around it, its codings (and, once
the project keeps memos, its memos).

:func:`passage` is pure: it takes the document's segments and text, the segment's
codings and the codebook, and returns a :class:`Passage` whose ``turns`` are the
``context`` segments before and after it (interviewer turns included: they are the
questions the passage answers), in document order.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from qda.codebook import Codebook
from qda.errors import InputError
from qda.offsets import quote

__all__ = ["Passage", "passage"]

TURN_COLUMNS = ["offset", "segment_id", "speaker", "participant", "is_interviewer", "start", "end", "text"]
CODING_COLUMNS = ["code", "code_name", "coder", "source", "status", "confidence", "start", "end", "text"]


@dataclass(frozen=True)
class Passage:
    """One segment in context. ``turns``: one row per segment shown, ``offset`` 0 for the
    passage itself, -N..N around it; ``codings``: every coding of the segment (a span
    coding's own words in ``text``); ``memos``: the memos about the segment, its
    codings, participant and document."""

    segment_id: str
    document: str
    participant: str | None
    attribution: str | None
    start: int
    end: int
    text: str
    turns: pd.DataFrame
    codings: pd.DataFrame
    memos: pd.DataFrame | None = None

    def to_text(self, width: int = 100) -> str:
        """The passage as it is printed by ``qda show``."""
        who = self.participant or "no participant"
        if self.attribution:
            who += f" ({self.attribution})"
        lines = [f"{self.segment_id}: {who}; {self.document}, characters {self.start}-{self.end}", ""]
        for t in self.turns.itertuples(index=False):
            mark = ">>" if t.offset == 0 else "  "
            head = f"{mark} {t.segment_id.rsplit('#', 1)[-1]}  {t.speaker or '(no speaker)'}: "
            body = " ".join(str(t.text).split())
            lines += textwrap.wrap(head + body, width, subsequent_indent=" " * 8) or [head]
        lines += ["", "Codings:" if len(self.codings) else "Codings: none"]
        for c in self.codings.itertuples(index=False):
            how = c.coder if c.source == "human" else f"{c.source}, {c.status}"
            if c.source != "human" and c.status != "suggested":
                how = f"{c.source} {c.status} by {c.coder}"
            if pd.notna(c.confidence):
                how += f", confidence {c.confidence:.2f}"
            span = "" if (c.start, c.end) == (self.start, self.end) else f' on "{_clip(c.text)}"'
            lines.append(f"  {c.code} ({c.code_name}): {how}{span}")
        if self.memos is not None:
            lines += ["", "Memos:" if len(self.memos) else "Memos: none"]
            for m in self.memos.to_dict("records"):
                title = f"{m['title']}: " if m.get("title") else ""
                lines.append(
                    f"  #{m['memo_id']} on {m['about']} ({m['author']}, "
                    f"{m['created_at']}): {title}{m['text']}"
                )
        return "\n".join(lines)


def _clip(text: str, n: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def passage(
    segment_id: str,
    segments: pd.DataFrame,
    text: str,
    codings: pd.DataFrame,
    codebook: Codebook,
    *,
    context: int = 2,
    attributions: Mapping[str, str] | None = None,
    memos: pd.DataFrame | None = None,
) -> Passage:
    """``segment_id`` with ``context`` segments each side. ``segments``: the store's
    segments of its document (``segment_id, position, start, end, speaker,
    participant_id, is_interviewer``); ``text``: the document's stored text;
    ``codings``: the store's codings of the segment (``code_id, coder, source, status,
    confidence, start, end``)."""
    if context < 0:
        raise InputError(f"--context must be 0 or more turns, not {context}")
    segs = segments.sort_values("position").reset_index(drop=True)
    at = segs.index[segs["segment_id"] == segment_id]
    if not len(at):
        raise InputError(f"unknown segment {segment_id!r}; see `qda segments` for the ids")
    i = int(at[0])
    near = segs.iloc[max(0, i - context) : i + context + 1]
    turns = pd.DataFrame(
        {
            "offset": [int(k) - i for k in near.index],
            "segment_id": near["segment_id"],
            "speaker": near["speaker"],
            "participant": near["participant_id"],
            "is_interviewer": near["is_interviewer"].astype(bool),
            "start": near["start"].astype("int64"),
            "end": near["end"].astype("int64"),
            "text": [quote(text, s, e) for s, e in zip(near["start"], near["end"])],
        },
        columns=TURN_COLUMNS,
    ).reset_index(drop=True)
    order = {cid: n for n, cid in enumerate(codebook.ids)}
    coded = codings.assign(_o=codings["code_id"].map(order)).sort_values(
        ["_o", "start", "coder"], kind="stable"
    )
    table = pd.DataFrame(
        {
            "code": coded["code_id"],
            "code_name": [codebook.get(c).name if c in codebook else "" for c in coded["code_id"]],
            "coder": coded["coder"],
            "source": coded["source"],
            "status": coded["status"],
            "confidence": coded["confidence"],
            "start": coded["start"],
            "end": coded["end"],
            "text": [quote(text, s, e) for s, e in zip(coded["start"], coded["end"])],
        },
        columns=CODING_COLUMNS,
    ).reset_index(drop=True)
    row = segs.iloc[i]
    participant = row["participant_id"] if pd.notna(row["participant_id"]) else None
    return Passage(
        segment_id,
        str(row["document_id"]) if "document_id" in segs else "",
        participant,
        (attributions or {}).get(participant) if participant else None,
        int(row["start"]),
        int(row["end"]),
        text[int(row["start"]) : int(row["end"])],
        turns,
        table,
        memos,
    )
