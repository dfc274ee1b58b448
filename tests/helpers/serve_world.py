"""A small project for the page's tests: interviews with an emoji, combining marks and
markup in their text, the default codebook, rules suggestions."""

from __future__ import annotations

from pathlib import Path

from qda.project import Project
from tests.helpers.paths import CODEBOOK
from tests.helpers.transcripts import DAWN_ROW, INTERVIEW_A, PARTICIPANTS_HEADER

#: Turns whose words the tests select; each sits inside one respondent's turn.
EMOJI = "stand outside with the buggy \U0001f62c every week"
COMBINING = "cafe\u0301 near the re\u0301sume\u0301 office"
MARKUP = "<script>alert('x')</script> and <img src=x onerror=alert(1)> at the home visit"


def make_project(folder: Path) -> Path:
    """Build the project in ``folder`` and return its path."""
    docs = folder / "docs"
    docs.mkdir()
    (docs / "int-a.txt").write_text(INTERVIEW_A, encoding="utf-8")
    (docs / "int-b.txt").write_text(
        "Interviewer: Tell me about the office.\n\n"
        f"Respondent: Children aren't allowed in, so I {EMOJI}. \U0001f468\u200d\U0001f469 "
        f"We met at a {COMBINING} instead.\n\n"
        "Interviewer: And the visits?\n\n"
        f"Respondent: {MARKUP}.\n",
        encoding="utf-8",
    )
    (docs / "participants.csv").write_text(
        PARTICIPANTS_HEADER + DAWN_ROW + "F01,int-b.txt,,family,Partner of service user,<b>Surrey</b>\n",
        encoding="utf-8",
    )
    path = folder / "serve.qda"
    with Project.create(path) as project:
        project.load_codebook(CODEBOOK)
        project.ingest([docs / "int-a.txt", docs / "int-b.txt"], participants=docs / "participants.csv")
        project.code_rules()
    return path
