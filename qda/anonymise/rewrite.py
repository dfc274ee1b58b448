"""Applying a key to a text with an exact offset map.

:func:`rewrite` replaces every key term in a text and returns the new text with
the list of replacements; :class:`OffsetMap` carries any offset of the old text
into the new one from that list (arithmetic, not a search), so segments,
codings and evidence keep covering the same words:

- an offset outside every replaced term moves by the length change of the terms
  before it;
- a span that starts or ends *inside* a replaced term grows to cover the whole
  replacement (a coding of "Smith said" in "Jane Smith said" becomes "[name]
  said"), so no span is left holding half a pseudonym;
- a span that is exactly a term becomes exactly its replacement.

A term that straddles a boundary the caller protects (a segment's start or end)
is not replaced: segments never overlap and never grow into each other.
``qda anonymise --check`` then lists it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from qda.anonymise.key import Key, Match

__all__ = ["OffsetMap", "Rewrite", "rewrite", "rewrite_documents"]


@dataclass(frozen=True)
class OffsetMap:
    """Replacements as parallel lists: old (start, end) and new (start, end), in order."""

    old: list[tuple[int, int]]
    new: list[tuple[int, int]]
    _starts: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", [s for s, _ in self.old])

    def offset(self, pos: int, *, side: str = "start") -> int:
        """Where old offset ``pos`` is in the new text. ``side`` says what the offset is
        when it falls inside a replaced term: a span's ``start`` (→ the replacement's start)
        or its ``end`` (→ the replacement's end)."""
        i = bisect.bisect_right(self._starts, pos) - 1  # last term starting at or before pos
        if i < 0:
            return pos
        (os, oe), (ns, ne) = self.old[i], self.new[i]
        if pos == os:
            return ns
        if pos < oe:  # strictly inside the term
            return ns if side == "start" else ne
        return ne + (pos - oe)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """An old span ``[start, end)`` in the new text (grown to whole replacements)."""
        new_start = self.offset(start, side="start")
        new_end = self.offset(end, side="end")
        return new_start, max(new_end, new_start)

    @property
    def changed(self) -> bool:
        return bool(self.old)


@dataclass(frozen=True)
class Rewrite:
    text: str
    map: OffsetMap
    matches: list[Match]  # the replaced terms, in order
    skipped: list[Match]  # terms left alone: they straddle a boundary


def rewrite(text: str, key: Key, *, boundaries: Iterable[int] = ()) -> Rewrite:
    """Replace every key term in ``text``; a term with a protected boundary strictly inside it
    (e.g. where one segment ends and the next starts) is left alone and reported."""
    cuts = sorted(set(boundaries))
    out: list[str] = []
    old: list[tuple[int, int]] = []
    new: list[tuple[int, int]] = []
    done: list[Match] = []
    skipped: list[Match] = []
    at, length = 0, 0
    for m in key.matches(text):
        i = bisect.bisect_right(cuts, m.start)
        if i < len(cuts) and cuts[i] < m.end:
            skipped.append(m)
            continue
        piece = text[at : m.start]
        out.append(piece)
        length += len(piece)
        out.append(m.entry.replacement)
        old.append((m.start, m.end))
        new.append((length, length + len(m.entry.replacement)))
        length += len(m.entry.replacement)
        at = m.end
        done.append(m)
    out.append(text[at:])
    return Rewrite("".join(out), OffsetMap(old, new), done, skipped)


def rewrite_documents(
    texts: Mapping[str, str], cuts: Mapping[str, Iterable[int]], key: Key
) -> tuple[dict[str, Rewrite], list[str]]:
    """Rewrite each document's text (id -> text) with ``key``, no term crossing one of
    its segment boundaries (``cuts``: id -> offsets). Returns the rewrites that change
    something (by id) and a line per term left alone."""
    rewrites, skipped = {}, []
    for doc_id, text in texts.items():
        rw = rewrite(text, key, boundaries=cuts.get(doc_id, ()))
        skipped += [
            f"{doc_id}@{m.start}: {text[m.start : m.end]!r} crosses a segment boundary; not replaced"
            for m in rw.skipped
        ]
        if rw.map.changed:
            rewrites[doc_id] = rw
    return rewrites, skipped
