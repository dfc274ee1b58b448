"""Codebook formats: the JSON Schema, Excel and REFI-QDA files, round trips and bad input."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from qda.cli import cli
from qda.codebook import Code, Codebook, load_codebook, save_codebook
from qda.codebook.qdc import code_guid, parse_description
from qda.codebook.xlsx import XLSX_COLUMNS
from qda.errors import CodebookError
from qda.project import Project
from tests.helpers.paths import CODEBOOK, ROOT

REFI = ROOT.parent / "shared" / "refi-qda"
if not (REFI / "Codebook.xsd").exists():  # a checkout elsewhere: ../shared sits beside /work/main
    REFI = Path("/work/shared/refi-qda")
needs_refi = pytest.mark.skipif(
    not (REFI / "samples").exists(),
    reason=f"the vendors' REFI-QDA sample files are not at {REFI} (they are not redistributed with qda)",
)


@pytest.fixture(scope="module")
def bundled() -> Codebook:
    return load_codebook(CODEBOOK)


def _definition(cb: Codebook) -> list[tuple]:
    """Every code with its place in the tree and its definition."""
    return [(c.id, c.parent, c.name, c.description, c.include, c.exclude) for c in cb]


# ----------------------------------------------------------------------- JSON Schema
def test_the_schema_is_a_valid_2020_12_schema_and_the_bundled_codebook_passes():
    import yaml
    from jsonschema import Draft202012Validator

    schema = json.loads((ROOT / "codebooks" / "codebook.schema.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    data = yaml.safe_load(CODEBOOK.read_text("utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(data)) == []
    code_keys = set(schema["$defs"]["code"]["properties"])
    assert code_keys == {
        "id",
        "name",
        "description",
        "include",
        "exclude",
        "examples",
        "keywords",
        "exclude_keywords",
        "patterns",
        "proximity",
        "color",
        "children",
    }


def test_the_schema_is_found_where_an_installed_wheel_puts_it(monkeypatch, tmp_path):
    """A wheel carries codebooks/ as qda/_bundled/codebooks (pyproject force-include)."""
    import qda.resources as resources

    fake = tmp_path / "qda"
    (fake / "_bundled" / "codebooks").mkdir(parents=True)
    shutil.copy(ROOT / "codebooks" / "codebook.schema.json", fake / "_bundled" / "codebooks")
    monkeypatch.setattr(resources, "_PACKAGE", fake)
    assert resources.codebook_schema() == fake / "_bundled/codebooks/codebook.schema.json"
    assert "force-include" in (ROOT / "pyproject.toml").read_text()


# ------------------------------------------------------------------------- round trips
def test_yaml_xlsx_qdc_round_trip_keeps_every_code_place_and_definition(bundled, tmp_path):
    xlsx, qdc = tmp_path / "cb.xlsx", tmp_path / "cb.qdc"
    save_codebook(bundled, xlsx)
    from_xlsx = load_codebook(xlsx)
    save_codebook(from_xlsx, qdc)
    from_qdc = load_codebook(qdc)
    assert _definition(from_xlsx) == _definition(bundled)
    assert _definition(from_qdc) == _definition(bundled)
    assert from_qdc == bundled  # everything else too: rules, colours, name, version


def test_project_round_trip_through_every_format(bundled, tmp_path):
    """YAML -> project -> XLSX -> project -> QDC -> project keeps the codebook."""
    source: Path | Codebook = CODEBOOK
    for step, ext in enumerate(["xlsx", "qdc", "yaml"]):
        with Project.create(tmp_path / f"p{step}.qda") as project:
            project.load_codebook(source)
            assert project.codebook == bundled, ext
            source = save_codebook(project.codebook, tmp_path / f"cb{step}.{ext}")
    assert load_codebook(source) == bundled


def test_loading_an_exported_file_into_the_same_project_changes_nothing(bundled, tmp_path):
    with Project.create(tmp_path / "p.qda") as project:
        project.load_codebook(bundled)
        for ext in ("xlsx", "qdc"):
            report = project.load_codebook(save_codebook(bundled, tmp_path / f"cb.{ext}"))
            assert (report.added, report.changed, report.removed) == ([], [], [])


def test_cli_export_writes_the_format_of_the_extension(tmp_path, bundled):
    runner, p = CliRunner(), str(tmp_path / "p.qda")
    assert runner.invoke(cli, ["init", p]).exit_code == 0
    assert runner.invoke(cli, ["codebook", "load", str(CODEBOOK), "--project", p]).exit_code == 0
    for ext in ("yaml", "yml", "xlsx", "qdc"):
        out = tmp_path / f"out.{ext}"
        result = runner.invoke(cli, ["codebook", "export", str(out), "--project", p])
        assert result.exit_code == 0, result.output
        assert load_codebook(out) == bundled
    result = runner.invoke(cli, ["codebook", "export", str(tmp_path / "cb.json"), "--project", p])
    assert result.exit_code == 1 and "cb.json" in result.stderr and ".qdc" in result.stderr
    assert not (tmp_path / "cb.json").exists()


# ------------------------------------------------------------------------------ Excel
def _sheet(
    path: Path,
    rows: list[list],
    header: list[str] | None = None,
    meta: list[list] | None = None,
    title: str = "Codes",
) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header or ["path", "id", "description", "keywords"])
    for row in rows:
        sheet.append(row)
    if meta is not None:
        info = book.create_sheet("Codebook")
        for row in meta:
            info.append(row)
    book.save(path)
    return path


def test_a_hand_written_workbook_loads(tmp_path):
    path = _sheet(
        tmp_path / "mine.xlsx",
        [
            ["Benefits / To staff", None, "Gains to staff.", "rapport\nbuild trust\n"],
            ["Benefits", None, "Gains.", None],  # the parent may come after its child
            ["Benefits / To families", "fam", None, "in the loop"],
            ["Challenges", None, None, None],
            [None, None, None, None],  # blank rows are skipped
            ["Benefits / To staff / Home context", None, None, None],
        ],
        meta=[["field", "value"], ["name", "My book"], ["version", 3]],
    )
    cb = load_codebook(path)
    assert (cb.name, cb.version) == ("My book", "3")
    assert [(c.id, c.parent, c.name) for c in cb] == [
        ("benefits", None, "Benefits"),
        ("to_staff", "benefits", "To staff"),
        ("home_context", "to_staff", "Home context"),
        ("fam", "benefits", "To families"),
        ("challenges", None, "Challenges"),
    ]
    assert cb.get("to_staff").keywords == ("rapport", "build trust")


def test_excel_ids_made_from_names_are_unique_and_never_take_a_given_id(tmp_path):
    path = _sheet(
        tmp_path / "ids.xlsx",
        [
            ["Other", None],
            ["Benefits", "other"],
            ["Benefits / Other", None],
            ["Café société", None],
            ["2020 changes", None],
        ],
        header=["path", "id"],
    )
    cb = load_codebook(path)
    assert [(c.id, c.parent) for c in cb] == [
        ("other_2", None),
        ("other", None),
        ("other_3", "other"),
        ("cafe_societe", None),
        ("code_2020_changes", None),
    ]


def test_excel_name_column_renames_without_moving(tmp_path):
    path = _sheet(
        tmp_path / "n.xlsx",
        [
            ["Drugs", "drugs", None],
            ["Drugs / Alcohol", "alcohol", "Drink / alcohol"],
            ["Drugs / Cannabis / use", "cannabis", "Cannabis / use"],
        ],
        header=["path", "id", "name"],
    )
    cb = load_codebook(path)
    assert [(c.id, c.parent, c.name) for c in cb] == [
        ("drugs", None, "Drugs"),
        ("alcohol", "drugs", "Drink / alcohol"),
        ("cannabis", "drugs", "Cannabis / use"),
    ]


def test_written_workbook_is_pleasant_to_edit(bundled, tmp_path):
    from openpyxl import load_workbook

    path = save_codebook(bundled, tmp_path / "cb.xlsx")
    book = load_workbook(path)
    codes = book["Codes"]
    assert [c.value for c in codes[1]] == list(XLSX_COLUMNS)
    assert codes.freeze_panes == "B2"
    assert codes["A3"].value == "Current family involvement / Frequency of contact with families"
    assert codes["D2"].alignment.wrap_text
    assert codes.column_dimensions["D"].width > 30
    assert book.sheetnames == ["Codes", "Codebook", "Help"]
    # a second reader sees the same cells
    import pandas as pd

    frame = pd.read_excel(path, sheet_name="Codes", engine="calamine", dtype=str)
    assert list(frame["id"]) == bundled.ids


XLSX_ERRORS = [
    pytest.param([["A / B", "b"]], ["row 2", "code 'b'", "parent 'A' is missing"], id="missing-parent"),
    pytest.param([["A", "a"], ["B", "a"]], ["row 3", "duplicate id 'a'", "row 2"], id="duplicate-id"),
    pytest.param([["A", "a"], ["A", "b"]], ["row 3", "path 'A' is also on row 2"], id="duplicate-path"),
    pytest.param(
        [["A", "a", None, 2020]], ["row 2", "keyword cell is not text", "2020"], id="keyword-number"
    ),
    pytest.param([["A", "a", None, None, "red"]], ["row 2", "code 'a'", "colour 'red'"], id="bad-colour"),
    pytest.param(
        [["A", "a", None, None, None, '[{"NOTANATTR": "x"}]']],
        ["row 2", "code 'a'", "pattern 1", "not a valid spaCy pattern"],
        id="bad-pattern",
    ),
    pytest.param(
        [["A", "a", None, None, None, "[{LOWER: x}]"]],
        ["row 2", "code 'a'", "pattern 1 is not JSON"],
        id="pattern-not-json",
    ),
    pytest.param([["A", "Bad Id"]], ["row 2", "id 'Bad Id'", "lower-case"], id="bad-id"),
    pytest.param([], ["has no codes"], id="no-rows"),
]


@pytest.mark.parametrize(("rows", "fragments"), XLSX_ERRORS)
def test_excel_errors_name_the_file_sheet_and_row(tmp_path, rows, fragments):
    path = _sheet(
        tmp_path / "bad.xlsx", rows, header=["path", "id", "description", "keywords", "color", "patterns"]
    )
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    message = str(info.value)
    assert message.startswith(f"{path}, sheet 'Codes'")
    for fragment in fragments:
        assert fragment in message


def test_excel_unknown_column_and_bad_file(tmp_path):
    path = _sheet(tmp_path / "cols.xlsx", [["A"]], header=["path", "colour"])
    with pytest.raises(CodebookError, match=r"row 1: unknown column 'colour'"):
        load_codebook(path)
    (fake := tmp_path / "fake.xlsx").write_text("not a workbook")
    with pytest.raises(CodebookError, match=r"fake.xlsx: is not an Excel workbook"):
        load_codebook(fake)


# -------------------------------------------------------------------------- REFI-QDA
def test_exported_qdc_is_valid_against_the_refi_schema(bundled, tmp_path):
    import xmlschema

    schema = xmlschema.XMLSchema(str(ROOT / "tests" / "fixtures" / "refi" / "Codebook.xsd"))
    small = Codebook(
        name="s",
        version="1",
        codes=(Code("a", "A", color="#abcdef"), Code("b", "B & <b>", parent="a", keywords=("x -- y",))),
    )
    for cb in (bundled, small):
        path = save_codebook(cb, tmp_path / "cb.qdc")
        schema.validate(str(path))
        assert load_codebook(path) == cb


def test_qdc_guids_are_stable_and_the_tree_is_nested(bundled, tmp_path):
    from defusedxml.ElementTree import parse

    first = save_codebook(bundled, tmp_path / "one.qdc").read_bytes()
    again = save_codebook(load_codebook(tmp_path / "one.qdc"), tmp_path / "two.qdc")
    assert again.read_bytes() == first
    root = parse(tmp_path / "one.qdc").getroot()
    ns = "{urn:QDA-XML:codebook:1.0}"
    top = root.find(f"{ns}Codes").findall(f"{ns}Code")
    assert [c.get("name") for c in top] == [c.name for c in bundled.top_level()]
    assert top[0].get("guid") == code_guid("current_involvement")
    assert [k.get("name") for k in top[0].findall(f"{ns}Code")] == [
        c.name for c in bundled.children("current_involvement")
    ]


def test_description_labels_are_parsed_back():
    fields = parse_description(
        "A definition.\nSecond line.\n\ninclude: When X.\n\n"
        "EXCLUDE: Not Y.\nKeywords:\n- home visit\n- doorstep\n"
    )
    assert fields == {
        "description": "A definition.\nSecond line.",
        "include": "When X.",
        "exclude": "Not Y.",
        "keywords": ("home visit", "doorstep"),
    }


def _samples() -> list[Path]:
    """Every sample .qdc; a project's codebook only where no .qdc is provided."""
    qdcs = sorted(REFI.glob("samples/**/*.qdc")) + sorted(REFI.glob("samples/**/*.QDC"))
    projects = [p for p in sorted(REFI.glob("samples/**/*.qdpx")) if not p.with_suffix(".qdc").exists()]
    return qdcs + projects


