"""The quote bank: coded quotes per theme and sub-theme, attributed, as Markdown."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qda.codebook import Codebook
from qda.export.files import atomic_path

__all__ = ["quote_bank_markdown", "write_quotes"]


def _quote(text: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in text.splitlines())


def quote_bank_markdown(quotes: pd.DataFrame, codebook: Codebook, *, title: str,
                        basis: str) -> str:
    """``quotes``: one row per (code, segment) with ``code, segment_id, attribution, text``."""
    lines = [f"# {title}", "", f"*{basis}.*", "",
             "Each quote is followed by its attribution and segment id.", ""]
    by_code = {code: group for code, group in quotes.groupby("code", sort=False)}
    for code in codebook:
        depth = codebook.depth(code.id)
        group = by_code.get(code.id)
        n = 0 if group is None else len(group)
        lines.append(f"{'#' * min(depth + 1, 6)} {code.name} (`{code.id}`, {n} "
                     f"quote{'s' if n != 1 else ''})")
        lines.append("")
        if code.description:
            lines += [f"*{' '.join(code.description.split())}*", ""]
        if group is None:
            continue
        for rec in group.itertuples():
            lines += [_quote(rec.text), "", f"— ({rec.attribution}) `{rec.segment_id}`", ""]
    return "\n".join(lines).rstrip() + "\n"


def write_quotes(path: str | Path, markdown: str) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(markdown, encoding="utf-8")
    return path
