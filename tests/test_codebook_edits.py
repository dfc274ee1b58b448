"""Codebook edits on a project: every coding is kept, counted before and after."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter

import pandas as pd
import pytest

from qda.codebook import Code, Codebook, load_codebook
from qda.errors import ConflictError, InputError
from qda.store import now
from tests.helpers.paths import CODEBOOK

#: the bundled codebook's version: edits make it V+r1, V+r2, ...
V = load_codebook(CODEBOOK).version


# ----------------------------------------------------------------------- helpers
def _rows(project) -> pd.DataFrame:
    """Every coding with its id, as stored."""
    return project._store.codings()


def _tally(project, code_ids=None) -> Counter:
    """Codings per (coder, source, status), optionally only at some codes."""
    df = _rows(project)
    if code_ids is not None:
        df = df[df["code_id"].isin(list(code_ids))]
    return Counter(zip(df["coder"], df["source"], df["status"]))


def _snapshot(project):
    codes = project._store.codes().to_json()
    codings = _rows(project).drop(columns=["created_at"]).to_json()
    archived = project._store.archived_codings().to_json()
    return codes, codings, archived, len(project.history()), project.codebook.version


def _insert(project, segment_id, code_id, *, coder, source, status="suggested", review=None):
    seg = project._store.segment(segment_id)
    with project.transaction():
        project._store.insert_codings(
            [
                {
                    "segment_id": segment_id,
                    "document_id": seg["document_id"],
                    "start": seg["start"],
                    "end": seg["end"],
                    "code_id": code_id,
                    "coder": coder,
                    "source": source,
                    "status": status,
                    "confidence": None,
                    "evidence": None,
                    "codebook_version": "1.0",
                    "created_at": now(),
                }
            ]
        )


def _segments_at(project, code_id, source="rules"):
    df = _rows(project)
    return list(df.loc[(df["code_id"] == code_id) & (df["source"] == source), "segment_id"])


def _last(project, action):
    hist = project.history()
    row = hist[hist["action"] == action].iloc[-1]
    return row, json.loads(row["detail"])


def _quotes_hold(project):
    texts = project._store.document_texts()
    df = project.codings()
    assert all(texts[d][s:e] == t for d, s, e, t in zip(df["document"], df["start"], df["end"], df["text"]))


@pytest.fixture
def coded(sample_project):
    """The sample with rules suggestions plus human codings by two coders."""
    segs = sample_project.segments()["segment_id"]
    for seg in segs.iloc[:6]:
        sample_project.add_coding(seg, "home_visits", coder="ann")
    for seg in segs.iloc[4:9]:
        sample_project.add_coding(seg, "community_venues", coder="ann")
    sample_project.add_coding(segs.iloc[10], "benefits_staff", coder="bob")
    sample_project.add_coding(segs.iloc[11], "benefits", coder="bob")
    return sample_project


# ------------------------------------------------------------------------ rename
def test_rename_name_only_keeps_the_id_and_every_coding(coded):
    before_rows = _rows(coded)
    edit = coded.rename_code("home_visits", name="Visits to the family home")
    assert coded.codebook.get("home_visits").name == "Visits to the family home"
    pd.testing.assert_frame_equal(_rows(coded), before_rows)
    assert edit.version == coded.codebook.version == f"{V}+r1"
    row, detail = _last(coded, "rename")
    assert row["entity"] == "code" and row["entity_id"] == "home_visits" and row["who"]
    assert detail["before"]["name"] == "Home visits"
    assert detail["after"] == {"id": "home_visits", "name": "Visits to the family home"}
    assert detail["codings"] == edit.codings == len(before_rows.query("code_id == 'home_visits'"))
    assert detail["codebook_version"] == f"{V}+r1"


def test_rename_with_a_new_id_moves_codings_and_children(coded):
    before = _rows(coded)
    at_old = _tally(coded, ["home_visits"])
    edit = coded.rename_code("home_visits", new_id="family_home_visits")
    assert "home_visits" not in coded.codebook
    assert coded.codebook.get("family_home_visits").parent == "co_location"
    assert _tally(coded, ["family_home_visits"]) == at_old and edit.codings == sum(at_old.values())
    after = _rows(coded)
    # the same rows, offsets untouched; only the code id changed
    expect = before.assign(code_id=before["code_id"].replace("home_visits", "family_home_visits"))
    pd.testing.assert_frame_equal(after, expect)
    _quotes_hold(coded)
    # a parent with a new id: its children follow
    coded.rename_code("co_location", new_id="meeting_places", name="Meeting places")
    kids = [c.id for c in coded.codebook.children("meeting_places")]
    assert kids == ["community_venues", "family_home_visits", "family_friendly_times"]
    assert _tally(coded) == _tally_from(before)
    assert coded.codebook.version == f"{V}+r2"


def _tally_from(df):
    return Counter(zip(df["coder"], df["source"], df["status"]))


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"new_id": "benefits"}, "already used"),
        ({"new_id": "Home Visits"}, "not valid"),
        ({"name": "  "}, "name is empty"),
        ({}, "give a new name, a new id"),
    ],
)
def test_rename_refuses_bad_input_and_changes_nothing(coded, kwargs, fragment):
    before = _snapshot(coded)
    with pytest.raises(InputError, match=fragment):
        coded.rename_code("home_visits", **kwargs)
    assert _snapshot(coded) == before


# -------------------------------------------------------------------------- move
def test_move_keeps_codings_and_the_roll_up_follows(coded):
    before = _rows(coded)
    counts = coded.code_counts().set_index("code")
    edit = coded.move_code("home_visits", "boundaries", position=0)
    assert coded.codebook.get("home_visits").parent == "boundaries"
    assert [c.id for c in coded.codebook.children("boundaries")][0] == "home_visits"
    pd.testing.assert_frame_equal(_rows(coded), before)
    assert edit.detail["codings"] == len(before.query("code_id == 'home_visits'"))
    after = coded.code_counts().set_index("code")
    # the theme's rolled-up count now includes the moved code's segments
    hv = set(before.loc[before["code_id"] == "home_visits", "segment_id"])
    bnd = set(
        before.loc[
            before["code_id"].isin(
                [
                    "boundaries",
                    "professional_boundaries",
                    "confidentiality_consent",
                    "communication_boundaries",
                ]
            )
            & (before["source"] == "human"),
            "segment_id",
        ]
    )
    assert after.loc["boundaries", "human"] == len(
        bnd
        | set(before.loc[(before["code_id"] == "home_visits") & (before["source"] == "human"), "segment_id"])
    )
    assert after.loc["co_location", "human"] < counts.loc["co_location", "human"]
    assert hv
    matrix = coded.matrix(rows="document")
    assert matrix["boundaries"].sum() >= matrix["home_visits"].sum()
    row, detail = _last(coded, "move")
    assert detail["before"]["parent"] == "co_location" and detail["after"] == {
        "parent": "boundaries",
        "position": 0,
    }


def test_a_move_to_where_the_code_already_is_changes_nothing(coded):
    before = _snapshot(coded)
    edit = coded.move_code("home_visits", "co_location", position=1)
    assert edit.version == V and _snapshot(coded) == before


def test_move_to_the_top_level(coded):
    coded.move_code("home_visits", None)
    assert coded.codebook.get("home_visits").parent is None
    assert coded.codebook.top_level()[-1].id == "home_visits"
    assert coded.codebook.depth("home_visits") == 1


@pytest.mark.parametrize(
    "code, parent, fragment",
    [
        ("benefits", "benefits_staff", "cycle"),
        ("benefits", "benefits", "under itself"),
        ("nope", "benefits", "unknown code 'nope'"),
        ("benefits", "nope", "unknown parent code 'nope'"),
    ],
)
def test_move_refuses_a_cycle_and_unknown_ids(coded, code, parent, fragment):
    before = _snapshot(coded)
    with pytest.raises(InputError, match=fragment):
        coded.move_code(code, parent)
    assert _snapshot(coded) == before


def test_move_deeper_cycle_names_the_chain(fresh_project):
    fresh_project.load_codebook(
        Codebook(codes=(Code("a", "A"), Code("b", "B", parent="a"), Code("c", "C", parent="b")))
    )
    with pytest.raises(InputError, match=r"'c' is inside 'a' \(a > b > c\)"):
        fresh_project.move_code("a", "c")


# ------------------------------------------------------------------------- merge
def test_merge_moves_every_coding_and_collapses_duplicates(coded):
    before = _rows(coded)
    # duplicates: ann coded segments 4 and 5 at both codes; a rules suggestion that a person
    # accepted at the source, on a segment the rules also suggested at the target
    target_rules = set(_segments_at(coded, "home_visits"))
    source_rules = set(_segments_at(coded, "community_venues"))
    shared = sorted(target_rules - source_rules)[0]
    _insert(coded, shared, "community_venues", coder="rules", source="rules", status="accepted")
    before = _rows(coded)
    human_before = before[before["source"] == "human"]
    n_source = int((before["code_id"] == "community_venues").sum())
    dup_rules = len(target_rules & (source_rules | {shared}))
    source_keywords = set(coded.codebook.get("community_venues").keywords)
    assert source_keywords

    edit = coded.merge_codes("community_venues", "home_visits", who="lead")

    after = _rows(coded)
    assert "community_venues" not in coded.codebook
    assert not (after["code_id"] == "community_venues").any()
    assert edit.codings == n_source and edit.collapsed == 2 + dup_rules
    assert len(after) == len(before) - edit.collapsed
    # every human coding survives, at the same offsets (the two duplicates became one each)
    human_after = after[after["source"] == "human"]
    key = ["document_id", "start", "end", "coder"]
    assert set(map(tuple, human_before[key].to_numpy())) == set(map(tuple, human_after[key].to_numpy()))
    assert len(human_after) == len(human_before) - 2
    # the accepted suggestion beat the target's open one
    kept = after[
        (after["segment_id"] == shared) & (after["code_id"] == "home_visits") & (after["source"] == "rules")
    ]
    assert list(kept["status"]) == ["accepted"]
    # the collapsed copies are archived whole, with the quote
    archived = coded._store.archived_codings()
    assert len(archived) == edit.collapsed
    assert archived["reason"].str.startswith("merge community_venues into home_visits").all()
    texts = coded._store.document_texts()
    assert all(
        texts[d][s:e] == q
        for d, s, e, q in zip(archived["document_id"], archived["start"], archived["end"], archived["quote"])
    )
    assert set(archived["archived_by"]) == {"lead"}
    # nothing else lost: codings now + archived == codings before
    assert len(after) + len(archived) == len(before)
    _quotes_hold(coded)
    # the target learnt the source's keywords, so the rules still find what it found
    assert set(coded.codebook.get("home_visits").keywords) >= source_keywords
    row, detail = _last(coded, "merge")
    assert row["who"] == "lead" and detail["into"] == "home_visits"
    assert detail["collapsed"] == edit.collapsed and detail["codebook_version"] == f"{V}+r1"
    assert detail["by_source"]["human"] == 5


def test_merge_carries_children_and_rule_fields(coded):
    kw_staff = set(coded.codebook.get("benefits_staff").keywords)
    kids = [c.id for c in coded.codebook.children("benefits")]
    tally = _tally(coded)
    edit = coded.merge_codes("benefits", "challenges")
    assert [c.id for c in coded.codebook.children("challenges")][-3:] == kids
    assert edit.children == kids and edit.removed == ["benefits"]
    assert _tally(coded) == tally  # no duplicates here: nothing collapsed
    assert set(coded.codebook.get("benefits_staff").keywords) == kw_staff
    # merging a child into its parent is fine
    coded.merge_codes("benefits_staff", "challenges")
    assert set(coded.codebook.get("challenges").keywords) >= kw_staff
    assert _tally(coded) == tally


@pytest.mark.parametrize(
    "source, into, fragment",
    [
        ("benefits", "benefits", "into itself"),
        ("benefits", "benefits_staff", "is inside 'benefits'"),
        ("nope", "benefits", "unknown code 'nope'"),
        ("benefits", "nope", "unknown target code 'nope'"),
    ],
)
def test_merge_refuses_bad_input_and_changes_nothing(coded, source, into, fragment):
    before = _snapshot(coded)
    with pytest.raises(InputError, match=fragment):
        coded.merge_codes(source, into)
    assert _snapshot(coded) == before


# ------------------------------------------------------------------------- split
def test_split_adds_children_and_flags_codings_for_review(coded):
    before = _rows(coded)
    segs = coded.segments()["segment_id"]
    _insert(coded, segs.iloc[20], "home_visits", coder="rules", source="rules", status="rejected")
    at_code = _rows(coded).query("code_id == 'home_visits'")
    edit = coded.split_code(
        "home_visits",
        [
            ("home_visits_planned", "Planned home visits", {"keywords": ["planned visit"]}),
            {"id": "home_visits_unannounced", "name": "Unannounced visits"},
        ],
    )
    cb = coded.codebook
    assert [c.id for c in cb.children("home_visits")] == ["home_visits_planned", "home_visits_unannounced"]
    assert cb.get("home_visits_planned").keywords == ("planned visit",)
    after = _rows(coded)
    assert len(after) == len(before) + 1  # nothing moved, nothing lost
    flagged = after[after["review"].notna()]
    open_ones = at_code[at_code["status"] != "rejected"]
    assert edit.flagged == len(flagged) == len(open_ones) > 0
    assert set(flagged["code_id"]) == {"home_visits"}
    assert set(flagged["review"]) == {"split into home_visits_planned, home_visits_unannounced"}
    assert "review" in coded.codings().columns
    row, detail = _last(coded, "split")
    assert detail["flagged"] == edit.flagged and len(detail["children"]) == 2
    # a second split adds to the note rather than replacing it
    coded.split_code("home_visits", [("home_visits_other", "Other visits")])
    notes = set(_rows(coded).query("review == review")["review"])
    assert notes == {"split into home_visits_planned, home_visits_unannounced; split into home_visits_other"}


@pytest.mark.parametrize(
    "children, fragment",
    [
        ([], "at least one new child"),
        ([("benefits", "Again")], "already used"),
        ([("a1", "A"), ("a1", "B")], "already used"),
        ([("Bad Id", "A")], "not valid"),
        ([("ok", "")], "needs a name"),
        ([("ok", "OK", {"keywords": "visit"})], "keywords must be a list"),
        ([("ok", "OK", {"colour": "#000000"})], "unknown field 'colour'"),
        ([("ok", "OK", {"patterns": [[{"NOPE": "x"}]]})], "pattern 1 is not a spaCy token pattern"),
        (["just-an-id"], "is \\(id, name\\)"),
    ],
)
def test_split_refuses_bad_children(coded, children, fragment):
    before = _snapshot(coded)
    with pytest.raises(InputError, match=fragment):
        coded.split_code("home_visits", children)
    assert _snapshot(coded) == before


# ------------------------------------------------------------------------ delete
def test_delete_is_refused_while_codings_exist(coded):
    before = _snapshot(coded)
    with pytest.raises(ConflictError) as err:
        coded.delete_code("co_location")
    message = str(err.value)
    n = int(
        _rows(coded)["code_id"]
        .isin(["co_location", "community_venues", "home_visits", "family_friendly_times"])
        .sum()
    )
    assert f"have {n} coding(s)" in message and "home_visits: " in message
    assert "--archive" in message and "nothing was deleted" in message
    assert _snapshot(coded) == before


def test_delete_with_archive_keeps_the_quotes(coded):
    before = _rows(coded)
    gone = ["co_location", "community_venues", "home_visits", "family_friendly_times"]
    doomed = before[before["code_id"].isin(gone)]
    edit = coded.delete_code("co_location", archive=True, who="lead")
    after = _rows(coded)
    assert not any(c in coded.codebook for c in gone)
    assert edit.archived == len(doomed) and edit.removed == gone
    assert not after["code_id"].isin(gone).any()
    # nothing else touched
    pd.testing.assert_frame_equal(after, before[~before["code_id"].isin(gone)].reset_index(drop=True))
    archived = coded._store.archived_codings()
    assert sorted(archived["coding_id"]) == sorted(doomed["coding_id"])
    texts = coded._store.document_texts()
    assert all(
        texts[d][s:e] == q
        for d, s, e, q in zip(archived["document_id"], archived["start"], archived["end"], archived["quote"])
    )
    assert set(archived["reason"]) == {"code co_location deleted"}
    assert set(archived["archived_by"]) == {"lead"} and archived["archived_at"].notna().all()
    assert (archived["source"] == "human").sum() == (doomed["source"] == "human").sum()
    assert set(archived["code_name"]) >= {"Home visits"}
    actions = list(coded.history()["action"])[-2:]
    assert actions == ["archive", "delete"]


def test_delete_keep_children_lifts_them_into_its_place(coded):
    assert not _rows(coded)["code_id"].eq("co_location").any()  # its children are coded
    tally = _tally(coded)
    coded.delete_code("co_location", keep_children=True)
    assert _tally(coded) == tally
    top = [c.id for c in coded.codebook.top_level()]
    assert top == [
        "current_involvement",
        "benefits",
        "challenges",
        "boundaries",
        "community_venues",
        "home_visits",
        "family_friendly_times",
        "family_perspectives",
    ]
    assert _last(coded, "delete")[1]["lifted"] == ["community_venues", "home_visits", "family_friendly_times"]


def test_delete_an_uncoded_code(fresh_project):
    fresh_project.load_codebook(Codebook(codes=(Code("a", "A"), Code("b", "B", parent="a"))))
    edit = fresh_project.delete_code("a")
    assert len(fresh_project.codebook) == 0 and edit.removed == ["a", "b"]
    assert edit.archived == 0


# ----------------------------------------------------------------------- add
def test_add_code_with_fields_and_position(coded):
    edit = coded.add_code(
        "benefits_wider",
        "Benefits to the wider community",
        "benefits",
        position=1,
        description="Gains beyond the family.",
        keywords=["community"],
        who="lead",
    )
    cb = coded.codebook
    assert [c.id for c in cb.children("benefits")][1] == "benefits_wider"
    assert cb.get("benefits_wider").keywords == ("community",)
    assert edit.version == f"{V}+r1"
    row, detail = _last(coded, "add")
    assert row["who"] == "lead" and detail["after"]["description"] == "Gains beyond the family."


@pytest.mark.parametrize(
    "args, kwargs, fragment",
    [
        (("benefits", "Again"), {}, "already used"),
        (("x", "X", "nope"), {}, "unknown parent code 'nope'"),
        (("x", "X"), {"position": -1}, "position must be"),
        (("x", "X"), {"color": "red"}, "color must look like"),
        (("x", "X"), {"description": 3}, "description must be text"),
    ],
)
def test_add_code_refuses_bad_input(coded, args, kwargs, fragment):
    before = _snapshot(coded)
    with pytest.raises(InputError, match=fragment):
        coded.add_code(*args, **kwargs)
    assert _snapshot(coded) == before


@pytest.mark.parametrize(
    "call",
    [
        lambda p: p.rename_code("nope", name="X"),
        lambda p: p.split_code("nope", [("x", "X")]),
        lambda p: p.delete_code("nope"),
    ],
)
def test_unknown_code_ids_are_refused(coded, call):
    before = _snapshot(coded)
    with pytest.raises(InputError, match="unknown code 'nope'; see `qda codebook show`"):
        call(coded)
    assert _snapshot(coded) == before


# ------------------------------------------------------------ revision and cache
def test_every_edit_bumps_the_revision_and_rules_record_it(coded):
    coded.rename_code("home_visits", name="Visits")
    coded.move_code("home_visits", "boundaries")
    assert coded.codebook_revision == 2 and coded.codebook.version == f"{V}+r2"
    coded.code_rules()
    versions = set(coded.codings(sources=["rules"], statuses=["suggested"])["codebook_version"])
    assert versions == {f"{V}+r2"}
    # a rolled-back transaction leaves neither the edit nor a stale cached codebook
    with pytest.raises(RuntimeError):
        with coded.transaction():
            coded.rename_code("home_visits", name="Never")
            assert coded.codebook.get("home_visits").name == "Never"
            raise RuntimeError("roll back")
    assert coded.codebook.get("home_visits").name == "Visits"
    assert coded.codebook.version == f"{V}+r2"


# ---------------------------------------------------------------- load and diff
def _changed_book(project, *, drop=("home_visits",), version=None):
    """The project's codebook with one code added, one changed, one moved, some dropped."""
    cb = project.codebook
    codes = []
    for c in cb:
        if c.id in drop:
            continue
        if c.id == "benefits_staff":
            c = dataclasses.replace(c, description="Gains for probation staff.")
        if c.id == "children_in_sessions":
            c = dataclasses.replace(c, parent="boundaries")
        codes.append(c)
    codes.append(Code("home_visit_sessions", "Home visits", parent="co_location", keywords=("home visit",)))
    book = Codebook(
        name=cb.name,
        version=version or cb.version.split("+")[0],
        description=cb.description,
        codes=tuple(codes),
    )
    from qda.codebook.edits import _tree

    return _tree(book, list(book.codes))


