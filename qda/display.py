"""How qda's objects show in a notebook (Jupyter calls ``_repr_html_``).

Pure: objects in, HTML strings out. :class:`Shown` gives a result dataclass a
``_repr_html_`` (its fields as a small table: numbers as they are, lists and mappings
by their length and first items, tables by their shape); :func:`shaded_table` is a
DataFrame as an HTML table with a heatmap over its count columns (pandas' Styler);
:func:`project_html` is a project at a glance (``Project._repr_html_``): its counts,
which codings the analyses use, its memos, and the participants-by-themes matrix,
shaded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["Shown", "shaded_table", "fields_html", "project_html"]

#: Rows of a table shown in a notebook before "... and N more".
MAX_ROWS = 25
_ITEMS = 5


class Shown:
    """A mixin: a dataclass shows in a notebook as a table of its fields."""

    def _repr_html_(self) -> str:
        return fields_html(self)


def _value(value: Any) -> str:
    kind = type(value).__name__
    if kind == "DataFrame":  # pandas, not imported for this (kept off `qda --help`)
        return f"a table of {len(value)} rows × {len(value.columns)} columns"
    if kind == "Series":
        return f"{len(value)} values"
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, Mapping):
        items = [f"{k}: {_short(v)}" for k, v in list(value.items())[:_ITEMS]]
        more = f"; … {len(value) - _ITEMS} more" if len(value) > _ITEMS else ""
        return f"{len(value)}" + (f" ({'; '.join(items)}{more})" if items else "")
    if isinstance(value, Sequence) and not isinstance(value, str):
        items = [_short(v) for v in list(value)[:_ITEMS]]
        more = f"; … {len(value) - _ITEMS} more" if len(value) > _ITEMS else ""
        return f"{len(value)}" + (f" ({'; '.join(items)}{more})" if items else "")
    if dataclasses.is_dataclass(value):
        return type(value).__name__
    return _short(value, 200)


def _short(value: Any, n: int = 60) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def fields_html(obj: Any) -> str:
    """A dataclass as a two-column table: field, value."""
    rows = "".join(
        f"<tr><th style='text-align:left'>{html.escape(f.name)}</th>"
        f"<td style='text-align:left'>{html.escape(_value(getattr(obj, f.name)))}"
        "</td></tr>"
        for f in dataclasses.fields(obj)
    )
    return f"<div><strong>{html.escape(type(obj).__name__)}</strong><table>{rows}</table></div>"


def shaded_table(
    frame, *, shade: Sequence[str] = (), caption: str = "", max_rows: int = MAX_ROWS, digits: int = 2
) -> str:
    """``frame`` (a DataFrame) as HTML, the ``shade`` columns as a heatmap (white to
    blue, over all of them together), at most ``max_rows`` rows (the rest said in the
    caption)."""
    import pandas as pd

    shown = frame.head(max_rows)
    if len(frame) > max_rows:
        caption = f"{caption} (first {max_rows} of {len(frame)} rows)".strip()
    shade = [c for c in shade if c in shown.columns]
    styler = shown.style.hide(axis="index").format(precision=digits)
    if shade and len(shown):
        styler = styler.background_gradient(cmap="Blues", subset=shade, axis=None)
    if caption:
        styler = styler.set_caption(html.escape(caption))
    # a stable id, so the same table gives the same HTML (stored notebook outputs)
    digest = hashlib.sha1(
        pd.util.hash_pandas_object(shown.astype(str), index=True).to_numpy().tobytes() + caption.encode()
    ).hexdigest()[:10]
    return styler.set_uuid(f"qda{digest}").to_html()


def project_html(project) -> str:
    """A project at a glance: counts, the codings analyses use, memos, and the
    participants by themes (segments coded, sub-themes rolled up), shaded."""
    counts = project.summary()
    memos = len(project.store.memos())
    lines = [
        ("documents", counts["documents"]),
        ("participants", counts["participants"]),
        ("segments", f"{counts['segments']} (+{counts['interviewer_turns']} interviewer turns)"),
        ("codes", counts["codes"]),
        (
            "codings",
            f"{counts['codings']} ({counts['human_codings']} by people, "
            f"{counts['suggestions']} open suggestions)",
        ),
        ("memos", memos),
    ]
    rows = "".join(
        f"<tr><th style='text-align:left'>{k}</th><td style='text-align:left'>{html.escape(str(v))}</td></tr>"
        for k, v in lines
    )
    parts = [f"<div><strong>qda project {html.escape(project.path.name)}</strong><table>{rows}</table>"]
    if counts["codes"] and counts["segments"]:
        chosen = project.select_codings()
        themes = [c.id for c in project.codebook.top_level()]
        matrix = project.matrix(depth=1)
        keep = ["participant", *[c for c in ("group", "role") if c in matrix.columns], *themes]
        names = {t: project.codebook.get(t).name for t in themes}
        if len(set(names.values())) < len(names) or set(names.values()) & set(keep):
            names = {t: t for t in themes}  # two themes of one name: show the ids
        table = matrix[keep].rename(columns=names)
        parts.append(f"<p>{html.escape(chosen.description)}</p>")
        parts.append(
            shaded_table(
                table, shade=[names[t] for t in themes], caption="Segments coded, by participant and theme"
            )
        )
    parts.append("</div>")
    return "".join(parts)
