"""Plain-text transcripts (.txt, .md): decode, normalise newlines, find turns.

Decoding: a BOM decides (UTF-8, UTF-16); NULs in every other byte mean UTF-16 without
a BOM (any other NUL: a binary file); otherwise strict UTF-8; otherwise the
encoding charset-normalizer detects, except that Latin-script guesses become cp1252
(Windows-1252, what old Word and Notepad exports in Western Europe are written in:
charset-normalizer alone often says cp1250 for English text, turning "£" into "Ł").
Text with control characters left after decoding is refused as a binary file.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from charset_normalizer import from_bytes

from qda.errors import InputError
from qda.ingest.runs import interviewer_only_turns
from qda.ingest.source import ReadOptions, SourceDocument, normalise_newlines
from qda.ingest.speakers import find_turns, label_starts, paragraph_turns

__all__ = ["read_text", "decode_text", "text_document"]

# A transcriber's note on the first line, e.g. "[Written submission. Names changed.]",
# is a header, not something the author said.
_BRACKETED_HEADER = re.compile(r"\A\s*\[[^\]\n]*\][ \t]*(?:\n|\Z)")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters (Unicode Cc) other than tab, newlines, form feed and vertical tab.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _binary(path: Path) -> InputError:
    return InputError(
        f"{path}: looks like a binary file, not text; give a transcript saved as plain text (.txt)"
    )


def _controls(text: str) -> bool:
    return _CONTROL.search(text) is not None


def _mostly_latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha() and ord(c) > 0x7F]
    if not letters:
        return True
    latin = sum(1 for c in letters if ord(c) <= 0x24F or 0x1E00 <= ord(c) <= 0x1EFF)
    return latin * 2 >= len(letters)


def _bomless_utf16(data: bytes) -> str | None:
    if len(data) % 2 or len(data) < 4:
        return None
    sample = data[:8192]
    even, odd = sample[0::2], sample[1::2]
    share = lambda half: half.count(0) / len(half)
    if share(odd) >= 0.7 and share(even) <= 0.05:
        return "utf-16-le"
    if share(even) >= 0.7 and share(odd) <= 0.05:
        return "utf-16-be"
    return None


def decode_text(data: bytes, path: Path) -> tuple[str, str]:
    """Bytes to (str, encoding name)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding.replace("-sig", "")
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{path}: is marked as {encoding.upper()} but byte {exc.start} is not valid "
                    f"{encoding.upper()}; re-save the file as UTF-8"
                ) from exc
    if b"\x00" in data[:8192]:
        # UTF-16 without a BOM is the one text encoding full of NULs: in text of a Latin
        # script every other byte is 0 (the odd ones little-endian, the even ones big).
        utf16 = _bomless_utf16(data)
        if utf16 is None:
            raise _binary(path)
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError as exc:  # e.g. a lone surrogate: damaged, not text
            raise InputError(
                f"{path}: looks like {utf16.upper()} without a byte-order mark, but byte "
                f"{exc.start} is not valid {utf16.upper()} ({exc.reason}); re-save the "
                "file as UTF-8"
            ) from exc
        if _controls(text):
            raise _binary(path)
        return text, utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    best = from_bytes(data).best()
    candidates = []
    if best is not None and best.coherence >= 0.2 and not _mostly_latin(str(best)):
        candidates.append(best.encoding)  # e.g. cp1251 for Russian
    candidates += ["cp1252", "latin-1"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _controls(text):
            return text, encoding.replace("_", "-")
    line = data[: utf8_error.start].count(b"\n") + 1
    if best is None:
        raise _binary(path)
    raise InputError(
        f"{path}: line {line}: byte {utf8_error.start} is neither UTF-8 nor a known "
        "single-byte encoding; re-save the file as UTF-8 text"
    )


def text_document(
    path: Path, text: str, options: ReadOptions, *, format: str, metadata: dict | None = None
) -> SourceDocument:
    """Turns for already-decoded text (newlines normalised): labels, else paragraphs."""
    if not text.strip():
        raise InputError(f"{path}: has no text; check that it is the right file")
    turns, header_end = find_turns(
        text, interviewer_labels=options.interviewer_labels, speaker_pattern=options.speaker_pattern
    )
    labelled = bool(turns)
    if not labelled and header_end < len(text):
        raise InputError(
            f"{path}: has speaker labels but nothing said after any of them; "
            "check that the words follow the labels"
        )
    note = _BRACKETED_HEADER.match(text)
    if not labelled:
        header_end = note.end() if note else 0
        turns = paragraph_turns(text, header_end)
    else:
        only = interviewer_only_turns(
            text,
            turns,
            label_starts(
                text, speaker_pattern=options.speaker_pattern, interviewer_labels=options.interviewer_labels
            ),
            note.end() if note else 0,
        )
        if only is not None:
            turns, header_end = only, min(header_end, note.end() if note else 0)
    if not turns:
        raise InputError(
            f"{path}: has only a header ({text.strip()[:60]!r}) and no transcript "
            "text; check that it is the right file"
        )
    meta = dict(metadata or {})
    if text[:header_end].strip():
        meta["header"] = text[:header_end].strip()
    return SourceDocument(
        name=path.name, format=format, text=text, turns=turns, labelled=labelled, metadata=meta
    )


def read_text(path: Path, data: bytes, options: ReadOptions) -> SourceDocument:
    """A .txt/.md transcript. Zoom/Teams/Otter exports (timestamped labels) are found
    without asking: the document's format is then ``transcript-export``."""
    text, encoding = decode_text(data, path)
    text = normalise_newlines(text)
    doc = text_document(
        path, text, options, format="text", metadata={"encoding": encoding} if encoding != "utf-8" else None
    )
    timed = sum(t.begin_time is not None for t in doc.turns)
    if doc.labelled and timed * 2 >= len(doc.turns):
        doc.format = "transcript-export"
    return doc
