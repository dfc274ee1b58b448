"""Exploring: search (KWIC), words (keyness), coding queries, a passage in context.

A hand-built project: two interviews, three participants, four codes, hand coding.

    doc1  t001 Interviewer  "Do you visit?"
          t002 Ann (staff, Kent)     home_visits
          t003 Interviewer
          t004 Ann                   consent, home_visits
          t005 Bob (staff, Surrey)   barriers
    doc2  t001 Interviewer
          t002 Cat (family, Kent)    home_visits, consent
          t003 Interviewer
          t004 Cat                   (nothing)

Codes: involvement > home_visits; consent; barriers.
"""

from __future__ import annotations

import csv
import math

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from qda.cli import cli
from qda.errors import InputError
from qda.explore import parse_query
from qda.project import Project

DOC1 = (
    "Interviewer: Do you visit?\n\n"
    "Ann: We visit families at home. Visits help families.\n\n"
    "Interviewer: And consent?\n\n"
    "Ann: Consent matters. I visited her mum.\n\n"
    "Bob: The office is closed to children.\n"
)
DOC2 = (
    "Interviewer: Hello?\n\n"
    "Cat: Home visits are rare. Consent first.\n\n"
    "Interviewer: More?\n\n"
    "Cat: Nothing else, honestly.\n"
)
CODEBOOK = """name: Test
version: "1"
codes:
  - id: involvement
    name: Involvement
    children:
      - id: home_visits
        name: Home visits
  - id: consent
    name: Consent
  - id: barriers
    name: Barriers
"""
PARTICIPANTS = (
    "participant,document,speaker,group,location\n"
    "S1,doc1,Ann,staff,Kent\nS2,doc1,Bob,staff,Surrey\nF1,doc2,Cat,family,Kent\n"
)
CODING = {
    "doc1#t002": ["home_visits"],
    "doc1#t004": ["consent", "home_visits"],
    "doc1#t005": ["barriers"],
    "doc2#t002": ["home_visits", "consent"],
}


