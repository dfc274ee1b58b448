"""Charts of the matrix (matplotlib, PNG): prevalence by group, participant heatmap.

Each chart's subtitle says which codings it counts. Theme colours come from the
codebook, so a theme has the same colour in every chart.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never a window
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from qda.codebook import Codebook  # noqa: E402
from qda.export.files import atomic_path  # noqa: E402

__all__ = ["prevalence_by_group", "theme_heatmap", "write_charts"]

_FALLBACK = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000"]


def _theme_colors(codebook: Codebook, ids: list[str]) -> list[str]:
    return [codebook.color(cid) or _FALLBACK[i % len(_FALLBACK)] for i, cid in enumerate(ids)]


def _wrap(label: str, width: int = 16) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def prevalence_by_group(presence: pd.DataFrame, codebook: Codebook, *, group: str,
                        basis: str) -> plt.Figure:
    """Share of participants in each group with at least one segment at each theme.

    ``presence`` is the participant matrix with 0/1 values and a ``group`` column.
    """
    themes = [c.id for c in codebook.top_level()]
    data = presence.assign(**{group: presence[group].fillna("(none)").replace("", "(none)")})
    shares = data.groupby(group)[themes].mean() * 100
    sizes = data.groupby(group).size()
    fig, ax = plt.subplots(figsize=(max(7, 1.6 * len(shares) * len(themes) / 3), 5.2),
                           layout="constrained")
    n = len(themes)
    width = 0.8 / max(n, 1)
    for i, (theme, color) in enumerate(zip(themes, _theme_colors(codebook, themes))):
        xs = [g + (i - (n - 1) / 2) * width for g in range(len(shares))]
        bars = ax.bar(xs, shares[theme], width=width * 0.95, color=color,
                      label=codebook.get(theme).name)
        ax.bar_label(bars, fmt="%.0f", fontsize=7, padding=1)
    ax.set_xticks(range(len(shares)),
                  [f"{g}\n(n = {sizes[g]})" for g in shares.index])
    ax.set_ylabel("participants mentioning the theme (%)")
    ax.set_ylim(0, 110)
    ax.set_yticks(range(0, 101, 20))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9)
    fig.suptitle(f"Theme prevalence by {group}", fontsize=13, x=0.02, ha="left")
    ax.set_title(_wrap(basis, 110), fontsize=8, loc="left", color="#555555")
    return fig


def theme_heatmap(counts: pd.DataFrame, codebook: Codebook, *, basis: str,
                  row_label: str = "participant", annotate_attribute: str | None = None
                  ) -> plt.Figure:
    """Participants (rows) by themes (columns): coded segments per cell."""
    themes = [c.id for c in codebook.top_level()]
    data = counts.set_index(row_label)[themes]
    labels = list(data.index.astype(str))
    if annotate_attribute and annotate_attribute in counts.columns:
        extra = counts.set_index(row_label)[annotate_attribute].fillna("")
        labels = [f"{p}  {extra[p]}".rstrip() for p in data.index]
    height = max(4.0, 0.28 * len(data) + 2.2)
    fig, ax = plt.subplots(figsize=(2.0 + 1.25 * len(themes), height), layout="constrained")
    image = ax.imshow(data.to_numpy(), aspect="auto", cmap="OrRd")
    ax.set_xticks(range(len(themes)), [_wrap(codebook.get(t).name) for t in themes],
                  fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    peak = data.to_numpy().max() if data.size else 0
    for (r, c), v in pd.DataFrame(data.to_numpy()).stack().items():
        if v:
            ax.text(c, r, str(int(v)), ha="center", va="center", fontsize=7,
                    color="white" if v > peak * 0.6 else "black")
    fig.colorbar(image, ax=ax, shrink=0.6, label="coded segments")
    fig.suptitle("Participants by theme", fontsize=13, x=0.02, ha="left")
    fig.supxlabel(_wrap(basis, 110), fontsize=8, color="#555555", x=0.02, ha="left")
    return fig


def write_charts(directory: str | Path, figures: dict[str, plt.Figure], *, dpi: int = 150
                 ) -> list[Path]:
    """Save figures as ``<name>.png`` in ``directory`` (created if needed)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fig in figures.items():
        target = directory / f"{name}.png"
        with atomic_path(target) as tmp:
            fig.savefig(tmp, dpi=dpi, format="png")
        plt.close(fig)
        written.append(target)
    return written
