"""Shared fixtures: a fresh project on disk, the bundled sample run once, the small
transcripts folder, the sample with two coders. What they are built from lives in
``tests/helpers`` (test modules import it from there, never from here)."""

from __future__ import annotations

import shutil

import pytest

# Before the helpers are imported: their asserts report values as the tests' own do.
pytest.register_assert_rewrite("tests.helpers")

import qda  # noqa: E402
from qda.project import Project  # noqa: E402
from tests.helpers.coders import CODING_A, researcher_b  # noqa: E402
from tests.helpers.transcripts import write_transcripts  # noqa: E402


@pytest.fixture
def fresh_project(tmp_path) -> Project:
    project = Project.create(tmp_path / "p.qda")
    yield project
    project.close()


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> qda.RunResult:
    """`qda run` on the bundled sample, once per test session (read-only for tests)."""
    out = tmp_path_factory.mktemp("sample-run") / "qda-output"
    return qda.run(out=out)


@pytest.fixture
def sample_project(sample_run, tmp_path) -> Project:
    """A private, writable copy of the sample project."""
    target = tmp_path / "sample.qda"
    shutil.copy(sample_run.project, target)
    project = Project.open(target)
    yield project
    project.close()


@pytest.fixture
def transcripts(tmp_path):
    """A small folder: two interviews, a focus group and a participants sheet."""
    return write_transcripts(tmp_path / "transcripts")


@pytest.fixture(scope="module")
def two_coders_path(sample_run, tmp_path_factory):
    """The sample with researcher_a's coding and a second coder's (``researcher_b``)
    imported, once per module that asks."""
    folder = tmp_path_factory.mktemp("agreement")
    path = folder / "two.qda"
    shutil.copy(sample_run.project, path)
    researcher_b(folder / "researcher_b.csv")
    with Project.open(path) as project:
        project.import_coding(CODING_A, coder="researcher_a")
        project.import_coding(folder / "researcher_b.csv", coder="researcher_b")
    return path
