"""Analysis: tables in, tables out (pandas DataFrames), no I/O."""

from qda.analysis.matrix import VALUES, code_matrix, coded_segments
from qda.analysis.select import CodingSelection, select_codings

__all__ = ["VALUES", "CodingSelection", "code_matrix", "coded_segments", "select_codings"]
