"""Fuzzing every way a file gets into qda: each reader, the codebook loaders, the coding
sheet and long CSV importers and the participants sheet. Valid files are mutated (bytes
flipped, cut short, spliced; cells and columns changed, swapped, dropped) and random
bytes tried; the only exceptions allowed out are QdaErrors with a message.

Bounded for CI: ``QDA_FUZZ_EXAMPLES`` examples per target (default 25; each run counts
its examples into tests/reliability-results.json for the README)."""

from __future__ import annotations

import io
import os
import shutil
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qda.codebook import load_codebook, save_codebook
from qda.errors import CodebookError, QdaError
from qda.ingest import read_document, read_participants
from qda.limits import MAX_CODE_DEPTH, REGEX_TIMEOUT
from qda.project import Project
from tests.helpers.readers import CASES
from tests.helpers.reliability import record_result

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = int(os.environ.get("QDA_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
TRIED: Counter = Counter()


@pytest.fixture(scope="module", autouse=True)
def _count_examples():
    yield
    record_result(
        "fuzz",
        {"targets": len(TRIED), "examples": sum(TRIED.values()), "per_target": dict(sorted(TRIED.items()))},
    )


def _only_qda_errors(target: str, call) -> None:
    TRIED[target] += 1
    try:
        call()
    except QdaError as exc:
        assert str(exc).strip(), f"{target}: a QdaError without a message"


# ------------------------------------------------------------------------ byte mutation
#: A byte-level edit: (operation, where as a fraction of the length, size, bytes).
EDIT = st.tuples(
    st.sampled_from(["flip", "truncate", "insert", "delete", "splice", "zero"]),
    st.floats(0, 1, exclude_max=True),
    st.integers(1, 128),
    st.binary(min_size=1, max_size=16),
)
#: A few edits, or (one time in ten) random bytes instead of the file.
MUTATION = st.one_of(
    st.lists(EDIT, min_size=1, max_size=4).map(lambda e: ("edit", e)),
    st.binary(max_size=600).map(lambda b: ("random", b)),
)


def apply(mutation, seed: bytes) -> bytes:
    """Apply a drawn mutation to ``seed``. Positions are fractions of the length, so the
    same draw works on a seed whose bytes differ from run to run (zip timestamps)."""
    kind, value = mutation
    if kind == "random":
        return value
    data = bytearray(seed)
    for op, where, size, extra in value:
        n = len(data)
        at = int(where * n)
        if op == "flip" and n:
            data[at] ^= 1 << (size % 8)
        elif op == "truncate":
            del data[at:]
        elif op == "insert":
            data[at:at] = extra
        elif op == "delete":
            del data[at : at + size]
        elif op == "splice" and n:
            src = int((where * 7919) % 1 * n)
            data[at:at] = data[src : src + size]
        elif op == "zero":
            data[at : at + size // 4 + 1] = bytes(len(data[at : at + size // 4 + 1]))
    return bytes(data)


@pytest.fixture(scope="module")
def reader_seeds(tmp_path_factory) -> dict[str, tuple[bytes, str, object]]:
    """One valid file per reader case of tests/helpers/readers.py (every format): bytes, name, options."""
    out = {}
    for case, make in CASES.items():
        folder = tmp_path_factory.mktemp(f"seed-{case}")
        path, options = make(folder)
        out[case] = (path.read_bytes(), path.name, options)
    sample = ROOT / "data" / "sample"
    for name in (
        "family-05-focus-group.vtt",
        "staff-03-telephone.docx",
        "staff-survey-open-answers.xlsx",
        "family-01-interview.txt",
    ):
        out[f"sample {name}"] = ((sample / name).read_bytes(), name, None)
    fixtures = ROOT / "tests" / "fixtures" / "transcripts"  # label styles of other tools
    for name in LABEL_STYLE_SEEDS:
        out[f"fixture {name}"] = ((fixtures / name).read_bytes(), name, None)
    return out


LABEL_STYLE_SEEDS = (
    "whisperx.txt",
    "whisperx.srt",
    "bracketed.txt",
    "otter.txt",
    "teams_lenient.vtt",
    "stray_space.txt",
)


READER_CASES = sorted(CASES) + [
    "sample family-05-focus-group.vtt",
    "sample staff-03-telephone.docx",
    "sample staff-survey-open-answers.xlsx",
    "sample family-01-interview.txt",
    *(f"fixture {name}" for name in LABEL_STYLE_SEEDS),
]


@pytest.mark.parametrize("case", READER_CASES)
def test_fuzz_every_reader_with_mutated_files(reader_seeds, tmp_path, case):
    seed, name, options = reader_seeds[case]
    path = tmp_path / name

    @FUZZ
    @given(mutation=MUTATION)
    def check(mutation):
        path.write_bytes(apply(mutation, seed))
        _only_qda_errors(f"reader {case}", lambda: read_document(path, options=options))

    check()


# ----------------------------------------------------------------------- table mutation
#: Text a spreadsheet can hold (Excel files cannot hold control characters).
TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=12)
CELL = st.one_of(
    st.none(),
    TEXT,
    st.integers(-5, 10**6),
    st.floats(allow_nan=True),
    st.sampled_from(["x", "1", "X", " ", "=A1", "#"]),
    st.datetimes().map(lambda d: d.replace(microsecond=0)),
)


@st.composite
def mutated_frame(draw, frame: pd.DataFrame) -> pd.DataFrame:
    """A table with cells changed, columns swapped, renamed, dropped or doubled, rows
    dropped or duplicated."""
    df = frame.copy().astype(object)
    for _ in range(draw(st.integers(1, 5))):
        op = draw(
            st.sampled_from(
                [
                    "cell",
                    "cell",
                    "swap",
                    "rename",
                    "drop_col",
                    "dup_col",
                    "drop_rows",
                    "dup_row",
                    "header_cell",
                ]
            )
        )
        cols = list(df.columns)
        if op == "cell" and len(df) and cols:
            df.iat[draw(st.integers(0, len(df) - 1)), draw(st.integers(0, len(cols) - 1))] = draw(CELL)
        elif op == "swap" and len(cols) > 1:
            i, j = draw(st.integers(0, len(cols) - 1)), draw(st.integers(0, len(cols) - 1))
            cols[i], cols[j] = cols[j], cols[i]
            df.columns = cols
        elif op == "rename" and cols:
            cols[draw(st.integers(0, len(cols) - 1))] = draw(TEXT)
            df.columns = cols
        elif op == "drop_col" and cols:
            df = df.drop(columns=df.columns[draw(st.integers(0, len(cols) - 1))])
        elif op == "dup_col" and cols:
            k = draw(st.integers(0, len(cols) - 1))
            df = pd.concat([df, df.iloc[:, [k]]], axis=1)
        elif op == "drop_rows" and len(df):
            df = df.iloc[: draw(st.integers(0, len(df) - 1))]
        elif op == "dup_row" and len(df):
            df = pd.concat([df, df.iloc[[draw(st.integers(0, len(df) - 1))]]])
        elif op == "header_cell" and cols:
            cols[draw(st.integers(0, len(cols) - 1))] = draw(
                st.sampled_from(
                    [
                        "participant",
                        "document",
                        "speaker",
                        "segment_id",
                        "code",
                        "start",
                        "end",
                        "coder",
                        "",
                        "id",
                    ]
                )
            )
            df.columns = cols
    return df


def _csv_bytes(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


def _xlsx_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_excel(buf, index=False, engine="openpyxl")
    return buf.getvalue()


PARTICIPANTS = pd.read_csv(ROOT / "data" / "sample" / "participants.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_fuzz_participants_sheet(tmp_path, suffix):
    path = tmp_path / f"participants{suffix}"
    write = _csv_bytes if suffix == ".csv" else _xlsx_bytes

    @FUZZ
    @given(df=mutated_frame(PARTICIPANTS), raw=st.booleans(), mutation=MUTATION)
    def check(df, raw, mutation):
        data = write(df)
        if raw:
            data = apply(mutation, data)
        path.write_bytes(data)
        _only_qda_errors(f"participants {suffix}", lambda: read_participants(path))

    check()


# -------------------------------------------------------------------------- codebooks
@pytest.fixture(scope="module")
def codebook_seeds(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("codebooks")
    cb = load_codebook(ROOT / "codebooks" / "family_involvement.yaml")
    out = {}
    for suffix in (".yaml", ".xlsx", ".qdc"):
        path = save_codebook(cb, folder / f"codebook{suffix}")
        out[suffix] = path.read_bytes()
    return out


@pytest.mark.parametrize("suffix", [".yaml", ".xlsx", ".qdc"])
def test_fuzz_codebook_loaders_with_mutated_files(codebook_seeds, tmp_path, suffix):
    path = tmp_path / f"codebook{suffix}"

    @FUZZ
    @given(mutation=MUTATION)
    def check(mutation):
        path.write_bytes(apply(mutation, codebook_seeds[suffix]))
        _only_qda_errors(f"codebook {suffix}", lambda: load_codebook(path))

    check()


def test_fuzz_codebook_xlsx_cells(codebook_seeds, tmp_path):
    codes = pd.read_excel(
        io.BytesIO(codebook_seeds[".xlsx"]), sheet_name=None, dtype=object, engine="openpyxl"
    )
    path = tmp_path / "codebook.xlsx"

    @FUZZ
    @given(df=mutated_frame(codes["Codes"]))
    def check(df):
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            df.to_excel(writer, sheet_name="Codes", index=False)
            for name, other in codes.items():
                if name != "Codes":
                    other.to_excel(writer, sheet_name=name, index=False)
        _only_qda_errors("codebook xlsx cells", lambda: load_codebook(path))

    check()


YAML_LINE = st.sampled_from(
    [
        "  - id: x",
        "    name: 1",
        "    children: 3",
        "    keywords: [a, {b: c}]",
        "    patterns: [[{LOWER: {IN: 3}}]]",
        "    proximity: [{terms: [a], within: -1}]",
        "    color: '#zzzzzz'",
        "version: [1]",
        "codes: {}",
        "  -",
        "\t- id: tab",
        "name: &a *a",
        "    exclude_keywords: 5",
        "    examples: [~]",
        "    id: Föö bar",
        ": :",
    ]
)


def test_fuzz_codebook_yaml_lines(codebook_seeds, tmp_path):
    lines = codebook_seeds[".yaml"].decode("utf-8").splitlines()
    path = tmp_path / "codebook.yaml"

    @FUZZ
    @given(
        at=st.lists(st.tuples(st.integers(0, len(lines)), YAML_LINE), min_size=1, max_size=4),
        drop=st.lists(st.integers(0, len(lines) - 1), max_size=3),
    )
    def check(at, drop):
        new = [line for i, line in enumerate(lines) if i not in set(drop)]
        for pos, line in at:
            new.insert(min(pos, len(new)), line)
        path.write_text("\n".join(new) + "\n", encoding="utf-8")
        _only_qda_errors("codebook yaml lines", lambda: load_codebook(path))

    check()


# ------------------------------------------- hostile codebooks: regexes, aliases, depth
#: Regular expressions from a small grammar that reaches the catastrophic shapes: nested
#: and possessive repeats, alternations whose branches overlap, groups, anchors.
REGEX_ATOM = st.sampled_from(["a", "b", "aa", r"\w", "[ab]", ".", "a?"])
REGEX = st.recursive(
    REGEX_ATOM,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "*", "?", "{1,3}", "++", "*+", "{2}"])).map(
            lambda t: f"(?:{t[0]}){t[1]}"
        ),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: "(" + "|".join(xs) + ")"),
        st.lists(inner, min_size=2, max_size=3).map("".join),
        inner.map(lambda x: f"(?>{x})"),
    ),
    max_leaves=6,
).map(lambda body: f"^{body}$")
#: Words the expressions are tried on: long runs that make backtracking show.
HOSTILE_WORDS = " ".join(["a" * 30 + "b", "ab" * 15 + "c", "a" * 25, "b" * 20 + "!a"])


