"""Regular expressions inside spaCy token patterns (``{"LOWER": {"REGEX": "..."}}``).

A codebook is untrusted input (it may come inside a ``.qdc`` or ``.qdpx`` from anyone),
and a regular expression with a repeat inside a repeat, such as ``^(a+)+$``, takes time
exponential in the length of the word it fails on (catastrophic backtracking): 28
letters took 21 s. :func:`backtracking_risk` finds that shape when a codebook is read,
so it is refused with an explanation; the rules coder also runs every such expression
with a time limit (``qda.coding.regexguard``), for shapes this check cannot see (an
alternation whose branches match the same text, ``(a|a)+``) and for codebooks stored
before the check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from re import _constants as sre
from re import _parser as sre_parse
from typing import Any

__all__ = ["regex_predicates", "backtracking_risk"]

_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT)


def regex_predicates(pattern: Any) -> Iterator[tuple[str, str]]:
    """``(attribute, expression)`` for each ``REGEX`` predicate of a token pattern (a list
    of token mappings), extension attributes (``"_"``) included as ``_.name``."""
    for token in pattern if isinstance(pattern, list) else ():
        if not isinstance(token, Mapping):
            continue
        for key, value in token.items():
            if key == "_" and isinstance(value, Mapping):
                for name, sub in value.items():
                    if isinstance(sub, Mapping) and isinstance(sub.get("REGEX"), str):
                        yield f"_.{name}", sub["REGEX"]
            elif isinstance(value, Mapping) and isinstance(value.get("REGEX"), str):
                yield str(key), value["REGEX"]


def backtracking_risk(expression: str) -> str | None:
    """Why ``expression`` can backtrack catastrophically, or None when its shape cannot.

    The shape refused is a repeat that may match a variable length (``+``, ``*``,
    ``{1,3}``) inside a repeat that may run more than once, with backtracking into both:
    ``(a+)+``, ``(\\w*\\s?)*``, ``(a{1,9})+``. A possessive repeat (``a++``) or an atomic
    group (``(?>a+)``) does not backtrack and is allowed.
    """
    try:
        parsed = sre_parse.parse(expression)
    except (re.error, RecursionError, OverflowError):
        return None  # spaCy's own check reports a malformed expression
    try:
        return _nested(list(parsed), inside=False)
    except RecursionError:
        return "it is nested too deeply to check"


def _nested(items: list, *, inside: bool) -> str | None:  # noqa: C901 - one branch per node
    for op, av in items:
        found = None
        if op in _REPEATS:
            low, high, sub = av
            if inside and high != low:
                return "a repeat inside a repeat"
            found = _nested(list(sub), inside=inside or high > 1)
        elif op == sre.POSSESSIVE_REPEAT:
            found = _nested(list(av[2]), inside=False)
        elif op == sre.ATOMIC_GROUP:
            found = _nested(list(av), inside=False)
        elif op == sre.SUBPATTERN:
            found = _nested(list(av[-1]), inside=inside)
        elif op == sre.BRANCH:
            found = next((why for sub in av[1] if (why := _nested(list(sub), inside=inside))), None)
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            found = _nested(list(av[1]), inside=inside)
        elif op == sre.GROUPREF_EXISTS:
            found = next(
                (why for sub in av[1:] if sub is not None and (why := _nested(list(sub), inside=inside))),
                None,
            )
        if found:
            return found
    return None
