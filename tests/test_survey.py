"""Survey tables read together: --text-column/--id-column in a folder of several tables,
and the ingest report saying which columns became answers, the id and attributes."""

from __future__ import annotations

import pandas as pd
import pytest

from qda.errors import InputError
from qda.project import Project


def _surveys(folder):
    folder.mkdir()
    pd.DataFrame(
        {
            "Respondent": ["R1", "R2", "R3"],
            "Role": ["PO", "SPO", "PO"],
            "What helps?": [
                "Time to ring a parent before the first appointment.",
                "A room at the children's centre for partners.",
                "Honest conversations about what probation is.",
            ],
        }
    ).to_csv(folder / "staff.csv", index=False)
    pd.DataFrame(
        {
            "ID": ["F1", "F2", "F3"],
            "Area": ["Kent", "Kent", "Sussex"],
            "Comments": [
                "Nobody told me when his appointments were moved.",
                "I would like to meet the officer once, face to face.",
                "The letters are hard to read and arrive too late.",
            ],
        }
    ).to_csv(folder / "family.csv", index=False)
    return folder


def test_a_named_text_column_missing_from_one_table_of_a_folder_is_a_warning(tmp_path):
    folder = _surveys(tmp_path / "surveys")
    with Project.create(tmp_path / "p.qda") as project:
        report = project.ingest([folder], text_columns=["what helps?"], id_column="respondent")
        family = [w for w in report.warnings if w.startswith("family.csv")]
        assert any(
            "none of the named text columns ('what helps?')" in w and "'Comments'" in w for w in family
        )
        assert any("no id column 'respondent'" in w and "'ID'" in w for w in family)
        assert report.surveys == [
            (
                "family.csv: answers read from 'Comments'; respondent id 'ID'; attributes: 'Area' "
                "(found by qda: name them with --text-column/--id-column to choose)"
            ),
            ("staff.csv: answers read from 'What helps?'; respondent id 'Respondent'; attributes: 'Role'"),
        ]
        segs = project.segments()
        assert sorted(set(segs["question"])) == ["Comments", "What helps?"]


def test_a_named_column_is_refused_when_one_table_lacks_it_or_no_table_has_it(tmp_path):
    folder = _surveys(tmp_path / "surveys")
    with Project.create(tmp_path / "p.qda") as project:
        with pytest.raises(InputError, match=r"family.csv: has no text column 'What helps\?'"):
            project.ingest([folder / "family.csv"], text_columns=["What helps?"])
        with pytest.raises(
            InputError,
            match=r"no survey table has the column 'Whta helps\?' "
            r"\(tables: family.csv, staff.csv\)",
        ):
            project.ingest([folder], text_columns=["Whta helps?"])
        assert project.documents().empty


def test_qda_ingest_prints_the_columns_of_each_survey(tmp_path):
    from click.testing import CliRunner

    from qda.cli import cli

    folder = _surveys(tmp_path / "surveys")
    project = str(tmp_path / "p.qda")
    assert CliRunner().invoke(cli, ["init", project]).exit_code == 0
    result = CliRunner().invoke(cli, ["ingest", str(folder), "--project", project])
    assert result.exit_code == 0, result.output
    assert "Survey staff.csv: answers read from 'What helps?'" in result.output
    assert "attributes: 'Role'" in result.output


def _survey_work(tmp_path, rows: int) -> int:
    """SQLite's work (virtual machine steps, in thousands) to ingest a survey of ``rows``
    respondents: a count of operations, not a time, so it does not depend on the machine."""
    table = tmp_path / f"survey-{rows}.csv"
    pd.DataFrame(
        {
            "respondent": [f"R{i:05d}" for i in range(rows)],
            "area": ["Kent", "Surrey"] * (rows // 2),
            "answer": [f"Answer number {i} about the officer." for i in range(rows)],
        }
    ).to_csv(table, index=False)
    steps = [0]
    with Project.create(tmp_path / f"survey-{rows}.qda") as project:

        def tick():
            steps[0] += 1
            return 0

        project._store._conn.set_progress_handler(tick, 1000)
        project.ingest([table], text_columns=["answer"], id_column="respondent")
        project._store._conn.set_progress_handler(None, 1000)
        segs = project.segments()
        assert len(segs) == rows and (segs["participant"] == segs["speaker"]).all()
    return steps[0]


def test_survey_ingest_work_grows_linearly_with_respondents(tmp_path):
    """Issue 22: each respondent's speaker update scanned every segment of the survey
    (10k answers 44 s, 50k over 400 s). Four times the respondents must cost about four
    times the database work, not sixteen."""
    small, large = _survey_work(tmp_path, 500), _survey_work(tmp_path, 2000)
    assert large / small < 6, (small, large)
