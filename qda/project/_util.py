"""Small helpers shared by the Project's parts."""

from __future__ import annotations

import dataclasses
import getpass
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from qda.codebook import Codebook, edits
from qda.errors import InputError

#: Where a coding came from, in the order counts are shown.
SOURCES = ("human", "rules", "model", "llm", "import")


def _who(who: str | None) -> str:
    if who:
        return who
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return "unknown"


def _suggestion_hints(codings: pd.DataFrame, order: Sequence[str]) -> dict[str, str]:
    """Open suggestions per segment as one line: ``benefits (rules); co_location 0.82 (model)``."""
    open_ = codings[codings["status"] == "suggested"]
    if open_.empty:
        return {}
    rank = {c: i for i, c in enumerate(order)}
    open_ = open_.assign(_c=open_["confidence"].fillna(2.0), _o=open_["code_id"].map(rank))
    open_ = open_.sort_values(["segment_id", "_c", "_o"], ascending=[True, False, True])
    hints: dict[str, list[str]] = {}
    for sid, code, conf, source in zip(
        open_["segment_id"], open_["code_id"], open_["confidence"], open_["source"]
    ):
        score = "" if conf != conf else f" {conf:.2f}"
        hints.setdefault(sid, []).append(f"{code}{score} ({source})")
    return {sid: "; ".join(dict.fromkeys(items)) for sid, items in hints.items()}


def _is_consensus(evidence: Any) -> bool:
    """A coding a consensus wrote: its evidence has an item of kind ``consensus``."""
    return isinstance(evidence, list) and any(
        isinstance(e, dict) and e.get("kind") == "consensus" for e in evidence
    )


def _clip(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _some(items: Sequence[str], n: int = 5) -> str:
    """The first ``n`` items joined by '; ', then 'and K more' when there are more."""
    rest = len(items) - n
    return "; ".join(items[:n]) + (f" and {rest} more" if rest > 0 else "")


def _progress(items, enabled: bool, what: str, total: int | None = None):
    """A progress bar on a terminal for many files; the items unchanged otherwise.
    ``total``: how many when ``items`` is an iterator."""
    total = len(items) if total is None else total
    if not enabled or total < 2:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=what, unit="file", disable=None, leave=False, total=total)


def _version_label(version: str, revision: int) -> str:
    """The codebook state: the file's version, then ``+rN`` after N edits."""
    return f"{version}+r{revision}" if revision else str(version)


def _code_dict(code) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(code).items()}


def _sibling_index(cb: Codebook, code_id: str) -> int:
    return [c.id for c in cb.children(cb.get(code_id).parent)].index(code_id)


def _make_child(spec: Any, parent: str):
    """A split's child from ``(id, name)``, ``(id, name, fields)`` or a mapping."""
    code_id: Any
    name: Any
    if isinstance(spec, Mapping):
        fields = {k: v for k, v in spec.items() if k not in ("id", "name", "parent")}
        code_id, name = spec.get("id"), spec.get("name")
    elif isinstance(spec, (tuple, list)) and len(spec) in (2, 3):
        code_id, name, fields = spec[0], spec[1], (spec[2] if len(spec) == 3 else {})
    else:
        raise InputError(f"a new child is (id, name) or (id, name, fields), not {spec!r}")
    if not isinstance(fields, Mapping):
        raise InputError(f"child {code_id!r}: fields must be a mapping, not {fields!r}")
    edits.check_new_id(Codebook(), code_id)
    return edits.make_code(code_id, name, parent, fields)
