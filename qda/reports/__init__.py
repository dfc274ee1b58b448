"""From a project to report files: the workbook, the charts, the quote bank.

Everything starts from one :class:`Snapshot` (:func:`read_snapshot`): the tables the
exports need, read once through the project's public methods and its store's. After
that every part is a pure function of the snapshot: one builder per workbook sheet
(:data:`SHEETS`), the chart figures, the quote table, each handed to a pure writer of
:mod:`qda.export`. All of them count **one** choice of codings (``select_codings``, the
same default as the matrix) and say which. :func:`export_all` is the one sequence
``qda run``, ``qda export`` and ``qda serve`` call: read once, check, keep edited files
(:mod:`qda.reports.guard`), write.

Modules: ``snapshot`` (what is read), ``tables`` (segments with codes, every coding,
attributes that make groups), ``sheets`` (the registry of sheet builders and the About
sheet), ``workbook``, ``charts``, ``quotes`` (each hands tables to its writer),
``guard`` (files people work in are never overwritten with their edits), ``everything``
(``export_all``). Names load on first use, so guarding a coding sheet does not import
the chart library.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qda.reports.charts import chart_figures, export_charts
    from qda.reports.everything import CHARTS, QUOTES, WORKBOOK, Exported, export_all
    from qda.reports.quotes import QUOTE_FORMATS, check_quote_path, export_quotes, quote_table
    from qda.reports.sheets import SHEETS, Page, about_lines, framework_sheet, sheet_pages
    from qda.reports.snapshot import (
        Snapshot,
        agreement_coders,
        comparable_coders,
        read_snapshot,
        snapshot_of,
    )
    from qda.reports.tables import (
        CROSSTAB_GROUPS,
        chart_groups,
        codings_table,
        crosstab_attributes,
        segments_with_codes,
    )
    from qda.reports.workbook import (
        export_framework,
        export_workbook,
        workbook_sheets,
        write_framework,
    )

_LAZY = {
    "chart_figures": "charts",
    "export_charts": "charts",
    "CHARTS": "everything",
    "QUOTES": "everything",
    "WORKBOOK": "everything",
    "Exported": "everything",
    "export_all": "everything",
    "QUOTE_FORMATS": "quotes",
    "check_quote_path": "quotes",
    "export_quotes": "quotes",
    "quote_table": "quotes",
    "SHEETS": "sheets",
    "Page": "sheets",
    "about_lines": "sheets",
    "framework_sheet": "sheets",
    "sheet_pages": "sheets",
    "Snapshot": "snapshot",
    "agreement_coders": "snapshot",
    "comparable_coders": "snapshot",
    "read_snapshot": "snapshot",
    "snapshot_of": "snapshot",
    "CROSSTAB_GROUPS": "tables",
    "chart_groups": "tables",
    "codings_table": "tables",
    "crosstab_attributes": "tables",
    "segments_with_codes": "tables",
    "export_framework": "workbook",
    "export_workbook": "workbook",
    "workbook_sheets": "workbook",
    "write_framework": "workbook",
}

__all__ = [
    "CHARTS",
    "CROSSTAB_GROUPS",
    "Exported",
    "Page",
    "QUOTES",
    "QUOTE_FORMATS",
    "SHEETS",
    "Snapshot",
    "WORKBOOK",
    "about_lines",
    "agreement_coders",
    "chart_figures",
    "chart_groups",
    "check_quote_path",
    "codings_table",
    "comparable_coders",
    "crosstab_attributes",
    "export_all",
    "export_charts",
    "export_framework",
    "export_quotes",
    "export_workbook",
    "framework_sheet",
    "quote_table",
    "read_snapshot",
    "segments_with_codes",
    "sheet_pages",
    "snapshot_of",
    "workbook_sheets",
    "write_framework",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'qda.reports' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"qda.reports.{_LAZY[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
