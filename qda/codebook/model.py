"""The codebook model: an immutable tree of codes.

The project stores it as rows (see ``Codebook.to_frame``); readers and writers
for each file format live beside this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from qda.codebook.checks import (
    ID,
    check_code_count,
    check_color,
    check_patterns,
    check_proximity,
    tree_order,
)
from qda.errors import CodebookError

__all__ = ["Code", "Codebook"]

_TEXT_KEYS = ("description", "include", "exclude")
_LIST_KEYS = ("examples", "keywords", "exclude_keywords", "patterns", "proximity")


@dataclass(frozen=True)
class Code:
    id: str
    name: str
    parent: str | None = None
    description: str = ""
    include: str = ""
    exclude: str = ""
    examples: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    exclude_keywords: tuple[str, ...] = ()
    patterns: tuple[Any, ...] = ()
    proximity: tuple[Any, ...] = ()  # {"terms": [...], "within": N, "ordered": bool}
    color: str | None = None

    def __post_init__(self):
        # A name is one line: a line break (or another control character) in it would
        # start a new line in every output that shows it (a fake heading in quotes.md).
        # Every way a code is made passes here, so each reader and edit folds them.
        if isinstance(self.name, str) and _NOT_ONE_LINE.search(self.name):
            object.__setattr__(self, "name", one_line(self.name))


def one_line(text: str) -> str:
    """``text`` with line breaks and control characters folded into single spaces."""
    return " ".join(_NOT_ONE_LINE.sub(" ", text).split())


_NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class Codebook:
    """Codes in tree pre-order (each parent before its children)."""

    name: str = "Codebook"
    version: str = "1"
    description: str = ""
    codes: tuple[Code, ...] = field(default_factory=tuple)

    # ----------------------------------------------------------------- navigation
    @cached_property
    def _by_id(self) -> dict[str, Code]:
        return {c.id: c for c in self.codes}

    def __contains__(self, code_id: object) -> bool:
        return code_id in self._by_id

    def __len__(self) -> int:
        return len(self.codes)

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes)

    def get(self, code_id: str) -> Code:
        return self._by_id[code_id]

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.codes]

    def top_level(self) -> list[Code]:
        return [c for c in self.codes if c.parent is None]

    def children(self, code_id: str | None) -> list[Code]:
        return [c for c in self.codes if c.parent == code_id]

    def ancestors(self, code_id: str) -> list[str]:
        """Parent, grandparent, ... of a code (nearest first)."""
        out, parent = [], self._by_id[code_id].parent
        while parent is not None:
            out.append(parent)
            parent = self._by_id[parent].parent
        return out

    def depth(self, code_id: str) -> int:
        """1 for a top-level theme, 2 for its children, ..."""
        return len(self.ancestors(code_id)) + 1

    def root(self, code_id: str) -> str:
        chain = self.ancestors(code_id)
        return chain[-1] if chain else code_id

    def name_path(self, code_id: str) -> str:
        """The names from the code's theme down to it: ``Theme / Sub-theme / Code``."""
        return " / ".join(
            [self.get(a).name for a in reversed(self.ancestors(code_id))] + [self.get(code_id).name]
        )

    def definition(self, code_id: str) -> str:
        """The code's definition for a person coding: ``id: name path``, then its
        description, ``Use when: ...`` and ``Not when: ...`` (each on one line, blank
        lines between; empty parts left out)."""
        code = self.get(code_id)
        parts = [f"{code.id}: {self.name_path(code_id)}"]
        for label, text in (
            ("", code.description),
            ("Use when: ", code.include),
            ("Not when: ", code.exclude),
        ):
            if text:
                parts.append(label + " ".join(text.split()))
        return "\n\n".join(parts)

    def color(self, code_id: str) -> str | None:
        """The code's colour, or the nearest ancestor's."""
        for cid in [code_id, *self.ancestors(code_id)]:
            if self._by_id[cid].color:
                return self._by_id[cid].color
        return None

    def rollup(self) -> pd.DataFrame:
        """Pairs (code_id, rolls_up_to): each code to itself and every ancestor."""
        rows = [(c.id, a) for c in self.codes for a in [c.id, *self.ancestors(c.id)]]
        return pd.DataFrame(rows, columns=["code_id", "theme_id"])

    # ---------------------------------------------------------------- conversion
    def to_frame(self) -> pd.DataFrame:
        """One row per code, in tree order, with parent, depth and the rule fields."""
        rows = []
        for pos, c in enumerate(self.codes):
            rows.append(
                {
                    "code_id": c.id,
                    "parent_id": c.parent,
                    "name": c.name,
                    "depth": self.depth(c.id),
                    "path": self.name_path(c.id),
                    "description": c.description,
                    "include": c.include,
                    "exclude": c.exclude,
                    "examples": list(c.examples),
                    "keywords": list(c.keywords),
                    "exclude_keywords": list(c.exclude_keywords),
                    "patterns": list(c.patterns),
                    "proximity": list(c.proximity),
                    "color": c.color,
                    "position": pos,
                }
            )
        frame = pd.DataFrame(
            rows,
            columns=[
                "code_id",
                "parent_id",
                "name",
                "depth",
                "path",
                "description",
                "include",
                "exclude",
                "examples",
                "keywords",
                "exclude_keywords",
                "patterns",
                "proximity",
                "color",
                "position",
            ],
        )
        for col in ("parent_id", "color"):  # None, not NaN (NaN != NaN makes rows "differ")
            frame[col] = pd.Series([r[col] for r in rows], index=frame.index, dtype=object)
        return frame

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[Mapping[str, Any]],
        *,
        name: str,
        version: str,
        description: str = "",
        where: Mapping[str, str] | None = None,
    ) -> Codebook:
        """Build from rows: ``code_id`` (or ``id``), ``parent_id`` (or ``parent``), the fields.

        Rows may come in any order (``position``, when given, orders siblings); the
        result is in tree pre-order. A duplicate id, a missing parent or a cycle is a
        ``CodebookError`` naming the row's place from ``where`` (id -> "file, row n").
        """

        def text(value: Any) -> str:
            return "" if value is None or value != value else str(value)  # None/NaN -> ""

        def items(value: Any) -> tuple:
            if value is None or (isinstance(value, float) and value != value):
                return ()
            return tuple(value)

        rows = list(rows)
        place = next(iter(where.values()), "") if where else ""
        check_code_count(len(rows), place.split(", row")[0] or "the codebook")
        if rows and all("position" in r for r in rows):
            rows = sorted(rows, key=lambda r: r["position"])
        plain = [
            {
                **r,
                "id": r.get("code_id", r.get("id")),
                "parent": text(r.get("parent_id", r.get("parent"))) or None,
            }
            for r in rows
        ]
        codes = [
            Code(
                id=r["id"],
                name=r["name"],
                parent=r["parent"],
                description=text(r.get("description")),
                include=text(r.get("include")),
                exclude=text(r.get("exclude")),
                examples=items(r.get("examples")),
                keywords=items(r.get("keywords")),
                exclude_keywords=items(r.get("exclude_keywords")),
                patterns=items(r.get("patterns")),
                proximity=items(r.get("proximity")),
                color=text(r.get("color")) or None,
            )
            for r in tree_order(plain, where)
        ]
        return cls(name=name, version=version, description=description, codes=tuple(codes))

    def validate(self) -> Codebook:
        """Check a codebook built in code; return it. Readers check their files themselves.

        Ids are lower-case slugs, unique; every parent exists and comes before its
        children; no cycles; names are non-empty text; colours are ``#RRGGBB``;
        patterns are valid spaCy Matcher patterns.
        """
        rows = [{"id": c.id, "parent": c.parent} for c in self.codes]
        ordered = [r["id"] for r in tree_order(rows)]
        for c in self.codes:
            where = f"code {c.id!r}"
            if not isinstance(c.id, str) or not ID.match(c.id):
                raise CodebookError(
                    f"{where}: id must be lower-case letters, digits, '_' or '-', starting with a letter"
                )
            if not isinstance(c.name, str) or not c.name.strip():
                raise CodebookError(f"{where}: 'name' is empty; give the code a name")
            check_color(c.color, where)
            check_patterns(c.id, c.patterns, where)
            check_proximity(c.proximity, where)
        if ordered != self.ids:
            raise CodebookError(
                "the codes are not in tree order (each parent before its "
                "children); build the codebook with Codebook.from_rows"
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        def node(c: Code) -> dict[str, Any]:
            out: dict[str, Any] = {"id": c.id, "name": c.name}
            for key in _TEXT_KEYS:
                if getattr(c, key):
                    out[key] = getattr(c, key)
            for key in _LIST_KEYS:
                if getattr(c, key):
                    out[key] = list(getattr(c, key))
            if c.color:
                out["color"] = c.color
            kids = self.children(c.id)
            if kids:
                out["children"] = [node(k) for k in kids]
            return out

        out: dict[str, Any] = {"name": self.name, "version": self.version}
        if self.description:
            out["description"] = self.description
        out["codes"] = [node(c) for c in self.top_level()]
        return out

    def save(self, path: str | Path) -> Path:
        """Write the codebook to ``path`` in the format its extension names.

        ``.yaml``/``.yml``, ``.xlsx`` or ``.qdc`` (REFI-QDA); see ``save_codebook``.
        """
        from qda.codebook import save_codebook

        return save_codebook(self, path)

    def to_yaml(self, path: str | Path) -> None:
        Path(path).write_text(
            yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=100),
            encoding="utf-8",
        )
