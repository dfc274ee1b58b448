"""Project.anonymise on the sample: every place text lives, offsets, exports, the file bytes."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from qda import reports
from qda.anonymise import read_key
from qda.cli import cli
from qda.errors import InputError
from qda.project import Project
from tests.helpers.paths import ROOT

KEY = ROOT / "data" / "sample-anonymity" / "key.csv"
CODING = ROOT / "data" / "sample-coding" / "researcher_a.csv"
RULES = ROOT / "codebooks" / "attribution-reference-study.yaml"
#: Words the raw-bytes test looks for: names in the texts, speaker labels, places.
PROBES = ["Kieran", "Lorraine", "Tonbridge Road", "Crawley", "Harbourside", "Gareth"]


def _raw(project: Project) -> bytes:
    data = project.path.read_bytes()
    for suffix in ("-wal", "-journal"):
        extra = project.path.with_name(project.path.name + suffix)
        if extra.exists():
            data += extra.read_bytes()
    return data


def _exports(project: Project, folder) -> list:
    folder.mkdir(exist_ok=True)
    written = [
        reports.export_workbook(project, folder / "db.xlsx"),
        reports.export_quotes(project, folder / "quotes.md"),
        reports.export_quotes(project, folder / "quotes.docx"),
    ]
    project.segments(interviewer=True).to_csv(folder / "segments.csv", index=False)
    project.codings_csv(folder / "codings.csv")
    return [*written, folder / "segments.csv", folder / "codings.csv"]


@pytest.fixture
def coded(sample_project: Project) -> Project:
    """The sample with a person's coding, an archived coding and a history of quotes."""
    sample_project.import_coding(CODING, coder="researcher_a")
    codes = sample_project.codings()
    target = codes.loc[codes["text"].str.contains("Kieran"), "code"].iloc[0]
    sample_project.delete_code(target, archive=True, who="tester")
    with sample_project.transaction():
        sample_project._store.set_framework_summaries(
            [
                {
                    "participant_id": "F01",
                    "code_id": sample_project.codebook.ids[0],
                    "summary": "Worried for Kieran; met the officer in Crawley.",
                }
            ],
            who="tester",
        )
    return sample_project


def test_anonymise_sample_keeps_every_coding_on_its_words(coded, tmp_path):
    key = read_key(KEY)
    before = coded.codings()
    archived_before = coded.archived_codings()
    segs_before = coded.segments(interviewer=True)
    assert before["text"].str.contains("Kieran").any()
    pre = coded.check_anonymity(key, _exports(coded, tmp_path / "before"))
    assert {
        "project:documents",
        "project:segments",
        "project:speakers",
        "project:archived_codings",
        "project:framework_summaries",
    } <= set(pre["source"])
    assert set(pre["source"]) >= {
        str(tmp_path / "before" / n)
        for n in ("db.xlsx", "quotes.md", "quotes.docx", "segments.csv", "codings.csv")
    }

    report = coded.anonymise(KEY, who="tester")

    after = coded.codings()
    assert len(after) == len(before)
    assert list(after["text"]) == [key.apply(t) for t in before["text"]]
    assert not after["text"].str.contains("Kieran").any()
    assert list(after["code"]) == list(before["code"])
    segs_after = coded.segments(interviewer=True)
    assert list(segs_after["text"]) == [key.apply(t) for t in segs_before["text"]]
    assert list(segs_after["segment_id"]) == list(segs_before["segment_id"])
    texts = dict(zip(coded.documents(text=True)["document"], coded.documents(text=True)["text"]))
    for doc, ev in zip(after["document"], after["evidence"]):
        for item in ev or []:
            if "start" in item:
                assert texts[doc][item["start"] : item["end"]] == item["text"]
    arch = coded.archived_codings()
    assert list(arch["quote"]) == [key.apply(q) for q in archived_before["quote"]]
    for doc, s, e, q in zip(arch["document_id"], arch["start"], arch["end"], arch["quote"]):
        assert texts[doc][s:e] == q
    assert report.replacements > 500 and report.codings_moved > 0
    assert set(report.documents) == set(coded.documents()["document"]) - {"staff-survey-open-answers"}
    assert (coded.documents()["version"] == 2).sum() == len(report.documents)

    left = coded.check_anonymity(key, _exports(coded, tmp_path / "after"))
    # only backups (the one made just before anonymising among them) hold the original words
    assert set(left["source"]) == {f"backup:{p}" for p in report.backups_with_originals}
    assert report.backup in report.backups_with_originals
    assert "[S01]" in set(coded.segments()["speaker"])
    assert coded.framework_summaries()["summary"].tolist() == [
        "Worried for [son]; met the officer in [town]."
    ]
    raw = _raw(coded)
    assert not [p for p in PROBES if p.encode() in raw]


