"""Coding queries: which passages are coded A and B, A but not B, A near B.

The language (keywords in any case; a code is its id, see ``qda codebook show``)::

    expr  := term (OR term)*
    term  := factor (AND factor)*          "A AND NOT B" is A without B
    factor:= NOT factor | near
    near  := atom (NEAR/N atom)*           N: a whole number of turns
    atom  := CODE | ( expr )

NOT binds tightest, then NEAR, AND, OR; parentheses group. A code stands for the
segments coded at it **or any code below it**. ``A NEAR/N B`` is the segments coded A
with a segment coded B at most N turns away in the same document, and the segments
coded B with such an A (both ends of each pair; ``NEAR/0`` is a segment coded at
both). Turns are counted over every segment of the document, interviewer turns
included, as a reader sees them: a respondent's next answer after a question is 2
away. ``NOT A`` is every segment in the query's scope (the ``where`` conditions,
interviewer turns left out) not coded A.

The parser is `Lark <https://lark-parser.readthedocs.io>`_ (LALR); a query it cannot
read, an unknown code or a ``NEAR/`` without a number is one :class:`InputError`
naming the position (1-based) in the query.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from qda.errors import InputError

__all__ = ["Query", "evaluate", "parse_query", "query_matrix"]

_GRAMMAR = r"""
?expr: term (OR term)*          -> any_of
?term: factor (AND factor)*     -> all_of
?factor: NOT factor             -> without
       | near
?near: atom (NEAR atom)*        -> near
?atom: CODE                     -> code
     | "(" expr ")"

OR.3: /or(?![\w.:\/-])/i
AND.3: /and(?![\w.:\/-])/i
NOT.3: /not(?![\w.:\/-])/i
NEAR.4: /near\/[^\s()]*/i
CODE: /(?!(?:and|or|not)(?![\w.:\/-])|near\/)[^\s()]+/i
%ignore /\s+/
"""

_NAMES = {
    "OR": "OR",
    "AND": "AND",
    "NOT": "NOT",
    "NEAR": "NEAR/N",
    "CODE": "a code",
    "LPAR": '"("',
    "RPAR": '")"',
    "$END": "the end of the query",
}


@lru_cache(maxsize=1)
def _parser():
    from lark import Lark

    return Lark(_GRAMMAR, start="expr", parser="lalr", maybe_placeholders=False)


@dataclass(frozen=True)
class Query:
    """A parsed query: the text, its tree of tuples (``("code", id)``, ``("and", a, b,
    ...)``, ``("or", ...)``, ``("not", a)``, ``("near", n, a, b)``) and its codes."""

    text: str
    tree: tuple
    codes: tuple[str, ...]


def _fail(text: str, position: int, what: str) -> InputError:
    return InputError(f"query {text!r}, at position {position}: {what}")


def _expected(names) -> str:
    shown = sorted({_NAMES.get(n, n) for n in names if n in _NAMES})
    return " or ".join(shown) if shown else "something else"


def parse_query(text: str, codes) -> Query:
    """Parse ``text`` against the codebook's code ids ``codes`` (a container)."""
    from lark import Token, Tree
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    if not text or not text.strip():
        raise InputError('give a query, e.g. "direct_involvement AND NOT home_visits"')
    try:
        tree = _parser().parse(text)
    except UnexpectedEOF as exc:
        raise _fail(
            text, len(text.rstrip()) + 1, f"the query ends too soon; expected {_expected(exc.expected)}"
        ) from None
    except UnexpectedToken as exc:
        tok = exc.token
        if tok.type == "$END":
            raise _fail(
                text, len(text.rstrip()) + 1, f"the query ends too soon; expected {_expected(exc.expected)}"
            ) from None
        raise _fail(
            text, (tok.start_pos or 0) + 1, f"unexpected {str(tok)!r}; expected {_expected(exc.expected)}"
        ) from None
    except UnexpectedCharacters as exc:
        raise _fail(text, (exc.pos_in_stream or 0) + 1, f"unexpected {exc.char!r}") from None
    found: list[str] = []

    def build(node) -> tuple:
        if isinstance(node, Token):  # a bare code
            node = Tree("code", [node])
        kids = [k for k in node.children]
        if node.data == "code":
            tok = kids[0]
            if str(tok) not in codes:
                raise _fail(
                    text, tok.start_pos + 1, f"unknown code {str(tok)!r}; see `qda codebook show` for the ids"
                )
            found.append(str(tok))
            return ("code", str(tok))
        if node.data == "without":
            return ("not", build(kids[1]))
        if node.data == "near":
            out = build(kids[0])
            for op, right in zip(kids[1::2], kids[2::2]):
                n = str(op)[5:]
                if not n.isdigit():
                    raise _fail(
                        text,
                        op.start_pos + 1,
                        f"{str(op)!r}: NEAR/ needs a whole number of turns, e.g. NEAR/2",
                    )
                out = ("near", int(n), out, build(right))
            return out
        parts = [build(k) for k in kids if not (isinstance(k, Token) and k.type != "CODE")]
        if len(parts) == 1:
            return parts[0]
        return ("and" if node.data == "all_of" else "or", *parts)

    tree = build(tree)
    return Query(text, tree, tuple(dict.fromkeys(found)))


