"""Checks shared by the codebook readers: ids, colours, spaCy patterns, the tree.

Every reader (YAML, Excel, REFI-QDA) turns its file into rows and runs the same
checks, so a bad colour or pattern reads the same whichever format it came from.
Each check takes ``where`` (file and line/row/code) and raises ``CodebookError``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from qda.codebook.regexes import backtracking_risk, regex_predicates
from qda.errors import CodebookError
from qda.limits import MAX_CODE_DEPTH

__all__ = [
    "ID",
    "COLOR",
    "check_color",
    "check_patterns",
    "check_proximity",
    "slugify",
    "unique_slug",
    "tree_order",
]

ID = re.compile(r"^[a-z][a-z0-9_-]*$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_SLUG_MAX = 48


def check_color(color: Any, where: str) -> str | None:
    """``#RRGGBB`` (``#RGB`` is widened), or None; anything else is refused."""
    if color is None or color == "":
        return None
    if isinstance(color, str) and re.fullmatch(r"#[0-9a-fA-F]{3}", color.strip()):
        color = "#" + "".join(ch * 2 for ch in color.strip()[1:])
    if not isinstance(color, str) or not COLOR.match(color.strip()):
        raise CodebookError(f"{where}: colour {color!r} is not of the form '#RRGGBB' (e.g. '#0072B2')")
    return color.strip()


def check_patterns(code_id: str, patterns: Iterable[Any], where: str) -> None:
    """Each pattern is a list of token mappings that spaCy's Matcher accepts, and none of
    its regular expressions has a shape that backtracks catastrophically."""
    patterns = list(patterns)
    if not patterns:
        return
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    for i, pattern in enumerate(patterns, start=1):
        if not isinstance(pattern, list) or not all(isinstance(t, dict) for t in pattern):
            raise CodebookError(
                f"{where}: pattern {i} must be a list of token mappings, e.g. "
                "[{LOWER: home}, {LEMMA: visit}]"
            )
        try:
            Matcher(Vocab(), validate=True).add(code_id, [pattern])
        except Exception as exc:  # spaCy raises MatchPatternError/ValueError with details
            detail = " ".join(str(exc).split())
            raise CodebookError(f"{where}: pattern {i} is not a valid spaCy pattern: {detail}") from exc
        for attr, expression in regex_predicates(pattern):
            why = backtracking_risk(expression)
            if why:
                raise CodebookError(
                    f"{where}: pattern {i}: the regular expression {expression!r} (on {attr}) "
                    f"has {why}, which can take time exponential in a word's length "
                    "(catastrophic backtracking); write it without the nesting (e.g. "
                    "'^a+$' for '^(a+)+$'), or make the inner repeat possessive ('a++') or "
                    "atomic ('(?>a+)')"
                )


def check_proximity(items: Iterable[Any], where: str) -> tuple[dict[str, Any], ...]:
    """Each proximity rule is ``{terms: [two or more phrases], within: N, ordered: bool}``.

    Returns the rules normalised (terms stripped; ``ordered`` only when true), so
    every format writes the same thing back.
    """
    out = []
    for i, item in enumerate(items, start=1):
        what = f"{where}: proximity rule {i}"
        if not isinstance(item, Mapping):
            raise CodebookError(
                f"{what} must be a mapping such as {{terms: [family, appointment], within: 5}}"
            )
        unknown = sorted(set(item) - {"terms", "within", "ordered"}, key=str)
        if unknown:
            raise CodebookError(f"{what}: unknown key {unknown[0]!r}; allowed: ordered, terms, within")
        terms = item.get("terms")
        if (
            not isinstance(terms, (list, tuple))
            or len(terms) < 2
            or not all(isinstance(t, str) and t.strip() for t in terms)
        ):
            raise CodebookError(f"{what}: 'terms' must list two or more phrases, e.g. [family, appointment]")
        within = item.get("within")
        if isinstance(within, bool) or not isinstance(within, int) or within < 0:
            raise CodebookError(
                f"{what}: 'within' must be a whole number of words (0 or more), not {within!r}"
            )
        ordered = item.get("ordered", False)
        if not isinstance(ordered, bool):
            raise CodebookError(f"{what}: 'ordered' must be true or false, not {ordered!r}")
        rule: dict[str, Any] = {"terms": [t.strip() for t in terms], "within": within}
        if ordered:
            rule["ordered"] = True
        out.append(rule)
    return tuple(out)


