"""Writing the research-database workbook, and the framework workbook of ``qda
framework --out F.xlsx`` (its one sheet is the workbook's Framework sheet)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from qda.export.excel import Sheet, write_workbook
from qda.reports.sheets import about_lines, framework_sheet, sheet_pages
from qda.reports.snapshot import Snapshot, snapshot_of

if TYPE_CHECKING:
    from qda.project import Project

__all__ = ["export_framework", "export_workbook", "workbook_sheets", "write_framework"]


def workbook_sheets(
    source: Project | Snapshot, *, data: Snapshot | None = None
) -> tuple[list[tuple[str, str]], list[Sheet]]:
    """What :func:`export_workbook` writes, before it is written: the About sheet's
    lines and the sheets, each a :class:`~qda.export.excel.Sheet` holding DataFrames
    (``sheet.frame``; ``sheet.more`` for the tables under it)."""
    snap = data or snapshot_of(source)
    pages = sheet_pages(snap)
    return about_lines(snap, pages), [p.sheet for p in pages if p.sheet is not None]


def export_workbook(
    source: Project | Snapshot,
    path: str | Path,
    *,
    constant_memory: bool | None = None,
    data: Snapshot | None = None,
) -> Path:
    """Write the research database (see the About sheet it writes for what each sheet
    holds). ``constant_memory``: force xlsxwriter's streaming mode on or off (default:
    on for large projects, see :func:`qda.export.excel.write_workbook`)."""
    about, sheets = workbook_sheets(source, data=data)
    return write_workbook(path, about=about, sheets=sheets, constant_memory=constant_memory)


def export_framework(
    project: Project,
    path: str | Path,
    *,
    depth: int | None = 1,
    codes: Sequence[str] | None = None,
    coders: Iterable[str] | None = None,
    sources: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
) -> Path:
    """The framework matrix (:meth:`Project.framework`, these filters) as a workbook for
    people to fill in the summary columns and read back with ``qda framework import``
    (:func:`write_framework`)."""
    filters = {"coders": coders, "sources": sources, "statuses": statuses}
    table = project.framework(depth=depth, codes=codes, **filters)
    return write_framework(
        path, table, project=project.path.name, basis=project.select_codings(**filters).description
    )


def write_framework(path: str | Path, table: pd.DataFrame, *, project: str, basis: str) -> Path:
    """``table`` (a framework matrix) as a workbook of one ``Framework`` sheet laid out as
    the research database's (:func:`~qda.reports.sheets.framework_sheet`), with an About
    sheet saying how to read it back."""
    path = Path(path)
    about = [
        ("Project", project),
        ("Codings used", basis),
        (
            "Sheet Framework",
            "One row per participant. For each theme, '<code id> | "
            "quotes' holds the participant's coded segments ([segment id] quote) and "
            "'<code id> | summary' is for your summary. Keep the headers and the "
            "participant column.",
        ),
        (
            "Importing",
            f"qda framework import {path.name} --by NAME: a filled summary "
            "cell sets the summary, an empty one leaves the project's as it is, '-' "
            "clears it.",
        ),
    ]
    return write_workbook(path, about=about, sheets=[framework_sheet(table)])
