"""The framework matrix: participants (rows) by themes, quotes and a summary per cell.

Layout (one header row, so it can be an Excel table): ``participant, label``,
the participant's attributes, then for each code two columns named with the
code's **id** so a column maps back to its code unambiguously:
``<code id> | quotes`` (the participant's segments coded at the code or below
it, in document order, each ``[segment id] quote``, separated by a blank line)
and ``<code id> | summary`` (the researcher's summary, edited in Excel and read
back by :func:`read_framework_summaries`).

A quote is the segment's text; when the segment was coded only on part of its
words (span codings), those parts, joined by `` … ``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from qda.analysis.columns import choose_codes, live_segments
from qda.codebook import Codebook
from qda.csvcells import unprotect_frame
from qda.errors import InputError
from qda.ingest.spreadsheet import cell_text, column_letter, read_sheet
from qda.offsets import quote

__all__ = [
    "FRAMEWORK_SHEET",
    "SEPARATOR",
    "SUMMARY_COLUMNS",
    "framework_column",
    "framework_matrix",
    "parse_framework_column",
    "read_framework_summaries",
]

FRAMEWORK_SHEET = "Framework"
SEPARATOR = " | "
SUMMARY_COLUMNS = ["participant_id", "code_id", "summary"]
_KINDS = ("quotes", "summary")


def framework_column(code_id: str, kind: str) -> str:
    """The header of a framework column: ``framework_column("benefits", "summary")``
    is ``"benefits | summary"``."""
    if kind not in _KINDS:
        raise ValueError(f"kind must be quotes or summary, not {kind!r}")
    return f"{code_id}{SEPARATOR}{kind}"


def parse_framework_column(header: object) -> tuple[str, str] | None:
    """``(code id, "quotes" | "summary")`` for a framework column header, else None."""
    if not isinstance(header, str) or SEPARATOR.strip() not in header:
        return None
    code, _, kind = header.rpartition("|")
    kind = kind.strip().lower()
    if kind not in _KINDS or not code.strip():
        return None
    return code.strip(), kind


def framework_matrix(
    segments: pd.DataFrame,
    codings: pd.DataFrame,
    codebook: Codebook,
    participants: pd.DataFrame,
    texts: Mapping[str, str],
    *,
    depth: int | None = 1,
    codes: Sequence[str] | None = None,
    summaries: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per participant (every participant, in the participants table's order,
    with nothing coded too) with ``participant, label``, their attributes, then
    ``<id> | quotes`` and ``<id> | summary`` for each code chosen by ``depth``/``codes``
    (default: the themes).

    ``segments``: ``segment_id, document_id, participant_id, is_interviewer, start,
    end`` in document order (the store's table); ``codings``: ``segment_id, code_id,
    start, end`` (already chosen); ``texts``: document id -> stored text;
    ``summaries``: ``participant_id, code_id, summary``.
    """
    ids = choose_codes(codebook, depth=depth, codes=codes)
    segs = live_segments(segments)
    segs = segs[segs["participant_id"].notna()].reset_index(drop=True)
    cells = _quote_cells(segs, codings, codebook, ids, texts)
    summary_of: dict[tuple[str, str], str] = {}
    if summaries is not None:
        for r in summaries.itertuples(index=False):
            if isinstance(r.summary, str):
                summary_of[(r.participant_id, r.code_id)] = r.summary

    info = (
        participants.drop(columns=["auto"], errors="ignore")
        .rename(columns={"participant_id": "participant"})
        .reset_index(drop=True)
    )
    listed = set(info["participant"])
    extra = [p for p in dict.fromkeys(segs["participant_id"]) if p not in listed]
    if extra:  # segments of participants missing from the table: still rows
        info = pd.concat([info, pd.DataFrame({"participant": extra, "label": extra})], ignore_index=True)
    columns: dict[str, list[str]] = {}
    for cid in ids:
        columns[framework_column(cid, "quotes")] = [
            "\n\n".join(q for _, q in sorted(cells.get((pid, cid), []))) for pid in info["participant"]
        ]
        columns[framework_column(cid, "summary")] = [
            summary_of.get((pid, cid), "") for pid in info["participant"]
        ]
    return pd.concat([info, pd.DataFrame(columns, index=info.index)], axis=1)


def _quote_cells(
    segs: pd.DataFrame,
    codings: pd.DataFrame,
    codebook: Codebook,
    ids: Sequence[str],
    texts: Mapping[str, str],
) -> dict[tuple[str, str], list[tuple[int, str]]]:
    """(participant, theme) -> (segment's place, ``[segment id] quote``) for each segment
    coded at the theme or below it."""
    order = {s: i for i, s in enumerate(segs["segment_id"].tolist())}
    where = {
        segment_id: (document_id, int(start), int(end), participant_id)
        for segment_id, document_id, start, end, participant_id in zip(
            *(segs[c].tolist() for c in ("segment_id", "document_id", "start", "end", "participant_id"))
        )
    }
    up = codebook.rollup()
    up = up[up["theme_id"].isin(ids)]
    coded = codings.loc[codings["segment_id"].isin(order), ["segment_id", "code_id", "start", "end"]]
    coded = coded.merge(up, on="code_id")
    # One quote per (segment, theme): plain tuples sorted once, not a pandas group each.
    rows = sorted(
        zip(
            coded["segment_id"].tolist(),
            coded["theme_id"].tolist(),
            coded["start"].astype("int64").tolist(),
            coded["end"].astype("int64").tolist(),
        ),
        key=lambda r: (order[r[0]], r[1]),
    )
    cells: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for (segment_id, theme), group in itertools.groupby(rows, key=lambda r: (r[0], r[1])):
        document_id, start, end, participant_id = where[segment_id]
        words = _quote(texts[document_id], start, end, [(r[2], r[3]) for r in group])
        cells.setdefault((participant_id, theme), []).append((order[segment_id], f"[{segment_id}] {words}"))
    return cells


