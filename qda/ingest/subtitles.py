"""Subtitle files (.vtt, .srt), read with webvtt-py.

Each cue's speaker comes from a ``<v Speaker>`` voice tag or a ``Speaker:`` prefix;
a cue with neither continues the previous speaker's turn (or stands alone before any
speaker is known). Consecutive cues of one speaker merge into one turn that keeps the
first cue's start and the last cue's end, in seconds.

The stored text has one paragraph per turn, ``Speaker: words of the cues\\n\\n``, so
a turn's offsets cover exactly its words. webvtt-py skips a cue whose timing it cannot
read without a word, so every ``-->`` line is checked here first: an impossible time or a
broken timing line is mended and named in a warning (cue, line, fault), not refused.
Teams writes voices as ``<v Last, First>``: the speaker is ``Last, First``.
"""

from __future__ import annotations

import html
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError
from webvtt.models import Caption

from qda.errors import InputError
from qda.ingest.source import ReadOptions, SourceDocument, normalise_newlines
from qda.ingest.speakers import Turn, is_interviewer_label, label_at_start
from qda.ingest.text import decode_text

__all__ = ["read_vtt", "read_srt"]

_TIMINGS = {
    "vtt": re.compile(
        r"^\s*(?P<a>(?:\d+:)?\d{1,2}:\d{1,2}\.\d{1,3})\s*-->\s*"
        r"(?P<b>(?:\d+:)?\d{1,2}:\d{1,2}\.\d{1,3})(?:\s|$)"
    ),
    "srt": re.compile(
        r"^\s*(?P<a>\d+:\d{1,2}:\d{1,2}[,.]\d+)\s*-->\s*"
        r"(?P<b>\d+:\d{1,2}:\d{1,2}[,.]\d+)\s*(?:[XY]\d?:\S+\s*)*$"
    ),
}
#: Two time stamps with something other than ``-->`` between them (``->``, ``- ->``,
#: ``-- >``, a dash, nothing): a timing line that lost its arrow. webvtt-py would read it
#: as cue text or skip it without a word, merging or dropping the cue.
_STAMP = r"(?:\d+:)?\d{1,2}:\d{1,2}[.,]\d{1,3}"
_LOST_ARROW = re.compile(rf"^\s*{_STAMP}\s*[-\u2010-\u2015\u2212=>~\s]*\s*{_STAMP}(?:\s|$)")
_EXAMPLE = {"vtt": "00:01:02.500 --> 00:01:05.000", "srt": "00:01:02,500 --> 00:01:05,000"}


@dataclass
class _Piece:
    speaker: str | None
    words: str
    begin: float
    end: float


def _seconds(stamp: str) -> tuple[float, bool]:
    """``01:02:03.500`` / ``02:03,5`` -> (seconds, possible): ``possible`` is False when
    minutes or seconds pass 59 (the seconds then counted on: ``00:00:60`` is one minute)."""
    *whole, last = stamp.replace(",", ".").split(":")
    seconds, fields = float(last), [int(f) for f in whole]
    possible = seconds < 60 and not (fields and len(fields) > 1 and fields[-1] >= 60)
    total = 0
    for f in fields:
        total = total * 60 + f
    return total * 60 + seconds, possible


def _stamp(seconds: float, kind: str) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    sec, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{sec:02d}{',' if kind == 'srt' else '.'}{ms:03d}"


#: A timing line read leniently: two time stamps with an arrow (or what is left of one)
_LOOSE = re.compile(
    r"^\s*(?P<a>\d+:\d+(?::\d+)?(?:[.,]\d+)?)\s*(?:-->|[-\u2010-\u2015\u2212=>~\s]*)"
    r"\s*(?P<b>\d+:\d+(?::\d+)?(?:[.,]\d+)?)(?P<rest>\s.*)?$"
)


#: no recording is this long (1000 hours): a time past it is a broken line
_LONGEST = 3_600_000.0


