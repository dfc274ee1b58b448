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

from qda.errors import InputError

__all__ = ["Turn", "find_turns", "is_interviewer_label", "paragraph_turns", "trim_span",
           "INTERVIEWER_LABELS", "compile_speaker_pattern", "parse_time", "label_at_start"]

#: Labels recognised as the interviewer's (case-insensitive; a trailing number is
#: allowed, e.g. "Interviewer 2"). Extend per project with ``interviewer_labels``.
INTERVIEWER_LABELS = frozenset(
    {"interviewer", "int", "i", "q", "facilitator", "moderator", "researcher"}
)


@lru_cache(maxsize=1)
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
# the line). A timestamp may stand before the name ("[00:01:02] Dawn:", Zoom) or after
# it ("Dawn (00:01:02):"); a bare timestamp needs hours ("00:01:02") so that "At 10:30:"
# or "10:30 then we left:" stay text, a bracketed one may be "[1:02]". Markdown bold
# around the label ("**Dawn:**") is part of the label, not of the words.
_TIME = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?"
_TIME_HMS = r"\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?"
_STAMP = rf"(?:\[{_TIME}\]|\({_TIME}\)|{_TIME_HMS})"
_ANY_STAMP = rf"(?:\[{_TIME}\]|\({_TIME}\)|{_TIME})"


def _name(group: str = "label") -> str:
    return rf"(?P<{group}>[^\W\d_][\w" + _mark_ranges() + r" .'’()-]{0,39}?)"


@lru_cache(maxsize=1)
def _label_pattern() -> re.Pattern[str]:
    """Compiled on first use, not at import: listing the marks scans ~135k code points."""
    bold = r"(?:\*\*|__)?"        # Markdown bold: "**Dawn:** words" or "**Dawn**: words"
    return re.compile(
        rf"^(?:(?P<before>{_STAMP})[ \t]+)?{bold}" + _name()
        + rf"(?:[ \t]+(?P<after>{_STAMP}))?[ \t]*{bold}:{bold}(?=[ \t]|$)[ \t]*",
        re.MULTILINE,
    )


@lru_cache(maxsize=1)
def _heading_pattern() -> re.Pattern[str]:
    """Otter / Teams exports: ``Name  0:02`` (or ``0:02 Name``) alone on a line, the
    words on the lines below."""
    return re.compile(
        r"^(?:" + _name() + rf"[ \t]+(?P<after>{_ANY_STAMP})"
        + rf"|(?P<before>{_ANY_STAMP})[ \t]+" + _name("label2") + r")[ \t]*$",
        re.MULTILINE,
    )


#: A heading line must be seen this often before a file is read as an Otter/Teams export
#: (one "Meeting at 10:30" line alone is not a speaker).
_MIN_HEADINGS = 2


def parse_time(stamp: str | None) -> float | None:
    """``[01:02:03.5]``, ``(1:02)``, ``00:01:02,250`` -> seconds; None for None."""
    if not stamp:
        return None
    fields = stamp.strip("[]() \t").replace(",", ".").split(":")
    seconds = 0.0
    for f in fields:
        seconds = seconds * 60 + float(f)
    return seconds


def compile_speaker_pattern(pattern: str) -> re.Pattern[str]:
    """A house-style label regex; it must compile and have a group named ``label``."""
    example = r"for example '^(?P<label>[A-Z][A-Za-z ]+) >' for lines like 'DAWN > text'"
    try:
        compiled = re.compile(pattern, re.MULTILINE)
    except re.error as exc:
        raise InputError(f"speaker pattern {pattern!r} is not a valid regular expression "
                         f"({exc}); write one with a named group, {example}") from exc
    if "label" not in compiled.groupindex:
        raise InputError(f"speaker pattern {pattern!r} has no group named 'label'; mark the "
                         f"speaker's name with (?P<label>...), {example}")
    return compiled


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


def find_turns(text: str, *, interviewer_labels: Iterable[str] = (),
               speaker_pattern: str | None = None) -> tuple[list[Turn], int]:
    """Split a transcript into speaker turns.

    Labels are ``Name:`` at the start of a line (a timestamp may stand before or after
    the name), or, in Otter/Teams exports, ``Name  0:02`` alone on a line. With
    ``speaker_pattern`` (a regex with a group ``label`` and optionally ``time``) only
    that house style is used. Returns the turns and the offset where the first label
    begins (text before it is a header, e.g. a bracketed note, and belongs to nobody);
    ``len(text)`` when there is no label. Labels with nothing after them give no turn.
    A transcript without labels is one author's: see :func:`paragraph_turns`.
    """
    extra = tuple(interviewer_labels)
    found: list[tuple[int, int, str, float | None]] = []   # label start, body start, label, time
    if speaker_pattern is not None:
        for m in compile_speaker_pattern(speaker_pattern).finditer(text):
            label = m.group("label")
            if label and label.strip():
                stamp = m.groupdict().get("time")
                try:
                    when = parse_time(stamp)
                except ValueError:
                    when = None
                found.append((m.start(), m.end(), label, when))
    else:
        for m in _label_pattern().finditer(text):
            if len(m.group("label").split()) <= _MAX_LABEL_WORDS:
                found.append((m.start(), m.end(), m.group("label"),
                              parse_time(m.group("before") or m.group("after"))))
        headings = [m for m in _heading_pattern().finditer(text)
                    if len((m.group("label") or m.group("label2")).split()) <= _MAX_LABEL_WORDS]
        if len(headings) >= _MIN_HEADINGS:
            taken = {start for start, *_ in found}
            found.extend((m.start(), m.end(), m.group("label") or m.group("label2"),
                          parse_time(m.group("before") or m.group("after")))
                         for m in headings if m.start() not in taken)
            found.sort()
    turns: list[Turn] = []
    for i, (_, body_start, raw, when) in enumerate(found):
        body_end = found[i + 1][0] if i + 1 < len(found) else len(text)
        start, end = trim_span(text, body_start, body_end)
        if start == end:
            continue
        label = unicodedata.normalize("NFC", " ".join(raw.split()))
        turns.append(Turn(start, end, label, is_interviewer_label(label, extra), begin_time=when))
    header_end = found[0][0] if found else len(text)
    return turns, header_end


def label_at_start(line: str, *, speaker_pattern: str | None = None) -> tuple[str, int] | None:
    """``(label, where the words begin)`` when one line (a subtitle cue's) starts with a
    ``Name:`` label without a timestamp, or with the house-style pattern; else None."""
    if speaker_pattern is not None:
        m = compile_speaker_pattern(speaker_pattern).match(line)
        return (m.group("label"), m.end()) if m and (m.group("label") or "").strip() else None
    m = _label_pattern().match(line)
    if m and not (m.group("before") or m.group("after")) \
            and len(m.group("label").split()) <= _MAX_LABEL_WORDS:
        return m.group("label"), m.end()
    return None


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
