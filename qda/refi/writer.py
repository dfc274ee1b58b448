"""Writing a REFI-QDA project (``.qdpx``): ``project.qde`` plus ``sources/<GUID>.txt``.

The XML is valid against the standard's ``Project.xsd`` (namespace
``urn:QDA-XML:project:1.0``; children in schema order; no empty containers). What
goes where:

- ``Users``: one per coder, plus ``qda`` itself, the creating user of automatic
  codings (rules, model) and of the project.
- ``CodeBook``: the code tree by nesting, own colours, and in ``Description`` the
  definition with qda's labelled paragraphs (as in a ``.qdc``; see
  :mod:`qda.codebook.qdc`), so the same code has the same GUID in both files.
- ``Variables``: one ``Text`` variable per participant attribute.
- ``Cases``: one per participant (``name`` = participant id, ``Description`` = label
  when it differs), its attributes as ``VariableValue``, the documents wholly theirs
  as ``SourceRef`` and otherwise their turns as ``SelectionRef`` (consecutive
  segments of one participant make one selection).
- ``Sources``: one ``TextSource`` per document, ``plainTextPath`` =
  ``internal://<GUID>.txt``, the stored text written exactly (UTF-8, no BOM, ``\\n``);
  one ``PlainTextSelection`` per coded span (code-point offsets, end exclusive), one
  ``Coding`` per code on it with ``creatingUser`` and ``creationDateTime``. An
  exported suggestion says so in the selection's ``Description`` (other tools
  cannot tell it from a coding).
- ``Notes``: a coding's review note (``codings.review``) becomes a ``Note`` its
  ``Coding`` points at with ``NoteRef``; each memo becomes a ``Note`` (``name`` = its
  title, else the start of its text; author and times as users and dates) that the
  project (last child), its ``Code``, ``TextSource`` or ``Coding`` points at with
  ``NoteRef``. A ``Case`` has no ``NoteRef`` in the schema, so a memo on a participant
  is tied to its case by a ``Link`` from the note to the case (as ATLAS.ti ties memos to
  quotations). A memo whose target is not in the file (a deleted code, a coding not
  exported) is left out with it.

GUIDs are ``uuid5`` of fixed names (ids, spans), so exporting the same project twice
gives the same file apart from dates.
"""

from __future__ import annotations

import re
import uuid
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import cast
from xml.etree import ElementTree as ET

from qda.codebook.qdc import code_guid, description_text
from qda.offsets import quote
from qda.refi.model import RefiCoding, RefiMemo, RefiProject

__all__ = [
    "write_qdpx",
    "project_xml",
    "guid",
    "coding_guid",
    "memo_name",
    "PROJECT_NAMESPACE",
    "QDA_USER",
    "SUGGESTION_MARK",
]

PROJECT_NAMESPACE = "urn:QDA-XML:project:1.0"
_NS = uuid.UUID("0d5c8b1e-8f4e-5a57-b1f8-6c0f3f6a9a21")
QDA_USER = "qda"
AUTOMATIC = {"rules", "model", "llm"}
SUGGESTION_MARK = "qda suggestion"  # starts the Description of an exported suggestion


def guid(kind: str, *parts: object) -> str:
    """A stable GUID for one object: the same kind and parts always give the same GUID."""
    return str(uuid.uuid5(_NS, "\x1f".join([kind, *map(str, parts)])))


def _stamp(value: str | None) -> str | None:
    """qda's ISO timestamps as xsd:dateTime in UTC ('Z')."""
    if not value or not isinstance(value, str):
        return None
    return value.replace("+00:00", "Z")


def _set_stamp(attrs: dict[str, str], key: str, value: str | None) -> None:
    """``attrs[key]`` = the time stamp of ``value``, when there is one."""
    stamp = _stamp(value)
    if stamp:
        attrs[key] = stamp


def _user(coding: RefiCoding) -> str:
    return QDA_USER if coding.source in AUTOMATIC else coding.coder


def coding_guid(c: RefiCoding) -> str:
    return guid("coding", c.document, c.start, c.end, c.code, c.coder, c.source)


def memo_name(memo: RefiMemo) -> str:
    """A memo's Note name: its title, else the start of its text."""
    return memo.title or _quote(memo.text, 40)


def _placed_memos(project: RefiProject) -> dict[tuple[str, object], list[RefiMemo]]:
    """Memos by (target, key) for the targets in the file: key None for the project, the
    id for a document, participant or code, the Coding's GUID for a coding."""
    present: dict[str, set[object]] = {
        "project": {None},
        "document": {d.id for d in project.documents},
        "participant": {c.id for c in project.cases},
        "code": set(project.codebook.ids) if project.codebook is not None else set(),
        "coding": {coding_guid(c) for c in project.codings},
    }
    out: dict[tuple[str, object], list[RefiMemo]] = defaultdict(list)
    for memo in project.memos:
        key = memo.target_id
        if memo.target == "coding":
            key = guid("coding", *cast("tuple[object, ...]", memo.target_id))
        if key in present.get(memo.target, ()):
            out[(memo.target, key)].append(memo)
    return out


