"""Re-anchoring: carry spans from one version of a document's text to the next.

When a changed transcript is imported again, every coding must cover the same words
in the new text. Pure functions, no project:

- :func:`reanchor` maps ``(start, end)`` spans of the old text to the new text. Lines
  the two versions share (difflib over lines, which is fast and exact) carry their spans
  by a plain shift; a span in or across changed lines is found again by searching its
  quoted text, taking the occurrence nearest to where it would have moved. A span whose
  quote no longer occurs gives ``None``: the caller reports it and keeps it elsewhere.
- :func:`match_segments` pairs the new version's segments with the old ones that have
  the same speaker and text, so those keep their ids (coding sheets still name them).

Every placed span satisfies ``new_text[start:end] == old_text[old_start:old_end]``.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from difflib import SequenceMatcher

__all__ = ["reanchor", "match_segments"]


def _line_starts(text: str) -> list[int]:
    starts, pos = [], 0
    for line in text.splitlines(keepends=True):
        starts.append(pos)
        pos += len(line)
    return starts


def _shared_blocks(old: str, new: str) -> list[tuple[int, int, int]]:
    """Character ranges ``(old_start, old_end, shift)`` of lines both texts share."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    old_at, new_at = _line_starts(old), _line_starts(new)
    old_at.append(len(old))
    new_at.append(len(new))
    blocks = []
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        if size:
            blocks.append((old_at[a], old_at[a + size], new_at[b] - old_at[a]))
    return blocks


def reanchor(old: str, new: str, spans: Sequence[tuple[int, int]]
             ) -> list[tuple[int, int] | None]:
    """Each span of ``old`` placed in ``new`` (same quoted text), or ``None``."""
    if old == new:
        return [(s, e) for s, e in spans]
    blocks = _shared_blocks(old, new)
    starts = [b[0] for b in blocks]
    out: list[tuple[int, int] | None] = []
    for start, end in spans:
        quote = old[start:end]
        i = bisect.bisect_right(starts, start) - 1
        shift = blocks[i][2] if i >= 0 else 0
        if i >= 0 and blocks[i][0] <= start and end <= blocks[i][1]:
            out.append((start + shift, end + shift))
            continue
        j = bisect.bisect_right(starts, end - 1) - 1
        if i >= 0 and j >= 0 and end - 1 < blocks[j][1]:
            s, e = start + shift, end + blocks[j][2]   # ends in shared lines, middle edited?
            if new[s:e] == quote:
                out.append((s, e))
                continue
        out.append(_nearest(new, quote, start + shift))
    return out


def _nearest(text: str, quote: str, expected: int) -> tuple[int, int] | None:
    if not quote:
        return None
    best = None
    at = text.find(quote)
    while at != -1:
        if best is None or abs(at - expected) < abs(best - expected):
            best = at
        if at > expected:
            break  # later hits only get further away
        at = text.find(quote, at + 1)
    return None if best is None else (best, best + len(quote))


def match_segments(old: Sequence[tuple[str | None, str]], new: Sequence[tuple[str | None, str]]
                   ) -> dict[int, int]:
    """Pairs ``{new_index: old_index}`` of segments with the same (speaker, text), in order."""
    matcher = SequenceMatcher(None, list(old), list(new), autojunk=False)
    pairs: dict[int, int] = {}
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            pairs[b + k] = a + k
    return pairs
