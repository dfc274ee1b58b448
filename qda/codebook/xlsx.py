"""Codebook as an Excel workbook: one row per code, written to be edited by hand.

Sheet ``Codes`` (or the first sheet), a header row, then one row per code:

- ``path``: the code's place in the tree, its ancestors' names and its own joined by
  ``" / "`` (a slash with a space each side): ``Benefits / Benefits to staff``. A row's
  parent is the row whose path is this path without its last part, wherever that row
  is in the sheet; a parent that no row has is an error. Leave ``name`` empty to use
  the path's last part; a ``name`` that differs from the last part renames the code
  and keeps its place (so a name may itself contain ``" / "``).
- ``id``: optional; an empty id is made from the name (``benefits_to_staff``, unique).
- ``description``, ``include``, ``exclude``: text.
- ``examples``, ``keywords``, ``exclude_keywords``: one item per line in the cell.
- ``patterns``: one spaCy token pattern per line, as JSON: ``[{"LOWER": "home"}]``.
- ``proximity``: one window rule per line, as JSON:
  ``{"terms": ["family", "appointment"], "within": 5}``.
- ``color``: ``#RRGGBB``.

Sheet ``Codebook`` (optional) holds ``name``, ``version`` and ``description`` as
field/value rows. Other sheets (the ``Help`` sheet we write) are ignored.
Only ``path`` or ``name`` is required; columns may come in any order, headers in
any case (``Exclude keywords`` = ``exclude_keywords``). Errors name the file, the
sheet and the row.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from qda.codebook.checks import ID, check_color, check_patterns, check_proximity, unique_slug
from qda.codebook.model import Codebook
from qda.errors import CodebookError

__all__ = ["read_codebook_xlsx", "write_codebook_xlsx", "XLSX_COLUMNS"]

XLSX_COLUMNS = (
    "path",
    "id",
    "name",
    "description",
    "include",
    "exclude",
    "examples",
    "keywords",
    "exclude_keywords",
    "patterns",
    "proximity",
    "color",
)
SEPARATOR = " / "
_SPLIT = re.compile(r"\s+/\s+")
_TEXT = ("path", "name", "description", "include", "exclude")
_LISTS = ("examples", "keywords", "exclude_keywords")
_META = ("name", "version", "description")
_WIDTHS = {
    "path": 42,
    "id": 24,
    "name": 34,
    "description": 60,
    "include": 40,
    "exclude": 48,
    "examples": 44,
    "keywords": 26,
    "exclude_keywords": 22,
    "patterns": 36,
    "proximity": 36,
    "color": 10,
}


# ------------------------------------------------------------------------- reading
def read_codebook_xlsx(path: str | Path) -> Codebook:
    """Read a codebook workbook; errors name the file, sheet and row."""
    path = Path(path)
    book = _open(path)
    try:
        names = {s.lower(): s for s in book.sheetnames}
        sheet = book[names.get("codes", book.sheetnames[0])]
        meta = _read_meta(book[names["codebook"]], path) if "codebook" in names else {}
        rows = list(sheet.iter_rows(values_only=True))
    except CodebookError:
        raise
    except Exception as exc:  # zlib, zip and XML errors: sheets are read lazily, row by row
        raise CodebookError(
            f"{path}: a sheet of this workbook cannot be read "
            f"({type(exc).__name__}: {exc}); is the file damaged? Save it "
            "from Excel as .xlsx again"
        ) from exc
    finally:
        book.close()
    where_sheet = f"{path}, sheet {sheet.title!r}"
    if not rows or not any(_filled(v) for v in rows[0]):
        raise CodebookError(
            f"{where_sheet}, row 1: no header row; the first row names the columns: {', '.join(XLSX_COLUMNS)}"
        )
    columns = _header(rows[0], where_sheet)
    records = []
    for number, values in enumerate(rows[1:], start=2):
        cells = {col: values[i] if i < len(values) else None for col, i in columns.items()}
        if any(_filled(v) for v in cells.values()):
            records.append((number, cells))
    if not records:
        raise CodebookError(f"{where_sheet}: has no codes; add one row per code under the header")
    codes = _codes(records, where_sheet)
    return Codebook.from_rows(
        [c for c, _ in codes],
        where={c["id"]: w for c, w in codes},
        name=meta.get("name") or path.stem,
        version=meta.get("version") or "1",
        description=meta.get("description", ""),
    )


def _open(path: Path):
    from openpyxl import load_workbook

    if not path.exists():
        raise CodebookError(f"{path}: no such codebook file")
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zip, zlib, XML and format errors of a damaged package
        raise CodebookError(
            f"{path}: is not an Excel workbook (.xlsx) that can be read ({exc}); save it from Excel as .xlsx"
        ) from exc


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _header(row: tuple, where: str) -> dict[str, int]:
    columns: dict[str, int] = {}
    for i, value in enumerate(row):
        if not _filled(value):
            continue
        col = re.sub(r"[\s-]+", "_", str(value).strip().lower())
        if col not in XLSX_COLUMNS:
            raise CodebookError(
                f"{where}, row 1: unknown column {value!r}; allowed: {', '.join(XLSX_COLUMNS)}"
            )
        if col in columns:
            raise CodebookError(f"{where}, row 1: column {value!r} appears twice")
        columns[col] = i
    if "path" not in columns and "name" not in columns:
        raise CodebookError(f"{where}, row 1: needs a 'path' or a 'name' column")
    return columns


def _read_meta(sheet, path: Path) -> dict[str, str]:
    meta: dict[str, str] = {}
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if not values or not _filled(values[0]):
            continue
        key = str(values[0]).strip().lower()
        if number == 1 and key == "field":
            continue
        if key not in _META:
            raise CodebookError(
                f"{path}, sheet {sheet.title!r}, row {number}: unknown field "
                f"{values[0]!r}; allowed: {', '.join(_META)}"
            )
        value = values[1] if len(values) > 1 else None
        meta[key] = _text(value, f"{path}, sheet {sheet.title!r}, row {number}", key)
    return meta


def _text(value: Any, where: str, column: str) -> str:
    """A cell as text; numbers are written out, dates and true/false are refused."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.time, dt.timedelta)):
        raise CodebookError(
            f"{where}: the {column} cell is not text (Excel made it "
            f"{value!r}); format the cell as Text and type it again"
        )
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _strict_text(value: Any, where: str, column: str, what: str) -> str:
    """A cell that must have been typed as text (lists, ids, colours, patterns)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CodebookError(
            f"{where}: the {what} cell is not text (Excel read it as "
            f"{value!r}); format the {column} cell as Text and type it again"
        )
    return value.strip()


def _codes(records: list[tuple[int, dict]], where_sheet: str) -> list[tuple[dict, str]]:
    parsed: list[tuple[int, dict]] = []
    keys: dict[str, int] = {}
    for number, cells in records:
        where = f"{where_sheet}, row {number}"
        raw_path = _text(cells.get("path"), where, "path")
        name = _text(cells.get("name"), where, "name")
        if not raw_path and not name:
            raise CodebookError(f"{where}: has no path and no name; give the code a name")
        key = SEPARATOR.join(_SPLIT.split(raw_path)) if raw_path else name
        if name and (key == name or key.endswith(SEPARATOR + name)):
            parent = key[: -len(name)][: -len(SEPARATOR)] or None
        else:
            parent, _, last = key.rpartition(SEPARATOR)
            parent = parent or None
            name = name or last
        if not name.strip() or (parent is not None and not all(parent.split(SEPARATOR))):
            raise CodebookError(
                f"{where}: path {raw_path!r} has an empty level; levels are names separated by {SEPARATOR!r}"
            )
        if key in keys:
            raise CodebookError(
                f"{where}: path {key!r} is also on row {keys[key]}; each code "
                "needs its own path (rename one of them)"
            )
        keys[key] = number
        parsed.append((number, {**cells, "key": key, "parent_key": parent, "name": name}))
    ids: dict[str, int] = {}
    for number, row in parsed:  # explicit ids first, so a made-up id never takes one
        code_id = _strict_text(row.get("id"), f"{where_sheet}, row {number}", "id", "id")
        if code_id:
            if not ID.match(code_id):
                raise CodebookError(
                    f"{where_sheet}, row {number}: id {code_id!r} must be "
                    "lower-case letters, digits, '_' or '-', starting with a "
                    "letter (or leave it empty to make one from the name)"
                )
            if code_id in ids:
                raise CodebookError(
                    f"{where_sheet}, row {number}: duplicate id {code_id!r} "
                    f"(also on row {ids[code_id]}); give each code its own id"
                )
            ids[code_id] = number
        row["id"] = code_id
    taken = set(ids)
    id_of: dict[str, str] = {}
    for _, row in parsed:
        row["id"] = row["id"] or unique_slug(row["name"], taken)
        id_of[row["key"]] = row["id"]
    out = []
    for number, row in parsed:
        where = f"{where_sheet}, row {number}: code {row['id']!r}"
        if row["parent_key"] is not None and row["parent_key"] not in id_of:
            raise CodebookError(
                f"{where}: its parent {row['parent_key']!r} is missing: no row "
                f"has that path; add a row for it or fix the path (levels are "
                f"separated by {SEPARATOR!r})"
            )
        out.append((_code(row, id_of, where), f"{where_sheet}, row {number}"))
    return out


def _code(row: dict, id_of: dict[str, str], where: str) -> dict:
    code = {
        "id": row["id"],
        "name": row["name"].strip(),
        "parent": id_of.get(row["parent_key"]) if row["parent_key"] else None,
    }
    for col in ("description", "include", "exclude"):
        code[col] = _text(row.get(col), where, col)
    for col in _LISTS:
        what = col.rstrip("s").replace("_", " ")
        cell = _strict_text(row.get(col), where, col, what)
        code[col] = tuple(line.strip() for line in cell.splitlines() if line.strip())
    patterns = _json_lines(row, "patterns", where, "pattern", '[{"LOWER": "home"}, {"LEMMA": "visit"}]')
    check_patterns(row["id"], patterns, where)
    code["patterns"] = tuple(patterns)
    rules = _json_lines(
        row, "proximity", where, "proximity rule", '{"terms": ["family", "appointment"], "within": 5}'
    )
    code["proximity"] = check_proximity(rules, where)
    code["color"] = check_color(_strict_text(row.get("color"), where, "color", "colour"), where)
    return code


def _json_lines(row: dict, col: str, where: str, what: str, example: str) -> list:
    """A cell of one JSON value per line (patterns, proximity rules)."""
    out = []
    cell = _strict_text(row.get(col), where, col, col)
    for i, line in enumerate((ln for ln in cell.splitlines() if ln.strip()), start=1):
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise CodebookError(
                f"{where}: {what} {i} is not JSON ({exc.msg}); write one "
                f"{what.split()[-1]} per line, e.g. {example}"
            ) from exc
    return out


# ------------------------------------------------------------------------- writing
def write_codebook_xlsx(codebook: Codebook, path: str | Path) -> None:
    """Write the codebook as a workbook a person can edit and load again."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    try:
        head = book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
        )
        cell = {"text_wrap": True, "valign": "top", "num_format": "@"}
        plain = book.add_format(cell)
        levels: dict[int, Any] = {}
        sheet = book.add_worksheet("Codes")
        for col, name in enumerate(XLSX_COLUMNS):
            sheet.write_string(0, col, name, head)
            sheet.set_column(col, col, _WIDTHS[name], plain)
        frame = codebook.to_frame()
        for r, row in enumerate(frame.to_dict("records"), start=1):
            depth = int(row["depth"])
            if depth not in levels:
                levels[depth] = book.add_format({**cell, "indent": depth - 1})
            values = {
                "path": row["path"],
                "id": row["code_id"],
                "name": row["name"],
                "description": row["description"],
                "include": row["include"],
                "exclude": row["exclude"],
                "examples": "\n".join(row["examples"]),
                "keywords": "\n".join(row["keywords"]),
                "exclude_keywords": "\n".join(row["exclude_keywords"]),
                "patterns": "\n".join(json.dumps(p, ensure_ascii=False) for p in row["patterns"]),
                "proximity": "\n".join(json.dumps(p, ensure_ascii=False) for p in row["proximity"]),
                "color": row["color"] if isinstance(row["color"], str) else "",
            }
            for col, name in enumerate(XLSX_COLUMNS):
                fmt = levels[depth] if name == "name" else plain
                if name == "color" and values["color"]:
                    fmt = book.add_format({**cell, "bg_color": values["color"]})
                sheet.write_string(r, col, values[name], fmt)
        sheet.freeze_panes(1, 1)
        sheet.autofilter(0, 0, len(frame), len(XLSX_COLUMNS) - 1)
        meta = book.add_worksheet("Codebook")
        meta.set_column(0, 0, 14, plain)
        meta.set_column(1, 1, 90, plain)
        for r, (key, value) in enumerate(
            [
                ("field", "value"),
                ("name", codebook.name),
                ("version", codebook.version),
                ("description", codebook.description),
            ]
        ):
            meta.write_string(r, 0, key, head if r == 0 else plain)
            meta.write_string(r, 1, value, head if r == 0 else plain)
        meta.freeze_panes(1, 0)
        help_sheet = book.add_worksheet("Help")
        help_sheet.set_column(0, 0, 110, plain)
        for r, line in enumerate(_HELP):
            help_sheet.write_string(r, 0, line, head if r == 0 else plain)
    finally:
        book.close()


