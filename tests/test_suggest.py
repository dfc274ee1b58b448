"""`Project.suggest` / `qda suggest`: learned suggestions from one coder, evaluated."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from qda.cli import cli
from qda.errors import InputError
from qda.project import Project
from tests.helpers.paths import ROOT

FIXTURE = ROOT / "data" / "sample-coding" / "researcher_a.csv"
HUMAN = ["segment_id", "document", "start", "end", "code", "coder", "source", "status", "text"]


@pytest.fixture(scope="module")
def coded_path(sample_run, tmp_path_factory):
    """The sample project with researcher_a's hand coding imported (read-only master)."""
    path = tmp_path_factory.mktemp("suggest") / "coded.qda"
    shutil.copy(sample_run.project, path)
    with Project.open(path) as project:
        project.import_coding(FIXTURE, coder="researcher_a")
    return path


@pytest.fixture
def coded(coded_path, tmp_path):
    target = tmp_path / "p.qda"
    shutil.copy(coded_path, target)
    with Project.open(target) as project:
        yield project


def _human(project):
    return project.codings(sources=["human"])[HUMAN].reset_index(drop=True)


def test_suggestions_go_only_to_segments_the_coder_has_not_reviewed(coded):
    human = _human(coded)
    taught, _ = coded.training_set("researcher_a")
    report = coded.suggest(from_coder="researcher_a", helper="calibrated")
    model = coded.codings(sources=["model"])
    assert report.suggestions == len(model) > 0 and report.taught == len(taught)
    assert not set(model["segment_id"]) & set(taught.index)
    assert set(model["code"]) <= set(report.codes)
    assert model["confidence"].between(0.5, 1).all() and (model["status"] == "suggested").all()
    assert (model["coder"] == "model").all()
    helper = model["evidence"].iloc[0]["helper"]  # which helper made it, and how
    assert (model["evidence"].map(lambda e: e["helper_name"]) == "calibrated").all()
    assert helper["name"] == "calibrated" and helper["features"] == "words+chars"
    assert helper["version"] and "logistic regression" in helper["model"]
    assert set(report.skipped) == {"benefits", "challenges"}  # too few examples, with a reason
    assert all("needs 3" in why for why in report.skipped.values())
    # The researcher's coding is exactly as it was.
    pd.testing.assert_frame_equal(_human(coded), human)
    history = coded.history()
    assert history.iloc[-1]["action"] == "suggest"


def test_suggesting_again_replaces_open_suggestions_but_keeps_reviewed_ones(coded):
    first = coded.suggest(from_coder="researcher_a")
    rows = coded._store.codings().query("source == 'model'")
    accepted, rejected = rows["coding_id"].iloc[0], rows["coding_id"].iloc[1]
    with coded.transaction():  # a person's review (the review commands do this)
        coded._store._write("UPDATE codings SET status = 'accepted' WHERE id = ?", (int(accepted),))
        coded._store._write("UPDATE codings SET status = 'rejected' WHERE id = ?", (int(rejected),))
    again = coded.suggest(from_coder="researcher_a")
    assert again.replaced == first.suggestions - 2 and again.kept_reviewed == 2
    after = coded._store.codings().query("source == 'model'")
    assert {int(accepted), int(rejected)} <= set(after["coding_id"])
    keys = list(zip(after["segment_id"], after["code_id"]))
    assert len(keys) == len(set(keys))  # nothing suggested twice


def test_same_seed_same_suggestions(coded):
    coded.suggest(from_coder="researcher_a", seed=3)
    one = coded.codings(sources=["model"])[["segment_id", "code", "confidence"]]
    coded.suggest(from_coder="researcher_a", seed=3)
    two = coded.codings(sources=["model"])[["segment_id", "code", "confidence"]]
    pd.testing.assert_frame_equal(one, two)


def test_evaluation_compares_the_model_and_the_rules_code_by_code(coded):
    report = coded.evaluate_suggester(from_coder="researcher_a", folds=3, seed=0, helper="calibrated")
    table = report.table()
    assert list(table.columns[:2]) == ["code_id", "helper"]
    assert {"support", "precision", "recall", "f1", "kappa"} <= set(table.columns)
    per = report.per_code
    assert set(per["helper"]) == {"model", "rules"}
    # Both helpers are scored on the same segments: the same support per code.
    support = per.pivot(index="code_id", columns="helper", values="support")
    assert (support["model"] == support["rules"]).all()
    taught, labels = coded.training_set("researcher_a")
    counts = pd.Series([c for s in labels for c in s]).value_counts()
    for code, n in support["model"].items():
        assert n == counts[code]
    assert report.per_code[["precision", "recall", "f1"]].stack().between(0, 1).all()
    assert set(report.skipped) == {"benefits", "challenges"}


def test_the_chosen_helper_is_the_default_and_is_named_in_each_suggestions_evidence(coded):
    from qda.coding.evidence import summary

    report = coded.suggest(from_coder="researcher_a")
    model = coded.codings(sources=["model"])
    taught, _ = coded.training_set("researcher_a")
    assert report.suggestions == len(model) > 0
    assert not set(model["segment_id"]) & set(taught.index)
    evidence = model["evidence"]
    assert (evidence.map(lambda e: e["helper_name"]) == "chosen").all()
    assert (evidence.map(lambda e: e["helper"]["name"]) == "chosen").all()
    # Each code's own threshold and features, as the chooser picked them.
    by_code = model.assign(
        cut=evidence.map(lambda e: e["threshold"]), feats=evidence.map(lambda e: e["features"])
    )
    assert (by_code.groupby("code")["cut"].nunique() == 1).all()
    assert by_code["feats"].map(lambda f: "words" in f or "embeddings" in f).all()
    assert "chosen" in summary(evidence.iloc[0])  # rendered where evidence is shown
    assert set(report.skipped) == {"benefits", "challenges"}


