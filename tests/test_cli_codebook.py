"""`qda codebook ...` edits through the command line (click's CliRunner)."""

from __future__ import annotations

import dataclasses
import shutil
from collections import Counter

import pytest
from click.testing import CliRunner

import qda.cli.codebook
from qda.cli import cli
from qda.codebook import Code, Codebook, load_codebook
from qda.codebook.edits import _tree
from qda.project import Project
from tests.helpers.paths import CODEBOOK

#: the bundled codebook's version: edits make it V+r1, V+r2, ...
V = load_codebook(CODEBOOK).version


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def path(sample_run, tmp_path):
    """A writable copy of the sample project with two human codings."""
    target = tmp_path / "sample.qda"
    shutil.copy(sample_run.project, target)
    with Project.open(target) as project:
        segs = project.segments()["segment_id"]
        project.add_coding(segs.iloc[0], "home_visits", coder="ann")
        project.add_coding(segs.iloc[1], "community_venues", coder="ann")
    return target


def _state(path):
    with Project.open(path) as project:
        store = project._store
        return (
            store.codes().to_json(),
            store.codings().drop(columns=["created_at"]).to_json(),
            store.archived_codings().to_json(),
            len(project.history()),
            project.codebook.version,
        )


def _tally(path):
    with Project.open(path) as project:
        df = project.codings()
    return Counter(zip(df["coder"], df["source"], df["status"]))


