"""Finding the project: no --project and no ./project.qda -> ./qda-output/project.qda
(said once on standard error); a missing project's error names the projects it sees."""

from __future__ import annotations

from click.testing import CliRunner

from qda.cli import cli
from qda.project import Project


def invoke(*args, env=None):
    return CliRunner().invoke(
        cli, [str(a) for a in args], catch_exceptions=False, env=env or {"QDA_PROJECT": None}
    )


def test_the_run_output_project_is_used_when_there_is_no_project_here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "qda-output").mkdir()
    Project.create(tmp_path / "qda-output" / "project.qda").close()
    result = invoke("documents")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("Using qda-output/project.qda") == 1
    assert result.stdout.startswith("document,name,format,speakers,turns,words,warnings")


def test_a_project_here_or_named_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "qda-output").mkdir()
    Project.create(tmp_path / "qda-output" / "project.qda").close()
    Project.create(tmp_path / "project.qda").close()
    assert "Using" not in invoke("documents").stderr
    Project.create(tmp_path / "other.qda").close()
    assert "Using" not in invoke("documents", "--project", "other.qda").stderr
    assert "Using" not in invoke("documents", env={"QDA_PROJECT": "other.qda"}).stderr


def test_the_missing_project_error_names_the_projects_it_sees(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Project.create(tmp_path / "study.qda").close()
    result = invoke("documents")
    assert result.exit_code == 1
    assert "project.qda: no such project" in result.stderr
    assert "give one of the projects here with --project: study.qda" in result.stderr
    (tmp_path / "study.qda").unlink()
    alone = invoke("documents")
    assert alone.exit_code == 1 and "projects here" not in alone.stderr
