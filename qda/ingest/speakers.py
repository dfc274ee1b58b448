"""Speaker turns in transcripts: ``Name:`` labels at the start of a line.

A turn runs from the text after its label to the next label. Offsets are code
points into the stored text, end exclusive, trimmed of surrounding whitespace,
so ``text[turn.start:turn.end]`` is exactly what the speaker said.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from qda.errors import InputError

__all__ = [
    "Turn",
    "find_turns",
    "is_interviewer_label",
    "paragraph_turns",
    "trim_span",
    "INTERVIEWER_LABELS",
    "compile_speaker_pattern",
    "parse_time",
    "label_at_start",
    "NON_SPEECH",
    "label_starts",
]

#: Labels recognised as the interviewer's (case-insensitive; a trailing number is
#: allowed, e.g. "Interviewer 2"). Extend per project with ``interviewer_labels``.
INTERVIEWER_LABELS = frozenset({"interviewer", "int", "i", "q", "facilitator", "moderator", "researcher"})


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
    bold = r"(?:\*\*|__)?"  # Markdown bold: "**Dawn:** words" or "**Dawn**: words"
    # One stray space or tab before the label is allowed (deeper indentation is text);
    # so is a bracketed name before
    # the colon ("[SPEAKER_00]: words", as WhisperX writes into subtitle cues).
    return re.compile(
        rf"^[ \t]?(?:(?P<before>{_STAMP})[ \t]+)?{bold}(?P<open>\[)?"
        + _name()
        + rf"(?(open)\])(?:[ \t]+(?P<after>{_STAMP}))?[ \t]*{bold}:{bold}(?=[ \t]|$)[ \t]*",
        re.MULTILINE,
    )


#: WhisperX / pyannote diarised text: ``[0:00:06.835000 - 0:00:07.235000] SPEAKER_00 - Hello.``
#: (a time range in brackets, the label, then `` - `` or ``:``).
_RANGE_TIME = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,6})?"


@lru_cache(maxsize=1)
def _range_pattern() -> re.Pattern[str]:
    return re.compile(
        rf"^[ \t]*\[(?P<begin>{_RANGE_TIME})[ \t]*(?:-->|-|\u2013)[ \t]*(?P<end>{_RANGE_TIME})\]"
        r"[ \t]+" + _name() + r"(?:[ \t]+-[ \t]+|[ \t]*:[ \t]*|[ \t]*$)",
        re.MULTILINE,
    )


#: What a bracket at a line start holds when it is a stage direction, not a speaker.
NON_SPEECH = frozenset(
    {
        "laughs",
        "laughter",
        "laughing",
        "laugh",
        "inaudible",
        "crosstalk",
        "cross talk",
        "pause",
        "long pause",
        "silence",
        "music",
        "applause",
        "unclear",
        "noise",
        "coughs",
        "cough",
        "sighs",
        "sigh",
        "indistinct",
        "overlapping",
        "overtalk",
        "break",
        "redacted",
        "name",
        "interruption",
        "background noise",
        "phone rings",
        "end",
        "start",
        "sic",
    }
)


@lru_cache(maxsize=1)
def _bracket_pattern() -> re.Pattern[str]:
    """``[P3] words`` / ``[Interviewer] words``: a bracketed label, no colon."""
    return re.compile(r"^[ \t]*\[" + _name() + r"\][ \t]+(?=\S)", re.MULTILINE)


#: Otter's closing line is not speech.
_TRAILER = re.compile(
    r"^[ \t]*Transcribed by https?://(?:www\.)?otter\.ai\S*\s*\Z", re.MULTILINE | re.IGNORECASE
)


@lru_cache(maxsize=1)
def _heading_pattern() -> re.Pattern[str]:
    """Otter / Teams exports: ``Name  0:02`` (or ``0:02 Name``) alone on a line, the
    words on the lines below."""
    return re.compile(
        r"^(?:"
        + _name()
        + rf"[ \t]+(?P<after>{_ANY_STAMP})"
        + rf"|(?P<before>{_ANY_STAMP})[ \t]+"
        + _name("label2")
        + r")[ \t]*$",
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
        raise InputError(
            f"speaker pattern {pattern!r} is not a valid regular expression "
            f"({exc}); write one with a named group, {example}"
        ) from exc
    if "label" not in compiled.groupindex:
        raise InputError(
            f"speaker pattern {pattern!r} has no group named 'label'; mark the "
            f"speaker's name with (?P<label>...), {example}"
        )
    return compiled


_MAX_LABEL_WORDS = 4
_TRAILING_NUMBER = re.compile(r"[\s_-]*\d+$")
_BRACKETED = re.compile(r"\s*[(\[][^)\]]*[)\]]\s*$")  # "Interviewer (JB)" -> "Interviewer"


@dataclass(frozen=True)
class Turn:
    """What one speaker said, as offsets into the stored text."""

    start: int
    end: int
    speaker: str | None
    is_interviewer: bool = False
    begin_time: float | None = None  # seconds into the recording (subtitle cues, timestamps)
    end_time: float | None = None
    question: str | None = None  # the survey column this turn answers


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


def find_turns(
    text: str, *, interviewer_labels: Iterable[str] = (), speaker_pattern: str | None = None
) -> tuple[list[Turn], int]:
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
    found = (
        _pattern_labels(text, speaker_pattern)
        if speaker_pattern is not None
        else _lone_label_dropped(text, _known_labels(text, extra), extra)
    )
    trailer = _TRAILER.search(text)
    limit = trailer.start() if trailer else len(text)
    turns: list[Turn] = []
    for i, (_, body_start, raw, begin, end_time) in enumerate(found):
        body_end = min(found[i + 1][0] if i + 1 < len(found) else len(text), limit)
        start, end = trim_span(text, body_start, max(body_start, body_end))
        if start == end:
            continue
        label = unicodedata.normalize("NFC", " ".join(raw.split()))
        turns.append(
            Turn(start, end, label, is_interviewer_label(label, extra), begin_time=begin, end_time=end_time)
        )
    header_end = found[0][0] if found else len(text)
    return turns, header_end


#: Text before a lone label that makes it a field of the text ("Location: Cork" in a
#: think-aloud note), not the first speaker of a transcript after a short header.
_LONE_LABEL_HEADER = 200


def _lone_label_dropped(text: str, found: list, extra: tuple[str, ...]) -> list:
    """No labels when the only one found is a single label, once, after more than a short
    header, and not an interviewer's (``MODERATOR:`` once in a think-aloud session is a
    turn): a one-author text whose line happens to start ``Word:`` deep inside it must
    not lose everything before that line as a header."""
    if (
        len(found) == 1
        and len(text[: found[0][0]].strip()) > _LONE_LABEL_HEADER
        and not is_interviewer_label(" ".join(found[0][2].split()), extra)
    ):
        return []
    return found


#: (label start, body start, label, begin time, end time)
_Found = tuple[int, int, str, "float | None", "float | None"]


def _pattern_labels(text: str, speaker_pattern: str) -> list[_Found]:
    found: list[_Found] = []
    for m in compile_speaker_pattern(speaker_pattern).finditer(text):
        label = m.group("label")
        if label and label.strip():
            try:
                when = parse_time(m.groupdict().get("time"))
            except ValueError:
                when = None
            found.append((m.start(), m.end(), label, when, None))
    return found


def _short(label: str) -> bool:
    return len(label.split()) <= _MAX_LABEL_WORDS


def _known_labels(text: str, extra: tuple[str, ...] = ()) -> list[_Found]:
    """Every built-in label style at once: ``Name:`` (timestamps, bold, brackets), time
    ranges (WhisperX), headings (Otter/Teams, when at least two); bracketed labels
    without a colon only in a file with none of those."""
    found: dict[int, _Found] = {}
    for m in _range_pattern().finditer(text):
        if _short(m.group("label")):
            found[m.start()] = (
                m.start(),
                m.end(),
                m.group("label"),
                parse_time(m.group("begin")),
                parse_time(m.group("end")),
            )
    for m in _label_pattern().finditer(text):
        if _short(m.group("label")) and m.start() not in found:
            found[m.start()] = (
                m.start(),
                m.end(),
                m.group("label"),
                parse_time(m.group("before") or m.group("after")),
                None,
            )
    headings = [m for m in _heading_pattern().finditer(text) if _short(m.group("label") or m.group("label2"))]
    if len(headings) >= _MIN_HEADINGS:
        for m in headings:
            found.setdefault(
                m.start(),
                (
                    m.start(),
                    m.end(),
                    m.group("label") or m.group("label2"),
                    parse_time(m.group("before") or m.group("after")),
                    None,
                ),
            )
    if not found:
        found = {f[0]: f for f in _bracket_labels(text)}
    return _house_case(sorted(found.values()), extra)


def _house_case(found: list[_Found], extra: tuple[str, ...]) -> list[_Found]:
    """In a transcript whose interviewer is labelled in capitals (``MODERATOR:``; not a
    one-letter ``Q:``), a
    label seen once and not in capitals (``Heat map: I like it``, said by the unlabelled
    participant) is words, not a speaker: house styles write every label alike."""
    key = lambda f: " ".join(f[2].split())
    counts = Counter(key(f) for f in found)
    if not any(
        label.isupper() and len(label) >= 3 and is_interviewer_label(label, extra) for label in counts
    ):
        return found
    return [
        f for f in found if counts[key(f)] >= 2 or key(f).isupper() or is_interviewer_label(key(f), extra)
    ]


def _bracket_labels(text: str) -> list[_Found]:
    """``[P3] words`` lines: labels when at least two different ones recur (or are the
    interviewer's); then a label seen once counts when numbered like a recurring one
    (``[id3]`` beside ``[id1]``). A stage direction such as ``[laughs]`` never does."""
    key = lambda m: " ".join(m.group("label").split())
    matches = [
        m
        for m in _bracket_pattern().finditer(text)
        if _short(m.group("label")) and key(m).lower() not in NON_SPEECH
    ]
    counts = Counter(key(m) for m in matches)
    recurring = {label for label, n in counts.items() if n >= 2 or is_interviewer_label(label)}
    if len(recurring) < 2:
        return []
    shape = lambda label: re.sub(r"\d+", "#", label.casefold())
    shapes = {shape(label) for label in recurring if re.search(r"\d", label)}
    return [
        (m.start(), m.end(), m.group("label"), None, None)
        for m in matches
        if key(m) in recurring or shape(key(m)) in shapes
    ]


def label_starts(
    text: str, *, speaker_pattern: str | None = None, interviewer_labels: Iterable[str] = ()
) -> list[int]:
    """Where each label :func:`find_turns` finds begins (the offset of its line part)."""
    found = (
        _pattern_labels(text, speaker_pattern)
        if speaker_pattern is not None
        else _known_labels(text, tuple(interviewer_labels))
    )
    return [f[0] for f in found]


def label_at_start(line: str, *, speaker_pattern: str | None = None) -> tuple[str, int] | None:
    """``(label, where the words begin)`` when one line (a subtitle cue's) starts with a
    ``Name:`` label without a timestamp, or with the house-style pattern; else None."""
    if speaker_pattern is not None:
        m = compile_speaker_pattern(speaker_pattern).match(line)
        return (m.group("label"), m.end()) if m and (m.group("label") or "").strip() else None
    m = _label_pattern().match(line)
    if (
        m
        and not (m.group("before") or m.group("after"))
        and len(m.group("label").split()) <= _MAX_LABEL_WORDS
    ):
        return m.group("label"), m.end()
    return None


_PARAGRAPH = re.compile(r"[^\n]+")


def paragraph_turns(
    text: str,
    start: int = 0,
    end: int | None = None,
    *,
    speaker: str | None = None,
    is_interviewer: bool = False,
) -> list[Turn]:
    """Each non-blank line of ``text[start:end]`` as a turn of one speaker."""
    end = len(text) if end is None else end
    out = []
    for m in _PARAGRAPH.finditer(text, start, end):
        s, e = trim_span(text, m.start(), m.end())
        if s < e:
            out.append(Turn(s, e, speaker, is_interviewer))
    return out
