"""The research database workbook (.xlsx), written with xlsxwriter.

A workbook is an About sheet (key/value lines) then :class:`Sheet` s. A sheet holds one
or more :class:`Table` s stacked top to bottom (a table may have a title line above it).
Every table has a bold header, column widths fitted to the content, long text wrapped,
number formats per column (integers, ``0.00``, percentages) and optional heatmap
shading; the first table's header is frozen.

Two ways of writing, chosen by size (``constant_memory=None``) or forced:

- **normal**: every table is an Excel table (filter buttons, banding);
- **constant memory** (xlsxwriter's streaming mode, for large projects): each row goes
  to disk as soon as the next one starts, so memory stays flat. xlsxwriter cannot make
  Excel tables in this mode (``add_table`` refuses), so the first table of a sheet gets
  an autofilter instead; rows are written strictly in order (headers are written with
  their format first; nothing goes back to an earlier row). Conditional formats,
  frozen panes, column widths and formats work in both modes.

Sheets are given as DataFrames; this module only lays them out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

from qda.files import atomic_path

__all__ = ["LARGE_CELLS", "Sheet", "Table", "overlong_cells", "sheet_name", "write_workbook"]

_WRAP_MIN = 60  # a column whose content runs longer than this is wrapped
_MAX_WIDTH = 80
_WIDTH_SAMPLE = 2000  # rows looked at to fit a column's width
_CHUNK = 5000  # rows converted to cells at a time
_EXCEL_MAX_CELL = 32767
LARGE_CELLS = 1_000_000  # above this many data cells, write in constant-memory mode
_RESERVED = {"history"}  # Excel reserves this sheet name
_STYLE = "Table Style Light 9"


@dataclass
class Table:
    """One block of a sheet: a DataFrame and how to show it."""

    frame: pd.DataFrame
    title: str | None = None  # a bold line above the table
    heatmap: Sequence[str] = ()  # columns shaded as one heatmap
    percent: Sequence[str] = ()  # shares 0..1 shown as 58%
    wrap: Sequence[str] = ()  # columns always wrapped
    widths: Mapping[str, float] = field(default_factory=dict)  # column -> width
    editable: Sequence[str] = ()  # columns for the researcher to fill (unlocked, tinted)
    # column -> hex, header underline (None: none)
    colors: Mapping[str, str | None] = field(default_factory=dict)
    color_column: str | None = None  # a column of '#RRGGBB' values shown as fills
    total_row: bool = False  # the last row is a Total (bold, outside the heatmap)
    total_column: str | None = None  # a Total column (bold, outside the heatmap)


@dataclass
class Sheet:
    """A worksheet: its first table is ``frame`` with the options below; ``more``
    tables follow underneath, one blank row apart."""

    name: str
    frame: pd.DataFrame
    heatmap: Sequence[str] = ()
    freeze_columns: int = 0  # columns kept in view when scrolling right
    colors: Mapping[str, str | None] = field(default_factory=dict)
    color_column: str | None = None
    percent: Sequence[str] = ()
    wrap: Sequence[str] = ()
    widths: Mapping[str, float] = field(default_factory=dict)
    editable: Sequence[str] = ()
    total_row: bool = False
    total_column: str | None = None
    title: str | None = None
    more: Sequence[Table] = ()

    @property
    def tables(self) -> list[Table]:
        first = Table(
            self.frame,
            title=self.title,
            heatmap=self.heatmap,
            percent=self.percent,
            wrap=self.wrap,
            widths=self.widths,
            editable=self.editable,
            colors=self.colors,
            color_column=self.color_column,
            total_row=self.total_row,
            total_column=self.total_column,
        )
        return [first, *self.more]

    @property
    def cells(self) -> int:
        return sum(t.frame.shape[0] * max(t.frame.shape[1], 1) for t in self.tables)


def sheet_name(wanted: str, taken: Iterable[str] = ()) -> str:
    """A legal, unique worksheet name: no ``[]:*?/\\``, no leading or trailing
    apostrophe, at most 31 characters, not Excel's reserved ``History``, and not equal
    (ignoring case) to a name in ``taken`` (a ``(2)``, ``(3)``... is added)."""
    name = re.sub(r"[\[\]:*?/\\]", "-", str(wanted)).strip().strip("'").strip() or "Sheet"
    name = "".join(ch for ch in name if ch.isprintable())
    if name.lower() in _RESERVED:
        name += " (qda)"
    name = name[:31].rstrip("'")
    used = {t.lower() for t in taken}
    base, n = name, 1
    while name.lower() in used:
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)].rstrip("'") + suffix
    return name


def _cell(value: Any) -> Any:
    if type(value) is str:  # the common case first: most cells are text
        return value if len(value) <= _EXCEL_MAX_CELL else value[: _EXCEL_MAX_CELL - 1] + "…"
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
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, float) and math.isinf(value):
        return None
    if isinstance(value, str) and len(value) > _EXCEL_MAX_CELL:
        return value[: _EXCEL_MAX_CELL - 1] + "…"
    return value


def _column_cells(column: pd.Series) -> list[Any]:
    """A column's values as cells (None for missing), converted once per column: plain
    numpy integers and booleans need no check per value, floats only the NaN/inf one."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return column.tolist()  # Python ints / bools
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return [v if math.isfinite(v) else None for v in column.tolist()]
    return [_cell(v) for v in column.tolist()]


