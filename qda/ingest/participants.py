"""The participants sheet: who each speaker is, and their attributes.

CSV or XLSX with a ``participant`` column, optional ``document`` and ``speaker``
columns, optional ``label``, and any attribute columns (group, role, location,
method, ...). Headers are matched case-insensitively and stored lower-case.

A row with document and speaker maps that speaker in that document; with only
document, the document's respondent (every non-interviewer speaker without a
more specific row); with only speaker, that label in every document.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from qda.csvcells import unprotect_frame
from qda.errors import ParticipantsError
from qda.ingest.source import RESERVED_ATTRIBUTES, document_key, normalise_newlines

__all__ = ["ParticipantsSheet", "read_participants"]

_RESERVED = {"participant", "document", "speaker", "label"}


def _norm_speaker(label: str) -> str:
    return unicodedata.normalize("NFC", " ".join(label.split()).casefold())


@dataclass(frozen=True)
class ParticipantsSheet:
    path: Path
    rows: pd.DataFrame  # reserved columns + attributes + '__row__' (sheet row number)
    attribute_names: tuple[str, ...]

    def participants(self) -> dict[str, dict[str, object]]:
        """participant id -> {'label': ..., 'attributes': {...}} (rows merged)."""
        out: dict[str, dict[str, object]] = {}
        attrs_of: dict[str, dict[str, object]] = {}
        seen_at: dict[tuple[str, str], int] = {}
        for rec in self.rows.to_dict("records"):
            pid = rec["participant"]
            if pid not in out:
                out[pid] = {"label": rec["label"] or pid, "attributes": {}}
            attrs = attrs_of.setdefault(pid, {})
            for name in self.attribute_names:
                value = rec[name]
                if value == "":
                    continue
                if name in attrs and attrs[name] != value:
                    raise ParticipantsError(
                        f"{self.path}: row {rec['__row__']}: participant {pid!r} has {name} "
                        f"{value!r}, but row {seen_at[(pid, name)]} says {attrs[name]!r}; "
                        "make them agree"
                    )
                attrs[name] = value
                seen_at.setdefault((pid, name), rec["__row__"])
        for pid, entry in out.items():
            entry["attributes"] = {n: attrs_of.get(pid, {}).get(n) for n in self.attribute_names}
        return out

    def unknown_documents(self, known_ids: Iterable[str]) -> list[tuple[int, str]]:
        """(row, document) of the rows naming a document the project does not have (yet):
        a study-wide sheet may name transcripts imported later."""
        known = set(known_ids)
        return [
            (rec["__row__"], rec["document"])
            for rec in self.rows.to_dict("records")
            if rec["document"] and document_key(rec["document"]) not in known
        ]

    def unknown_documents_warning(self, known_ids: Iterable[str]) -> str | None:
        """One sentence listing the rows of documents not in the project, or None."""
        unknown = self.unknown_documents(known_ids)
        if not unknown:
            return None
        names = list(dict.fromkeys(doc for _, doc in unknown))
        shown = ", ".join(repr(n) for n in names[:12])
        more = f" and {len(names) - 12} more" if len(names) > 12 else ""
        rows = ", ".join(str(r) for r, _ in unknown[:12])
        return (
            f"{self.path}: {len(unknown)} row(s) (row {rows}{'...' if len(unknown) > 12 else ''}) "
            f"name {len(names)} document(s) not in the project ({shown}{more}); they are "
            "used when those documents are imported. Check the spelling if they should "
            "already be there"
        )

    def unmatched_speakers(self, speakers: Iterable[tuple[str, str]]) -> list[str]:
        """A warning for each row naming a speaker no document it applies to has (``Anna``
        where the transcript says ``Ana``), with the closest label there. ``speakers``:
        (document id, label) pairs of the project. Rows naming a document not in the
        project are left to :meth:`unknown_documents_warning`."""
        by_doc: dict[str, dict[str, str]] = {}
        for doc, label in speakers:
            if label:
                by_doc.setdefault(doc, {})[_norm_speaker(label)] = label
        everywhere = {k: v for labels in by_doc.values() for k, v in labels.items()}
        out = []
        for rec in self.rows.to_dict("records"):
            if not rec["speaker"]:
                continue
            doc = document_key(rec["document"]) if rec["document"] else ""
            if doc and doc not in by_doc:
                continue
            labels = by_doc[doc] if doc else everywhere
            spk = _norm_speaker(rec["speaker"])
            if spk in labels:
                continue
            close = difflib.get_close_matches(spk, list(labels), n=1, cutoff=0.6)
            where = f" in {doc}" if doc else " in any document"
            hint = (
                f"the closest label is {labels[close[0]]!r}"
                if close
                else "no label there is close"
                + (f" (labels: {', '.join(sorted(labels.values())[:8])})" if labels else "")
            )
            out.append(
                f"{self.path}: row {rec['__row__']}: speaker {rec['speaker']!r} matches "
                f"no speaker{where}; {hint}: correct the sheet or the transcript, or "
                f"participant {rec['participant']!r} has no words"
            )
        return out

    def lookup(self, document_id: str, speaker: str | None) -> str | None:
        """The participant for a speaker in a document, by the sheet's precedence."""
        spk = _norm_speaker(speaker) if speaker else ""
        rows = self._index
        return (
            (rows.get((document_id, spk)) if spk else None)
            or rows.get((document_id, ""))
            or (rows.get(("", spk)) if spk else None)
        )

    @cached_property
    def _index(self) -> Mapping[tuple[str, str], str]:
        index = {}
        for rec in self.rows.to_dict("records"):
            key = (
                document_key(rec["document"]) if rec["document"] else "",
                _norm_speaker(rec["speaker"]) if rec["speaker"] else "",
            )
            if key != ("", ""):
                index[key] = rec["participant"]
        return index


