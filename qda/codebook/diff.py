"""The difference between two codebooks, as plain data.

``diff_codebooks(old, new)`` says which codes were added, removed, changed (and
which fields), moved to another parent or reordered among their siblings, and
which removed codes were most likely renamed to an added one (same name, or a
very similar definition or keyword list). It never touches a project:
:meth:`qda.Project.load_codebook` applies a diff as edits.
"""

from __future__ import annotations

import dataclasses
import difflib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from qda.codebook.model import Code, Codebook
from qda.errors import ConflictError, InputError

__all__ = ["CodebookDiff", "FieldChange", "Move", "Rename", "check_load", "code_fields", "diff_codebooks"]

#: How similar two definitions must be (difflib ratio) to suggest a rename.
SIMILAR_DEFINITION = 0.8


def code_fields() -> list[str]:
    """The fields of a code that a diff compares (everything but id and parent)."""
    return [f.name for f in dataclasses.fields(Code) if f.name not in ("id", "parent")]


@dataclass(frozen=True)
class FieldChange:
    code: str
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Move:
    code: str
    old_parent: str | None
    new_parent: str | None


@dataclass(frozen=True)
class Rename:
    """A removed code and the added code it most likely became, and why we think so."""

    old: str
    new: str
    why: str


@dataclass(frozen=True)
class CodebookDiff:
    added: list[str] = field(default_factory=list)  # in new only, new's tree order
    removed: list[str] = field(default_factory=list)  # in old only, old's tree order
    changed: dict[str, list[FieldChange]] = field(default_factory=dict)
    moved: list[Move] = field(default_factory=list)  # parent differs
    reordered: list[str] = field(default_factory=list)  # same parent, new place among siblings
    renames: list[Rename] = field(default_factory=list)  # likely: removed old -> added new
    meta: dict[str, tuple[str, str]] = field(default_factory=dict)  # name/version/description

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.moved or self.reordered or self.meta)

    def rename_of(self, old_id: str) -> str | None:
        """The added code a removed one was most likely renamed to, if any."""
        return next((r.new for r in self.renames if r.old == old_id), None)

    def to_frame(self) -> pd.DataFrame:
        """One row per difference: ``change, code, field, before, after``."""
        rows: list[tuple[str, str, str, Any, Any]] = []
        for key, (before, after) in self.meta.items():
            rows.append(("codebook", "", key, before, after))
        rows += [("added", c, "", None, None) for c in self.added]
        rows += [("removed", c, "", self.rename_of(c), None) for c in self.removed]
        for code, changes in self.changed.items():
            rows += [("changed", code, ch.field, ch.before, ch.after) for ch in changes]
        rows += [("moved", m.code, "parent", m.old_parent, m.new_parent) for m in self.moved]
        rows += [("reordered", c, "position", None, None) for c in self.reordered]
        return pd.DataFrame(rows, columns=["change", "code", "field", "before", "after"])

    def lines(self) -> list[str]:
        """The diff for people, one line per difference."""
        out = [f"codebook {key}: {before!r} -> {after!r}" for key, (before, after) in self.meta.items()]
        out += [f"+ {c}" for c in self.added]
        for c in self.removed:
            guess = next((r for r in self.renames if r.old == c), None)
            out.append(f"- {c}" + (f"  (likely renamed to {guess.new}: {guess.why})" if guess else ""))
        for code, changes in self.changed.items():
            out.append(f"~ {code}: " + ", ".join(ch.field for ch in changes))
        out += [
            f"> {m.code}: moved from {m.old_parent or '(top)'} to {m.new_parent or '(top)'}"
            for m in self.moved
        ]
        out += [f"> {c}: new place among its siblings" for c in self.reordered]
        return out


def diff_codebooks(old: Codebook, new: Codebook) -> CodebookDiff:
    """What changes from ``old`` to ``new`` (see the module docstring)."""
    added = [c.id for c in new if c.id not in old]
    removed = [c.id for c in old if c.id not in new]
    changed: dict[str, list[FieldChange]] = {}
    moved: list[Move] = []
    reordered: list[str] = []
    names = code_fields()
    for code in new:
        if code.id not in old:
            continue
        before = old.get(code.id)
        diffs = [
            FieldChange(code.id, n, getattr(before, n), getattr(code, n))
            for n in names
            if getattr(before, n) != getattr(code, n)
        ]
        if diffs:
            changed[code.id] = diffs
        if before.parent != code.parent:
            moved.append(Move(code.id, before.parent, code.parent))
        elif _sibling_order(old, new, code).index(code.id) != _sibling_order(new, old, code).index(code.id):
            reordered.append(code.id)
    meta = {
        key: (getattr(old, key), getattr(new, key))
        for key in ("name", "version", "description")
        if getattr(old, key) != getattr(new, key)
    }
    return CodebookDiff(
        added=added,
        removed=removed,
        changed=changed,
        moved=moved,
        reordered=reordered,
        renames=_likely_renames(old, new, removed, added),
        meta=meta,
    )


