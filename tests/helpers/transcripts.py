"""The small transcripts folder the tests import: two interviews, a focus group and a
participants sheet. The page's project (``serve_world``) reuses its first interview and
Dawn's row."""

from __future__ import annotations

from pathlib import Path

#: The turns of int-a (the folder's copy opens with a transcriber's note).
INTERVIEW_A = (
    "Interviewer: How often do you speak to families?\n\n"
    "Dawn: Most weeks I'd ring his mum. She helps with appointments, honestly.\n"
    "And the home visit showed me a lot.\n\n"
    "Interviewer: Anything hard about it?\n\n"
    "Dawn: Confidentiality. I can't tell her what he says without consent.\n"
)
PARTICIPANTS_HEADER = "participant,document,speaker,group,role,location\n"
DAWN_ROW = "S01,int-a,Dawn,staff,Responsible Officer,Kent\n"


def write_transcripts(folder: Path) -> Path:
    """Write the folder (created here) and return it."""
    folder.mkdir()
    (folder / "int-a.txt").write_text(
        "[Telephone interview. Names changed.]\n\n" + INTERVIEW_A, encoding="utf-8"
    )
    (folder / "int-b.txt").write_text(
        "Interviewer: Tell me about the office.\n\n"
        "Respondent: Children aren't allowed in, so I stand outside with the buggy. \U0001f62c\n",
        encoding="utf-8",
    )
    (folder / "fg.txt").write_text(
        "Facilitator: Where could you meet families?\n\n"
        "Amira: A children's centre would be ideal.\n\n"
        "Tom: Or a drop-in at the community hub. [crosstalk]\n\n"
        "Amira: Yes, the hub.\n",
        encoding="utf-8",
    )
    (folder / "participants.csv").write_text(
        PARTICIPANTS_HEADER + DAWN_ROW + "F01,int-b.txt,,family,Partner of service user,\n"
        "S02,fg,Amira,staff,Responsible Officer,Sussex\n"
        "S03,fg,Tom,staff,Senior Probation Officer,Sussex\n",
        encoding="utf-8",
    )
    return folder
