"""From a project to report files: the workbook, the charts, the quote bank.

Each function reads DataFrames from the :class:`~qda.project.Project`, runs the pure
analyses of :mod:`qda.analysis` on **one** choice of codings (``select_codings``, the
same default as the matrix), hands the tables to a pure exporter, and says which
codings it used.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from qda import __version__, analysis
from qda.analysis import coded_segments
from qda.coding import evidence
from qda.errors import InputError
from qda.export import quote_bank_markdown, write_charts, write_quotes, write_workbook
from qda.export.charts import (
    code_frequency,
    cooccurrence_heatmap,
    prevalence_by_group,
    saturation_curve,
    theme_heatmap,
)
from qda.export.excel import Sheet, Table
from qda.export.quotes import ORDERS, write_quote_bank_docx

if TYPE_CHECKING:
    from qda.project import Project

__all__ = ["CROSSTAB_GROUPS", "QUOTE_FORMATS", "Inputs", "agreement_coders", "chart_groups",
           "codings_table",
           "crosstab_attributes", "export_charts", "export_quotes", "export_workbook",
           "read_inputs", "segments_with_codes", "workbook_sheets"]

# An attribute makes a crosstab sheet when its values split the participants into
# this many groups: one value is no comparison; more than 20 (ids, ages, free text)
# is a list, not a grouping.
CROSSTAB_GROUPS = (2, 20)
QUOTE_FORMATS = (".md", ".docx")
_NOT_ATTRIBUTES = ("participant_id", "participant", "label", "auto")


@dataclass(frozen=True)
class Inputs:
    """What the exports read from a project, read once and shared by the workbook, the
    charts and the quote bank (:func:`read_inputs`; at 10M words each read of the codings
    or the segments costs over half a second). Pass one as ``data=`` to an export to
    reuse it; it must be read after the project's last change."""

    codings: pd.DataFrame           # the store's coding table, every coding
    chosen: analysis.CodingSelection
    segments: pd.DataFrame          # the store's segment table (ids, offsets, flags)
    participants: pd.DataFrame      # participant_id, label, auto, attributes
    texts: dict[str, str]


def read_inputs(project: Project) -> Inputs:
    """The tables every export uses, with the default choice of codings."""
    store = project._store
    codings = store.codings()
    return Inputs(codings, analysis.select_codings(codings), store.segments(),
                  project._participants(), store.document_texts())


def segments_with_codes(project: Project, data: Inputs | None = None) -> pd.DataFrame:
    """The segment table with a ``codes`` column (codes applied directly) and a 0/1
    column per code (1 when the segment is coded at the code or a sub-code)."""
    data = data or read_inputs(project)
    cb = project.codebook
    segs = project._segment_table(data.segments, data.texts, data.participants)
    direct = coded_segments(data.chosen.codings, cb, rollup=False)
    order = {cid: i for i, cid in enumerate(cb.ids)}
    listed: dict[str, list[str]] = {}
    for segment_id, code_id in sorted(zip(direct["segment_id"], direct["code_id"]),
                                      key=lambda pair: order.get(pair[1], len(order))):
        listed.setdefault(segment_id, []).append(code_id)
    segs["codes"] = [("; ".join(listed[s]) if s in listed else "") for s in segs["segment_id"]]
    rolled = coded_segments(data.chosen.codings, cb)
    flags = np.zeros((len(segs), len(cb.ids)), dtype="int64")
    at = pd.Index(segs["segment_id"]).get_indexer(rolled["segment_id"])
    code_at = pd.Index(cb.ids).get_indexer(rolled["code_id"])
    found = (at >= 0) & (code_at >= 0)
    flags[at[found], code_at[found]] = 1
    return pd.concat([segs.reset_index(drop=True), pd.DataFrame(flags, columns=cb.ids)],
                     axis=1)


