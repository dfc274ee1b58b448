"""The quote bank: the chosen codings' quotes, attributed, as Markdown or Word."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from qda import analysis
from qda.errors import InputError
from qda.export import quote_bank_markdown, write_quotes
from qda.export.quotes import ORDERS, write_quote_bank_docx
from qda.reports.snapshot import Snapshot, snapshot_of

if TYPE_CHECKING:
    from qda.project import Project

__all__ = ["QUOTE_FORMATS", "check_quote_path", "export_quotes", "quote_table"]

QUOTE_FORMATS = (".md", ".docx")


def check_quote_path(path: str | Path) -> Path:
    """``path`` as a Path when its extension names a quote bank format, else an error."""
    path = Path(path)
    if path.suffix.lower() not in QUOTE_FORMATS:
        raise InputError(
            f"{path}: the quote bank is written as Markdown (.md) or Word "
            "(.docx); name the file with one of those extensions"
        )
    return path


def quote_table(snap: Snapshot) -> pd.DataFrame:
    """One row per (code, segment) coded directly at the code, attributed
    (:func:`qda.analysis.coded_quotes`), with the highest ``confidence`` of its codings."""
    chosen = snap.chosen
    quotes = analysis.coded_quotes(
        chosen.codings, snap.segments, snap.texts, snap.codebook, snap.attributions
    )
    confidence = (
        chosen.codings.groupby(["segment_id", "code_id"])["confidence"]
        .max()
        .rename("confidence")
        .reset_index()
        .rename(columns={"code_id": "code"})
    )
    return quotes.merge(confidence, on=["segment_id", "code"], how="left")


def export_quotes(
    source: Project | Snapshot, path: str | Path, *, order: str = "document", data: Snapshot | None = None
) -> Path:
    """The quote bank, Markdown (``.md``) or Word (``.docx``) by the file's extension,
    quotes within each code in ``order`` (:data:`qda.export.quotes.ORDERS`)."""
    path = check_quote_path(path)
    if order not in ORDERS:
        raise InputError(f"unknown quote order {order!r}; use one of {', '.join(ORDERS)}")
    snap = data or snapshot_of(source, agreement=False)
    quotes = quote_table(snap)
    title = f"Quote bank: {snap.codebook.name}"
    basis = snap.chosen.description
    if path.suffix.lower() == ".docx":
        return write_quote_bank_docx(path, quotes, snap.codebook, title=title, basis=basis, order=order)
    return write_quotes(
        path, quote_bank_markdown(quotes, snap.codebook, title=title, basis=basis, order=order)
    )
