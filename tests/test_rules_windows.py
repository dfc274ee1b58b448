"""The rules coder's second pass: proximity windows, numbered patterns, exclusions on every
kind of rule, explain(); the proximity field through YAML, XLSX, QDC and the store."""

from __future__ import annotations

import textwrap

import pytest

from qda.codebook import Code, Codebook, load_codebook, save_codebook
from qda.coding import RulesCoder, code_with_rules
from qda.errors import CodebookError
from tests.helpers.segments import segments_from as _segments


def _book(*rules, **fields) -> Codebook:
    return Codebook(codes=(Code("fam", "Family at appointments", proximity=tuple(rules), **fields),))


NEAR = {"terms": ["family", "appointment"], "within": 3}


@pytest.mark.parametrize(
    "text, hit",
    [
        ("Her family came to the appointment.", True),  # 3 words between
        ("The appointment: her family came.", True),  # any order; ':' not counted
        ("Families, sometimes, at appointments.", True),  # lemmas; punctuation not counted
        ("Her family came along to the first appointment.", False),  # 5 words between
        ("Her family came.", False),  # one term only
        ("An appointment.", False),
    ],
)
def test_window_within_n_words_in_any_order(text, hit):
    segs, texts = _segments([text])
    out = code_with_rules(segs, texts, _book(NEAR))
    assert (not out.empty) is hit
    if hit:
        [ev] = out["evidence"].iloc[0]
        assert ev["kind"] == "window" and ev["term"] == "family + appointment within 3"
        assert texts["d"][ev["start"] : ev["end"]] == ev["text"]
        assert [p["term"] for p in sorted(ev["parts"], key=lambda p: p["start"])] == (
            ["appointment", "family"] if text.startswith("The appointment") else ["family", "appointment"]
        )
        for part in ev["parts"]:
            assert texts["d"][part["start"] : part["end"]] == part["text"]


def test_ordered_window_needs_the_listed_order():
    rule = {**NEAR, "ordered": True}
    segs, texts = _segments(["Her family came to the appointment.", "The appointment: her family came."])
    out = code_with_rules(segs, texts, _book(rule))
    assert out["segment_id"].tolist() == ["s0"]
    assert out["evidence"].iloc[0][0]["term"] == "family then appointment within 3"


def test_window_of_three_terms_and_zero_gap():
    segs, texts = _segments(["home visit with the family today", "home visit today"])
    rules = ({"terms": ["home", "visit"], "within": 0}, {"terms": ["home", "family", "visit"], "within": 2})
    out = code_with_rules(segs, texts, _book(*rules))
    assert out["segment_id"].tolist() == ["s0", "s1"]
    assert [e["term"] for e in out["evidence"].iloc[0]] == [
        "home + visit within 0",
        "home + family + visit within 2",
    ]
    assert [e["term"] for e in out["evidence"].iloc[1]] == ["home + visit within 0"]


def test_each_window_occurrence_is_reported_once():
    segs, texts = _segments(["family appointment and later another family appointment"])
    [evidence] = code_with_rules(segs, texts, _book({**NEAR, "within": 0}))["evidence"]
    assert [e["text"] for e in evidence] == ["family appointment", "family appointment"]