def codings_table(project: Project, chosen: analysis.CodingSelection | None = None,
                  data: Inputs | None = None) -> pd.DataFrame:
    """Every coding in the project, long: the design's long coding CSV columns first
    (``segment_id, document, participant, start, end, code, coder, source, status,
    confidence, text``: the coded words), then ``used`` (1 when the analyses count it,
    by ``chosen``), ``code_name``, ``evidence`` (the matched terms), ``origin``,
    ``reviewed_by``, ``codebook_version``, ``created_at``, ``review``."""
    data = data or read_inputs(project)
    chosen = chosen or data.chosen
    df = data.codings
    texts = data.texts
    people = data.segments[["segment_id", "participant_id"]]
    df = df.merge(people, on="segment_id", how="left")
    cb = project.codebook
    out = pd.DataFrame({
        "segment_id": df["segment_id"], "document": df["document_id"],
        "participant": df["participant_id"], "start": df["start"], "end": df["end"],
        "code": df["code_id"], "coder": df["coder"], "source": df["source"],
        "status": df["status"], "confidence": df["confidence"],
        "text": [texts[d][s:e] for d, s, e in zip(df["document_id"], df["start"], df["end"])],
        "used": df["coding_id"].isin(set(chosen.codings["coding_id"])).astype("int64"),
        "code_name": [cb.get(c).name if c in cb else "" for c in df["code_id"]],
        "evidence": df["evidence"].map(evidence.summary),
        "origin": df["origin"], "reviewed_by": df["reviewed_by"],
        "codebook_version": df["codebook_version"], "created_at": df["created_at"],
        "review": df["review"],
    })
    return out.reset_index(drop=True)


def crosstab_attributes(participants: pd.DataFrame) -> list[str]:
    """Participant attributes that make a grouping: between :data:`CROSSTAB_GROUPS`
    distinct non-empty values (a missing value is the extra group ``(none)``)."""
    low, high = CROSSTAB_GROUPS
    out = []
    for column in participants.columns:
        if column in _NOT_ATTRIBUTES:
            continue
        values = {str(v).strip() for v in participants[column] if _present(v)}
        if low <= len(values) <= high:
            out.append(column)
    return out


def _present(value: object) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None and value == value          # NaN != NaN


def agreement_coders(project: Project, codings: pd.DataFrame | None = None) -> list[str]:
    """The people whose coding can be compared: coders with human codings (their own,
    or suggestions they accepted) or reviewed segments, leaving out a consensus built
    by ``build_consensus`` (a coder whose every coding carries consensus evidence: it
    agrees with its coders by construction)."""
    store = project._store
    codings = store.codings() if codings is None else codings
    human = codings[(codings["source"] == "human") & (codings["status"] == "accepted")]

    def built(group: pd.DataFrame) -> bool:
        return all(isinstance(e, list) and any(isinstance(i, dict) and i.get("kind") ==
                                               "consensus" for i in e)
                   for e in group["evidence"])

    consensus = {c for c, g in human.groupby("coder") if built(g)}
    coders = set(human["coder"]) | set(store.reviews()["coder"])
    return sorted(c for c in coders if c not in consensus and isinstance(c, str))


def _agreement(project: Project, coders: list[str]) -> analysis.Agreement:
    return project.agreement(coders)


def _percent_frame(frame: pd.DataFrame, marks: tuple[str, ...]) -> tuple[pd.DataFrame, list[str]]:
    """Percent columns (0-100) as fractions, so Excel's percent format shows 58%."""
    out = frame.copy()
    percent = [c for c in out.columns if str(c).startswith(marks)]
    for c in percent:
        out[c] = out[c].astype("float64") / 100
    return out, percent