@needs_refi
def test_every_refi_sample_codebook_imports(tmp_path):
    assert any(p.suffix.lower() == ".qdc" for p in _samples())
    imported = 0
    for path in _samples():
        if path.suffix.lower() == ".qdpx":
            with zipfile.ZipFile(path) as z:
                qde = next(n for n in z.namelist() if n.lower().endswith(".qde"))
                if b"CodeBook" not in z.read(qde):
                    continue  # a blank project: no codebook to import
        cb = load_codebook(path)
        assert len(cb) and len(set(cb.ids)) == len(cb)
        assert cb.validate() is cb
        save_codebook(cb, tmp_path / "again.qdc")
        assert _definition(load_codebook(tmp_path / "again.qdc")) == _definition(cb)
        imported += 1
    assert imported >= 1


@needs_refi
def test_taguette_empty_sets_and_flat_dotted_names():
    cb = load_codebook(REFI / "samples" / "taguette-1.4.1_codebook.qdc")
    assert [(c.id, c.name, c.parent) for c in cb] == [
        ("xsd_element_name", "xsd:element name", None),
        ("codebook", "CodeBook", None),
        ("variables", "Variables", None),
    ]


@needs_refi
def test_atlas_ti_group_names_become_a_hierarchy():
    cb = load_codebook(REFI / "samples" / "atlasti-8.4-mac_standard-project.qdpx")
    coke = cb.get("coke")
    assert coke.description == "the breakfast of champions" and coke.parent is None
    assert [(c.name, c.description) for c in cb.children("coke")] == [
        ("full-fat Coke", "aka regular"),
        ("diet Coke", "non sucré"),
    ]


