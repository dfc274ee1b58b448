"""Speaker turns in transcripts: ``Name:`` labels at the start of a line.

A turn runs from the text after its label to the next label. Offsets are code
points into the stored text, end exclusive, trimmed of surrounding whitespace,
so ``text[turn.start:turn.end]`` is exactly what the speaker said.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Turn", "find_turns", "is_interviewer_label", "paragraph_turns", "trim_span",
           "INTERVIEWER_LABELS"]

#: Labels recognised as the interviewer's (case-insensitive; a trailing number is
#: allowed, e.g. "Interviewer 2"). Extend per project with ``interviewer_labels``.
INTERVIEWER_LABELS = frozenset(
    {"interviewer", "int", "i", "q", "facilitator", "moderator", "researcher"}
)


def _mark_ranges() -> str:
    """Combining marks (Mn, Mc, Me) as a character-class body: ``\\w`` omits them, yet
    names use them ("Sia\\u0302n" in decomposed form, vowel signs in Devanagari)."""
    planes = (*range(0x20000), *range(0xE0000, 0xE1000))  # no marks elsewhere (Unicode 15)
    marks = [c for c in planes if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me")]
    ranges, start = [], marks[0]
    for prev, cur in zip(marks, [*marks[1:], -1]):
        if cur != prev + 1:
            ranges.append(f"{chr(start)}-{chr(prev)}" if prev > start else chr(start))
            start = cur
    return "".join(ranges)


# A label: starts with a letter, up to 40 characters of letters (with their combining
# marks), digits, spaces and name punctuation, then a colon and a space (or the end of
# the line).
@lru_cache(maxsize=1)
def _label_pattern() -> re.Pattern[str]:
    """Compiled on first use, not at import: listing the marks scans ~135k code points."""
    return re.compile(
        r"^(?P<label>[^\W\d_][\w" + _mark_ranges() + r" .'’()-]{0,39}?)[ \t]*:(?=[ \t]|$)[ \t]*",
        re.MULTILINE,
    )
_MAX_LABEL_WORDS = 4
_TRAILING_NUMBER = re.compile(r"[\s_-]*\d+$")
_BRACKETED = re.compile(r"\s*[(\[][^)\]]*[)\]]\s*$")   # "Interviewer (JB)" -> "Interviewer"


@dataclass(frozen=True)
class Turn:
    """What one speaker said, as offsets into the stored text."""

    start: int
    end: int
    speaker: str | None
    is_interviewer: bool = False
    begin_time: float | None = None   # seconds into the recording (subtitle cues, timestamps)
    end_time: float | None = None
    question: str | None = None       # the survey column this turn answers


def is_interviewer_label(label: str | None, extra: Iterable[str] = ()) -> bool:
    if not label:
        return False
    key = _TRAILING_NUMBER.sub("", _BRACKETED.sub("", label.strip().lower()))
    known = INTERVIEWER_LABELS | {e.strip().lower() for e in extra}
    return key in known or label.strip().lower() in known


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` past whitespace at both ends."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def find_turns(text: str, *, interviewer_labels: Iterable[str] = ()) -> tuple[list[Turn], int]:
    """Split a transcript into speaker turns.

    Returns the turns and the offset where the first one begins (text before it is
    a header, e.g. a bracketed note, and belongs to nobody). A transcript without
    labels is one author's: see :func:`paragraph_turns`.
    """
    extra = tuple(interviewer_labels)
    labels = [
        m for m in _label_pattern().finditer(text)
        if len(m.group("label").split()) <= _MAX_LABEL_WORDS
    ]
    turns: list[Turn] = []
    for i, m in enumerate(labels):
        body_end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
        start, end = trim_span(text, m.end(), body_end)
        if start == end:
            continue
        label = unicodedata.normalize("NFC", " ".join(m.group("label").split()))
        turns.append(Turn(start, end, label, is_interviewer_label(label, extra)))
    header_end = labels[0].start() if labels else len(text)
    return turns, header_end


_PARAGRAPH = re.compile(r"[^\n]+")


def paragraph_turns(text: str, start: int = 0, end: int | None = None,
                    *, speaker: str | None = None, is_interviewer: bool = False) -> list[Turn]:
    """Each non-blank line of ``text[start:end]`` as a turn of one speaker."""
    end = len(text) if end is None else end
    out = []
    for m in _PARAGRAPH.finditer(text, start, end):
        s, e = trim_span(text, m.start(), m.end())
        if s < e:
            out.append(Turn(s, e, speaker, is_interviewer))
    return out
