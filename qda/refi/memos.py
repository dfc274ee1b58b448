"""A REFI-QDA project's notes as qda memos (read side; the writer is in ``writer.py``).

A ``Note`` is about what points at it: a ``NoteRef`` in the project (the project), a
``Code`` (that code), a ``TextSource`` (that document), a ``PlainTextSelection`` (its
document; the title says which words), a ``Coding`` (that coding, or its document when
the coding could not be placed), or a ``Link`` between the note and a case, source,
selection, code or coding (how qda ties a memo to a participant, and how ATLAS.ti ties
memos to quotations). A note nothing points at is about the project. A note pointed at
from several places is kept on the first, with a warning. qda's own review notes on
codings (``Review note: ...``) stay review notes, not memos.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree import ElementTree as ET

from qda.archive import Archive
from qda.codebook.qdc import normal_guid
from qda.refi.model import RefiCoding, RefiMemo
from qda.refi.writer import memo_name
from qda.xmlnames import attr as _attr
from qda.xmlnames import child as _child
from qda.xmlnames import children as _children
from qda.xmlnames import local as _local

__all__ = ["note_elements", "note_text", "is_review", "read_memos"]

REVIEW_NOTE = "Review note:"  # the name qda gives a coding's review note


def note_elements(root: ET.Element) -> dict[str, ET.Element]:
    notes_el = _child(root, "notes")
    return {
        normal_guid(_attr(n, "guid")): n
        for n in (_children(notes_el, "note") if notes_el is not None else [])
    }


def note_text(note: ET.Element, archive: Archive) -> str:
    """A note's text: inline, or its internal text file."""
    content = _child(note, "plaintextcontent")
    text = content.text or "" if content is not None else ""
    ref = (_attr(note, "plainTextPath") or "").strip()
    if not text and ref.lower().startswith("internal://"):
        data = archive.member(ref)
        text = data.decode("utf-8-sig", "replace") if data else ""
    return text.strip()


def is_review(note: ET.Element) -> bool:
    return (_attr(note, "name") or "").startswith(REVIEW_NOTE)


def _refs(el: ET.Element) -> list[str]:
    return [normal_guid(_attr(r, "targetGUID")) for r in _children(el, "noteref")]


def _codes(root: ET.Element) -> Iterator[ET.Element]:
    book = _child(root, "codebook")
    if book is not None:
        yield from (el for el in book.iter() if isinstance(el.tag, str) and _local(el.tag) == "code")


def read_memos(
    reader, root: ET.Element, sources: list, codings: list[RefiCoding], notes: dict[str, str]
) -> list[RefiMemo]:
    """Every note not used as a review note, as a memo on its target. ``reader``: the
    project reader (users, code GUIDs, the report, the GUIDs it used)."""
    targets: dict[str, tuple[str, object, str]] = {}  # note -> (target, id, title extra)

    def attach(note: str, target: str, target_id: object, extra: str = "") -> None:
        if note not in notes or note in reader.notes_used:
            return
        if note in targets:
            reader.report.warnings.append(
                f"note {_name(reader, note)!r} is attached to several things; qda keeps it "
                f"as a memo on the first ({targets[note][0]})"
            )
            return
        targets[note] = (target, target_id, extra)

    for g in _refs(root):
        attach(g, "project", None)
    for el in _codes(root):
        code = reader.code_ids.get(normal_guid(_attr(el, "guid")))
        for g in _refs(el):
            attach(g, "code", code) if code else attach(g, "project", None)
    objects = _objects(reader, root, sources, codings)
    for src in sources:
        for g in src.notes:
            attach(g, "document", src.guid)
        for sel in src.selections:
            for g in sel.notes:
                attach(g, *objects[sel.guid])
            for code_guid, user, _, refs in sel.codings:
                for g in refs:
                    attach(g, *_coding_target(reader, src, sel, code_guid, user))
    _links(reader, root, notes, objects, attach)
    for g in notes:
        if g not in targets:
            attach(g, "project", None)
    return [_memo(reader, g, notes[g], *targets[g]) for g in notes if g in targets]


def _objects(reader, root: ET.Element, sources: list, codings) -> dict[str, tuple]:
    """What a Link or a selection's note can point at: GUID -> (target, id, title extra)."""
    out: dict[str, tuple] = {}
    cases_el = _child(root, "cases")
    for n, el in enumerate(_children(cases_el, "case") if cases_el is not None else [], 1):
        name = (_attr(el, "name") or "").strip() or f"case {n}"
        out[normal_guid(_attr(el, "guid"))] = ("participant", name, "")
    for g, code in reader.code_ids.items():
        out[g] = ("code", code, "")
    for src in sources:
        out[src.guid] = ("document", src.guid, "")
        for sel in src.selections:
            out[sel.guid] = (
                "document",
                src.guid,
                f"on the words “{sel.name}”" if sel.name else f"on positions {sel.start}-{sel.end}",
            )
    return out


def _coding_target(reader, src, sel, code_guid: str, user: str) -> tuple:
    code = reader.code_ids.get(code_guid)
    span = src.positions.span(sel.start, sel.end) if sel.start is not None and sel.end is not None else None
    if code is None or span is None:
        return "document", src.guid, f"on a coding that could not be placed ({sel.name})"
    return "coding", (src.guid, span[0], span[1], code, user, "import"), ""


def _links(reader, root: ET.Element, notes: dict[str, str], objects: dict[str, tuple], attach) -> None:
    links_el = _child(root, "links")
    for link in _children(links_el, "link") if links_el is not None else []:
        ends = [normal_guid(_attr(link, "originGUID")), normal_guid(_attr(link, "targetGUID"))]
        note = next((e for e in ends if e in notes), None)
        if note is None:
            continue
        other = ends[1] if ends[0] == note else ends[0]
        if other not in objects:
            reader.report.warnings.append(
                f"note {_name(reader, note)!r} is linked to {other}, which qda did not import; "
                "kept as a memo on the project"
            )
        attach(note, *objects.get(other, ("project", None, "")))
        reader.notes_used.add(normal_guid(_attr(link, "guid")))


def _name(reader, note: str) -> str:
    return (_attr(reader.note_els[note], "name") or "").strip() or note


def _memo(reader, note: str, text: str, target: str, target_id: object, extra: str) -> RefiMemo:
    el = reader.note_els[note]
    reader.notes_used.add(note)
    name = (_attr(el, "name") or "").strip()
    desc_el = _child(el, "description")
    desc = (desc_el.text or "").strip() if desc_el is not None else ""
    title = name
    if reader.from_qda and name == memo_name(RefiMemo("", "", None, text)):
        title = ""  # qda named the note by its text: the memo had no title
    title = " ".join(t for t in (title, f"({extra})" if extra else "") if t)
    if desc:  # a note's own description (ATLAS.ti writes one) goes before its text
        text = f"{desc}\n\n{text}" if text else desc
    author = reader.user(_attr(el, "creatingUser"))
    return RefiMemo(
        id=note,
        target=target,
        target_id=target_id,
        text=text or title or "(empty note)",
        title=title,
        author=author,
        created_at=_attr(el, "creationDateTime"),
        updated_by=reader.user(_attr(el, "modifyingUser"), _attr(el, "creatingUser")),
        updated_at=_attr(el, "modifiedDateTime"),
    )