def test_load_of_a_changed_file_applies_the_edits(coded, tmp_path):
    before = _snapshot(coded)
    changed = _changed_book(coded)
    path = tmp_path / "changed.yaml"
    changed.to_yaml(path)
    with pytest.raises(ConflictError) as err:
        coded.load_codebook(path)
    msg = str(err.value)
    n = int((_rows(coded)["code_id"] == "home_visits").sum())
    for fragment in (
        str(path),
        f"code 'home_visits' has {n} coding(s)",
        "likely renamed to 'home_visit_sessions'",
        "--map home_visits=home_visit_sessions",
        "--archive OLD",
        "nothing was changed",
    ):
        assert fragment in msg, msg
    assert _snapshot(coded) == before

    tally = _tally(coded)
    report = coded.load_codebook(path, mapping={"home_visits": "home_visit_sessions"}, who="lead")
    cb = coded.codebook
    assert report.added == ["home_visit_sessions"] and report.removed == ["home_visits"]
    assert report.changed == ["benefits_staff"] and report.moved == ["children_in_sessions"]
    assert report.merged == {"home_visits": "home_visit_sessions"}
    assert cb.get("benefits_staff").description == "Gains for probation staff."
    assert cb.get("children_in_sessions").parent == "boundaries"
    assert "home_visits" not in cb
    assert _tally(coded) == tally  # every coding kept
    assert int((_rows(coded)["code_id"] == "home_visit_sessions").sum()) == n
    assert report.version == cb.version == f"{V}+r1"
    hist = coded.history().iloc[-6:]
    assert sorted(hist["action"]) == ["add", "change", "delete", "load", "merge", "move"]
    assert set(hist["who"]) == {"lead"}
    change = json.loads(hist.loc[hist["action"] == "change", "detail"].iloc[0])
    assert change["after"] == {"description": "Gains for probation staff."}
    # loading the same file again changes nothing
    n_hist = len(coded.history())
    again = coded.load_codebook(path)
    assert again.diff.empty and len(coded.history()) == n_hist and coded.codebook_revision == 1


