"""The shared spreadsheet reader: cells as text, column names, one sheet by name."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from qda.errors import InputError
from qda.ingest.spreadsheet import cell_text, column_letter, read_sheet


@pytest.mark.parametrize(
    "value, text",
    [
        (None, ""),
        (float("nan"), ""),
        (12.0, "12"),
        (2.5, "2.5"),
        (7, "7"),
        ("  a\r\nb \r", "a\nb"),
        (dt.datetime(2024, 3, 1), "2024-03-01"),
        (pd.Timestamp("2024-03-01 10:30"), "2024-03-01T10:30:00"),
        (dt.date(2024, 3, 1), "2024-03-01"),
    ],
)
def test_cells_become_the_text_qda_stores(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize(
    "index, letters",
    [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA"), (16383, "XFD"), (20000, "ACOG")],
)
def test_columns_are_named_as_a_spreadsheet_names_them(index, letters):
    assert column_letter(index) == letters


def test_one_sheet_is_read_by_name_or_the_first_by_default(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"a": [1, 2]}).to_excel(writer, sheet_name="First", index=False)
        pd.DataFrame({"b": ["x"]}).to_excel(writer, sheet_name="Second", index=False)
    grid, name = read_sheet(path, path.read_bytes())
    assert name == "First" and grid.map(cell_text).values.tolist() == [["a"], ["1"], ["2"]]
    grid, name = read_sheet(path, path.read_bytes(), sheet="Second")
    assert name == "Second" and grid.values.tolist() == [["b"], ["x"]]
    with pytest.raises(
        InputError,
        match=r"book.xlsx: no sheet 'Third' \(sheets: First, Second\); "
        r"export it again",
    ):
        read_sheet(path, path.read_bytes(), sheet="Third", hint="export it again")