def _ok(runner, *args):
    result = runner.invoke(cli, [*args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _changed_yaml(path, tmp_path, *, version=None):
    with Project.open(path) as project:
        cb = project.codebook
    codes = [
        dataclasses.replace(c, description="Changed.") if c.id == "benefits_staff" else c
        for c in cb
        if c.id != "home_visits"
    ]
    codes.append(Code("home_visit_sessions", "Home visits", parent="co_location"))
    book = _tree(Codebook(name=cb.name, version=version or V, description=cb.description), codes)
    out = tmp_path / "changed.yaml"
    book.to_yaml(out)
    return out


def test_rename_move_merge_split_delete_keep_every_coding(runner, path):
    p = ["--project", str(path)]
    tally = _tally(path)
    out = _ok(runner, "codebook", "rename", "home_visits", "--name", "Visits", "--id", "visits", *p)
    assert "id home_visits -> visits" in out and "'Home visits' -> 'Visits'" in out
    assert f"version {V}+r1" in out
    out = _ok(runner, "codebook", "move", "visits", "--under", "boundaries", "--position", "1", *p)
    assert "Moved visits under boundaries" in out
    with Project.open(path) as project:
        assert project.codebook.children("boundaries")[0].id == "visits"
    _ok(runner, "codebook", "move", "visits", "--top", *p)
    out = _ok(runner, "codebook", "merge", "community_venues", "visits", *p)
    assert "Merged community_venues into visits" in out and "collapsed" in out
    out = _ok(
        runner,
        "codebook",
        "split",
        "visits",
        "--into",
        "visits_planned:Planned visits",
        "--into",
        "visits_other:Other: unplanned",
        *p,
    )
    assert "flagged for review" in out
    with Project.open(path) as project:
        cb = project.codebook
        assert cb.get("visits_other").name == "Other: unplanned"
        assert cb.get("visits").parent is None and "community_venues" not in cb
        codings = project.codings()
        assert codings.loc[codings["code"] == "visits", "review"].notna().all()
        archived = len(project._store.archived_codings())
    # the merge only collapsed duplicates (archived); everything else is where it was
    assert sum(_tally(path).values()) + archived == sum(tally.values())
    assert _tally(path)[("ann", "human", "accepted")] == 2
    out = _ok(runner, "codebook", "delete", "visits", "--archive", *p)
    assert "Deleted visits, visits_planned, visits_other" in out and "archived" in out
    with Project.open(path) as project:
        assert len(project.codings(sources=["human"])) == 0
        assert len(project._store.archived_codings()) > archived
        assert project.codebook.version == f"{V}+r6"


def test_add(runner, path):
    out = _ok(
        runner,
        "codebook",
        "add",
        "benefits_wider",
        "Wider benefits",
        "--under",
        "benefits",
        "--description",
        "Gains for the community.",
        "--keyword",
        "community",
        "--project",
        str(path),
    )
    assert "Added benefits_wider under benefits" in out
    with Project.open(path) as project:
        code = project.codebook.get("benefits_wider")
    assert (code.parent, code.description, code.keywords) == (
        "benefits",
        "Gains for the community.",
        ("community",),
    )


def test_delete_keep_children(runner, path):
    _ok(runner, "codebook", "delete", "co_location", "--keep-children", "--project", str(path))
    with Project.open(path) as project:
        assert project.codebook.get("home_visits").parent is None


def test_show_prints_definitions_and_counts_by_source(runner, path):
    out = _ok(runner, "codebook", "show", "--project", str(path))
    lines = out.splitlines()
    assert f"version {V}" in lines[0] and "rolled up" in lines[1]
    assert lines[2].split() == ["code", "human", "rules", "model", "name"]
    with Project.open(path) as project:
        counts = project.code_counts().set_index("code")
        description = project.codebook.get("home_visits").description
    row = next(line for line in lines if line.strip().startswith("home_visits "))
    assert row.split()[1:4] == [str(counts.loc["home_visits", s]) for s in ("human", "rules", "model")]
    assert row.split()[1] == "1"
    theme = next(line for line in lines if line.startswith("co_location "))
    assert theme.split()[1] == "2"  # both human codings roll up to the theme
    assert " ".join(description.split()[:6]) in " ".join(out.split())
    brief = _ok(runner, "codebook", "show", "--brief", "--project", str(path))
    assert " ".join(description.split()[:6]) not in " ".join(brief.split())
    full = _ok(runner, "codebook", "show", "--full", "--project", str(path))
    assert "Include:" in full and "Keywords:" in full


def test_diff_lists_the_changes_and_what_needs_a_mapping(runner, path, tmp_path):
    changed = _changed_yaml(path, tmp_path)
    out = _ok(runner, "codebook", "diff", str(changed), "--project", str(path))
    assert "+ home_visit_sessions" in out and "~ benefits_staff: description" in out
    line = next(x for x in out.splitlines() if x.startswith("- home_visits"))
    assert "likely renamed to home_visit_sessions" in line
    assert "needs --map home_visits=NEW or --archive home_visits" in line
    with Project.open(path) as project:
        project.codebook.to_yaml(same := tmp_path / "same.yaml")
    assert "No differences" in _ok(runner, "codebook", "diff", str(same), "--project", str(path))


def test_load_a_changed_file_needs_a_mapping_then_applies_it(runner, path, tmp_path):
    changed = _changed_yaml(path, tmp_path)
    before = _state(path)
    result = runner.invoke(cli, ["codebook", "load", str(changed), "--project", str(path)])
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: ") and "'home_visits' has" in line and "--map OLD=NEW" in line
    assert "--map home_visits=home_visit_sessions" in line and "--archive OLD" in line
    assert _state(path) == before
    tally = _tally(path)
    out = _ok(
        runner,
        "codebook",
        "load",
        str(changed),
        "--map",
        "home_visits=home_visit_sessions",
        "--project",
        str(path),
    )
    assert "1 added, 1 changed, 1 removed, 1 merged" in out and f"version {V}+r1" in out
    assert _tally(path) == tally
    out = _ok(runner, "codebook", "load", str(changed), "--project", str(path))
    assert "no change" in out


def test_load_with_archive(runner, path, tmp_path):
    changed = _changed_yaml(path, tmp_path, version="2.0")
    out = _ok(runner, "codebook", "load", str(changed), "--archive", "home_visits", "--project", str(path))
    assert "codings archived" in out and "(version 2.0)" in out


def test_load_asks_for_a_mapping_in_a_terminal(runner, path, tmp_path, monkeypatch):
    changed = _changed_yaml(path, tmp_path)
    monkeypatch.setattr(qda.cli.codebook, "_stdin_is_terminal", lambda: True)
    result = runner.invoke(
        cli, ["codebook", "load", str(changed), "--project", str(path)], input="\n"
    )  # accept the suggested code
    assert result.exit_code == 0, result.output
    assert "Merge them into which code" in result.output and "1 merged" in result.output
    with Project.open(path) as project:
        assert project.codings(sources=["human"])["code"].tolist().count("home_visit_sessions") == 1


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["add", "benefits", "Again"], ["'benefits' is already used"]),
        (["add", "x", "X", "--under", "nope"], ["unknown parent code 'nope'"]),
        (["add", "x", "X", "--color", "red"], ["color must look like"]),
        (["rename", "nope", "--name", "X"], ["unknown code 'nope'"]),
        (["rename", "home_visits"], ["give a new name, a new id"]),
        (["rename", "home_visits", "--id", "benefits"], ["'benefits' is already used"]),
        (["rename", "home_visits", "--id", "Bad Id"], ["is not valid"]),
        (["move", "benefits", "--under", "benefits_staff"], ["cycle", "'benefits_staff'"]),
        (["move", "benefits", "--under", "x", "--top"], ["--under PARENT or --top"]),
        (["move", "benefits", "--under", "nope"], ["unknown parent code 'nope'"]),
        (["merge", "benefits", "benefits"], ["into itself"]),
        (["merge", "nope", "benefits"], ["unknown code 'nope'"]),
        (["merge", "benefits", "benefits_staff"], ["is inside 'benefits'"]),
        (["split", "home_visits", "--into", "nocolon"], ["--into takes ID:NAME"]),
        (["split", "home_visits", "--into", "benefits:Again"], ["already used"]),
        (["delete", "co_location"], ["have", "coding(s)", "--archive", "nothing was deleted"]),
        (["delete", "nope"], ["unknown code 'nope'"]),
        (["load", "{changed}", "--map", "nonsense"], ["--map takes OLD=NEW"]),
        (["load", "{changed}", "--map", "home_visits=nope"], ["'nope' is not in the file"]),
        (["load", "{changed}", "--archive", "benefits"], ["'benefits' is still in the file"]),
        (["diff", "{missing}"], ["missing.yaml", "no such codebook file"]),
    ],
)
def test_errors_are_one_line_and_change_nothing(runner, path, tmp_path, args, fragments):
    changed = _changed_yaml(path, tmp_path)
    args = [a.format(changed=changed, missing=tmp_path / "missing.yaml") for a in args]
    before = _state(path)
    result = runner.invoke(cli, ["codebook", *args, "--project", str(path)])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.output
    assert _state(path) == before