def test_fuzz_regex_patterns_are_refused_or_bounded(tmp_path):
    """A drawn REGEX is refused when the codebook is read (a shape that backtracks
    catastrophically), or the rules coder runs it within the time limit per word, or
    stops with an InputError naming it: never a hang."""
    from qda.codebook import Code, Codebook
    from qda.coding import RulesCoder

    texts = {"d": f"Dawn: {HOSTILE_WORDS}"}
    segments = pd.DataFrame(
        [{"segment_id": "d#t001", "document_id": "d", "start": 6, "end": len(texts["d"])}]
    )

    @FUZZ
    @given(expression=REGEX, attribute=st.sampled_from(["TEXT", "LOWER", "NORM"]))
    def check(expression, attribute):
        book = Codebook(codes=(Code("x", "X", patterns=([{attribute: {"REGEX": expression}}],)),))

        def code():
            book.validate()
            started = time.monotonic()
            try:
                RulesCoder(book).code(segments, texts)
            finally:  # 4 words; each may take the limit once before the coder stops
                assert time.monotonic() - started < 30 + 4 * REGEX_TIMEOUT, expression

        _only_qda_errors("regex patterns", code)

    check()


@st.composite
def alias_yaml(draw) -> str:
    """A codebook whose lists are nested aliases of drawn width and depth, in examples,
    keywords or a pattern's IN list, sometimes referring back to any earlier anchor."""
    levels, width = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    key = draw(st.sampled_from(["examples", "keywords", "exclude_keywords"]))
    codes = [f"  - id: c0\n    name: C0\n    {key}: &a0 [{', '.join(['lol'] * width)}]\n"]
    for i in range(1, levels):
        refs = ", ".join(f"*a{draw(st.integers(max(0, i - 2), i - 1))}" for _ in range(width))
        codes.append(f"  - id: c{i}\n    name: C{i}\n    {key}: &a{i} [{refs}]\n")
    if draw(st.booleans()):
        codes.append(f"  - id: p\n    name: P\n    patterns:\n      - [{{LOWER: {{IN: *a{levels - 1}}}}}]\n")
    return "name: Aliases\nversion: '1'\ncodes:\n" + "".join(codes)


