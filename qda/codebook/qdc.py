"""REFI-QDA codebook exchange (``.qdc``): import and export.

Export writes ``urn:QDA-XML:codebook:1.0`` valid against the standard's
``Codebook.xsd``: codes nested as in the tree, each with a stable GUID
(``uuid5`` of a qda namespace and the code id, so re-exports match), its own
colour and, in ``<Description>``, the definition followed by labelled
paragraphs for the parts REFI-QDA has no place for::

    Families' gains from involvement.      <- the description, as written

    Include: The family member gains.
    Exclude: What helps families: use what_helps.
    Examples:
    - Just knowing his conditions took a weight off me.
    Keywords:
    - keep informed
    Exclude keywords:
    - ...
    Patterns:
    - [{"LOWER": "home"}, {"LEMMA": "visit"}]
    Proximity:
    - {"terms": ["family", "appointment"], "within": 5}
    qda id: benefits_families

The codebook's name, version and description travel in an XML comment inside
``<CodeBook>`` (the schema has no place for them; other tools ignore comments).
Import reads those labels back (at the start of a line, any case), so a round
trip keeps the whole definition and the ids; in another tool they are readable
text in the code's memo. Codes from other tools have no labels: the whole
Description becomes the description, and ids are made from the names.

Import is tolerant of what tools write: any ``urn:QDA-XML:codebook:*`` (or
project) namespace or none, element and attribute names in any case, the empty
``<Sets/>`` Taguette writes, ``#RGB`` colours, and ATLAS.ti's ``Parent::Child``
names, which become a hierarchy (a parent that has no code of its own is
created). ``isCodable`` and ``Sets`` are not kept (qda has no such notions). A
``.qdpx`` project's codebook can be read too. Untrusted XML is parsed with
``defusedxml``.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from qda.codebook.checks import (
    ID,
    check_code_count,
    check_color,
    check_patterns,
    check_proximity,
    unique_slug,
)
from qda.codebook.model import Code, Codebook
from qda.errors import CodebookError
from qda.limits import MAX_CODE_DEPTH
from qda.xmlnames import attr as _attr
from qda.xmlnames import child as _child
from qda.xmlnames import children as _children
from qda.xmlnames import local as _local

__all__ = ["read_codebook_qdc", "read_codebook_element", "write_codebook_qdc", "code_guid", "QDC_NAMESPACE"]

QDC_NAMESPACE = "urn:QDA-XML:codebook:1.0"
_GUID_NAMESPACE = uuid.UUID("6b1f0a52-3c1e-5c8e-9a57-7a2f0c1d9e31")
_ATLAS_SEPARATOR = "::"
_META_MARK = "qda-codebook"  # an XML comment in <CodeBook> keeps name, version, description
# Labelled paragraphs in <Description>: label -> field. Lists take "- item" lines.
_LABELS = {
    "include": "include",
    "exclude": "exclude",
    "examples": "examples",
    "keywords": "keywords",
    "exclude keywords": "exclude_keywords",
    "patterns": "patterns",
    "proximity": "proximity",
    "qda id": "id",
}
_LABEL = re.compile(
    r"^(?P<label>" + "|".join(sorted(_LABELS, key=len, reverse=True)) + r")\s*:[ \t]*(?P<rest>.*)$",
    re.IGNORECASE | re.MULTILINE,
)


def code_guid(code_id: str) -> str:
    """The GUID a code is exported with: the same id always gives the same GUID."""
    return str(uuid.uuid5(_GUID_NAMESPACE, code_id)).upper()


# ------------------------------------------------------------------------- writing
def write_codebook_qdc(codebook: Codebook, path: str | Path, *, origin: str | None = None) -> None:
    """Write a REFI-QDA codebook (valid against Codebook.xsd)."""
    from qda import __version__

    ns = ""  # the namespace is declared as the default (xmlns) on the root element
    root = ET.Element("CodeBook", {"xmlns": QDC_NAMESPACE, "origin": origin or f"qda {__version__}"})
    meta = json.dumps(
        {"name": codebook.name, "version": codebook.version, "description": codebook.description},
        ensure_ascii=True,
    )
    root.append(ET.Comment(f" {_META_MARK} {meta.replace('--', '-' + chr(92) + 'u002d')} "))
    codes_el = ET.SubElement(root, ns + "Codes")
    elements: dict[str | None, ET.Element] = {None: codes_el}
    for code in codebook:  # pre-order: a parent's element exists before its children
        attrs = {"guid": code_guid(code.id), "name": code.name, "isCodable": "true"}
        if code.color:
            attrs["color"] = code.color
        el = ET.SubElement(elements[code.parent], ns + "Code", attrs)
        ET.SubElement(el, ns + "Description").text = description_text(code)
        elements[code.id] = el
    ET.indent(root, space="  ")
    ET.ElementTree(root).write(str(path), encoding="utf-8", xml_declaration=True)


def description_text(code: Code) -> str:
    """A code's definition as one text: the description, then labelled paragraphs."""
    parts = [code.description] if code.description else []
    for label, value in (("Include", code.include), ("Exclude", code.exclude)):
        if value:
            parts.append(f"{label}: {value}")
    for label, items in (
        ("Examples", code.examples),
        ("Keywords", code.keywords),
        ("Exclude keywords", code.exclude_keywords),
        ("Patterns", [json.dumps(p, ensure_ascii=False) for p in code.patterns]),
        ("Proximity", [json.dumps(p, ensure_ascii=False) for p in code.proximity]),
    ):
        if items:
            parts.append(f"{label}:\n" + "\n".join(f"- {item}" for item in items))
    parts.append(f"qda id: {code.id}")
    return "\n\n".join(parts)


