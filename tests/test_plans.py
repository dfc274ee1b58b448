"""The pure plans behind the Project's long writes, tested without a project: a codebook
load's checks (qda.codebook.diff.check_load), what a rules run codes again
(qda.coding.rules.plan_rules_run), a consensus's checks and plan
(qda.coding.review.check_consensus / plan_consensus)."""

from __future__ import annotations

import pandas as pd
import pytest

from qda.codebook import Code, Codebook
from qda.codebook.diff import check_load, diff_codebooks
from qda.coding.review import check_consensus, plan_consensus
from qda.coding.rules import plan_rules_run
from qda.errors import ConflictError, InputError

OLD = Codebook(codes=(Code("a", "Access"), Code("b", "Barriers"), Code("c", "Cost")))
NEW = Codebook(codes=(Code("a", "Access"), Code("d", "Costs")))


def _check(mapping=None, archive=(), counts=None):
    diff = diff_codebooks(OLD, NEW)
    check_load(OLD, NEW, diff, counts or {}, mapping=mapping or {}, archive=list(archive), where="cb.yaml: ")


def test_a_load_removing_codes_without_codings_needs_no_orders():
    _check(counts={"a": 3})


@pytest.mark.parametrize(
    "mapping, archive, message",
    [
        ({"x": "a"}, (), "--map x=a: the project has no code 'x'"),
        ({"a": "d"}, (), "'a' is still in the file"),
        ({"b": "zz"}, (), "'zz' is not in the file"),
        ({"b": "d"}, ("b",), "'b' is both mapped and archived"),
        ({}, ("x",), "--archive x: the project has no code 'x'"),
        ({}, ("a",), "--archive a: 'a' is still in the file"),
    ],
)
def test_bad_load_orders_are_named(mapping, archive, message):
    with pytest.raises(InputError, match=message) as err:
        _check(mapping, archive)
    assert str(err.value).startswith("cb.yaml: ")


def test_removed_codes_with_codings_need_a_map_or_an_archive():
    with pytest.raises(ConflictError, match=r"code 'b' has 2 coding\(s\).*code 'c' has 1"):
        _check(counts={"b": 2, "c": 1})
    with pytest.raises(ConflictError) as err:
        _check(mapping={"b": "d"}, counts={"b": 2, "c": 1})
    assert "'b'" not in str(err.value).split("but the file")[0]
    _check(mapping={"b": "d"}, archive=["c"], counts={"b": 2, "c": 1})


KEYS = [("s1", "d", 0, 5, "h1"), ("s2", "d", 5, 9, "h2"), ("s3", "d", 9, 12, "h3")]
PRINTS = {"a": "fa", "b": "fb"}


def test_a_first_rules_run_is_full():
    plan = plan_rules_run(KEYS, PRINTS, {}, {}, set())
    assert plan.full and plan.changed == KEYS and plan.codes_changed == ["a", "b"]
    assert plan.stale == []


def test_an_incremental_run_codes_only_what_changed():
    old_segs = {
        "s1": ("d", 0, 5, "h1"),
        "s2": ("d", 5, 9, "OLD"),
        "s3": ("d", 9, 12, "h3"),
        "gone": ("d", 12, 20, "h9"),
    }
    plan = plan_rules_run(KEYS, PRINTS, old_segs, {"a": "fa", "b": "OLD"}, set())
    assert not plan.full
    assert plan.changed_ids == {"s2"} and plan.codes_changed == ["b"]
    assert plan.stale == ["gone"]
    # a segment whose reviewed suggestion is gone is coded again, though unchanged
    assert plan_rules_run(KEYS, PRINTS, old_segs, PRINTS, {"s1"}).changed_ids == {"s1", "s2"}


def test_consensus_arguments_are_checked():
    known = ["ann", "bo", "final"]
    assert check_consensus([" ann", "bo", "ann"], rule="all", name=" final ", known=known) == (
        ["ann", "bo"],
        "final",
    )
    for coders, rule, name, message in [
        (["ann"], "all", "final", "two or more different coders"),
        (["ann", "bo"], "most", "final", "unknown consensus rule 'most'"),
        (["ann", "bo"], "all", " ", "needs a coder name"),
        (["ann", "bo"], "all", "bo", "one of the coders"),
        (["ann", "bo"], "all", "rules", "name of an automatic coder"),
        (["ann", "cy"], "all", "final", "unknown coder 'cy'.*ann, bo"),
    ]:
        with pytest.raises(InputError, match=message):
            check_consensus(coders, rule=rule, name=name, known=known)


def _row(doc, start, end, code, **kw):
    return {"document_id": doc, "start": start, "end": end, "code_id": code, **kw}


def test_a_consensus_plan_keeps_adds_and_drops_and_never_writes_over_a_person():
    texts = {"d": "we could not reach the clinic"}
    agreed = {"agreed": ["ann", "bo"], "not_agreed": []}
    final = pd.DataFrame(
        [
            _row("d", 0, 12, "a", segment_id="s1", **agreed),
            _row("d", 13, 29, "b", segment_id="s2", **agreed),
            _row("d", 13, 29, "c", segment_id="s2", **agreed),
        ]
    )
    evidence = [
        {
            "kind": "consensus",
            "term": "all: ann, bo",
            "rule": "all",
            "coders": ["ann", "bo"],
            "agreed": ["ann", "bo"],
            "not_agreed": [],
            "start": 0,
            "end": 12,
            "text": "we could not",
        }
    ]
    written = pd.DataFrame(
        [
            _row("d", 0, 12, "a", coding_id=1, evidence=evidence),
            _row("d", 0, 12, "z", coding_id=2, evidence=evidence),
        ]
    )
    by_hand = pd.DataFrame([_row("d", 13, 29, "c")])
    plan = plan_consensus(
        final,
        written,
        [by_hand],
        texts,
        rule="all",
        coders=["ann", "bo"],
        name="final",
        codebook_version="1.0",
        stamp="now",
    )
    assert plan.kept == 1 and plan.evidence == {}  # same words, same evidence
    assert [(r["code_id"], r["coder"], r["evidence"][0]["text"]) for r in plan.add] == [
        ("b", "final", "reach the clinic")
    ]
    assert plan.gone == [2]  # no longer agreed
    changed = plan_consensus(
        final,
        written,
        [by_hand],
        texts,
        rule="majority",
        coders=["ann", "bo"],
        name="final",
        codebook_version="1.0",
        stamp="now",
    )
    assert list(changed.evidence) == [1]  # rule changed: evidence renewed