def test_fuzz_yaml_aliases_are_bounded(tmp_path):
    path = tmp_path / "aliases.yaml"

    @FUZZ
    @given(text=alias_yaml())
    def check(text):
        path.write_text(text, encoding="utf-8")
        started = time.monotonic()
        _only_qda_errors("yaml aliases", lambda: load_codebook(path))
        assert time.monotonic() - started < 60

    check()


def test_fuzz_deep_code_trees(tmp_path):
    """Trees of any depth, as YAML and REFI-QDA: loaded up to MAX_CODE_DEPTH levels,
    a CodebookError beyond (never a RecursionError)."""
    from tests.helpers.hostile import deep_qdc, deep_yaml

    @FUZZ
    @given(depth=st.integers(1, 400), suffix=st.sampled_from([".yaml", ".qdc"]))
    def check(depth, suffix):
        path = tmp_path / f"deep{suffix}"
        path.write_text(
            deep_qdc(depth) if suffix == ".qdc" else "name: Deep\nversion: '1'\ncodes:\n" + deep_yaml(depth),
            encoding="utf-8",
        )
        try:
            book = load_codebook(path)
        except CodebookError as exc:
            TRIED["deep code trees"] += 1
            assert depth > MAX_CODE_DEPTH and "limit" in str(exc), str(exc)
        else:
            TRIED["deep code trees"] += 1
            assert depth <= MAX_CODE_DEPTH and len(book) == depth

    check()


