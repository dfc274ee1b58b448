"""Every writing Project method is one transaction: a failure late inside it (the last
history row, or the moment before COMMIT) leaves the project exactly as before, byte
for byte in every table."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from qda.project import Project
from qda.store import Store
from qda.store.base import StoreBase
from tests.helpers.reliability import dump

ROOT = Path(__file__).resolve().parents[1]
CODING = ROOT / "data" / "sample-coding" / "researcher_a.csv"


class Injected(Exception):
    """The failure the tests inject."""


@pytest.fixture(scope="module")
def coded_sample(sample_run, tmp_path_factory) -> Path:
    """The sample project with researcher_a's coding imported (and the same as coder b),
    committed: the starting state of every case."""
    folder = tmp_path_factory.mktemp("coded")
    path = folder / "coded.qda"
    shutil.copy(sample_run.project, path)
    other = folder / "b.csv"
    other.write_text(CODING.read_text(encoding="utf-8").replace(",researcher_a,", ",b,"), encoding="utf-8")
    few = folder / "s.csv"  # a small coder, so the suggester fits fast
    lines = CODING.read_text(encoding="utf-8").replace(",researcher_a,", ",s,").splitlines()
    few.write_text("\n".join(lines[:400]) + "\n", encoding="utf-8")
    with Project.open(path) as project:
        project.import_coding(CODING, coder="researcher_a")
        project.import_coding(other, coder="b")
        project.import_coding(few, coder="s")
        project.add_memo("A memo to edit or delete", code=project.codebook.ids[0], who="t")
    return path


def _new_version(p: Project, tmp: Path) -> None:
    doc = tmp / "family-01-interview.txt"
    text = (ROOT / "data" / "sample" / "family-01-interview.txt").read_text(encoding="utf-8")
    doc.write_text(text.replace("roadworks", "road works") + "\nR: One more thing.\n", encoding="utf-8")
    p.ingest([doc])


def _new_document(p: Project, tmp: Path) -> None:
    doc = tmp / "extra.txt"
    doc.write_text("Interviewer: Hello?\n\nDawn: I ring his mum most weeks about visits.\n", encoding="utf-8")
    p.ingest([doc])


def _participants(p: Project, tmp: Path) -> None:
    sheet = tmp / "people.csv"
    shutil.copy(ROOT / "data" / "sample" / "participants.csv", sheet)
    with open(sheet, "a", encoding="utf-8") as fh:
        fh.write("X99,family-01-interview,,family,Mother,Kent\n")
    p.load_participants(sheet)


def _load_codebook(p: Project, tmp: Path) -> None:
    cb = p.codebook
    leaf = next(c.id for c in cb if not cb.children(c.id) and c.parent)
    smaller = tmp / "smaller.yaml"
    from qda.codebook import edits

    edits_cb, _ = edits.remove_code(cb, leaf, keep_children=False)
    edits_cb.save(smaller)
    p.load_codebook(smaller, archive=[leaf])


def _first_leaves(p: Project) -> tuple[str, str]:
    cb = p.codebook
    parent = next(c for c in cb if len(cb.children(c.id)) >= 2)
    a, b = [c.id for c in cb.children(parent.id)][:2]
    return a, b


CASES = {
    "ingest": _new_document,
    "ingest a new version": _new_version,
    "load participants": _participants,
    "load codebook": _load_codebook,
    "add code": lambda p, t: p.add_code("new_code", "New code", p.codebook.ids[0]),
    "rename code": lambda p, t: p.rename_code(_first_leaves(p)[0], name="Renamed", new_id="renamed_code"),
    "move code": lambda p, t: p.move_code(_first_leaves(p)[0], None),
    "merge codes": lambda p, t: p.merge_codes(*_first_leaves(p)),
    "split code": lambda p, t: p.split_code(_first_leaves(p)[0], [("part_a", "Part A")]),
    "delete code": lambda p, t: p.delete_code(_first_leaves(p)[0], archive=True),
    "code rules": lambda p, t: p.code_rules(),
    "add coding": lambda p, t: p.add_coding(
        p.segments()["segment_id"].iloc[0], p.codebook.ids[-1], coder="c"
    ),
    "code span": lambda p, t: p.code_span(
        p.segments()["document"].iloc[0],
        int(p.segments()["start"].iloc[0]),
        int(p.segments()["start"].iloc[0]) + 5,
        p.codebook.ids[-1],
        coder="c",
    ),
    "remove coding": lambda p, t: p.remove_coding(
        int(p._store.coder_codings("b")["coding_id"].iloc[0]), who="b"
    ),
    "import coding (csv)": lambda p, t: p.import_coding(_csv_as(t, "c"), coder="c"),
    "import coding (sheet)": lambda p, t: p.import_coding(_filled_sheet(p, t), coder="d"),
    "suggest": lambda p, t: p.suggest(from_coder="s", features="words"),
    "review accept": lambda p, t: p.review("accept", coder="e", sources=["rules"]),
    "review reject": lambda p, t: p.review("reject", coder="e", sources=["rules"]),
    "consensus": lambda p, t: p.build_consensus(["researcher_a", "b"], rule="all"),
    "attribution template": lambda p, t: p.set_attribution_template("{participant}"),
    "backup limit": lambda p, t: p.set_backup_limit(4),
    "code search hits": lambda p, t: p.code_hits(p.search("home visit*"), "home_visits", coder="f"),
    "save query": lambda p, t: p.save_query("q", "home_visits AND NOT direct_involvement"),
    "add memo": lambda p, t: p.add_memo("A note", participant="F01", who="t"),
    "edit memo": lambda p, t: p.edit_memo(1, "Changed", who="t"),
    "delete memo": lambda p, t: p.delete_memo(1, who="t"),
}


def _csv_as(tmp: Path, coder: str) -> Path:
    out = tmp / f"{coder}.csv"
    out.write_text(
        CODING.read_text(encoding="utf-8").replace(",researcher_a,", f",{coder},"), encoding="utf-8"
    )
    return out


def _filled_sheet(p: Project, tmp: Path) -> Path:
    import openpyxl

    sheet = tmp / "sheet.xlsx"
    p.coding_sheet(sheet, coder="d", segments=list(p.segments()["segment_id"][:12]))
    book = openpyxl.load_workbook(sheet)
    ws = book.worksheets[0]
    header_row = next(r for r in range(1, 6) if ws.cell(r, 1).value == "segment_id")
    code_col = next(c for c in range(1, ws.max_column + 1) if ws.cell(header_row, c).value in p.codebook.ids)
    for r in range(header_row + 1, header_row + 6):
        ws.cell(r, code_col).value = "x"
    book.save(sheet)
    return sheet


@contextmanager
def _fail_before_commit(monkeypatch):
    original = StoreBase.transaction

    @contextmanager
    def failing(self):
        outer = self._depth == 0
        with original(self):
            yield
            if outer:
                raise Injected("before COMMIT")

    monkeypatch.setattr(StoreBase, "transaction", failing)
    yield


@contextmanager
def _fail_at_last_history_row(monkeypatch):
    """Every writing command records history last (or nearly): fail there."""

    def failing(self, **kw):
        raise Injected("history")

    monkeypatch.setattr(Store, "record", failing)
    yield


@pytest.mark.parametrize("case", list(CASES))
def test_a_failure_late_in_a_writing_command_leaves_the_project_as_it_was(
    coded_sample, tmp_path, monkeypatch, case
):
    path = tmp_path / "p.qda"
    shutil.copy(coded_sample, path)
    before = dump(path)
    with Project.open(path) as project:
        for where in (_fail_before_commit, _fail_at_last_history_row):
            with where(monkeypatch):
                with pytest.raises(Injected):
                    CASES[case](project, tmp_path)
            monkeypatch.undo()
            assert dump(path) == before, where.__name__
        # and the command still works once nothing fails (the case is a real write)
        CASES[case](project, tmp_path)
    assert dump(path) != before, f"{case} wrote nothing: the test proves nothing"


# --------------------------------------------------------------------------- exports
class Interrupted(Exception):
    """An export stopped at the last moment (the rename)."""


EXPORTS = {
    "workbook": (["export", "--xlsx", "{out}/w.xlsx"], ["w.xlsx"]),
    "charts": (["export", "--charts", "{out}/charts"], ["charts"]),
    "quotes": (["export", "--quotes", "{out}/q.md"], ["q.md"]),
    "segments csv": (["segments", "--out", "{out}/s.csv"], ["s.csv"]),
    "codings csv": (["codings", "--out", "{out}/c.csv"], ["c.csv"]),
    "matrix csv": (["matrix", "--out", "{out}/m.csv"], ["m.csv"]),
    "coding sheet": (["code", "sheet", "{out}/sheet.xlsx", "--coder", "x"], ["sheet.xlsx"]),
    "codebook yaml": (["codebook", "export", "{out}/cb.yaml"], ["cb.yaml"]),
    "codebook xlsx": (["codebook", "export", "{out}/cb.xlsx"], ["cb.xlsx"]),
    "codebook qdc": (["codebook", "export", "{out}/cb.qdc"], ["cb.qdc"]),
    "participants template": (["participants", "template", "--out", "{out}/pt.csv"], ["pt.csv"]),
}


@pytest.mark.parametrize("case", list(EXPORTS))
def test_every_export_is_written_beside_and_renamed_so_an_interrupted_one_leaves_the_old_file(
    sample_run, tmp_path, monkeypatch, case
):
    from click.testing import CliRunner

    import qda.files as files
    from qda.cli import cli

    args, targets = EXPORTS[case]
    out = tmp_path / "out"
    out.mkdir()
    for name in targets:  # an earlier export is already there
        if name == "charts":
            (out / name).mkdir()
            (out / name / "old.png").write_bytes(b"old chart")
        else:
            (out / name).write_bytes(b"old export")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def interrupted(src, dst):
        raise Interrupted(dst)

    monkeypatch.setattr(files.os, "replace", interrupted)
    result = CliRunner().invoke(
        cli, [a.format(out=out) for a in args] + ["--project", str(sample_run.project)]
    )
    assert isinstance(result.exception, Interrupted), (result.output, result.exception)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    # a file qda never wrote is first copied aside (qda/reports/guard.py) for the files people
    # work in; the copy holds the old bytes too
    kept = {p: b for p, b in after.items() if ".edited-" in p.name}
    assert all(b == b"old export" for b in kept.values())
    after = {p: b for p, b in after.items() if p not in kept}
    assert after == before  # the old file as it was, and no temporary file left behind