@pytest.fixture
def project_file(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "doc1.txt").write_text(DOC1, encoding="utf-8")
    (folder / "doc2.txt").write_text(DOC2, encoding="utf-8")
    (tmp_path / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    path = tmp_path / "p.qda"
    with Project.create(path) as p:
        p.ingest([folder], participants=tmp_path / "participants.csv")
        p.load_codebook(tmp_path / "codebook.yaml")
        for sid, codes in CODING.items():
            for code in codes:
                p.add_coding(sid, code, coder="ann_coder")
    return path


@pytest.fixture
def project(project_file):
    with Project.open(project_file) as p:
        yield p


def _spans(text: str, word: str) -> list[tuple[int, int]]:
    out, at = [], text.find(word)
    while at >= 0:
        out.append((at, at + len(word)))
        at = text.find(word, at + 1)
    return out


# -------------------------------------------------------------------------- search
def test_the_fixture_is_as_drawn(project):
    segs = project.segments()
    assert segs["segment_id"].tolist() == ["doc1#t002", "doc1#t004", "doc1#t005", "doc2#t002", "doc2#t004"]
    assert segs["participant"].tolist() == ["S1", "S1", "S2", "F1", "F1"]


def test_plain_search_finds_whole_words_with_exact_offsets(project):
    hits = project.search("visit")
    # "visit" in Ann's first answer only: not "Visits", "visited", "visits", nor the
    # interviewer's question
    ((s, e),) = [(a + 3, b) for a, b in _spans(DOC1, "We visit")]
    assert hits[["segment_id", "start", "end", "hit"]].values.tolist() == [["doc1#t002", s, e, "visit"]]
    assert hits.loc[0, "left"] == "We " and hits.loc[0, "right"] == " families at home. Visits help families."
    assert DOC1[s:e] == "visit"
    assert hits.loc[0, "group"] == "staff" and hits.loc[0, "location"] == "Kent"


def test_interviewer_turns_only_when_asked(project):
    hits = project.search("visit", interviewer=True)
    assert hits["segment_id"].tolist() == ["doc1#t001", "doc1#t002"]
    assert hits["is_interviewer"].tolist() == [True, False]


def test_a_star_ends_any_word_and_case_is_ignored(project):
    hits = project.search("visit*")
    assert hits["hit"].tolist() == ["visit", "Visits", "visited", "visits"]
    texts = {"doc1": DOC1, "doc2": DOC2}
    assert all(
        texts[d][a:b] == h for d, a, b, h in zip(hits["document"], hits["start"], hits["end"], hits["hit"])
    )


def test_lemma_search_finds_every_form(project):
    hits = project.search("visit", lemma=True)
    assert hits["hit"].tolist() == ["visit", "Visits", "visited", "visits"]
    assert hits["segment_id"].tolist() == ["doc1#t002", "doc1#t002", "doc1#t004", "doc2#t002"]
    phrase = project.search("home visit", lemma=True)  # "home. Visits" is no phrase
    assert phrase["hit"].tolist() == ["Home visits"]
    assert phrase.loc[0, "start"] == DOC2.index("Home visits")


def test_regex_code_and_where_narrow_the_search(project):
    assert project.search(r"consent\w*", regex=True)["segment_id"].tolist() == ["doc1#t004", "doc2#t002"]
    assert project.search("visit*", code="consent")["hit"].tolist() == ["visited", "visits"]
    # a theme stands for its sub-codes
    assert project.search("visit*", code="involvement")["hit"].tolist() == [
        "visit",
        "Visits",
        "visited",
        "visits",
    ]
    assert project.search("visit*", where=["group=family"])["hit"].tolist() == ["visits"]
    assert project.search("visit*", where=["location=kent", "location=Surrey"]).shape[0] == 4
    assert project.search("visit*", where=["group=staff", "location=Surrey"]).empty


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"term": "visit(", "regex": True}, "bad regular expression 'visit(' at position 6"),
        ({"term": "visit", "where": ["rank=3"]}, "no attribute 'rank'"),
        ({"term": "visit", "where": ["rank"]}, "write ATTRIBUTE=VALUE"),
        ({"term": "visit", "code": "nope"}, "unknown code 'nope'"),
        ({"term": "  "}, "give a word"),
    ],
)
def test_bad_search_input_is_one_clear_error(project, kw, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        project.search(**kw)


def test_coding_hits_codes_their_exact_words_once(project):
    hits = project.search("visit*", where=["group=staff"])
    report = project.code_hits(hits, "barriers", coder="searcher")
    assert report.added == 3
    mine = project.codings(coders=["searcher"])
    assert sorted(zip(mine["start"], mine["end"])) == sorted(zip(hits["start"], hits["end"]))
    assert set(mine["text"]) == {"visit", "Visits", "visited"}
    assert set(mine["source"]) == {"human"} and set(mine["status"]) == {"accepted"}
    assert project.code_hits(hits, "barriers", coder="searcher").added == 0
    assert project.history().iloc[-1]["entity_id"] == "search"


def test_written_hits_are_read_back_by_code_import(project, tmp_path):
    hits = project.search("consent")
    table = project.hits_table(hits)
    assert list(table.columns[:11]) == [
        "segment_id",
        "document",
        "participant",
        "start",
        "end",
        "code",
        "coder",
        "source",
        "status",
        "confidence",
        "text",
    ]
    table["code"] = "consent"
    path = tmp_path / "hits.csv"
    table.to_csv(path, index=False)
    report = project.import_coding(path, coder="reader")
    assert report.added == 2
    got = project.codings(coders=["reader"])
    assert got["text"].str.lower().tolist() == ["consent", "consent"]


# -------------------------------------------------------------------------- queries
QUERIES = [
    ("involvement", None, {"doc1#t002", "doc1#t004", "doc2#t002"}),
    ("consent AND home_visits", None, {"doc1#t004", "doc2#t002"}),
    ("home_visits AND NOT consent", None, {"doc1#t002"}),
    ("NOT involvement", None, {"doc1#t005", "doc2#t004"}),
    ("consent OR barriers", None, {"doc1#t004", "doc1#t005", "doc2#t002"}),
    ("(consent OR barriers) AND NOT home_visits", None, {"doc1#t005"}),
    ("not (consent or barriers)", None, {"doc1#t002", "doc2#t004"}),
    # turns counted over every segment, interviewer turns too: t004 and t005 are 1 apart
    ("barriers NEAR/1 consent", None, {"doc1#t004", "doc1#t005"}),
    ("barriers NEAR/0 consent", None, set()),
    ("home_visits NEAR/2 barriers", None, {"doc1#t004", "doc1#t005"}),
    ("home_visits NEAR/3 barriers", None, {"doc1#t002", "doc1#t004", "doc1#t005"}),
    ("consent NEAR/9 barriers", None, {"doc1#t004", "doc1#t005"}),  # never across documents
    ("involvement", ["group=family"], {"doc2#t002"}),
    ("NOT consent", ["location=Kent"], {"doc1#t002", "doc2#t004"}),
]


@pytest.mark.parametrize("expression, where, expected", QUERIES)
def test_queries_select_the_hand_computed_passages(project, expression, where, expected):
    got = project.query(expression, where=where)
    assert set(got["segment_id"]) == expected
    assert got["segment_id"].is_unique


def test_query_rows_carry_attribution_and_the_codes_found(project):
    got = project.query("consent AND involvement")
    assert got.columns[:9].tolist() == [
        "segment_id",
        "document",
        "participant",
        "attribution",
        "speaker",
        "start",
        "end",
        "codes",
        "text",
    ]
    assert got["codes"].tolist() == ["consent; involvement"] * 2
    assert got["text"].tolist() == [
        "Consent matters. I visited her mum.",
        "Home visits are rare. Consent first.",
    ]


def test_query_by_coder(project):
    project.add_coding("doc2#t004", "barriers", coder="other")
    assert set(project.query("barriers")["segment_id"]) == {"doc1#t005", "doc2#t004"}
    assert set(project.query("barriers", coders=["other"])["segment_id"]) == {"doc2#t004"}


def test_query_matrix_counts_each_code_and_the_query(project):
    table = project.query_matrix("consent AND home_visits", rows="group")
    assert table.set_index("group").to_dict("index") == {
        "staff": {"consent": 1, "home_visits": 2, "consent AND home_visits": 1, "segments": 3},
        "family": {"consent": 1, "home_visits": 1, "consent AND home_visits": 1, "segments": 2},
    }
    per_person = project.query_matrix("barriers OR consent", rows="participant")
    assert per_person["participant"].tolist() == ["F1", "S1", "S2"]  # the matrix's order
    assert per_person["barriers OR consent"].tolist() == [1, 1, 1]


@pytest.mark.parametrize(
    "expression, position, words",
    [
        ("consent AND", 12, "ends too soon"),
        ("consent AND nope", 13, "unknown code 'nope'"),
        ("consent NEAR/x barriers", 9, "NEAR/ needs a whole number"),
        ("(consent OR barriers", 21, 'expected ")"'),
        ("consent barriers", 9, "unexpected 'barriers'"),
        ("consent OR OR barriers", 12, "unexpected 'OR'"),
        ("consent & barriers", 9, "unexpected '&'"),
    ],
)
def test_a_malformed_query_names_the_position(project, expression, position, words):
    with pytest.raises(InputError) as info:
        project.query(expression)
    assert f"at position {position}:" in str(info.value) and words in str(info.value)


def test_keywords_are_words_not_parts_of_code_ids():
    q = parse_query("and_more AND notes OR near_x", {"and_more", "notes", "near_x"})
    assert q.tree == ("or", ("and", ("code", "and_more"), ("code", "notes")), ("code", "near_x"))


def test_saved_queries_are_matrix_columns(project):
    project.save_query("both", "consent AND home_visits")
    project.save_query("kent_visits", "home_visits", where=["location=Kent"])
    assert project.saved_queries()["both"]["expression"] == "consent AND home_visits"
    table = project.matrix(
        rows="group", codes=["consent"], queries=["both", "kent_visits"], totals=True
    ).set_index("group")
    assert table["query:both"].to_dict() == {"staff": 1, "family": 1, "Total": 2}
    # Ann (Kent): t002, t004; Bob is in Surrey; Cat (Kent): t002
    assert table["query:kent_visits"].to_dict() == {"staff": 2, "family": 1, "Total": 3}
    assert table["Total"].to_dict() == {"staff": 1, "family": 1, "Total": 2}  # codes only
    assert project.history().iloc[-1]["entity"] == "query"


def test_a_bad_saved_query_changes_nothing(project):
    before = len(project.history())
    for kw in (
        {"name": "x", "expression": "consent AND"},
        {"name": "x", "expression": "consent", "where": ["rank=1"]},
        {"name": "a,b", "expression": "consent"},
    ):
        with pytest.raises(InputError):
            project.save_query(**kw)
    assert project.saved_queries() == {} and len(project.history()) == before
    with pytest.raises(InputError, match="no saved query 'missing'"):
        project.matrix(queries=["missing"])


# --------------------------------------------------------------------------- show
def test_show_gives_the_turns_around_and_the_codings(project):
    passage = project.show("doc1#t004", context=1)
    assert passage.turns["segment_id"].tolist() == ["doc1#t003", "doc1#t004", "doc1#t005"]
    assert passage.turns["offset"].tolist() == [-1, 0, 1]
    assert passage.turns["text"].tolist() == [
        "And consent?",
        "Consent matters. I visited her mum.",
        "The office is closed to children.",
    ]
    assert passage.text == DOC1[passage.start : passage.end]
    assert sorted(passage.codings["code"]) == ["consent", "home_visits"]
    assert passage.memos.empty
    text = passage.to_text()
    assert ">> t004  Ann: Consent matters." in text and "consent (Consent): ann_coder" in text
    assert "Memos: none" in text


def test_show_lists_the_memos_about_its_codings_participant_and_document(project):
    seg = project.segments().set_index("segment_id").loc["doc1#t004"]
    on_coding = project.add_memo(
        "Consent came up unprompted", coding="doc1#t004:consent", coder="ann_coder", who="me"
    )
    on_person = project.add_memo("Ann works nights", participant=seg["participant"], who="me")
    on_doc = project.add_memo("Recorded by phone", document="doc1", title="Method", who="me")
    project.add_memo("Another document", document="doc2", who="me")
    project.add_memo("The whole project", who="me")
    passage = project.show("doc1#t004", context=1)
    assert sorted(passage.memos["memo_id"]) == sorted([on_coding, on_person, on_doc])
    text = passage.to_text()
    assert "Consent came up unprompted" in text and "Method: Recorded by phone" in text
    assert "Another document" not in text and "The whole project" not in text
    edge = project.show("doc1#t001", context=2)
    assert edge.turns["offset"].tolist() == [0, 1, 2]
    with pytest.raises(InputError, match="unknown segment"):
        project.show("doc9#t001")


# -------------------------------------------------------------------------- words
def test_word_counts_by_hand(project):
    table = project.words(top=None).set_index("word")
    # Ann: visit families home visits help families | consent matters visited mum
    # Bob: office closed children; Cat: home visits rare consent | honestly
    # (stop words: we at her i the is to are first nothing else)
    assert table["count"].to_dict() == {
        "visit": 4,
        "family": 2,
        "home": 2,
        "consent": 2,
        "help": 1,
        "matter": 1,
        "mum": 1,
        "office": 1,
        "close": 1,
        "child": 1,
        "rare": 1,
        "honestly": 1,
    }
    assert table["share"]["visit"] == pytest.approx(4 / 18)


def test_keyness_is_the_log_likelihood_against_the_rest(project):
    table = project.words(by="group", top=None).set_index(["group", "word"])
    # "rare": family 1 of its 5 counted words (home visits rare consent honestly), staff 0
    # of 13
    a, b, c, d = 1, 0, 5, 13
    e1 = c * (a + b) / (c + d)
    g2 = 2 * a * math.log(a / e1)
    assert table.loc[("family", "rare"), "keyness"] == pytest.approx(g2, abs=1e-3)
    assert ("staff", "rare") not in table.index
    # "visit": staff 3 of 13 (23%), family 1 of 5 (20%): staff a little more -> positive
    a, b, c, d = 3, 1, 13, 5
    e1, e2 = c * (a + b) / (c + d), d * (a + b) / (c + d)
    g2 = 2 * (a * math.log(a / e1) + b * math.log(b / e2))
    assert table.loc[("staff", "visit"), "keyness"] == pytest.approx(g2, abs=1e-3)
    assert table.loc[("family", "visit"), "keyness"] == pytest.approx(-g2, abs=1e-3)
    assert table.loc[("family", "visit"), "p_value"] > 0.5  # far from significant
    assert table.loc[("family", "visit"), "share"] == pytest.approx(1 / 5)


def test_words_options(project):
    top = project.words(by="group", top=1)
    # family: consent, home, visit, rare, honestly once each -> the first by name;
    # staff: visit 3
    assert top[["group", "word", "count"]].values.tolist() == [
        ["family", "consent", 1],
        ["staff", "visit", 3],
    ]
    assert project.words(min_count=2, top=None)["word"].tolist() == ["visit", "consent", "family", "home"]
    assert project.words(codes=["barriers"], top=None)["word"].tolist() == ["child", "close", "office"]
    with pytest.raises(InputError, match="no attribute 'rank'"):
        project.words(by="rank")


# ---------------------------------------------------------------------------- CLI
def _run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    "args, words",
    [
        (["query", "consent AND"], "at position 12"),
        (["query", "consent AND nope"], "unknown code 'nope'"),
        (["query", "consent NEAR/x barriers"], "NEAR/x"),
        (["search", "visit(", "--regex"], "position 6"),
        (["search", "visit", "--where", "rank=3"], "no attribute 'rank'"),
        (["search", "visit", "--code-as", "consent"], "--code-as needs --coder"),
        (["search", "visit", "--out", "hits.txt"], ".csv or .xlsx"),
        (["words", "--by", "rank"], "no attribute 'rank'"),
        (["show", "doc1#t099"], "unknown segment"),
        (["query", "consent AND", "--save", "q"], "at position 12"),
    ],
)
def test_cli_errors_are_one_line_and_change_nothing(project_file, args, words):
    before = project_file.read_bytes()
    result = _run(*args, "--project", str(project_file))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and words in lines[0]
    assert project_file.read_bytes() == before


