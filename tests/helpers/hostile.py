"""Hostile input built small: code trees nested deeper than any limit, as YAML (the
``codes:`` list) and as a REFI-QDA codebook."""

from __future__ import annotations


def deep_yaml(levels: int) -> str:
    lines = []
    for depth in range(levels):
        pad = "  " * (2 * depth)
        lines.append(f"{pad}  - id: c{depth}\n{pad}    name: C{depth}\n")
        if depth < levels - 1:
            lines.append(f"{pad}    children:\n")
    return "".join(lines)


def deep_qdc(levels: int) -> str:
    codes = (
        "".join(
            f'<Code guid="{i:08x}-0000-4000-8000-000000000000" name="C{i}" isCodable="true">'
            for i in range(levels)
        )
        + "</Code>" * levels
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0">'
        f"<Codes>{codes}</Codes></CodeBook>"
    )
