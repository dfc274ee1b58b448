"""How qda's objects show in a notebook (qda/display.py): the project at a glance with
its matrix shaded, result dataclasses as tables of fields, analyses as shaded tables."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from qda.display import fields_html, shaded_table
from qda.project import Project
from tests.helpers.paths import CODEBOOK


@pytest.fixture
def coded(transcripts, tmp_path) -> Project:
    project = Project.create(tmp_path / "d.qda")
    project.load_codebook(CODEBOOK)
    project.report = project.ingest([transcripts], participants=transcripts / "participants.csv")
    segs = project.segments().set_index("segment_id")
    for words, code, coder in [
        ("ring his mum", "home_visits", "ann"),
        ("Confidentiality", "confidentiality_consent", "ann"),
        ("children's centre", "community_venues", "ann"),
        ("ring his mum", "home_visits", "bob"),
    ]:
        project.add_coding(segs.index[segs["text"].str.contains(words)][0], code, coder=coder)
    project.add_memo("A note", who="ann")
    yield project
    project.close()


def _cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>.*?</td>", html, re.S)]


def test_project_shows_its_counts_and_a_shaded_matrix(coded):
    html = coded._repr_html_()
    assert "qda project d.qda" in html
    cells = _cells(html)
    summary = coded.summary()
    assert cells[:6] == [
        str(summary["documents"]),
        str(summary["participants"]),
        f"{summary['segments']} (+{summary['interviewer_turns']} interviewer turns)",
        str(summary["codes"]),
        f"{summary['codings']} (4 by people, 0 open suggestions)",
        "1",
    ]
    assert coded.select_codings().description in html.replace("&#x27;", "'")
    # the matrix: one row per participant, the theme columns shaded, the counts right
    matrix = coded.matrix(depth=1)
    themes = [c.id for c in coded.codebook.top_level()]
    assert html.count("<tr>") >= len(matrix) + 1
    shaded = re.findall(r"background-color: (#[0-9a-f]{6})", html)
    assert len(set(shaded)) >= 2  # white for 0, blue for the highest count
    s01 = matrix.set_index("participant").loc["S01", themes]
    row = next(r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if ">S01<" in r)
    assert _cells(row)[-len(themes) :] == [str(int(v)) for v in s01]
    assert html == coded._repr_html_()  # the same project shows the same (stored outputs)


def test_an_empty_project_shows_without_a_matrix(fresh_project):
    html = fresh_project._repr_html_()
    assert "qda project p.qda" in html and "Segments coded" not in html


def test_reports_show_their_fields(coded):
    html = coded.report._repr_html_()
    assert html.startswith("<div><strong>IngestReport</strong>")
    assert "<th style='text-align:left'>added</th>" in html
    added = "; ".join(coded.report.added)
    assert f"<td style='text-align:left'>3 ({added})</td>" in html


def test_analyses_show_as_shaded_tables(coded):
    agreement = coded.agreement(["ann", "bob"])
    html = agreement._repr_html_()
    assert agreement.note[:40].replace("'", "&#x27;") in html
    crosstab = coded.crosstab("group", unit="participants", coders=["ann"])
    assert "column % of each group" in crosstab._repr_html_()
    co = coded.cooccurrence(coders=["ann"])
    assert "background-color" in co._repr_html_()


def test_shaded_table_cuts_long_tables_and_says_so():
    frame = pd.DataFrame({"who": [f"P{i}" for i in range(40)], "n": range(40)})
    html = shaded_table(frame, shade=["n"], caption="People", max_rows=10)
    assert "People (first 10 of 40 rows)" in html
    assert len(_cells(html)) == 20
    assert "P9" in html and "P10" not in html


def test_fields_of_lists_and_mappings_are_summarised():
    from dataclasses import dataclass, field

    @dataclass
    class R:
        items: list = field(default_factory=lambda: list("abcdefg"))
        by: dict = field(default_factory=lambda: {"x": 1})
        table: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"a": [1, 2]}))

    html = fields_html(R())
    assert "7 (a; b; c; d; e; … 2 more)" in html
    assert "1 (x: 1)" in html and "a table of 2 rows × 1 columns" in html
