"""From a project to report files: the workbook, the charts, the quote bank.

Everything starts from one :class:`Snapshot` (:func:`read_snapshot`): the tables the
exports need, read once through the project's public methods and its store's. After
that every part is a pure function of the snapshot: one builder per workbook sheet
(:data:`SHEETS`), the chart figures, the quote table, each handed to a pure writer of
:mod:`qda.export`. All of them count **one** choice of codings (``select_codings``, the
same default as the matrix) and say which.

Modules: ``snapshot`` (what is read), ``tables`` (segments with codes, every coding,
attributes that make groups), ``sheets`` (the registry of sheet builders and the About
sheet), ``workbook``, ``charts``, ``quotes`` (the writers' callers).
"""

from qda.reports.charts import chart_figures, export_charts
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

__all__ = [
    "CROSSTAB_GROUPS", "QUOTE_FORMATS", "SHEETS", "Page", "Snapshot", "about_lines",
    "agreement_coders", "chart_figures", "chart_groups", "check_quote_path", "codings_table",
    "comparable_coders",
    "crosstab_attributes", "export_charts", "export_framework", "export_quotes",
    "export_workbook", "framework_sheet", "quote_table", "read_snapshot", "segments_with_codes",
    "sheet_pages", "snapshot_of", "workbook_sheets", "write_framework",
]
