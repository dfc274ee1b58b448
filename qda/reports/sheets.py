"""The workbook's sheets: one small builder per sheet, in :data:`SHEETS`.

Each builder takes a :class:`~qda.reports.snapshot.Snapshot` and gives the sheet's
:class:`Page` list: the sheet (a DataFrame with its layout, or none when there is
nothing to show) and the About sheet's line for it. Sheet names are part of the file
contract (people's scripts and ``qda framework import`` read them): add sheets, never
rename one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from qda import __version__, analysis
from qda.export.excel import Sheet, Table
from qda.reports.snapshot import Snapshot
from qda.reports.tables import (
    CROSSTAB_GROUPS,
    codings_table,
    crosstab_attributes,
    segments_with_codes,
)

__all__ = ["SHEETS", "Page", "about_lines", "framework_sheet", "sheet_pages"]


@dataclass(frozen=True)
class Page:
    """One sheet of the workbook as built: its name, the About sheet's line on it, and
    the sheet (None: not written, the line says why)."""

    name: str
    about: str
    sheet: Sheet | None = None


Builder = Callable[[Snapshot], list[Page]]
_PERCENT_MARKS = ("row %", "column %")


def _percent_frame(frame: pd.DataFrame, marks: tuple[str, ...]) -> tuple[pd.DataFrame, list[str]]:
    """Percent columns (0-100) as fractions, so Excel's percent format shows 58%."""
    out = frame.copy()
    percent = [str(c) for c in out.columns if str(c).startswith(marks)]
    for c in percent:
        out[c] = out[c].astype("float64") / 100
    return out, percent


def _colors(snap: Snapshot) -> dict[str, str]:
    """Code id -> its colour (or its nearest ancestor's), for codes that have one."""
    return {cid: color for cid in snap.codebook.ids if (color := snap.codebook.color(cid))}


def participants(snap: Snapshot) -> list[Page]:
    table = snap.participants.rename(columns={"participant_id": "participant"})
    return [
        Page(
            "Participants",
            "One row per participant with their attributes.",
            Sheet("Participants", table.drop(columns=["auto"]), freeze_columns=1),
        )
    ]


def codebook(snap: Snapshot) -> list[Page]:
    table = snap.codebook.to_frame().drop(columns=["position", "patterns"])
    table["name"] = ["    " * (d - 1) + n for d, n in zip(table["depth"], table["name"])]
    sheet = Sheet(
        "Codebook",
        table,
        freeze_columns=1,
        color_column="color",
        widths={"description": 60, "include": 50, "exclude": 50},
        wrap=("description", "include", "exclude", "examples", "keywords"),
    )
    return [
        Page(
            "Codebook",
            "The code tree in order (names indented by depth): depth, path, "
            "definition, when to use it and when not, examples, the keywords and "
            "proximity rules the rules coder looks for, colour.",
            sheet,
        )
    ]


def segments(snap: Snapshot) -> list[Page]:
    sheet = Sheet(
        "Segments",
        segments_with_codes(snap),
        freeze_columns=1,
        colors=_colors(snap),
        widths={"text": 80},
        wrap=("text",),
    )
    return [
        Page(
            "Segments",
            "One row per segment (what was coded) with its text, speaker, "
            "participant and attributes; 'codes' lists the codes applied directly, and "
            "each code column is 1 when the segment is coded at that code or one of its "
            "sub-codes (0/1, for filtering and pivot tables).",
            sheet,
        )
    ]


def codings(snap: Snapshot) -> list[Page]:
    sheet = Sheet("Codings", codings_table(snap), freeze_columns=1, widths={"text": 60}, wrap=("text",))
    return [
        Page(
            "Codings",
            "Every coding, one row each (the long coding CSV's columns "
            "first): the coded words, coder, source, status, confidence, the matched "
            "terms; 'used' is 1 for the codings the other sheets count. `qda show "
            "SEGMENT_ID` prints a coded passage with the turns around it.",
            sheet,
        )
    ]


