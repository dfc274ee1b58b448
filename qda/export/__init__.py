"""Exporters: tables in, files out. Each writes to a temporary file and renames it
into place, so an interrupted export never leaves half a file."""

from qda.export.charts import write_charts
from qda.export.excel import write_workbook
from qda.export.quotes import quote_bank_markdown, write_quotes
from qda.files import atomic_path

__all__ = ["atomic_path", "quote_bank_markdown", "write_charts", "write_quotes", "write_workbook"]
