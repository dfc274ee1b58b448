"""``export_all``: the workbook, the charts and the quote bank from one snapshot, the one
sequence ``qda run``, ``qda export`` and ``qda serve`` call.

Read once (:func:`~qda.reports.snapshot.read_snapshot`), check what was asked before
writing anything, keep a copy of each file people work in that was changed since qda
wrote it (:mod:`qda.reports.guard`), write, and say what was kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qda.display import Shown
from qda.errors import InputError
from qda.export.quotes import ORDERS
from qda.reports import guard
from qda.reports.charts import export_charts
from qda.reports.quotes import check_quote_path, export_quotes
from qda.reports.snapshot import Snapshot, read_snapshot
from qda.reports.tables import chart_groups
from qda.reports.workbook import export_workbook

if TYPE_CHECKING:
    from qda.project import Project

__all__ = ["CHARTS", "QUOTES", "WORKBOOK", "Exported", "Targets", "export_all"]

#: what ``qda run`` (and :func:`export_all` given a folder) writes there, beside project.qda
WORKBOOK, CHARTS, QUOTES = "qda-database.xlsx", "charts", "quotes.md"


@dataclass(frozen=True)
class Targets:
    """Where each export goes (None: not written) and how."""

    workbook: Path | None = None
    charts: Path | None = None
    quotes: Path | None = None
    group: str | Sequence[str] | None = None
    order: str = "document"
    constant_memory: bool | None = None

    @property
    def side(self) -> bool:
        """Charts or a quote bank asked for (what a second process can draw)."""
        return self.charts is not None or self.quotes is not None


@dataclass
class Exported(Shown):
    """What :func:`export_all` wrote, the codings it counted and the counts it read,
    and a warning per edited file it kept a copy of."""

    workbook: Path | None
    charts: list[Path]
    quotes: Path | None
    codings_used: str
    counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        return [p for p in (self.workbook, *self.charts, self.quotes) if p is not None]


def export_all(
    project: Project,
    out: str | Path | None = None,
    *,
    workbook: str | Path | None = None,
    charts: str | Path | None = None,
    quotes: str | Path | None = None,
    group: str | Sequence[str] | None = None,
    order: str = "document",
    constant_memory: bool | None = None,
    workers: int | None = None,
) -> Exported:
    """Write the workbook, the charts (a folder) and the quote bank (``.md`` or
    ``.docx``), each only when its path is given; with ``out``, the three go into that
    folder (made if missing) under ``qda run``'s names (:data:`WORKBOOK`, :data:`CHARTS`,
    :data:`QUOTES`) unless given. ``group``: the attributes to draw prevalence by (:func:`chart_groups`);
    ``order``: the quotes' order within a code; ``constant_memory``: the workbook's
    streaming mode. With ``workers`` of 2 or more, the charts and the quote bank are
    drawn in a process of their own while this one writes the workbook.

    Everything is checked before anything is written. A workbook or quote bank changed
    since qda last wrote it is first kept as ``<name>.edited-<time>.<ext>``, said in
    ``warnings``."""
    targets = _targets(
        out,
        workbook=workbook,
        charts=charts,
        quotes=quotes,
        group=group,
        order=order,
        constant_memory=constant_memory,
    )
    if not (targets.workbook or targets.side):
        raise InputError("nothing to export: give a workbook, charts or quotes path")
    snap = read_snapshot(project, agreement=targets.workbook is not None)
    if targets.charts is not None:
        chart_groups(snap.participants, group)  # a bad --group: nothing written
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
    worked_in = [p for p in (targets.workbook, targets.quotes) if p is not None]
    with guard.guarded(project, *worked_in) as kept:
        book, drawn, bank = _write(project, snap, targets, workers=workers)
    notes = [
        guard.kept_note(original, copy, guard.WORKBOOK_HINT if original == targets.workbook else "")
        for original, copy in kept
    ]
    return Exported(
        workbook=book,
        charts=drawn,
        quotes=bank,
        codings_used=snap.chosen.description,
        counts=snap.counts,
        warnings=notes,
    )


def _targets(
    out: str | Path | None,
    *,
    workbook: str | Path | None,
    charts: str | Path | None,
    quotes: str | Path | None,
    group: str | Sequence[str] | None,
    order: str,
    constant_memory: bool | None,
) -> Targets:
    if out is not None:
        folder = Path(out)
        if folder.exists() and not folder.is_dir():
            raise InputError(f"{folder}: exists and is not a folder; choose another folder")
        workbook = workbook or folder / WORKBOOK
        charts = charts or folder / CHARTS
        quotes = quotes or folder / QUOTES
    if order not in ORDERS:
        raise InputError(f"unknown quote order {order!r}; use one of {', '.join(ORDERS)}")
    return Targets(
        workbook=Path(workbook) if workbook else None,
        charts=Path(charts) if charts else None,
        quotes=check_quote_path(quotes) if quotes else None,
        group=group,
        order=order,
        constant_memory=constant_memory,
    )


def _write(
    project: Project, snap: Snapshot, targets: Targets, *, workers: int | None
) -> tuple[Path | None, list[Path], Path | None]:
    """The files, from ``snap``. With two or more workers and both a workbook and charts
    or quotes to write, the charts and quotes are made in a forked process (it reads the
    committed project through a read-only connection of its own) while this process
    writes the workbook: the two take about as long, so on two cores the exports take
    about half the time."""
    if targets.workbook is None or not targets.side or not workers or workers < 2:
        book = (
            export_workbook(snap, targets.workbook, data=snap, constant_memory=targets.constant_memory)
            if targets.workbook is not None
            else None
        )
        return (book, *_side(snap, targets))
    with ProcessPoolExecutor(max_workers=1) as pool:
        side = pool.submit(_side_of, project.path, targets)
        book = export_workbook(snap, targets.workbook, data=snap, constant_memory=targets.constant_memory)
        drawn, bank = side.result()
    return book, drawn, bank


def _side(snap: Snapshot, targets: Targets) -> tuple[list[Path], Path | None]:
    drawn = export_charts(snap, targets.charts, group=targets.group) if targets.charts is not None else []
    bank = export_quotes(snap, targets.quotes, order=targets.order) if targets.quotes is not None else None
    return drawn, bank


def _side_of(path: Path, targets: Targets) -> tuple[list[Path], Path | None]:
    from qda.project import Project

    with Project.open(path, read_only=True) as project:
        return _side(read_snapshot(project, agreement=False), targets)