# ------------------------------------------------------------------------- reading
def read_codebook_qdc(path: str | Path) -> Codebook:
    """Read a REFI-QDA codebook (``.qdc``), or the codebook inside a project (``.qdpx``/``.qde``)."""
    path = Path(path)
    if not path.exists():
        raise CodebookError(f"{path}: no such codebook file")
    if path.is_dir():
        raise CodebookError(f"{path}: is a folder, not a codebook file")
    data = _project_xml(path) if path.suffix.lower() == ".qdpx" else path.read_bytes()
    root = _parse(data, path)
    return read_codebook_element(_find_codebook(root, path), path)[0]


def read_codebook_element(
    book: ET.Element, path: Path, *, origin: str | None = None
) -> tuple[Codebook, dict[str, str]]:
    """The codebook in a parsed ``<CodeBook>`` element (of a .qdc or a project), and
    each code's GUID (lower case, no braces) -> the id it got (for a project's CodeRefs)."""
    codes_el = _child(book, "codes")
    if codes_el is None or not _children(codes_el, "code"):
        raise CodebookError(f"{path}: the REFI-QDA codebook has no codes")
    check_code_count(_count_codes(codes_el), str(path))
    nodes = _Tree(path)
    for el in _children(codes_el, "code"):
        nodes.add(el, ())
    rows, where = nodes.rows()
    origin = origin or (_attr(book, "origin") or "").strip()
    meta = {
        "name": path.stem,
        "version": "1",
        "description": f"Imported from {path.name}" + (f" ({origin})" if origin else ""),
    }
    meta.update(_read_meta(book))
    guids = {guid: nodes.nodes[key]["id"] for guid, key in nodes.guids.items()}
    return Codebook.from_rows(rows, where=where, **meta), guids


def _count_codes(codes_el: ET.Element) -> int:
    """Every ``<Code>`` under ``<Codes>``, counted with an explicit stack: ElementTree's
    ``iter()`` recurses, and a tree 1,000 deep overflowed it before the depth limit could
    name the fault."""
    count, stack = 0, list(_children(codes_el, "code"))
    while stack:
        el = stack.pop()
        count += 1
        stack.extend(_children(el, "code"))
    return count


def normal_guid(guid: str | None) -> str:
    """A GUID as compared: no braces, lower case (vendors differ in both)."""
    return (guid or "").strip().strip("{}").lower()


def _read_meta(book: ET.Element) -> dict[str, str]:
    """Name, version and description from the comment qda writes (other tools have none)."""
    for el in book:
        if el.tag is ET.Comment and (el.text or "").strip().startswith(_META_MARK):
            try:
                meta = json.loads((el.text or "").strip()[len(_META_MARK) :])
            except json.JSONDecodeError:
                return {}
            if isinstance(meta, dict):
                return {
                    k: str(meta[k])
                    for k in ("name", "version", "description")
                    if isinstance(meta.get(k), (str, int, float))
                }
    return {}


def _project_xml(path: Path) -> bytes:
    """The project XML of a .qdpx, read with the REFI room's checks (zip bombs, names)."""
    from qda.archive import open_archive

    archive = open_archive(path)
    archive.close()
    return archive.project_xml


def _parse(data: bytes, path: Path) -> ET.Element:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser

    try:
        parser = DefusedXMLParser(target=ET.TreeBuilder(insert_comments=True))
        parser.feed(data)
        return parser.close()
    except ET.ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        where = f", line {line}, column {column + 1}" if line and column is not None else ""
        raise CodebookError(
            f"{path}{where}: not valid XML ({_reason(exc)}); a REFI-QDA "
            "codebook (.qdc) is an XML file exported by a QDA program"
        ) from exc
    except DefusedXmlException as exc:
        raise CodebookError(
            f"{path}: refused: the XML declares entities or external "
            f"references ({type(exc).__name__}); export the codebook again "
            "from its program"
        ) from exc


def _reason(exc: ET.ParseError) -> str:
    return re.sub(r":\s*line \d+, column \d+$", "", str(exc))


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _find_codebook(root: ET.Element, path: Path) -> ET.Element:
    ns = _namespace(root.tag)
    if ns and not ns.lower().startswith("urn:qda-xml:"):
        raise CodebookError(
            f"{path}: is XML but not a REFI-QDA codebook (root element "
            f"<{_local(root.tag)}> in namespace {ns!r}, expected <CodeBook> in "
            f"{QDC_NAMESPACE!r}); export the codebook as REFI-QDA (.qdc)"
        )
    if _local(root.tag) == "codebook":
        return root
    if _local(root.tag) == "project":
        book = _child(root, "codebook")
        if book is None:
            raise CodebookError(f"{path}: the REFI-QDA project has no codebook")
        return book
    raise CodebookError(
        f"{path}: is XML but not a REFI-QDA codebook (root element "
        f"<{root.tag.rsplit('}', 1)[-1]}>, expected <CodeBook>); export the "
        "codebook as REFI-QDA (.qdc)"
    )


