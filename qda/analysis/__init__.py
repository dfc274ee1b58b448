"""Analysis: tables in, tables out (pandas DataFrames), no I/O except reading back a
framework sheet. One module per analysis: ``matrix``, ``crosstab``, ``framework``,
``cooccurrence``, ``agreement``, ``saturation``, ``quotes``, ``segments`` (the segment
table people read); ``select`` decides which codings they use and ``columns`` which
codes they show (depth or a list, rolled up)."""

from qda.analysis.agreement import (
    AGREEMENT_COLUMNS,
    Agreement,
    agreement,
    cohen_kappa,
    krippendorff_alpha,
    percent_agreement,
)
from qda.analysis.columns import choose_codes
from qda.analysis.cooccurrence import Cooccurrence, cooccurrence
from qda.analysis.crosstab import UNITS, Crosstab, crosstab
from qda.analysis.framework import (
    FRAMEWORK_SHEET,
    framework_column,
    framework_matrix,
    parse_framework_column,
    read_framework_summaries,
)
from qda.analysis.matrix import VALUES, code_matrix, coded_segments
from qda.analysis.quotes import QUOTE_COLUMNS, coded_quotes
from qda.analysis.saturation import saturation
from qda.analysis.segments import SEGMENT_COLUMNS, segment_table
from qda.analysis.select import CodingSelection, select_codings

__all__ = [
    "AGREEMENT_COLUMNS",
    "FRAMEWORK_SHEET",
    "QUOTE_COLUMNS",
    "SEGMENT_COLUMNS",
    "UNITS",
    "VALUES",
    "Agreement",
    "CodingSelection",
    "Cooccurrence",
    "Crosstab",
    "agreement",
    "choose_codes",
    "code_matrix",
    "coded_quotes",
    "coded_segments",
    "cohen_kappa",
    "cooccurrence",
    "crosstab",
    "framework_column",
    "framework_matrix",
    "krippendorff_alpha",
    "parse_framework_column",
    "percent_agreement",
    "read_framework_summaries",
    "saturation",
    "segment_table",
    "select_codings",
]
