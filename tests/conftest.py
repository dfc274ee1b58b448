"""Shared fixtures: a fresh project on disk, and the bundled sample run once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import qda
from qda.project import Project

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
CODEBOOK = ROOT / "codebooks" / "family_involvement.yaml"


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
def transcripts(tmp_path) -> Path:
    """A small folder: two interviews, a focus group and a participants sheet."""
    folder = tmp_path / "transcripts"
    folder.mkdir()
    (folder / "int-a.txt").write_text(
        "[Telephone interview. Names changed.]\n\n"
        "Interviewer: How often do you speak to families?\n\n"
        "Dawn: Most weeks I'd ring his mum. She helps with appointments, honestly.\n"
        "And the home visit showed me a lot.\n\n"
        "Interviewer: Anything hard about it?\n\n"
        "Dawn: Confidentiality. I can't tell her what he says without consent.\n",
        encoding="utf-8")
    (folder / "int-b.txt").write_text(
        "Interviewer: Tell me about the office.\n\n"
        "Respondent: Children aren't allowed in, so I stand outside with the buggy. \U0001F62C\n",
        encoding="utf-8")
    (folder / "fg.txt").write_text(
        "Facilitator: Where could you meet families?\n\n"
        "Amira: A children's centre would be ideal.\n\n"
        "Tom: Or a drop-in at the community hub. [crosstalk]\n\n"
        "Amira: Yes, the hub.\n",
        encoding="utf-8")
    (folder / "participants.csv").write_text(
        "participant,document,speaker,group,role,location\n"
        "S01,int-a,Dawn,staff,Responsible Officer,Kent\n"
        "F01,int-b.txt,,family,Partner of service user,\n"
        "S02,fg,Amira,staff,Responsible Officer,Sussex\n"
        "S03,fg,Tom,staff,Senior Probation Officer,Sussex\n",
        encoding="utf-8")
    return folder