def _sheet_lines(sheets: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", "")] + [(f"Sheet {name}", text) for name, text in sheets]


def export_workbook(project: Project, path: str | Path, *,
                    constant_memory: bool | None = None, data: Inputs | None = None) -> Path:
    """Write the research database (see the About sheet it writes for what each sheet
    holds). ``constant_memory``: force xlsxwriter's streaming mode on or off (default:
    on for large projects, see :func:`qda.export.excel.write_workbook`)."""
    about, sheets = workbook_sheets(project, data=data)
    return write_workbook(path, about=about, sheets=sheets, constant_memory=constant_memory)


def workbook_sheets(project: Project, *, data: Inputs | None = None
                    ) -> tuple[list[tuple[str, str]], list[Sheet]]:
    """What :func:`export_workbook` writes, before it is written: the About sheet's
    lines and the sheets, each a :class:`~qda.export.excel.Sheet` holding DataFrames
    (``sheet.frame``; ``sheet.more`` for the tables under it)."""
    data = data or read_inputs(project)
    chosen = data.chosen
    cb = project.codebook
    counts = project.summary(segments=data.segments)
    colors = {cid: cb.color(cid) for cid in cb.ids}
    sheets: list[Sheet] = []
    said: list[tuple[str, str]] = []

    participants = project.participants().drop(columns=["auto"])
    sheets.append(Sheet("Participants", participants, freeze_columns=1))
    said.append(("Participants", "One row per participant with their attributes."))

    codebook = cb.to_frame().drop(columns=["position", "patterns"])
    codebook["name"] = ["    " * (d - 1) + n for d, n in zip(codebook["depth"], codebook["name"])]
    sheets.append(Sheet("Codebook", codebook, freeze_columns=1, color_column="color",
                        widths={"description": 60, "include": 50, "exclude": 50},
                        wrap=("description", "include", "exclude", "examples", "keywords")))
    said.append(("Codebook", "The code tree in order (names indented by depth): depth, path, "
                 "definition, when to use it and when not, examples, the keywords and "
                 "proximity rules the rules coder looks for, colour."))

    segments = segments_with_codes(project, data)
    sheets.append(Sheet("Segments", segments, freeze_columns=1, colors=colors,
                        widths={"text": 80}, wrap=("text",)))
    said.append(("Segments", "One row per segment (what was coded) with its text, speaker, "
                 "participant and attributes; 'codes' lists the codes applied directly, and "
                 "each code column is 1 when the segment is coded at that code or one of its "
                 "sub-codes (0/1, for filtering and pivot tables)."))

    codings = codings_table(project, chosen, data)
    sheets.append(Sheet("Codings", codings, freeze_columns=1, widths={"text": 60},
                        wrap=("text",)))
    said.append(("Codings", "Every coding, one row each (the long coding CSV's columns "
                 "first): the coded words, coder, source, status, confidence, the matched "
                 "terms; 'used' is 1 for the codings the other sheets count. `qda show "
                 "SEGMENT_ID` prints a coded passage with the turns around it."))

    matrix = analysis.code_matrix(data.segments, chosen.codings, cb,
                                  participants=data.participants, rows="participant",
                                  value="count", depth=None, totals=True)
    sheets.append(Sheet("Matrix", matrix, freeze_columns=1, heatmap=cb.ids, colors=colors,
                        total_row=True, total_column="Total"))
    said.append(("Matrix", "Participants by codes: the number of the participant's segments "
                 "coded at each code, sub-codes rolled up into their themes. Total column: "
                 "the participant's distinct coded segments; Total row: each code's segments "
                 "over everyone (a segment coded at two codes counts once in a total). "
                 "Interviewer turns are not counted."))

    for attribute in crosstab_attributes(data.participants):
        by_people = analysis.crosstab(data.segments, chosen.codings, cb, data.participants,
                                      attribute, unit="participants", depth=None)
        by_segments = analysis.crosstab(data.segments, chosen.codings, cb, data.participants,
                                         attribute, unit="segments", depth=None)
        first, percent = _percent_frame(by_people.to_frame(), ("row %", "column %"))
        second, percent2 = _percent_frame(by_segments.to_frame(), ("row %", "column %"))
        heat = [c for c in percent if c.startswith("column %") and not c.endswith("Total")]
        sheets.append(Sheet(
            f"Crosstab {attribute}", first, freeze_columns=2, percent=percent, heatmap=heat,
            total_row=True,
            more=[Table(second, title=by_segments.note, percent=percent2,
                        heatmap=[c for c in percent2 if c.startswith("column %")
                                 and not c.endswith("Total")], total_row=True)]))
        said.append((f"Crosstab {attribute}",
                     f"Codes by {attribute}: n, row % and column % (the share of the group "
                     "coded at the code). First table: " + by_people.note + " Below it, the "
                     "same with segments as the unit. Last row of each: the base."))

    summaries = project.framework_summaries()
    framework = analysis.framework_matrix(data.segments, chosen.codings, cb, data.participants,
                                          data.texts, depth=1, summaries=summaries)
    quote_cols = [c for c in framework.columns if str(c).endswith("| quotes")]
    summary_cols = [c for c in framework.columns if str(c).endswith("| summary")]
    sheets.append(Sheet("Framework", framework, freeze_columns=2,
                        widths={**{c: 60 for c in quote_cols}, **{c: 40 for c in summary_cols}},
                        wrap=quote_cols, editable=summary_cols))
    said.append(("Framework", "Participants by themes: each '<theme id> | quotes' cell holds "
                 "the participant's coded segments for the theme ([segment id] quote; `qda "
                 "show SEGMENT_ID` prints one with the turns around it), and the "
                 "tinted '<theme id> | summary' columns are for your summaries: edit them here "
                 "and read them back with `qda framework import`."))

    co = analysis.cooccurrence(chosen.codings, cb, depth=None, segments=data.segments)
    sheets.append(Sheet(
        "Co-occurrence", co.to_frame(value="counts"), freeze_columns=2, heatmap=cb.ids,
        more=[Table(co.to_frame(value="c_coefficient"),
                    title="c-coefficient n12 / (n1 + n2 - n12): 0 never together, 1 always",
                    heatmap=cb.ids)]))
    said.append(("Co-occurrence", "Codes by codes: segments coded at both (the diagonal: "
                 "segments at the code), sub-codes rolled up; below, the c-coefficient "
                 "n12 / (n1 + n2 - n12)."))

    saturation = analysis.saturation(chosen.codings, data.segments, cb)
    sheets.append(Sheet("Saturation", saturation, freeze_columns=2))
    said.append(("Saturation", "One row per document in import order: the codes first seen "
                 "there and the distinct codes seen so far."))

    coders = agreement_coders(project, data.codings)
    agreement_line = (f"Not written: it needs two or more human coders "
                      f"({len(coders)} in this project).")
    if len(coders) >= 2:
        try:
            result = _agreement(project, coders)
        except InputError as exc:
            agreement_line = f"Not written: {exc}."
        else:
            table, _ = _percent_frame(result.to_frame(), ("percent_agreement",))
            sheets.append(Sheet("Agreement", table, freeze_columns=2,
                                percent=["percent_agreement"], total_row=True))
            agreement_line = (f"Agreement between {', '.join(result.coders)} on the "
                              f"{result.units} segments at least two of them reviewed, per "
                              "code (sub-codes rolled up) and, last row, pooled: percent "
                              "agreement, Cohen's kappa (two coders), Krippendorff's alpha "
                              "(nominal). " + result.note)
    said.append(("Agreement", agreement_line))

    memos = project.memos()
    if len(memos):
        sheets.append(Sheet("Memos", memos, freeze_columns=1, widths={"about": 30, "text": 80},
                            wrap=("text",)))
        memos_line = ("One row per memo: what it is about (target, its id, and in words), "
                      "title, text, who wrote it and when, who changed it last and when.")
    else:
        memos_line = "Not written: the project has no memos (`qda memo add`)."
    said.append(("Memos", memos_line))

    about = [
        ("Project", str(project.path.name)),
        ("Written", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("Written by", f"qda {__version__}"),
        ("Codebook", f"{cb.name}, version {cb.version} ({len(cb)} codes)"),
        ("Codings used", chosen.description),
        ("Counts", f"{counts['documents']} documents, {counts['participants']} participants, "
                   f"{counts['segments']} segments (interviewer turns left out), "
                   f"{counts['codings']} codings"),
        ("Crosstabs", "One sheet per participant attribute with "
                      f"{CROSSTAB_GROUPS[0]} to {CROSSTAB_GROUPS[1]} distinct values."),
        *_sheet_lines(said),
    ]
    return about, sheets


def chart_groups(participants: pd.DataFrame, group: str | Sequence[str] | None = None
                 ) -> list[str]:
    """The attributes to draw theme prevalence by: those named (each must exist), else
    ``group`` when the project has it, else the first attribute that makes a grouping
    (:func:`crosstab_attributes`), else none."""
    names = [c for c in participants.columns if c not in _NOT_ATTRIBUTES]
    if group is None:
        if "group" in names:
            return ["group"]
        return crosstab_attributes(participants)[:1]
    wanted = [group] if isinstance(group, str) else list(dict.fromkeys(group))
    for name in wanted:
        if name not in names:
            raise InputError(f"--group {name}: no attribute {name!r} in this project; use one "
                             f"of {', '.join(names) or 'none (load a participants sheet)'}")
    return wanted


def export_charts(project: Project, directory: str | Path, *,
                  group: str | Sequence[str] | None = None,
                  data: Inputs | None = None) -> list[Path]:
    """PNG and SVG charts: theme prevalence by each attribute of ``group``
    (:func:`chart_groups`: default ``group``, else the first attribute that makes a
    grouping), the code frequency, the participant-by-theme and document-by-theme
    heatmaps, the co-occurrence of the most specific codes (c-coefficient), and the
    saturation curve; a chart with nothing to show (no participants, no codings, no
    documents) is left out."""
    data = data or read_inputs(project)
    chosen = data.chosen
    cb = project.codebook
    basis = chosen.description
    figures = {}
    groups = chart_groups(data.participants, group)
    presence = analysis.code_matrix(data.segments, chosen.codings, cb,
                                    participants=data.participants, value="presence", depth=1)
    for name in groups:
        figures["theme-prevalence-by-" + _file_part(name)] = prevalence_by_group(
            presence, cb, group=name, basis=basis)
    live = set(data.segments.loc[~data.segments["is_interviewer"], "segment_id"])
    rolled = coded_segments(chosen.codings, cb)
    frequency = rolled[rolled["segment_id"].isin(live)]["code_id"].value_counts()
    if len(frequency):
        figures["code-frequency"] = code_frequency(frequency, cb, basis=basis)
    counts = analysis.code_matrix(data.segments, chosen.codings, cb,
                                  participants=data.participants, value="count", depth=1)
    annotate = "role" if "role" in counts.columns else None
    if len(counts) and cb.top_level():
        figures["participant-theme-heatmap"] = theme_heatmap(
            counts, cb, basis=basis, row_label="participant", annotate_attribute=annotate)
    by_document = analysis.code_matrix(data.segments, chosen.codings, cb, rows="document",
                                       value="count", depth=1)
    if len(by_document) and cb.top_level() and len(chosen.codings):
        figures["document-theme-heatmap"] = theme_heatmap(
            by_document, cb, basis=basis, row_label="document", title="Documents by theme")
    # The most specific codes: a theme always co-occurs with its own sub-themes.
    leaves = [c for c in cb.ids if not cb.children(c)]
    if len(leaves) >= 2 and len(chosen.codings):
        co = analysis.cooccurrence(chosen.codings, cb, codes=leaves, segments=data.segments)
        figures["code-cooccurrence"] = cooccurrence_heatmap(co.c_coefficient, cb, basis=basis)
    saturation = analysis.saturation(chosen.codings, data.segments, cb)
    if len(saturation):
        figures["saturation"] = saturation_curve(saturation, basis=basis, total_codes=len(cb))
    return write_charts(directory, figures)


def export_quotes(project: Project, path: str | Path, *, order: str = "document",
                  data: Inputs | None = None) -> Path:
    """The quote bank, Markdown (``.md``) or Word (``.docx``) by the file's extension,
    quotes within each code in ``order`` (:data:`qda.export.quotes.ORDERS`)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in QUOTE_FORMATS:
        raise InputError(f"{path}: the quote bank is written as Markdown (.md) or Word "
                         "(.docx); name the file with one of those extensions")
    if order not in ORDERS:
        raise InputError(f"unknown quote order {order!r}; use one of {', '.join(ORDERS)}")
    data = data or read_inputs(project)
    chosen = data.chosen
    quotes = analysis.coded_quotes(chosen.codings, data.segments, data.texts, project.codebook,
                                   project.attributions())
    confidence = (chosen.codings.groupby(["segment_id", "code_id"])["confidence"].max()
                  .rename("confidence").reset_index().rename(columns={"code_id": "code"}))
    quotes = quotes.merge(confidence, on=["segment_id", "code"], how="left")
    title = f"Quote bank: {project.codebook.name}"
    if suffix == ".docx":
        return write_quote_bank_docx(path, quotes, project.codebook, title=title,
                                     basis=chosen.description, order=order)
    return write_quotes(path, quote_bank_markdown(quotes, project.codebook, title=title,
                                                  basis=chosen.description, order=order))


def _file_part(name: str) -> str:
    """An attribute name as part of a file name (letters, digits, -, _)."""
    return re.sub(r"[^\w-]+", "-", name).strip("-").lower() or "attribute"
