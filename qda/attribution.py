"""Quote attribution: a label built from participant attributes by a template.

``{role}, {location}`` gives ``Responsible Officer, Kent``; a field that is empty
for a participant disappears with the separator before it, so a family member
with no location gets ``Mother of service user``.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

__all__ = ["DEFAULT_TEMPLATE", "attribute", "template_fields"]

DEFAULT_TEMPLATE = "{role}, {location}"


def template_fields(template: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(template) if f]


def attribute(template: str, attrs: Mapping[str, object], *, fallback: str = "") -> str:
    """Fill the template; literals between fields appear only between filled fields."""
    out: list[str] = []
    pending = ""
    for literal, field, _, _ in string.Formatter().parse(template):
        pending += literal
        if field is None:
            continue
        value = attrs.get(field)
        value = "" if value is None or value != value else str(value).strip()  # NaN-safe
        if value:
            out.append((pending if out else pending.lstrip(" ,;-/")) + value)
        pending = ""
    text = "".join(out)
    if out and pending.strip():
        text += pending.rstrip()
    return text or fallback
