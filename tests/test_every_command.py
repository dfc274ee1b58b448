"""Every reading and exporting command on a project holding every kind of coding.

A model suggestion's evidence is a dict, a rules suggestion's a list of hits, a
consensus coding's a list with one item of kind ``consensus``, a person's or an imported
coding's none: a table writer that knew only one of these shapes ended in a traceback
(``qda codings --out`` after ``qda suggest``). Each command here must exit 0 on a project
with all of them: human, rules, model, imported, consensus, accepted and rejected.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qda.cli import cli

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
RESEARCHER_A = ROOT / "data" / "sample-coding" / "researcher_a.csv"


def invoke(*args: object) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.output)
    assert result.exit_code == 0, (args, result.output)
    return result.output


def ids(coding_ids) -> list[str]:
    return [a for i in coding_ids for a in ("--id", str(i))]


@pytest.fixture(scope="module")
def every_kind(sample_run, tmp_path_factory) -> Path:
    """The sample project with codings of every source and status."""
    folder = tmp_path_factory.mktemp("every-kind")
    project = folder / "p.qda"
    shutil.copy(sample_run.project, project)  # rules suggestions already there
    p = ("--project", project)
    invoke("code", "import", RESEARCHER_A, "--coder", "researcher_a", *p)
    # A second coder who left every third coded row out: agreement and a consensus
    # with real disagreements.
    rows = pd.read_csv(RESEARCHER_A, dtype=str, keep_default_na=False)
    b = rows[[i % 3 != 0 or not c for i, c in enumerate(rows["code"])]]
    b.assign(coder="researcher_b").to_csv(folder / "b.csv", index=False)
    invoke("code", "import", folder / "b.csv", "--coder", "researcher_b", *p)
    invoke(
        "code",
        "consensus",
        "--coders",
        "researcher_a,researcher_b",
        "--out",
        folder / "disagreements.csv",
        *p,
    )
    invoke("suggest", "--from", "researcher_a", *p)
    invoke("review", "list", "--out", folder / "open.csv", *p)
    open_ = pd.read_csv(folder / "open.csv")
    rules = open_[open_["source"] == "rules"]["coding_id"].tolist()
    model = open_[open_["source"] == "model"]["coding_id"].tolist()
    assert rules and model
    invoke("review", "accept", *ids(rules[:3]), "--coder", "reviewer", *p)
    invoke("review", "reject", *ids(model[:3]), *p)
    # Imported codings: the project goes out as REFI-QDA and comes back in; its texts
    # are the project's own, so the codings land on them with source `import`.
    invoke("export", "--qdpx", folder / "out.qdpx", *p)
    invoke("ingest", folder / "out.qdpx", *p)
    return project


def test_the_project_holds_every_kind_of_coding(every_kind):
    from qda import Project

    with Project.open(every_kind) as project:
        codings = project.coding_table()
    kinds = set(zip(codings["source"], codings["status"]))
    for kind in [
        ("human", "accepted"),
        ("rules", "suggested"),
        ("model", "suggested"),
        ("model", "rejected"),
        ("import", "accepted"),
    ]:
        assert kind in kinds, kind
    assert "final" in set(codings["coder"])  # the consensus coder
    assert "reviewer" in set(codings["coder"])  # accepted suggestions became hers


@pytest.mark.parametrize(
    "command",
    [
        ["segments", "--out", "{d}/segments.csv"],
        ["segments", "--interviewer", "--out", "{d}/segments-all.csv"],
        ["codings", "--out", "{d}/codings.csv"],
        ["codings", "--reviewed", "--out", "{d}/codings-reviewed.csv"],
        ["codings", "--source", "model", "--out", "{d}/codings-model.csv"],
        ["matrix", "--out", "{d}/matrix.csv"],
        ["matrix", "--rows", "role", "--value", "share", "--totals", "--out", "{d}/m2.csv"],
        ["crosstab", "role", "--out", "{d}/crosstab.csv"],
        ["crosstab", "location", "--unit", "participants", "--out", "{d}/crosstab2.csv"],
        ["cooccurrence", "--out", "{d}/cooc.csv"],
        ["cooccurrence", "--pairs", "--value", "c", "--out", "{d}/cooc2.csv"],
        ["saturation", "--out", "{d}/saturation.csv"],
        ["framework", "--out", "{d}/framework.csv"],
        ["framework", "--out", "{d}/framework.xlsx"],
        ["agreement", "--coders", "researcher_a,researcher_b", "--out", "{d}/agreement.csv"],
        ["review", "list", "--out", "{d}/review.csv"],
        ["codebook", "show"],
        ["codebook", "export", "{d}/codebook.yaml"],
        ["participants", "show"],
        ["attribution", "show"],
        ["export", "--xlsx", "{d}/db.xlsx", "--charts", "{d}/charts", "--quotes", "{d}/quotes.md"],
        ["export", "--quotes", "{d}/quotes.docx", "--order", "confidence"],
        ["export", "--qdpx", "{d}/all.qdpx", "--suggestions", "--qdc", "{d}/codebook.qdc"],
    ],
)
def test_every_reading_and_exporting_command_works(every_kind, tmp_path, command):
    args = [a.format(d=tmp_path) for a in command]
    invoke(*args, "--project", every_kind)
    written = [Path(a) for a in args if a.startswith(str(tmp_path))]
    for path in written:
        assert path.exists(), path


def test_the_codings_csv_describes_every_kind_of_evidence(every_kind, tmp_path):
    out = tmp_path / "codings.csv"
    invoke("codings", "--out", out, "--project", every_kind)
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    model = df[df["source"] == "model"]["evidence"]
    assert model.str.contains("from=researcher_a").all()  # the helper, named
    rules = df[df["source"] == "rules"]["evidence"]
    assert rules.str.match(r"^.+@\d+").all()  # term@offset per hit
    final = df[(df["coder"] == "final") & (df["source"] == "human")]["evidence"]
    assert (final != "").all()  # who agreed
    assert (df[df["source"] == "import"]["evidence"] == "").all()


def test_the_codings_csv_comes_back_in_unchanged(every_kind, tmp_path):
    """What `qda codings` writes, `qda code import` reads: a coder's codings round-trip."""
    from qda import Project

    out = tmp_path / "a.csv"
    invoke("codings", "--coder", "researcher_a", "--source", "human", "--out", out, "--project", every_kind)
    copy = tmp_path / "copy.qda"
    shutil.copy(every_kind, copy)
    invoke("code", "import", out, "--coder", "researcher_a", "--project", copy)
    with Project.open(every_kind) as before, Project.open(copy) as after:
        cols = ["segment_id", "start", "end", "code"]
        a = before.coding_table(coders=["researcher_a"], sources=["human"])
        b = after.coding_table(coders=["researcher_a"], sources=["human"])
        a, b = (t[cols].sort_values(cols).reset_index(drop=True) for t in (a, b))
    assert len(a) > 500
    pd.testing.assert_frame_equal(a, b)