def test_load_with_archive_and_a_new_version(coded, tmp_path):
    path = tmp_path / "v2.yaml"
    _changed_book(coded, version="2.0").to_yaml(path)
    n = int((_rows(coded)["code_id"] == "home_visits").sum())
    report = coded.load_codebook(path, archive=["home_visits"])
    assert report.archived == {"home_visits": n} and report.version == "2.0"
    assert coded.codebook.version == "2.0" and coded.codebook_revision == 0
    archived = coded._store.archived_codings()
    assert len(archived) == n and set(archived["reason"]) == {"code home_visits removed from the codebook"}


@pytest.mark.parametrize(
    "mapping, archive, fragment",
    [
        ({"nope": "benefits"}, (), "the project has no code 'nope'"),
        ({"benefits": "challenges"}, (), "'benefits' is still in the file"),
        ({"home_visits": "nope"}, (), "'nope' is not in the file"),
        ({"home_visits": "home_visit_sessions"}, ("home_visits",), "both mapped and archived"),
        ({}, ("benefits",), "'benefits' is still in the file"),
        ({}, ("nope",), "the project has no code 'nope'"),
    ],
)
def test_load_refuses_bad_mappings(coded, mapping, archive, fragment):
    before = _snapshot(coded)
    with pytest.raises(InputError, match=fragment):
        coded.load_codebook(_changed_book(coded), mapping=mapping, archive=archive)
    assert _snapshot(coded) == before