_HELP = [
    "How to edit this codebook (qda reads the sheets 'Codes' and 'Codebook'; this one is ignored)",
    "One row per code. 'path' places it in the tree: the names of its ancestors and its own, "
    "separated by ' / ' (a slash with a space each side), e.g. 'Benefits / Benefits to staff'.",
    "A code's parent must have a row of its own. Rows may be in any order; siblings keep the "
    "order of their rows.",
    "'id' may be left empty for a new code: qda makes one from the name. Keep existing ids: "
    "codings are attached to them.",
    "To rename a code, change its 'name' (its path may stay as it is). To move it, change its path.",
    "examples, keywords, exclude_keywords: one item per line in the cell (Alt+Enter in Excel). "
    "Keywords in base form: 'home visit', not 'home visits'.",
    'patterns: one spaCy token pattern per line, as JSON, e.g. [{"LOWER": "home"}, {"LEMMA": "visit"}]',
    "proximity: one window rule per line, as JSON: the terms must all occur within that many "
    'words of each other, e.g. {"terms": ["family", "appointment"], "within": 5} '
    '(add "ordered": true to require that order).',
    "color: '#RRGGBB', e.g. #0072B2. Children without a colour use their parent's.",
    "The 'Codebook' sheet holds the codebook's name, version and description.",
]
