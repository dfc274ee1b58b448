"""Re-importing a changed file: a new version, every coding re-anchored or archived."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qda.errors import InputError
from qda.reanchor import follow_segments, match_segments, reanchor, word_overlap
from tests.helpers.paths import CODEBOOK


def _texts(project):
    return dict(zip(project.documents(text=True)["document"], project.documents(text=True)["text"]))


def _check_offsets(project):
    texts = _texts(project)
    for row in project.codings().itertuples():
        assert texts[row.document][row.start : row.end] == row.text
    segs = project.segments(interviewer=True)
    for row in segs.itertuples():
        assert texts[row.document][row.start : row.end] == row.text


@pytest.fixture
def coded(fresh_project, transcripts):
    """The small transcripts folder, with the codebook, rules suggestions and human coding."""
    fresh_project.load_codebook(CODEBOOK)
    fresh_project.ingest([transcripts])
    fresh_project.code_rules()
    for sid, code in [("int-a#t002", "benefits"), ("int-a#t004", "boundaries"), ("fg#t002", "co_location")]:
        assert fresh_project.add_coding(sid, code, coder="ana")
    return fresh_project


def test_a_changed_file_becomes_version_2_and_every_coding_covers_the_same_words(coded, transcripts):
    project = coded
    before = project.codings()
    old_text = _texts(project)["int-a"]
    path = transcripts / "int-a.txt"
    # An edit before the coded turns: every later offset moves.
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "How often do you speak to families?",
            "How often, and in what ways, do you speak to the families of people you supervise?",
        ),
        encoding="utf-8",
    )
    report = project.ingest([transcripts])
    assert report.added == [] and [v.document for v in report.versions] == ["int-a"]
    assert report.versions[0].version == 2 and report.unplaced == []
    after = project.codings()
    assert len(after) == len(before)
    key = ["code", "coder", "source", "status", "text"]
    assert sorted(map(tuple, after[key].values)) == sorted(map(tuple, before[key].values))
    moved = after[after["document"] == "int-a"]
    assert (moved["start"].values != before[before["document"] == "int-a"]["start"].values).all()
    _check_offsets(project)
    # The old text is kept as version 1; the segments whose words did not change keep ids.
    versions = project.document_versions("int-a")
    assert list(versions["version"]) == [1] and versions["text"][0] == old_text
    assert project.documents().set_index("document").loc["int-a", "version"] == 2
    assert set(after.loc[after["coder"] == "ana", "segment_id"]) == {"int-a#t002", "int-a#t004", "fg#t002"}
    # The participant mapping of the sheet survives the new version.
    segs = project.segments().set_index("segment_id")
    assert segs.loc["int-a#t002", "participant"] == "S01"
    history = project.history()
    assert (history["action"] == "new version").sum() == 1


def test_codings_whose_words_are_gone_are_archived_and_reported_never_dropped(coded, transcripts):
    project = coded
    n_before = len(project.codings())
    path = transcripts / "int-a.txt"
    gone = "Confidentiality. I can't tell her what he says without consent."
    path.write_text(
        path.read_text(encoding="utf-8").replace(gone, "We don't discuss that."), encoding="utf-8"
    )
    report = project.ingest([transcripts])
    lost = report.unplaced
    assert lost and all(r["quote"] == gone for r in lost)
    assert {r["coder"] for r in lost} >= {"ana"}
    assert any("could not be placed" in w and "boundaries by ana" in w for w in report.warnings)
    archived = project.archived_codings()
    assert len(archived) == len(lost)
    assert (archived["quote"] == gone).all() and (archived["document_version"] == 1).all()
    assert len(project.codings()) + len(archived) == n_before
    _check_offsets(project)


def test_the_same_file_again_changes_nothing_even_under_another_name(coded, transcripts):
    project = coded
    snap = (project.codings(), project.segments())
    (transcripts / "copy-of-int-a.txt").write_bytes((transcripts / "int-a.txt").read_bytes())
    report = project.ingest([transcripts])
    assert report.added == [] and report.versions == []
    assert "same content as document, already int-a" in [
        why for f, why in report.skipped if f.endswith("copy-of-int-a.txt")
    ]
    assert project.codings().equals(snap[0]) and project.segments().equals(snap[1])


def test_a_bad_file_in_the_batch_leaves_the_project_as_it_was(coded, transcripts):
    project = coded
    snap = (project.documents(text=True), project.codings(), project.segments())
    path = transcripts / "int-a.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nDawn: one more thing.\n", encoding="utf-8")
    (transcripts / "zz-broken.txt").write_bytes(b"\x00\x01binary")
    with pytest.raises(Exception, match="zz-broken.txt"):
        project.ingest([transcripts])
    assert project.documents(text=True).equals(snap[0])
    assert project.codings().equals(snap[1]) and project.segments().equals(snap[2])


# --------------------------------------------------------------- the pure functions
def test_reanchor_shifts_spans_in_unchanged_lines_and_searches_edited_ones():
    old = "A: one two\nB: three four\nA: five six\n"
    new = "A: zero one two\nB: three four\nA: five and six\n"
    spans = [(3, 10), (14, 24), (28, 32), (28, 36)]
    assert [old[s:e] for s, e in spans] == ["one two", "three four", "five", "five six"]
    got = reanchor(old, new, spans)
    assert [new[s:e] for s, e in got[:3]] == ["one two", "three four", "five"]
    assert got[3] is None  # "five six" is no longer in the text


def test_reanchor_picks_the_occurrence_nearest_to_where_the_span_was():
    old = "x: yes\nx: yes\nx: yes\n"
    new = "x: no\n" + old
    assert reanchor(old, new, [(10, 13)]) == [(16, 19)]


def test_match_segments_pairs_equal_segments_in_order():
    old = [("A", "hi"), ("B", "there"), ("A", "bye")]
    new = [("A", "hi"), ("A", "new"), ("B", "there"), ("A", "bye!")]
    assert match_segments(old, new) == {0: 0, 2: 1}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet="ab \n\r\té😀", min_size=0, max_size=12), min_size=1, max_size=8),
    st.lists(st.text(alphabet="ab \n\r\té😀", min_size=0, max_size=12), max_size=8),
    st.data(),
)
def test_reanchor_never_places_a_span_on_other_words(parts, inserts, data):
    old = "".join(parts)
    new_parts = list(parts)
    for piece in inserts:
        new_parts.insert(data.draw(st.integers(0, len(new_parts))), piece)
    new = "".join(new_parts)
    if not old:
        return
    spans = []
    for _ in range(data.draw(st.integers(1, 5))):
        s = data.draw(st.integers(0, len(old) - 1))
        e = data.draw(st.integers(s + 1, len(old)))
        spans.append((s, e))
    for (s, e), placed in zip(spans, reanchor(old, new, spans)):
        if placed is not None:
            assert new[placed[0] : placed[1]] == old[s:e]
        else:
            assert old[s:e] not in new


def test_a_span_goes_to_the_segment_holding_it_or_overlapping_it_most():
    from qda.documents import _holder

    spans, ids = [(0, 10), (12, 20), (22, 40)], ["a", "b", "c"]
    assert _holder(spans, ids, 12, 20) == "b"
    assert _holder(spans, ids, 3, 5) == "a"
    assert _holder(spans, ids, 8, 30) == "b"  # 2 in a, 8 in b, 8 in c: the first biggest
    assert _holder(spans, ids, 15, 38) == "c"
    assert _holder(spans, ids, 10, 12) is None  # between segments


# ------------------------------------------------- edited segments: codings follow them
def _span_csv(path, project, sid, quote, code, coder):
    segs = project.segments().set_index("segment_id")
    text = segs.at[sid, "text"]
    start = int(segs.at[sid, "start"]) + text.index(quote)
    path.write_text(
        f"segment_id,start,end,code,coder\n{sid},{start},{start + len(quote)},{code},{coder}\n",
        encoding="utf-8",
    )
    return path


def test_a_whole_segment_coding_follows_its_edited_segment_flagged_for_review(coded, transcripts, tmp_path):
    project = coded
    # ana also coded part of the turn: a span whose words the edit removes, and one it keeps.
    project.import_coding(
        _span_csv(
            tmp_path / "gone.csv",
            project,
            "int-a#t002",
            "Most weeks I'd ring his mum.",
            "contact_frequency",
            "ana",
        ),
        coder="ana",
    )
    project.import_coding(
        _span_csv(tmp_path / "kept.csv", project, "int-a#t002", "the home visit", "home_visits", "ana"),
        coder="ana",
    )
    sheet = project.coding_sheet(tmp_path / "before.xlsx", coder="bea")
    path = transcripts / "int-a.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("I'd ring", "I would ring"), encoding="utf-8")
    report = project.ingest([transcripts])
    (rev,) = report.versions
    assert "int-a#t002" in rev.segments_replaced and "int-a#t004" not in rev.segments_replaced
    codings = project.codings(coders=["ana"])
    whole = codings[codings["code"] == "benefits"].iloc[0]
    assert whole["text"].startswith("Most weeks I would ring his mum.")
    assert whole["segment_id"] != "int-a#t002"
    assert whole["segment_id"] == project.segments().query("text == @whole.text")["segment_id"].item()
    assert "segment edited in version 2" in whole["review"] and "unchanged" in whole["review"]
    assert codings[codings["code"] == "home_visits"]["text"].tolist() == ["the home visit"]
    assert codings.loc[codings["code"] == "home_visits", "review"].isna().all()
    assert [r["code_id"] for r in rev.codings_unplaced] == ["contact_frequency"]
    assert [r["code_id"] for r in rev.codings_flagged if r["coder"] == "ana"] == ["benefits"]
    assert any("followed their edited segment" in w and "benefits by ana" in w for w in report.warnings)
    _check_offsets(project)
    # A coding sheet written before the edit names the old segment: the import says so.
    with pytest.raises(
        InputError,
        match=r"row \d+: segment int-a#t002 belongs to an earlier "
        r"version of document int-a; write a new coding "
        r"sheet with `qda code sheet`",
    ):
        project.import_coding(sheet, coder="bea")
    with pytest.raises(
        InputError,
        match=r"kept.csv: row 2: segment int-a#t002 belongs to an "
        r"earlier version of document int-a",
    ):
        project.import_coding(tmp_path / "kept.csv", coder="ana")


def test_a_rewritten_segment_does_not_carry_whole_segment_codings(coded, transcripts):
    path = transcripts / "int-a.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "Most weeks I'd ring his mum. She helps with appointments, honestly.",
            "Now and then there is a call. Not much else to say about it, really.",
        ),
        encoding="utf-8",
    )
    report = coded.ingest([transcripts])
    assert "benefits" in [r["code_id"] for r in report.unplaced if r["coder"] == "ana"]
    assert report.versions[0].codings_flagged == []


def test_word_overlap_and_follow_segments():
    assert word_overlap("Most weeks I'd ring his mum", "most weeks I would ring his mum") == 5 / 7
    assert word_overlap("", "") == 1.0
    old = [
        ("I", "How often?"),
        ("Dawn", "one two three four five six seven eight nine ten"),
        ("I", "And then?"),
        ("Dawn", "a b c d e"),
    ]
    new = [
        ("I", "How often?"),
        ("Dawn", "one two three four five six seven eight nine 10"),
        ("I", "And then?"),
        ("Dawn", "a b x y e"),
    ]
    same = match_segments(old, new)
    assert same == {0: 0, 2: 2}
    assert follow_segments(old, new, same) == {1: (1, 0.9)}
    assert follow_segments(old, new, same, only={3}) == {}
    assert follow_segments(old, [("Tom", t) for _, t in new], {}) == {}