def test_qdc_import_quirks(tmp_path):
    """Another prefix, odd case, #RGB colours, ATLAS.ti groups without a code, duplicates."""
    path = tmp_path / "odd.qdc"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<q:CodeBook xmlns:q="urn:QDA-XML:codebook:1:0" origin="Somebody">\n'
        " <q:Codes>\n"
        '  <q:Code GUID="{0F8A1907-7E42-4739-8610-A676B4D1B69F}" Name="Émotions::joie" '
        'isCodable="0" Color="#f08">\n'
        "   <q:Description>Happy.</q:Description>\n"
        "  </q:Code>\n"
        '  <q:Code guid="0f8a1907-7e42-4739-8610-a676b4d1b6aa" name="Émotions::joie" '
        'isCodable="true"/>\n'
        '  <q:Code guid="0f8a1907-7e42-4739-8610-a676b4d1b6ab" name="Stress" isCodable="true">\n'
        '   <q:Code guid="0f8a1907-7e42-4739-8610-a676b4d1b6ac" name="Work::Deadlines" '
        'isCodable="true"/>\n'
        "  </q:Code>\n"
        " </q:Codes>\n"
        " <q:Sets/>\n"
        "</q:CodeBook>\n",
        encoding="utf-8",
    )
    cb = load_codebook(path)
    assert [(c.id, c.parent, c.name, c.color) for c in cb] == [
        ("emotions", None, "Émotions", None),
        ("joie", "emotions", "joie", "#ff0088"),
        ("joie_2", "emotions", "joie", None),
        ("stress", None, "Stress", None),
        ("work", "stress", "Work", None),
        ("deadlines", "work", "Deadlines", None),
    ]
    assert cb.description == "Imported from odd.qdc (Somebody)"


