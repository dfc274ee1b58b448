"""CSV cells safe to open in a spreadsheet, and read back exactly.

A CSV cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
run as a formula by Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)``,
``+cmd|' /C calc'!A0``). Transcripts and code names are untrusted text, so every CSV qda
writes has such text cells prefixed with a single quote, as OWASP advises for CSV meant for
spreadsheets; a spreadsheet shows the cell as text without the quote.

The prefix must not change what qda reads back (``qda code import`` of its own codings CSV,
a participants template, a pseudonymisation key, framework summaries). The rule is a
bijection: a text cell matching ``'*[=+\\-@\\t\\r]`` (any number of quotes, then a trigger)
gets one more quote on writing; on reading, a cell matching ``'+[=+\\-@\\t\\r]`` loses one.
So ``-5 degrees`` is written ``'-5 degrees`` and read back ``-5 degrees``, and text that
really starts with a quote before a trigger (``'=x``) is written ``''=x`` and read back
``'=x``. Text starting with a quote before anything else (``'tis``) is never touched. A
cell typed as ``'=x`` in Excel and saved as CSV arrives as ``=x`` (the quote only marks
text there), so files from Excel read the same way. Numbers (a negative offset or
confidence in a number column) are numbers, not formulas, and are written as they are.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import IO, Any

import pandas as pd

__all__ = ["protect", "protect_cell", "unprotect_cell", "unprotect_frame", "write_csv"]

_TRIGGERS = "=+-@\t\r"
_WRITE = re.compile(rf"'*[{re.escape(_TRIGGERS)}]")
_READ = re.compile(rf"'+[{re.escape(_TRIGGERS)}]")


def protect_cell(value: Any) -> Any:
    """``value`` with a quote before it when a spreadsheet would run it as a formula."""
    if isinstance(value, str) and _WRITE.match(value):
        return "'" + value
    return value


def unprotect_cell(value: Any) -> Any:
    """The text :func:`protect_cell` was given (a cell it did not change is returned)."""
    if isinstance(value, str) and _READ.match(value):
        return value[1:]
    return value


def protect(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and column names) are safe in a spreadsheet."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(protect_cell)
    out.columns = [protect_cell(c) for c in out.columns]
    return out


def unprotect_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` read from a CSV qda wrote, with its cells and column names as given."""
    out = df.map(unprotect_cell)
    out.columns = [unprotect_cell(c) for c in out.columns]
    return out


def write_csv(df: pd.DataFrame, target: str | Path | IO[str] | None = None) -> None:
    """``df`` as UTF-8 CSV to ``target`` (standard output when None), cells protected."""
    protect(df).to_csv(
        sys.stdout if target is None else target,
        index=False,
        **({"encoding": "utf-8"} if isinstance(target, (str, Path)) else {}),
    )