def _rows(frame: pd.DataFrame, chunk: int = _CHUNK) -> Iterator[list[Any]]:
    """The frame's rows as lists of cells, converted a column at a time in chunks of rows
    (a streamed sheet never holds a converted copy of more than ``chunk`` rows)."""
    for lo in range(0, len(frame), chunk):
        part = frame.iloc[lo : lo + chunk]
        columns = [_column_cells(part.iloc[:, j]) for j in range(part.shape[1])]
        yield from (list(row) for row in zip(*columns))


def _headers(columns: Sequence[Any]) -> list[str]:
    """Column names as unique (ignoring case) non-empty strings, as Excel tables need."""
    out: list[str] = []
    seen: set[str] = set()
    for i, col in enumerate(columns):
        name = str(col) if str(col).strip() else f"column {i + 1}"
        base, n = name, 1
        while name.lower() in seen:
            n += 1
            name = f"{base} ({n})"
        seen.add(name.lower())
        out.append(name)
    return out


def _width(header: str, values: list[Any]) -> tuple[float, bool]:
    sample = [v for v in values if v is not None]
    longest = max([len(header) + 3] + [max((len(s) for s in str(v).splitlines()), default=0) for v in sample])
    return min(max(longest + 2, 8), _MAX_WIDTH), longest > _WRAP_MIN


class _Writer:
    def __init__(self, book: xlsxwriter.Workbook, *, streaming: bool):
        self.book = book
        self.streaming = streaming
        self._formats: dict[tuple, Any] = {}
        self._table_names: set[str] = set()

    def fmt(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        if not props:
            return None
        if key not in self._formats:
            self._formats[key] = self.book.add_format(props)
        return self._formats[key]

    def table_name(self, sheet: str) -> str:
        base = "t_" + ("".join(ch if ch.isalnum() else "_" for ch in sheet).strip("_") or "sheet")
        name, n = base[:200], 1
        while name.lower() in self._table_names:
            n += 1
            name = f"{base[:195]}_{n}"
        self._table_names.add(name.lower())
        return name

    def sheet(self, sheet: Sheet, name: str) -> None:
        ws = self.book.add_worksheet(name)
        tables = sheet.tables
        layouts = [self._layout(t) for t in tables]
        # Column widths: the widest any table needs (set before any row is written).
        ncols = max((len(lay["headers"]) for lay in layouts), default=0)
        for j in range(ncols):
            width = max((lay["widths"][j] for lay in layouts if j < len(lay["widths"])), default=8)
            ws.set_column(j, j, width)
        row = 0
        first_header = None
        for i, (table, lay) in enumerate(zip(tables, layouts)):
            if i:
                row += 1  # a blank row between tables
            if table.title:
                ws.write(row, 0, table.title, self.fmt(bold=True, font_size=12))
                row += 1
            header_row = row
            first_header = header_row if first_header is None else first_header
            self._table(ws, name, table, lay, header_row, autofilter=(i == 0))
            row = header_row + 1 + len(table.frame)
        ws.freeze_panes((first_header or 0) + 1, sheet.freeze_columns)

    def _layout(self, table: Table) -> dict[str, Any]:
        df = table.frame
        headers = _headers(df.columns)
        names = [str(c) for c in df.columns]
        # Widths from the first rows only; the rows themselves are converted one at a
        # time while writing, so a streamed sheet never holds a second copy of the frame.
        sample = list(_rows(df.head(_WIDTH_SAMPLE)))
        widths, formats, header_formats = [], [], []
        for j, (name, header) in enumerate(zip(names, headers)):
            width, wrap = _width(header, [r[j] for r in sample])
            width = table.widths.get(name, width)
            props: dict[str, Any] = {}
            kind = df.dtypes.iloc[j].kind
            if name in table.percent:
                props["num_format"] = "0%"
            elif kind == "f":
                props["num_format"] = "0.00"
            # integers need no format: Excel's General shows them as they are (to 11
            # digits), and a cell without a style costs less to write and to open
            if wrap or name in table.wrap:
                props.update(text_wrap=True, valign="top")
            if name in table.editable:
                props.update(locked=False, bg_color="#FFF8DC", text_wrap=True, valign="top")
            bold = name == table.total_column
            if bold:
                props["bold"] = True
            widths.append(width)
            formats.append(props)
            head: dict[str, Any] = {"bold": True, "text_wrap": True, "valign": "bottom"}
            color = table.colors.get(name)
            if color:
                head.update(bottom=5, bottom_color=color)
            if name in table.editable:
                head.update(bg_color="#FFE58F")
            header_formats.append(head)
        return {
            "headers": headers,
            "names": names,
            "widths": widths,
            "formats": formats,
            "header_formats": header_formats,
        }

    def _table(
        self, ws, sheet: str, table: Table, lay: dict[str, Any], top: int, *, autofilter: bool
    ) -> None:
        headers, n_rows = lay["headers"], len(table.frame)
        ncols = len(headers)
        if not ncols:
            return
        as_table = not self.streaming and n_rows > 0
        if not as_table:
            for j, header in enumerate(headers):
                ws.write_string(top, j, header, self.fmt(**lay["header_formats"][j]))
        colour_j = lay["names"].index(table.color_column) if table.color_column in lay["names"] else None
        last = n_rows - 1
        plain = [self.fmt(**props) for props in lay["formats"]]
        bold = [self.fmt(**{**props, "bold": True}) for props in lay["formats"]]
        write_string, write_number, write_blank = ws.write_string, ws.write_number, ws.write_blank
        for i, values in enumerate(_rows(table.frame)):
            r = top + 1 + i
            formats = bold if table.total_row and i == last else plain
            for j, value in enumerate(values):
                cell_format = formats[j]
                if j == colour_j and isinstance(value, str) and value:
                    cell_format = self.fmt(**{**lay["formats"][j], "bg_color": value})
                kind = type(value)
                if kind is str:
                    write_string(r, j, value, cell_format)
                elif kind is int or kind is float:
                    write_number(r, j, value, cell_format)
                elif value is None:
                    if cell_format is not None:
                        write_blank(r, j, None, cell_format)
                else:  # booleans, dates: xlsxwriter's own choice
                    ws.write(r, j, value, cell_format)
        if as_table:
            ws.add_table(
                top,
                0,
                top + n_rows,
                ncols - 1,
                {
                    "name": self.table_name(sheet),
                    "style": _STYLE,
                    "columns": [
                        {"header": h, "header_format": self.fmt(**hf)}
                        for h, hf in zip(headers, lay["header_formats"])
                    ],
                },
            )
        elif autofilter:
            ws.autofilter(top, 0, top + n_rows, ncols - 1)
        heat = [lay["names"].index(c) for c in table.heatmap if c in lay["names"] and c != table.total_column]
        data_rows = n_rows - (1 if table.total_row else 0)
        if heat and data_rows > 0:
            for lo, hi in _runs(sorted(heat)):
                ws.conditional_format(
                    top + 1,
                    lo,
                    top + data_rows,
                    hi,
                    {
                        "type": "3_color_scale",
                        "min_color": "#FFFFFF",
                        "mid_color": "#FDD49E",
                        "max_color": "#D7301F",
                    },
                )


def overlong_cells(sheets: Sequence[Sheet]) -> list[str]:
    """``sheet 'column': n cells`` for each column holding text longer than an Excel
    cell can (those cells are written cut short, ending with ``…``)."""
    found = []
    for sheet in sheets:
        for table in sheet.tables:
            for j, name in enumerate(table.frame.columns):
                column = table.frame.iloc[:, j]
                if column.dtype.kind not in "OUT" and not pd.api.types.is_string_dtype(column):
                    continue
                lengths = column.map(lambda v: len(v) if isinstance(v, str) else 0)
                n = int((lengths > _EXCEL_MAX_CELL).sum())
                if n:
                    found.append(f"{sheet.name} '{name}': {n} cell{'s' if n > 1 else ''}")
    return found


def _runs(columns: list[int]) -> list[tuple[int, int]]:
    """Contiguous runs of column numbers, so a heatmap never shades a column between."""
    runs: list[tuple[int, int]] = []
    for c in columns:
        if runs and c == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], c)
        else:
            runs.append((c, c))
    return runs


