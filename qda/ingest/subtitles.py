"""Subtitle files (.vtt, .srt), read with webvtt-py.

Each cue's speaker comes from a ``<v Speaker>`` voice tag or a ``Speaker:`` prefix;
a cue with neither continues the previous speaker's turn (or stands alone before any
speaker is known). Consecutive cues of one speaker merge into one turn that keeps the
first cue's start and the last cue's end, in seconds.

The stored text has one paragraph per turn, ``Speaker: words of the cues\\n\\n``, so
a turn's offsets cover exactly its words. webvtt-py skips a cue whose timing it cannot
read without a word, so every ``-->`` line is checked here first and a broken one is an
error naming its line.
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
    "vtt": re.compile(r"^\s*(?P<a>(?:\d+:)?\d{1,2}:\d{1,2}\.\d{1,3})\s*-->\s*"
                      r"(?P<b>(?:\d+:)?\d{1,2}:\d{1,2}\.\d{1,3})(?:\s|$)"),
    "srt": re.compile(r"^\s*(?P<a>\d+:\d{1,2}:\d{1,2}[,.]\d+)\s*-->\s*"
                      r"(?P<b>\d+:\d{1,2}:\d{1,2}[,.]\d+)\s*(?:[XY]\d?:\S+\s*)*$"),
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


def _seconds(stamp: str) -> float | None:
    """``01:02:03.500`` / ``02:03,5`` -> seconds; None when minutes or seconds pass 59."""
    *whole, last = stamp.replace(",", ".").split(":")
    seconds, fields = float(last), [int(f) for f in whole]
    if seconds >= 60 or (fields and fields[-1] >= 60):     # fields[-1] is the minutes
        return None
    total = 0
    for f in fields:
        total = total * 60 + f
    return total * 60 + seconds


def _check_timings(path: Path, text: str, kind: str) -> int:
    """Every line with ``-->`` must be a readable cue timing, and a line of two time
    stamps must have ``-->`` between them; returns how many timings there are."""
    count = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if "-->" not in line:
            if _LOST_ARROW.match(line):
                raise InputError(f"{path}: line {number}: {line.strip()[:60]!r} looks like a cue "
                                 f"timing without its '-->'; write it as '{_EXAMPLE[kind]}'")
            continue
        count += 1
        m = _TIMINGS[kind].match(line)
        a = _seconds(m.group("a")) if m else None
        b = _seconds(m.group("b")) if m else None
        if a is None or b is None:
            raise InputError(f"{path}: line {number}: cue timing {line.strip()[:60]!r} is not "
                             f"'{_EXAMPLE[kind]}'; fix the times or delete that cue")
        if b < a:
            raise InputError(f"{path}: line {number}: cue ends ({m.group('b')}) before it starts "
                             f"({m.group('a')}); fix the times")
    return count


def _speaker_of(line: str, options: ReadOptions) -> tuple[str | None, str]:
    """(speaker or None, the words) of one cue line, tags and entities removed."""
    voice = Caption.VOICE_SPAN_PATTERN.match(line)
    words = html.unescape(Caption(text=line).text if "<" in line else line)
    if voice:
        return voice.group(1), words
    found = label_at_start(words, speaker_pattern=options.speaker_pattern)
    if found:
        return found[0], words[found[1]:]
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
    expected = _check_timings(path, text, kind)
    try:
        parsed = webvtt.from_buffer(io.StringIO(text), format=kind)
        captions = list(parsed)
        notes = [n.strip() for n in getattr(parsed, "header_comments", None) or [] if n.strip()]
    except MalformedFileError as exc:
        first = "WEBVTT on its first line" if kind == "vtt" else "a cue number, then a timing line"
        raise InputError(f"{path}: is not a {kind.upper()} file ({exc}); it must start with "
                         f"{first}") from exc
    except (MalformedCaptionError, ValueError) as exc:
        raise InputError(f"{path}: a cue cannot be read: {exc}; fix or delete it") from exc
    if kind == "srt" and len(captions) < expected:
        raise InputError(f"{path}: {expected - len(captions)} cue(s) are not numbered or not "
                         "followed by text; each cue is a number, a timing line, then its text")
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
        while j < len(pieces) and not options.utterances and first.speaker is not None \
                and pieces[j].speaker == first.speaker:
            j += 1
        group = pieces[i:j]
        prefix = f"{first.speaker}: " if first.speaker else ""
        words = " ".join(p.words for p in group)
        start = pos + len(prefix)
        turns.append(Turn(start, start + len(words), first.speaker,
                          is_interviewer_label(first.speaker, options.interviewer_labels),
                          begin_time=first.begin, end_time=group[-1].end))
        paragraph = f"{prefix}{words}\n\n"
        parts.append(paragraph)
        pos += len(paragraph)
        i = j
    return SourceDocument(
        name=path.name, format=kind, text="".join(parts).rstrip("\n") + "\n", turns=turns,
        labelled=any(t.speaker for t in turns),
        metadata={"cues": len(captions), **({"header": "\n".join(notes)} if notes else {})},
    )


def read_vtt(path: Path, data: bytes, options: ReadOptions) -> SourceDocument:
    return _read(path, data, options, "vtt")


def read_srt(path: Path, data: bytes, options: ReadOptions) -> SourceDocument:
    return _read(path, data, options, "srt")
