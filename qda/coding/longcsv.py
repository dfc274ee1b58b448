"""The long coding CSV: one row per coding (or per reviewed segment with no code).

Columns (design contract): ``segment_id,document,participant,start,end,code,coder,source,
status,confidence,text``. On import either ``segment_id`` or ``document,start,end`` is
required; ``start,end`` beside a ``segment_id`` make a span row inside that segment; an
empty ``code`` records that the coder reviewed the segment and found no code applies;
``text`` is ignored (compared with the stored text only to warn). This module checks the
file's shape; the project resolves ids and offsets against its documents.
"""

from __future__ import annotations

import bisect
import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qda.coding.marks import Mark, Resolved, replaced_message
from qda.csvcells import unprotect_cell, write_csv
from qda.errors import InputError
from qda.offsets import quote

__all__ = ["COLUMNS", "CsvRow", "read_long_csv", "resolve_csv", "write_long_csv"]

COLUMNS = (
    "segment_id",
    "document",
    "participant",
    "start",
    "end",
    "code",
    "coder",
    "source",
    "status",
    "confidence",
    "text",
)


@dataclass(frozen=True)
class CsvRow:
    row: int  # data row number (the header is row 1)
    segment_id: str | None
    document: str | None
    start: int | None
    end: int | None
    code: str | None  # None: reviewed, no code applies
    coder: str | None
    text: str | None


def _value(record: dict, key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _offset(path: Path, number: int, key: str, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        as_float = float(value)
    except ValueError:
        as_float = None
    if as_float is None or as_float != int(as_float) or as_float < 0:
        raise InputError(
            f"{path}: row {number}: {key} {value!r} is not a character offset (a whole number, 0 or more)"
        )
    return int(as_float)


def read_long_csv(path: str | Path) -> list[CsvRow]:
    """Read and shape-check a long coding CSV (UTF-8, with or without a BOM)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    header, records = _read_records(path)
    _check_header(path, header)
    rows = []
    for number, record in enumerate(records, start=2):
        if None in record:  # more cells than headers
            raise InputError(f"{path}: row {number} has more cells than the header has columns")
        if any(v and v.strip() for v in record.values()):
            rows.append(_csv_row(path, number, record))
    return rows


def _read_records(path: Path) -> tuple[list[str], list[dict]]:
    """The header and the rows as dicts, cells as qda wrote them (see :mod:`qda.csvcells`)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            first = fh.readline()
            fh.seek(0)
            # Excel in many European locales saves "CSV" with semicolons; tabs also happen.
            delimiter = next((d for d in ";\t" if d in first and "," not in first), ",")
            reader = csv.DictReader(fh, delimiter=delimiter)
            header = [unprotect_cell(h.strip()) for h in (reader.fieldnames or []) if h is not None]
            reader.fieldnames = header
            records = [{k: v if k is None else unprotect_cell(v) for k, v in r.items()} for r in reader]
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as CSV UTF-8"
        ) from exc
    except csv.Error as exc:
        raise InputError(f"{path}: is not a readable CSV file ({exc})") from exc
    return header, records


def _check_header(path: Path, header: list[str]) -> None:
    if "code" not in header or not ("segment_id" in header or {"document", "start", "end"} <= set(header)):
        missing = ["code"] if "code" not in header else []
        if "segment_id" not in header:
            missing += [c for c in ("document", "start", "end") if c not in header]
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; a long coding CSV needs 'code' "
            "and either 'segment_id' or 'document,start,end' (found: "
            f"{', '.join(header) or 'no header'})"
        )
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise InputError(f"{path}: column(s) {', '.join(dupes)} appear more than once")


def _csv_row(path: Path, number: int, record: dict) -> CsvRow:
    """One non-blank row, checked on its own: offsets, a place, a person's coding."""
    start = _offset(path, number, "start", _value(record, "start"))
    end = _offset(path, number, "end", _value(record, "end"))
    if (start is None) != (end is None):
        raise InputError(f"{path}: row {number}: give both start and end, or neither")
    if start is not None and end is not None and start >= end:
        raise InputError(f"{path}: row {number}: start {start} is not before end {end}")
    sid = _value(record, "segment_id")
    doc = _value(record, "document")
    if sid is None and (doc is None or start is None):
        raise InputError(f"{path}: row {number}: give a segment_id, or a document with start and end offsets")
    source, status = _value(record, "source"), _value(record, "status")
    if source not in (None, "human"):
        raise InputError(
            f"{path}: row {number} is a {source!r} coding, not a person's; "
            "import only human codings (export them with `qda codings "
            "--source human --coder NAME`) or leave 'source' empty"
        )
    if status not in (None, "accepted"):
        raise InputError(
            f"{path}: row {number} has status {status!r}; a person's coding is "
            "'accepted' (or leave 'status' empty)"
        )
    text = record.get("text")
    return CsvRow(
        number, sid, doc, start, end, _value(record, "code"), _value(record, "coder"), text if text else None
    )