def _mend_timings(path: Path, text: str, kind: str) -> tuple[str, int, list[str]]:
    """Every cue timing made readable, each mend a warning naming the cue, its line and
    the fault: an impossible time (``00:00:60.000``) is counted on, a timing line that
    lost its ``-->`` or cannot be read gets the previous cue's end, a cue ending before
    it starts ends where it starts. webvtt-py would skip such cues without a word.
    Returns the mended text, how many timings there are, and the warnings."""
    lines, notes, count, previous = text.split("\n"), [], 0, 0.0
    for number, line in enumerate(lines, start=1):
        lost = "-->" not in line and _LOST_ARROW.match(line)
        if "-->" not in line and not lost:
            continue
        count += 1
        where = f"{path}: cue {count} (line {number}, {line.strip()[:40]!r})"
        m = _TIMINGS[kind].match(line) if not lost else None
        loose = m or _LOOSE.match(line)
        try:
            if loose is None:
                raise ValueError("no timing")
            (a, a_ok), (b, b_ok) = _seconds(loose.group("a")), _seconds(loose.group("b"))
            if not max(a, b) < _LONGEST:
                raise ValueError("past any recording's length")
        except (AttributeError, ValueError, OverflowError):
            a = b = previous
            notes.append(
                f"{where}: the timing line cannot be read; its words are kept at the "
                f"previous cue's time ({_stamp(previous, kind)}): fix the times"
            )
        else:
            if lost or not m:
                notes.append(
                    f"{where}: the timing line is not '{_EXAMPLE[kind]}'; read as "
                    f"{_stamp(a, kind)} --> {_stamp(b, kind)}"
                )
            elif not (a_ok and b_ok):
                notes.append(
                    f"{where}: impossible time (minutes or seconds past 59); read as "
                    f"{_stamp(a, kind)} --> {_stamp(b, kind)}"
                )
            if b < a:
                notes.append(f"{where}: the cue ends before it starts; read as ending at its start")
                b = a
        previous = b
        rest = line[loose.end("b") :] if loose else ""
        lines[number - 1] = f"{_stamp(a, kind)} --> {_stamp(b, kind)}{rest.rstrip()}"
    return "\n".join(lines), count, notes


def _speaker_of(line: str, options: ReadOptions) -> tuple[str | None, str]:
    """(speaker or None, the words) of one cue line, tags and entities removed."""
    voice = Caption.VOICE_SPAN_PATTERN.match(line)
    words = html.unescape(Caption(text=line).text if "<" in line else line)
    if voice:
        return voice.group(1), words
    found = label_at_start(words, speaker_pattern=options.speaker_pattern)
    if found:
        return found[0], words[found[1] :]
    return None, words


def _pieces(captions, options: ReadOptions) -> list[_Piece]:
    out: list[_Piece] = []
    current: str | None = None
    for cap in captions:
        begin, end = cap.start_time.in_milliseconds() / 1000, cap.end_time.in_milliseconds() / 1000
        for line in cap.lines:
            speaker, words = _speaker_of(line, options)
            if speaker is not None:
                current = unicodedata.normalize("NFC", " ".join(speaker.split()))
            words = " ".join(words.split())
            if words:
                out.append(_Piece(current, words, begin, end))
    return out


def _read(path: Path, data: bytes, options: ReadOptions, kind: str) -> SourceDocument:
    decoded, _ = decode_text(data, path)
    text = normalise_newlines(decoded).lstrip("\ufeff")
    if not text.strip():
        raise InputError(f"{path}: has no text; check that it is the right file")
    text, expected, notes = _mend_timings(path, text, kind)
    try:
        parsed = webvtt.from_buffer(io.StringIO(text), format=kind)
        captions = list(parsed.captions)
        header = [n.strip() for n in getattr(parsed, "header_comments", None) or [] if n.strip()]
    except MalformedFileError as exc:
        needed = "WEBVTT on its first line" if kind == "vtt" else "a cue number, then a timing line"
        raise InputError(
            f"{path}: is not a {kind.upper()} file ({exc}); it must start with {needed}"
        ) from exc
    except (MalformedCaptionError, ValueError) as exc:
        raise InputError(f"{path}: a cue cannot be read: {exc}; fix or delete it") from exc
    if kind == "srt" and len(captions) < expected:
        raise InputError(
            f"{path}: {expected - len(captions)} cue(s) are not numbered or not "
            "followed by text; each cue is a number, a timing line, then its text"
        )
    pieces = _pieces(captions, options)
    if not pieces:
        raise InputError(f"{path}: has no cue text; check that it is the right file")

    parts: list[str] = []
    turns: list[Turn] = []
    pos = 0
    i = 0
    while i < len(pieces):
        first = pieces[i]
        j = i + 1
        # Cues of one speaker merge; cues with no speaker before any speaker stay apart.
        while (
            j < len(pieces)
            and not options.utterances
            and first.speaker is not None
            and pieces[j].speaker == first.speaker
        ):
            j += 1
        group = pieces[i:j]
        prefix = f"{first.speaker}: " if first.speaker else ""
        words = " ".join(p.words for p in group)
        start = pos + len(prefix)
        turns.append(
            Turn(
                start,
                start + len(words),
                first.speaker,
                is_interviewer_label(first.speaker, options.interviewer_labels),
                begin_time=first.begin,
                end_time=group[-1].end,
            )
        )
        paragraph = f"{prefix}{words}\n\n"
        parts.append(paragraph)
        pos += len(paragraph)
        i = j
    return SourceDocument(
        name=path.name,
        format=kind,
        text="".join(parts).rstrip("\n") + "\n",
        turns=turns,
        labelled=any(t.speaker for t in turns),
        warnings=notes,
        metadata={"cues": len(captions), **({"header": "\n".join(header)} if header else {})},
    )


def read_vtt(path: Path, data: bytes, options: ReadOptions) -> SourceDocument:
    return _read(path, data, options, "vtt")


def read_srt(path: Path, data: bytes, options: ReadOptions) -> SourceDocument:
    return _read(path, data, options, "srt")
