"""A coding's evidence in words: the one owner of every shape evidence takes.

Evidence is stored as JSON and comes in several shapes, by who made the coding:

- the rules coder: a list of hits, each ``{kind, term, text, start, end}`` (a proximity
  window's hit also lists its ``parts``);
- a consensus coding: a list holding one item of kind ``consensus`` (``term`` names who
  agreed), with no offsets;
- a learned or other model suggestion: one dict describing the helper that made it
  (``from``, ``features``, ``threshold`` ... and whatever a newer helper records);
- a person's or an imported coding: none.

Every reader that turns evidence into a cell or a line goes through this module, so a
new shape is taught to all of them at once instead of breaking the one that was missed.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["hit_list", "located", "summary"]


def hit_list(value: object) -> list[Mapping]:
    """The evidence's hits (the dict items of a list); [] for any other shape."""
    if isinstance(value, list):
        return [item for item in value if isinstance(item, Mapping)]
    return []


def _scalar(value: object) -> bool:
    return isinstance(value, str | int | float | bool) and value != ""


def _describe(value: Mapping) -> str:
    """A helper's description dict as ``name=value`` pairs, in their stored order."""
    parts = []
    for key, item in value.items():
        if _scalar(item):
            parts.append(f"{key}={item}")
        elif isinstance(item, list | tuple) and item and all(_scalar(i) for i in item):
            parts.append(f"{key}=" + ",".join(str(i) for i in item))
    return " ".join(parts)


def _hit_text(item: Mapping, with_offsets: bool) -> str:
    term, text = item.get("term"), item.get("text")
    if with_offsets:
        word = term if term not in (None, "") else (text or item.get("kind") or "")
        return f"{word}@{item['start']}" if isinstance(item.get("start"), int) else str(word)
    if term and text and str(text).lower() != str(term).lower():
        return f"{term} ({text})"
    if term or text:
        return str(term or text)
    return str(item.get("kind") or "")


def summary(value: object) -> str:
    """A short line for people: the terms that matched (and the words), or the helper."""
    if isinstance(value, Mapping):
        return _describe(value)
    parts = [_hit_text(item, with_offsets=False) for item in hit_list(value)]
    return "; ".join(dict.fromkeys(p for p in parts if p))


def located(value: object) -> str:
    """The long coding CSV's evidence cell: ``term@start`` per hit, or the helper."""
    if isinstance(value, Mapping):
        return _describe(value)
    parts = [_hit_text(item, with_offsets=True) for item in hit_list(value)]
    return "; ".join(p for p in parts if p)
