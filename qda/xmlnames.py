"""Reading REFI-QDA XML by local name: the programs that write it differ in namespace
(``urn:QDA-XML:project:1.0``, ``…codebook:1.0``, none) and in the case of element and
attribute names, so the codebook and project readers look elements up through these."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

__all__ = ["attr", "child", "children", "local"]


def local(tag: Any) -> str:
    """An element's or attribute's name without its namespace, lower-cased ('' for a
    comment or processing instruction)."""
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def children(el: ET.Element, name: str) -> list[ET.Element]:
    """The children of ``el`` named ``name`` (lower case), in any namespace."""
    return [c for c in el if local(c.tag) == name]


def child(el: ET.Element, name: str) -> ET.Element | None:
    found = children(el, name)
    return found[0] if found else None


def attr(el: ET.Element, name: str) -> str | None:
    """The attribute ``name`` of ``el`` in any case and namespace; None if absent."""
    for key, value in el.attrib.items():
        if local(key) == name.lower():
            return value
    return None