def _sibling_order(cb: Codebook, other: Codebook, code: Code) -> list[str]:
    """The code's siblings in ``cb`` that are siblings in ``other`` too, in ``cb``'s order:
    an added or removed sibling alone does not make a reorder."""
    return [c.id for c in cb.children(code.parent) if c.id in other and other.get(c.id).parent == code.parent]


def _likely_renames(old: Codebook, new: Codebook, removed: list[str], added: list[str]) -> list[Rename]:
    out: list[Rename] = []
    free = list(added)
    for old_id in removed:
        before = old.get(old_id)
        best: tuple[float, str, str] | None = None
        for new_id in free:
            after = new.get(new_id)
            score, why = _similarity(before, after)
            if score and (best is None or score > best[0]):
                best = (score, new_id, why)
        if best is not None:
            out.append(Rename(old_id, best[1], best[2]))
            free.remove(best[1])
    return out


def _similarity(a: Code, b: Code) -> tuple[float, str]:
    if _norm(a.name) == _norm(b.name):
        return 3.0, "same name"
    if a.description.strip() and b.description.strip():
        ratio = difflib.SequenceMatcher(None, _norm(a.description), _norm(b.description)).ratio()
        if ratio >= SIMILAR_DEFINITION:
            return 1.0 + ratio, f"{ratio:.0%} similar definition"
    if a.keywords and set(map(_norm, a.keywords)) == set(map(_norm, b.keywords)):
        return 1.0, "same keywords"
    return 0.0, ""


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def check_load(
    old: Codebook,
    new: Codebook,
    diff: CodebookDiff,
    counts: Mapping[str, int],
    *,
    mapping: Mapping[str, str],
    archive: Sequence[str],
    where: str = "",
) -> None:
    """Refuse a codebook load whose orders do not fit: ``mapping`` (old id -> new id)
    names a code the project lacks, one the file keeps, or a target the file lacks;
    ``archive`` the same; and every removed code with codings (``counts``) needs one of
    them (a ConflictError lists each). ``where``: the file, as a message prefix."""
    for old_id, new_id in mapping.items():
        if old_id not in old:
            raise InputError(
                f"{where}--map {old_id}={new_id}: the project has no code "
                f"{old_id!r}; see `qda codebook show` for the ids"
            )
        if old_id in new:
            raise InputError(
                f"{where}--map {old_id}={new_id}: {old_id!r} is still in the "
                "file; --map is for codes the file removes"
            )
        if new_id not in new:
            raise InputError(
                f"{where}--map {old_id}={new_id}: {new_id!r} is not in the file; map to a code the file has"
            )
        if old_id in archive:
            raise InputError(f"{where}{old_id!r} is both mapped and archived; choose one")
    for code_id in archive:
        if code_id not in old:
            raise InputError(
                f"{where}--archive {code_id}: the project has no code "
                f"{code_id!r}; see `qda codebook show` for the ids"
            )
        if code_id in new:
            raise InputError(
                f"{where}--archive {code_id}: {code_id!r} is still in the file;"
                " --archive is for codes the file removes"
            )
    blocked = [
        (c, counts[c], diff.rename_of(c))
        for c in diff.removed
        if counts.get(c) and c not in mapping and c not in archive
    ]
    if blocked:
        listed = "; ".join(
            f"code {c!r} has {n} coding(s)" + (f" (likely renamed to {g!r})" if g else "")
            for c, n, g in blocked
        )
        hint = " ".join(f"--map {c}={g or 'NEW'}" for c, _, g in blocked[:3])
        raise ConflictError(
            f"{where}{listed}, but the file no longer has it; nothing was changed. Say "
            f"where the codings go: --map OLD=NEW merges them into a code of the file "
            f"(e.g. {hint}), or --archive OLD moves them to the archive"
        )
