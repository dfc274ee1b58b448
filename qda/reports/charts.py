"""The charts: each figure built from a snapshot, then written as PNG and SVG."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qda import analysis
from qda.analysis import coded_segments
from qda.export import write_charts
from qda.export.charts import (
    code_frequency,
    cooccurrence_heatmap,
    prevalence_by_group,
    saturation_curve,
    theme_heatmap,
)
from qda.reports.snapshot import Snapshot, snapshot_of
from qda.reports.tables import chart_groups

if TYPE_CHECKING:
    from qda.project import Project

__all__ = ["chart_figures", "export_charts"]


def export_charts(
    source: Project | Snapshot,
    directory: str | Path,
    *,
    group: str | Sequence[str] | None = None,
    data: Snapshot | None = None,
) -> list[Path]:
    """PNG and SVG charts (:func:`chart_figures`) in ``directory``."""
    snap = data or snapshot_of(source, agreement=False)
    return write_charts(directory, chart_figures(snap, group=group))


def chart_figures(snap: Snapshot, *, group: str | Sequence[str] | None = None) -> dict[str, Any]:
    """File stem -> figure: theme prevalence by each attribute of ``group``
    (:func:`~qda.reports.tables.chart_groups`: default ``group``, else the first
    attribute that makes a grouping), the code frequency, the participant-by-theme and
    document-by-theme heatmaps, the co-occurrence of the most specific codes
    (c-coefficient), and the saturation curve; a chart with nothing to show (no
    participants, no codings, no documents) is left out."""
    figures = _prevalence(snap, chart_groups(snap.participants, group))
    chosen, cb, basis = snap.chosen, snap.codebook, snap.chosen.description
    live = set(snap.segments.loc[~snap.segments["is_interviewer"], "segment_id"])
    rolled = coded_segments(chosen.codings, cb)
    frequency = rolled[rolled["segment_id"].isin(live)]["code_id"].value_counts()
    if len(frequency):
        figures["code-frequency"] = code_frequency(frequency, cb, basis=basis)
    figures.update(_heatmaps(snap))
    # The most specific codes: a theme always co-occurs with its own sub-themes.
    leaves = [c for c in cb.ids if not cb.children(c)]
    if len(leaves) >= 2 and len(chosen.codings):
        co = analysis.cooccurrence(chosen.codings, cb, codes=leaves, segments=snap.segments)
        figures["code-cooccurrence"] = cooccurrence_heatmap(co.c_coefficient, cb, basis=basis)
    saturation = analysis.saturation(chosen.codings, snap.segments, cb)
    if len(saturation):
        figures["saturation"] = saturation_curve(saturation, basis=basis, total_codes=len(cb))
    return figures


def _prevalence(snap: Snapshot, groups: list[str]) -> dict[str, Any]:
    if not groups:
        return {}
    presence = analysis.code_matrix(
        snap.segments,
        snap.chosen.codings,
        snap.codebook,
        participants=snap.participants,
        value="presence",
        depth=1,
    )
    return {
        "theme-prevalence-by-" + _file_part(name): prevalence_by_group(
            presence, snap.codebook, group=name, basis=snap.chosen.description
        )
        for name in groups
    }


def _heatmaps(snap: Snapshot) -> dict[str, Any]:
    chosen, cb, basis = snap.chosen, snap.codebook, snap.chosen.description
    figures = {}
    counts = analysis.code_matrix(
        snap.segments, chosen.codings, cb, participants=snap.participants, value="count", depth=1
    )
    annotate = "role" if "role" in counts.columns else None
    if len(counts) and cb.top_level():
        figures["participant-theme-heatmap"] = theme_heatmap(
            counts, cb, basis=basis, row_label="participant", annotate_attribute=annotate
        )
    by_document = analysis.code_matrix(
        snap.segments, chosen.codings, cb, rows="document", value="count", depth=1
    )
    if len(by_document) and cb.top_level() and len(chosen.codings):
        figures["document-theme-heatmap"] = theme_heatmap(
            by_document, cb, basis=basis, row_label="document", title="Documents by theme"
        )
    return figures


def _file_part(name: str) -> str:
    """An attribute name as part of a file name (letters, digits, -, _)."""
    return re.sub(r"[^\w-]+", "-", name).strip("-").lower() or "attribute"