def test_load_deletes_a_removed_code_without_codings(fresh_project):
    fresh_project.load_codebook(Codebook(version="1", codes=(Code("a", "A"), Code("b", "B"))))
    report = fresh_project.load_codebook(Codebook(version="1", codes=(Code("a", "A"),)))
    assert report.removed == ["b"] and fresh_project.codebook.ids == ["a"]
    assert fresh_project.codebook.version == "1+r1"


def test_unresolved_removals_lists_what_needs_a_mapping(coded):
    book = _changed_book(coded)
    [(code, n, guess)] = coded.unresolved_removals(book)
    assert (code, guess) == ("home_visits", "home_visit_sessions") and n > 0
    assert coded.unresolved_removals(book, archive=["home_visits"]) == []


# ------------------------------------------------------------------------ counts
def test_code_counts_by_source_roll_up_to_parents(coded):
    counts = coded.code_counts().set_index("code")
    rows = _rows(coded)
    live = rows[rows["status"] != "rejected"]

    def segs(codes, source):
        return set(live.loc[live["code_id"].isin(codes) & (live["source"] == source), "segment_id"])

    family = ["co_location", "community_venues", "home_visits", "family_friendly_times"]
    assert counts.loc["home_visits", "human"] == len(segs(["home_visits"], "human")) == 6
    assert counts.loc["co_location", "human"] == len(segs(family, "human")) == 9
    assert counts.loc["co_location", "human_own"] == 0
    assert counts.loc["co_location", "rules"] == len(segs(family, "rules"))
    assert counts.loc["benefits", "human"] == 2 and counts.loc["benefits", "human_own"] == 1
    assert counts["model"].sum() == 0
    assert list(counts.index) == coded.codebook.ids
    assert (counts["all"] >= counts[["human", "rules"]].max(axis=1)).all()
    # the matrix rolls up the same way (it uses the human codings once there are any)
    matrix = coded.matrix(rows="document")
    assert matrix["co_location"].sum() == counts.loc["co_location", "human"]
