"""Reviewing suggestions (accept/reject by every filter), explain, and consensus of coders."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from qda.cli import cli
from qda.codebook import Code, Codebook
from qda.errors import ConflictError, InputError
from qda.project import Project
from qda.store import now

CB = Codebook(
    name="t",
    version="1",
    codes=(
        Code("contact", "Contact", keywords=("ring",)),
        Code("co_location", "Co-location"),
        Code("visits", "Home visits", parent="co_location", keywords=("home visit",)),
        Code("venues", "Venues", parent="co_location", keywords=("children's centre", "drop-in", "hub")),
        Code(
            "confidentiality", "Confidentiality", keywords=("confidentiality",), exclude_keywords=("consent",)
        ),
    ),
)


@pytest.fixture
def project(tmp_path, transcripts) -> Project:
    p = Project.create(tmp_path / "r.qda")
    p.load_codebook(CB)
    p.ingest([transcripts], participants=transcripts / "participants.csv")
    p.code_rules()
    segs = p.segments()["segment_id"].tolist()
    # Model suggestions with confidences, as the learned suggester writes them.
    store = p._store
    spans = {r["segment_id"]: r for r in store.segments().to_dict("records")}
    # fg#t002 venues and int-a#t002 visits duplicate a rules suggestion
    assert segs == ["fg#t002", "fg#t003", "fg#t004", "int-a#t002", "int-a#t004", "int-b#t002"]
    model = [
        ("fg#t002", "venues", 0.91),
        ("fg#t004", "contact", 0.35),
        ("int-a#t002", "visits", 0.62),
        ("int-a#t004", "confidentiality", 0.12),
    ]
    with store.transaction():
        store.insert_codings(
            {
                "segment_id": s,
                "document_id": spans[s]["document_id"],
                "start": spans[s]["start"],
                "end": spans[s]["end"],
                "code_id": c,
                "coder": "model",
                "source": "model",
                "status": "suggested",
                "confidence": conf,
                "evidence": None,
                "codebook_version": "1",
                "created_at": now(),
            }
            for s, c, conf in model
        )
    p.close()  # written to the file itself, so a second connection (the CLI) recognises it
    p = Project.open(tmp_path / "r.qda")
    yield p
    p.close()


def open_suggestions(p: Project) -> pd.DataFrame:
    df = p._store.codings()
    return df[(df["status"] == "suggested") & (df["source"] != "human")]


def snapshot(p: Project):
    codings = p._store.codings().drop(columns=["evidence"]).sort_values("coding_id")
    return (codings.reset_index(drop=True), p.reviews(), p.archived_codings(), len(p.history()))


def assert_unchanged(p: Project, before) -> None:
    after = snapshot(p)
    for a, b in zip(before[:3], after[:3]):
        pd.testing.assert_frame_equal(a, b)
    assert before[3] == after[3]


def segment_ids(p: Project) -> list[str]:
    return p.segments()["segment_id"].tolist()


# ---------------------------------------------------------------------------- review
def test_the_fixture_has_rules_and_model_suggestions(project):
    sugg = open_suggestions(project)
    assert set(sugg["source"]) == {"rules", "model"}
    assert sugg.loc[sugg["source"] == "rules", "confidence"].isna().all()
    # "Confidentiality ... without consent": the exclusion blocked the rules' suggestion
    assert "confidentiality" not in set(sugg.loc[sugg["source"] == "rules", "code_id"])


def test_accept_by_id_makes_the_reviewers_human_coding_and_keeps_provenance(project):
    sugg = open_suggestions(project)
    row = sugg[sugg["source"] == "rules"].iloc[0]
    report = project.review("accept", ids=[int(row["coding_id"])], coder="alice")
    assert (report.matched, report.changed, report.duplicates) == (1, 1, 0)
    after = project._store.codings().set_index("coding_id").loc[int(row["coding_id"])]
    assert (after["source"], after["coder"], after["status"]) == ("human", "alice", "accepted")
    assert (after["origin"], after["reviewed_by"]) == ("rules", "alice")
    assert after["evidence"] == row["evidence"] and after["reviewed_at"]
    assert (after["start"], after["end"], after["code_id"]) == (row["start"], row["end"], row["code_id"])
    table = project.codings(coders=["alice"])
    assert table["origin"].tolist() == ["rules"]


def _expected(sugg, **f):
    out = sugg
    if "codes" in f:
        out = out[out["code_id"].isin(f["codes"])]
    if "sources" in f:
        out = out[out["source"].isin(f["sources"])]
    if "segments" in f:
        out = out[out["segment_id"].isin(f["segments"])]
    if "min_confidence" in f:
        out = out[out["confidence"] >= f["min_confidence"]]
    if "max_confidence" in f:
        out = out[out["confidence"] <= f["max_confidence"]]
    return set(out["coding_id"])


@pytest.mark.parametrize("action", ["accept", "reject"])
@pytest.mark.parametrize(
    "filters",
    [
        {"codes": ["venues"]},
        {"codes": ["venues", "contact"]},
        {"sources": ["model"]},
        {"sources": ["rules"]},
        {"segments": "SEG3"},
        {"segments": "SEG3", "codes": ["visits"]},
        {"min_confidence": 0.5},
        {"max_confidence": 0.5},
        {"min_confidence": 0.3, "max_confidence": 0.7},
        {"min_confidence": 0.6, "sources": ["model"], "codes": ["venues"]},
    ],
)
def test_review_by_each_filter_touches_exactly_the_matching_suggestions(project, action, filters):
    segs = segment_ids(project)
    if "segments" in filters:
        filters = {**filters, "segments": [segs[int(filters["segments"][3:])]]}
    sugg = open_suggestions(project)
    want = _expected(sugg, **filters)
    assert want, "the filter should match something in the fixture"
    report = project.review(action, coder="alice", **filters)
    # accepting the rules' and the model's suggestion of the same words and code together
    # gives alice one coding; the other suggestion is archived, not counted twice
    assert report.matched == report.changed + report.duplicates == len(want)
    table = project._store.codings().set_index("coding_id")
    status = "accepted" if action == "accept" else "rejected"
    done = set(table.index[table["status"].eq(status) & table["reviewed_by"].eq("alice")])
    archived = set(project.archived_codings()["coding_id"])
    assert done | archived == want and not done & archived
    assert len(archived) == report.duplicates
    untouched = set(sugg["coding_id"]) - want
    assert (table.loc[sorted(untouched), "status"] == "suggested").all()
    if action == "reject":
        assert set(table.loc[sorted(want), "source"]) <= {"rules", "model"}


def test_a_confidence_range_never_matches_suggestions_without_a_confidence(project):
    report = project.review("accept", coder="alice", min_confidence=0.0)
    assert report.matched == 4  # the four model suggestions; rules have no confidence
    assert open_suggestions(project)["source"].eq("rules").all()


def test_no_filter_is_refused_unless_all_is_given(project):
    before = snapshot(project)
    n = len(open_suggestions(project))
    with pytest.raises(InputError, match=rf"would reject every open suggestion \({n}\).*--all"):
        project.review("reject", coder="alice")
    assert_unchanged(project, before)
    report = project.review("reject", coder="alice", all=True)
    assert report.changed == n and open_suggestions(project).empty


def test_each_review_call_is_one_history_row(project):
    before = len(project.history())
    project.review("accept", coder="alice", codes=["venues"])
    project.review("reject", coder="bob", sources=["model"])
    project.review("accept", coder="alice", codes=["venues"])  # nothing left: no row
    hist = project.history().iloc[before:]
    assert hist["action"].tolist() == ["accept", "reject"]
    assert hist["who"].tolist() == ["alice", "bob"]
    detail = json.loads(hist["detail"].iloc[0])
    assert detail["filters"] == {"codes": ["venues"]}
    assert detail["changed"] + detail["duplicates"] == detail["matched"]
    assert detail["by_code"] == {"venues": detail["matched"]}
    assert len(detail["coding_ids"]) == detail["matched"]


def test_accepting_never_double_counts_in_analyses(project):
    segs = segment_ids(project)
    seg = "fg#t002"  # rules and model both suggest venues; alice coded it by hand already
    project.add_coding(seg, "venues", coder="alice")
    before = project.matrix()
    report = project.review("accept", coder="alice", segments=[seg], codes=["venues"])
    assert report.matched == 2 and report.changed == 0 and report.duplicates == 2
    chosen = project.select_codings().codings
    assert len(chosen[(chosen["segment_id"] == seg) & (chosen["code_id"] == "venues")]) == 1
    pd.testing.assert_frame_equal(project.matrix(), before)
    archived = project.archived_codings()
    assert len(archived) == 2 and archived["reason"].str.contains("already had").all()
    # accepting a suggestion on a segment nobody coded adds exactly one coded segment
    other = "fg#t003"
    participant = project.segments().set_index("segment_id").at[other, "participant"]
    m0 = project.matrix().set_index("participant")
    project.review("accept", coder="alice", segments=[other], codes=["venues"])
    m1 = project.matrix().set_index("participant")
    assert m1.at[participant, "venues"] == m0.at[participant, "venues"] + 1
    assert m1.at[participant, "co_location"] == m0.at[participant, "co_location"] + 1
    assert segs  # the fixture has segments


def test_rules_rerun_keeps_reviews_and_never_changes_a_human_coding(project):
    segs = segment_ids(project)
    project.add_coding(segs[0], "contact", coder="alice")
    project.add_coding(segs[5], "confidentiality", coder="bob")
    project.review("accept", coder="alice", codes=["venues"], sources=["rules"])
    project.review("reject", coder="alice", codes=["visits"], sources=["rules"])
    project.review("accept", coder="carol", sources=["model"], min_confidence=0.9)
    table = project._store.codings()
    human_before = table[table["source"] == "human"].drop(columns=["evidence"])
    rejected_before = table[table["status"] == "rejected"].drop(columns=["evidence"])
    for _ in range(2):
        report = project.code_rules()
        assert report.kept_reviewed >= 1
    after = project._store.codings()
    pd.testing.assert_frame_equal(
        after[after["source"] == "human"].drop(columns=["evidence"]).reset_index(drop=True),
        human_before.reset_index(drop=True),
    )
    pd.testing.assert_frame_equal(
        after[after["status"] == "rejected"].drop(columns=["evidence"]).reset_index(drop=True),
        rejected_before.reset_index(drop=True),
    )
    reopened = after[(after["source"] == "rules") & (after["status"] == "suggested")]
    decided = (table["origin"] == "rules") | ((table["source"] == "rules") & (table["status"] == "rejected"))
    decided_keys = set(zip(table.loc[decided, "segment_id"], table.loc[decided, "code_id"]))
    assert len(decided_keys) == 4  # 3 venues accepted, 1 visits rejected
    assert not decided_keys & set(zip(reopened["segment_id"], reopened["code_id"]))
    assert len(reopened) == len(table[(table["source"] == "rules") & (table["status"] == "suggested")])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"codes": ["nosuch"]}, "unknown code 'nosuch'"),
        ({"sources": ["human"]}, "unknown suggestion source 'human'"),
        ({"min_confidence": 1.5}, "--min-confidence must be between 0 and 1"),
        ({"max_confidence": "high"}, "--max-confidence must be a number"),
        ({"min_confidence": 0.8, "max_confidence": 0.2}, "is above --max-confidence"),
        ({"segments": ["nope#t1"]}, "unknown segment 'nope#t1'"),
        ({"ids": [99999]}, "no coding with id 99999"),
        ({"ids": ["x"]}, "coding ids are whole numbers"),
        ({"codes": ["venues"], "coder": " "}, "the coder's name is empty"),
    ],
)
def test_bad_review_filters_change_nothing(project, kwargs, message):
    before = snapshot(project)
    with pytest.raises(InputError, match=message):
        project.review("accept", **kwargs)
    assert_unchanged(project, before)


def test_a_human_coding_is_not_an_open_suggestion(project):
    segs = segment_ids(project)
    project.add_coding(segs[1], "contact", coder="alice")
    cid = int(project._store.codings().query("source == 'human'")["coding_id"].iloc[0])
    with pytest.raises(InputError, match=rf"coding {cid} is not an open suggestion"):
        project.review("reject", ids=[cid], coder="bob")


# --------------------------------------------------------------------------- explain
def test_explain_shows_terms_in_context_kinds_and_exclusions(project):
    segs = ["int-a#t002", "int-a#t004"]
    table = project.explain_rules([segs[0], segs[1]])
    first = table[table["segment_id"] == segs[0]]
    assert set(first["code"]) == {"contact", "visits"}
    ring = first[first["code"] == "contact"].iloc[0]
    assert (ring["kind"], ring["term"], ring["matched"]) == ("keyword", "ring", "ring")
    assert "I'd [ring] his mum" in ring["context"] and ring["outcome"] == "suggested"
    assert ring["status"] == "suggested"
    blocked = table[table["segment_id"] == segs[1]]
    assert blocked["kind"].tolist() == ["keyword", "exclude"]
    assert blocked["outcome"].eq("blocked by an exclusion").all()
    assert "[consent]" in blocked["context"].iloc[1]
    with pytest.raises(InputError, match="unknown segment 'zz'"):
        project.explain_rules(["zz"])


def test_cli_explain_prints_brackets_and_exclusions(project):
    segs = ["int-a#t002", "int-a#t004", "int-b#t002"]
    path = str(project.path)
    project.close()
    result = CliRunner().invoke(cli, ["code", "rules", "--explain", segs[1], segs[2], "--project", path])
    assert result.exit_code == 0, result.output
    assert f"{segs[1]}\n  confidentiality: blocked by an exclusion" in result.output
    assert 'excluded by "consent"' in result.output and "[consent]" in result.output
    assert f"{segs[2]}: no rule matches" in result.output
    bad = CliRunner().invoke(cli, ["code", "rules", segs[1], "--project", path])
    assert bad.exit_code == 1 and bad.output.startswith("Error: segment ids are only taken")


# ------------------------------------------------------------------------------- CLI
def _cli(project, *args):
    path = str(project.path)
    return CliRunner().invoke(cli, [*args, "--project", path])


@pytest.mark.parametrize(
    "args, message",
    [
        (["review", "accept", "--code", "nosuch"], "Error: unknown code 'nosuch'"),
        (["review", "accept", "--min-confidence", "abc"], "Error: --min-confidence must be a"),
        (["review", "reject", "--max-confidence", "7"], "Error: --max-confidence must be between"),
        (["review", "accept", "--source", "people"], "Error: unknown suggestion source 'people'"),
        (["review", "reject"], "Error: no filter given: this would reject every open suggestion"),
        (["review", "accept", "--id", "abc"], "Error: coding ids are whole numbers"),
        (["code", "consensus", "--coders", "alice,zed"], "Error: unknown coder 'zed'"),
        (
            ["code", "consensus", "--coders", "alice,bob", "--rule", "most"],
            "Error: unknown consensus rule 'most'",
        ),
    ],
)
def test_cli_errors_are_one_line_exit_1_and_change_nothing(project, args, message):
    project.add_coding(segment_ids(project)[0], "contact", coder="alice")
    project.add_coding(segment_ids(project)[0], "contact", coder="bob")
    before = snapshot(project)
    result = _cli(project, *args)
    assert result.exit_code == 1, result.output
    assert result.output.startswith(message) and result.output.count("\n") == 1
    assert_unchanged(project, before)


def test_cli_review_accept_reject_and_list(project):
    listed = _cli(project, "review", "list", "--source", "model")
    assert listed.exit_code == 0
    table = pd.read_csv(io.StringIO(listed.output))
    assert list(table.columns) == [
        "coding_id",
        "segment_id",
        "code_id",
        "source",
        "confidence",
        "evidence",
        "text",
    ]
    assert len(table) == 4 and table["source"].eq("model").all()
    result = _cli(
        project, "review", "accept", "--source", "model", "--min-confidence", "0.5", "--coder", "alice"
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2 suggestion(s) accepted of 2 matched.")
    result = _cli(project, "review", "reject", "--all", "--coder", "bob")
    assert result.exit_code == 0 and "rejected of" in result.output
    assert open_suggestions(project).empty


# ------------------------------------------------------------------------- consensus
@pytest.fixture
def three_coders(project) -> Project:
    """alice, bob and carol code four segments; carol did not review segment 2."""
    segs = segment_ids(project)
    plan = {
        "alice": {0: ["contact", "visits"], 1: ["confidentiality"], 2: ["venues"], 3: ["venues"]},
        "bob": {0: ["contact"], 1: [], 2: ["venues"], 3: ["venues", "contact"]},
        "carol": {0: ["contact", "visits"], 1: [], 3: ["venues"]},
    }
    for coder, by_seg in plan.items():
        for i, codes in by_seg.items():
            for code in codes:
                project.add_coding(segs[i], code, coder=coder)
    spans = project._store.segments().set_index("segment_id")
    with project._store.transaction():
        project._store.insert_reviews(
            {
                "segment_id": segs[i],
                "document_id": spans.at[segs[i], "document_id"],
                "coder": coder,
                "reviewed_at": now(),
                "source_file": "test",
            }
            for coder, by_seg in plan.items()
            for i in by_seg
        )
    return project


def final_codings(p: Project, name: str = "final") -> set[tuple[int, str]]:
    segs = segment_ids(p)
    df = p.codings(coders=[name])
    return {(segs.index(s), c) for s, c in zip(df["segment_id"], df["code"])}


@pytest.mark.parametrize(
    "rule, want",
    [
        ("all", {(0, "contact"), (3, "venues")}),
        ("majority", {(0, "contact"), (0, "visits"), (3, "venues")}),
        ("any", {(0, "contact"), (0, "visits"), (3, "venues"), (1, "confidentiality"), (3, "contact")}),
    ],
)
def test_consensus_rules_on_three_coders(three_coders, rule, want):
    p = three_coders
    report = p.build_consensus(["alice", "bob", "carol"], rule=rule)
    assert final_codings(p) == want
    assert report.segments == 3 and report.added == len(want)
    segs = segment_ids(p)
    dis = report.disagreements
    got = {
        (segs.index(r.segment_id), r.code_id, r.coded_by, r.not_coded_by, r.in_final)
        for r in dis.itertuples()
    }
    assert got == {
        (0, "visits", "alice, carol", "bob", rule != "all"),
        (1, "confidentiality", "alice", "bob, carol", rule == "any"),
        (3, "contact", "bob", "alice, carol", rule == "any"),
    }
    table = p._store.codings()
    final = table[table["coder"] == "final"]
    assert final["source"].eq("human").all() and final["status"].eq("accepted").all()
    ev = final.set_index("code_id").loc["venues", "evidence"]
    assert ev[0]["kind"] == "consensus" and ev[0]["agreed"] == ["alice", "bob", "carol"]
    assert set(p.reviews(coder="final")["segment_id"]) == {segs[0], segs[1], segs[3]}
    assert p.history()["action"].iloc[-1] == "consensus"


def test_consensus_rerun_is_idempotent_and_rebuilds_what_it_wrote(three_coders):
    p = three_coders
    p.build_consensus(["alice", "bob", "carol"], rule="any")
    before = snapshot(p)
    again = p.build_consensus(["alice", "bob", "carol"], rule="any")
    assert (again.added, again.removed, again.kept) == (0, 0, 5)
    after = snapshot(p)
    for a, b in zip(before[:3], after[:3]):
        pd.testing.assert_frame_equal(a, b)
    stricter = p.build_consensus(["alice", "bob", "carol"], rule="all")
    assert (stricter.added, stricter.removed, stricter.kept) == (0, 3, 2)
    assert final_codings(p) == {(0, "contact"), (3, "venues")}
    assert p.archived_codings()["reason"].str.startswith("consensus rebuilt").sum() == 3


def test_hand_edits_of_final_are_protected(three_coders):
    p = three_coders
    segs = segment_ids(p)
    p.build_consensus(["alice", "bob", "carol"], rule="majority")
    p.add_coding(segs[1], "confidentiality", coder="final")  # a person settles one
    before = snapshot(p)
    with pytest.raises(ConflictError, match="1 coding\\(s\\) a person added"):
        p.build_consensus(["alice", "bob", "carol"], rule="all")
    assert_unchanged(p, before)
    report = p.build_consensus(["alice", "bob", "carol"], rule="all", keep_edits=True)
    assert report.hand_codings == 1 and report.removed == 1
    assert final_codings(p) == {(0, "contact"), (3, "venues"), (1, "confidentiality")}
    # a consensus coding a person removed is not written again
    table = p._store.codings()
    venues = table[(table["coder"] == "final") & (table["code_id"] == "venues")]
    with p._store.transaction():
        p._store.archive_codings(venues["coding_id"], reason="removed by hand", who="dana")
    with pytest.raises(ConflictError, match="1 a person removed"):
        p.build_consensus(["alice", "bob", "carol"], rule="all")
    p.build_consensus(["alice", "bob", "carol"], rule="all", keep_edits=True)
    assert final_codings(p) == {(0, "contact"), (1, "confidentiality")}


def test_consensus_needs_two_known_coders_and_a_free_name(three_coders):
    p = three_coders
    with pytest.raises(InputError, match="two or more different coders"):
        p.build_consensus(["alice", "alice"])
    with pytest.raises(InputError, match="one of the coders"):
        p.build_consensus(["alice", "bob"], name="bob")
    with pytest.raises(InputError, match="unknown coder 'dave'.*alice, bob, carol"):
        p.build_consensus(["alice", "dave"])
    with pytest.raises(InputError, match="automatic coder"):
        p.build_consensus(["alice", "bob"], name="rules")


def test_consensus_keeps_a_shared_span_and_widens_differing_ones(project):
    segs = segment_ids(project)
    seg = project._store.segments().set_index("segment_id").loc[segs[0]]
    start = int(seg["start"])
    store = project._store
    rows = []
    for coder, span in (
        ("alice", (start, start + 10)),
        ("bob", (start, start + 10)),
        ("carol", (start, start + 12)),
    ):
        for code in ("contact", "visits"):
            if code == "visits" and coder == "carol":
                span = (start, start + 10)
            rows.append(
                {
                    "segment_id": segs[0],
                    "document_id": seg["document_id"],
                    "start": span[0],
                    "end": span[1] if code == "visits" or coder != "carol" else start + 12,
                    "code_id": code,
                    "coder": coder,
                    "source": "human",
                    "status": "accepted",
                    "confidence": None,
                    "evidence": None,
                    "codebook_version": None,
                    "created_at": now(),
                }
            )
    with store.transaction():
        store.insert_codings(rows)
    project.build_consensus(["alice", "bob", "carol"], rule="all")
    final = project.codings(coders=["final"]).set_index("code")
    assert (final.at["visits", "start"], final.at["visits", "end"]) == (start, start + 10)
    assert (final.at["contact", "start"], final.at["contact", "end"]) == (start, int(seg["end"]))


def test_cli_consensus_prints_counts_and_disagreements(three_coders, tmp_path):
    result = _cli(three_coders, "code", "consensus", "--coders", "alice,bob,carol", "--rule", "majority")
    assert result.exit_code == 0, result.output
    assert "3 segments every coder reviewed: 3 added" in result.output
    assert "3 disagreement(s)" in result.output
    assert "segment_id,document_id,code_id,coded_by,not_coded_by,in_final" in result.output
    out = tmp_path / "dis.csv"
    again = _cli(
        three_coders,
        "code",
        "consensus",
        "--coders",
        "alice,bob,carol",
        "--rule",
        "majority",
        "--out",
        str(out),
    )
    assert again.exit_code == 0 and "0 added, 3 kept" in again.output
    assert len(pd.read_csv(out)) == 3


def test_on_the_sample_reviews_and_rules_reruns_never_change_a_human_coding(sample_project):
    p = sample_project
    segs = p.segments()["segment_id"].tolist()
    p.add_coding(segs[0], "benefits", coder="alice")
    p.add_coding(segs[1], "co_location", coder="bob")
    sugg = open_suggestions(p)
    codes = sugg["code_id"].value_counts().index[:3].tolist()
    p.review("accept", coder="alice", codes=[codes[0]])
    p.review("reject", coder="bob", codes=[codes[1]])
    p.review("accept", coder="bob", ids=[int(sugg[sugg["code_id"] == codes[2]]["coding_id"].iloc[0])])
    table = p._store.codings()
    human = table[table["source"] == "human"].reset_index(drop=True)
    rejected = table[table["status"] == "rejected"].reset_index(drop=True)
    assert len(human) > 3 and len(rejected) > 0
    for _ in range(2):
        p.code_rules()
        after = p._store.codings()
        pd.testing.assert_frame_equal(after[after["source"] == "human"].reset_index(drop=True), human)
        pd.testing.assert_frame_equal(after[after["status"] == "rejected"].reset_index(drop=True), rejected)
