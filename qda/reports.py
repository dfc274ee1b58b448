"""From a project to report files: the workbook, the charts, the quote bank.

Each function reads DataFrames from the :class:`~qda.project.Project`, hands them
to a pure exporter, and says which codings it used.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from qda import __version__
from qda.analysis import coded_segments
from qda.export import quote_bank_markdown, write_charts, write_quotes, write_workbook
from qda.export.charts import prevalence_by_group, theme_heatmap
from qda.export.excel import Sheet

if TYPE_CHECKING:
    from qda.project import Project

__all__ = ["export_charts", "export_quotes", "export_workbook", "segments_with_codes"]


def segments_with_codes(project: Project) -> pd.DataFrame:
    """The segment table with a ``codes`` column (codes applied directly) and a 0/1
    column per code (1 when the segment is coded at the code or a sub-code)."""
    chosen = project.select_codings()
    cb = project.codebook
    segs = project.segments()
    direct = coded_segments(chosen.codings, cb, rollup=False)
    order = {cid: i for i, cid in enumerate(cb.ids)}
    listed = (direct.assign(_o=direct["code_id"].map(order)).sort_values("_o")
              .groupby("segment_id")["code_id"].agg("; ".join))
    segs["codes"] = segs["segment_id"].map(listed).fillna("")
    rolled = coded_segments(chosen.codings, cb)
    flags = (rolled.assign(v=1).pivot_table(index="segment_id", columns="code_id", values="v",
                                            aggfunc="max")
             .reindex(index=segs["segment_id"], columns=cb.ids).fillna(0).astype("int64"))
    return pd.concat([segs.reset_index(drop=True), flags.reset_index(drop=True)], axis=1)


def export_workbook(project: Project, path: str | Path) -> Path:
    """Write the research database: About, Participants, Codebook, Segments, Matrix."""
    chosen = project.select_codings()
    cb = project.codebook
    summary = project.summary()
    matrix = project._matrix(chosen, rows="participant", value="count")
    codebook = cb.to_frame().drop(columns=["position", "patterns"])
    codebook["name"] = ["    " * (d - 1) + n for d, n in zip(codebook["depth"], codebook["name"])]
    participants = project.participants()
    segments = segments_with_codes(project)
    colors = {cid: cb.color(cid) for cid in cb.ids}
    about = [
        ("Project", str(project.path.name)),
        ("Written", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("Written by", f"qda {__version__}"),
        ("Codebook", f"{cb.name}, version {cb.version} ({len(cb)} codes)"),
        ("Codings used", chosen.description),
        ("Counts", f"{summary['documents']} documents, {summary['participants']} participants, "
                   f"{summary['segments']} segments (interviewer turns left out), "
                   f"{summary['codings']} codings"),
        ("", ""),
        ("Sheet Participants", "One row per participant with their attributes."),
        ("Sheet Codebook", "The code tree in order: depth, path, definition, when to use and when "
                     "not, keywords the rules coder looks for, examples, colour."),
        ("Sheet Segments", "One row per segment (what was coded) with its text and speaker; 'codes' "
                     "lists the codes applied directly, and each code column is 1 when the "
                     "segment is coded at that code or one of its sub-codes."),
        ("Sheet Matrix", "Participants by codes: the number of that participant's segments coded at "
                   "each code, sub-codes rolled up into their themes. Interviewer turns are "
                   "not counted."),
    ]
    sheets = [
        Sheet("Participants", participants.drop(columns=["auto"]), freeze_columns=1),
        Sheet("Codebook", codebook, freeze_columns=1, color_column="color"),
        Sheet("Segments", segments, freeze_columns=1, colors=colors),
        Sheet("Matrix", matrix, freeze_columns=1, heatmap=cb.ids, colors=colors),
    ]
    return write_workbook(path, about=about, sheets=sheets)


def export_charts(project: Project, directory: str | Path, *, group: str = "group") -> list[Path]:
    """PNG charts: theme prevalence by ``group`` (if the attribute exists) and the
    participant-by-theme heatmap."""
    chosen = project.select_codings()
    cb = project.codebook
    figures = {}
    presence = project._matrix(chosen, rows="participant", value="presence")
    if group in presence.columns:
        figures["theme-prevalence-by-" + group] = prevalence_by_group(
            presence, cb, group=group, basis=chosen.description)
    counts = project._matrix(chosen, rows="participant", value="count")
    annotate = "role" if "role" in counts.columns else None
    figures["participant-theme-heatmap"] = theme_heatmap(
        counts, cb, basis=chosen.description, row_label="participant",
        annotate_attribute=annotate)
    return write_charts(directory, figures)


def export_quotes(project: Project, path: str | Path) -> Path:
    chosen = project.select_codings()
    quotes = project.quotes()
    title = f"Quote bank: {project.codebook.name}"
    return write_quotes(path, quote_bank_markdown(quotes, project.codebook, title=title,
                                                  basis=chosen.description))
