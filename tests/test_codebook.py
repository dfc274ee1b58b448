"""The codebook: the bundled file, tree navigation, round trips, and errors that point."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from qda.codebook import Code, Codebook, load_codebook
from qda.errors import CodebookError, InputError
from tests.helpers.paths import CODEBOOK


@pytest.fixture(scope="module")
def bundled() -> Codebook:
    return load_codebook(CODEBOOK)


@pytest.fixture
def write_yaml(tmp_path):
    """write_yaml(text, name=...) -> path of a new file holding the dedented text."""

    def _write(text: str, name: str = "codebook.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write


SMALL = """\
    name: Small
    version: "2.1"
    description: A test codebook.
    codes:
      - id: benefits
        name: Benefits
        color: "#009E73"
        description: Gains from involving families.
        children:
          - id: benefits_staff
            name: Benefits for staff
            include: Staff gain.
            exclude: Families gain.
            examples: ["It helps me."]
            keywords: [insight, "home visit"]
            patterns:
              - [{LOWER: home}, {LEMMA: visit}]
            children:
              - id: insight
                name: Insight
                color: "#0072B2"
          - id: benefits_families
            name: Benefits for families
      - id: challenges
        name: Challenges
"""


@pytest.fixture
def small(write_yaml) -> Codebook:
    return load_codebook(write_yaml(SMALL))


# -------------------------------------------------------------------- the bundled file
def test_bundled_codebook_loads_with_its_core_themes(bundled):
    top = [c.id for c in bundled.top_level()]
    assert {"benefits", "challenges", "boundaries", "co_location"} <= set(top)
    assert bundled.name == "Family involvement in probation supervision"
    assert bundled.version == "1.1"
    assert len(bundled) > len(top)
    assert len(set(bundled.ids)) == len(bundled)


def test_bundled_codebook_codes_are_described_and_children_have_keywords(bundled):
    for code in bundled:
        assert code.description.strip(), code.id
        assert code.name.strip(), code.id
    children = [c for c in bundled if c.parent is not None]
    assert children
    for code in children:
        assert code.keywords, code.id
        assert all(k == k.strip() and k for k in code.keywords), code.id
    for code in bundled.top_level():
        assert re.fullmatch(r"#[0-9A-F]{6}", code.color or ""), code.id
        assert bundled.children(code.id), code.id


def test_bundled_codebook_is_in_tree_order(bundled):
    seen: set[str] = set()
    for code in bundled:
        assert code.parent is None or code.parent in seen, code.id
        seen.add(code.id)


# ------------------------------------------------------------------------- navigation
def test_small_codebook_fields(small):
    assert (small.name, small.version, small.description) == ("Small", "2.1", "A test codebook.")
    assert small.ids == ["benefits", "benefits_staff", "insight", "benefits_families", "challenges"]
    assert small.get("benefits_staff") == Code(
        id="benefits_staff",
        name="Benefits for staff",
        parent="benefits",
        include="Staff gain.",
        exclude="Families gain.",
        examples=("It helps me.",),
        keywords=("insight", "home visit"),
        patterns=([{"LOWER": "home"}, {"LEMMA": "visit"}],),
    )
    assert "insight" in small and "nope" not in small


@pytest.mark.parametrize(
    ("code_id", "ancestors", "depth", "root", "color"),
    [
        ("benefits", [], 1, "benefits", "#009E73"),
        ("benefits_staff", ["benefits"], 2, "benefits", "#009E73"),  # inherited
        ("insight", ["benefits_staff", "benefits"], 3, "benefits", "#0072B2"),  # its own
        ("benefits_families", ["benefits"], 2, "benefits", "#009E73"),
        ("challenges", [], 1, "challenges", None),
    ],
)
def test_tree_navigation(small, code_id, ancestors, depth, root, color):
    assert small.ancestors(code_id) == ancestors
    assert small.depth(code_id) == depth
    assert small.root(code_id) == root
    assert small.color(code_id) == color


def test_children_and_top_level(small):
    assert [c.id for c in small.top_level()] == ["benefits", "challenges"]
    assert [c.id for c in small.children("benefits")] == ["benefits_staff", "benefits_families"]
    assert [c.id for c in small.children("insight")] == []
    assert [c.id for c in small.children(None)] == ["benefits", "challenges"]


def test_rollup_pairs_each_code_with_itself_and_its_ancestors(small):
    pairs = sorted(map(tuple, small.rollup().to_numpy().tolist()))
    assert pairs == sorted(
        [
            ("benefits", "benefits"),
            ("benefits_staff", "benefits_staff"),
            ("benefits_staff", "benefits"),
            ("insight", "insight"),
            ("insight", "benefits_staff"),
            ("insight", "benefits"),
            ("benefits_families", "benefits_families"),
            ("benefits_families", "benefits"),
            ("challenges", "challenges"),
        ]
    )
    assert list(small.rollup().columns) == ["code_id", "theme_id"]


def test_bundled_colours_are_inherited_by_every_child(bundled):
    for code in bundled:
        assert bundled.color(code.id) == bundled.get(bundled.root(code.id)).color


def test_to_frame_has_paths_and_depths(small):
    frame = small.to_frame().set_index("code_id")
    assert frame.loc["insight", "path"] == "Benefits / Benefits for staff / Insight"
    assert frame.loc["insight", "parent_id"] == "benefits_staff"
    assert frame["depth"].tolist() == [1, 2, 3, 2, 1]
    assert frame["position"].tolist() == [0, 1, 2, 3, 4]


# ------------------------------------------------------------------------- round trips
@pytest.fixture(params=["small", "bundled"])
def any_codebook(request, small, bundled) -> Codebook:
    return {"small": small, "bundled": bundled}[request.param]


def test_to_yaml_and_load_round_trip(any_codebook, tmp_path):
    path = tmp_path / "out.yaml"
    any_codebook.to_yaml(path)
    again = load_codebook(path)
    assert again == any_codebook
    assert again.codes == any_codebook.codes


def test_to_frame_and_from_rows_round_trip(any_codebook):
    frame = any_codebook.to_frame()
    rows = frame.sample(frac=1, random_state=0).to_dict("records")  # position restores order
    again = Codebook.from_rows(
        rows, name=any_codebook.name, version=any_codebook.version, description=any_codebook.description
    )
    assert again == any_codebook


def test_a_valid_pattern_is_accepted(write_yaml):
    cb = load_codebook(
        write_yaml("""\
        codes:
          - id: visits
            name: Visits
            patterns:
              - [{LOWER: home}, {LEMMA: visit, OP: "+"}]
              - [{LOWER: {IN: [house, home]}}]
    """)
    )
    assert cb.get("visits").patterns == (
        [{"LOWER": "home"}, {"LEMMA": "visit", "OP": "+"}],
        [{"LOWER": {"IN": ["house", "home"]}}],
    )


def test_defaults_when_name_and_version_are_missing(write_yaml):
    cb = load_codebook(write_yaml("codes:\n  - id: a\n    name: A\n", name="my-book.yml"))
    assert (cb.name, cb.version) == ("my-book", "1")


# ----------------------------------------------------------------------------- errors
def _code(extra: str = "", *, id_line: str = "id: a") -> str:
    """A codebook with one code whose body gets `extra` lines (code at line 2)."""
    body = "".join(f"    {line}\n" for line in extra.splitlines())
    return f"codes:\n  - {id_line}\n    name: A\n{body}"


ERRORS = [
    pytest.param(
        "codes:\n  - id: a\n    name: A\n    children:\n      - id: b\n        name: B\n"
        "  - id: b\n    name: B again\n",
        ["line 7", "code 'b'", "duplicate id", "first used at line 5"],
        id="duplicate-id",
    ),
    pytest.param(
        _code("colour: '#000000'"), ["line 2", "code 'a'", "unknown key 'colour'"], id="unknown-code-key"
    ),
    pytest.param(
        "name: X\nthemes: []\ncodes:\n  - id: a\n    name: A\n",
        ["line 1", "unknown key 'themes'"],
        id="unknown-top-key",
    ),
    pytest.param(
        "codes:\n  - id: a\n    name: '  '\n", ["line 2", "code 'a'", "'name' is empty"], id="empty-name"
    ),
    pytest.param("codes:\n  - id: a\n", ["line 2", "code 'a'", "'name' is empty"], id="missing-name"),
    pytest.param(
        "codes:\n  - id: a\n    name: 2020\n", ["line 2", "code 'a'", "must be text"], id="name-not-text"
    ),
    pytest.param("codes:\n  - id: a\n    name: A\n  - name: B\n", ["line 4", "has no 'id'"], id="missing-id"),
    pytest.param(
        _code(id_line="id: home visits"), ["line 2", "code 'home visits'", "lower-case"], id="id-with-spaces"
    ),
    pytest.param(
        _code(id_line="id: HomeVisits"), ["line 2", "code 'HomeVisits'", "lower-case"], id="id-upper-case"
    ),
    pytest.param(
        _code(id_line="id: 1st"),
        ["line 2", "code '1st'", "starting with a letter"],
        id="id-starts-with-digit",
    ),
    pytest.param(_code("color: red"), ["line 2", "code 'a'", "'red'", "#RRGGBB"], id="color-word"),
    pytest.param(_code("color: '#12345'"), ["line 2", "code 'a'", "'#12345'"], id="color-short"),
    pytest.param(
        _code("keywords: home visit"),
        ["line 2", "code 'a'", "'keywords' must be a list"],
        id="keywords-string",
    ),
    pytest.param(
        _code("keywords:\n  - visit\n  - ''"), ["line 2", "code 'a'", "empty"], id="keyword-empty-string"
    ),
    pytest.param(_code("keywords:\n  - visit\n  -"), ["line 2", "code 'a'", "None"], id="keyword-null"),
    pytest.param(
        _code("examples: [1, 2]"), ["line 2", "code 'a'", "'examples'", "non-text"], id="examples-not-text"
    ),
    pytest.param(
        _code("description: [x]"),
        ["line 2", "code 'a'", "'description' must be text"],
        id="description-not-text",
    ),
    pytest.param(
        _code("children: b"), ["line 2", "code 'a'", "'children' must be a list"], id="children-string"
    ),
    pytest.param(
        _code("children:\n  id: b\n  name: B"), ["line 2", "'children' must be a list"], id="children-mapping"
    ),
    pytest.param("codes:\n  - id: a\n    name: [A\n", ["line 4", "not valid YAML"], id="yaml-syntax"),
    pytest.param("codes:\n  - id: a\n\tname: A\n", ["line 3", "not valid YAML"], id="yaml-tab"),
    pytest.param(
        "codes:\n  - id: a\n    name: A\n    name: B\n",
        ["line 4", "'name' appears twice", "first at line 3"],
        id="duplicate-key",
    ),
    pytest.param(
        "codes: []\nname: X\ncodes: []\n", ["line 3", "'codes' appears twice"], id="duplicate-top-key"
    ),
    pytest.param("name: X\nversion: 1\n", ["line 1", "'codes' must be a non-empty list"], id="codes-missing"),
    pytest.param("name: X\ncodes: []\n", ["line 1", "'codes' must be a non-empty list"], id="codes-empty"),
    pytest.param(
        "name: X\ncodes:\n  id: a\n  name: A\n", ["'codes' must be a non-empty list"], id="codes-mapping"
    ),
    pytest.param(
        _code("patterns:\n  - [{NOTANATTR: x}]"),
        ["line 2", "code 'a'", "pattern 1", "not a valid spaCy pattern", "NOTANATTR"],
        id="pattern-unknown-attribute",
    ),
    pytest.param(
        _code("patterns:\n  - [{LOWER: x}]\n  - [{LOWER: y, OP: '%'}]"),
        ["line 2", "code 'a'", "pattern 2", "not a valid spaCy pattern"],
        id="pattern-bad-operator",
    ),
    pytest.param(
        _code("patterns:\n  - {LOWER: x}"),
        ["line 2", "code 'a'", "pattern 1", "list of token mappings"],
        id="pattern-not-a-list",
    ),
    pytest.param(
        _code("patterns: home"), ["line 2", "code 'a'", "'patterns' must be a list"], id="patterns-string"
    ),
    pytest.param(
        "codes:\n  - id: a\n    name: A\n  - just a name\n",
        ["line 4", "a code must be a mapping", "'just a name'"],
        id="code-as-string",
    ),
    pytest.param(
        "codes:\n  - id: a\n    name: A\n    children:\n      - id: b\n        name: B\n      - 42\n",
        ["line 7", "a code must be a mapping", "42"],
        id="child-as-number",
    ),
    pytest.param(
        _code("exclude_keywords: prison visit"),
        ["line 2", "code 'a'", "'exclude_keywords' must be a list"],
        id="exclude-keywords-string",
    ),
    pytest.param(
        "version: [1]\ncodes:\n  - id: a\n    name: A\n",
        ["line 1", "'version' must be text"],
        id="version-list",
    ),
    pytest.param(
        _code("patterns:\n  - []"), ["line 2", "code 'a'", "pattern 1 is empty"], id="pattern-empty"
    ),
    pytest.param("", ["a codebook is a mapping"], id="empty-file"),
    pytest.param("- id: a\n  name: A\n", ["a codebook is a mapping"], id="top-level-list"),
    pytest.param("codes: !!python/object:os.system x\n", ["line 1", "not valid YAML"], id="unsafe-tag"),
]


@pytest.mark.parametrize(("text", "fragments"), ERRORS)
def test_codebook_errors_name_the_file_line_and_code(tmp_path, text, fragments):
    path = tmp_path / "book.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    message = str(info.value)
    assert message.startswith(str(path))
    for fragment in fragments:
        assert fragment in message


def test_a_child_error_names_the_childs_line(write_yaml):
    path = write_yaml("""\
        codes:
          - id: a
            name: A
            children:
              - id: b
                name: B
                color: blue
    """)
    with pytest.raises(CodebookError, match=r"line 5: code 'b': colour 'blue'"):
        load_codebook(path)


@pytest.fixture(params=["wrong-extension", "no-extension", "missing", "not-utf8", "folder"])
def bad_file(request, tmp_path) -> tuple[Path, str]:
    kind = request.param
    if kind == "wrong-extension":
        (path := tmp_path / "codebook.json").write_text('{"codes": []}', encoding="utf-8")
        return path, "not .json"
    if kind == "no-extension":
        (path := tmp_path / "codebook").write_text("codes: []", encoding="utf-8")
        return path, "without extension"
    if kind == "missing":
        return tmp_path / "gone.yaml", "no such codebook file"
    if kind == "not-utf8":
        (path := tmp_path / "latin.yml").write_bytes(
            "codes:\n  - id: cafe\n    name: Caf\u00e9\n".encode("cp1252")
        )
        return path, "not UTF-8"
    if kind == "folder":
        (path := tmp_path / "folder.yaml").mkdir()
        return path, "cannot be read"
    raise AssertionError(kind)


def test_bad_codebook_files(bad_file):
    path, fragment = bad_file
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    assert str(info.value).startswith(str(path))
    assert fragment in str(info.value)


def test_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + "codes:\n  - id: cafe\n    name: Café\n".encode())
    assert load_codebook(path).get("cafe").name == "Café"


def test_codebook_error_is_an_input_error():
    assert issubclass(CodebookError, InputError)


def test_several_problems_report_the_first_and_count_the_rest(write_yaml):
    path = write_yaml("codes:\n  - id: a\n    name: A\n    colour: x\n  - id: B\n    name: B\n")
    with pytest.raises(
        CodebookError,
        match=r"line 2: code 'a': unknown key 'colour'.*"
        r"\(and 1 more problem\)",
    ):
        load_codebook(path)


def test_exclude_keywords_load_and_round_trip(write_yaml, tmp_path):
    cb = load_codebook(
        write_yaml("""\
        codes:
          - id: visits
            name: Visits
            keywords: [home visit]
            exclude_keywords: [prison visit, " hospital "]
    """)
    )
    assert cb.get("visits").exclude_keywords == ("prison visit", "hospital")
    cb.to_yaml(tmp_path / "again.yaml")
    assert load_codebook(tmp_path / "again.yaml") == cb
    rows = cb.to_frame().to_dict("records")
    assert rows[0]["exclude_keywords"] == ["prison visit", "hospital"]
    assert Codebook.from_rows(rows, name=cb.name, version=cb.version) == cb


# ------------------------------------------------------- row-built codebooks (any depth)
def _row(code_id, parent=None):
    return {"id": code_id, "name": code_id.upper(), "parent": parent}


def test_from_rows_puts_any_depth_in_tree_order():
    rows = [
        _row("e", "d"),
        _row("z"),
        _row("c", "b"),
        _row("a"),
        _row("d", "c"),
        _row("b", "a"),
        _row("b2", "a"),
    ]
    cb = Codebook.from_rows(rows, name="deep", version="1")
    assert cb.ids == ["z", "a", "b", "c", "d", "e", "b2"]
    assert cb.depth("e") == 5 and cb.ancestors("e") == ["d", "c", "b", "a"]
    assert cb.root("e") == "a"
    assert set(cb.rollup().query("code_id == 'e'")["theme_id"]) == {"a", "b", "c", "d", "e"}
    assert cb.validate() is cb


def test_deep_yaml_loads(write_yaml):
    lines, indent = ["codes:"], ""
    for level in range(1, 8):
        lines += [f"{indent}  - id: l{level}", f"{indent}    name: Level {level}"]
        if level < 7:
            lines.append(f"{indent}    children:")
        indent += "    "
    cb = load_codebook(write_yaml("\n".join(lines) + "\n"))
    assert cb.depth("l7") == 7 and cb.get("l7").parent == "l6"


@pytest.mark.parametrize(
    ("rows", "fragments"),
    [
        pytest.param(
            [_row("a"), _row("b", "a"), _row("a")], ["book.xlsx, row 4", "duplicate id 'a'"], id="duplicate"
        ),
        pytest.param(
            [_row("a"), _row("b", "nope")],
            ["book.xlsx, row 3", "parent 'nope'", "not in the codebook"],
            id="missing-parent",
        ),
        pytest.param(
            [_row("a", "c"), _row("b", "a"), _row("c", "b"), _row("x")],
            ["cycle", "a -> c -> b -> a"],
            id="cycle",
        ),
        pytest.param([_row("a", "a")], ["cycle", "a -> a"], id="own-parent"),
    ],
)
def test_from_rows_refuses_bad_trees(rows, fragments):
    where = {r["id"]: f"book.xlsx, row {i}" for i, r in enumerate(rows, start=2)}
    with pytest.raises(CodebookError) as info:
        Codebook.from_rows(rows, name="x", version="1", where=where)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_validate_checks_a_codebook_built_in_code():
    good = Codebook(codes=(Code("a", "A"), Code("b", "B", parent="a")))
    assert good.validate() is good
    for codes, fragment in [
        ((Code("b", "B", parent="a"), Code("a", "A")), "tree order"),
        ((Code("a", "A"), Code("a", "Again")), "duplicate id"),
        ((Code("a", "A", parent="b"), Code("b", "B", parent="a")), "cycle"),
        ((Code("A b", "A"),), "lower-case"),
        ((Code("a", " "),), "'name' is empty"),
        ((Code("a", "A", color="blue"),), "colour 'blue'"),
        ((Code("a", "A", patterns=([{"NOPE": 1}],)),), "not a valid spaCy pattern"),
    ]:
        with pytest.raises(CodebookError, match=fragment):
            Codebook(codes=codes).validate()


def test_a_codes_name_path_and_definition_for_a_person_coding():
    cb = Codebook(
        codes=(
            Code("t", "Theme", description="All of it."),
            Code("s", "Sub theme", parent="t"),
            Code(
                "c",
                "A code",
                parent="s",
                description="What it\n  covers.",
                include="When  they say so.",
                exclude="",
            ),
        )
    )
    assert [cb.name_path(c) for c in ("t", "s", "c")] == [
        "Theme",
        "Theme / Sub theme",
        "Theme / Sub theme / A code",
    ]
    assert cb.definition("c") == (
        "c: Theme / Sub theme / A code\n\nWhat it covers.\n\nUse when: When they say so."
    )
    assert cb.definition("s") == "s: Theme / Sub theme"
