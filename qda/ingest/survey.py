"""Survey tables (.csv, .xlsx): one row per respondent, open answers as segments.

``options.text_columns`` are the answer columns and ``options.id_column`` the
respondent; without them qda finds them: the answer columns are those of free text
(several words on average, mostly different from row to row), the respondent column
one named like id/respondent/participant with unique values, else the first column
with unique values, else the row number. Every other column is an attribute of the
respondent (``SourceDocument.respondents``).

Each non-empty answer is a turn of its respondent with ``question`` = the column. The
stored text lays them out as ``R001 — What helps?\\n<answer>\\n\\n``; a turn's offsets
cover exactly the answer. Blank rows and columns around the table are skipped.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

from qda.errors import InputError
from qda.ingest.source import (
    RESERVED_ATTRIBUTES,
    ReadOptions,
    SourceDocument,
    attribute_column,
    normalise_newlines,
)
from qda.ingest.speakers import Turn
from qda.ingest.spreadsheet import cell_text, column_letter, read_sheet
from qda.ingest.text import decode_text

__all__ = ["read_survey", "detect_text_columns"]

_ID_NAME = re.compile(
    r"(?:^|[\W_])(id|respondent|participant|respondent[\W_]*id|"
    r"participant[\W_]*id|response[\W_]*id|case[\W_]*id)(?:$|[\W_])",
    re.I,
)
_MIN_MEAN_WORDS = 4  # free text: at least this many words per answer on average ...
_MIN_UNIQUE_SHARE = 0.8  # ... and mostly different answers (unlike a 'role' column)
_LONG_TEXT_WORDS = 12  # or this many words on average, however repetitive


def _read_grid(path: Path, data: bytes) -> tuple[pd.DataFrame, str | None]:
    """The raw cells (all strings, no header yet) and the sheet name."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm") or data.startswith(b"PK\x03\x04"):
            grid, sheet = read_sheet(path, data)
            return grid.map(cell_text), sheet
        text = normalise_newlines(decode_text(data, path)[0])
        first = next((line for line in text.split("\n") if line.strip()), "")
        sep = max([",", ";", "\t"], key=first.count)  # Excel writes ';' in some locales
        # Blank lines above the header are skipped here (pandas finds no columns in them)
        # and put back as blank rows so that row numbers are the file's.
        lines = text.split("\n")
        blank = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
        grid = pd.read_csv(
            io.StringIO("\n".join(lines[blank:])),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            sep=sep,
        )
        grid.index = grid.index + blank
        # Every cell is already a string with \n newlines: only the strip of _cell is left
        # to do, column by column (a call per cell cost seconds on 100,000 answers).
        return grid.apply(lambda col: col.fillna("").str.strip()), None
    except InputError:
        raise
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"{path}: has no rows; a survey table needs a header row") from exc
    except pd.errors.ParserError as exc:
        raise InputError(
            f"{path}: cannot be read as CSV ({exc}); check the quoting of "
            "answers that hold commas or line breaks"
        ) from exc
    except Exception as exc:  # zipfile, calamine and openpyxl raise many types for a bad .xlsx
        raise InputError(
            f"{path}: cannot be read as a spreadsheet ({type(exc).__name__}: "
            f"{exc}); open it and save it again as .xlsx or CSV UTF-8"
        ) from exc