def _check_fields(path: Path, text: str, header_row: int) -> None:
    """Refuse a row with more fields than the header, wherever it is: pandas would make the
    first column an index when the first data row has one too many (an unquoted comma in
    ``Kent, UK``), shifting every column silently."""
    reader = csv.reader(io.StringIO(text))
    width, line = None, 0
    for record in reader:
        start, line = line + 1, reader.line_num
        if start < header_row or not any(f.strip() for f in record):
            continue
        if width is None:
            width = len(record)
        elif len(record) > width:
            raise ParticipantsError(
                f"{path}: line {start}: {len(record)} fields where the header has {width}; "
                "a value holding a comma (such as 'Kent, UK') must be in double quotes "
                '("Kent, UK"): quote it, or save the sheet from Excel as CSV UTF-8'
            )


def read_participants(path: str | Path) -> ParticipantsSheet:
    """Read and validate a participants sheet (CSV or XLSX)."""
    path = Path(path)
    if not path.exists():
        raise ParticipantsError(f"{path}: no such participants sheet")
    df, header_row = _read_frame(path)
    df = _rows(path, df, header_row)
    _check_mappings(path, df)
    sheet = ParticipantsSheet(
        path=path, rows=df.reset_index(drop=True), attribute_names=_attribute_names(path, df)
    )
    sheet.participants()  # validates conflicting attributes now, at the edge
    return sheet