def matrix(snap: Snapshot) -> list[Page]:
    cb = snap.codebook
    table = analysis.code_matrix(
        snap.segments,
        snap.chosen.codings,
        cb,
        participants=snap.participants,
        rows="participant",
        value="count",
        depth=None,
        totals=True,
    )
    sheet = Sheet(
        "Matrix",
        table,
        freeze_columns=1,
        heatmap=cb.ids,
        colors=_colors(snap),
        total_row=True,
        total_column="Total",
    )
    return [
        Page(
            "Matrix",
            "Participants by codes: the number of the participant's segments "
            "coded at each code, sub-codes rolled up into their themes. Total column: "
            "the participant's distinct coded segments; Total row: each code's segments "
            "over everyone (a segment coded at two codes counts once in a total). "
            "Interviewer turns are not counted.",
            sheet,
        )
    ]


def crosstabs(snap: Snapshot) -> list[Page]:
    return [_crosstab(snap, attribute) for attribute in crosstab_attributes(snap.participants)]


def _crosstab(snap: Snapshot, attribute: str) -> Page:
    by = {
        unit: analysis.crosstab(
            snap.segments,
            snap.chosen.codings,
            snap.codebook,
            snap.participants,
            attribute,
            unit=unit,
            depth=None,
        )
        for unit in ("participants", "segments")
    }
    first, percent = _percent_frame(by["participants"].to_frame(), _PERCENT_MARKS)
    second, percent2 = _percent_frame(by["segments"].to_frame(), _PERCENT_MARKS)
    below = Table(
        second,
        title=by["segments"].note,
        percent=percent2,
        heatmap=_column_percents(percent2),
        total_row=True,
    )
    name = f"Crosstab {attribute}"
    sheet = Sheet(
        name,
        first,
        freeze_columns=2,
        percent=percent,
        heatmap=_column_percents(percent),
        total_row=True,
        more=[below],
    )
    return Page(
        name,
        f"Codes by {attribute}: n, row % and column % (the share of the group "
        "coded at the code). First table: " + by["participants"].note + " Below it, "
        "the same with segments as the unit. Last row of each: the base.",
        sheet,
    )


def _column_percents(percent: list[str]) -> list[str]:
    return [c for c in percent if c.startswith("column %") and not c.endswith("Total")]


def framework_sheet(table: pd.DataFrame) -> Sheet:
    """The Framework sheet's layout, for the workbook and for ``qda framework --out
    F.xlsx`` alike: participant and label kept in view, quotes wide and wrapped, the
    summary columns tinted and left unlocked for people to fill in."""
    quote_cols = [str(c) for c in table.columns if str(c).endswith("| quotes")]
    summary_cols = [str(c) for c in table.columns if str(c).endswith("| summary")]
    return Sheet(
        analysis.FRAMEWORK_SHEET,
        table,
        freeze_columns=2,
        widths={**{c: 60 for c in quote_cols}, **{c: 40 for c in summary_cols}},
        wrap=quote_cols,
        editable=summary_cols,
    )


def framework(snap: Snapshot) -> list[Page]:
    table = analysis.framework_matrix(
        snap.segments,
        snap.chosen.codings,
        snap.codebook,
        snap.participants,
        snap.texts,
        depth=1,
        summaries=snap.summaries,
    )
    return [
        Page(
            "Framework",
            "Participants by themes: each '<theme id> | quotes' cell holds "
            "the participant's coded segments for the theme ([segment id] quote; `qda "
            "show SEGMENT_ID` prints one with the turns around it), and the "
            "tinted '<theme id> | summary' columns are for your summaries: edit them here "
            "and read them back with `qda framework import`.",
            framework_sheet(table),
        )
    ]