def _quote(text: str, seg_start: int, seg_end: int, spans) -> str:
    """The segment's text, or the coded parts of it joined by `` … ``."""
    whole = quote(text, seg_start, seg_end)
    spans = sorted((max(s, seg_start), min(e, seg_end)) for s, e in spans)
    if any(s <= seg_start and e >= seg_end for s, e in spans):
        return whole
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        elif s < e:
            merged.append([s, e])
    return " … ".join(text[s:e] for s, e in merged) or whole


# --------------------------------------------------------------------- reading back
def read_framework_summaries(
    path_or_frame: str | Path | pd.DataFrame, codebook: Codebook, participants: pd.DataFrame
) -> pd.DataFrame:
    """The summaries in a framework sheet: ``participant_id, code_id, summary`` for every
    **non-empty** summary cell (surrounding whitespace removed), in sheet order.

    ``path_or_frame``: an exported workbook (``.xlsx``/``.xlsm``: its ``Framework``
    sheet), a CSV of the same layout, or a DataFrame already read. The header row
    is the first row with a ``participant`` cell (so title rows above the table are
    allowed). Quote columns and other columns are ignored. Errors name the file,
    sheet, row and column: no ``participant`` column, a ``… | summary`` column of a
    code not in the codebook, an unknown or repeated participant.
    """
    raw, where = _read_raw(path_or_frame)
    header_at = next(
        (i for i, row in raw.iterrows() if any(cell_text(v).lower() == "participant" for v in row)), None
    )
    if header_at is None:
        raise InputError(
            f"{where}: no 'participant' column; the framework sheet needs the "
            "participant ids in a column headed 'participant' (export it with "
            "qda framework --out F.xlsx)"
        )
    header = [cell_text(v) for v in raw.iloc[header_at]]
    first_row = header_at + 2  # rows as a spreadsheet numbers them (header = row 1)
    body = raw.iloc[header_at + 1 :]
    pcol = next(i for i, h in enumerate(header) if h.lower() == "participant")
    summary_cols: list[tuple[int, str]] = []
    for i, h in enumerate(header):
        parsed = parse_framework_column(h)
        if parsed is None or parsed[1] != "summary":
            continue
        if parsed[0] not in codebook:
            raise InputError(
                f"{where}, column {column_letter(i)} ({h!r}): no code "
                f"{parsed[0]!r} in "
                "the project's codebook; keep the column headers as exported "
                "(see `qda codebook show` for the ids)"
            )
        summary_cols.append((i, parsed[0]))
    if not summary_cols:
        raise InputError(
            f"{where}: no '<code id> | summary' columns; export the framework "
            "matrix (qda framework --out F.xlsx) and fill in its summary columns"
        )
    known = set(participants["participant_id"])
    rows: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    for offset, values in enumerate(body.itertuples(index=False)):
        excel_row = first_row + offset
        pid = cell_text(values[pcol])
        cells = [(code, cell_text(values[i])) for i, code in summary_cols]
        if not pid:
            if any(text for _, text in cells):
                raise InputError(
                    f"{where}, row {excel_row}: a summary without a participant "
                    f"in column {column_letter(pcol)}; put the participant id back"
                )
            continue
        if pid not in known:
            raise InputError(
                f"{where}, row {excel_row}, column {column_letter(pcol)}: unknown "
                f"participant {pid!r}; the sheet must come from this project "
                "(see qda participants)"
            )
        if pid in seen:
            raise InputError(
                f"{where}, row {excel_row}: participant {pid!r} again (first on "
                f"row {seen[pid]}); keep one row per participant"
            )
        seen[pid] = excel_row
        rows.extend({"participant_id": pid, "code_id": code, "summary": text} for code, text in cells if text)
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _read_raw(source: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The sheet as cells (no header interpretation) and how to name it in errors."""
    if isinstance(source, pd.DataFrame):
        header = pd.DataFrame([list(source.columns)], columns=range(source.shape[1]))
        body = pd.DataFrame(source.to_numpy(), columns=range(source.shape[1]))
        return pd.concat([header, body], ignore_index=True), "the framework table"
    path = Path(source)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            raw, _ = read_sheet(
                path,
                path.read_bytes(),
                sheet=FRAMEWORK_SHEET,
                what="framework workbook",
                hint="use the workbook qda exported, or a CSV of the framework sheet",
            )
            return raw, f"{path.name}, sheet {FRAMEWORK_SHEET}"
        if suffix == ".csv":
            return (
                unprotect_frame(
                    pd.read_csv(path, header=None, dtype=str, keep_default_na=False, encoding="utf-8-sig")
                ),
                path.name,
            )
    except InputError:
        raise
    except Exception as exc:  # zipfile, calamine, openpyxl and csv raise many types
        raise InputError(f"{path.name}: cannot read it as {suffix[1:]} ({exc})") from None
    raise InputError(
        f"{path.name}: read framework summaries from .xlsx or .csv, "
        f"not {suffix or 'a file without an extension'}"
    )