def _read_frame(path: Path) -> tuple[pd.DataFrame, int]:
    """The sheet's cells under its header, and the header's row number (1-based)."""
    suffix = path.suffix.lower()
    header_row = 1
    try:
        if suffix == ".csv":
            # Blank lines are kept so that row numbers are the sheet's; leading ones are
            # skipped so that the header is the first non-blank line.
            text = path.read_text(encoding="utf-8-sig")
            leading = re.match(r"(?:[ \t]*(?:\r\n|\r|\n))*", text)
            header_row += normalise_newlines(leading.group() if leading else "").count("\n")
            _check_fields(path, text, header_row)
            df = pd.read_csv(
                io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                skiprows=header_row - 1,
                skip_blank_lines=False,
                index_col=False,
            )
            # a template qda wrote: cells it quoted for spreadsheets
            return unprotect_frame(df), header_row
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl"), header_row
    except ParticipantsError:
        raise
    except UnicodeDecodeError as exc:
        raise ParticipantsError(f"{path}: is not UTF-8 text; save it as CSV UTF-8") from exc
    except pd.errors.EmptyDataError as exc:
        raise ParticipantsError(f"{path}: is empty; it needs a header row with 'participant'") from exc
    except (pd.errors.ParserError, ValueError, OSError) as exc:
        raise ParticipantsError(f"{path}: cannot be read as a participants sheet: {exc}") from exc
    except Exception as exc:  # openpyxl/zipfile raise many types for a corrupt .xlsx
        raise ParticipantsError(f"{path}: cannot be read as a spreadsheet: {exc}") from exc
    raise ParticipantsError(
        f"{path}: a participants sheet must be .csv or .xlsx, not {suffix or 'no extension'}"
    )


def _rows(path: Path, df: pd.DataFrame, header_row: int) -> pd.DataFrame:
    """Columns named the house's way, cells stripped, ``__row__`` the sheet's row number,
    blank rows dropped; every row names its participant."""
    df.columns = [str(c).strip().lower().replace(" ", "_") for c in df.columns]
    if "participant" not in df.columns:
        raise ParticipantsError(
            f"{path}: has no 'participant' column (found: {', '.join(df.columns) or 'none'}); "
            "add one naming each participant"
        )
    dupes = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    if dupes:
        raise ParticipantsError(f"{path}: column {dupes[0]!r} appears twice; keep one")
    df = df.map(lambda v: "" if v is None else str(v).strip())
    for col in ("document", "speaker", "label"):
        if col not in df.columns:
            df[col] = ""
    df["__row__"] = range(header_row + 1, len(df) + header_row + 1)  # spreadsheet row numbers
    df = df[(df.drop(columns="__row__") != "").any(axis=1)]  # blank lines are not rows
    if df.empty:
        raise ParticipantsError(f"{path}: has a header but no participants")
    for rec in df.to_dict("records"):
        if not rec["participant"]:
            raise ParticipantsError(f"{path}: row {rec['__row__']}: the participant cell is empty")
    return df


def _check_mappings(path: Path, df: pd.DataFrame) -> None:
    """No document and speaker mapped to two participants."""
    seen: dict[tuple[str, str], tuple[str, int]] = {}
    for rec in df.to_dict("records"):
        key = (document_key(rec["document"]) if rec["document"] else "", _norm_speaker(rec["speaker"]))
        if key == ("", ""):
            continue
        if key in seen and seen[key][0] != rec["participant"]:
            raise ParticipantsError(
                f"{path}: row {rec['__row__']}: maps the same document and speaker as row "
                f"{seen[key][1]} to another participant ({rec['participant']!r} vs "
                f"{seen[key][0]!r}); keep one"
            )
        seen.setdefault(key, (rec["participant"], rec["__row__"]))


def _attribute_names(path: Path, df: pd.DataFrame) -> tuple[str, ...]:
    """The attribute columns; one named like a column of qda's tables is refused."""
    attributes = tuple(c for c in df.columns if c not in _RESERVED and c != "__row__")
    clash = [c for c in attributes if c in RESERVED_ATTRIBUTES]
    if clash:
        raise ParticipantsError(
            f"{path}: column {clash[0]!r} cannot be a participant attribute: qda's segment "
            f"and coding tables already have a column of that name (reserved: "
            f"{', '.join(sorted(RESERVED_ATTRIBUTES - _RESERVED))}); rename it in the "
            f"header row (e.g. to {clash[0] + '_attribute'!r})"
        )
    return attributes
