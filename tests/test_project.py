"""Project: ingest, participants, codebook, rules, and the researcher's work kept safe."""

from __future__ import annotations

import pandas as pd
import pytest

from qda.codebook import Code, Codebook
from qda.errors import ConflictError, InputError, ParticipantsError, ProjectError
from tests.helpers.paths import CODEBOOK


def _snapshot(project):
    return (
        project.documents(text=True).to_dict("records"),
        project.segments().to_dict("records"),
        project.participants().to_dict("records"),
        project.codings().to_dict("records"),
        len(project.history()),
    )


def test_ingest_maps_speakers_to_participants(fresh_project, transcripts):
    report = fresh_project.ingest([transcripts])
    assert sorted(report.added) == ["fg", "int-a", "int-b"]
    assert report.unmapped == [] and report.warnings == []
    segs = fresh_project.segments()
    assert segs.groupby("participant")["segment_id"].count().to_dict() == {
        "F01": 1,
        "S01": 2,
        "S02": 2,
        "S03": 1,
    }
    docs = fresh_project.documents(text=True).set_index("document")["text"]
    for rec in segs.to_dict("records"):
        assert docs[rec["document"]][rec["start"] : rec["end"]] == rec["text"]
    assert segs.set_index("segment_id").loc["int-b#t002", "text"].endswith("\U0001f62c")
    people = fresh_project.participants().set_index("participant")
    assert people.loc["S03", "role"] == "Senior Probation Officer"
    assert people.loc["F01", "group"] == "family"
    with_int = fresh_project.segments(interviewer=True)
    assert with_int["is_interviewer"].sum() == 4
    assert with_int.loc[with_int["is_interviewer"], "participant"].isna().all()


def test_reingesting_the_same_files_changes_nothing(fresh_project, transcripts):
    fresh_project.ingest([transcripts])
    before = _snapshot(fresh_project)
    report = fresh_project.ingest([transcripts])
    assert report.added == [] and len(report.skipped) == 3
    assert _snapshot(fresh_project)[:4] == before[:4]


def test_unmapped_speakers_become_participants_with_one_warning(fresh_project, transcripts):
    (transcripts / "participants.csv").unlink()
    report = fresh_project.ingest([transcripts])
    assert len(report.warnings) == 1 and "4 speaker(s)" in report.warnings[0]
    assert set(fresh_project.participants()["participant"]) == {
        "int-a/Dawn",
        "int-b/Respondent",
        "fg/Amira",
        "fg/Tom",
    }
    # a sheet loaded later remaps them, and the made-up participants go away
    sheet = transcripts.parent / "people.csv"
    sheet.write_text(
        "participant,document,speaker,role\nS01,int-a,Dawn,Responsible Officer\n"
        "F01,int-b,,Mother of service user\n",
        encoding="utf-8",
    )
    unmapped = fresh_project.load_participants(sheet)
    assert sorted(unmapped) == [("fg", "Amira"), ("fg", "Tom")]
    assert set(fresh_project.participants()["participant"]) == {"S01", "F01", "fg/Amira", "fg/Tom"}
    assert set(fresh_project.segments()["participant"]) == {"S01", "F01", "fg/Amira", "fg/Tom"}


@pytest.mark.parametrize(
    "breakage, error, fragment",
    [
        (lambda f: (f / "empty.txt").write_bytes(b""), InputError, "empty.txt"),
        (lambda f: (f / "binary.txt").write_bytes(b"\x00\x01\x02garbage\x00"), InputError, "binary.txt"),
        (
            lambda f: (f / "participants.csv").write_text(
                "participant,document,speaker,start\nS09,int-a,Ann,1\n", encoding="utf-8"
            ),
            ParticipantsError,
            "column 'start' cannot be a participant attribute",
        ),
    ],
)
def test_bad_input_leaves_the_project_unchanged(fresh_project, transcripts, breakage, error, fragment):
    fresh_project.load_codebook(CODEBOOK)
    before = _snapshot(fresh_project)
    breakage(transcripts)
    with pytest.raises(error, match=fragment):
        fresh_project.ingest([transcripts])
    assert _snapshot(fresh_project) == before


def test_load_codebook_records_history_and_keeps_codings(fresh_project, transcripts):
    fresh_project.ingest([transcripts])
    report = fresh_project.load_codebook(CODEBOOK)
    assert len(report.added) == len(fresh_project.codebook) and report.removed == []
    assert set(fresh_project.history()["action"]) >= {"ingest", "add", "load"}
    seg = fresh_project.segments()["segment_id"].iloc[0]
    fresh_project.add_coding(seg, "benefits_staff", coder="ann")
    smaller = Codebook(
        name="x", version="2", codes=tuple(c for c in fresh_project.codebook if c.id != "benefits_staff")
    )
    with pytest.raises(ConflictError, match="'benefits_staff' has 1 coding"):
        fresh_project.load_codebook(smaller)
    assert "benefits_staff" in fresh_project.codebook
    # a code without codings may go; a changed definition is an update in place
    edited = Codebook(
        name="x",
        version="3",
        codes=tuple(
            (
                Code(c.id, c.name + " (edited)", parent=c.parent, keywords=c.keywords)
                if c.id == "benefits_staff"
                else c
            )
            for c in fresh_project.codebook
            if c.id != "home_visits"
        ),
    )
    report = fresh_project.load_codebook(edited)
    assert report.removed == ["home_visits"] and "benefits_staff" in report.changed
    assert fresh_project.codebook.get("benefits_staff").name.endswith("(edited)")
    assert len(fresh_project.codings(sources=["human"])) == 1


