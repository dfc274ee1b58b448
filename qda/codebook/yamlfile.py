"""Codebook YAML: read with line numbers, validated at the edge.

Validation errors name the file, the line and the code, and say what to do.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from qda.codebook.model import Code, Codebook
from qda.errors import CodebookError

__all__ = ["read_codebook_yaml"]

_ID = re.compile(r"^[a-z][a-z0-9_-]*$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_TOP_KEYS = {"name", "version", "description", "codes"}
_CODE_KEYS = {"id", "name", "description", "include", "exclude", "examples", "keywords",
              "patterns", "color", "children"}
_TEXT_KEYS = ("description", "include", "exclude")
_LIST_KEYS = ("examples", "keywords")


# ------------------------------------------------------------------------- loading
class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings remember their line and refuse duplicate keys."""


class _Mapping(dict):
    line: int = 0


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Mapping:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, str) and key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice in one mapping (first at line "
                f"{seen[key]})", key_node.start_mark)
        if isinstance(key, str):
            seen[key] = key_node.start_mark.line + 1
    mapping = _Mapping(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_codebook_yaml(path: str | Path) -> Codebook:
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
    return _build(data, path)


def _build(data: Any, path: Path) -> Codebook:
    if not isinstance(data, dict):
        raise CodebookError(f"{path}: a codebook is a mapping with 'name', 'version' and 'codes'")
    where = f"{path}, line {getattr(data, 'line', 1)}"
    unknown = sorted(set(data) - _TOP_KEYS, key=str)
    if unknown:
        raise CodebookError(f"{where}: unknown key {unknown[0]!r}; allowed: "
                            f"{', '.join(sorted(_TOP_KEYS))}")
    codes_raw = data.get("codes")
    if not isinstance(codes_raw, list) or not codes_raw:
        raise CodebookError(f"{where}: 'codes' must be a non-empty list of codes")
    codes: list[Code] = []
    lines: dict[str, int] = {}

    def walk(items: list[Any], parent: str | None) -> None:
        for item in items:
            codes.append(_build_code(item, parent, path, lines))
            kids = item.get("children")
            if kids is not None:
                if not isinstance(kids, list):
                    raise CodebookError(f"{path}, line {item.line}: code {item['id']!r}: "
                                        "'children' must be a list of codes")
                walk(kids, item["id"])

    walk(codes_raw, None)
    name = data.get("name") or path.stem
    version = data.get("version", "1")
    return Codebook(name=str(name), version=str(version),
                    description=str(data.get("description") or ""), codes=tuple(codes))


def _build_code(item: Any, parent: str | None, path: Path, lines: dict[str, int]) -> Code:
    line = getattr(item, "line", "?")
    if not isinstance(item, dict):
        raise CodebookError(f"{path}: a code must be a mapping with 'id' and 'name', "
                            f"not {item!r}")
    code_id = item.get("id")
    label = f"code {code_id!r}" if code_id else "a code"
    where = f"{path}, line {line}: {label}"
    unknown = sorted(set(item) - _CODE_KEYS, key=str)
    if unknown:
        raise CodebookError(f"{where}: unknown key {unknown[0]!r}; allowed: "
                            f"{', '.join(sorted(_CODE_KEYS))}")
    if code_id is None:
        raise CodebookError(f"{where}: has no 'id'; give it a short id such as 'benefits'")
    if not isinstance(code_id, str) or not _ID.match(code_id):
        raise CodebookError(f"{where}: id must be lower-case letters, digits, '_' or '-', "
                            "starting with a letter")
    if code_id in lines:
        raise CodebookError(f"{where}: duplicate id (first used at line {lines[code_id]}); "
                            "give each code its own id")
    lines[code_id] = line
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        raise CodebookError(f"{where}: 'name' must be text, not {name!r}; put it in quotes")
    if not isinstance(name, str) or not name.strip():
        raise CodebookError(f"{where}: 'name' is empty; give the code a name")
    fields: dict[str, Any] = {}
    for key in _TEXT_KEYS:
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            raise CodebookError(f"{where}: '{key}' must be text")
        fields[key] = (value or "").strip()
    for key in _LIST_KEYS:
        value = item.get(key) or []
        if not isinstance(value, list):
            raise CodebookError(f"{where}: '{key}' must be a list (one item per line "
                                "starting with '- ')")
        for v in value:
            if not isinstance(v, str) or not v.strip():
                raise CodebookError(f"{where}: '{key}' has an empty or non-text item {v!r}")
        fields[key] = tuple(v.strip() for v in value)
    patterns = item.get("patterns") or []
    if not isinstance(patterns, list):
        raise CodebookError(f"{where}: 'patterns' must be a list of spaCy token patterns")
    _check_patterns(code_id, patterns, where)
    color = item.get("color")
    if color is not None and (not isinstance(color, str) or not _COLOR.match(color)):
        raise CodebookError(f"{where}: colour {color!r} is not of the form '#RRGGBB' "
                            "(e.g. '#0072B2')")
    return Code(id=code_id, name=name.strip(), parent=parent, patterns=_plain(tuple(patterns)),
                color=color, **fields)


def _plain(value: Any) -> Any:
    """Loaded YAML without the loader's line-tracking mappings (which yaml cannot dump)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def _check_patterns(code_id: str, patterns: list[Any], where: str) -> None:
    if not patterns:
        return
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    for i, pattern in enumerate(patterns, start=1):
        if not isinstance(pattern, list) or not all(isinstance(t, dict) for t in pattern):
            raise CodebookError(f"{where}: pattern {i} must be a list of token mappings, e.g. "
                                "[{LOWER: home}, {LEMMA: visit}]")
        try:
            Matcher(Vocab(), validate=True).add(code_id, [pattern])
        except Exception as exc:  # spaCy raises MatchPatternError/ValueError with details
            detail = " ".join(str(exc).split())
            raise CodebookError(f"{where}: pattern {i} is not a valid spaCy pattern: "
                                f"{detail}") from exc