def test_cli_search_out_code_as_and_import(project_file, tmp_path):
    out = tmp_path / "hits.csv"
    result = _run(
        "search",
        "visit*",
        "--out",
        str(out),
        "--code-as",
        "home_visits",
        "--coder",
        "finder",
        "--project",
        str(project_file),
    )
    assert result.exit_code == 0, result.output
    assert "Coded 4 hit(s) as home_visits for finder" in result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["text"] for r in rows] == ["visit", "Visits", "visited", "visits"]
    assert {r["code"] for r in rows} == {"home_visits"}
    again = _run("code", "import", str(out), "--coder", "finder", "--project", str(project_file))
    assert "0 coding(s) added, 4 already there" in again.output


def test_cli_query_save_and_matrix(project_file, tmp_path):
    result = _run("query", "consent AND home_visits", "--save", "both", "--project", str(project_file))
    assert result.exit_code == 0 and "doc1#t004 (S1, Kent) [consent; home_visits]" in result.output
    out = tmp_path / "m.csv"
    _run(
        "matrix",
        "--rows",
        "group",
        "--codes",
        "consent",
        "--query",
        "both",
        "--out",
        str(out),
        "--project",
        str(project_file),
    )
    table = pd.read_csv(out).set_index("group")
    assert table["query:both"].to_dict() == {"staff": 1, "family": 1}
    shown = _run("query", "consent AND home_visits", "--matrix", "group", "--project", str(project_file))
    assert "consent AND home_visits" in shown.output and "segments" in shown.output