def _table(path: Path, grid: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Header from the first non-blank row; returns the table and its header's row number
    (1-based, as the spreadsheet shows it). Blank rows and columns are dropped."""
    grid = grid.loc[:, (grid != "").any(axis=0)]
    filled = (grid != "").any(axis=1)
    if not filled.any():
        raise InputError(f"{path}: has no rows; a survey table needs a header row and answers")
    top = filled.idxmax()
    header = [h or f"column {column_letter(int(c))}" for h, c in zip(grid.loc[top], grid.columns)]
    seen: dict[str, int] = {}
    for name in header:
        key = name.casefold()
        if key in seen:
            raise InputError(f"{path}: row {top + 1}: column {name!r} appears twice; rename one of them")
        seen[key] = 1
    body = grid.loc[top + 1 :].copy()
    body.columns = header
    body["__row__"] = body.index + 1
    body = body[(body.drop(columns="__row__") != "").any(axis=1)]
    if body.empty:
        raise InputError(f"{path}: has a header (row {top + 1}) but no responses")
    return body.reset_index(drop=True), top + 1


def _match(wanted: str, columns: list[str]) -> str | None:
    return next((c for c in columns if c.casefold() == wanted.strip().casefold()), None)


def _find(path: Path, wanted: str, columns: list[str], what: str) -> str:
    found = _match(wanted, columns)
    if found is not None:
        return found
    raise InputError(
        f"{path}: has no {what} column {wanted!r}; its columns are: {', '.join(repr(c) for c in columns)}"
    )


def detect_text_columns(table: pd.DataFrame, columns: list[str]) -> list[str]:
    """Columns of free-text answers: several words on average, mostly all different."""
    chosen = []
    for c in columns:
        values = [v for v in table[c] if v]
        if not values or all(re.fullmatch(r"[-+]?[\d.,:/ %]+", v) for v in values):
            continue
        mean_words = sum(len(v.split()) for v in values) / len(values)
        unique = len(set(values)) / len(values)
        if mean_words >= _LONG_TEXT_WORDS or (mean_words >= _MIN_MEAN_WORDS and unique >= _MIN_UNIQUE_SHARE):
            chosen.append(c)
    return chosen


def _detect_id(table: pd.DataFrame, columns: list[str]) -> str | None:
    def unique(c):
        values = list(table[c])
        return all(values) and len(set(values)) == len(values)

    named = [c for c in columns if _ID_NAME.search(c) and unique(c)]
    if named:
        return named[0]
    return next((c for c in columns if unique(c) and max(len(v) for v in table[c]) <= 40), None)


def read_survey(path: Path, data: bytes, options: ReadOptions) -> SourceDocument:
    grid, sheet = _read_grid(path, data)
    table, header_row = _table(path, grid)
    columns = [c for c in table.columns if c != "__row__"]
    warnings: list[str] = []
    id_column, text_columns = _choose_columns(path, table, columns, options, warnings)
    ids = _respondent_ids(path, table, id_column)
    attributes = [c for c in columns if c != id_column and c not in text_columns]
    # A column named like one of qda's table columns (start, text, unit, ...) would clash
    # with it wherever attributes are joined; it is kept under ``attribute_<name>``.
    names = {
        c: (attribute_column(c, [c]) if c.strip().lower().replace(" ", "_") in RESERVED_ATTRIBUTES else c)
        for c in attributes
    }
    warnings += [
        f"{path.name}: column {c!r} is a respondent attribute named like a column of "
        f"qda's tables; it is kept as {n!r} (rename the column to choose another name)"
        for c, n in names.items()
        if n != c
    ]
    text, turns, respondents = _lay_out(table, ids, text_columns, names)
    if not turns:
        raise InputError(
            f"{path}: the answer column(s) {', '.join(map(repr, text_columns))} are empty in every row"
        )
    metadata = {
        "id_column": id_column,
        "text_columns": text_columns,
        "attribute_columns": attributes,
        "header_row": header_row,
        "respondents": len(respondents),
        "detected": _detected(options, columns),
    }
    if sheet is not None:
        metadata["sheet"] = sheet
    return SourceDocument(
        name=path.name,
        format="survey",
        text=text,
        turns=turns,
        labelled=True,
        metadata=metadata,
        unit="response",
        respondents=respondents,
        warnings=warnings,
    )


def _choose_columns(
    path: Path, table: pd.DataFrame, columns: list[str], options: ReadOptions, warnings: list[str]
) -> tuple[str | None, list[str]]:
    """(id column or None for row numbers, answer columns): as named in ``options``, else
    found; with ``lenient_columns`` a named column the file lacks is found instead, with
    a warning appended to ``warnings``."""
    lenient = options.lenient_columns
    id_column = None
    if options.id_column:
        id_column = _match(options.id_column, columns)
        if id_column is None and not lenient:
            _find(path, options.id_column, columns, "id")
    named = [_match(c, columns) for c in options.text_columns]
    if not lenient:
        named = [_find(path, c, columns, "text") for c in options.text_columns]
    text_columns = list(dict.fromkeys(c for c in named if c))
    if text_columns:
        if id_column in text_columns:
            raise InputError(f"{path}: column {id_column!r} cannot be both the id column and a text column")
    else:
        text_columns = detect_text_columns(table, [c for c in columns if c != id_column])
        if not text_columns:
            raise InputError(
                f"{path}: no column of free-text answers found (columns: "
                f"{', '.join(repr(c) for c in columns)}); name them with --text-column"
            )
        if options.text_columns:
            warnings.append(
                f"{path.name}: has none of the named text columns "
                f"({', '.join(map(repr, options.text_columns))}); its answers were read from "
                f"the columns qda found: {', '.join(map(repr, text_columns))}"
            )
    if id_column is None:
        id_column = _detect_id(table, [c for c in columns if c not in text_columns])
        if options.id_column:
            warnings.append(
                f"{path.name}: has no id column {options.id_column!r}; respondents "
                + (f"are named by the column {id_column!r}" if id_column else "are named by their row number")
            )
    return id_column, text_columns


def _respondent_ids(path: Path, table: pd.DataFrame, id_column: str | None) -> list[str]:
    """Each row's respondent: its id (present and unique), else ``row N``."""
    if id_column is None:
        return [f"row {r}" for r in table["__row__"]]
    ids = list(table[id_column])
    first: dict[str, int] = {}
    for rid, row in zip(ids, table["__row__"]):
        if not rid:
            raise InputError(
                f"{path}: row {row}: the {id_column!r} cell is empty; give every respondent an id"
            )
        if rid in first:
            raise InputError(
                f"{path}: row {row}: respondent {rid!r} already has row {first[rid]}; one row per respondent"
            )
        first[rid] = row
    return ids


def _lay_out(
    table: pd.DataFrame, ids: list[str], text_columns: list[str], names: dict[str, str]
) -> tuple[str, list[Turn], dict[str, dict[str, str]]]:
    """The stored text (``R001 — question`` then the answer, per non-empty answer), a turn
    per answer covering exactly it, and each respondent's attributes (``names``: column ->
    attribute name)."""
    parts: list[str] = []
    turns: list[Turn] = []
    respondents: dict[str, dict[str, str]] = {}
    pos = 0
    attr_values = [(names[c], table[c].tolist()) for c in names]
    answer_values = [table[c].tolist() for c in text_columns]
    for i, rid in enumerate(ids):
        respondents[rid] = {name: v[i] for name, v in attr_values if v[i]}
        for question, values in zip(text_columns, answer_values):
            answer = values[i]
            if not answer:
                continue
            heading = f"{rid} — {question}\n"
            start = pos + len(heading)
            turns.append(Turn(start, start + len(answer), rid, False, question=question))
            block = f"{heading}{answer}\n\n"
            parts.append(block)
            pos += len(block)
    return "".join(parts).rstrip("\n") + "\n", turns, respondents


def _detected(options: ReadOptions, columns: list[str]) -> list[str]:
    """Which of id_column and text_columns qda found rather than was given."""
    detected = []
    if not options.id_column or _match(options.id_column, columns) is None:
        detected.append("id_column")
    if not options.text_columns or not any(_match(c, columns) for c in options.text_columns):
        detected.append("text_columns")
    return detected