# -------------------------------------------------------------- coding sheet, long CSV
@pytest.fixture(scope="module")
def small_coded(tmp_path_factory) -> tuple[Path, bytes, bytes]:
    """A small project with a codebook; a coding sheet and a long CSV of it as seeds."""
    folder = tmp_path_factory.mktemp("coded")
    sample = ROOT / "data" / "sample"
    path = folder / "p.qda"
    with Project.create(path) as project:
        project.ingest([sample / "family-01-interview.txt", sample / "staff-01-telephone.txt"])
        project.load_codebook(ROOT / "codebooks" / "family_involvement.yaml")
        segs = project.segments()["segment_id"]
        for sid, code in zip(segs[:6], project.codebook.ids[1:7]):
            project.add_coding(sid, code, coder="fuzz")
        project.coding_sheet(folder / "sheet.xlsx", coder="fuzz")
        project.codings_csv(folder / "long.csv")
    return path, (folder / "sheet.xlsx").read_bytes(), (folder / "long.csv").read_bytes()


def _import(project_path: Path, tmp_path: Path):
    """A fresh copy of the project per example; the importer must refuse or succeed."""
    work = tmp_path / "work.qda"
    shutil.copy(project_path, work)
    return Project.open(work)


def test_fuzz_long_coding_csv(small_coded, tmp_path):
    project_path, _, seed = small_coded
    frame = pd.read_csv(io.BytesIO(seed), dtype=str, keep_default_na=False)
    path = tmp_path / "codings.csv"
    project = _import(project_path, tmp_path)

    @FUZZ
    @given(df=mutated_frame(frame), raw=st.booleans(), mutation=MUTATION)
    def check(df, raw, mutation):
        data = _csv_bytes(df)
        if raw:
            data = apply(mutation, data)
        path.write_bytes(data)
        _only_qda_errors("long coding csv", lambda: project.import_coding(path, coder="fuzz"))

    try:
        check()
        assert project.check() == "ok"
    finally:
        project.close()


