"""Charts (matplotlib): theme prevalence by group, participants by theme, code
co-occurrence, and the saturation curve. :func:`write_charts` saves each as PNG and SVG.

Every chart's subtitle says which codings it counts. Colours are stable: a code's own
colour from the codebook (or its nearest ancestor's); a code without one gets a
fallback picked by a hash of its id, not its position, so adding or reordering codes
never changes another code's colour. Long names are wrapped, never cut.

Figures are made with :class:`matplotlib.figure.Figure`, not pyplot: no window, no
global backend switched under a notebook user's feet, nothing to close.
"""

from __future__ import annotations

import colorsys
import textwrap
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from qda.codebook import Codebook
from qda.files import atomic_path

__all__ = [
    "FORMATS",
    "code_color",
    "code_colors",
    "code_frequency",
    "fallback_color",
    "cooccurrence_heatmap",
    "prevalence_by_group",
    "saturation_curve",
    "save_figure",
    "theme_heatmap",
    "word_chart",
    "write_charts",
]

FORMATS = ("png", "svg")
_SUBTITLE: dict[str, Any] = {"fontsize": 8, "color": "#555555"}


def fallback_color(code_id: str) -> str:
    """A colour for a code the codebook gives none: the hue comes from a hash of the id
    (so it never depends on the code's position or on which other codes exist), and
    one more bit of the hash picks a darker or lighter shade, so two codes rarely look
    alike."""
    digest = zlib.crc32(code_id.encode("utf-8"))
    hue = (digest % 360) / 360
    light = 0.40 if (digest >> 9) & 1 else 0.58
    r, g, b = colorsys.hls_to_rgb(hue, light, 0.62)
    return "#{:02X}{:02X}{:02X}".format(*(round(v * 255) for v in (r, g, b)))


def code_color(codebook: Codebook, code_id: str) -> str:
    """The code's colour from the codebook (own or nearest ancestor's), else
    :func:`fallback_color` of its id (the same id always gets the same colour)."""
    own = codebook.color(code_id) if code_id in codebook else None
    return own or fallback_color(code_id)


def code_colors(codebook: Codebook, ids: Sequence[str]) -> list[str]:
    return [code_color(codebook, cid) for cid in ids]


def _wrap(label: object, width: int = 16) -> str:
    text = str(label)
    return "\n".join(textwrap.wrap(text, width, break_long_words=False)) or text


def _name(codebook: Codebook, code_id: str) -> str:
    return codebook.get(code_id).name if code_id in codebook else str(code_id)


def prevalence_by_group(
    presence: pd.DataFrame, codebook: Codebook, *, group: str, basis: str, themes: Sequence[str] | None = None
) -> Figure:
    """Share of participants in each group with at least one segment at each theme.

    ``presence`` is the participant matrix with 0/1 values and a ``group`` column.
    ``themes``: the columns to draw (default the top-level codes).
    """
    themes = list(themes) if themes is not None else [c.id for c in codebook.top_level()]
    data = presence.assign(
        **{group: presence[group].where(presence[group].notna(), "(none)").astype(str).replace("", "(none)")}
    )
    shares = data.groupby(group, sort=True)[themes].mean() * 100
    sizes = data.groupby(group, sort=True).size()
    n, groups = len(themes), len(shares)
    fig = Figure(figsize=(min(max(7.5, 0.42 * n * groups + 4.5), 22), 5.6), layout="constrained")
    ax = fig.subplots()
    width = 0.84 / max(n, 1)
    for i, (theme, color) in enumerate(zip(themes, code_colors(codebook, themes))):
        xs = [g + (i - (n - 1) / 2) * width for g in range(groups)]
        bars = ax.bar(
            xs, shares[theme], width=width * 0.92, color=color, label=_wrap(_name(codebook, theme), 30)
        )
        if n * groups <= 60:  # labels stay legible; beyond that the axis says enough
            ax.bar_label(bars, fmt="%.0f", fontsize=7 if n <= 8 else 6, padding=1)
    ax.set_xticks(range(groups), [f"{_wrap(g, 18)}\n(n = {sizes[g]})" for g in shares.index], fontsize=9)
    ax.set_ylabel("participants with the theme (%)")
    ax.set_ylim(0, 110)
    ax.set_yticks(range(0, 101, 20))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(
        loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8, ncols=1 if n <= 14 else 2
    )
    ax.set_title(_wrap(f"Counts: {basis}", 120), loc="left", **_SUBTITLE)
    fig.suptitle(f"Theme prevalence by {group}", fontsize=13, x=0.01, ha="left")
    return fig


