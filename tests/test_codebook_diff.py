"""diff_codebooks and the pure tree edits: codebooks in, plain data out."""

from __future__ import annotations

import dataclasses

import pytest

from qda.codebook import Code, Codebook, edits
from qda.codebook.diff import FieldChange, Move, Rename, diff_codebooks
from qda.errors import InputError

OLD = Codebook(
    name="Book",
    version="1",
    codes=(
        Code("a", "Alpha", description="Talk about the first thing in some detail."),
        Code("a1", "Alpha one", parent="a", keywords=("one",)),
        Code("a2", "Alpha two", parent="a"),
        Code("b", "Beta", description="Everything about the second theme, at length."),
        Code("b1", "Beta one", parent="b", keywords=("visit", "home")),
        Code("c", "Gamma"),
    ),
)


def _book(*codes, **kw):
    return edits._tree(Codebook(**{"name": "Book", "version": "1", **kw}), list(codes))


def test_identical_codebooks_have_no_difference():
    diff = diff_codebooks(OLD, OLD)
    assert diff.empty and diff.lines() == [] and diff.to_frame().empty


def test_added_removed_changed_moved_reordered():
    codes = {c.id: c for c in OLD}
    new = _book(
        codes["a"],
        codes["a2"],
        codes["a1"],  # a1/a2 swapped
        dataclasses.replace(codes["b"], name="Beta!", include="Only b."),
        dataclasses.replace(codes["c"], parent="b"),  # moved
        Code("d", "Delta"),  # added
        version="2",
    )  # b1 removed
    diff = diff_codebooks(OLD, new)
    assert diff.added == ["d"] and diff.removed == ["b1"]
    assert diff.changed == {
        "b": [FieldChange("b", "name", "Beta", "Beta!"), FieldChange("b", "include", "", "Only b.")]
    }
    assert diff.moved == [Move("c", None, "b")]
    assert set(diff.reordered) == {"a1", "a2"}
    assert diff.meta == {"version": ("1", "2")}
    assert not diff.empty and diff.renames == []
    frame = diff.to_frame()
    assert set(frame["change"]) == {"codebook", "added", "removed", "changed", "moved", "reordered"}
    assert list(frame.columns) == ["change", "code", "field", "before", "after"]
    lines = diff.lines()
    assert "+ d" in lines and "- b1" in lines and "~ b: name, include" in lines
    assert "> c: moved from (top) to b" in lines


def test_an_inserted_sibling_is_not_a_reorder():
    new = _book(*OLD.codes[:2], Code("a0", "Alpha zero", parent="a"), *OLD.codes[2:])
    diff = diff_codebooks(OLD, new)
    assert diff.added == ["a0"] and diff.reordered == []


@pytest.mark.parametrize(
    "replacement, why",
    [
        (Code("a1x", "alpha  ONE", parent="a"), "same name"),
        (
            Code("bee", "Bee", description="Everything about the second theme at length!"),
            "similar definition",
        ),
        (Code("b1x", "Home visits", parent="b", keywords=("home", "Visit")), "same keywords"),
    ],
)
def test_likely_renames(replacement, why):
    gone = {"a1x": "a1", "bee": "b", "b1x": "b1"}[replacement.id]
    codes = [c for c in OLD if c.id != gone and c.parent != gone] + [replacement]
    if gone == "b":
        codes.append(dataclasses.replace(OLD.get("b1"), parent="bee"))
    diff = diff_codebooks(OLD, _book(*codes))
    [rename] = diff.renames
    assert (rename.old, rename.new) == (gone, replacement.id) and why in rename.why
    assert diff.rename_of(gone) == replacement.id
    assert f"likely renamed to {replacement.id}" in "\n".join(diff.lines())


def test_unrelated_codes_are_not_renames():
    new = _book(*[c for c in OLD if c.id != "c"], Code("z", "Zeta", description="Other."))
    assert diff_codebooks(OLD, new).renames == []


def test_each_added_code_is_the_rename_of_one_removed_code_at_most():
    new = _book(*[c for c in OLD if c.id not in ("a2", "c")], Code("x", "Gamma"))
    old = dataclasses.replace(OLD, codes=OLD.codes[:-1] + (Code("c", "Gamma"),))
    diff = diff_codebooks(old, new)
    assert diff.renames == [Rename("c", "x", "same name")]


# --------------------------------------------------------------------- pure edits
def test_edits_return_new_books_and_leave_the_old_one_alone():
    moved = edits.move_code(OLD, "c", "a", position=1)
    assert [c.id for c in moved.children("a")] == ["a1", "c", "a2"]
    assert moved.ids == ["a", "a1", "c", "a2", "b", "b1"]  # pre-order
    assert OLD.get("c").parent is None
    merged = edits.merge_code(OLD, "a", "b")
    assert merged.ids == ["b", "b1", "a1", "a2", "c"]
    assert merged.get("b").keywords == ()
    assert edits.merge_code(OLD, "a1", "b1").get("b1").keywords == ("visit", "home", "one")
    renamed = edits.rename_code(OLD, "a", new_id="alpha", name="Alpha!")
    assert renamed.ids == ["alpha", "a1", "a2", "b", "b1", "c"]
    assert renamed.get("a1").parent == "alpha" and renamed.get("alpha").name == "Alpha!"
    book, gone = edits.remove_code(OLD, "a")
    assert gone == ["a", "a1", "a2"] and book.ids == ["b", "b1", "c"]
    book, gone = edits.remove_code(OLD, "a", keep_children=True)
    assert gone == ["a"] and book.ids == ["a1", "a2", "b", "b1", "c"]
    assert book.get("a1").parent is None
    split = edits.add_children(OLD, "c", [Code("c1", "C1", parent="c"), Code("c2", "C2", parent="c")])
    assert split.ids[-3:] == ["c", "c1", "c2"]
    assert edits.descendants(OLD, "a") == ["a1", "a2"]


def test_move_into_own_subtree_is_a_cycle():
    deep = edits.add_code(OLD, Code("a11", "Deep", parent="a1"))
    with pytest.raises(InputError, match=r"'a11' is inside 'a' \(a > a1 > a11\).*cycle"):
        edits.move_code(deep, "a", "a11")