def cooccurrence(snap: Snapshot) -> list[Page]:
    cb = snap.codebook
    co = analysis.cooccurrence(snap.chosen.codings, cb, depth=None, segments=snap.segments)
    below = Table(
        co.to_frame(value="c_coefficient"),
        title="c-coefficient n12 / (n1 + n2 - n12): 0 never together, 1 always",
        heatmap=cb.ids,
    )
    sheet = Sheet(
        "Co-occurrence", co.to_frame(value="counts"), freeze_columns=2, heatmap=cb.ids, more=[below]
    )
    return [
        Page(
            "Co-occurrence",
            "Codes by codes: segments coded at both (the diagonal: "
            "segments at the code), sub-codes rolled up; below, the c-coefficient "
            "n12 / (n1 + n2 - n12).",
            sheet,
        )
    ]


def saturation(snap: Snapshot) -> list[Page]:
    table = analysis.saturation(snap.chosen.codings, snap.segments, snap.codebook)
    return [
        Page(
            "Saturation",
            "One row per document in import order: the codes first seen "
            "there and the distinct codes seen so far.",
            Sheet("Saturation", table, freeze_columns=2),
        )
    ]


def agreement(snap: Snapshot) -> list[Page]:
    result = snap.agreement
    if result is None:
        return [Page("Agreement", snap.agreement_note)]
    table, _ = _percent_frame(result.to_frame(), ("percent_agreement",))
    sheet = Sheet("Agreement", table, freeze_columns=2, percent=["percent_agreement"], total_row=True)
    return [
        Page(
            "Agreement",
            f"Agreement between {', '.join(result.coders)} on the "
            f"{result.units} segments at least two of them reviewed, per code (sub-codes "
            "rolled up) and, last row, pooled: percent agreement, Cohen's kappa (two "
            "coders), Krippendorff's alpha (nominal). " + result.note,
            sheet,
        )
    ]


def memos(snap: Snapshot) -> list[Page]:
    if not len(snap.memos):
        return [Page("Memos", "Not written: the project has no memos (`qda memo add`).")]
    sheet = Sheet("Memos", snap.memos, freeze_columns=1, widths={"about": 30, "text": 80}, wrap=("text",))
    return [
        Page(
            "Memos",
            "One row per memo: what it is about (target, its id, and in words), "
            "title, text, who wrote it and when, who changed it last and when.",
            sheet,
        )
    ]


#: The workbook's sheets in order: name -> builder. ``Crosstab`` gives one sheet per
#: attribute that makes groups (``Crosstab <attribute>``).
SHEETS: dict[str, Builder] = {
    "Participants": participants,
    "Codebook": codebook,
    "Segments": segments,
    "Codings": codings,
    "Matrix": matrix,
    "Crosstab": crosstabs,
    "Framework": framework,
    "Co-occurrence": cooccurrence,
    "Saturation": saturation,
    "Agreement": agreement,
    "Memos": memos,
}


def sheet_pages(snap: Snapshot) -> list[Page]:
    """Every builder's pages, in workbook order."""
    return [page for build in SHEETS.values() for page in build(snap)]


def about_lines(snap: Snapshot, pages: list[Page]) -> list[tuple[str, str]]:
    """The About sheet: what was written, from which codings, then a line per sheet."""
    cb, counts = snap.codebook, snap.counts
    return [
        ("Project", snap.name),
        ("Written", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("Written by", f"qda {__version__}"),
        ("Codebook", f"{cb.name}, version {cb.version} ({len(cb)} codes)"),
        ("Codings used", snap.chosen.description),
        (
            "Counts",
            f"{counts['documents']} documents, {counts['participants']} participants, "
            f"{counts['segments']} segments (interviewer turns left out), "
            f"{counts['codings']} codings",
        ),
        (
            "Crosstabs",
            "One sheet per participant attribute with "
            f"{CROSSTAB_GROUPS[0]} to {CROSSTAB_GROUPS[1]} distinct values.",
        ),
        ("", ""),
        *((f"Sheet {page.name}", page.about) for page in pages),
    ]
