"""Codebook edits as pure functions: a codebook in, a new codebook out.

Each function checks its arguments (unknown ids, a taken id, a move that would
make a cycle) and raises :class:`~qda.errors.InputError` saying what to do;
:class:`qda.Project` applies the result to the store together with the codings
it affects. Sibling order is kept: a code added or moved without a ``position``
goes after its new siblings.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from qda.codebook.model import Code, Codebook
from qda.errors import CodebookError, InputError
from qda.limits import MAX_CODE_DEPTH

__all__ = [
    "add_children",
    "add_code",
    "check_new_id",
    "descendants",
    "make_code",
    "merge_code",
    "move_code",
    "remove_code",
    "rename_code",
    "require",
]

CODE_ID = re.compile(r"^[a-z][a-z0-9_-]*$")  # as in the codebook YAML schema
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
#: Rule fields a merge unions into the target, so its rules still find what the source's did.
MERGED_FIELDS = ("examples", "keywords", "patterns", "proximity")


def require(cb: Codebook, code_id: str, *, role: str = "code") -> Code:
    """The code, or an InputError naming the unknown id."""
    if not isinstance(code_id, str) or code_id not in cb:
        raise InputError(f"unknown {role} {code_id!r}; see `qda codebook show` for the ids")
    return cb.get(code_id)


def descendants(cb: Codebook, code_id: str) -> list[str]:
    """Every code under ``code_id``, in tree order."""
    out, todo = [], [code_id]
    while todo:
        kids = [c.id for c in cb.children(todo.pop())]
        out += kids
        todo += kids
    order = {cid: i for i, cid in enumerate(cb.ids)}
    return sorted(out, key=order.__getitem__)


def check_new_id(cb: Codebook, code_id: Any, *, taken: Iterable[str] = ()) -> str:
    if not isinstance(code_id, str) or not CODE_ID.match(code_id):
        raise InputError(
            f"code id {code_id!r} is not valid; use lower-case letters, digits, "
            "'_' and '-', starting with a letter (e.g. family_contact)"
        )
    if code_id in cb or code_id in set(taken):
        raise InputError(f"code id {code_id!r} is already used; choose another id")
    return code_id


def make_code(code_id: str, name: Any, parent: str | None, fields: Mapping[str, Any]) -> Code:
    """A Code from user-given fields, each checked (lists become tuples)."""
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"code {code_id!r} needs a name (non-empty text)")
    known = {f.name for f in dataclasses.fields(Code)} - {"id", "name", "parent"}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise InputError(f"code {code_id!r}: unknown field {unknown[0]!r}; use " + ", ".join(sorted(known)))
    values: dict[str, Any] = {}
    defaults = {f.name: f.default for f in dataclasses.fields(Code)}
    for key, value in fields.items():
        if isinstance(defaults[key], tuple):
            values[key] = _list_field(code_id, key, value)
        elif key == "color":
            if value is not None and (not isinstance(value, str) or not _COLOR.match(value)):
                raise InputError(f"code {code_id!r}: color must look like #1f77b4, not {value!r}")
            values[key] = value
        else:
            if value is not None and not isinstance(value, str):
                raise InputError(f"code {code_id!r}: {key} must be text, not {value!r}")
            values[key] = (value or "").strip()
    return Code(id=code_id, name=name.strip(), parent=parent, **values)


def _list_field(code_id: str, key: str, value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise InputError(f"code {code_id!r}: {key} must be a list, not {value!r}")
    if key == "proximity":
        from qda.codebook.checks import check_proximity

        return check_proximity(value, f"code {code_id!r}")
    if key != "patterns":
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise InputError(f"code {code_id!r}: every item of {key} must be non-empty text")
        return tuple(v.strip() for v in value)
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    for i, pattern in enumerate(value, start=1):
        try:
            Matcher(Vocab(), validate=True).add("check", [pattern])
        except Exception as exc:  # spaCy raises ValueError/MatchPatternError, with details
            raise InputError(
                f"code {code_id!r}: pattern {i} is not a spaCy token pattern "
                f"({' '.join(str(exc).split())[:200]})"
            ) from exc
    return tuple(value)


# ------------------------------------------------------------------------- edits
def add_code(cb: Codebook, code: Code, *, position: int | None = None) -> Codebook:
    if code.parent is not None:
        require(cb, code.parent, role="parent code")
    check_new_id(cb, code.id)
    return _place(cb, list(cb.codes), code, position)


def add_children(cb: Codebook, parent: str, children: Sequence[Code]) -> Codebook:
    require(cb, parent)
    seen: list[str] = []
    for child in children:
        check_new_id(cb, child.id, taken=seen)
        seen.append(child.id)
    codes = list(cb.codes)
    for child in children:
        cb = _place(cb, codes, child, None)
        codes = list(cb.codes)
    return cb


def rename_code(
    cb: Codebook, code_id: str, *, name: str | None = None, new_id: str | None = None
) -> Codebook:
    code = require(cb, code_id)
    if new_id is not None and new_id != code_id:
        check_new_id(cb, new_id)
    else:
        new_id = code_id
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise InputError(f"code {code_id!r}: the new name is empty; give some text")
    renamed = dataclasses.replace(code, id=new_id, name=name.strip() if name else code.name)
    codes = [
        renamed if c.id == code_id else dataclasses.replace(c, parent=new_id) if c.parent == code_id else c
        for c in cb.codes
    ]
    return _tree(cb, codes)


def move_code(cb: Codebook, code_id: str, parent: str | None, *, position: int | None = None) -> Codebook:
    code = require(cb, code_id)
    if parent is not None:
        require(cb, parent, role="parent code")
        if parent == code_id:
            raise InputError(f"cannot move {code_id!r} under itself; choose another parent or --top")
        if parent in descendants(cb, code_id):
            chain = " > ".join([*reversed(cb.ancestors(parent)), parent])
            raise InputError(
                f"cannot move {code_id!r} under {parent!r}: {parent!r} is inside "
                f"{code_id!r} ({chain}), so the tree would have a cycle; move "
                f"{parent!r} out first or choose another parent"
            )
    codes = [c for c in cb.codes if c.id != code_id]
    return _place(cb, codes, dataclasses.replace(code, parent=parent), position)


def merge_code(cb: Codebook, source: str, into: str) -> Codebook:
    """``source`` disappears; its children go under ``into`` (after into's own) and its
    examples, keywords and patterns are added to ``into``'s."""
    src, target = require(cb, source), require(cb, into, role="target code")
    if source == into:
        raise InputError(f"cannot merge {source!r} into itself; name two different codes")
    if into in descendants(cb, source):
        raise InputError(
            f"cannot merge {source!r} into {into!r}: {into!r} is inside "
            f"{source!r}; move {into!r} out first, or merge the other way"
        )
    joined: dict[str, Any] = {
        key: tuple(_unique([*getattr(target, key), *getattr(src, key)])) for key in MERGED_FIELDS
    }
    merged = dataclasses.replace(target, **joined)
    rest = [merged if c.id == into else c for c in cb.codes if c.id != source and c.parent != source]
    kids = [dataclasses.replace(c, parent=into) for c in cb.codes if c.parent == source]
    return _tree(cb, rest + kids)  # only the order among siblings counts


def remove_code(cb: Codebook, code_id: str, *, keep_children: bool = False) -> tuple[Codebook, list[str]]:
    """Without the code and (unless ``keep_children``) everything under it; kept children
    take the code's place under its parent. Returns the new codebook and the removed ids."""
    code = require(cb, code_id)
    gone = [code_id] if keep_children else [code_id, *descendants(cb, code_id)]
    codes: list[Code] = []
    for c in cb.codes:
        if c.id == code_id and keep_children:  # the children take the code's place
            codes += [dataclasses.replace(k, parent=code.parent) for k in cb.children(code_id)]
        elif c.id not in gone and not (keep_children and c.parent == code_id):
            codes.append(c)
    return _tree(cb, codes), gone


# ---------------------------------------------------------------------- helpers
def _place(cb: Codebook, codes: list[Code], code: Code, position: int | None) -> Codebook:
    siblings = [c for c in codes if c.parent == code.parent]
    if position is not None and (not isinstance(position, int) or isinstance(position, bool) or position < 0):
        raise InputError(f"position must be a whole number from 0 (first), not {position!r}")
    if position is None or position >= len(siblings):
        codes = [*codes, code]
    else:
        at = codes.index(siblings[position])
        codes = [*codes[:at], code, *codes[at:]]
    return _tree(cb, codes)


def _tree(cb: Codebook, codes: list[Code]) -> Codebook:
    """The codes in tree pre-order; siblings keep their order in ``codes``."""
    kids: dict[str | None, list[Code]] = {}
    for c in codes:
        kids.setdefault(c.parent, []).append(c)
    out: list[Code] = []
    stack = [(c, 1) for c in reversed(kids.get(None, []))]
    while stack:
        c, depth = stack.pop()
        if depth > MAX_CODE_DEPTH:
            raise CodebookError(
                f"code {c.id!r} would be at level {depth} of the tree, deeper "
                f"than the limit of {MAX_CODE_DEPTH} levels; put it higher up"
            )
        out.append(c)
        stack += [(kid, depth + 1) for kid in reversed(kids.get(c.id, []))]
    if len(out) != len(codes):  # an edit function above let a cycle or orphan through
        raise AssertionError("codebook edit left codes outside the tree")
    return dataclasses.replace(cb, codes=tuple(out))


def _unique(items: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out
