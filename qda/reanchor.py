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
- :func:`follow_segments` pairs *edited* segments with their new versions: same speaker,
  and the words both share in order (difflib over words) at least ``SAME_WORDS`` (80%)
  of the longer of the two. A coding of a whole segment follows such a segment even
  when its quote is gone (flagged for review); a partial coding needs its quote.

Every placed span satisfies ``new_text[start:end] == old_text[old_start:old_end]``.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from difflib import SequenceMatcher

__all__ = ["SAME_WORDS", "follow_segments", "match_segments", "reanchor", "word_overlap"]

#: An edited segment is the same segment when at least this share of the longer
#: version's words are shared, in order, with the other.
SAME_WORDS = 0.8


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


def reanchor(old: str, new: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int] | None]:
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
            s, e = start + shift, end + blocks[j][2]  # ends in shared lines, middle edited?
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


def match_segments(
    old: Sequence[tuple[str | None, str]], new: Sequence[tuple[str | None, str]]
) -> dict[int, int]:
    """Pairs ``{new_index: old_index}`` of segments with the same (speaker, text), in order."""
    matcher = SequenceMatcher(None, list(old), list(new), autojunk=False)
    pairs: dict[int, int] = {}
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            pairs[b + k] = a + k
    return pairs


def word_overlap(old: str, new: str) -> float:
    """The words two texts share in order (difflib's matching blocks over words, compared
    case-insensitively), as a share of the longer text's words; 1.0 for two empty texts."""
    a, b = old.casefold().split(), new.casefold().split()
    if not a and not b:
        return 1.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    shared = sum(size for _, _, size in matcher.get_matching_blocks())
    return shared / max(len(a), len(b))


def follow_segments(
    old: Sequence[tuple[str | None, str]],
    new: Sequence[tuple[str | None, str]],
    same: dict[int, int],
    *,
    threshold: float = SAME_WORDS,
    only: set[int] | None = None,
) -> dict[int, tuple[int, float]]:
    """``{old_index: (new_index, overlap)}`` for old segments that were edited, not removed.

    ``same`` is :func:`match_segments`' answer (unchanged pairs, not repeated here). Each
    run of changed segments between two unchanged ones is paired in order: an old
    segment (in order; only those in ``only`` when given) goes to the not yet taken new
    segment of that run with the same speaker and the largest :func:`word_overlap`, if
    that is at least ``threshold``.
    """
    pairs: dict[int, tuple[int, float]] = {}
    # Runs: the stretch of old and new segments between consecutive unchanged pairs.
    anchors = [(-1, -1)] + sorted((o, n) for n, o in same.items()) + [(len(old), len(new))]
    for (o0, n0), (o1, n1) in zip(anchors, anchors[1:]):
        taken: set[int] = set()
        for i in range(o0 + 1, o1):
            if only is not None and i not in only:
                continue
            best, best_score = None, threshold
            size = len(old[i][1].split())
            for j in range(n0 + 1, n1):
                if j in taken or new[j][0] != old[i][0]:
                    continue
                other = len(new[j][1].split())
                if min(size, other) < threshold * max(size, other):
                    continue  # the overlap cannot reach the threshold
                score = word_overlap(old[i][1], new[j][1])
                if score >= best_score:
                    best, best_score = j, score
            if best is not None:
                taken.add(best)
                pairs[i] = (best, best_score)
    return pairs
