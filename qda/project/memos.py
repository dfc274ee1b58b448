"""Memos: a researcher's notes on the project, a document, a participant, a code or a
coding, with who wrote them and when.

Part of :class:`qda.Project`, over the shared state of :mod:`.base`. Each
change is one transaction with a history row; a deleted memo's whole text is kept in
its history row (``qda`` never loses what a person wrote). A memo outlives what it is
about: a code merged into another takes its memos along, a renamed code or participant
keeps them; a deleted code or an archived coding leaves its memos in place, listed
with ``about`` saying the target is gone.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from qda.errors import InputError
from qda.project._util import _who
from qda.project.base import ProjectBase
from qda.store.memos import MEMO_TARGETS

#: The columns of :meth:`Memos.memos`.
MEMO_COLUMNS = [
    "memo_id",
    "target",
    "target_id",
    "about",
    "title",
    "text",
    "author",
    "created_at",
    "updated_by",
    "updated_at",
]


class Memos(ProjectBase):
    # ------------------------------------------------------------------- reading
    def memos(
        self, *, target: str | None = None, target_id: str | int | None = None, author: str | None = None
    ) -> pd.DataFrame:
        """One row per memo: ``memo_id, target`` (project, document, participant, code,
        coding), ``target_id``, ``about`` (what it is about, in words: a document's name,
        a participant's label, a code's name, ``code on segment by coder``), ``title,
        text, author, created_at, updated_by, updated_at``. Filters: the target kind, its
        id, the author."""
        if target is not None and target not in MEMO_TARGETS:
            raise InputError(f"memo target {target!r} is not one of {', '.join(MEMO_TARGETS)}")
        df = self._store.memos()
        if target is not None:
            df = df[df["target"] == target]
        if target_id is not None:
            df = df[df["target_id"] == str(target_id)]
        if author is not None:
            df = df[df["author"] == author]
        df = df.assign(about=self._memo_about(df))
        return df[MEMO_COLUMNS].reset_index(drop=True)

    def _memo_about(self, memos: pd.DataFrame) -> list[str]:
        if memos.empty:
            return []
        docs = {}
        if (memos["target"] == "document").any():
            frame = self._store.documents()
            docs = dict(zip(frame["document_id"], frame["name"]))
        parts = (
            self._store.participants()
            if (memos["target"] == "participant").any()
            else pd.DataFrame(columns=["participant_id", "label"])
        )
        labels = dict(zip(parts["participant_id"], parts["label"]))
        names = {c.id: c.name for c in self.codebook}
        refs = (
            self._store.coding_refs().set_index("coding_id")
            if (memos["target"] == "coding").any()
            else pd.DataFrame()
        )
        out = []
        for kind, tid in zip(memos["target"], memos["target_id"]):
            if kind == "project":
                out.append("the project")
            elif kind == "coding":
                key = int(tid)
                if key in refs.index:
                    r = refs.loc[key]
                    out.append(f"{r['code_id']} on {r['segment_id']} by {r['coder']}")
                else:
                    out.append(f"coding {tid} (no longer in the project)")
            else:
                found = {"document": docs, "participant": labels, "code": names}[kind].get(tid)
                out.append(found if found is not None else f"{kind} {tid} (no longer in the project)")
        return out

    # ------------------------------------------------------------------- writing
    def add_memo(
        self,
        text: str,
        *,
        document: str | None = None,
        participant: str | None = None,
        code: str | None = None,
        coding: int | str | None = None,
        coder: str | None = None,
        title: str = "",
        who: str | None = None,
    ) -> int:
        """Write a memo and return its id. About the whole project unless one of
        ``document``, ``participant``, ``code`` (ids) or ``coding`` is given; a coding is
        its id (``qda review list``, the Memos sheet) or ``SEGMENT:CODE`` (with ``coder``
        when several people coded it). ``who``: the author (default: the user)."""
        target, target_id = self._memo_target(
            document=document, participant=participant, code=code, coding=coding, coder=coder
        )
        text, title = _memo_text(text), (title or "").strip()
        who = _who(who)
        with self._store.transaction():
            memo_id = self._store.add_memo(
                target=target, target_id=target_id, text=text, title=title, author=who
            )
            self._store.record(
                who=who,
                action="add",
                entity="memo",
                entity_id=str(memo_id),
                detail={"target": target, "target_id": target_id, "title": title, "text": text},
            )
        return memo_id

    def edit_memo(
        self, memo_id: int | str, text: str | None = None, *, title: str | None = None, who: str | None = None
    ) -> None:
        """Change a memo's text and/or title; the history keeps what it said before."""
        old = self._existing_memo(memo_id)
        if text is None and title is None:
            raise InputError(f"memo {old['memo_id']}: give a new text or title to change it")
        new_text = old["text"] if text is None else _memo_text(text)
        new_title = old["title"] if title is None else title.strip()
        who = _who(who)
        with self._store.transaction():
            self._store.update_memo(old["memo_id"], text=new_text, title=new_title, who=who)
            self._store.record(
                who=who,
                action="edit",
                entity="memo",
                entity_id=str(old["memo_id"]),
                detail={
                    "before": {"title": old["title"], "text": old["text"]},
                    "after": {"title": new_title, "text": new_text},
                },
            )

    def delete_memo(self, memo_id: int | str, *, who: str | None = None) -> None:
        """Delete a memo; its whole text, author and times stay in the history row."""
        old = self._existing_memo(memo_id)
        who = _who(who)
        with self._store.transaction():
            self._store.delete_memo(old["memo_id"])
            self._store.record(
                who=who, action="delete", entity="memo", entity_id=str(old["memo_id"]), detail={"before": old}
            )

    # ------------------------------------------------------------------- helpers
    def _existing_memo(self, memo_id: int | str) -> dict[str, Any]:
        try:
            key = int(str(memo_id).strip())
        except ValueError:
            raise InputError(f"memo id {memo_id!r} is not a number; `qda memo list` shows the ids") from None
        memo = self._store.memo(key)
        if memo is None:
            raise InputError(f"there is no memo {key}; `qda memo list` shows the memos")
        return memo

    def _memo_target(self, *, document, participant, code, coding, coder) -> tuple[str, str | None]:
        given = {
            k: v
            for k, v in (
                ("document", document),
                ("participant", participant),
                ("code", code),
                ("coding", coding),
            )
            if v is not None
        }
        if len(given) > 1:
            raise InputError(f"a memo is about one thing; given {' and '.join(given)}")
        if not given:
            return "project", None
        kind, value = next(iter(given.items()))
        value = str(value).strip()
        if kind == "coding":
            return kind, str(self._memo_coding(value, coder))
        known = {
            "document": self._store.document_ids,
            "participant": self._store.participant_ids,
            "code": lambda: set(self.codebook.ids),
        }[kind]()
        if value not in known:
            listing = {
                "document": "qda segments",
                "participant": "qda participants show",
                "code": "qda codebook show",
            }[kind]
            raise InputError(f"there is no {kind} {value!r} in the project; `{listing}` lists the {kind} ids")
        return kind, value

    def _memo_coding(self, value: str, coder: str | None) -> int:
        if value.isdigit():
            if int(value) not in set(self._store.coding_refs()["coding_id"]):
                raise InputError(
                    f"there is no coding {value} in the project; name it as "
                    "SEGMENT:CODE, or see the ids in `qda review list`"
                )
            return int(value)
        segment, sep, code = value.rpartition(":")
        if not sep or not segment or not code:
            raise InputError(
                f"coding {value!r}: give a coding id or SEGMENT:CODE (e.g. kent-ro-01#t3:home_visits)"
            )
        found = self._store.coding_ids_at(segment, code)
        if coder is not None:
            found = [f for f in found if f[1] == coder]
        if not found:
            by = f" by {coder}" if coder else ""
            raise InputError(
                f"segment {segment!r} has no coding of {code!r}{by}; `qda codings` lists the codings"
            )
        if len(found) > 1:
            coders = ", ".join(f"{c} ({s})" for _, c, s in found)
            raise InputError(
                f"segment {segment!r} is coded {code!r} by {coders}; say whose "
                "coding the memo is about with --coder (API: coder=)"
            )
        return found[0][0]


def _memo_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InputError("a memo needs some text; it is empty")
    return text.strip()
