"""Planning an ingest (qda/ingest/plan.py) and cutting documents in one place
(qda/documents.segment_documents): pure, so tested without a project."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qda.documents import segment_documents
from qda.errors import InputError
from qda.ingest import ReadOptions
from qda.ingest.plan import check_survey_columns, plan_ingest, unchanged_files
from qda.ingest.text import text_document
from qda.parallel import Runner
from qda.segment import segment_document

KNOWN = pd.DataFrame(
    {
        "document_id": ["alice", "bob", "bob-2"],
        "name": ["alice.txt", "bob.txt", "bob.md"],
        "sha256": ["a1", "b1", "b2"],
        "unit": ["turn", "sentence", "turn"],
    }
)


def _doc(name: str, sha: str, text: str = "A: hello there.\nB: hi. Bye now.\n"):
    doc = text_document(Path(name), text, ReadOptions(), format="text")
    doc.sha256 = sha
    return doc


def test_unchanged_files_are_those_with_the_same_bytes_and_name():
    files = [Path("x/alice.txt"), Path("x/renamed.txt"), Path("x/bob.txt")]
    sha = {"alice.txt": "a1", "renamed.txt": "a1", "bob.txt": "new"}
    assert unchanged_files(files, KNOWN, lambda p: sha[p.name]) == {Path("x/alice.txt"): "alice"}
    assert unchanged_files(files, KNOWN, lambda p: None) == {}


def test_plan_sorts_new_versions_and_skipped_files_in_file_order():
    files = [Path(n) for n in ("alice.txt", "bob.txt", "copy.txt", "bob-2.txt", "twin.txt", "carol.txt")]
    read = iter(
        [
            _doc("bob.txt", "b9"),
            _doc("copy.txt", "a1"),
            _doc("bob-2.txt", "c1"),
            _doc("twin.txt", "c1"),
            _doc("carol.txt", "d1"),
        ]
    )
    plan = plan_ingest(files, read, unchanged={Path("alice.txt"): "alice"}, known=KNOWN)
    assert plan.skipped == [
        ("alice.txt", "unchanged, already alice"),
        ("copy.txt", "same content as document, already alice"),
        ("twin.txt", "same content as bob-2.txt"),
    ]
    assert [(row["id"], row["unit"], d.name) for row, d in plan.versions] == [("bob", "sentence", "bob.txt")]
    # bob-2 is taken by bob.md, so the new bob-2.txt becomes bob-2-2
    assert [(i, d.name) for i, d in plan.new] == [("bob-2-2", "bob-2.txt"), ("carol", "carol.txt")]
    assert [d.name for d in plan.read] == ["bob.txt", "bob-2.txt", "carol.txt"]
    assert {"bob-2-2", "carol"} <= plan.taken


def test_a_survey_column_no_table_has_is_named():
    plan = plan_ingest([], iter([]), unchanged={}, known=KNOWN)
    plan.used_columns = {"answer"}
    check_survey_columns(plan, [Path("a.csv")], ["Answer"])
    with pytest.raises(InputError, match="no survey table has the column 'Opinion'.*a.csv"):
        check_survey_columns(plan, [Path("a.csv")], ["Answer", "Opinion"])


@pytest.mark.parametrize("unit", ["turn", "paragraph", "sentence"])
def test_segment_documents_cuts_as_segment_document_does(unit):
    docs = [
        _doc(f"d{i}.txt", str(i), "A: one. Two.\n\nthree\nB: four. Five six.\n" * i) for i in range(1, 25)
    ]
    expected = [segment_document(d.text, d.turns, unit=unit) for d in docs]
    assert segment_documents([(d, unit) for d in docs]) == expected
    with Runner() as runner:
        assert segment_documents([(d, unit) for d in docs], runner=runner) == expected
