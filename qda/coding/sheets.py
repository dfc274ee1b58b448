"""The coding sheet (.xlsx): written for a person to fill, read back as marks.

One row per segment, one column per code grouped under its theme, ``x`` (or ``1``) in
a cell codes that segment with that code; a ``done`` column says the person read a
row even if no code applies. A hidden ``qda`` sheet records the project, the coder,
the codebook version and which code each column is, so a sheet from another project
or with moved columns is refused. This module only touches files: the project turns
marks into codings (:func:`plan_import` says which to add and which are in conflict).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from qda.codebook import Codebook
from qda.errors import InputError
from qda.files import atomic_path
from qda.offsets import quote

__all__ = [
    "CodingSheet",
    "SheetRow",
    "Mark",
    "ImportPlan",
    "Resolved",
    "write_coding_sheet",
    "read_coding_sheet",
    "resolve_sheet",
    "plan_import",
    "is_mark",
    "FIELDS",
]

SHEET, HELP, META = "Coding", "Instructions", "qda"
FORMAT = "qda coding sheet"
FORMAT_VERSION = "1"
#: The segment columns, left of the marks (frozen with the header rows).
FIELDS = ("segment_id", "document", "participant", "speaker", "text")
HEADER_ROW = 1  # 0-based row of the column headers; themes are in the row above
_MARKS = ("x", "1")
_EXCEL_MAX_CELL = 32767

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


@dataclass(frozen=True)
class Mark:
    """A code a person applied: to the whole segment (``exact=False``: any coding of that
    code inside the segment satisfies it) or to exactly ``start:end`` (span rows)."""

    segment_id: str
    document_id: str
    start: int
    end: int
    code_id: str
    exact: bool = False


@dataclass
class ImportPlan:
    add: list[Mark] = field(default_factory=list)
    already: int = 0
    unmarked: pd.DataFrame | None = None  # the coder's codings the file no longer marks


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
    if isinstance(value, str) and len(value) > _EXCEL_MAX_CELL:
        return value[: _EXCEL_MAX_CELL - 1] + "…"
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
        "source": list(_MARKS),
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


# ----------------------------------------------------------------------------- reading
def is_mark(value: Any) -> bool | None:
    """True for a mark (x, X, 1), False for an empty cell, None for anything else."""
    if value is None:
        return False
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return True if value == 1 else None
    text = str(value).strip()
    if not text:
        return False
    return True if text.lower() in _MARKS else None


def _col(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)


def read_coding_sheet(path: str | Path) -> CodingSheet:
    """Read a filled coding sheet. Raises :class:`InputError` naming the file and the cell
    for anything but a sheet qda wrote with marks only in the mark columns."""
    import openpyxl

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zip, XML and format errors of a file that is no workbook
        raise InputError(
            f"{path}: cannot be read as an Excel workbook ({type(exc).__name__}: "
            f"{exc}); give the .xlsx that `qda code sheet` wrote"
        ) from exc
    try:
        if META not in book.sheetnames:
            raise InputError(
                f"{path}: is not a qda coding sheet (it has no hidden '{META}' "
                "sheet); write one with `qda code sheet F.xlsx --coder NAME`"
            )
        meta, columns = _read_meta(path, book[META])
        sheet_name = meta.get("sheet", SHEET)
        if sheet_name not in book.sheetnames:
            raise InputError(
                f"{path}: the sheet {sheet_name!r} is missing; was it renamed? Name it {sheet_name!r} again"
            )
        return _read_rows(path, book[sheet_name], meta, columns)
    except InputError:
        raise
    except Exception as exc:  # a damaged sheet inside the package is only read row by row
        raise InputError(
            f"{path}: a sheet of this workbook cannot be read ({type(exc).__name__}:"
            f" {exc}); is the file damaged? Give the .xlsx that `qda code sheet` "
            "wrote"
        ) from exc
    finally:
        book.close()


def _read_meta(path: Path, ws) -> tuple[dict[str, str], list[tuple[str, str]]]:
    meta: dict[str, str] = {}
    columns: list[tuple[str, str]] = []
    in_columns = False
    for row in ws.iter_rows(values_only=True):
        a, b, c = (list(row) + [None, None, None])[:3]
        if a is None and b is None:
            continue
        if not in_columns and a == "column" and b == "kind":
            in_columns = True
            continue
        if in_columns:
            columns.append((str(b), str(c)))
        else:
            meta[str(a)] = "" if b is None else str(b)
    if meta.get("format") != FORMAT or not columns:
        raise InputError(
            f"{path}: its '{META}' sheet is not one qda wrote; write a new sheet with `qda code sheet`"
        )
    if meta.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"{path}: coding sheet format {meta.get('format_version')!r} is not "
            f"known to this qda (it reads {FORMAT_VERSION!r}); upgrade qda"
        )
    return meta, columns


def _read_rows(path: Path, ws, meta: dict[str, str], columns: list[tuple[str, str]]) -> CodingSheet:
    header_row = int(meta.get("header_row", HEADER_ROW + 1))
    rows = ws.iter_rows(min_row=header_row, values_only=True)
    header = list(next(rows, ()) or ())
    _check_header(path, header, columns)
    keys = {key: j for j, (kind, key) in enumerate(columns) if kind != "code"}
    codes = [(j, key) for j, (kind, key) in enumerate(columns) if kind == "code"]
    sid_j, text_j, done_j = keys["segment_id"], keys.get("text"), keys["done"]
    width = len(columns)
    out = CodingSheet(path=path, meta=meta, codes=[k for _, k in codes])
    bad: list[str] = []
    for number, values in enumerate(rows, start=header_row + 1):
        values = list(values or ())[:width] + [None] * max(0, width - len(values or ()))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        marked: set[str] = set()
        for j, code_id in codes:
            ok = is_mark(values[j])
            if ok is None:
                bad.append(f"{_col(j)}{number} ({str(values[j])[:20]!r} under {code_id!r})")
            elif ok:
                marked.add(code_id)
        done = is_mark(values[done_j])
        if done is None:
            bad.append(f"{_col(done_j)}{number} ({str(values[done_j])[:20]!r} under 'done')")
        sid = values[sid_j]
        if sid is None or not str(sid).strip():
            if marked or done:
                raise InputError(
                    f"{path}: row {number} has marks but no segment_id; put the "
                    "row's id back (ids are how rows are matched)"
                )
            continue
        text = values[text_j] if text_j is not None else None
        out.rows.append(
            SheetRow(
                number, str(sid).strip(), None if text is None else str(text), frozenset(marked), bool(done)
            )
        )
    if bad:
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise InputError(
            f"{path}: only x or 1 (or an empty cell) may be used as a mark; "
            f"found {', '.join(bad[:5])}{more}. Correct these cells and import "
            "again"
        )
    _check_one_row_per_segment(path, out.rows)
    return out


def _check_header(path: Path, header: list, columns: list[tuple[str, str]]) -> None:
    """The header row still names qda's columns in qda's order, and no others."""
    for j, (_, key) in enumerate(columns):
        got = header[j] if j < len(header) else None
        if got is None or str(got).strip() != key:
            raise InputError(
                f"{path}: column {_col(j)} should be {key!r} but is "
                f"{'empty' if got is None else repr(str(got))}; the sheet's columns were "
                "moved, renamed or deleted. Put them back as written (hide columns instead) "
                "or write a new sheet"
            )
    for j in range(len(columns), len(header)):
        if header[j] is not None and str(header[j]).strip():
            raise InputError(
                f"{path}: column {_col(j)} ({str(header[j]).strip()!r}) is not a column qda "
                "wrote: unknown code. Add the code to the codebook and write a new sheet, or "
                "remove the column"
            )


def _check_one_row_per_segment(path: Path, rows: list[SheetRow]) -> None:
    seen: dict[str, int] = {}
    for r in rows:
        if r.segment_id in seen:
            raise InputError(
                f"{path}: segment {r.segment_id!r} is on rows {seen[r.segment_id]} "
                f"and {r.row}; keep one row per segment"
            )
        seen[r.segment_id] = r.row


# ---------------------------------------------------------------------------- planning
def plan_import(
    marks: Iterable[Mark], existing: pd.DataFrame, *, segments: set[str], codes: set[str] | None
) -> ImportPlan:
    """Compare a person's marks with their codings already in the project.

    ``existing``: that coder's human codings (``coding_id, segment_id, document_id, start,
    end, code_id, created_at``). ``segments`` and ``codes`` (None: every code) say what the
    file covers: a coding there that no mark matches is *unmarked* (a conflict to report,
    never removed unless asked)."""
    plan = ImportPlan()
    by_seg_code: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for sid, code, start, end in zip(
        existing["segment_id"], existing["code_id"], existing["start"], existing["end"]
    ):
        by_seg_code.setdefault((sid, code), []).append((int(start), int(end)))
    wanted_seg: set[tuple[str, str]] = set()
    wanted_span: set[tuple[str, str, int, int]] = set()
    seen: set[Mark] = set()
    for m in marks:
        if m in seen:
            continue
        seen.add(m)
        have = by_seg_code.get((m.segment_id, m.code_id), [])
        if m.exact:
            wanted_span.add((m.segment_id, m.code_id, m.start, m.end))
            hit = (m.start, m.end) in have
        else:
            wanted_seg.add((m.segment_id, m.code_id))
            hit = bool(have)
        if hit:
            plan.already += 1
        else:
            plan.add.append(m)
    in_scope = existing["segment_id"].isin(segments)
    if codes is not None:
        in_scope &= existing["code_id"].isin(codes)
    scoped = existing[in_scope]
    kept = [
        (sid, code) in wanted_seg or (sid, code, int(s), int(e)) in wanted_span
        for sid, code, s, e in zip(scoped["segment_id"], scoped["code_id"], scoped["start"], scoped["end"])
    ]
    plan.unmarked = scoped[~pd.Series(kept, index=scoped.index, dtype=bool)].reset_index(drop=True)
    return plan


@dataclass
class Resolved:
    """What a sheet or CSV says, checked against the project: marks to apply, segments the
    coder reviewed, the file's scope (for conflicts) and rows whose text was edited."""

    kind: str  # "sheet" or "csv"
    marks: list[Mark] = field(default_factory=list)
    reviewed: dict[str, str] = field(default_factory=dict)  # segment -> document
    segments: set[str] = field(default_factory=set)
    codes: set[str] | None = None
    edited: list[tuple[str, str]] = field(default_factory=list)  # (where, segment_id)
    rows: int = 0
    untouched: int = 0
    warnings: list[str] = field(default_factory=list)