def write_workbook(
    path: str | Path,
    *,
    about: Sequence[tuple[str, Any]],
    sheets: Sequence[Sheet],
    constant_memory: bool | None = None,
) -> Path:
    """Write an About sheet (key/value lines) then each sheet; atomically.

    ``constant_memory``: ``None`` chooses streaming when the sheets hold more than
    :data:`LARGE_CELLS` data cells. Sheet names are made legal and unique
    (:func:`sheet_name`)."""
    path = Path(path)
    if constant_memory is None:
        constant_memory = sum(s.cells for s in sheets) > LARGE_CELLS
    cut = overlong_cells(sheets)
    if cut:
        about = [
            *about,
            (
                "Cut to fit Excel",
                f"A cell holds at most {_EXCEL_MAX_CELL:,} characters: these cells "
                "were longer and end with '…' (the whole text is in the project, "
                "the quote bank and the CSV exports): " + "; ".join(cut) + ".",
            ),
        ]
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(
            str(tmp),
            {
                "strings_to_urls": False,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "constant_memory": constant_memory,
            },
        )
        writer = _Writer(book, streaming=constant_memory)
        ws = book.add_worksheet("About")
        ws.set_column(0, 0, 24)
        ws.set_column(1, 1, 100)
        ws.write(0, 0, "qda research database", writer.fmt(bold=True, font_size=14))
        for i, (key, value) in enumerate(about, start=2):
            ws.write(i, 0, key, writer.fmt(bold=True, valign="top"))
            ws.write(i, 1, _cell(value), writer.fmt(text_wrap=True, valign="top"))
        taken = ["About"]
        for sheet in sheets:
            name = sheet_name(sheet.name, taken)
            taken.append(name)
            writer.sheet(sheet, name)
        book.close()
    return path
