"""Crash tests: qda commands killed with SIGKILL at random points (seeded) leave a project
that opens, passes PRAGMA integrity_check, and holds the state before the command or the
state after a complete run, never something in between.

QDA_CRASH_POINTS sets how many kill points (default 10);
QDA_CRASH_SEED the seed. The summary line is printed and kept in
tests/reliability-results.json for the README's Reliability table."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from qda.project import Project
from tests.helpers.crash import Command, run_harness
from tests.helpers.reliability import record_result

pytestmark = pytest.mark.reliability

ROOT = Path(__file__).resolve().parents[1]
CODING = ROOT / "data" / "sample-coding" / "researcher_a.csv"


def test_killed_commands_leave_the_project_as_before_or_as_after(sample_run, tmp_path):
    base = tmp_path / "base.qda"
    shutil.copy(sample_run.project, base)

    # new transcripts for ingest: sample files with a changed last line, under new names
    inputs = tmp_path / "new-transcripts"
    inputs.mkdir()
    for src in sorted((ROOT / "data" / "sample").glob("*.txt"))[:6]:
        text = src.read_text(encoding="utf-8").rstrip("\n")
        (inputs / f"again-{src.name}").write_text(text + "\n\nR: And that is all.\n", encoding="utf-8")

    rules_before = tmp_path / "rules-before.qda"
    shutil.copy(base, rules_before)
    with Project.open(rules_before) as project:  # a code the sample's rules never had
        project.add_code(
            "crash_words", "Crash words", project.codebook.ids[0], keywords=["family", "visit", "phone"]
        )

    coded = tmp_path / "coded.qda"
    shutil.copy(base, coded)
    few = tmp_path / "s.csv"
    lines = CODING.read_text(encoding="utf-8").replace(",researcher_a,", ",s,").splitlines()
    few.write_text("\n".join(lines[:400]) + "\n", encoding="utf-8")
    with Project.open(coded) as project:
        project.import_coding(CODING, coder="researcher_a")
        project.import_coding(few, coder="s")
        cb = project.codebook
        parent = next(c for c in cb if len(cb.children(c.id)) >= 2)
        merge_a, merge_b = [c.id for c in cb.children(parent.id)][:2]

    commands = [
        Command("ingest", ["ingest", str(inputs)], base),
        Command("code import", ["code", "import", str(CODING), "--coder", "researcher_a"], base),
        Command("code rules", ["code", "rules"], rules_before),
        Command("suggest", ["suggest", "--from", "s"], coded),
        Command("codebook merge", ["codebook", "merge", merge_a, merge_b], coded),
    ]
    points = int(os.environ.get("QDA_CRASH_POINTS", "10"))
    seed = int(os.environ.get("QDA_CRASH_SEED", "0"))
    summary = run_harness(commands, tmp_path / "runs", points=points, seed=seed)
    print("\n" + summary.line())
    record_result("crash", {**summary.counts(), "seed": seed})
    bad = [o for o in summary.outcomes if o.result not in ("none", "all")]
    assert not bad, bad
    assert len(summary.outcomes) == points
