"""The codebook: loading, diffing and editing it, keeping every coding.

Part of :class:`qda.Project`; the :attr:`codebook` itself is shared state, in
:mod:`.base`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from qda.codebook import Codebook, edits, load_codebook
from qda.codebook.diff import CodebookDiff, check_load, diff_codebooks
from qda.errors import ConflictError, InputError
from qda.project._util import SOURCES, _code_dict, _make_child, _sibling_index, _version_label, _who
from qda.project.base import ProjectBase
from qda.project.results import _EDIT_COUNTS, CodebookReport, CodeEdit


class Codebooks(ProjectBase):
    # ------------------------------------------------------------------- codebook
    def diff_codebook(self, source: str | Path | Codebook) -> CodebookDiff:
        """What loading ``source`` would change (see :func:`qda.codebook.diff.diff_codebooks`)."""
        new = source if isinstance(source, Codebook) else load_codebook(source)
        return diff_codebooks(self._stored_codebook(), new)

    def unresolved_removals(
        self,
        source: str | Path | Codebook,
        *,
        mapping: Mapping[str, str] | None = None,
        archive: Iterable[str] = (),
    ) -> list[tuple[str, int, str | None]]:
        """Codes ``source`` removes that have codings and neither a mapping nor an archive
        order: (code, codings, likely new id) each."""
        new = source if isinstance(source, Codebook) else load_codebook(source)
        diff = diff_codebooks(self._stored_codebook(), new)
        counts = self._store.coding_counts_by_code()
        skip = set(mapping or {}) | set(archive)
        return [(c, counts[c], diff.rename_of(c)) for c in diff.removed if counts.get(c) and c not in skip]

    def load_codebook(
        self,
        source: str | Path | Codebook,
        *,
        mapping: Mapping[str, str] | None = None,
        archive: Iterable[str] = (),
        who: str | None = None,
    ) -> CodebookReport:
        """Load a codebook file and apply its difference from the project as edits.

        Codes are added, updated in place and moved; every coding is kept. A code the
        file removes that has codings needs ``mapping[old] = new`` (its codings are
        merged into ``new``, which must be in the file) or to be listed in ``archive``
        (its codings go to the archive); otherwise a ConflictError lists each such code.
        A removed code without codings is deleted. Loading the same state again changes
        nothing. A file with a new ``version`` resets the revision; edits it brings to
        the same version count as one revision.
        """
        new = source if isinstance(source, Codebook) else load_codebook(source)
        where = "" if isinstance(source, Codebook) else f"{source}: "
        mapping = dict(mapping or {})
        archive = list(dict.fromkeys(archive))
        old = self._stored_codebook()
        diff = diff_codebooks(old, new)
        check_load(
            old, new, diff, self._store.coding_counts_by_code(), mapping=mapping, archive=archive, where=where
        )
        report = CodebookReport(version=new.version, removed=list(diff.removed), diff=diff)
        if diff.empty:
            report.version = self.codebook.version
            return report
        base = self._store.get_setting("codebook_version", None)
        revision = self.codebook_revision + 1 if base == new.version else 0
        label = _version_label(new.version, revision)
        if diff.removed:
            self._backup_before("before-codebook-load")
        file = str(source) if where else None
        try:
            with self._store.transaction():
                self._write_load(
                    old, new, diff, mapping, archive, report, who=_who(who), label=label, file=file
                )
                self._store.set_setting("codebook_revision", revision)
        finally:
            self._codebook = None
        report.added = list(diff.added)
        report.changed = list(diff.changed)
        report.moved = [m.code for m in diff.moved]
        report.version = label
        return report

    def _write_load(
        self,
        old: Codebook,
        new: Codebook,
        diff: CodebookDiff,
        mapping: Mapping[str, str],
        archive: Sequence[str],
        report: CodebookReport,
        *,
        who: str,
        label: str,
        file: str | None,
    ) -> None:
        """Apply a checked load (see :meth:`load_codebook`) inside its transaction: the
        code rows, the codings of mapped and archived codes, removed codes, the history
        and the codebook's settings."""
        self._write_codes(new)
        for old_id, new_id in mapping.items():
            moved, collapsed = self._store.merge_codings(
                old_id, new_id, reason=f"merge {old_id} into {new_id}", who=who
            )
            summaries = self._store.merge_framework_summaries(old_id, new_id)
            memos = self._store.retarget_memos("code", old_id, new_id)
            report.merged[old_id] = new_id
            self._record(
                who,
                "merge",
                old_id,
                label,
                {
                    "into": new_id,
                    "codings": moved,
                    "collapsed": collapsed,
                    "framework_summaries": summaries,
                    "memos": memos,
                    "file": file,
                },
            )
        for code_id in archive:
            n = self._store.archive_codings(
                self._store.coding_ids([code_id]), reason=f"code {code_id} removed from the codebook", who=who
            )
            report.archived[code_id] = n
            self._record(who, "archive", code_id, label, {"codings": n}, entity="codings")
        self._keep_summaries(diff.removed, who, "removed from the codebook")
        for code_id in reversed(diff.removed):
            self._store.delete_code(code_id)
        self._record_diff(old, new, diff, who=who, label=label)
        self._store.set_setting("codebook_name", new.name)
        self._store.set_setting("codebook_version", new.version)
        self._store.set_setting("codebook_description", new.description)
        self._store.record(
            who=who,
            action="load",
            entity="codebook",
            entity_id=file or new.name,
            detail={
                "codebook_version": label,
                "added": len(diff.added),
                "changed": len(diff.changed),
                "moved": len(diff.moved),
                "removed": len(diff.removed),
                "merged": dict(mapping),
                "archived": report.archived,
            },
        )

    def _record_diff(self, old: Codebook, new: Codebook, diff: CodebookDiff, *, who: str, label: str) -> None:
        """A history row per code a load deleted, added, changed or moved."""
        for code_id in reversed(diff.removed):
            self._record(who, "delete", code_id, label, {"before": _code_dict(old.get(code_id))})
        for code_id in diff.added:
            self._record(who, "add", code_id, label, {"after": _code_dict(new.get(code_id))})
        for code_id, changes in diff.changed.items():
            self._record(
                who,
                "change",
                code_id,
                label,
                {
                    "fields": [ch.field for ch in changes],
                    "before": {ch.field: ch.before for ch in changes},
                    "after": {ch.field: ch.after for ch in changes},
                },
            )
        for code_id in diff.reordered:
            self._record(
                who,
                "move",
                code_id,
                label,
                {
                    "before": {"position": _sibling_index(old, code_id)},
                    "after": {"position": _sibling_index(new, code_id)},
                    "codings": 0,
                },
            )
        for move in diff.moved:
            self._record(
                who,
                "move",
                move.code,
                label,
                {
                    "before": {"parent": move.old_parent},
                    "after": {"parent": move.new_parent},
                    "codings": self._subtree_codings(new, move.code),
                },
            )

    # -------------------------------------------------------------- codebook edits
    def add_code(
        self,
        code_id: str,
        name: str,
        parent: str | None = None,
        *,
        position: int | None = None,
        who: str | None = None,
        **fields,
    ) -> CodeEdit:
        """Add a code (``fields``: description, include, exclude, examples, keywords,
        patterns, color) under ``parent`` (None: a top-level theme), last among its
        siblings unless ``position`` (0 = first) says otherwise."""
        cb = self.codebook
        code = edits.make_code(code_id, name, parent, fields)
        new = edits.add_code(cb, code, position=position)
        return self._apply(new, "add", code_id, who, {"after": _code_dict(code)})

    def rename_code(
        self, code_id: str, *, name: str | None = None, new_id: str | None = None, who: str | None = None
    ) -> CodeEdit:
        """Rename a code. The id stays unless ``new_id`` is given; then every coding and
        child follows it (history keeps the old id)."""
        cb = self.codebook
        if name is None and new_id is None:
            raise InputError(f"rename {code_id!r}: give a new name, a new id, or both")
        new = edits.rename_code(cb, code_id, name=name, new_id=new_id)
        before = cb.get(code_id)
        after = new.get(new_id or code_id)
        if (before.id, before.name) == (after.id, after.name):
            return CodeEdit("rename", code_id, version=cb.version)

        def store_ops() -> dict[str, Any]:
            n = (
                self._store.rename_code_id(code_id, after.id)
                if after.id != code_id
                else self._count([code_id])
            )
            return {"codings": n}

        return self._apply(
            new,
            "rename",
            code_id,
            who,
            {"before": {"id": before.id, "name": before.name}, "after": {"id": after.id, "name": after.name}},
            store_ops,
        )

    def move_code(
        self, code_id: str, parent: str | None = None, *, position: int | None = None, who: str | None = None
    ) -> CodeEdit:
        """Move a code (with everything under it) under ``parent``, or to the top level
        with None; refused if ``parent`` is the code itself or inside it."""
        cb = self.codebook
        new = edits.move_code(cb, code_id, parent, position=position)
        old_code = cb.get(code_id)
        if new.codes == cb.codes:  # already there: nothing to record
            return CodeEdit("move", code_id, version=cb.version)
        return self._apply(
            new,
            "move",
            code_id,
            who,
            {
                "before": {"parent": old_code.parent, "position": _sibling_index(cb, code_id)},
                "after": {"parent": parent, "position": _sibling_index(new, code_id)},
                "codings": self._subtree_codings(cb, code_id),
            },
        )

    def merge_codes(self, source_id: str, into_id: str, *, who: str | None = None) -> CodeEdit:
        """Merge code ``source_id`` into ``into_id``: every coding moves to the target
        (a coding the target already has, same span, coder and source, collapses into
        one, keeping a person's decision; the other copy is archived), the source's
        children move under the target, its examples, keywords and patterns join the
        target's, and the source code is removed."""
        cb = self.codebook
        new = edits.merge_code(cb, source_id, into_id)
        by_source = self._by_source([source_id])
        children = [c.id for c in cb.children(source_id)]
        added_rules = {
            k: [v for v in getattr(new.get(into_id), k) if v not in getattr(cb.get(into_id), k)]
            for k in edits.MERGED_FIELDS
        }
        label_who = _who(who)

        self._backup_before(f"before-merge-{source_id}")

        def store_ops() -> dict[str, Any]:
            moved, collapsed = self._store.merge_codings(
                source_id, into_id, reason=f"merge {source_id} into {into_id}", who=label_who
            )
            summaries = self._store.merge_framework_summaries(source_id, into_id)
            memos = self._store.retarget_memos("code", source_id, into_id)
            return {
                "codings": moved,
                "collapsed": collapsed,
                "framework_summaries": summaries,
                "memos": memos,
            }

        return self._apply(
            new,
            "merge",
            source_id,
            who,
            {
                "into": into_id,
                "by_source": by_source,
                "children": children,
                "added_to_target": {k: v for k, v in added_rules.items() if v},
                "before": _code_dict(cb.get(source_id)),
            },
            store_ops,
            removed=[source_id],
            children=children,
        )

    def split_code(self, code_id: str, children: Iterable[Any], *, who: str | None = None) -> CodeEdit:
        """Add new child codes to ``code_id``. Its codings stay on it and are flagged
        for review (``review`` = "split into a, b") so a person can recode them.
        ``children``: ``(id, name)`` or ``(id, name, {fields})`` tuples, or mappings
        with ``id``, ``name`` and fields."""
        cb = self.codebook
        edits.require(cb, code_id)
        kids = [_make_child(spec, code_id) for spec in children]
        if not kids:
            raise InputError(f"split {code_id!r}: name at least one new child (id and name)")
        new = edits.add_children(cb, code_id, kids)
        ids = [k.id for k in kids]
        note = f"split into {', '.join(ids)}"

        def store_ops() -> dict[str, Any]:
            return {"flagged": self._store.flag_for_review(code_id, note)}

        return self._apply(
            new,
            "split",
            code_id,
            who,
            {
                "children": [_code_dict(k) for k in kids],
                "review": note,
                "by_source": self._by_source([code_id]),
            },
            store_ops,
            children=ids,
        )

    def delete_code(
        self, code_id: str, *, archive: bool = False, keep_children: bool = False, who: str | None = None
    ) -> CodeEdit:
        """Delete a code and every code under it (as NVivo and MAXQDA do), or only the
        code with ``keep_children=True`` (its children take its place).

        Refused with a ConflictError while the deleted codes have codings, unless
        ``archive=True``: then the codings go to the archive (whole, with their quote,
        the reason, who and when) before the codes are deleted."""
        cb = self.codebook
        new, gone = edits.remove_code(cb, code_id, keep_children=keep_children)
        counts = self._store.coding_counts_by_code()
        coded = {c: counts[c] for c in gone if counts.get(c)}
        total = sum(coded.values())
        if total and not archive:
            parts = ", ".join(f"{c}: {n}" for c, n in coded.items())
            under = "" if keep_children else " and the codes under it"
            raise ConflictError(
                f"code {code_id!r}{under} have {total} coding(s) ({parts}); nothing was "
                f"deleted. Archive them with `qda codebook delete {code_id} --archive` "
                "(API: archive=True), or keep them in use by merging: "
                f"`qda codebook merge {code_id} OTHER`"
            )
        label_who = _who(who)
        lifted = [c.id for c in cb.children(code_id)] if keep_children else []
        self._backup_before(f"before-delete-{code_id}")

        def store_ops() -> dict[str, Any]:
            n = self._store.archive_codings(
                self._store.coding_ids(gone), reason=f"code {code_id} deleted", who=label_who
            )
            if n:
                self._store.record(
                    who=label_who,
                    action="archive",
                    entity="codings",
                    entity_id=code_id,
                    detail={"codings": n, "codes": coded, "reason": f"code {code_id} deleted"},
                )
            kept = self._keep_summaries(gone, label_who, f"code {code_id} deleted")
            return {"archived": n, "framework_summaries": kept}

        return self._apply(
            new,
            "delete",
            code_id,
            who,
            {"codes": gone, "lifted": lifted, "before": [_code_dict(cb.get(c)) for c in gone]},
            store_ops,
            removed=gone,
            children=lifted,
        )

    def code_counts(self) -> pd.DataFrame:
        """Segments coded at each code, by source, in tree order: ``code, name, parent,
        depth``, then ``human, rules, model, import`` rolled up (the code or any code
        under it, each segment once), then ``all`` (any source, rolled up), then
        ``human_own, ...`` (at the code itself). Rejected codings and interviewer turns
        are not counted."""
        cb = self.codebook
        codings = self._store.codings()
        segs = self._store.segments()
        interviewer = set(segs.loc[segs["is_interviewer"], "segment_id"])
        codings = codings[
            (codings["status"] != "rejected")
            & ~codings["segment_id"].isin(interviewer)
            & codings["code_id"].isin(cb.ids)
        ]
        key = [
            s if isinstance(s, str) else f"{d}:{a}:{b}"
            for s, d, a, b in zip(
                codings["segment_id"], codings["document_id"], codings["start"], codings["end"]
            )
        ]
        pairs = pd.DataFrame(
            {"key": key, "code_id": codings["code_id"].to_numpy(), "source": codings["source"].to_numpy()}
        )
        rolled = pairs.merge(cb.rollup(), on="code_id")

        def table(df: pd.DataFrame, by: str) -> pd.DataFrame:
            return (
                df.groupby([by, "source"])["key"]
                .nunique()
                .unstack(fill_value=0)
                .reindex(index=cb.ids, columns=list(SOURCES), fill_value=0)
                .fillna(0)
                .astype("int64")
            )

        up, own = table(rolled, "theme_id"), table(pairs, "code_id")
        total = rolled.groupby("theme_id")["key"].nunique().reindex(cb.ids).fillna(0)
        frame = cb.to_frame()[["code_id", "name", "parent_id", "depth"]].rename(
            columns={"code_id": "code", "parent_id": "parent"}
        )
        for src in SOURCES:
            frame[src] = up[src].to_numpy()
        frame["all"] = total.astype("int64").to_numpy()
        for src in SOURCES:
            frame[f"{src}_own"] = own[src].to_numpy()
        return frame

    # ------------------------------------------------------------ codebook helpers
    def _keep_summaries(self, code_ids: Sequence[str], who: str, reason: str) -> int:
        """Framework summaries of codes being deleted: taken out of use and kept whole
        (text, who, when) in a history row, like archived codings; never lost."""
        rows = self._store.take_framework_summaries(code_ids)
        if rows:
            self._store.record(
                who=who,
                action="archive",
                entity="framework_summaries",
                entity_id=",".join(code_ids),
                detail={"reason": reason, "summaries": rows},
            )
        return len(rows)

    def _apply(
        self,
        new: Codebook,
        action: str,
        code_id: str,
        who: str | None,
        detail: dict[str, Any],
        store_ops=None,
        *,
        removed: Sequence[str] = (),
        children: Sequence[str] = (),
    ) -> CodeEdit:
        """Write an edited codebook in one transaction: the store operations on codings,
        the code rows, removed codes, the revision and a history row."""
        who = _who(who)
        revision = self.codebook_revision + 1
        label = _version_label(self._store.get_setting("codebook_version", "0"), revision)
        try:
            with self._store.transaction():
                counts = store_ops() if store_ops else {}  # first: a new id must be free
                self._write_codes(new)
                for gone in removed:
                    self._store.delete_code(gone)
                self._store.set_setting("codebook_revision", revision)
                self._record(who, action, code_id, label, {**detail, **counts})
        finally:
            self._codebook = None
        return CodeEdit(
            action,
            code_id,
            version=label,
            children=list(children),
            removed=list(removed),
            detail={**detail, **counts},
            **{k: v for k, v in counts.items() if k in _EDIT_COUNTS},
        )

    def _write_codes(self, cb: Codebook) -> None:
        for row in cb.to_frame().to_dict("records"):
            self._store.upsert_code({**row, "id": row["code_id"]})

    def _record(
        self, who: str, action: str, code_id: str, label: str, detail: dict[str, Any], *, entity: str = "code"
    ) -> None:
        self._store.record(
            who=who,
            action=action,
            entity=entity,
            entity_id=code_id,
            detail={**detail, "codebook_version": label},
        )

    def _count(self, code_ids: Iterable[str]) -> int:
        counts = self._store.coding_counts_by_code()
        return sum(counts.get(c, 0) for c in code_ids)

    def _subtree_codings(self, cb: Codebook, code_id: str) -> int:
        return self._count([code_id, *edits.descendants(cb, code_id)])

    def _by_source(self, code_ids: Sequence[str]) -> dict[str, int]:
        codings = self._store.codings()
        mine = codings[codings["code_id"].isin(list(code_ids))]
        return {str(k): int(v) for k, v in mine["source"].value_counts().items()}