def test_history_records_the_key_hash_never_the_words(coded):
    coded.anonymise(KEY, who="tester")
    row = coded.history().iloc[-1]
    detail = json.loads(row["detail"])
    assert (row["who"], row["action"], row["entity"]) == ("tester", "anonymise", "project")
    assert detail["key_sha256"] == read_key(KEY).sha256
    assert detail["key_kinds"] == {"person": 54, "place": 30}
    assert not read_key(KEY).matches(row["detail"])


def test_keep_original_puts_the_originals_apart(coded, tmp_path):
    key = read_key(KEY)
    report = coded.anonymise(KEY, keep_original=True)
    assert report.originals_kept > 0
    originals = coded._store.originals()
    doc = originals[(originals["table_name"] == "documents") & (originals["column_name"] == "text")]
    assert len(doc) == len(report.documents)
    assert "Kieran" in doc.loc[doc["row_key"] == "family-01-interview", "original"].item()
    left = coded.check_anonymity(key, _exports(coded, tmp_path))  # nothing reads them
    assert set(left["source"]) == {f"backup:{p}" for p in report.backups_with_originals}
    assert b"Kieran" in _raw(coded)


def test_without_anonymising_the_words_are_in_the_file(sample_project):
    """The raw-bytes check can fail: the probes are there before."""
    raw = _raw(sample_project)
    assert all(p.encode() in raw for p in PROBES)


def test_versions_and_participant_ids_are_rewritten(transcripts, tmp_path):
    project = Project.create(tmp_path / "v.qda")
    files = [transcripts / n for n in ("int-a.txt", "int-b.txt", "fg.txt")]
    project.ingest(files)  # no sheet: Dawn gets an automatic id
    a = transcripts / "int-a.txt"
    a.write_text(a.read_text(encoding="utf-8").replace("a lot.", "a lot, said Dawn."), encoding="utf-8")
    project.ingest([a])
    assert "int-a/Dawn" in set(project.participants()["participant"])
    key_path = tmp_path / "k.csv"
    key_path.write_text(
        "original,replacement,kind\nDawn,Officer A,person\nAmira,Officer B,person\n", encoding="utf-8"
    )
    report = project.anonymise(key_path)
    assert report.versions_rewritten == 1 and report.participants_renamed >= 1
    assert "Dawn" not in project.document_versions("int-a")["text"].item()
    assert project.documents().set_index("document").loc["int-a", "version"] == 3
    ids = set(project.participants()["participant"])
    assert "int-a/Officer A" in ids and not any("Dawn" in i for i in ids)
    left = project.check_anonymity(key_path)
    assert set(left["source"]) == {f"backup:{p}" for p in report.backups_with_originals}
    assert project._store.integrity_check() == "ok"
    project.close()


def test_a_key_that_merges_two_speakers_is_refused(transcripts, tmp_path):
    project = Project.create(tmp_path / "m.qda")
    project.ingest([transcripts / "fg.txt"])
    key_path = tmp_path / "k.csv"
    key_path.write_text(
        "original,replacement,kind\nAmira,[staff],person\nTom,[staff],person\n", encoding="utf-8"
    )
    text = project.documents(text=True)["text"].item()
    with pytest.raises(InputError, match="speakers 'Amira' and 'Tom' of fg into the same"):
        project.anonymise(key_path)
    assert project.documents(text=True)["text"].item() == text
    project.close()


def test_a_term_across_a_segment_boundary_is_reported_not_replaced(transcripts, tmp_path):
    project = Project.create(tmp_path / "b.qda")
    project.ingest([transcripts / "int-b.txt"])
    key_path = tmp_path / "k.csv"
    # The segment ends at "buggy." and the next turn starts after a blank line.
    key_path.write_text(
        "original,replacement,kind,whole_word\nthe buggy,[x],other,\nChildren aren,[y],other,false\n",
        encoding="utf-8",
    )
    report = project.anonymise(key_path)
    assert report.replacements == 2 and not report.skipped
    text = project.documents(text=True)["text"].item()
    assert "[y]'t allowed in, so I stand outside with [x]." in text
    project.close()


# ---------------------------------------------------------------------------- attribution
def test_quote_bank_follows_the_reference_studys_rules(sample_project):
    sample_project.set_attribution_rules(RULES, who="tester")
    labels = sample_project.attributions()
    assert labels["S01"] == "Responsible Officer, Kent"
    assert labels["S03"] == "Responsible Officer, Sussex"  # senior officer folded
    assert labels["S09"] == "Responsible Officer, Kent"
    assert labels["S04"] == "Quality Development Officer"  # county dropped by role
    assert labels["S06"] == "Community Payback Supervisor"  # 2 in Surrey < 3
    assert labels["S05"] == "Programme Facilitator"
    assert labels["F01"] == "Mother of service user"
    quotes = sample_project.quotes()
    by_participant = dict(zip(quotes["participant"], quotes["attribution"]))
    for pid in ("S03", "S04", "S06", "S01"):
        if pid in by_participant:
            assert by_participant[pid] == labels[pid]
    assert not quotes["attribution"].str.contains("Senior Probation Officer").any()
    assert not quotes["attribution"].str.contains("Quality Development Officer, ").any()
    # a template given for one call still works, with the rules
    assert (
        sample_project.quotes(template="{role}")["attribution"]
        .isin(set(sample_project.attributions(template="{role}").values()))
        .all()
    )
    hist = sample_project.history().iloc[-1]
    assert hist["entity_id"] == "attribution_rules"