def test_fuzz_coding_sheet(small_coded, tmp_path):
    import openpyxl

    project_path, seed, _ = small_coded
    path = tmp_path / "sheet.xlsx"
    project = _import(project_path, tmp_path)
    book = openpyxl.load_workbook(io.BytesIO(seed))
    sheets = [ws.title for ws in book.worksheets]

    @FUZZ
    @given(
        edits=st.lists(
            st.tuples(st.sampled_from(sheets), st.integers(1, 12), st.integers(1, 14), CELL),
            min_size=1,
            max_size=6,
        ),
        structure=st.sampled_from(
            ["", "delete_col", "insert_col", "delete_row", "drop_sheet", "rename_sheet"]
        ),
        where=st.integers(1, 8),
        raw=st.integers(0, 4),
        mutation=MUTATION,
    )
    def check(edits, structure, where, raw, mutation):
        book = openpyxl.load_workbook(io.BytesIO(seed))
        for title, row, col, value in edits:
            cell = book[title].cell(row, col)
            if type(cell).__name__ != "MergedCell":  # the merged theme headers are read-only
                cell.value = value
        ws = book.worksheets[0]
        if structure == "delete_col":
            ws.delete_cols(where)
        elif structure == "insert_col":
            ws.insert_cols(where)
        elif structure == "delete_row":
            ws.delete_rows(where % 4 + 1)
        elif structure == "drop_sheet" and len(book.worksheets) > 1:
            del book[book.sheetnames[where % len(book.sheetnames)]]
        elif structure == "rename_sheet":
            book.worksheets[-1].title = "renamed"
        buf = io.BytesIO()
        book.save(buf)
        data = buf.getvalue()
        if raw == 0:
            data = apply(mutation, data)
        path.write_bytes(data)
        _only_qda_errors("coding sheet", lambda: project.import_coding(path, coder="fuzz"))

    try:
        check()
        assert project.check() == "ok"
    finally:
        project.close()


# ------------------------------------------------------------ bugs the fuzzers found
def _damage_member(data: bytes, member_suffix: str) -> bytes:
    """Scribble over the compressed bytes of one zip member, leaving the zip's directory
    intact: the workbook opens, and the damage shows only when that sheet is read."""
    import struct
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = next(i for i in z.infolist() if i.filename.endswith(member_suffix))
    out = bytearray(data)
    start = info.header_offset
    name_len, extra_len = struct.unpack("<HH", out[start + 26 : start + 30])
    body = start + 30 + name_len + extra_len
    for i in range(body + 2, body + min(info.compress_size, 40)):
        out[i] ^= 0x5A
    return bytes(out)


def test_a_damaged_sheet_inside_a_codebook_workbook_is_a_codebook_error(codebook_seeds, tmp_path):
    """Found by the fuzzer: zlib.error from a sheet read row by row escaped."""
    from qda.errors import CodebookError

    path = tmp_path / "codebook.xlsx"
    path.write_bytes(_damage_member(codebook_seeds[".xlsx"], "sheet1.xml"))
    with pytest.raises(CodebookError, match="be read"):
        load_codebook(path)


def test_a_damaged_sheet_inside_a_coding_sheet_is_an_input_error(small_coded, tmp_path):
    from qda.errors import InputError

    project_path, seed, _ = small_coded
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(_damage_member(seed, "sheet1.xml"))
    with _import(project_path, tmp_path) as project:
        before = len(project.codings())
        with pytest.raises(InputError, match="cannot be read"):
            project.import_coding(path, coder="fuzz")
        assert len(project.codings()) == before
