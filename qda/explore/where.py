"""``--where ATTR=VALUE``: keep the segments of participants with an attribute value.

The same attribute given twice means either value (``role=A role=B``); different
attributes must all hold. ``ATTR`` is a participant attribute, or one of the segment
table's own columns ``document``, ``participant``, ``speaker``. Values are compared as
text, ignoring case and surrounding spaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from qda.errors import InputError

__all__ = ["OWN_COLUMNS", "apply_where", "parse_where"]

#: columns of the segment table a condition may name besides the attributes
OWN_COLUMNS = ("document", "participant", "speaker")


def parse_where(conditions: Iterable[str] | Mapping[str, object] | None) -> dict[str, list[str]]:
    """``["role=Responsible Officer", "location=Kent"]`` (or a mapping ``{attr: value or
    [values]}``) -> ``{"role": ["Responsible Officer"], "location": ["Kent"]}``."""
    if not conditions:
        return {}
    out: dict[str, list[str]] = {}
    if isinstance(conditions, Mapping):
        for attr, value in conditions.items():
            values = value if isinstance(value, (list, tuple, set)) else [value]
            out.setdefault(str(attr).strip(), []).extend(str(v).strip() for v in values)
        return out
    for text in conditions:
        attr, sep, value = str(text).partition("=")
        if not sep or not attr.strip():
            raise InputError(
                f"--where {text!r}: write ATTRIBUTE=VALUE, e.g. --where role='Responsible Officer'"
            )
        out.setdefault(attr.strip(), []).append(value.strip())
    return out


def apply_where(
    segments: pd.DataFrame, where: Mapping[str, list[str]], attributes: Iterable[str]
) -> pd.DataFrame:
    """The rows of ``segments`` (the segment table, attributes joined) meeting every
    condition; ``attributes``: the project's attribute names (for the error message)."""
    attributes = list(attributes)
    for attr, values in where.items():
        if attr not in attributes and attr not in OWN_COLUMNS:
            known = ", ".join([*OWN_COLUMNS, *attributes])
            raise InputError(f"--where {attr}=...: no attribute {attr!r} in this project; use one of {known}")
        wanted = {v.casefold() for v in values}
        column = segments[attr].astype("string").str.strip().str.casefold()
        segments = segments[column.isin(wanted).fillna(False).astype(bool)]
    return segments