def _note_refs(parent: ET.Element, memos: list[RefiMemo]) -> None:
    for memo in memos:
        ET.SubElement(parent, "NoteRef", {"targetGUID": guid("memo", memo.id)})


_Memos = dict[tuple[str, object], list[RefiMemo]]
_Spans = dict[str, dict[tuple[int, int], list[RefiCoding]]]


def project_xml(project: RefiProject, *, created_at: str | None = None) -> bytes:
    """The ``project.qde`` of ``project`` (bytes, UTF-8)."""
    from qda import __version__

    memos = _placed_memos(project)
    authors = {u for ms in memos.values() for m in ms for u in (m.author, m.updated_by) if u}
    users = sorted({_user(c) for c in project.codings} | {QDA_USER} | authors)
    user_guid = {u: guid("user", u) for u in users}
    attrs = {
        "xmlns": PROJECT_NAMESPACE,
        "name": project.name or "qda project",
        "origin": f"qda {__version__}",
        "creatingUserGUID": user_guid[QDA_USER],
    }
    _set_stamp(attrs, "creationDateTime", created_at)
    root = ET.Element("Project", attrs)
    users_el = ET.SubElement(root, "Users")
    for u in users:
        ET.SubElement(users_el, "User", {"guid": user_guid[u], "name": u})
    _add_codebook(root, project, memos)
    _add_variables(root, project)
    _add_cases(root, project)
    notes = _add_sources(root, project, _selections(project), memos, user_guid)
    _add_notes(root, notes, memos, user_guid)
    _add_case_links(root, memos)
    _note_refs(root, memos.get(("project", None), []))
    for el in root.iter():  # characters XML 1.0 cannot hold (e.g. form feed) are dropped
        if el.text:
            el.text = _xml_safe(el.text)
        for key, value in el.attrib.items():
            el.attrib[key] = _xml_safe(value)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _add_codebook(root: ET.Element, project: RefiProject, memos: _Memos) -> None:
    """``CodeBook``: the code tree by nesting (absent without codes)."""
    if project.codebook is None or not len(project.codebook):
        return
    codes_el = ET.SubElement(ET.SubElement(root, "CodeBook"), "Codes")
    elements: dict[str | None, ET.Element] = {None: codes_el}
    for code in project.codebook:
        a = {"guid": code_guid(code.id), "name": code.name, "isCodable": "true"}
        if code.color:
            a["color"] = code.color
        el = ET.SubElement(elements[code.parent], "Code", a)
        ET.SubElement(el, "Description").text = description_text(code)
        _note_refs(el, memos.get(("code", code.id), []))
        elements[code.id] = el


def _add_variables(root: ET.Element, project: RefiProject) -> None:
    """``Variables``: one Text variable per participant attribute."""
    variables = list(dict.fromkeys(k for case in project.cases for k in case.attributes))
    if not variables:
        return
    vars_el = ET.SubElement(root, "Variables")
    for name in variables:
        ET.SubElement(
            vars_el, "Variable", {"guid": guid("variable", name), "name": name, "typeOfVariable": "Text"}
        )


def _selections(project: RefiProject) -> _Spans:
    """One selection per (document, start, end) that is coded or belongs to a case, with
    its codings."""
    spans: _Spans = defaultdict(dict)
    for c in project.codings:
        spans[c.document].setdefault((c.start, c.end), []).append(c)
    for case in project.cases:
        for doc, s, e in case.spans:
            spans[doc].setdefault((s, e), [])
    return spans


def _add_cases(root: ET.Element, project: RefiProject) -> None:
    """``Cases``: a participant each, with attributes, whole documents and selections."""
    if not project.cases:
        return
    cases_el = ET.SubElement(root, "Cases")
    for case in project.cases:
        el = ET.SubElement(cases_el, "Case", {"guid": guid("case", case.id), "name": case.id})
        if case.label and case.label != case.id:
            ET.SubElement(el, "Description").text = case.label
        for name, value in case.attributes.items():
            vv = ET.SubElement(el, "VariableValue")
            ET.SubElement(vv, "VariableRef", {"targetGUID": guid("variable", name)})
            ET.SubElement(vv, "TextValue").text = value
        for doc in case.documents:
            ET.SubElement(el, "SourceRef", {"targetGUID": guid("document", doc)})
        for doc, s, e in case.spans:
            ET.SubElement(el, "SelectionRef", {"targetGUID": guid("selection", doc, s, e)})