def test_cli_words_chart_and_show(project_file, tmp_path):
    chart = tmp_path / "words.svg"
    result = _run("words", "--by", "group", "--chart", str(chart), "--project", str(project_file))
    assert result.exit_code == 0 and "visit" in result.output
    assert "<svg" in chart.read_text(encoding="utf-8")
    shown = _run("show", "doc2#t002", "--context", "1", "--project", str(project_file))
    assert ">> t002  Cat: Home visits are rare." in shown.output


def test_charts_by_any_attribute(project, tmp_path):
    from qda import reports

    written = {p.name for p in reports.export_charts(project, tmp_path, group="location")}
    assert {"theme-prevalence-by-location.png", "code-frequency.svg", "document-theme-heatmap.png"} <= written
    default = {p.name for p in reports.export_charts(project, tmp_path / "d")}
    assert "theme-prevalence-by-group.svg" in default
    with pytest.raises(InputError, match="no attribute 'rank'"):
        reports.export_charts(project, tmp_path / "x", group="rank")


def test_cli_search_xlsx_and_export_group_error(project_file, tmp_path):
    out = tmp_path / "hits.xlsx"
    result = _run("search", "consent", "--out", str(out), "--project", str(project_file))
    assert result.exit_code == 0, result.output
    sheet = pd.read_excel(out, sheet_name="Search", engine="calamine")
    assert sheet["text"].tolist() == ["Consent", "Consent"]
    assert sheet["start"].tolist() == [DOC1.index("Consent"), DOC2.index("Consent")]
    bad = _run("export", "--charts", str(tmp_path / "c"), "--group", "rank", "--project", str(project_file))
    assert bad.exit_code == 1 and bad.output.strip().splitlines() == [
        "Error: --group rank: no attribute 'rank' in this project; use one of group, location"
    ]
    assert not (tmp_path / "c").exists() or not any((tmp_path / "c").iterdir())