def test_evaluation_reports_the_chosen_helper_beside_the_calibrated_one(coded):
    report = coded.evaluate_suggester(
        from_coder="researcher_a", folds=3, seed=0, helper=["chosen", "calibrated"]
    )
    per = report.per_code
    assert list(per["helper"][:3]) == ["model", "chosen", "rules"]
    assert report.helpers == ["model", "chosen", "rules"]
    support = per.pivot(index="code_id", columns="helper", values="support")
    assert (support["chosen"] == support["model"]).all()
    assert {("chosen", "macro"), ("model", "macro")} <= set(report.overall.index)
    # Rescoring the calibrated helper at another threshold leaves the chosen one as it was.
    moved = report.at_threshold(0.3)
    chosen = lambda r: r.overall.loc[("chosen", "macro")]  # noqa: E731
    pd.testing.assert_series_equal(chosen(moved), chosen(report))
    with pytest.raises(InputError, match="unknown helper 'fancy'; use one of: chosen, calibrated"):
        coded.evaluate_suggester(from_coder="researcher_a", helper="fancy")
    with pytest.raises(InputError, match="unknown helper 'fancy'"):
        coded.suggest(from_coder="researcher_a", helper="fancy")


def test_next_to_code_ranks_uncoded_segments_least_certain_first(coded, tmp_path):
    ranked = coded.next_to_code(from_coder="researcher_a", n=4)
    taught, _ = coded.training_set("researcher_a")
    assert len(ranked) == 4 and not set(ranked["segment_id"]) & set(taught.index)
    assert ranked["score"].is_monotonic_decreasing
    sheet = coded.coding_sheet(
        tmp_path / "next.xlsx", coder="researcher_a", segments=list(ranked["segment_id"])
    )
    ws = (
        load_workbook(sheet)["Coding"]
        if "Coding" in load_workbook(sheet).sheetnames
        else load_workbook(sheet).worksheets[0]
    )
    ids = [c.value for c in ws["A"] if isinstance(c.value, str) and "#" in c.value]
    assert ids == list(ranked["segment_id"])


def test_a_coder_with_too_little_coding_gets_a_clear_error(coded):
    segs = coded.segments()["segment_id"][:5]
    for sid in segs:
        coded.add_coding(sid, "benefits", coder="newbie")
    with pytest.raises(
        InputError,
        match=r"coder 'newbie': .*(needs? at least 20.*5|5.*at "
        r"least 20)",
    ):
        coded.suggest(from_coder="newbie")
    with pytest.raises(InputError, match=r"^coder 'newbie': too few coded segments to evaluate"):
        coded.evaluate_suggester(from_coder="newbie")
    with pytest.raises(InputError, match="coder 'nobody' has coded no segments.*researcher_a"):
        coded.suggest(from_coder="nobody")
    with pytest.raises(InputError, match="between 0 and 1"):
        coded.suggest(from_coder="researcher_a", threshold=1.5)


def test_cli_suggest_evaluate_next_and_errors(coded_path, tmp_path):
    path = tmp_path / "p.qda"
    shutil.copy(coded_path, path)
    runner = CliRunner()
    p = ["--project", str(path)]
    out = runner.invoke(cli, ["suggest", "--from", "researcher_a", *p])
    assert out.exit_code == 0, out.output
    assert "Learned 22 code(s)" in out.output and "Not learned: benefits" in out.output
    assert "helper chosen." in out.output
    ev = runner.invoke(
        cli,
        [
            "suggest",
            "--from",
            "researcher_a",
            "--evaluate",
            "--folds",
            "3",
            "--helper",
            "chosen",
            "--out",
            str(tmp_path / "eval.csv"),
            *p,
        ],
    )
    assert ev.exit_code == 0, ev.output
    written = pd.read_csv(tmp_path / "eval.csv")
    assert set(written["helper"]) == {"chosen", "rules"}
    assert "(macro) chosen" in " ".join(ev.output.split())
    assert "3-fold cross-validation (seed 0)" in ev.output and "(macro)" in ev.output
    assert "Figures rest on 544 segments" in ev.output and "Warning:" in ev.output
    assert len(written) > 20
    for args in (
        ["--helper", "fancy"],
        ["--helper", "fancy", "--evaluate"],
        ["--helper", "chosen", "--helper", "calibrated"],
    ):
        wrong = runner.invoke(cli, ["suggest", "--from", "researcher_a", *args, *p])
        assert wrong.exit_code == 1 and wrong.output.startswith("Error: "), wrong.output
        assert len(wrong.output.strip().splitlines()) == 1
    nxt = runner.invoke(
        cli, ["suggest", "--from", "researcher_a", "--next", "3", "--sheet", str(tmp_path / "n.xlsx"), *p]
    )
    assert nxt.exit_code == 0 and (tmp_path / "n.xlsx").exists()
    with Project.open(path) as project:
        before = project.codings()
    bad = runner.invoke(cli, ["suggest", "--from", "nobody", *p])
    assert bad.exit_code == 1 and bad.output.startswith("Error: coder 'nobody'")
    assert len(bad.output.strip().splitlines()) == 1
    with Project.open(path) as project:
        pd.testing.assert_frame_equal(project.codings(), before)


def test_a_coder_who_applied_one_code_everywhere_is_told_there_are_no_negatives(coded):
    for sid in coded.segments()["segment_id"][:25]:
        coded.add_coding(sid, "benefits", coder="keen")
    with pytest.raises(
        InputError,
        match=r"^coder 'keen': no negative examples for code "
        r"'benefits': it is applied to every one of the 25",
    ):
        coded.suggest(from_coder="keen")