QDC_ERRORS = [
    pytest.param(
        b"<CodeBook><Codes><Code name='a'>\n</Codes></CodeBook>",
        ["line 2", "not valid XML"],
        id="not-xml-mismatched",
    ),
    pytest.param(b"codes:\n  - id: a\n", ["line 1", "not valid XML"], id="yaml-not-xml"),
    pytest.param(b"", ["not valid XML"], id="empty"),
    pytest.param(
        b"<html><body>codebook</body></html>", ["not a REFI-QDA codebook", "<html>"], id="xml-not-refi"
    ),
    pytest.param(
        b'<CodeBook xmlns="urn:other"><Codes/></CodeBook>',
        ["not a REFI-QDA codebook", "urn:other"],
        id="other-namespace",
    ),
    pytest.param(
        b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', ["has no codes"], id="no-codes"
    ),
    pytest.param(
        b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" '
        b'isCodable="true" color="red" name="A"/></Codes></CodeBook>',
        ["code 'A'", "colour 'red'"],
        id="bad-colour",
    ),
    pytest.param(
        b'<!DOCTYPE x [<!ENTITY e "boom">]><CodeBook>&e;</CodeBook>',
        ["refused", "entities"],
        id="entity-bomb",
    ),
]


@pytest.mark.parametrize(("data", "fragments"), QDC_ERRORS)
def test_qdc_errors_name_the_file(tmp_path, data, fragments):
    path = tmp_path / "bad.qdc"
    path.write_bytes(data)
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    message = str(info.value)
    assert message.startswith(str(path))
    for fragment in fragments:
        assert fragment in message