def slugify(name: str) -> str:
    """A code id from a name: ``"Benefits to staff"`` -> ``benefits_to_staff``.

    Accents are dropped (``Oltás`` -> ``oltas``); a name with no Latin letters or
    digits gives ``code``; an id never starts with a digit (``code_2020``).
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")[:_SLUG_MAX].strip("_")
    if not slug:
        return "code"
    return slug if slug[0].isalpha() else f"code_{slug}"


def unique_slug(name: str, taken: set[str]) -> str:
    """``slugify(name)``, with ``_2``, ``_3``... if taken; the result is added to ``taken``."""
    base = slugify(name)
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}_{n}"
    taken.add(slug)
    return slug


def tree_order(
    rows: Sequence[Mapping[str, Any]], where: Mapping[str, str] | None = None
) -> list[Mapping[str, Any]]:
    """Rows (``id``, ``parent``, in sibling order) in tree pre-order, checked.

    Refuses a duplicate id, a parent that is not in the codebook and a cycle
    (a code that is its own ancestor) and a tree deeper than :data:`MAX_CODE_DEPTH`
    levels; ``where`` maps an id to its place in the
    file (``"book.xlsx, sheet Codes, row 7"``) for the message. Any depth works.
    """
    where = dict(where or {})

    def at(code_id: str) -> str:
        return where.get(code_id) or f"code {code_id!r}"

    seen: dict[str, Mapping[str, Any]] = {}
    for row in rows:
        code_id = row["id"]
        if code_id in seen:
            raise CodebookError(f"{at(code_id)}: duplicate id {code_id!r}; give each code its own id")
        seen[code_id] = row
    kids: dict[str | None, list[str]] = {}
    for row in rows:
        parent = row.get("parent")
        if parent is not None and parent not in seen:
            raise CodebookError(
                f"{at(row['id'])}: code {row['id']!r} has parent {parent!r}, "
                "which is not in the codebook; add that code or fix the parent"
            )
        kids.setdefault(parent, []).append(row["id"])
    for row in rows:  # walk up from each code; meeting it again is a cycle
        chain, parent = [row["id"]], row.get("parent")
        while parent is not None:
            if parent in chain:
                loop = " -> ".join([*chain[chain.index(parent) :], parent])
                raise CodebookError(
                    f"{at(row['id'])}: the hierarchy has a cycle ({loop}); a "
                    "code cannot be its own ancestor, give one of them another "
                    "parent"
                )
            chain.append(parent)
            parent = seen[parent].get("parent")
    ordered: list[Mapping[str, Any]] = []
    stack = [(code_id, 1) for code_id in reversed(kids.get(None, []))]
    while stack:  # iterative pre-order
        code_id, depth = stack.pop()
        if depth > MAX_CODE_DEPTH:
            raise CodebookError(
                f"{at(code_id)}: code {code_id!r} is at level {depth} of the "
                f"tree, deeper than the limit of {MAX_CODE_DEPTH} levels; "
                "move it up"
            )
        ordered.append(seen[code_id])
        stack.extend((kid, depth + 1) for kid in reversed(kids.get(code_id, [])))
    return ordered


def check_code_count(count: int, where: str) -> None:
    """Refuse a codebook of more than :data:`qda.limits.MAX_CODES` codes before it is built
    (1,000,000 flat codes took over 60 s and 2.3 GB)."""
    from qda.limits import MAX_CODES

    if count > MAX_CODES:
        raise CodebookError(
            f"{where}: holds {count:,} codes, over the limit of {MAX_CODES:,} "
            "for one codebook (MAX_CODES); a codebook that large is not one "
            "people code with: split it or keep the codes in use"
        )


def count_yaml_codes(data: Any) -> int:
    """Codes in a parsed YAML codebook, counted without recursion (any depth)."""
    count, todo = 0, [data.get("codes")] if isinstance(data, dict) else []
    while todo:
        items = todo.pop()
        if not isinstance(items, list):
            continue
        for item in items:
            count += 1
            if isinstance(item, dict):
                todo.append(item.get("children"))
    return count