class _Tree:
    """Codes keyed by their path of names, so ``A::b`` finds (or makes) ``A``."""

    def __init__(self, path: Path):
        self.path = path
        self.order: list[tuple[str, ...]] = []  # first appearance of each path
        self.nodes: dict[tuple[str, ...], dict] = {}
        self.guids: dict[str, tuple[str, ...]] = {}  # normal GUID -> key
        self.count = 0

    def add(self, el: ET.Element, parent: tuple[str, ...]) -> None:
        self.count += 1
        number = self.count
        raw = (_attr(el, "name") or "").strip()
        parts = [p.strip() for p in raw.split(_ATLAS_SEPARATOR) if p.strip()]
        if not parts:
            guid = _attr(el, "guid") or "?"
            raise CodebookError(
                f"{self.path}: code {number} (guid {guid}) has no name; give "
                "it a name in the program that exported it"
            )
        for depth in range(1, len(parts)):  # ATLAS.ti groups: make the parent if none yet
            self._node((*parent, *parts[:depth]))
        key = (*parent, *parts)
        if len(key) > MAX_CODE_DEPTH:  # before recursing into its children
            raise CodebookError(
                f"{self.path}: code {raw!r} is at level {len(key)} of the "
                f"tree, deeper than the limit of {MAX_CODE_DEPTH} levels; "
                "move it up in the program that exported it"
            )
        node = self._node(key)
        if node["filled"]:  # two codes with the same name in one place: keep both
            key = (*parent, *parts[:-1], f"{parts[-1]}\x00{number}")
            node = self._node(key, name=parts[-1])
        node.update(_fields(el, f"{self.path}: code {raw!r}"), filled=True, number=number)
        if _attr(el, "guid"):
            self.guids.setdefault(normal_guid(_attr(el, "guid")), key)
        for child in _children(el, "code"):
            self.add(child, key)

    def _node(self, key: tuple[str, ...], *, name: str | None = None) -> dict:
        if key not in self.nodes:
            self.nodes[key] = {"name": name or key[-1], "filled": False, "number": None}
            self.order.append(key)
        return self.nodes[key]

    def rows(self) -> tuple[list[dict], dict[str, str]]:
        taken: set[str] = set()
        for key in self.order:  # ids written by qda first, so a made-up id never takes one
            wanted = self.nodes[key].get("id")
            if wanted and ID.match(wanted) and wanted not in taken:
                taken.add(wanted)
            else:
                self.nodes[key]["id"] = None
        rows, where = [], {}
        for key in self.order:
            node = self.nodes[key]
            node["id"] = node["id"] or unique_slug(node["name"], taken)
        for key in self.order:
            node = self.nodes[key]
            parent = self.nodes[key[:-1]]["id"] if len(key) > 1 else None
            rows.append(
                {**{k: v for k, v in node.items() if k not in ("filled", "number")}, "parent": parent}
            )
            where[node["id"]] = (
                f"{self.path}: code {node['name']!r}"
                if node["number"]
                else f"{self.path}: group {node['name']!r}"
            )
        return rows, where


def _fields(el: ET.Element, where: str) -> dict[str, Any]:
    desc_el = _child(el, "description")
    text = (desc_el.text or "") if desc_el is not None else ""
    fields = parse_description(text, where)
    fields["color"] = check_color((_attr(el, "color") or "").strip() or None, where)
    check_patterns(fields.get("id") or "code", fields.get("patterns", ()), where)
    fields["proximity"] = check_proximity(fields.get("proximity", ()), where)
    return fields


def parse_description(text: str, where: str = "") -> dict[str, Any]:
    """Split a Description into the definition and the labelled paragraphs written by qda."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    matches = list(_LABEL.finditer(text))
    fields: dict[str, Any] = {"description": text[: matches[0].start()].strip() if matches else text.strip()}
    for m, nxt in zip(matches, [*matches[1:], None]):
        field = _LABELS[m.group("label").lower()]
        body = (m.group("rest") + text[m.end() : nxt.start() if nxt else len(text)]).strip()
        if field in ("include", "exclude", "id"):
            fields[field] = body
            continue
        items = [
            ln.strip()[1:].strip() if ln.strip().startswith("-") else ln.strip()
            for ln in body.splitlines()
            if ln.strip()
        ]
        if field in ("patterns", "proximity"):
            label = "a pattern under 'Patterns:'" if field == "patterns" else "a rule under 'Proximity:'"
            try:
                fields[field] = tuple(json.loads(item) for item in items)
            except json.JSONDecodeError as exc:
                raise CodebookError(
                    f"{where}: {label} in its description is not JSON ({exc.msg}); fix or remove it"
                ) from exc
        else:
            fields[field] = tuple(items)
    return fields