# ------------------------------------------------------------- any input, real data
_PIECES = st.sampled_from(
    [
        "a",
        "b",
        "c",
        "AND",
        "OR",
        "NOT",
        "NEAR/1",
        "NEAR/",
        "NEAR/x",
        "(",
        ")",
        "zz",
        "&",
        "near",
        "and_b",
        "  ",
        "\t",
        "é",
        "NEAR/99",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.lists(_PIECES, max_size=8).map(" ".join), st.text(max_size=20)))
def test_any_query_text_parses_or_is_one_input_error(text):
    try:
        query = parse_query(text, {"a", "b", "c", "and_b"})
    except InputError as exc:
        assert "\n" not in str(exc) and "at position" in str(exc) or "give a query" in str(exc)
        return
    assert set(query.codes) <= {"a", "b", "c", "and_b"}


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=12))
def test_any_regex_compiles_or_is_one_input_error(text):
    from qda.explore import term_pattern

    try:
        term_pattern(text, regex=True)
    except InputError as exc:
        assert str(exc).startswith("bad regular expression") or "give a word" in str(exc)


@pytest.mark.parametrize(
    "term, kind",
    [("family", {}), ("visit", {"lemma": True}), (r"\bring\w*", {"regex": True}), ("home visit*", {})],
)
def test_every_hit_on_the_sample_is_its_offsets_words(sample_project, term, kind):
    hits = sample_project.search(term, **kind)
    texts = sample_project._store.document_texts()
    segs = sample_project.segments().set_index("segment_id")
    assert len(hits) > 0
    for doc, sid, start, end, hit in zip(
        hits["document"], hits["segment_id"], hits["start"], hits["end"], hits["hit"]
    ):
        assert texts[doc][start:end] == hit
        assert segs.at[sid, "start"] <= start < end <= segs.at[sid, "end"]
