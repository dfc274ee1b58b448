"""Speed work must not change a single result.

The fixture ``rules_sample_before_perf.json.gz`` is the rules coder's ``explain()`` output
on every segment of the bundled sample, written by the code before the performance work
(main at 96a1d77): with the default codebook, and with an extended one that adds token
patterns, proximity windows (one ordered) and an exclusion, so every kind of rule is
covered. The faster lemmatizer and matcher must reproduce it exactly.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path

import pytest
from spacy.pipeline import Lemmatizer

import qda
from qda.codebook import load_codebook
from qda.coding import RulesCoder
from qda.segment import LowercaseLookupLemmatizer, make_nlp

GOLDEN = Path(__file__).parent / "fixtures" / "rules_sample_before_perf.json.gz"


def extended_codebook():
    """The default codebook plus patterns, windows and an exclusion (as in the fixture)."""
    cb = load_codebook(qda.default_codebook())
    extra = {
        "home_visits": dict(
            patterns=([{"LOWER": "at"}, {"LOWER": "home"}],),
            proximity=({"terms": ["family", "appointment"], "within": 5},),
        ),
        "fear_of_probation": dict(
            patterns=([{"LEMMA": "worry"}],),
            proximity=({"terms": ["officer", "scared"], "within": 8, "ordered": True},),
        ),
        "contact_frequency": dict(exclude_keywords=("every week",)),
    }
    codes = tuple(dataclasses.replace(c, **extra.get(c.id, {})) for c in cb.codes)
    return dataclasses.replace(cb, codes=codes)


@pytest.fixture(scope="module")
def sample_segments(tmp_path_factory):
    from qda.project import Project

    project = Project.create(tmp_path_factory.mktemp("perf") / "p.qda")
    project.load_codebook(qda.default_codebook())
    project.ingest([qda.sample_dir()])
    segs, texts, cb = project._store.segments(), project._store.document_texts(), project.codebook
    project.close()
    return segs, texts, cb


@pytest.mark.parametrize("which", ["default", "extended"])
def test_rules_output_identical_to_before_the_speed_work(sample_segments, which):
    segs, texts, cb = sample_segments
    golden = json.load(gzip.open(GOLDEN, "rt", encoding="utf-8"))[which]
    book = cb if which == "default" else extended_codebook()
    found = json.loads(RulesCoder(book).explain(segs, texts).to_json(orient="records"))
    # Documents whose segments have changed since the golden file was written (runs of
    # one speaker became one turn) are left out: the rules coder is what is compared, on
    # every document whose every golden segment is still there, span for span.
    spans = set(zip(segs["document_id"], segs["start"], segs["end"]))
    changed = {r["document_id"] for r in golden if (r["document_id"], r["start"], r["end"]) not in spans}
    assert len(changed) <= 3, changed
    kept = {d for d in segs["document_id"]} - changed
    assert len(kept) >= 12
    assert [r for r in found if r["document_id"] in kept] == [r for r in golden if r["document_id"] in kept]
    assert any(r["blocked_by"] for r in golden)
    if which == "extended":
        kinds = {e["kind"] for r in golden for e in r["evidence"]}
        assert kinds == {"keyword", "pattern", "window"}


class _PerToken(LowercaseLookupLemmatizer):
    """spaCy's own per-token loop over the same lookups (the path before the speed work)."""

    __call__ = Lemmatizer.__call__


def test_whole_doc_lemmatizer_gives_spacys_per_token_lemmas():
    nlp = make_nlp()
    fast = nlp.get_pipe("qda_lemmatizer")
    slow = _PerToken(nlp.vocab, None, "slow", mode="lookup", overwrite=True)
    slow.lookups = fast.lookups
    for path in sorted(qda.sample_dir().glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        a = fast(nlp.tokenizer(text))
        b = slow(nlp.tokenizer(text))
        assert [t.lemma_ for t in a] == [t.lemma_ for t in b]
    doc = fast(nlp.tokenizer("Families VISITED the Homes; 'twas evening."))
    assert [t.lemma_ for t in doc][:4] == ["family", "visit", "the", "home"]
    assert len(fast(nlp.tokenizer(""))) == 0


def test_lemmatizer_without_overwrite_keeps_lemmas_already_set():
    nlp = make_nlp()
    fast = nlp.get_pipe("qda_lemmatizer")
    keep = LowercaseLookupLemmatizer(nlp.vocab, None, "keep", mode="lookup", overwrite=False)
    keep.lookups = fast.lookups
    doc = nlp.tokenizer("Families visited")
    doc[0].lemma_ = "kin"
    assert [t.lemma_ for t in keep(doc)] == ["kin", "visit"]


def test_benchmark_corpus_is_seeded_sized_and_fully_mapped(tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        from corpus import parse_size, write_corpus
    finally:
        sys.path.pop(0)
    assert [parse_size(s) for s in ("100k", "1M", "10M", "2500")] == [100_000, 1_000_000, 10_000_000, 2500]
    a = write_corpus(tmp_path / "a", 15_000, seed=3)
    b = write_corpus(tmp_path / "b", 15_000, seed=3)
    assert a == b and 15_000 <= a["words"] < 15_000 + 1_000
    for f in (tmp_path / "a").iterdir():
        assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes()
    from qda.project import Project

    with Project.create(tmp_path / "p.qda") as project:
        project.load_codebook(qda.default_codebook())
        report = project.ingest([tmp_path / "a"])
        assert report.unmapped == [] and len(report.added) == a["documents"]
        segs = project.segments(interviewer=True)
        assert segs["is_interviewer"].any() and (~segs["is_interviewer"]).sum() > 20
        rules = project.code_rules()
        assert rules.segments_coded > rules.segments / 10
