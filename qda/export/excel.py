"""The research database workbook (.xlsx), written with xlsxwriter.

Every sheet is an Excel table (filters, banding) with a frozen header, column
widths fitted to the content, and long text wrapped. The Matrix sheet is shaded
as a heatmap. Sheets are given as DataFrames; this module only lays them out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from qda.export.files import atomic_path

__all__ = ["Sheet", "write_workbook"]

_WRAP_MIN = 60      # a column whose content runs longer than this is wrapped
_MAX_WIDTH = 80
_EXCEL_MAX_CELL = 32767


@dataclass
class Sheet:
    name: str
    frame: pd.DataFrame
    heatmap: Sequence[str] = ()          # columns shaded as a heatmap
    freeze_columns: int = 0              # columns kept in view when scrolling right
    colors: Mapping[str, str] = field(default_factory=dict)  # column -> hex, for header fills
    color_column: str | None = None      # a column of '#RRGGBB' values shown as fills


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if hasattr(value, "item"):           # numpy scalar
        return value.item()
    if isinstance(value, str) and len(value) > _EXCEL_MAX_CELL:
        return value[: _EXCEL_MAX_CELL - 1] + "…"
    return value


def _width(header: str, values: list[Any]) -> tuple[float, bool]:
    longest = max([len(str(header)) + 3] + [len(str(v)) for v in values[:2000] if v is not None])
    return min(max(longest + 2, 8), _MAX_WIDTH), longest > _WRAP_MIN


def _write_sheet(book: xlsxwriter.Workbook, sheet: Sheet, formats: dict[str, Any]) -> None:
    ws = book.add_worksheet(sheet.name[:31])
    df = sheet.frame
    headers = [str(c) for c in df.columns]
    rows = [[_cell(v) for v in rec] for rec in df.itertuples(index=False, name=None)]
    columns = []
    for j, header in enumerate(headers):
        width, wrap = _width(header, [r[j] for r in rows])
        fmt = formats["wrap"] if wrap else None
        if df.dtypes.iloc[j].kind == "f":
            fmt = formats["number"]
        ws.set_column(j, j, width, fmt)
        columns.append({"header": header, **({"format": fmt} if fmt else {})})
    if rows:
        ws.add_table(0, 0, len(rows), max(len(headers) - 1, 0),
                     {"columns": columns, "data": rows, "style": "Table Style Light 9",
                      "name": "t_" + "".join(ch for ch in sheet.name if ch.isalnum())})
    else:
        for j, header in enumerate(headers):
            ws.write(0, j, header, formats["header"])
        if headers:
            ws.autofilter(0, 0, 0, len(headers) - 1)
    ws.freeze_panes(1, sheet.freeze_columns)
    for col, color in sheet.colors.items():
        if col in headers and color:
            j = headers.index(col)
            ws.write(0, j, col, book.add_format({"bold": True, "bottom": 5, "bottom_color": color}))
    if sheet.color_column and sheet.color_column in headers:
        j = headers.index(sheet.color_column)
        for i, row in enumerate(rows, start=1):
            if row[j]:
                ws.write(i, j, row[j], book.add_format({"bg_color": row[j]}))
    heat = [headers.index(c) for c in sheet.heatmap if c in headers]
    if heat and rows:
        ws.conditional_format(1, min(heat), len(rows), max(heat), {
            "type": "3_color_scale", "min_color": "#FFFFFF", "mid_color": "#FDD49E",
            "max_color": "#D7301F"})


def write_workbook(path: str | Path, *, about: Sequence[tuple[str, Any]],
                   sheets: Sequence[Sheet]) -> Path:
    """Write an About sheet (key/value lines) then each sheet; atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_urls": False,
                                              "strings_to_formulas": False,
                                              "strings_to_numbers": False})
        formats = {
            "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
            "number": book.add_format({"num_format": "0.00"}),
            "header": book.add_format({"bold": True}),
            "title": book.add_format({"bold": True, "font_size": 14}),
            "key": book.add_format({"bold": True, "valign": "top"}),
            "value": book.add_format({"text_wrap": True, "valign": "top"}),
        }
        ws = book.add_worksheet("About")
        ws.set_column(0, 0, 24)
        ws.set_column(1, 1, 100)
        ws.write(0, 0, "qda research database", formats["title"])
        for i, (key, value) in enumerate(about, start=2):
            ws.write(i, 0, key, formats["key"])
            ws.write(i, 1, _cell(value), formats["value"])
        for sheet in sheets:
            _write_sheet(book, sheet, formats)
        book.close()
    return path