def test_exclusions_block_keywords_patterns_and_windows_and_explain_shows_them():
    cb = Codebook(
        codes=(
            Code("win", "W", proximity=(NEAR,), exclude_keywords=("court",)),
            Code(
                "pat",
                "P",
                patterns=([{"LOWER": "not"}, {"LEMMA": "counsellor"}],),
                exclude_keywords=("court",),
            ),
            Code("kw", "K", keywords=("family",), exclude_keywords=("marriage guidance",)),
        )
    )
    segs, texts = _segments(
        [
            "Her family came to the appointment at court. I'm not counsellor.",
            "Her family came to the appointment. Not counsellors.",
            "Family, not marriage guidance.",
        ]
    )
    coder = RulesCoder(cb)
    out = coder.code(segs, texts)
    assert sorted(zip(out["segment_id"], out["code_id"])) == [
        ("s0", "kw"),
        ("s1", "kw"),
        ("s1", "pat"),
        ("s1", "win"),
    ]
    explained = coder.explain(segs, texts)
    blocked = explained[explained["blocked_by"].map(len) > 0]
    assert sorted(zip(blocked["segment_id"], blocked["code_id"])) == [
        ("s0", "pat"),
        ("s0", "win"),
        ("s2", "kw"),
    ]
    for rec in blocked.to_dict("records"):
        for ev in rec["blocked_by"]:
            assert ev["kind"] == "exclude"
            assert texts["d"][ev["start"] : ev["end"]] == ev["text"]
    pat = explained[(explained["segment_id"] == "s1") & (explained["code_id"] == "pat")]
    assert pat["evidence"].iloc[0][0] == {
        "kind": "pattern",
        "term": "pattern 1",
        "text": "Not counsellors",
        "start": texts["d"].index("Not counsellors"),
        "end": texts["d"].index("Not counsellors") + len("Not counsellors"),
    }


def test_window_terms_keep_the_base_form_rule():
    """ "evening" is looked up as "even": a window term "evening" must not match "even"."""
    cb = _book({"terms": ["evening", "appointment"], "within": 2})
    segs, texts = _segments(["even an appointment", "evening appointments"])
    assert code_with_rules(segs, texts, cb)["segment_id"].tolist() == ["s1"]


# ------------------------------------------------------------------ the codebook field
YAML = """\
name: t
version: "1"
codes:
  - id: fam
    name: Family at appointments
    proximity:
      - terms: [family, appointment]
        within: 5
      - {terms: [home, visit], within: 0, ordered: true}
"""


def test_proximity_round_trips_through_every_format_and_the_store(tmp_path, fresh_project):
    (tmp_path / "cb.yaml").write_text(YAML, encoding="utf-8")
    cb = load_codebook(tmp_path / "cb.yaml")
    want = (
        {"terms": ["family", "appointment"], "within": 5},
        {"terms": ["home", "visit"], "within": 0, "ordered": True},
    )
    assert cb.get("fam").proximity == want
    for ext in ("yaml", "xlsx", "qdc"):
        save_codebook(cb, tmp_path / f"out.{ext}")
        assert load_codebook(tmp_path / f"out.{ext}").get("fam").proximity == want, ext
    fresh_project.load_codebook(cb)
    assert fresh_project.codebook.get("fam").proximity == want


@pytest.mark.parametrize(
    "rule, message",
    [
        ("{terms: [family], within: 5}", "proximity rule 1: 'terms' must list two or more"),
        ("{terms: [family, visit], within: -1}", "proximity rule 1: 'within' must be a whole"),
        ("{terms: [family, visit], within: five}", "'within' must be a whole number"),
        ("{terms: [family, visit]}", "proximity rule 1 needs 'terms' and 'within'"),
        ("{terms: [family, visit], within: 2, near: 1}", "allowed: ordered, terms, within"),
        ("{terms: [family, visit], within: 2, ordered: maybe}", "'ordered' must be true or false"),
    ],
)
def test_bad_proximity_rules_name_the_file_line_and_code(tmp_path, rule, message):
    text = textwrap.dedent(f"""\
        name: t
        codes:
          - id: ok
            name: OK
          - id: fam
            name: Fam
            proximity:
              - {rule}
        """)
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as err:
        load_codebook(tmp_path / "bad.yaml")
    assert "bad.yaml, line 5: code 'fam': " in str(err.value)
    assert message in str(err.value)


def test_bad_proximity_in_a_workbook_names_the_row(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Codes"
    ws.append(["path", "id", "proximity"])
    ws.append(["Fam", "fam", '{"terms": ["family", "visit"], "within": 2}'])
    ws.append(["Other", "other", '{"terms": ["family"], "within": 2}'])
    book.save(tmp_path / "cb.xlsx")
    with pytest.raises(CodebookError, match=r"row 3: code 'other': proximity rule 1: 'terms'"):
        load_codebook(tmp_path / "cb.xlsx")
