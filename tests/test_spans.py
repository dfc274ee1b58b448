"""One coding at a time (qda/project/spans.py): exact spans, removal to the archive,
a review undone, the reader's reads; each write one transaction with one history row."""

from __future__ import annotations

import shutil

import pytest

from qda.errors import ConflictError, InputError
from qda.project import Project
from tests.helpers.serve_world import COMBINING, EMOJI, make_project


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("spans"))


@pytest.fixture
def project(built, tmp_path):
    target = tmp_path / "p.qda"
    shutil.copy(built, target)
    with Project.open(target) as p:
        yield p


def _where(p: Project, document: str, words: str) -> tuple[str, int, int]:
    segs = p.segments()
    row = segs[(segs["document"] == document) & segs["text"].str.contains(words, regex=False)].iloc[0]
    start = int(row["start"]) + row["text"].index(words)
    return row["segment_id"], start, start + len(words)


@pytest.mark.parametrize("words", [EMOJI, COMBINING, "\U0001f62c"])
def test_code_span_keeps_the_words_exactly(project, words):
    sid, start, end = _where(project, "int-b", words)
    made = project.code_span("int-b", start, end, "co_location", coder="ann", text=words)
    assert made.created and made.segment_id == sid
    row = project.codings(coders=["ann"]).iloc[0]
    assert (row["start"], row["end"], row["text"], row["source"], row["status"]) == (
        start,
        end,
        words,
        "human",
        "accepted",
    )
    again = project.code_span("int-b", start, end, "co_location", coder="ann")
    assert (again.coding_id, again.created) == (made.coding_id, False)
    assert len(project.codings(coders=["ann"])) == 1


def test_code_span_refusals_change_nothing(project):
    sid, start, end = _where(project, "int-a", "ring his mum")
    before = len(project.history())
    with pytest.raises(ConflictError, match="reload the page"):
        project.code_span("int-a", start, end, "co_location", coder="ann", text="ring his dad")
    with pytest.raises(InputError, match="cross a turn boundary"):
        project.code_span("int-a", start, start + 120, "co_location", coder="ann")
    with pytest.raises(InputError, match="interviewer turn"):
        project.code_span("int-a", 14, 20, "co_location", coder="ann")
    with pytest.raises(InputError, match="unknown code"):
        project.code_span("int-a", start, end, "nope", coder="ann")
    with pytest.raises(InputError, match="coder"):
        project.code_span("int-a", start, end, "co_location", coder="")
    assert len(project.history()) == before and project.codings(coders=["ann"]).empty


def test_remove_coding_archives_it_and_refuses_a_suggestion(project):
    sid, start, end = _where(project, "int-a", "home visit")
    made = project.code_span("int-a", start, end, "home_visits", coder="ann")
    gone = project.remove_coding(made.coding_id, who="ann")
    assert gone["coding_id"] == made.coding_id
    assert project.codings(coders=["ann"]).empty
    last = project.archived_codings().iloc[-1]
    assert (last["coding_id"], last["quote"], last["archived_by"]) == (made.coding_id, "home visit", "ann")
    suggestion = int(project.suggestions()["coding_id"].iloc[0])
    with pytest.raises(InputError, match="reject it instead"):
        project.remove_coding(suggestion)
    with pytest.raises(InputError, match="no coding with id"):
        project.remove_coding(made.coding_id)


def test_reopen_undoes_an_accept_and_a_reject(project):
    first, second = project.suggestions()["coding_id"].tolist()[:2]
    project.review("accept", coder="ann", ids=[first])
    project.review("reject", coder="ann", ids=[second])
    for cid in (first, second):
        row = project.reopen_suggestion(cid, who="ann")
        assert (row["source"], row["coder"], row["status"], row["origin"]) == (
            "rules",
            "rules",
            "suggested",
            None,
        )
    assert {first, second} <= set(project.suggestions()["coding_id"])
    with pytest.raises(InputError, match="not a reviewed suggestion"):
        project.reopen_suggestion(first)


def test_reader_reads(project):
    doc, segs = project.document_turns("int-a")
    assert doc["name"] == "int-a.txt" and segs["is_interviewer"].tolist() == [True, False, True, False]
    assert set(project.document_codings("int-a")["status"]) == {"suggested"}
    with pytest.raises(InputError, match="unknown document"):
        project.document_turns("nope")
    overview = project.document_overview().set_index("document")
    assert overview.loc["int-b", "participants"] == ["F01"]
    assert overview.loc["int-a", "progress"] == {}
