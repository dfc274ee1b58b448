"""Codebook YAML: read with line numbers, validated at the edge.

The format is published as a JSON Schema (``codebooks/codebook.schema.json``) and
checked with ``jsonschema``; each schema error becomes a message naming the file,
the line of the nearest mapping (the code) and the code's id, saying what to do.
What a schema cannot say (duplicate ids, valid spaCy patterns) is checked after.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from qda.codebook.checks import (
    check_code_count,
    check_color,
    check_patterns,
    check_proximity,
    count_yaml_codes,
)
from qda.codebook.model import Code, Codebook
from qda.errors import CodebookError
from qda.limits import MAX_CODE_DEPTH, MAX_YAML_ALIAS_VALUES, MAX_YAML_DEPTH

__all__ = ["read_codebook_yaml", "codebook_validator", "BoundedLoader"]

_TEXT_KEYS = ("description", "include", "exclude")
_LIST_KEYS = ("examples", "keywords", "exclude_keywords")
_CODE_LISTS = ("codes", "children")


# ------------------------------------------------------------------------- loading
class BoundedLoader(yaml.SafeLoader):
    """A SafeLoader that bounds what a small file can make (checked while composing,
    before anything is built or validated): lists and mappings nest at most
    :data:`MAX_YAML_DEPTH` deep, aliases stand for at most :data:`MAX_YAML_ALIAS_VALUES`
    values in all (a nested "billion laughs" of ``&a``/``*a`` would otherwise cost
    unbounded time and memory in the schema check and in copying), and an alias cannot
    stand for the node it is in. For every YAML file a user gives qda."""

    def __init__(self, stream):
        super().__init__(stream)
        self._sizes: dict[int, int] = {}  # id(node) -> values it stands for, aliases expanded
        self._aliased = 0  # values the aliases met so far stand for
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = self.anchors.get(event.anchor)
            if node is not None:
                size = self._sizes.get(id(node))
                if size is None:
                    raise yaml.composer.ComposerError(
                        None,
                        None,
                        f"the alias *{event.anchor} is inside the value it names "
                        "(a loop); write the value out",
                        event.start_mark,
                    )
                self._aliased += size
                if self._aliased > MAX_YAML_ALIAS_VALUES:
                    raise yaml.composer.ComposerError(
                        None,
                        None,
                        f"aliases (*name) stand for more than "
                        f"{MAX_YAML_ALIAS_VALUES:,} values in all (the limit, against alias "
                        "bombs); write the lists out instead of nesting aliases",
                        event.start_mark,
                    )
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_YAML_DEPTH:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"lists and mappings nest more than {MAX_YAML_DEPTH} levels deep "
                f"(the limit; a code tree has at most {MAX_CODE_DEPTH} levels)",
                self.peek_event().start_mark,
            )
        node = super().compose_node(parent, index)
        self._depth -= 1
        sizes = self._sizes
        if isinstance(node, yaml.SequenceNode):
            sizes[id(node)] = 1 + sum(sizes.get(id(v), 1) for v in node.value)
        elif isinstance(node, yaml.MappingNode):
            sizes[id(node)] = 1 + sum(sizes.get(id(k), 1) + sizes.get(id(v), 1) for k, v in node.value)
        else:
            sizes[id(node)] = 1
        return node


class _LineLoader(BoundedLoader):
    """A bounded loader whose mappings and lists remember their lines and refuse
    duplicate keys."""


class _Mapping(dict):
    line: int = 0


class _Sequence(list):
    line: int = 0
    lines: list[int] = []  # noqa: RUF012 - each instance sets its own


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Mapping:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, str) and key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"key {key!r} appears twice in one mapping (first at line {seen[key]})",
                key_node.start_mark,
            )
        if isinstance(key, str):
            seen[key] = key_node.start_mark.line + 1
    mapping = _Mapping(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _Sequence:
    seq = _Sequence(loader.construct_sequence(node, deep=True))
    seq.line = node.start_mark.line + 1
    seq.lines = [item.start_mark.line + 1 for item in node.value]
    return seq


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


@lru_cache(maxsize=1)
def codebook_validator():
    """A ``jsonschema`` validator for the published codebook schema."""
    from jsonschema import Draft202012Validator

    from qda.resources import codebook_schema

    schema = json.loads(codebook_schema().read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def read_codebook_yaml(path: str | Path) -> Codebook:
    """Read and validate a YAML codebook; errors name the file, line and code."""
    path = Path(path)
    if not path.exists():
        raise CodebookError(f"{path}: no such codebook file")
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodebookError(f"{path}: is not UTF-8 text; save it as UTF-8") from exc
    except OSError as exc:  # a folder, no permission, ...
        raise CodebookError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    try:
        data = yaml.load(raw, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", line {mark.line + 1}" if mark else ""
        raise CodebookError(f"{path}{where}: not valid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise CodebookError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CodebookError(f"{path}: a codebook is a mapping with 'name', 'version' and 'codes'")
    _check_depth(data, path)
    check_code_count(count_yaml_codes(data), str(path))
    _check_schema(data, path)
    return _build(data, path)


def _check_depth(data: dict, path: Path) -> None:
    """Refuse a code tree deeper than :data:`MAX_CODE_DEPTH` before the schema check
    (whose recursion a much deeper tree would overflow)."""
    codes = data.get("codes")
    stack = [(c, 1) for c in codes if isinstance(c, dict)] if isinstance(codes, list) else []
    while stack:
        code, depth = stack.pop()
        if depth > MAX_CODE_DEPTH:
            raise CodebookError(
                f"{path}, line {getattr(code, 'line', '?')}: code {code.get('id')!r} is at "
                f"level {depth} of the tree, deeper than the limit of {MAX_CODE_DEPTH} "
                "levels; move it up"
            )
        kids = code.get("children")
        if isinstance(kids, list):
            stack.extend((k, depth + 1) for k in kids if isinstance(k, dict))


# ---------------------------------------------------------------- schema errors
def _check_schema(data: dict, path: Path) -> None:
    errors = list(codebook_validator().iter_errors(data))
    if not errors:
        return
    located = sorted(
        ((_locate(data, list(e.absolute_path)), e) for e in errors),
        key=lambda le: (le[0][0], len(le[1].absolute_path)),
    )
    (line, code, in_code_list), error = located[0]
    label = f": code {code!r}" if code is not None else ""
    message = f"{path}, line {line}{label}: {_explain(error, in_code_list)}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    raise CodebookError(message)


def _locate(data: Any, where: list[Any]) -> tuple[int, Any, bool]:
    """(line, code id, the instance is an item of a code list) for a path into the data.

    The line is the nearest code's (or the top mapping's): the place a person looks.
    """
    node, line, code, in_code_list = data, getattr(data, "line", 1), None, False
    for i, key in enumerate(where):
        parent, node = node, node[key]
        in_code_list = isinstance(parent, list) and i > 0 and where[i - 1] in _CODE_LISTS
        if in_code_list:  # the line of the code (its mapping, or the item if not a mapping)
            code = node.get("id") if isinstance(node, dict) else None
            line = getattr(node, "line", None) or (
                parent.lines[key] if isinstance(parent, _Sequence) else line
            )
    return line, code, in_code_list


def _explain(error: Any, in_code_list: bool) -> str:  # noqa: C901 - one branch per case
    kind, where, value = error.validator, list(error.absolute_path), error.instance
    key = next((k for k in reversed(where) if isinstance(k, str)), None)
    index = where[-1] if where and isinstance(where[-1], int) else None
    if "proximity" in where:
        return _explain_proximity(error, where, kind)
    if in_code_list and kind == "type":
        return f"a code must be a mapping with 'id' and 'name', not {value!r}"
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(value) - set(allowed), key=str)
        return f"unknown key {unknown[0]!r}; allowed: {', '.join(allowed)}"
    if kind == "required":
        missing = [k for k in error.validator_value if k not in value][0]
        if missing == "id":
            return "has no 'id'; give it a short id such as 'benefits'"
        if missing == "name":
            return "'name' is empty; give the code a name"
        return "'codes' must be a non-empty list of codes"
    if key == "codes" and index is None:
        return "'codes' must be a non-empty list of codes"
    if key == "children" and index is None:
        return "'children' must be a list of codes"
    if key == "patterns":
        if index is None and len(where) and where[-1] == "patterns":
            return "'patterns' must be a list of spaCy token patterns"
        number = where[where.index("patterns") + 1] + 1
        if kind == "minItems":
            return f"pattern {number} is empty; give at least one token mapping"
        return f"pattern {number} must be a list of token mappings, e.g. [{{LOWER: home}}, {{LEMMA: visit}}]"
    if key in _LIST_KEYS:
        if index is None:
            return f"'{key}' must be a list (one item per line starting with '- ')"
        return f"'{key}' has an empty or non-text item {value!r}"
    if key == "id":
        return "id must be lower-case letters, digits, '_' or '-', starting with a letter"
    if key == "color":
        return f"colour {value!r} is not of the form '#RRGGBB' (e.g. '#0072B2')"
    if key == "name":
        if kind == "type":
            return f"'name' must be text, not {value!r}; put it in quotes"
        return "'name' is empty; give the code a name"
    if key == "version":
        return f"'version' must be text such as \"1.0\", not {value!r}"
    if key in (*_TEXT_KEYS, "name") and kind == "type":
        return f"'{key}' must be text"
    return error.message


def _explain_proximity(error: Any, where: list[Any], kind: str) -> str:
    rest = where[where.index("proximity") + 1 :]
    if not rest:
        return "'proximity' must be a list of rules such as {terms: [family, appointment], within: 5}"
    what = f"proximity rule {rest[0] + 1}"
    if kind == "required":
        return f"{what} needs 'terms' and 'within', e.g. {{terms: [family, appointment], within: 5}}"
    if kind == "additionalProperties":
        return f"{what}: {error.message}; allowed: ordered, terms, within"
    field = next((k for k in rest if isinstance(k, str)), None)
    if field == "terms":
        return f"{what}: 'terms' must list two or more phrases, e.g. [family, appointment]"
    if field == "within":
        return f"{what}: 'within' must be a whole number of words (0 or more), not {error.instance!r}"
    if field == "ordered":
        return f"{what}: 'ordered' must be true or false, not {error.instance!r}"
    return f"{what} must be a mapping such as {{terms: [family, appointment], within: 5}}"


# ---------------------------------------------------------------------- building
def _build(data: dict, path: Path) -> Codebook:
    codes: list[Code] = []
    lines: dict[str, int | str] = {}  # code id -> its line ("?" when not known)

    def walk(items: list[Any], parent: str | None) -> None:
        for item in items:
            codes.append(_build_code(item, parent, path, lines))
            walk(item.get("children") or [], item["id"])

    walk(data["codes"], None)
    name = data.get("name") or path.stem
    version = data.get("version", "1")
    return Codebook(
        name=str(name),
        version=str(version),
        description=str(data.get("description") or "").strip(),
        codes=tuple(codes),
    )


def _build_code(item: dict, parent: str | None, path: Path, lines: dict[str, int | str]) -> Code:
    """One code from a schema-valid mapping: the checks a schema cannot do."""
    code_id, line = item["id"], getattr(item, "line", "?")
    where = f"{path}, line {line}: code {code_id!r}"
    if code_id in lines:
        raise CodebookError(
            f"{where}: duplicate id (first used at line {lines[code_id]}); give each code its own id"
        )
    lines[code_id] = line
    fields: dict[str, Any] = {key: (item.get(key) or "").strip() for key in _TEXT_KEYS}
    for key in _LIST_KEYS:
        fields[key] = tuple(v.strip() for v in item.get(key) or ())
    patterns = _plain(item.get("patterns") or [])
    check_patterns(code_id, patterns, where)
    proximity = check_proximity(_plain(item.get("proximity") or []), where)
    return Code(
        id=code_id,
        name=item["name"].strip(),
        parent=parent,
        patterns=tuple(patterns),
        proximity=proximity,
        color=check_color(item.get("color"), where),
        **fields,
    )


def _plain(value: Any) -> Any:
    """Loaded YAML without the loader's line-tracking types (which yaml cannot dump)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