def test_cli_anonymise_find_check_and_attribution(sample_project, tmp_path):
    path = str(sample_project.path)
    sample_project.close()
    run = CliRunner().invoke
    out = tmp_path / "found.csv"
    res = run(cli, ["anonymise", "--find", "--out", str(out), "--project", path])
    assert res.exit_code == 0, res.output
    assert "Named entities: none" in res.output
    import pandas as pd

    found = pd.read_csv(out)
    assert list(found.columns[:3]) == ["original", "replacement", "kind"]
    assert {"Kieran", "Lorraine", "Crawley"} <= set(found["original"])
    res = run(cli, ["anonymise", "--key", str(out), "--project", path])  # not filled in
    assert res.exit_code == 1 and "has no replacement" in res.output
    res = run(cli, ["anonymise", "--key", str(KEY), "--check", "--project", path])
    assert res.exit_code == 1 and "project:documents" in res.output
    res = run(cli, ["anonymise", "--key", str(KEY), "--by", "tester", "--wipe-backups", "--project", path])
    assert res.exit_code == 0 and "original words were removed" in res.output
    assert "Wiped backup" in res.output and "before-anonymise" in res.output
    res = run(
        cli,
        ["export", "--xlsx", str(tmp_path / "x.xlsx"), "--quotes", str(tmp_path / "q.md"), "--project", path],
    )
    assert res.exit_code == 0
    res = run(
        cli,
        [
            "anonymise",
            "--key",
            str(KEY),
            "--check",
            str(tmp_path / "x.xlsx"),
            str(tmp_path / "q.md"),
            "--project",
            path,
        ],
    )
    assert res.exit_code == 0 and "Clean" in res.output, res.output
    res = run(cli, ["attribution", "load", str(RULES), "--project", path])
    assert res.exit_code == 0 and "Loaded attribution rules" in res.output
    res = run(cli, ["attribution", "show", "--project", path])
    assert "S04,Quality Development Officer\n" in res.output
    assert "Senior Probation Officer: Responsible Officer" in res.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("template: '{role}, {location}'\ndrop:\n  QDO: [county]\n", encoding="utf-8")
    res = run(cli, ["attribution", "load", str(bad), "--project", path])
    assert res.exit_code == 1 and "'county', which is not a field of the template" in res.output


@pytest.mark.parametrize(
    "body, message",
    [
        ("colour: red\n", "unknown key 'colour'"),
        ("min_group_size: -1\n", "min_group_size must be a whole number"),
        ("fold:\n  SPO: 3\n", "fold must map a role"),
        ("template: '{role'\n", "template"),
        ("[a\n", "is not valid YAML"),
    ],
)
def test_bad_attribution_rules(tmp_path, body, message):
    from qda.attribution import load_rules

    path = tmp_path / "r.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_rules(path)


def test_raw_file_has_no_free_page_copies(coded):
    coded.anonymise(KEY)
    conn = sqlite3.connect(coded.path)
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    conn.close()


def test_find_with_a_missing_spacy_model_is_a_clear_error(sample_project):
    with pytest.raises(InputError, match="'no_such_pipeline' is not installed"):
        sample_project.find_identifiers(spacy_model="no_such_pipeline")


def test_wiping_needs_the_project_to_itself(transcripts, tmp_path, monkeypatch):
    """Another connection reading the file: the change is saved, the user is told to rerun."""
    from qda.errors import ProjectError

    monkeypatch.setenv("QDA_BUSY_TIMEOUT", "2")  # the wipe waits this long for the reader
    project = Project.create(tmp_path / "w.qda")
    project.ingest([transcripts / "int-a.txt"])
    key_path = tmp_path / "k.csv"
    key_path.write_text("original,replacement,kind\nDawn,Officer A,person\n", encoding="utf-8")
    other = sqlite3.connect(project.path)
    other.execute("BEGIN")
    other.execute("SELECT count(*) FROM documents").fetchone()
    with pytest.raises(ProjectError, match="run the same command again"):
        project.anonymise(key_path)
    other.rollback()
    other.close()
    assert "Dawn" not in project.documents(text=True)["text"].item()
    project.anonymise(key_path)  # nothing to replace; wipes the file
    assert b"Dawn" not in _raw(project)
    project.close()
