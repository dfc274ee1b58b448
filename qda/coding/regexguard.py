"""spaCy ``REGEX`` predicates run with a time limit.

spaCy's Matcher runs a pattern's ``REGEX`` with Python's ``re``, which cannot be
interrupted: one expression that backtracks catastrophically on one long word hangs
the rules coder for good. :func:`guarded_pattern` rewrites each ``REGEX`` predicate on a
token attribute (``{"LOWER": {"REGEX": "^visit"}}``) into a token extension
(``{"_": {"qda_rx_…": True}}``) whose getter runs the same expression with the
``regex`` package and a timeout of :data:`qda.limits.REGEX_TIMEOUT` seconds per token;
past it the coder stops with an :class:`~qda.errors.InputError` naming the code, the
pattern and the expression. The other predicates of the token (``IN``, ``NOT_IN``, ...)
stay as they were, so what matches is unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import regex
from spacy.tokens import Token

from qda.errors import InputError
from qda.limits import REGEX_TIMEOUT

__all__ = ["guarded_pattern"]

#: pattern attribute -> the Token attribute holding its text
_TOKEN_TEXT = {
    "ORTH": "orth_",
    "TEXT": "text",
    "LOWER": "lower_",
    "NORM": "norm_",
    "LEMMA": "lemma_",
    "SHAPE": "shape_",
    "PREFIX": "prefix_",
    "SUFFIX": "suffix_",
    "POS": "pos_",
    "TAG": "tag_",
    "DEP": "dep_",
    "ENT_TYPE": "ent_type_",
    "ENT_ID": "ent_id_",
    "ENT_KB_ID": "ent_kb_id_",
    "MORPH": "morph",
}


def guarded_pattern(pattern: list[Mapping[str, Any]], *, code_id: str, number: int) -> list[dict[str, Any]]:
    """``pattern`` with each ``REGEX`` on a token attribute run under the time limit."""
    out = []
    for token in pattern:
        new: dict[str, Any] = {}
        extensions: dict[str, Any] = dict(token.get("_") or {})
        for key, value in token.items():
            attr = _TOKEN_TEXT.get(str(key).upper())
            if (
                key == "_"
                or attr is None
                or not isinstance(value, Mapping)
                or not isinstance(value.get("REGEX"), str)
            ):
                if key != "_":
                    new[key] = value
                continue
            name = _extension(attr, value["REGEX"], code_id, number)
            if name is None:  # the regex package cannot read it: spaCy's re runs it
                new[key] = value
                continue
            rest = {k: v for k, v in value.items() if k != "REGEX"}
            if rest:
                new[key] = rest
            extensions[name] = True
        if extensions:
            new["_"] = extensions
        out.append(new)
    return out


def _extension(attr: str, expression: str, code_id: str, number: int) -> str | None:
    """The name of a boolean token extension: ``expression`` found in ``token.<attr>``."""
    digest = hashlib.sha1(f"{attr}\x00{expression}".encode()).hexdigest()[:16]
    name = f"qda_rx_{digest}"
    if Token.has_extension(name):
        return name
    try:
        compiled = regex.compile(expression)
    except (regex.error, RecursionError, OverflowError):
        return None

    def found(token: Token) -> bool:
        value = getattr(token, attr)
        try:
            return compiled.search(str(value), timeout=REGEX_TIMEOUT) is not None
        except TimeoutError:
            raise InputError(
                f"code {code_id!r}, pattern {number}: the regular expression {expression!r} "
                f"took over {REGEX_TIMEOUT:g} s on one word ({len(str(value)):,} characters; "
                "the limit), so it backtracks catastrophically; rewrite it without a repeat "
                "inside a repeat or an alternation whose branches match the same text (e.g. "
                "'^a+$' for '^(a+)+$'), load the codebook again, and code again"
            ) from None

    Token.set_extension(name, getter=found)
    return name