def evaluate(
    query: Query, universe: set[str], coded: Mapping[str, set[str]], places: Mapping[str, tuple[str, int]]
) -> set[str]:
    """The segment ids ``query`` selects among ``universe`` (the segments in scope).

    ``coded``: code id -> segments coded at it or below (any segments); ``places``:
    segment id -> (document, position among all the document's segments)."""

    def run(node) -> set[str]:
        kind = node[0]
        if kind == "code":
            return coded.get(node[1], set()) & universe
        if kind == "not":
            return universe - run(node[1])
        if kind == "and":
            out = run(node[1])
            for part in node[2:]:
                out &= run(part)
            return out
        if kind == "or":
            return set().union(*(run(part) for part in node[1:]))
        return _near(run(node[2]), run(node[3]), node[1], places)

    return run(query.tree)


def _near(a: set[str], b: set[str], n: int, places: Mapping[str, tuple[str, int]]) -> set[str]:
    """Both ends of every pair (one of ``a``, one of ``b``) at most ``n`` turns apart."""

    def by_doc(ids):
        out: dict[str, list[int]] = {}
        for sid in ids:
            doc, pos = places[sid]
            out.setdefault(doc, []).append(pos)
        return {d: sorted(p) for d, p in out.items()}

    def close(ids, other) -> set[str]:
        keep = set()
        for sid in ids:
            doc, pos = places[sid]
            ps = other.get(doc)
            if ps:
                i = bisect.bisect_left(ps, pos - n)
                if i < len(ps) and ps[i] <= pos + n:
                    keep.add(sid)
        return keep

    return close(a, by_doc(b)) | close(b, by_doc(a))


def query_matrix(
    scope: pd.DataFrame, key: str, columns: Mapping[str, set[str]], rows: list | None = None
) -> pd.DataFrame:
    """Segments of ``scope`` (one row per segment, a ``key`` column) in each of
    ``columns`` (name -> segment ids), by the values of ``key`` (``rows``: their order;
    default as they come), with the row's segments in scope."""
    groups = scope[key].astype("object").where(scope[key].notna(), "(none)")
    groups = groups.replace("", "(none)")
    index = rows if rows is not None else list(dict.fromkeys(groups))
    table = pd.DataFrame(index=pd.Index(index, name=key))
    for name, ids in columns.items():
        hit = scope["segment_id"].isin(ids)
        table[name] = hit.groupby(groups).sum().reindex(index).fillna(0).astype("int64")
    table["segments"] = groups.value_counts().reindex(index).fillna(0).astype("int64")
    return table.reset_index()