def write_long_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a long coding table (the design's columns first) atomically, as UTF-8, with
    cells a spreadsheet would run as formulas quoted (:mod:`qda.csvcells`)."""
    from qda.files import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp:
        write_csv(df, tmp)
    return path


def resolve_csv(
    path: str | Path,
    rows: list[CsvRow],
    *,
    coder: str,
    codes: Iterable[str],
    spans: Mapping[str, tuple[str, int, int]],
    texts: Mapping[str, str],
    names: Mapping[str, str],
    replaced: Mapping[str, str] | None = None,
) -> Resolved:
    """Check CSV rows against the project: ``spans`` (segment -> (document, start, end)),
    ``texts`` (document -> stored text), ``names`` (document name -> id)."""
    path = Path(path)
    known = set(codes)
    by_doc: dict[str, list[tuple[int, int, str]]] = {}
    for segment, (document, seg_start, seg_end) in spans.items():
        by_doc.setdefault(document, []).append((seg_start, seg_end, segment))
    for segs in by_doc.values():
        segs.sort()
    out = Resolved("csv", codes=None, rows=len(rows))
    for r in rows:
        where = f"{path}: row {r.row}"
        if r.coder is not None and r.coder != coder:
            raise InputError(
                f"{where} is coder {r.coder!r}'s, not {coder!r}'s; import each "
                "coder's rows with their own --coder (or leave 'coder' empty)"
            )
        if r.code is not None and r.code not in known:
            raise InputError(
                f"{where}: unknown code {r.code!r}; use the codebook's ids (see "
                "`qda codebook show`) or add the code to the codebook"
            )
        doc = _document_of(where, r.document, texts, names)
        if r.segment_id is not None:
            sid, doc = _named_segment(where, r, doc, spans, replaced or {})
        elif doc is not None and r.start is not None and r.end is not None:
            sid = _segment_at(where, doc, r.start, r.end, len(texts[doc]), by_doc.get(doc, []))
        else:  # read_long_csv refuses such a row
            raise InputError(f"{where}: give a segment_id, or a document with start and end offsets")
        sdoc, sstart, send = spans[sid]
        exact = r.start is not None and r.end is not None
        start, end = (r.start, r.end) if r.start is not None and r.end is not None else (sstart, send)
        stored = quote(texts[doc], start, end, document=doc)
        if r.text is not None and r.text.strip() != stored.strip():
            out.edited.append((f"row {r.row}", sid))
        out.segments.add(sid)
        out.reviewed[sid] = doc
        if r.code is not None:
            out.marks.append(Mark(sid, doc, start, end, r.code, exact=exact))
    return out


def _document_of(
    where: str, document: str | None, texts: Mapping[str, str], names: Mapping[str, str]
) -> str | None:
    """The id of the document a row names (by id or by name), None when it names none."""
    if document is None:
        return None
    doc = document if document in texts else names.get(document)
    if doc is None:
        raise InputError(f"{where}: unknown document {document!r}; see `qda segments` for the document ids")
    return doc


def _named_segment(
    where: str,
    r: CsvRow,
    doc: str | None,
    spans: Mapping[str, tuple[str, int, int]],
    replaced: Mapping[str, str],
) -> tuple[str, str]:
    """(segment, document) of a row that names its segment; its offsets must lie inside."""
    sid = r.segment_id
    assert sid is not None
    if sid not in spans and sid in replaced:
        raise InputError(f"{where}: " + replaced_message(sid, replaced[sid]))
    if sid not in spans:
        raise InputError(f"{where}: unknown segment id {sid!r}; see `qda segments` for the ids")
    sdoc, sstart, send = spans[sid]
    if doc is not None and doc != sdoc:
        raise InputError(f"{where}: segment {sid!r} is in {sdoc!r}, not in {doc!r}")
    if r.start is not None and r.end is not None and not (sstart <= r.start and r.end <= send):
        raise InputError(
            f"{where}: offsets {r.start}-{r.end} are outside segment {sid!r} "
            f"({sstart}-{send}); a span row must lie inside its segment"
        )
    return sid, sdoc


def _segment_at(
    where: str, doc: str, start: int, end: int, text_len: int, segs: list[tuple[int, int, str]]
) -> str:
    """The segment of ``doc`` (``segs``: sorted (start, end, id)) holding ``start:end``."""
    if end > text_len:
        raise InputError(
            f"{where}: offsets {start}-{end} run past the end of {doc!r} ({text_len} characters)"
        )
    i = bisect.bisect_right(segs, (start, float("inf"), "")) - 1
    if i < 0 or not (segs[i][0] <= start and end <= segs[i][1]):
        raise InputError(
            f"{where}: offsets {start}-{end} of {doc!r} do not lie inside one "
            "segment (they cross a segment boundary or fall between segments); split "
            "the row at the boundary"
        )
    return segs[i][2]
