"""Reading a coding sheet back: its cells as marks, checked against the project.

:func:`read_coding_sheet` reads the file (refusing moved or renamed columns, marks other
than ``x`` or ``1``, rows without an id, a segment on two rows); :func:`resolve_sheet`
checks what it read against the project (the same project and coder, codes still in the
codebook, segments still there, text the person may have edited) and turns the rows into
:class:`~qda.coding.marks.Mark` objects. The layout it reads is
:mod:`qda.coding.sheets`'. Files in, plain data out.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qda.codebook import Codebook
from qda.coding.marks import Mark, Resolved, replaced_message
from qda.coding.sheets import (
    EXCEL_MAX_CELL,
    FORMAT,
    FORMAT_VERSION,
    HEADER_ROW,
    MARKS,
    META,
    SHEET,
    CodingSheet,
    SheetRow,
)
from qda.errors import InputError
from qda.offsets import quote

__all__ = ["is_mark", "read_coding_sheet", "resolve_sheet"]


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
    return True if text.lower() in MARKS else None


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


def _list(items: list[str], n: int = 5) -> str:
    more = f" and {len(items) - n} more" if len(items) > n else ""
    return ", ".join(items[:n]) + more


def _same_text(stored: str, given: str | None) -> bool:
    if given is None:
        return False
    if given == stored:
        return True
    # A cell holds at most 32,767 characters: the sheet shows longer text cut short.
    return len(stored) > EXCEL_MAX_CELL and given == stored[: EXCEL_MAX_CELL - 1] + "…"


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
