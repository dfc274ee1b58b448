"""Reading spreadsheet cells: the one reader behind survey tables and framework summaries.

:func:`read_sheet` gives one sheet of an ``.xlsx``/``.xlsm`` as raw cells (no header
interpretation, so callers can find their header row and report rows as the
spreadsheet numbers them), after refusing a zip bomb; :func:`cell_text` turns a cell
into the text qda stores; :func:`column_letter` names a column as the spreadsheet does.
"""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import pandas as pd

from qda.errors import InputError
from qda.ingest.source import check_zip_parts, normalise_newlines

__all__ = ["cell_text", "column_letter", "excel_engine", "read_sheet"]


def excel_engine() -> str:
    """calamine (5-8x faster) when installed, else openpyxl (a dependency of qda)."""
    return "calamine" if importlib.util.find_spec("python_calamine") else "openpyxl"


def read_sheet(
    path: Path, data: bytes, *, sheet: str | None = None, what: str = "spreadsheet", hint: str = ""
) -> tuple[pd.DataFrame, str]:
    """The cells of ``sheet`` (default: the first) as objects, no header row taken, and
    the sheet's name. ``what`` names the file in a zip-bomb refusal; ``hint`` says what to
    do when the workbook has no sheet of that name. Other read errors are the caller's to
    word (calamine, openpyxl and zipfile raise many types)."""
    check_zip_parts(path, data, what)
    with pd.ExcelFile(io.BytesIO(data), engine=excel_engine()) as book:
        names = [str(n) for n in book.sheet_names]
        name = names[0] if sheet is None else sheet
        if name not in names:
            raise InputError(
                f"{path.name}: no sheet {sheet!r} (sheets: {', '.join(names)})"
                + (f"; {hint}" if hint else "")
            )
        return pd.read_excel(book, sheet_name=name, header=None, dtype=object), name


def cell_text(value: object) -> str:
    """A cell as text: empty for a blank, ``12`` for the 12.0 a spreadsheet gives, a date
    (without a midnight time) in ISO form, newlines as ``\\n``, surrounding space removed."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    isoformat = getattr(value, "isoformat", None)
    if isoformat is not None and not isinstance(value, str):
        text = isoformat()
        return text[:10] if text.endswith("T00:00:00") or text.endswith(" 00:00:00") else text
    return normalise_newlines(str(value)).strip()


def column_letter(index: int) -> str:
    """The spreadsheet's name of the 0-based column ``index``: 0 -> A, 26 -> AA (past
    Excel's last column too: a CSV may have more columns than a sheet)."""
    letters, n = "", index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
