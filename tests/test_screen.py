"""The rules coder's screen: it may let a segment through that matches nothing, never
hold one back that a rule matches."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

import qda
from qda.codebook import Code, Codebook, load_codebook
from qda.coding import RulesCoder
from qda.coding.screen import MAX_WORDS, Need, Screen, _lookup_table
from qda.segment import make_nlp


def _segments(texts: list[str]) -> tuple[pd.DataFrame, dict[str, str]]:
    doc, rows = "", []
    for i, t in enumerate(texts):
        start = len(doc)
        doc += t + "\n\n"
        rows.append({"segment_id": f"s{i}", "document_id": "d", "start": start, "end": start + len(t)})
    return pd.DataFrame(rows), {"d": doc}


def _one(keywords=(), proximity=(), patterns=(), exclude=()) -> Codebook:
    return Codebook(
        name="t",
        version="1",
        codes=(
            Code(
                "c",
                "C",
                keywords=tuple(keywords),
                proximity=tuple(proximity),
                patterns=tuple(patterns),
                exclude_keywords=tuple(exclude),
            ),
            Code("other", "Other", keywords=("weather",)),
        ),
    )


@pytest.fixture(scope="module")
def sample():
    import tempfile
    from pathlib import Path

    from qda.project import Project

    project = Project.create(Path(tempfile.mkdtemp()) / "p.qda")
    project.load_codebook(qda.default_codebook())
    project.ingest([qda.sample_dir()])
    segs = project._store.segments()
    segs = segs[~segs["is_interviewer"]]
    out = segs, project._store.document_texts()
    project.close()
    return out


def _windows_codebook() -> Codebook:
    """The default codebook with window rules (no patterns: a pattern turns the screen
    off) and an exclusion."""
    cb = load_codebook(qda.default_codebook())
    extra = {
        "home_visits": dict(proximity=({"terms": ["family", "appointment"], "within": 5},)),
        "fear_of_probation": dict(
            proximity=({"terms": ["officer", "scared"], "within": 8, "ordered": True},)
        ),
        "contact_frequency": dict(exclude_keywords=("every week",)),
    }
    return dataclasses.replace(
        cb, codes=tuple(dataclasses.replace(c, **extra.get(c.id, {})) for c in cb.codes)
    )


@pytest.mark.parametrize("book", ["default", "windows"])
def test_one_code_alone_finds_what_the_whole_codebook_finds_for_it(sample, book):
    segs, texts = sample
    cb = load_codebook(qda.default_codebook()) if book == "default" else _windows_codebook()
    full = RulesCoder(cb).explain(segs, texts)
    screened_out = 0
    for code in cb.ids:
        coder = RulesCoder(cb, codes=[code])
        assert coder.screen is not None, code
        got = coder.explain(segs, texts)
        want = full[full["code_id"] == code].reset_index(drop=True)
        assert got.to_json(orient="records") == want.to_json(orient="records"), code
        bodies = [texts[d][s:e] for d, s, e in zip(segs["document_id"], segs["start"], segs["end"])]
        screened_out += len(bodies) - sum(coder.screen.keep(bodies))
    # and it does its job: most (segment, code) pairs are never tokenised
    assert screened_out > 0.5 * len(segs) * len(cb.ids)


@pytest.mark.parametrize(
    "keyword, text",
    [
        ("home visit", "HOME VISITS are hard to arrange."),  # case and inflection
        ("visit", "She visited on Tuesday."),
        ("not", "I don't know."),  # n't -> not by the table
        ("go", "He went to the hub."),  # irregular form
        ("even", "An evening session."),  # a false friend gets through
        ("zorblat", "The Zorblat scheme."),  # a word the table lacks
    ],
)
def test_forms_of_a_keyword_pass(keyword, text):
    coder = RulesCoder(_one([keyword]), codes=["c"])
    assert coder.screen is not None and coder.screen.passes(text)


def test_text_without_any_form_is_held_back():
    coder = RulesCoder(_one(["home visit"]), codes=["c"])
    assert not coder.screen.passes("We met at the office.")


def test_capital_sigma_always_passes():
    # Python lower-cases a final sigma by context; the screen does not guess
    coder = RulesCoder(_one(["όλος"]), codes=["c"])
    assert coder.screen.passes("ΟΛΟΣ")


def test_window_needs_every_term():
    coder = RulesCoder(_one(proximity=[{"terms": ["family", "appointment"], "within": 5}]), codes=["c"])
    assert coder.screen.passes("the family missed the appointment")
    assert not coder.screen.passes("the family came")


def test_no_screen_where_it_cannot_be_exact_or_would_cost_more():
    with_pattern = _one(["visit"], patterns=[[{"LOWER": "home"}]])
    assert RulesCoder(with_pattern, codes=["c"]).screen is None
    many = _one([f"word{i}" for i in range(MAX_WORDS + 1)])
    assert RulesCoder(many, codes=["c"]).screen is None
    other = spacy.blank("en")  # spaCy's own lemmatizer: not qda's lower-case lookup
    other.add_pipe("lemmatizer", config={"mode": "lookup"})
    other.initialize()
    assert RulesCoder(_one(["visit"]), nlp=other, codes=["c"]).screen is None
    assert RulesCoder(load_codebook(qda.default_codebook())).screen is None  # every code


def test_screen_reads_the_table_the_pipeline_uses():
    table = make_nlp().get_pipe("qda_lemmatizer").lookups.get_table("lemma_lookup")
    source = _lookup_table()
    assert len(source) == len(table)
    assert all(table.get(w) == lemma for w, lemma in list(source.items())[::97])


_TABLE = sorted(_lookup_table().items())
_FORMS: dict[str, list[str]] = {}
for _w, _l in _TABLE:
    _FORMS.setdefault(_l, []).append(_w)
_lemmas = st.sampled_from(sorted(_FORMS))
_case = st.sampled_from([str.lower, str.upper, str.title, str])
_sep = st.sampled_from([" ", ", ", "'s ", "-", ". ", "\n", "n't ", ""])
hits = {"texts": 0, "matched": 0}


@settings(max_examples=200, deadline=None)
@given(
    keywords=st.lists(st.lists(_lemmas, min_size=1, max_size=2).map(" ".join), min_size=1, max_size=3),
    data=st.data(),
)
def test_screen_never_holds_back_a_match(keywords, data):
    # the text's words: any word of the table, or a form of a keyword's lemma
    lemmas = sorted({lem for k in keywords for lem in k.split()})
    forms = sorted({w for lem in lemmas for w in _FORMS.get(lem, [])} | set(lemmas))
    word = st.one_of(st.sampled_from(_TABLE).map(lambda kv: kv[0]), st.sampled_from(forms))
    words = data.draw(st.lists(st.tuples(word, _case, _sep), min_size=1, max_size=25))
    text = "".join(case(w) + sep for w, case, sep in words)
    cb = _one(keywords)
    coder = RulesCoder(cb, codes=["c"])
    if coder.screen is None:
        return
    segs, texts = _segments([text])
    unscreened = RulesCoder(cb, codes=["c"])
    unscreened.screen = None
    found = unscreened.explain(segs, texts)
    hits["texts"] += 1
    if len(found):
        hits["matched"] += 1
        assert coder.screen.passes(text), (keywords, text)
    assert coder.explain(segs, texts).to_json() == found.to_json()


def test_the_property_saw_matches():
    # runs after the property test (file order): it must have tried real matches
    if hits["texts"]:
        assert hits["matched"] >= 0.2 * hits["texts"], hits


def test_a_phrase_needs_its_words_in_a_row():
    coder = RulesCoder(_one(["every week"]), codes=["c"])
    assert coder.screen.passes("We met Every  Weeks? no: every weeks")
    assert not coder.screen.passes("every day for a week")
    assert not coder.screen.passes("every\nweek")  # a newline is a token of its own


def test_screen_is_plain_data():
    screen = Screen([Need(groups=(("visit",),))])
    assert screen.keep(["a visit", "none"]) == [True, False]
