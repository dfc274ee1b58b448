"""The coding sheet (.xlsx): its layout, and writing it for a person to fill.

One row per segment, one column per code grouped under its theme, ``x`` (or ``1``) in
a cell codes that segment with that code; a ``done`` column says the person read a
row even if no code applies. A hidden ``qda`` sheet records the project, the coder,
the codebook version and which code each column is, so a sheet from another project
or with moved columns is refused (:mod:`qda.coding.sheetread` reads it back). This
module only touches files: the project turns
marks into codings (:func:`qda.coding.marks.plan_import` says which to add and which are
in conflict).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from qda.codebook import Codebook
from qda.errors import InputError
from qda.files import atomic_path

__all__ = ["CodingSheet", "FIELDS", "SheetRow", "write_coding_sheet"]

SHEET, HELP, META = "Coding", "Instructions", "qda"
FORMAT = "qda coding sheet"
FORMAT_VERSION = "1"
#: The segment columns, left of the marks (frozen with the header rows).
FIELDS = ("segment_id", "document", "participant", "speaker", "text")
HEADER_ROW = 1  # 0-based row of the column headers; themes are in the row above
MARKS = ("x", "1")
EXCEL_MAX_CELL = 32767

INSTRUCTIONS = (
    "How to fill this coding sheet",
    "",
    "Each row is one segment (a speaker's turn, paragraph or sentence) and each coloured "
    "column on the right is a code, grouped under its theme. Hover over a code's header "
    "to read its definition: what it covers, when to use it and when not.",
    "Type x (or 1) in a code's column to code the row with that code. Leave the cell empty "
    "otherwise. A row can have several codes.",
    "Type x in the 'done' column of a row you have read and found NO code for. Rows with "
    "at least one mark count as done anyway. Rows with no mark and no 'done' count as NOT "
    "YET CODED, so you can stop at any point and import what you have: only what you "
    "marked is recorded.",
    "The 'suggestions' column shows codes that the rules or a learned model suggested, "
    "with their confidence. They are hints only: nothing is coded unless you mark it.",
    "Do not edit the text, the segment ids or the column headers, and do not add, remove "
    "or move columns: the sheet is read back by its segment ids and its columns. You may "
    "sort and filter the rows, hide columns and change widths and colours.",
    "Marks already in the sheet are your earlier codings. Removing a mark does not delete "
    "the coding: the import reports it as a conflict, and only `qda code import "
    "--remove-unmarked` archives it (never deletes it).",
    "When you are done, import the sheet with: qda code import THIS_FILE --coder YOUR_NAME",
)


@dataclass(frozen=True)
class SheetRow:
    row: int  # the row number as Excel shows it
    segment_id: str
    text: str | None
    marks: frozenset[str]  # code ids marked on this row
    done: bool


@dataclass
class CodingSheet:
    path: Path
    meta: dict[str, str]
    codes: list[str]  # the code ids of the mark columns, in order
    rows: list[SheetRow] = field(default_factory=list)


# ----------------------------------------------------------------------------- writing
def _font_for(color: str) -> str:
    """Black or white text, whichever reads better on ``color`` ('#RRGGBB')."""
    try:
        r, g, b = (int(color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return "#000000"
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#FFFFFF"


def _tint(color: str, amount: float = 0.75) -> str:
    """A light tint of ``color`` for marked cells."""
    try:
        rgb = [int(color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)]
    except ValueError:
        return "#DDDDDD"
    return "#" + "".join(f"{round(c + (255 - c) * amount):02X}" for c in rgb)


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str) and len(value) > EXCEL_MAX_CELL:
        return value[: EXCEL_MAX_CELL - 1] + "…"
    return value.item() if hasattr(value, "item") else value


@dataclass(frozen=True)
class _Layout:
    """Where everything goes on the Coding sheet (0-based columns and rows)."""

    columns: list[tuple[str, str]]  # (kind, key): field, suggestions, done, code, attribute
    runs: list[tuple[str, int, int]]  # (theme id, first column, last column) of the codes
    first_code: int
    last_code: int
    done_col: int
    last_row: int


def _layout(codebook: Codebook, codes: Sequence[str], attributes: Sequence[str], n_rows: int) -> _Layout:
    columns: list[tuple[str, str]] = [("field", f) for f in FIELDS]
    columns += [("suggestions", "suggestions"), ("done", "done")]
    columns += [("code", c) for c in codes]
    columns += [("attribute", a) for a in attributes]
    first_code = len(FIELDS) + 2
    runs: list[tuple[str, int, int]] = []
    for j, code_id in enumerate(codes, start=first_code):
        root = codebook.root(code_id)
        if runs and runs[-1][0] == root and runs[-1][2] == j - 1:
            runs[-1] = (root, runs[-1][1], j)
        else:
            runs.append((root, j, j))
    return _Layout(
        columns, runs, first_code, first_code + len(codes) - 1, first_code - 1, HEADER_ROW + max(n_rows, 1)
    )


def _formats(book: Any) -> dict[str, Any]:
    """The workbook's shared cell formats, by name."""
    return {
        "bold": book.add_format({"bold": True, "valign": "bottom", "bg_color": "#F2F2F2", "bottom": 1}),
        "title": book.add_format({"bold": True, "italic": True, "valign": "vcenter"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "top": book.add_format({"valign": "top"}),
        "small": book.add_format(
            {"text_wrap": True, "valign": "top", "font_color": "#555555", "font_size": 9}
        ),
        "mark": book.add_format({"align": "center", "valign": "top"}),
    }


def _write_theme_row(
    book: Any, ws: Any, layout: _Layout, codebook: Codebook, meta: Mapping[str, str], fmt: Mapping[str, Any]
) -> dict[str, str]:
    """Row 0: a note over the segment columns, then one merged header per theme.
    Returns each theme's colour."""
    ws.set_row(0, 30)
    note = (
        f"Coder: {meta.get('coder') or '(not named)'}. Type x in a code's column; "
        "x in 'done' for a row with no code. See the Instructions sheet."
    )
    ws.merge_range(0, 0, 0, layout.done_col, note, fmt["title"])
    theme_color: dict[str, str] = {}
    for root, a, b in layout.runs:
        color = codebook.color(root) or "#D9D9D9"
        cell = book.add_format(
            {
                "bold": True,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                "border": 1,
                "bg_color": color,
                "font_color": _font_for(color),
            }
        )
        theme_color[root] = color
        name = codebook.get(root).name
        if a == b:
            ws.write(0, a, name, cell)
        else:
            ws.merge_range(0, a, 0, b, name, cell)
    return theme_color


def _write_headers(
    book: Any,
    ws: Any,
    layout: _Layout,
    codebook: Codebook,
    theme_color: Mapping[str, str],
    fmt: Mapping[str, Any],
) -> None:
    """Row 1: column headers; codes rotated, with their definition as a comment."""
    ws.set_row(HEADER_ROW, 130)
    for j, (kind, key) in enumerate(layout.columns):
        if kind == "code":
            color = theme_color[codebook.root(key)]
            cell = book.add_format(
                {
                    "bold": True,
                    "rotation": 90,
                    "align": "center",
                    "valign": "bottom",
                    "bottom": 5,
                    "bottom_color": color,
                    "bg_color": _tint(color, 0.85),
                    "border": 1,
                    "border_color": "#BFBFBF",
                }
            )
            ws.write(HEADER_ROW, j, key, cell)
            ws.write_comment(
                HEADER_ROW, j, codebook.definition(key), {"x_scale": 3, "y_scale": 4, "author": "qda"}
            )
        else:
            ws.write(HEADER_ROW, j, key, fmt["bold"])


def _set_widths(ws: Any, layout: _Layout, fmt: Mapping[str, Any]) -> None:
    widths = {
        "segment_id": 16,
        "document": 14,
        "participant": 12,
        "speaker": 11,
        "text": 70,
        "suggestions": 24,
        "done": 5,
    }
    for j, (kind, key) in enumerate(layout.columns):
        if kind == "code":
            ws.set_column(j, j, 3.6, fmt["mark"])
        elif kind == "attribute":
            ws.set_column(j, j, min(max(len(key) + 3, 10), 24), fmt["top"])
        else:
            ws.set_column(
                j,
                j,
                widths[key],
                {"text": fmt["wrap"], "suggestions": fmt["small"], "done": fmt["mark"]}.get(key, fmt["top"]),
            )


def _write_rows(
    ws: Any,
    layout: _Layout,
    segments: pd.DataFrame,
    marks: set[tuple[str, str]],
    done: set[str],
    suggestions: Mapping[str, str],
) -> None:
    """One row per segment: its fields and attributes, suggestions, done and marks."""
    data = segments.reset_index(drop=True)
    for i, rec in enumerate(data.to_dict("records"), start=HEADER_ROW + 1):
        sid = rec["segment_id"]
        for j, (kind, key) in enumerate(layout.columns):
            if kind in ("field", "attribute"):
                value = _cell(rec.get(key))
                if value is not None:
                    ws.write_string(i, j, str(value))
            elif kind == "suggestions":
                if suggestions.get(sid):
                    ws.write_string(i, j, suggestions[sid])
            elif kind == "done":
                if sid in done:
                    ws.write_string(i, j, "x")
            elif (sid, key) in marks:
                ws.write_string(i, j, "x")


def _guard_marks(book: Any, ws: Any, layout: _Layout, theme_color: Mapping[str, str]) -> None:
    """Only marks go in; marked cells take a tint of their theme's colour."""
    rule = {
        "validate": "list",
        "source": list(MARKS),
        "ignore_blank": True,
        "input_title": "Mark",
        "error_type": "stop",
        "error_title": "Not a mark",
        "error_message": "Type x (or 1) to mark, or leave the cell empty.",
    }
    first, last_row, done_col = HEADER_ROW + 1, layout.last_row, layout.done_col
    if layout.runs:
        ws.data_validation(
            first,
            layout.first_code,
            last_row,
            layout.last_code,
            {
                **rule,
                "input_message": "x (or 1): this row is coded with this code. "
                "Empty: it is not. Hover over the header for the definition.",
            },
        )
        for root, a, b in layout.runs:
            ws.conditional_format(
                first,
                a,
                last_row,
                b,
                {
                    "type": "no_blanks",
                    "format": book.add_format({"bg_color": _tint(theme_color[root], 0.55), "bold": True}),
                },
            )
    ws.data_validation(
        first,
        done_col,
        last_row,
        done_col,
        {
            **rule,
            "input_message": "x: you read this row and no code applies. "
            "Rows with a mark count as done anyway.",
        },
    )
    ws.conditional_format(
        first,
        done_col,
        last_row,
        done_col,
        {"type": "no_blanks", "format": book.add_format({"bg_color": "#E2EFDA"})},
    )


def _write_instructions(
    book: Any, meta: Mapping[str, str], n_segments: int, n_codes: int, fmt: Mapping[str, Any]
) -> None:
    help_ws = book.add_worksheet(HELP)
    help_ws.set_column(0, 0, 110, fmt["wrap"])
    help_ws.write(0, 0, INSTRUCTIONS[0], book.add_format({"bold": True, "font_size": 14}))
    for i, line in enumerate(INSTRUCTIONS[1:], start=1):
        help_ws.write(i, 0, line, fmt["wrap"])
    facts = [
        ("Coder", meta.get("coder") or "(not named)"),
        ("Project", meta.get("project", "")),
        ("Codebook version", meta.get("codebook_version", "")),
        ("Written", meta.get("created_at", "")),
        ("Segments", str(n_segments)),
        ("Codes", str(n_codes)),
    ]
    for i, (key, value) in enumerate(facts, start=len(INSTRUCTIONS) + 1):
        help_ws.write(i, 0, f"{key}: {value}", fmt["top"])


def _write_meta(book: Any, meta: Mapping[str, str], layout: _Layout) -> None:
    """The hidden sheet the reader checks: format, project, coder and each column's key."""
    meta_ws = book.add_worksheet(META)
    info = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        **meta,
        "sheet": SHEET,
        "header_row": str(HEADER_ROW + 1),
    }
    for i, (key, value) in enumerate(info.items()):
        meta_ws.write_string(i, 0, key)
        meta_ws.write_string(i, 1, "" if value is None else str(value))
    base = len(info) + 1
    meta_ws.write_row(base, 0, ["column", "kind", "key"])
    for j, (kind, key) in enumerate(layout.columns):
        meta_ws.write_row(base + 1 + j, 0, [j + 1, kind, key])
    meta_ws.hide()


def write_coding_sheet(
    path: str | Path,
    *,
    segments: pd.DataFrame,
    attributes: Sequence[str],
    codebook: Codebook,
    codes: Sequence[str],
    marks: set[tuple[str, str]],
    done: set[str],
    suggestions: Mapping[str, str],
    meta: Mapping[str, str],
) -> Path:
    """Write the sheet. ``segments`` has the :data:`FIELDS` columns and ``attributes``;
    ``marks`` are (segment, code) pairs to pre-fill, ``done`` segments already reviewed."""
    import xlsxwriter

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(f"{path}: a coding sheet is an Excel workbook; name it .xlsx")
    layout = _layout(codebook, codes, attributes, len(segments))
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(
            str(tmp), {"strings_to_urls": False, "strings_to_formulas": False, "strings_to_numbers": False}
        )
        fmt = _formats(book)
        ws = book.add_worksheet(SHEET)
        theme_color = _write_theme_row(book, ws, layout, codebook, meta, fmt)
        _write_headers(book, ws, layout, codebook, theme_color, fmt)
        _set_widths(ws, layout, fmt)
        _write_rows(ws, layout, segments, marks, done, suggestions)
        _guard_marks(book, ws, layout, theme_color)
        ws.freeze_panes(HEADER_ROW + 1, len(FIELDS))
        ws.autofilter(HEADER_ROW, 0, layout.last_row, len(layout.columns) - 1)
        ws.activate()
        _write_instructions(book, meta, len(segments), len(codes), fmt)
        _write_meta(book, meta, layout)
        book.close()
    return path
