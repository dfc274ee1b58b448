"""The long coding CSV read and checked without a project: every error names its row."""

from __future__ import annotations

import pytest

from qda.coding.longcsv import read_long_csv, resolve_csv
from qda.coding.marks import Mark
from qda.errors import InputError

TEXT = "Hello there. We cook together.\nI like it."
SPANS = {"d1-s1": ("d1", 0, 12), "d1-s2": ("d1", 13, 30), "d1-s3": ("d1", 31, 41)}


def _rows(tmp_path, body: str, header: str = "segment_id,document,start,end,code,coder,text"):
    path = tmp_path / "codings.csv"
    path.write_text(header + "\n" + body, encoding="utf-8")
    return path, read_long_csv(path)


def _resolve(path, rows, **kw):
    return resolve_csv(
        path,
        rows,
        coder=kw.pop("coder", "ann"),
        codes={"a", "b"},
        spans=SPANS,
        texts={"d1": TEXT},
        names={"one.txt": "d1"},
        **kw,
    )


@pytest.mark.parametrize(
    "header, body, message",
    [
        ("segment_id,coder", "x,ann\n", "missing column(s) code"),
        ("document,code", "d1,a\n", "missing column(s) start, end"),
        ("segment_id,code,code", "x,a,b\n", "column(s) code appear more than once"),
        ("segment_id,code", "d1-s1,a,extra\n", "row 2 has more cells than the header"),
        ("document,start,end,code", "d1,3,,a\n", "row 2: give both start and end"),
        ("document,start,end,code", "d1,5,5,a\n", "row 2: start 5 is not before end 5"),
        ("segment_id,document,start,end,code", ",d1,,,a\n", "row 2: give a segment_id, or a document"),
        ("segment_id,code,source", "d1-s1,a,rules\n", "row 2 is a 'rules' coding"),
        ("segment_id,code,status", "d1-s1,a,suggested\n", "row 2 has status 'suggested'"),
    ],
)
def test_the_shape_of_each_row_is_checked(tmp_path, header, body, message):
    with pytest.raises(InputError) as err:
        _rows(tmp_path, body, header)
    assert message in str(err.value) and "codings.csv" in str(err.value)


def test_blank_rows_are_skipped_and_row_numbers_are_the_files(tmp_path):
    _, rows = _rows(tmp_path, ",,,,,,\nd1-s1,,,,a,,\n")
    assert [(r.row, r.segment_id, r.code) for r in rows] == [(3, "d1-s1", "a")]


def test_rows_resolve_by_segment_id_by_span_and_by_document_name(tmp_path):
    path, rows = _rows(
        tmp_path,
        "d1-s1,,,,a,ann,Hello there.\nd1-s2,,16,20,b,,\n,one.txt,31,33,a,,\nd1-s3,,,,,ann,I like it!\n",
    )
    out = _resolve(path, rows)
    assert out.marks == [
        Mark("d1-s1", "d1", 0, 12, "a"),
        Mark("d1-s2", "d1", 16, 20, "b", True),
        Mark("d1-s3", "d1", 31, 33, "a", True),
    ]
    assert out.segments == {"d1-s1", "d1-s2", "d1-s3"}
    assert out.reviewed == {"d1-s1": "d1", "d1-s2": "d1", "d1-s3": "d1"}
    assert out.edited == [("row 5", "d1-s3")]


@pytest.mark.parametrize(
    "body, message",
    [
        ("d1-s1,,,,a,bob,\n", "row 2 is coder 'bob''s, not 'ann''s"),
        ("d1-s1,,,,zz,,\n", "row 2: unknown code 'zz'"),
        (",nope,0,5,a,,\n", "row 2: unknown document 'nope'"),
        ("gone,,,,a,,\n", "row 2: unknown segment id 'gone'"),
        ("d1-s1,d2,,,a,,\n", "row 2: unknown document 'd2'"),
        ("d1-s1,,10,20,a,,\n", "row 2: offsets 10-20 are outside segment 'd1-s1' (0-12)"),
        (",d1,35,99,a,,\n", "row 2: offsets 35-99 run past the end of 'd1' (41 characters)"),
        (",d1,10,20,a,,\n", "row 2: offsets 10-20 of 'd1' do not lie inside one segment"),
        (",d1,12,13,a,,\n", "row 2: offsets 12-13 of 'd1' do not lie inside one segment"),
    ],
)
def test_rows_the_project_cannot_place_are_refused_by_row(tmp_path, body, message):
    path, rows = _rows(tmp_path, body)
    with pytest.raises(InputError) as err:
        _resolve(path, rows)
    assert message in str(err.value) and str(path) in str(err.value)


def test_a_segment_of_an_earlier_version_is_named_as_such(tmp_path):
    path, rows = _rows(tmp_path, "old-s9,,,,a,,\n")
    with pytest.raises(InputError, match="row 2: .*old-s9.*d1"):
        _resolve(path, rows, replaced={"old-s9": "d1"})
