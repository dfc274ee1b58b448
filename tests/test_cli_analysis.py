"""`qda matrix`, `agreement`, `crosstab`, `cooccurrence`, `saturation`, `framework` with
CliRunner: what each writes, and each promised error as one `Error:` line, exit 1."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from qda.project import Project
from tests.helpers.cli import invoke as _invoke

THEMES = ["current_involvement", "benefits", "challenges", "boundaries", "co_location", "family_perspectives"]


@pytest.fixture
def project(two_coders_path, tmp_path):
    import shutil

    target = tmp_path / "p.qda"
    shutil.copy(two_coders_path, target)
    return target


def _csv(result) -> pd.DataFrame:
    assert result.exit_code == 0, result.output
    return pd.read_csv(io.StringIO(result.stdout))


def _fails(result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ") and message in result.stderr, result.stderr
    assert "Traceback" not in result.output


def test_matrix_depth_codes_filters_totals(project):
    m = _csv(_invoke("matrix", "--depth", "1", "--totals", "--coder", "researcher_a", "--project", project))
    assert [c for c in m.columns if c in THEMES] == THEMES and "Total" in m.columns
    assert m["participant"].iloc[-1] == "Total"
    with Project.open(project) as p:
        expected = p.matrix(depth=1, totals=True, coders=["researcher_a"])
    assert m[THEMES + ["Total"]].values.tolist() == expected[THEMES + ["Total"]].values.tolist()
    picked = _csv(
        _invoke(
            "matrix",
            "--codes",
            "risks,benefits",
            "--rows",
            "group",
            "--source",
            "human",
            "--status",
            "accepted",
            "--project",
            project,
        )
    )
    assert list(picked.columns) == ["group", "risks", "benefits"]
    every = _csv(_invoke("matrix", "--depth", "all", "--project", project))
    assert "support_desistance" in every.columns


@pytest.mark.parametrize(
    "args, message",
    [
        (["--depth", "themes"], "--depth must be a whole number"),
        (["--depth", "0"], "--depth must be 1 (themes) or more"),
        (["--codes", "nope"], "unknown code 'nope'"),
        (["--rows", "shoe_size"], "cannot make rows of 'shoe_size'"),
    ],
)
def test_matrix_errors(project, args, message):
    _fails(_invoke("matrix", *args, "--project", project), message)


def test_agreement_prints_and_writes(project, tmp_path):
    result = _invoke(
        "agreement", "--coders", "researcher_a,researcher_b", "--depth", "1", "--project", project
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:5] == ["code", "units", "agreement", "kappa", "alpha"]
    assert lines[-1].strip().startswith("(all codes)") and len(lines) == 1 + len(THEMES) + 1
    assert "2 coders" in result.stderr
    out = tmp_path / "agreement.csv"
    result = _invoke("agreement", "--coders", "researcher_a,researcher_b", "--out", out, "--project", project)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert list(table.columns) == [
        "code_id",
        "code",
        "units",
        "percent_agreement",
        "cohen_kappa",
        "krippendorff_alpha",
        "note",
    ]
    assert table["code_id"].iloc[-1] == "(all codes)"
    assert table["cohen_kappa"].between(-1, 1).iloc[:-1].all()


def test_agreement_errors(project, tmp_path):
    _fails(
        _invoke("agreement", "--coders", "researcher_a,ghost", "--project", project),
        "unknown coder 'ghost'; coders in this project: researcher_a, researcher_b",
    )
    _fails(_invoke("agreement", "--coders", "researcher_a", "--project", project), "at least two coders")
    # a coder whose only coding is on an interviewer turn has reviewed nothing counted
    with Project.open(project) as p:
        s = p.segments(interviewer=True)
        iv = s[s["is_interviewer"]].iloc[0]
    sheet = tmp_path / "ivan.csv"
    pd.DataFrame(
        [
            {
                "segment_id": iv["segment_id"],
                "document": iv["document"],
                "participant": "",
                "start": iv["start"],
                "end": iv["end"],
                "code": "risks",
                "coder": "ivan",
                "source": "human",
                "status": "accepted",
                "confidence": "",
                "text": "",
            }
        ]
    ).to_csv(sheet, index=False)
    assert _invoke("code", "import", sheet, "--coder", "ivan", "--project", project).exit_code == 0
    _fails(
        _invoke("agreement", "--coders", "researcher_a,ivan", "--project", project),
        "coder 'ivan' has no reviewed or coded segments",
    )


def test_crosstab(project, tmp_path):
    out = tmp_path / "ct.csv"
    result = _invoke("crosstab", "group", "--unit", "participants", "--out", out, "--project", project)
    assert result.exit_code == 0, result.output
    assert "Participants counted once" in result.stderr
    table = pd.read_csv(out)
    assert table["code_id"].tolist() == THEMES + ["(base)"]
    assert {"n | family", "n | staff", "n | Total", "column % | family"} <= set(table.columns)
    with Project.open(project) as p:
        ct = p.crosstab("group", unit="participants")
    assert table["n | family"].iloc[:-1].tolist() == ct.counts["family"].tolist()
    assert table["column % | staff"].iloc[0] == round(ct.column_percent["staff"].iloc[0], 1)
    _fails(_invoke("crosstab", "shoe_size", "--project", project), "no participant attribute 'shoe_size'")
    _fails(_invoke("crosstab", "group", "--depth", "-1", "--project", project), "--depth")


def test_cooccurrence_and_saturation(project):
    counts = _csv(_invoke("cooccurrence", "--project", project))
    assert counts["code_id"].tolist() == THEMES and list(counts.columns[2:]) == THEMES
    c = _csv(_invoke("cooccurrence", "--value", "c", "--project", project))
    assert c[THEMES].max().max() <= 1.0
    pairs = _csv(_invoke("cooccurrence", "--pairs", "--depth", "all", "--project", project))
    assert list(pairs.columns) == ["code_a", "code_b", "n_a", "n_b", "n_ab", "c_coefficient"]
    s = _csv(_invoke("saturation", "--project", project))
    assert s["position"].tolist() == list(range(1, len(s) + 1))
    assert s["cumulative_codes"].is_monotonic_increasing
    _fails(_invoke("cooccurrence", "--codes", "x", "--project", project), "unknown code 'x'")


def test_framework_csv_and_errors(project, tmp_path):
    table = _csv(_invoke("framework", "--project", project))
    assert "challenges | quotes" in table.columns and "challenges | summary" in table.columns
    _fails(_invoke("framework", "--out", tmp_path / "f.txt", "--project", project), "as .xlsx or .csv")
    _fails(
        _invoke("framework", "import", tmp_path / "none.csv", "--by", "x", "--project", project),
        "no such file",
    )
    table["benefits | summary"] = ["x"] + [""] * (len(table) - 1)
    table = table.rename(columns={"co_location | summary": "colocation | summary"})
    bad = tmp_path / "bad.csv"
    table.to_csv(bad, index=False)
    _fails(
        _invoke("framework", "import", bad, "--by", "x", "--project", project),
        "no code 'colocation' in the project's codebook",
    )
    missing = _invoke("framework", "import", bad, "--project", project)
    assert missing.exit_code == 2 and "--by" in missing.output
