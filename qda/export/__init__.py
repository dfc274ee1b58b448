"""The pure writers: tables in, files out (``excel.py`` the workbook of ``Sheet``s,
``charts.py`` figures as PNG and SVG, ``quotes.py`` the quote bank). What goes in them
is :mod:`qda.reports`' job. Each writes through :func:`qda.files.atomic_path`, so an
interrupted export never leaves half a file."""

from qda.export.charts import write_charts
from qda.export.excel import write_workbook
from qda.export.quotes import quote_bank_markdown, write_quotes

__all__ = ["quote_bank_markdown", "write_charts", "write_quotes", "write_workbook"]