def _add_sources(
    root: ET.Element, project: RefiProject, spans: _Spans, memos: _Memos, user_guid: dict[str, str]
) -> list[tuple[str, RefiCoding]]:
    """``Sources``: a TextSource per document with its selections and codings. Returns the
    review notes the codings point at, to be written under ``Notes``."""
    notes: list[tuple[str, RefiCoding]] = []
    if not project.documents:
        return notes
    sources_el = ET.SubElement(root, "Sources")
    for doc in project.documents:
        a = {
            "guid": guid("document", doc.id),
            "name": doc.name,
            "plainTextPath": f"internal://{guid('document', doc.id)}.txt",
            "creatingUser": user_guid[QDA_USER],
        }
        _set_stamp(a, "creationDateTime", doc.created_at)
        src = ET.SubElement(sources_el, "TextSource", a)
        for (s, e), codings in sorted(spans.get(doc.id, {}).items()):
            sel = ET.SubElement(
                src,
                "PlainTextSelection",
                {
                    "guid": guid("selection", doc.id, s, e),
                    "name": _quote(quote(doc.text, s, e, document=doc.id)),
                    "startPosition": str(s),
                    "endPosition": str(e),
                    "creatingUser": user_guid[_user(codings[0]) if codings else QDA_USER],
                },
            )
            _add_codings(sel, codings, memos, user_guid, notes)
        _note_refs(src, memos.get(("document", doc.id), []))
    return notes


def _add_codings(
    sel: ET.Element,
    codings: list[RefiCoding],
    memos: _Memos,
    user_guid: dict[str, str],
    notes: list[tuple[str, RefiCoding]],
) -> None:
    """A selection's suggestion description and its ``Coding`` elements; codings with a
    review note are appended to ``notes``."""
    suggested = [c for c in codings if c.status == "suggested"]
    if suggested:
        ET.SubElement(sel, "Description").text = "\n".join(
            f"{SUGGESTION_MARK}: {c.code} from {c.source}"
            + (f", confidence {c.confidence:.3f}" if c.confidence is not None else "")
            for c in suggested
        )
    for c in codings:
        cg = coding_guid(c)
        ca = {"guid": cg, "creatingUser": user_guid[_user(c)]}
        _set_stamp(ca, "creationDateTime", c.created_at)
        cel = ET.SubElement(sel, "Coding", ca)
        ET.SubElement(cel, "CodeRef", {"targetGUID": code_guid(c.code)})
        if c.note:
            ET.SubElement(cel, "NoteRef", {"targetGUID": guid("note", cg)})
            notes.append((guid("note", cg), c))
        _note_refs(cel, memos.get(("coding", cg), []))


def _add_notes(
    root: ET.Element, notes: list[tuple[str, RefiCoding]], memos: _Memos, user_guid: dict[str, str]
) -> None:
    """``Notes``: the codings' review notes, then the memos."""
    if not (notes or memos):
        return
    notes_el = ET.SubElement(root, "Notes")
    for ng, c in notes:
        a = {"guid": ng, "name": f"Review note: {c.code}", "creatingUser": user_guid[_user(c)]}
        note = ET.SubElement(notes_el, "Note", a)
        ET.SubElement(note, "PlainTextContent").text = c.note
    for memo in (m for ms in memos.values() for m in ms):
        _memo_note(notes_el, memo, user_guid)


def _add_case_links(root: ET.Element, memos: _Memos) -> None:
    """``Links`` from a participant's memo to its case (a Case has no NoteRef)."""
    on_cases = [(case_id, m) for (kind, case_id), ms in memos.items() if kind == "participant" for m in ms]
    if not on_cases:
        return
    links_el = ET.SubElement(root, "Links")
    for case_id, memo in on_cases:
        ET.SubElement(
            links_el,
            "Link",
            {
                "guid": guid("memo-link", memo.id),
                "name": "Memo",
                "direction": "OneWay",
                "originGUID": guid("memo", memo.id),
                "targetGUID": guid("case", case_id),
            },
        )


_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _memo_note(parent: ET.Element, memo: RefiMemo, user_guid: dict[str, str]) -> None:
    a = {"guid": guid("memo", memo.id), "name": memo_name(memo)}
    if memo.author:
        a["creatingUser"] = user_guid[memo.author]
    _set_stamp(a, "creationDateTime", memo.created_at)
    if memo.updated_by:
        a["modifyingUser"] = user_guid[memo.updated_by]
    _set_stamp(a, "modifiedDateTime", memo.updated_at)
    ET.SubElement(ET.SubElement(parent, "Note", a), "PlainTextContent").text = memo.text


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def _quote(text: str, n: int = 60) -> str:
    """A selection's name: the start of its text on one line (as ATLAS.ti writes it)."""
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1].rstrip() + "…"


def write_qdpx(project: RefiProject, path: str | Path, *, created_at: str | None = None) -> Path:
    """Write ``project`` as a .qdpx at ``path`` (the caller makes the write atomic)."""
    path = Path(path)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(_info("project.qde"), project_xml(project, created_at=created_at))
        for doc in project.documents:
            zf.writestr(_info(f"sources/{guid('document', doc.id)}.txt"), doc.text.encode("utf-8"))
    return path


def _info(name: str) -> zipfile.ZipInfo:
    # a fixed time stamp: exporting the same project twice gives the same bytes
    info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info