#: the most participants a heatmap shows (the busiest ones) before it stops being legible
MAX_HEATMAP_ROWS = 60


def theme_heatmap(
    counts: pd.DataFrame,
    codebook: Codebook,
    *,
    basis: str,
    row_label: str = "participant",
    annotate_attribute: str | None = None,
    themes: Sequence[str] | None = None,
    max_rows: int = MAX_HEATMAP_ROWS,
    title: str | None = None,
) -> Figure:
    """Participants (rows) by themes (columns): coded segments per cell.

    Above ``max_rows`` participants a chart can no longer be read (nor drawn quickly):
    it shows the ``max_rows`` with the most coded segments, in their usual order, and
    its title says so; the workbook's Matrix sheet keeps everyone."""
    themes = list(themes) if themes is not None else [c.id for c in codebook.top_level()]
    body = counts[counts[row_label].astype(str) != "Total"] if row_label in counts else counts
    title = title or "Participants by theme"
    if len(body) > max_rows:
        busiest = body[themes].sum(axis=1).sort_values(ascending=False, kind="stable")
        body = body.loc[sorted(busiest.index[:max_rows], key=body.index.get_loc)]
        title += f": the {max_rows} with the most coded segments, of {len(busiest)}"
    data = body.set_index(row_label)[themes]
    labels = [str(p) for p in data.index]
    if annotate_attribute and annotate_attribute in body.columns:
        extra = body.set_index(row_label)[annotate_attribute]
        labels = [
            f"{p}  {extra[p]}" if isinstance(extra[p], str) and extra[p] else str(p) for p in data.index
        ]
    label_chars = max((len(s) for s in labels), default=8)
    height = max(4.5, 0.24 * len(data) + 3.0)
    col_width = 1.0 if len(themes) <= 12 else 0.55
    fig = Figure(figsize=(2.5 + 0.07 * label_chars + col_width * len(themes), height), layout="constrained")
    ax = fig.subplots()
    values = data.to_numpy(dtype=float)
    image = _cells(ax, values, cmap="OrRd", vmin=0)
    rotate = len(themes) > 8
    ax.set_xticks(
        range(len(themes)),
        [_wrap(_name(codebook, t), 22 if rotate else 14) for t in themes],
        fontsize=8,
        rotation=55 if rotate else 0,
        ha="left" if rotate else "center",
        rotation_mode="anchor",
    )
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(labels)), labels, fontsize=8 if len(labels) <= 60 else 6)
    peak = values.max() if values.size else 0
    if len(labels) * len(themes) <= 1500:
        for (r, c), v in np.ndenumerate(values):
            if v:
                ax.text(
                    c,
                    r,
                    str(int(v)),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if v > peak * 0.6 else "black",
                    in_layout=False,
                )
    fig.colorbar(image, ax=ax, shrink=0.5, label="coded segments", pad=0.01)
    fig.suptitle(title, fontsize=13, x=0.01, ha="left")
    fig.supxlabel(_wrap(f"Counts: {basis}", 120), x=0.01, ha="left", **_SUBTITLE)
    return fig


def _cells(ax, values, **style):
    """A table of values as coloured cells centred on (column, row) = (0, 0), (1, 0)...,
    first row at the top: vector quads, so an SVG gets sharp cells instead of an
    embedded picture (and nothing is resampled to the output's pixels)."""
    rows, cols = values.shape
    mesh = ax.pcolormesh(np.arange(cols + 1) - 0.5, np.arange(rows + 1) - 0.5, values, **style)
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    return mesh


