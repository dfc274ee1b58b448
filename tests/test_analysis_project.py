"""The analyses through a Project (the sample, two coders) and through the CLI."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from openpyxl import load_workbook
from sklearn.metrics import cohen_kappa_score

from qda import analysis
from qda.errors import InputError
from qda.project import Project
from tests.helpers.cli import invoke as _invoke


@pytest.fixture
def two_coders(two_coders_path, tmp_path):
    target = tmp_path / "p.qda"
    shutil.copy(two_coders_path, target)
    with Project.open(target) as project:
        yield project


# ------------------------------------------------------------------------- matrix
def test_matrix_filters_depth_and_totals_reach_the_function(two_coders):
    m = two_coders.matrix(coders=["researcher_b"], depth=1, totals=True)
    store = two_coders._store
    chosen = store.codings()
    chosen = chosen[(chosen["coder"] == "researcher_b") & (chosen["status"] != "rejected")]
    expected = analysis.code_matrix(
        store.segments(), chosen, two_coders.codebook, participants=store.participants(), depth=1, totals=True
    )
    pd.testing.assert_frame_equal(m, expected)
    themes = [c.id for c in two_coders.codebook.top_level()]
    assert [c for c in m.columns if c in two_coders.codebook] == themes
    total = m.set_index("participant").loc["Total", "Total"]
    coded = analysis.coded_segments(chosen, two_coders.codebook)
    live = store.segments()
    live = set(live.loc[~live["is_interviewer"] & live["participant_id"].notna(), "segment_id"])
    assert total == coded.loc[coded["segment_id"].isin(live), "segment_id"].nunique()


def test_default_uses_human_codings_of_both_coders(two_coders):
    assert two_coders.select_codings().basis == "human"
    m = two_coders.matrix(depth=1, statuses=["suggested"])  # explicit: the suggestions
    assert m[[c.id for c in two_coders.codebook.top_level()]].to_numpy().sum() > 0


# ---------------------------------------------------------------------- crosstab
def test_crosstab_participants_matches_the_presence_matrix(two_coders):
    ct = two_coders.crosstab("group", unit="participants")
    presence = two_coders.matrix(value="presence", depth=1)
    themes = [c.id for c in two_coders.codebook.top_level()]
    by_group = presence.groupby(presence["group"].fillna("(none)"))[themes].sum()
    for group in ct.groups:
        assert ct.counts.loc[themes, group].tolist() == by_group.loc[group, themes].tolist()
    segs = two_coders.segments()
    assert ct.base["Total"] == segs["participant"].nunique()
    fam = ct.counts.loc["family_perspectives", "family"] / ct.base["family"] * 100
    assert ct.column_percent.loc["family_perspectives", "family"] == pytest.approx(fam)


def test_crosstab_segments_matches_the_matrix_by_group(two_coders):
    ct = two_coders.crosstab("group", unit="segments", depth=None)
    by_group = two_coders.matrix(rows="group").set_index("group")
    for group in ct.groups:
        assert ct.counts[group].tolist() == by_group.loc[group, two_coders.codebook.ids].tolist()


# ------------------------------------------------------- co-occurrence, saturation
def test_cooccurrence_diagonal_is_the_matrix_total_row(two_coders):
    co = two_coders.cooccurrence()
    m = two_coders.matrix(depth=1, totals=True).set_index("participant")
    themes = list(co.counts.index)
    diagonal = [int(co.counts.at[t, t]) for t in themes]
    assert diagonal == m.loc["Total", themes].astype(int).tolist()
    assert (co.c_coefficient.to_numpy() <= 1).all()


def test_saturation_reaches_every_code_used(two_coders):
    s = two_coders.saturation()
    used = two_coders.matrix(totals=True).set_index("participant").loc["Total", two_coders.codebook.ids]
    assert s["cumulative_codes"].iloc[-1] == int((used > 0).sum())
    assert s["new_codes"].sum() == s["cumulative_codes"].iloc[-1]
    assert s["document"].tolist() == two_coders.documents()["document"].tolist()


# --------------------------------------------------------------------- agreement
def test_agreement_against_a_plain_recount(two_coders):
    result = two_coders.agreement(["researcher_a", "researcher_b"], depth=1)
    cb = two_coders.codebook
    reviews = two_coders._store.reviews()
    units = set(reviews.loc[reviews["coder"] == "researcher_a", "segment_id"]) & set(
        reviews.loc[reviews["coder"] == "researcher_b", "segment_id"]
    )
    assert result.units == len(units)
    human = two_coders.codings(sources=["human"])
    for theme in ("challenges", "family_perspectives"):

        def has(coder, theme=theme):
            mine = human[human["coder"] == coder]
            hit = {
                s for s, c in zip(mine["segment_id"], mine["code"]) if c == theme or theme in cb.ancestors(c)
            }
            return [int(u in hit) for u in sorted(units)]

        ya, yb = has("researcher_a"), has("researcher_b")
        row = result.per_code.set_index("code_id").loc[theme]
        agree = sum(x == y for x, y in zip(ya, yb)) / len(ya) * 100
        assert row["percent_agreement"] == pytest.approx(agree)
        assert row["cohen_kappa"] == pytest.approx(cohen_kappa_score(ya, yb))
        assert -1 <= row["krippendorff_alpha"] <= 1
    assert result.coders == ("researcher_a", "researcher_b")


def test_agreement_errors(two_coders):
    with pytest.raises(InputError, match="unknown coder 'nobody'.*researcher_a"):
        two_coders.agreement(["researcher_a", "nobody"])
    with pytest.raises(InputError, match="at least two coders"):
        two_coders.agreement(["researcher_a", " researcher_a "])


# --------------------------------------------------------------------- framework
def test_framework_round_trip_through_the_cli(two_coders, tmp_path):
    project = two_coders.path
    two_coders.close()
    out = tmp_path / "fw.xlsx"
    result = _invoke("framework", "--out", out, "--project", project)
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    ws = book["Framework"]
    header = [c.value for c in ws[1]]
    col = header.index("challenges | summary") + 1
    pcol = header.index("participant") + 1
    rows = {ws.cell(r, pcol).value: r for r in range(2, ws.max_row + 1)}
    ws.cell(rows["F01"], col).value = "Worried about confidentiality."
    ws.cell(rows["S01"], col).value = "Workload."
    book.save(out)
    result = _invoke("framework", "import", out, "--by", "lead", "--project", project)
    assert result.exit_code == 0, result.output
    assert "2 summaries added, 0 changed, 0 cleared" in result.output
    with Project.open(project) as p:
        stored = p.framework_summaries()
        assert stored[["participant_id", "code_id", "summary"]].values.tolist() == [
            ["F01", "challenges", "Worried about confidentiality."],
            ["S01", "challenges", "Workload."],
        ]
        assert set(stored["updated_by"]) == {"lead"}
        last = p.history().iloc[-1]
        assert (last["who"], last["action"], last["entity"], last["entity_id"]) == (
            "lead",
            "import",
            "framework",
            "fw.xlsx",
        )
        fw = p.framework().set_index("participant")
        assert fw.loc["F01", "challenges | summary"] == "Worried about confidentiality."
    # again: nothing changes; an emptied cell leaves the summary; '-' clears it
    again = _invoke("framework", "import", out, "--by", "lead", "--project", project)
    assert "0 summaries added, 0 changed, 0 cleared, 2 unchanged" in again.output
    ws.cell(rows["F01"], col).value = None
    ws.cell(rows["S01"], col).value = "-"
    book.save(out)
    result = _invoke("framework", "import", out, "--by", "ann", "--project", project)
    assert "0 summaries added, 0 changed, 1 cleared" in result.output
    with Project.open(project) as p:
        assert p.framework_summaries()["participant_id"].tolist() == ["F01"]


def test_framework_import_errors_change_nothing(two_coders, tmp_path):
    table = two_coders.framework()
    table.loc[0, "benefits | summary"] = "x"
    table.loc[1, "participant"] = "NOPE"
    path = tmp_path / "fw.csv"
    table.to_csv(path, index=False)
    before = len(two_coders.history())
    with pytest.raises(InputError, match=r"fw\.csv, row 3, column A: unknown participant"):
        two_coders.import_framework(path, by="lead")
    assert two_coders.framework_summaries().empty and len(two_coders.history()) == before


def test_summaries_follow_a_code_rename(two_coders):
    table = two_coders.framework()
    table.loc[0, "benefits | summary"] = "Helps."
    path = two_coders.path.with_name("fw.csv")
    table.to_csv(path, index=False)
    two_coders.import_framework(path, by="lead")
    two_coders.rename_code("benefits", new_id="gains")
    stored = two_coders.framework_summaries()
    assert stored[["code_id", "summary"]].values.tolist() == [["gains", "Helps."]]


def test_agreement_compares_coders_imported_from_another_program(two_coders, tmp_path):
    """Codings from a REFI-QDA file (source 'import') are their coders' decisions; with
    no review rows, every segment of a document a coder coded in counts as reviewed."""
    exported = two_coders.export_qdpx(tmp_path / "both.qdpx")
    with Project.create(tmp_path / "other.qda") as other:
        other.import_qdpx(exported)
        codings = other.codings()
        assert set(codings["source"]) == {"import"}
        result = other.agreement(["researcher_a", "researcher_b"])
        segs = other.segments()
        docs = [set(codings.loc[codings["coder"] == c, "document"]) for c in ("researcher_a", "researcher_b")]
        both = segs["document"].isin(docs[0] | docs[1])
        assert result.units == int(both.sum())
        assert 0 < result.pooled["percent_agreement"] < 100
        with pytest.raises(InputError, match="unknown coder 'nobody'"):
            other.agreement(["researcher_a", "nobody"])


def _summaries(project, rows):
    with project.transaction():
        project._store.set_framework_summaries(
            [{"participant_id": p, "code_id": c, "summary": s} for p, c, s in rows], who="lead"
        )


def test_a_merge_carries_framework_summaries_to_the_target(two_coders):
    """A researcher's framework summaries follow a merged code; where the participant
    already has one at the target, the source's text is appended, marked."""
    cb = two_coders.codebook
    source, into = [c.id for c in cb.children(cb.top_level()[0].id)][:2]
    people = two_coders.participants()["participant"].tolist()[:2]
    _summaries(
        two_coders,
        [
            (people[0], source, "Only at the source."),
            (people[1], source, "Second view."),
            (people[1], into, "First view."),
        ],
    )
    edit = two_coders.merge_codes(source, into, who="lead")
    stored = two_coders.framework_summaries().set_index("participant_id")
    assert set(stored["code_id"]) == {into}
    assert stored.loc[people[0], "summary"] == "Only at the source."
    assert stored.loc[people[1], "summary"] == (f"First view.\n\n[merged from {source}] Second view.")
    assert edit.version  # the edit went through
    merged = two_coders.history().query("action == 'merge'").iloc[-1]
    assert '"framework_summaries": 2' in merged["detail"]


def test_a_deleted_code_keeps_its_framework_summaries_in_the_history(two_coders):
    cb = two_coders.codebook
    code = [c.id for c in cb.children(cb.top_level()[0].id)][0]
    person = two_coders.participants()["participant"].iloc[0]
    _summaries(two_coders, [(person, code, "Worth keeping.")])
    two_coders.delete_code(code, archive=True, who="lead")
    assert two_coders.framework_summaries().empty
    kept = two_coders.history().query("entity == 'framework_summaries'").iloc[-1]
    assert kept["action"] == "archive" and "Worth keeping." in kept["detail"]
