"""Text positions in REFI-QDA files, and how to turn them into qda's offsets.

The standard counts Unicode code points in the source's plain text (spec §10.2),
end exclusive in practice. Tools differ: NVivo counts UTF-16 code units (an emoji
is 2), and ATLAS.ti is reported to count CRLF as one character although its text
files hold CRLF. qda's stored text has ``\\n`` only (CRLF and lone CR become
``\\n``), so a position is converted in two steps, exactly: units -> code points
of the counted text, then code points of the file's text -> the stored text (a
removed ``\\r`` before the position moves it back by one).

:func:`choose_convention` tries each way of counting that would give different
positions for this text and keeps the one under which the selections line up
best (inside the text, starting and ending at word boundaries, matching the
quotation text the tool put in the selection's name); on a tie, the standard (or
what the exporting tool is known to do) wins.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

from qda.ingest.source import normalise_newlines

__all__ = ["Convention", "STANDARD", "Positions", "choose_convention"]


@dataclass(frozen=True)
class Convention:
    units: str = "code points"  # or "UTF-16 units"
    newlines: str = "as stored"  # or "CRLF as one"

    def __str__(self) -> str:
        return f"{self.units}, line ends {self.newlines}"


STANDARD = Convention()
UTF16 = Convention("UTF-16 units")
_ALL = (STANDARD, UTF16, Convention(newlines="CRLF as one"), Convention("UTF-16 units", "CRLF as one"))


class Positions:
    """Converts positions counted one way in a file's text to stored-text offsets."""

    def __init__(self, raw: str, convention: Convention):
        self.convention = convention
        self.stored = normalise_newlines(raw)
        counted = raw if convention.newlines == "as stored" else self.stored
        # a '\r' removed from the file's text (the CR of a CRLF), by index in ``raw``
        self._removed = (
            [m.start() for m in re.finditer("\r\n", raw)] if convention.newlines == "as stored" else []
        )
        self._length = len(counted)
        # UTF-16 index of every character outside the BMP (2 units each)
        self._astral: list[int] = []
        if convention.units == "UTF-16 units":
            units = 0
            for ch in counted:
                if ord(ch) > 0xFFFF:
                    self._astral.append(units)
                    units += 2
                else:
                    units += 1
            self._length = units

    def __call__(self, position: int) -> int | None:
        """The stored-text offset, or None when the position is outside the text or splits
        a character (half of a UTF-16 surrogate pair)."""
        if not 0 <= position <= self._length:
            return None
        if self._astral:
            before = bisect.bisect_left(self._astral, position)
            if before and self._astral[before - 1] == position - 1:
                return None
            position -= before
        return position - bisect.bisect_left(self._removed, position)

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        s, e = self(start), self(end)
        if s is None or e is None or s >= e:
            return None
        return s, e


def _differs(raw: str, convention: Convention) -> bool:
    if convention.units == "UTF-16 units" and not any(ord(c) > 0xFFFF for c in raw):
        return False
    if convention.newlines == "CRLF as one" and "\r\n" not in raw:
        return False
    return True


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def _word(ch: str) -> bool:
    return ch.isalnum()


def _score(text: str, span: tuple[int, int] | None, name: str) -> int:
    if span is None:
        return 0
    s, e = span
    score = 4
    score += s == 0 or not (_word(text[s - 1]) and _word(text[s]))
    score += e == len(text) or not (_word(text[e - 1]) and _word(text[e]))
    quote = _fold(name).rstrip("…").rstrip(".").strip()
    if len(quote) >= 8:
        score += 4 * _fold(text[s:e]).startswith(quote)
    return score


def choose_convention(
    raw: str, selections: list[tuple[int, int, str]], *, preferred: Convention = STANDARD
) -> Convention:
    """How this text's selections (start, end, name) were counted; ``preferred`` on a tie."""
    candidates = [preferred] + [c for c in _ALL if c != preferred and _differs(raw, c)]
    if len(candidates) == 1 or not selections:
        return preferred
    best, best_score = preferred, -1
    for convention in candidates:
        pos = Positions(raw, convention)
        total = sum(_score(pos.stored, pos.span(s, e), name) for s, e, name in selections)
        if total > best_score:
            best, best_score = convention, total
    return best
