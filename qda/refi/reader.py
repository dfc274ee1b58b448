"""Reading a REFI-QDA project (``.qdpx``) into plain data, with a report of what was left out.

Tolerant of what tools write (see ``/work/shared/refi-qda/NOTES.md``): the ``.qde``
and the ``sources`` folder in any case, GUIDs in either case and with braces, any
``urn:QDA-XML:project:*`` namespace, element and attribute names matched on their
local name. Text comes from ``PlainTextContent`` or the ``plainTextPath`` member
(UTF-8, a BOM not counted). Positions are converted to stored-text offsets by the
convention the selections line up with (:mod:`qda.refi.offsets`): NVivo's UTF-16
units, CRLF counted as stored or as one. A PDF's text ``Representation`` is read as
a text document (its rectangle selections are not). Everything else that cannot
become qda data is listed in :class:`~qda.refi.model.ImportReport` ``skipped`` (with
why), and every selection that cannot be placed in ``unplaced`` (source, code,
positions, why): nothing is dropped silently. Notes become memos
(:mod:`qda.refi.memos`): on what points at them with ``NoteRef`` or a ``Link``, else
on the project. Files outside the archive
(``relative://``, ``absolute://``) are never opened: an untrusted project must not
make qda read other files on this computer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from qda.archive import Archive, open_archive, parse_xml
from qda.codebook.qdc import normal_guid, read_codebook_element
from qda.errors import CodebookError, InputError
from qda.limits import MAX_DOCUMENT_BYTES
from qda.refi.memos import is_review as _is_review
from qda.refi.memos import note_elements as _note_elements
from qda.refi.memos import note_text as _note_text
from qda.refi.memos import read_memos
from qda.refi.model import (
    ImportReport,
    RefiCase,
    RefiCoding,
    RefiDocument,
    RefiProject,
)
from qda.refi.offsets import STANDARD, UTF16, Positions, choose_convention
from qda.refi.writer import SUGGESTION_MARK
from qda.xmlnames import attr as _attr
from qda.xmlnames import child as _child
from qda.xmlnames import children as _children
from qda.xmlnames import local as _local

__all__ = ["read_qdpx"]

_QDA_ORIGIN = re.compile(r"^qda \d")  # what qda writes as origin: "qda 0.1.0"
_MEDIA = {"picturesource": "an image", "audiosource": "audio", "videosource": "video"}


def _int(el: ET.Element, name: str) -> int | None:
    try:
        return int((_attr(el, name) or "").strip())
    except ValueError:
        return None


@dataclass
class _Selection:
    guid: str
    start: int | None
    end: int | None
    name: str
    description: str
    notes: list[str] = field(default_factory=list)  # NoteRef GUIDs of the selection
    # code, user, at, note GUIDs
    codings: list[tuple[str, str, str | None, list[str]]] = field(default_factory=list)


@dataclass
class _Source:
    guid: str
    name: str
    raw: str
    selections: list[_Selection]
    positions: Positions
    notes: list[str] = field(default_factory=list)  # NoteRef GUIDs of the source


def read_qdpx(path: str | Path) -> tuple[RefiProject, ImportReport]:
    """Read a .qdpx into plain data. A file that is not a usable REFI-QDA project is an
    :class:`InputError`; anything inside it qda cannot take is reported, not raised."""
    path = Path(path)
    archive = open_archive(path)
    try:
        return _Reader(path, archive).read()
    finally:
        archive.close()


class _Reader:
    def __init__(self, path: Path, archive: Archive):
        self.path = path
        self.archive = archive
        self.report = ImportReport(file=str(path))
        self.users: dict[str, str] = {}
        self.code_ids: dict[str, str] = {}
        self.notes_used: set[str] = set()

    def where(self) -> str:
        return f"{self.path} ({self.archive.project_name})"

    def skip(self, what: str, why: str) -> None:
        self.report.skipped.append((what, why))

    def read(self) -> tuple[RefiProject, ImportReport]:
        root = parse_xml(self.archive.project_xml, self.where())
        tag = root.tag if isinstance(root.tag, str) else ""
        ns = tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
        if _local(tag) != "project" or (ns and not ns.lower().startswith("urn:qda-xml:project")):
            raise InputError(
                f"{self.where()}: is XML but not a REFI-QDA project (root element "
                f"<{tag.rsplit('}', 1)[-1]}>, expected <Project> in namespace "
                "urn:QDA-XML:project:1.0)"
            )
        if ns and ns != "urn:QDA-XML:project:1.0":
            self.report.warnings.append(
                f"{self.where()}: namespace {ns!r} is not the "
                "standard urn:QDA-XML:project:1.0; read as if it were"
            )
        origin = (_attr(root, "origin") or "").strip()
        self.report.origin = origin
        self.origin = origin
        self.from_qda = _QDA_ORIGIN.match(origin) is not None
        self.default_user = self._users(root, origin)
        codebook, code_ids = self._codebook(root, origin)
        self.code_ids = code_ids
        variables = self._variables(root)
        self.note_els = _note_elements(root)
        notes = {g: _note_text(el, self.archive) for g, el in self.note_els.items()}
        sources, docs = self._sources(root)
        codings = self._codings(sources, code_ids, notes)
        cases = self._cases(root, variables, sources)
        memos = read_memos(self, root, sources, codings, notes)
        self.report.memos = len(memos)
        for name in ("notes", "links", "sets", "graphs"):
            el = _child(root, name)
            left = (
                [c for c in el if normal_guid(_attr(c, "guid")) not in self.notes_used]
                if el is not None
                else []
            )
            if left:
                self.skip(f"{len(left)} {name[:-1]}(s) ({_names(left)})", _WHY[name])
        commented = [
            s
            for src in sources
            for s in src.selections
            if s.description and not s.description.startswith(SUGGESTION_MARK)
        ]
        if commented:
            self.skip(
                f"{len(commented)} comment(s) on selections (their Description)",
                "qda codings have no comments; open the project in its program to read them",
            )
        project = RefiProject(
            name=_attr(root, "name") or self.path.stem,
            codebook=codebook,
            documents=docs,
            codings=codings,
            cases=cases,
            memos=memos,
            origin=origin,
        )
        return project, self.report

    # ---------------------------------------------------------------- users, codes
    def _users(self, root: ET.Element, origin: str) -> str:
        users_el = _child(root, "users")
        for u in _children(users_el, "user") if users_el is not None else []:
            g = normal_guid(_attr(u, "guid"))
            self.users[g] = (_attr(u, "name") or _attr(u, "id") or "").strip() or g
        creator = normal_guid(_attr(root, "creatingUserGUID"))
        return self.users.get(creator) or (origin.split(" ")[0] if origin else "import")

    def user(self, *guids: str | None) -> str:
        for g in guids:
            if g and normal_guid(g) in self.users:
                return self.users[normal_guid(g)]
        for g in guids:
            if g:
                return f"user {normal_guid(g)}"
        return self.default_user

    def _codebook(self, root: ET.Element, origin: str):
        book = _child(root, "codebook")
        if book is None:
            return None, {}
        codes_el = _child(book, "codes")
        if codes_el is None or not len(codes_el):
            return None, {}
        try:
            cb, ids = read_codebook_element(book, self.path, origin=origin)
        except CodebookError as exc:
            raise InputError(f"{self.where()}: its codebook cannot be read: {exc}") from exc
        return cb, ids

    def _variables(self, root: ET.Element) -> dict[str, str]:
        out = {}
        vars_el = _child(root, "variables")
        for v in _children(vars_el, "variable") if vars_el is not None else []:
            name = (_attr(v, "name") or "").strip()
            if name:
                out[normal_guid(_attr(v, "guid"))] = name
        return out

    # --------------------------------------------------------------------- sources
    def _sources(self, root: ET.Element) -> tuple[list[_Source], list[RefiDocument]]:
        sources_el = _child(root, "sources")
        found: list[_Source] = []
        docs: list[RefiDocument] = []
        taken: set[str] = set()
        for el in list(sources_el) if sources_el is not None else []:
            kind = _local(el.tag)
            name = (_attr(el, "name") or "").strip() or f"source {_attr(el, 'guid')}"
            if kind == "textsource":
                src = self._text(el, name)
            elif kind == "pdfsource":
                rects = _children(el, "pdfselection")
                if rects:
                    self.skip(
                        f"{name}: {len(rects)} PDF region(s) with {_count_codings(rects)} coding(s)",
                        "PDF regions are places on a page, qda codes text; the text "
                        "selections of the PDF's text representation are imported",
                    )
                rep = _child(el, "representation")
                if rep is None:
                    self.skip(
                        f"{name} (PDF)",
                        "it has no plain-text representation; convert "
                        "the PDF to text in the other program or ingest the PDF itself "
                        "with `qda ingest`",
                    )
                    continue
                src = self._text(rep, name, guid=_attr(el, "guid"))
            elif kind in _MEDIA:
                parts = [p for p in el if _local(p.tag).endswith("selection")]
                extra = f" with {len(parts)} selection(s), {_count_codings(parts)} coding(s)" if parts else ""
                why = f"qda codes text, not {_MEDIA[kind]}"
                if _children(el, "transcript"):
                    why += (
                        "; its transcript was not imported either: export it as a text "
                        "document from the other program"
                    )
                self.skip(f"{name} ({_MEDIA[kind]}){extra}", why)
                continue
            else:
                self.skip(f"{name} (<{el.tag.rsplit('}', 1)[-1]}>)", "not a REFI-QDA source kind qda knows")
                continue
            if src is None:
                continue
            if src.guid in taken:  # the schema cannot forbid it; keep the sources apart
                self.report.warnings.append(
                    f"{name}: its GUID {src.guid} is used by another "
                    "source too; imported as a source of its own"
                )
                n = 2
                while f"{src.guid}#{n}" in taken:
                    n += 1
                src.guid = f"{src.guid}#{n}"
            src.notes = [normal_guid(_attr(r, "targetGUID")) for r in _children(el, "noteref")]
            found.append(src)
            taken.add(src.guid)
            docs.append(
                RefiDocument(
                    id=src.guid,
                    name=name,
                    text=src.positions.stored,
                    created_at=_attr(el, "creationDateTime"),
                )
            )
        return found, docs

    def _text(self, el: ET.Element, name: str, guid: str | None = None) -> _Source | None:
        g = normal_guid(guid or _attr(el, "guid"))
        selections = [self._selection(s) for s in _children(el, "plaintextselection")]
        lost = (
            f"; its {len(selections)} selection(s) with "
            f"{sum(len(s.codings) for s in selections)} coding(s) are not imported"
            if selections
            else ""
        )
        whole = _children(el, "coding")
        if whole:
            self.skip(
                f"{name}: {len(whole)} coding(s) of the whole source",
                "qda codes spans of text; code the document's segments instead",
            )
        content = _child(el, "plaintextcontent")
        ref = (_attr(el, "plainTextPath") or "").strip()
        if content is not None and (content.text or "").strip() and not ref:
            raw = content.text or ""
        elif ref:
            if not ref.lower().startswith("internal://"):
                self.skip(
                    f"{name}",
                    f"its text is outside the project file ({ref}); qda "
                    "does not open other files named by an imported project" + lost,
                )
                self._lost(name, selections)
                return None
            data = self.archive.member(ref)
            if data is None:
                self.skip(f"{name}", f"its text file {ref} is not in {self.path.name}" + lost)
                self._lost(name, selections)
                return None
            try:
                raw = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                self.skip(
                    f"{name}",
                    f"its text file {ref} is not UTF-8 (byte {exc.start}), as the standard requires" + lost,
                )
                self._lost(name, selections)
                return None
        else:
            self.skip(f"{name}", "it has no text (neither PlainTextContent nor plainTextPath)" + lost)
            self._lost(name, selections)
            return None
        if len(raw) > MAX_DOCUMENT_BYTES or len(raw.encode("utf-8")) > MAX_DOCUMENT_BYTES:
            raise InputError(
                f"{self.path}: source {name!r}: its text is over the "
                f"{MAX_DOCUMENT_BYTES // 1024**2} MB limit for one document "
                "(MAX_DOCUMENT_BYTES); split it in the program that made the project"
            )
        if not raw.strip():
            self.skip(f"{name}", "its text is empty" + lost)
            self._lost(name, selections)
            return None
        usable = [(s.start, s.end, s.name) for s in selections if s.start is not None and s.end is not None]
        preferred = UTF16 if "nvivo" in self.origin.lower() else STANDARD
        if self.from_qda:
            convention = STANDARD
        else:
            convention = choose_convention(raw, usable, preferred=preferred)
        if convention != STANDARD and usable:
            self.report.conversions.append(
                f"{name}: positions counted in {convention} (not code points as stored, as "
                "the standard says); converted"
            )
        return _Source(g, name, raw, selections, Positions(raw, convention))

    def _lost(self, name: str, selections: list[_Selection]) -> None:
        """Every coding of a source whose text could not be read, as unplaced."""
        for sel in selections:
            for code_guid, user, _, _ in sel.codings:
                self.report.unplaced.append(
                    {
                        "source": name,
                        "code": self.code_ids.get(code_guid, code_guid),
                        "start": sel.start,
                        "end": sel.end,
                        "coder": user,
                        "why": "the source's text is not in the file",
                    }
                )

    def _selection(self, el: ET.Element) -> _Selection:
        desc = _child(el, "description")
        sel = _Selection(
            normal_guid(_attr(el, "guid")),
            _int(el, "startPosition"),
            _int(el, "endPosition"),
            (_attr(el, "name") or "").strip(),
            (desc.text or "").strip() if desc is not None else "",
            [normal_guid(_attr(r, "targetGUID")) for r in _children(el, "noteref")],
        )
        for c in _children(el, "coding"):
            ref = _child(c, "coderef")
            code = normal_guid(_attr(ref, "targetGUID")) if ref is not None else ""
            sel.codings.append(
                (
                    code,
                    self.user(_attr(c, "creatingUser"), _attr(el, "creatingUser")),
                    _attr(c, "creationDateTime") or _attr(el, "creationDateTime"),
                    [normal_guid(_attr(r, "targetGUID")) for r in _children(c, "noteref")],
                )
            )
        return sel

    # --------------------------------------------------------------------- codings
    def _codings(
        self, sources: list[_Source], code_ids: dict[str, str], notes: dict[str, str]
    ) -> list[RefiCoding]:
        out: list[RefiCoding] = []
        for src in sources:
            for sel in src.selections:
                if not sel.codings:
                    continue
                span = (
                    src.positions.span(sel.start, sel.end)
                    if sel.start is not None and sel.end is not None
                    else None
                )
                suggested = _suggestions(sel.description) if self.from_qda else {}
                for code_guid, user, at, note_refs in sel.codings:
                    code = code_ids.get(code_guid)
                    if code is None or span is None:
                        problem = (
                            "its code is not in the project's codebook"
                            if code is None
                            else _why_unplaced(src, sel)
                        )
                        self.report.unplaced.append(
                            {
                                "source": src.name,
                                "code": code or code_guid,
                                "start": sel.start,
                                "end": sel.end,
                                "coder": user,
                                "why": problem,
                            }
                        )
                        continue
                    status, confidence = "accepted", None
                    if code in suggested:
                        status, confidence = "suggested", suggested[code]
                    note = None
                    if self.from_qda:  # qda's review notes come back as review notes
                        review = [g for g in note_refs if g in notes and _is_review(self.note_els[g])]
                        texts = [notes[g] for g in review if notes[g]]
                        self.notes_used.update(review)
                        note = "\n".join(texts) or None
                    out.append(
                        RefiCoding(
                            document=src.guid,
                            start=span[0],
                            end=span[1],
                            code=code,
                            coder=user,
                            created_at=at,
                            source="import",
                            status=status,
                            confidence=confidence,
                            note=note,
                        )
                    )
        return out

    # ----------------------------------------------------------------------- cases
    def _cases(self, root: ET.Element, variables: dict[str, str], sources: list[_Source]) -> list[RefiCase]:
        cases_el = _child(root, "cases")
        if cases_el is None:
            return []
        by_guid = {s.guid: s for s in sources}
        selections = {sel.guid: src for src in sources for sel in src.selections}
        sel_by_guid = {sel.guid: sel for src in sources for sel in src.selections}
        out = []
        for n, el in enumerate(_children(cases_el, "case"), 1):
            cid = (_attr(el, "name") or "").strip() or f"case {n}"
            desc_el = _child(el, "description")
            desc = (desc_el.text or "").strip() if desc_el is not None else ""
            label = desc if self.from_qda and desc else cid
            attrs = {}
            for vv in _children(el, "variablevalue"):
                ref = _child(vv, "variableref")
                name = variables.get(normal_guid(_attr(ref, "targetGUID"))) if ref is not None else None
                values = [c for c in vv if _local(c.tag).endswith("value")]
                if name is None:
                    self.skip(
                        f"case {cid}: a value of an unknown variable", "its VariableRef points at no Variable"
                    )
                    continue
                attrs[name] = (values[0].text or "").strip() if values else ""
            docs, spans = [], []
            for ref in _children(el, "sourceref"):
                g = normal_guid(_attr(ref, "targetGUID"))
                if g in by_guid:
                    docs.append(g)
                else:
                    self.skip(f"case {cid}: source {g}", "that source was not imported")
            for ref in _children(el, "selectionref"):
                g = normal_guid(_attr(ref, "targetGUID"))
                src, sel = selections.get(g), sel_by_guid.get(g)
                span = None
                if src and sel and sel.start is not None and sel.end is not None:
                    span = src.positions.span(sel.start, sel.end)
                if src is None or span is None:
                    self.skip(f"case {cid}: selection {g}", "it is not a text selection qda imported")
                    continue
                spans.append((src.guid, *span))
            out.append(
                RefiCase(id=cid, label=label, attributes=attrs, documents=tuple(docs), spans=tuple(spans))
            )
        return out


_WHY = {
    "notes": "they could not be read as memos",
    "links": "qda has no links between objects",
    "sets": "qda has no sets (document or code groups); use participant attributes",
    "graphs": "qda has no network diagrams",
}


def _names(el, n: int = 5) -> str:
    names = [(_attr(c, "name") or "").strip() or "(no name)" for c in el]
    more = f", and {len(names) - n} more" if len(names) > n else ""
    return ", ".join(names[:n]) + more


def _count_codings(elements: list[ET.Element]) -> int:
    return sum(len(_children(e, "coding")) for e in elements)


def _why_unplaced(src: _Source, sel: _Selection) -> str:
    if sel.start is None or sel.end is None:
        return "its startPosition/endPosition is missing or not a whole number"
    if sel.start >= sel.end:
        return "it is empty (endPosition is not after startPosition)"
    return (
        f"positions {sel.start}-{sel.end} are outside the text or split a character "
        f"(counted as {src.positions.convention}, text of "
        f"{len(src.positions.stored)} characters)"
    )


def _suggestions(description: str) -> dict[str, float | None]:
    """Codes qda exported as suggestions on this selection (with their confidence)."""
    out: dict[str, float | None] = {}
    for line in description.splitlines():
        if not line.startswith(f"{SUGGESTION_MARK}: "):
            continue
        head, _, conf = line[len(SUGGESTION_MARK) + 2 :].partition(", confidence ")
        code = head.split(" from ", 1)[0].strip()
        try:
            out[code] = float(conf) if conf else None
        except ValueError:
            out[code] = None
    return out
