"""Quotes by offsets: ``text[start:end]`` once the offsets are known to fit the text."""

from __future__ import annotations

import pandas as pd
import pytest

from qda.errors import ProjectError
from qda.offsets import quote, quotes

TEXT = "Café — naïve 👋 words"


def test_a_quote_is_the_code_point_slice():
    assert quote(TEXT, 0, 4) == "Café"
    assert quote(TEXT, 13, 14) == "👋"
    assert quote(TEXT, 5, 5) == ""
    assert quote(TEXT, 0, len(TEXT)) == TEXT


@pytest.mark.parametrize("start, end", [(-1, 3), (5, 4), (0, len(TEXT) + 1), (30, 40)])
def test_offsets_that_do_not_fit_are_named_not_cut_short(start, end):
    with pytest.raises(
        ProjectError,
        match=rf"offsets {start}-{end} do not fit document 'd1' "
        rf"\({len(TEXT)} characters\)",
    ):
        quote(TEXT, start, end, document="d1")


def test_a_table_of_spans_gets_its_text_column():
    texts = {"a": TEXT, "b": "second text"}
    df = pd.DataFrame({"document_id": ["a", "b", "a"], "start": [0, 7, 15], "end": [4, 11, len(TEXT)]})
    assert quotes(texts, df["document_id"], df["start"], df["end"]) == ["Café", "text", "words"]
    with pytest.raises(ProjectError, match="offsets 7-12 do not fit document 'b'"):
        quotes(texts, ["a", "b"], [0, 7], [1, 12])
