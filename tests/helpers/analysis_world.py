"""A small hand-built project as plain frames, shared by the analysis tests.

Four participants: P1 (staff, document A, three segments), P2 (family, B, two),
P3 (staff, C, one), P4 (no group, C, one), and an interviewer turn in A.
Codes: benefits (b_staff, b_users), challenges (c_time), other (never used).

    a1  b_staff, b_users      -> benefits
    a2  challenges
    a3  c_time                -> challenges
    b1  benefits
    b2  (nothing)
    c1  b_users, c_time       -> benefits and challenges
    c2  (nothing)
    i1  challenges            (interviewer: never counted)

Word counts: a1 2, a2 3, a3 4, b1 5, b2 1, c1 6, c2 1.
"""

from __future__ import annotations

import pandas as pd

from qda.codebook import Code, Codebook

CB = Codebook(
    codes=(
        Code("benefits", "Benefits"),
        Code("b_staff", "To staff", parent="benefits"),
        Code("b_users", "To service users", parent="benefits"),
        Code("challenges", "Challenges"),
        Code("c_time", "Time", parent="challenges"),
        Code("other", "Other"),
    )
)

_A = ["w1 w2", "x1 x2 x3", "y1 y2 y3 y4", "Q"]
_B = ["v1 v2 v3 v4 v5", "u1"]
_C = ["t1 t2 t3 t4 t5 t6", "s1"]


def _layout(parts: list[str]) -> tuple[str, list[tuple[int, int]]]:
    text, spans = "", []
    for part in parts:
        start = len(text)
        text += part
        spans.append((start, len(text)))
        text += "\n\n"
    return text, spans


TEXT_A, SPANS_A = _layout(_A)
TEXT_B, SPANS_B = _layout(_B)
TEXT_C, SPANS_C = _layout(_C)
TEXTS = {"A": TEXT_A, "B": TEXT_B, "C": TEXT_C}

SEGMENTS = pd.DataFrame(
    {
        "segment_id": ["a1", "a2", "a3", "i1", "b1", "b2", "c1", "c2"],
        "document_id": ["A", "A", "A", "A", "B", "B", "C", "C"],
        "participant_id": ["P1", "P1", "P1", None, "P2", "P2", "P3", "P4"],
        "is_interviewer": [False, False, False, True, False, False, False, False],
        "start": [s for s, _ in SPANS_A] + [s for s, _ in SPANS_B] + [s for s, _ in SPANS_C],
        "end": [e for _, e in SPANS_A] + [e for _, e in SPANS_B] + [e for _, e in SPANS_C],
    }
)
PARTICIPANTS = pd.DataFrame(
    {
        "participant_id": ["P1", "P2", "P3", "P4"],
        "label": ["Ann", "Bea", "Cal", "Dee"],
        "auto": [False] * 4,
        "group": ["staff", "family", "staff", None],
    }
)

_SEG = SEGMENTS.set_index("segment_id")


def codings(rows: list[tuple[str, str]], *, coder: str = "ann") -> pd.DataFrame:
    """Whole-segment human codings for (segment, code) pairs."""
    return pd.DataFrame(
        [
            {
                "segment_id": s,
                "document_id": _SEG.at[s, "document_id"],
                "code_id": c,
                "start": int(_SEG.at[s, "start"]),
                "end": int(_SEG.at[s, "end"]),
                "coder": coder,
                "source": "human",
                "status": "accepted",
            }
            for s, c in rows
        ]
    )


CODINGS = codings(
    [
        ("a1", "b_staff"),
        ("a1", "b_users"),
        ("a2", "challenges"),
        ("a3", "c_time"),
        ("b1", "benefits"),
        ("c1", "b_users"),
        ("c1", "c_time"),
        ("i1", "challenges"),
    ]
)