def cooccurrence_heatmap(
    table: pd.DataFrame, codebook: Codebook, *, basis: str, value: str = "c-coefficient"
) -> Figure:
    """A square code-by-code table (index and columns code ids) as a heatmap with the
    diagonal blanked (a code always co-occurs with itself). ``value`` names what the
    cells hold: ``c-coefficient`` (0..1, n12 / (n1 + n2 - n12)) or ``segments``."""
    ids = [c for c in table.columns if c in table.index]
    values = table.loc[ids, ids].to_numpy(dtype=float).copy()
    np.fill_diagonal(values, np.nan)
    names = [_wrap(_name(codebook, c), 28) for c in ids]
    # Rotated a quarter turn, a wrapped label's lines stand side by side: keep them few.
    columns = [_wrap(_name(codebook, c), 44) for c in ids]
    k = len(ids)
    side = min(max(6.0, 0.42 * k + 3.5), 24)
    fig = Figure(figsize=(side + 1.5, side), layout="constrained")
    ax = fig.subplots()
    cmap = matplotlib.colormaps["Blues"].with_extremes(bad="#EEEEEE")
    ratio = value.startswith("c")
    top = np.nanmax(values) if np.isfinite(values).any() else 0
    # The scale runs to the largest pair, so weak but real links still show.
    image = _cells(ax, np.ma.masked_invalid(values), cmap=cmap, vmin=0, vmax=max(top, 0.05 if ratio else 1))
    ax.set_aspect("equal")
    ax.set_xticks(range(k), columns, fontsize=7 if k > 12 else 8, rotation=90)
    ax.set_yticks(range(k), names, fontsize=7 if k > 12 else 8)
    if k <= 30:
        for (r, c), v in np.ndenumerate(values):
            if np.isfinite(v) and v > 0:
                ax.text(
                    c,
                    r,
                    f"{v:.2f}" if ratio else str(int(v)),
                    ha="center",
                    va="center",
                    fontsize=6 if k > 12 else 7,
                    in_layout=False,
                    color="white" if v > top * 0.6 else "black",
                )
    ax.set_xticks(np.arange(-0.5, k, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, k, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    fig.colorbar(
        image,
        ax=ax,
        shrink=0.5,
        pad=0.01,
        label="c-coefficient n12 / (n1 + n2 - n12)" if ratio else "segments coded at both",
    )
    fig.suptitle("Codes that occur together in a segment", fontsize=13, x=0.01, ha="left")
    ax.set_title(_wrap(f"Counts: {basis}. Diagonal left blank.", 110), loc="left", **_SUBTITLE)
    return fig


def saturation_curve(
    table: pd.DataFrame,
    *,
    basis: str,
    document: str = "document",
    cumulative: str = "cumulative_codes",
    new: str = "new_codes",
    total_codes: int | None = None,
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """Cumulative distinct codes after each successive document, each document's new
    codes annotated (``+n``). ``table``: one row per document in order."""
    n = len(table)
    xs = np.arange(1, n + 1)
    ys = table[cumulative].to_numpy(dtype=float)
    added = table[new].to_numpy(dtype=float)
    fig = Figure(figsize=(min(max(7.5, 0.38 * n + 3), 22), 5.4), layout="constrained")
    ax = fig.subplots()
    ax.step(xs, ys, where="post", color="#0072B2", linewidth=1.8)
    ax.plot(xs, ys, "o", color="#0072B2", markersize=4)
    for x, y, a in zip(xs, ys, added):
        if a > 0:
            ax.annotate(
                f"+{int(a)}",
                (x, y),
                textcoords="offset points",
                xytext=(0, 7),
                ha="center",
                fontsize=7,
                color="#D55E00",
                zorder=5,
                bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none"},
            )
    if total_codes:
        ax.axhline(total_codes, color="#999999", linestyle="--", linewidth=0.8)
        ax.annotate(
            f"codes in the codebook: {total_codes}",
            (1, total_codes),
            xycoords=("axes fraction", "data"),
            textcoords="offset points",
            xytext=(0, 3),
            ha="right",
            va="bottom",
            fontsize=8,
            color="#666666",
        )
    names = [str(d) for d in table[document]]
    names = [labels.get(d, d) if labels else d for d in names]
    if n <= 40:
        ax.set_xticks(
            xs, [_wrap(d, 18) for d in names], fontsize=7, rotation=55, ha="right", rotation_mode="anchor"
        )
    else:
        ax.set_xlabel("documents in order")
    ax.set_ylabel("distinct codes seen so far")
    top = max(float(np.nanmax(ys)) if n else 0, total_codes or 0)
    ax.set_ylim(0, top * 1.15 + 1)
    ax.set_xlim(0.5, n + 0.5)
    ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle("Saturation: new codes per successive document", fontsize=13, x=0.01, ha="left")
    ax.set_title(
        _wrap(f"Counts: {basis}. +n: codes first seen in that document.", 120), loc="left", **_SUBTITLE
    )
    return fig


def code_frequency(counts: pd.Series, codebook: Codebook, *, basis: str) -> Figure:
    """Coded segments per code (``counts``: code id -> segments coded at it or below), every
    code in codebook order, sub-codes indented under their theme and drawn lighter."""
    ids = [c for c in codebook.ids if c in counts.index]
    values = [int(counts[c]) for c in ids]
    labels = [_name(codebook, c) for c in ids]
    fig = Figure(figsize=(9, max(3.0, 0.28 * len(ids) + 1.6)), layout="constrained")
    ax = fig.subplots()
    # themes in their colour and bold; sub-themes under them, lighter
    bars = ax.barh(range(len(ids)), values, color=code_colors(codebook, ids))
    for bar, cid in zip(bars, ids):
        bar.set_alpha(1.0 if codebook.depth(cid) == 1 else 0.6)
    ax.bar_label(bars, fontsize=7, padding=2)
    ax.set_yticks(range(len(ids)), labels, fontsize=8)
    for tick, cid in zip(ax.get_yticklabels(), ids):
        tick.set_fontweight("bold" if codebook.depth(cid) == 1 else "normal")
    ax.invert_yaxis()
    ax.set_xlabel("coded segments (a theme counts its sub-themes' segments, once)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle("Code frequency", fontsize=13, x=0.01, ha="left")
    ax.set_title(_wrap(f"Counts: {basis}", 110), loc="left", **_SUBTITLE)
    return fig


def word_chart(
    table: pd.DataFrame,
    *,
    by: str | None = None,
    top: int = 15,
    max_groups: int = 6,
    title: str | None = None,
) -> Figure:
    """The words of a word-frequency table (:func:`qda.explore.word_frequencies`) as
    horizontal bars of their share: one panel, or one per group (the first
    ``max_groups``, said in the title) with ``by``, where a word the group uses more
    than the rest (keyness at p < 0.05) is drawn orange."""
    groups = [None] if by is None else list(dict.fromkeys(table[by]))
    shown = groups[:max_groups]
    cols = min(len(shown), 3)
    rows = -(-len(shown) // cols)
    fig = Figure(figsize=(4.2 * cols + 0.6, max(3.5, 0.26 * top + 1.8) * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False).ravel())
    for ax, group in zip(axes, shown):
        part = (table if group is None else table[table[by] == group]).head(top)
        key = (
            (part["keyness"] >= 3.84) & (part["p_value"] < 0.05)
            if group is not None and "keyness" in part.columns
            else [False] * len(part)
        )
        colors = ["#D55E00" if k else "#4C72B0" for k in key]
        bars = ax.barh(range(len(part)), part["share"] * 100, color=colors)
        ax.bar_label(bars, labels=[str(c) for c in part["count"]], fontsize=7, padding=2)
        ax.set_yticks(range(len(part)), part["word"], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("% of the words counted (bar labels: count)", fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        if group is not None:
            ax.set_title(_wrap(f"{by}: {group}", 40), fontsize=10, loc="left")
    for ax in axes[len(shown) :]:
        ax.set_visible(False)
    title = title or ("Most frequent words" + (f" by {by}" if by else ""))
    if len(groups) > max_groups:
        title += f" (the first {max_groups} of {len(groups)} groups)"
    fig.suptitle(title, fontsize=13, x=0.01, ha="left")
    if by:
        fig.supxlabel(
            "Orange: used more in the group than in the rest (log-likelihood "
            "keyness, p < 0.05). Stop words left out; words counted by lemma.",
            x=0.01,
            ha="left",
            **_SUBTITLE,
        )
    return fig


def save_figure(fig: Figure, path: str | Path, *, dpi: int = 150) -> Path:
    """One figure to ``path``, its format by the extension (.png or .svg)."""
    path = Path(path)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "qda"}):
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=dpi, format=path.suffix.lower().lstrip("."))
    return path


def write_charts(
    directory: str | Path, figures: Mapping[str, Figure], *, dpi: int = 150, formats: Sequence[str] = FORMATS
) -> list[Path]:
    """Save each figure as ``<name>.png`` and ``<name>.svg`` in ``directory`` (created
    if needed); SVG text stays text (searchable, editable)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "qda"}):
        for name, fig in figures.items():
            _freeze_layout(fig, dpi)
            for fmt in formats:
                target = directory / f"{name}.{fmt}"
                with atomic_path(target) as tmp:
                    fig.savefig(tmp, dpi=dpi, format=fmt)
                written.append(target)
    return written


def _freeze_layout(fig: Figure, dpi: float) -> None:
    """Run the figure's layout engine once, at the saving dpi, then fix the result.

    With a layout engine, every ``savefig`` lays the figure out again in an extra pass
    that measures every text (most of a heatmap's cost); frozen, each format is one
    drawing pass. The positions are the engine's own, so the files look the same."""
    if fig.get_layout_engine() is None:
        return
    fig.set_dpi(dpi)
    # Cell numbers take no part in the layout: hidden while it runs, they are measured
    # once, by the first real drawing, instead of twice.
    free = fig.findobj(lambda a: not a.get_in_layout() and a.get_visible())
    for artist in free:
        artist.set_visible(False)
    fig.draw_without_rendering()
    for artist in free:
        artist.set_visible(True)
    fig.set_layout_engine(None)  # not "none": a placeholder engine still costs the pass