def replaced_message(segment_id: str, document: str, count: int = 1) -> str:
    """What to say about a segment id that a new version of its document replaced."""
    others = f" (and {count - 1} more row(s) like it)" if count > 1 else ""
    return (
        f"segment {segment_id} belongs to an earlier version of document {document}"
        f"{others}; write a new coding sheet with `qda code sheet`"
    )


def _list(items: list[str], n: int = 5) -> str:
    more = f" and {len(items) - n} more" if len(items) > n else ""
    return ", ".join(items[:n]) + more


def _same_text(stored: str, given: str | None) -> bool:
    if given is None:
        return False
    if given == stored:
        return True
    # A cell holds at most 32,767 characters: the sheet shows longer text cut short.
    return len(stored) > _EXCEL_MAX_CELL and given == stored[: _EXCEL_MAX_CELL - 1] + "…"


def resolve_sheet(
    sheet: CodingSheet,
    *,
    project_id: str,
    coder: str,
    codebook: Codebook,
    spans: Mapping[str, tuple[str, int, int]],
    texts: Mapping[str, str],
    replaced: Mapping[str, str] | None = None,
) -> Resolved:
    """Check a read sheet against the project (``spans``: segment -> (document, start, end);
    ``replaced``: ids of segments a new version of their document replaced -> document)."""
    path = sheet.path
    if sheet.meta.get("project_id") != project_id:
        raise InputError(
            f"{path}: was written for another project ({sheet.meta.get('project') or 'unknown'}, "
            f"id {sheet.meta.get('project_id') or 'none'}); import it into that project, or "
            "write a sheet from this one with `qda code sheet`"
        )
    written_for = sheet.meta.get("coder") or ""
    if written_for and written_for != coder:
        raise InputError(
            f"{path}: was written for coder {written_for!r}, not {coder!r}; import "
            f"it with --coder {written_for!r}"
        )
    unknown = [c for c in sheet.codes if c not in codebook]
    if unknown:
        raise InputError(
            f"{path}: unknown code(s) {_list(unknown)}: not in the project's "
            "codebook (renamed or removed since the sheet was written?); load a "
            "codebook that has them or write a new sheet"
        )
    replaced = replaced or {}
    stale = [r for r in sheet.rows if r.segment_id not in spans and r.segment_id in replaced]
    if stale:
        raise InputError(
            f"{path}: row {stale[0].row}: "
            + replaced_message(stale[0].segment_id, replaced[stale[0].segment_id], len(stale))
        )
    missing = [f"{r.segment_id!r} (row {r.row})" for r in sheet.rows if r.segment_id not in spans]
    if missing:
        raise InputError(
            f"{path}: unknown segment id(s) {_list(missing)}; the ids must be as "
            "the sheet was written (see `qda segments`)"
        )
    out = Resolved(
        "sheet", segments={r.segment_id for r in sheet.rows}, codes=set(sheet.codes), rows=len(sheet.rows)
    )
    written_with = sheet.meta.get("codebook_version", "")
    if written_with != codebook.version:
        out.warnings.append(
            f"{path.name} was written with codebook version {written_with or '?'}; the project "
            f"now has version {codebook.version}: the marks were read by code id, but check "
            "that the definitions the coder saw still hold"
        )
    for r in sheet.rows:
        doc, start, end = spans[r.segment_id]
        if not _same_text(quote(texts[doc], start, end, document=doc), r.text):
            out.edited.append((f"row {r.row}", r.segment_id))
        out.marks += [Mark(r.segment_id, doc, start, end, c) for c in sorted(r.marks)]
        if r.marks or r.done:
            out.reviewed[r.segment_id] = doc
        else:
            out.untouched += 1
    return out