def test_rules_suggest_and_never_touch_human_codings(sample_project):
    seg = sample_project.segments()["segment_id"].iloc[3]
    sample_project.add_coding(seg, "boundaries", coder="ann")
    human_before = sample_project.codings(sources=["human"])
    rules_before = sample_project.codings(sources=["rules"])
    assert len(rules_before) > 100
    assert set(rules_before["status"]) == {"suggested"}
    assert rules_before["confidence"].isna().all()
    assert set(rules_before["codebook_version"]) == {"1.1"}
    report = sample_project.code_rules()
    assert report.suggestions == len(rules_before) and report.replaced == len(rules_before)
    pd.testing.assert_frame_equal(sample_project.codings(sources=["human"]), human_before)
    # the matrix now uses the human coding, and says so
    assert sample_project.select_codings().basis == "human"
    m = sample_project.matrix().set_index("participant")
    assert int(m["boundaries"].sum()) == 1


def test_rules_need_a_codebook(fresh_project, transcripts):
    fresh_project.ingest([transcripts])
    with pytest.raises(ProjectError, match="no codebook"):
        fresh_project.code_rules()


@pytest.mark.parametrize(
    "segment, code, coder, message",
    [
        ("nope#t001", "benefits", "ann", "unknown segment"),
        (None, "nope", "ann", "unknown code"),
        (None, "benefits", " ", "coder's name"),
    ],
)
def test_add_coding_validates(sample_project, segment, code, coder, message):
    segment = segment or sample_project.segments()["segment_id"].iloc[0]
    with pytest.raises(InputError, match=message):
        sample_project.add_coding(segment, code, coder=coder)


def test_sample_project_shape(sample_run):
    from qda.project import Project

    with Project.open(sample_run.project) as project:
        s = project.summary()
        people = project.participants()
        themes = {c.id for c in project.codebook.top_level()}
    # 14 transcripts + the staff survey; 27 people in participants.csv + 24 survey respondents
    assert s["documents"] == 15 and s["participants"] == 51
    respondents = people["label"].str.fullmatch(r"SR\d\d")
    assert respondents.sum() == 24
    assert not people.loc[~respondents, "auto"].any()  # every transcript speaker is in the sheet
    assert {"benefits", "challenges", "boundaries", "co_location"} <= themes


def test_adding_the_same_human_coding_twice_is_a_no_op(sample_project):
    seg = sample_project.segments()["segment_id"].iloc[0]
    assert sample_project.add_coding(seg, "boundaries", coder="ann") is True
    history = len(sample_project.history())
    assert sample_project.add_coding(seg, "boundaries", coder="ann") is False
    assert len(sample_project.codings(sources=["human"])) == 1
    assert len(sample_project.history()) == history
    assert sample_project.add_coding(seg, "boundaries", coder="bob") is True  # another coder


def test_a_new_speaker_gets_a_participant_when_others_are_already_mapped(
    fresh_project, transcripts, tmp_path
):
    """Unmapped speakers read back as NaN beside mapped ones: they must still be mapped."""
    fresh_project.ingest([transcripts])
    new = tmp_path / "zed.txt"
    new.write_text("Interviewer: Tell me about visits.\nZed: Home visits helped a lot.\n", encoding="utf-8")
    report = fresh_project.ingest([new])
    assert report.unmapped == [("zed", "Zed")] and len(report.warnings) == 1
    segs = fresh_project.segments().set_index("segment_id")
    assert segs.loc["zed#t002", "participant"] == "zed/Zed"
    assert list(fresh_project.participants_template()["participant"]) == ["zed/Zed"]


def test_rules_on_a_project_without_segments_is_a_clear_error(fresh_project):
    fresh_project.load_codebook(CODEBOOK)
    with pytest.raises(ProjectError, match="no segments to code"):
        fresh_project.code_rules()


def test_a_study_wide_sheet_in_a_folder_of_some_transcripts_is_one_warning(fresh_project, transcripts):
    with (transcripts / "participants.csv").open("a", encoding="utf-8") as fh:
        fh.write(
            "S04,int-c,Ravi,staff,Responsible Officer,Kent\n"
            "F02,family-09.txt,,family,Mother of service user,\n"
        )
    report = fresh_project.ingest([transcripts])
    unknown = [w for w in report.warnings if "not in the project" in w]
    assert len(unknown) == 1 and "'int-c'" in unknown[0] and "'family-09.txt'" in unknown[0]
    assert "row 6, 7" in unknown[0]
    assert set(fresh_project.participants()["participant"]) >= {"S01", "F01", "S02", "S03"}
    # ... and once those transcripts arrive, the same sheet maps them.
    (transcripts / "int-c.txt").write_text("Interviewer: Hello?\n\nRavi: Hello.\n", encoding="utf-8")
    report = fresh_project.ingest([transcripts / "int-c.txt"], participants=transcripts / "participants.csv")
    segs = fresh_project.segments()
    assert segs.loc[segs["document"] == "int-c", "participant"].tolist() == ["S04"]
    assert sum("not in the project" in w for w in report.warnings) == 1
    with pytest.warns(UserWarning, match="'family-09.txt'"):
        fresh_project.load_participants(transcripts / "participants.csv")