# ------------------------------------------------------------- bad input via the CLI
def _write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


@pytest.mark.parametrize(
    "make, fragments",
    [
        (
            lambda t: _write(t / "dup.yaml", "codes:\n  - id: a\n    name: A\n  - id: a\n    name: B\n"),
            ["dup.yaml", "line 4", "code 'a'", "duplicate id"],
        ),
        (
            lambda t: _write(t / "keys.yaml", "codes:\n  - id: a\n    name: A\n    colour: red\n"),
            ["keys.yaml", "line 2", "code 'a'", "unknown key 'colour'"],
        ),
        (
            lambda t: _write(t / "kw.yaml", "codes:\n  - id: a\n    name: A\n    keywords: visit\n"),
            ["kw.yaml", "line 2", "code 'a'", "'keywords' must be a list"],
        ),
        (
            lambda t: _sheet(t / "orphan.xlsx", [["A / B", "b"]], header=["path", "id"]),
            ["orphan.xlsx", "sheet 'Codes', row 2", "code 'b'", "parent 'A' is missing"],
        ),
        (lambda t: _write(t / "text.qdc", "just some text"), ["text.qdc", "line 1", "not valid XML"]),
        (lambda t: _write(t / "html.qdc", "<html/>"), ["html.qdc", "not a REFI-QDA codebook"]),
    ],
)
def test_bad_codebook_files_are_one_error_line_and_nothing_changes(tmp_path, make, fragments):
    runner, p = CliRunner(), str(tmp_path / "p.qda")
    assert runner.invoke(cli, ["init", p]).exit_code == 0
    assert runner.invoke(cli, ["codebook", "load", str(CODEBOOK), "--project", p]).exit_code == 0
    with Project.open(p) as project:
        before = project.codebook
    result = runner.invoke(cli, ["codebook", "load", str(make(tmp_path)), "--project", p])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    with Project.open(p) as project:
        assert project.codebook == before
