"""Incremental rules coding, worker processes and a Dask cluster: the same codings as a
plain serial run, always."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time

import pandas as pd
import pytest
from click.testing import CliRunner

import qda
from qda.cli import cli
from qda.errors import InputError
from qda.parallel import Runner
from qda.project import Project

pytestmark = pytest.mark.slow

SAMPLE_TEXTS = [
    "family-01-interview.txt",
    "family-02-interview.txt",
    "staff-01-telephone.txt",
    "staff-05-paired.txt",
    "staff-06-focus-group-kent.txt",
]


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in SAMPLE_TEXTS:
        shutil.copy(qda.sample_dir() / name, folder / name)
    return folder


def _project(path, corpus, **ingest):
    project = Project.create(path)
    project.load_codebook(qda.default_codebook())
    project.ingest([corpus], **ingest)
    return project


def _rules(project) -> list[tuple]:
    """Every rules coding as comparable values (not ids or creation times)."""
    df = project.codings(sources=["rules"])
    return sorted(
        (
            r.segment_id,
            r.code,
            int(r.start),
            int(r.end),
            r.status,
            r.codebook_version,
            json.dumps(r.evidence, sort_keys=True),
        )
        for r in df.itertuples()
    )


def _segments(project) -> pd.DataFrame:
    return project.segments(interviewer=True).reset_index(drop=True)


def _full_rerun_matches(project) -> list[tuple]:
    """The incremental result equals coding everything afresh (which replaces it)."""
    incremental = _rules(project)
    project.code_rules()
    assert _rules(project) == incremental
    return incremental


def _edit_keywords(project, code_id, keywords):
    cb = project.codebook
    codes = tuple(
        dataclasses.replace(c, keywords=tuple(keywords)) if c.id == code_id else c for c in cb.codes
    )
    project.load_codebook(dataclasses.replace(cb, codes=codes))


# --------------------------------------------------------------------------- incremental
def test_incremental_after_a_codebook_change_recodes_only_that_code(tmp_path, corpus):
    project = _project(tmp_path / "p.qda", corpus)
    first = project.code_rules(incremental=True)
    assert not first.incremental and first.segments_recoded == first.segments > 0
    again = project.code_rules(incremental=True)
    assert again.incremental and again.segments_recoded == 0 and again.codes_recoded == []
    assert again.suggestions == first.suggestions and again.replaced == 0

    home = project.codebook.get("home_visits")
    _edit_keywords(project, "home_visits", [*home.keywords[1:], "kettle", "car park"])
    report = project.code_rules(incremental=True)
    assert report.incremental and report.codes_recoded == ["home_visits"]
    assert report.segments_recoded == 0
    rules = _full_rerun_matches(project)
    assert any(code == "home_visits" and "car park" in ev for _, code, *_, ev in rules)
    assert {v for *_, v, _ in rules} == {project.codebook.version}
    project.close()


def test_incremental_after_new_and_changed_documents(tmp_path, corpus):
    project = _project(tmp_path / "p.qda", corpus)
    project.code_rules(incremental=True)
    n_before = len(_segments(project))
    changed = corpus / "family-01-interview.txt"
    changed.write_text(
        "Interviewer: A new first question about home visits?\n\n"
        + changed.read_text(encoding="utf-8").replace("the telly", "a home visit"),
        encoding="utf-8",
    )
    shutil.copy(qda.sample_dir() / "staff-02-telephone.txt", corpus / "staff-02-telephone.txt")
    ingest = project.ingest([corpus])
    assert ingest.added == ["staff-02-telephone"] and len(ingest.versions) == 1
    report = project.code_rules(incremental=True)
    segs = project.segments()
    touched = segs[segs["document"].isin(["family-01-interview", "staff-02-telephone"])]
    assert report.incremental and report.codes_recoded == []
    # every segment of the changed document moved (a turn was put before them)
    assert report.segments_recoded == len(touched) and len(_segments(project)) > n_before
    _full_rerun_matches(project)
    project.close()


def test_incremental_keeps_reviewed_suggestions_and_finds_reopened_ones(tmp_path, corpus):
    project = _project(tmp_path / "p.qda", corpus)
    project.code_rules(incremental=True)
    open_ = project._store.codings()
    open_ = open_[open_["source"] == "rules"]
    rejected, accepted = open_["coding_id"].iloc[0], open_["coding_id"].iloc[1]
    project.review("reject", coder="ann", ids=[int(rejected)])
    project.review("accept", coder="ann", ids=[int(accepted)])
    project.code_rules(incremental=True)
    _full_rerun_matches(project)
    # the accepted suggestion (now ann's coding) is archived: a full run suggests it again
    human = project._store.codings()
    human = human[human["source"] == "human"]
    with project._store.transaction():
        project._store.archive_codings(human["coding_id"].tolist(), reason="test", who="t")
    report = project.code_rules(incremental=True)
    assert report.incremental and report.segments_recoded == 1
    _full_rerun_matches(project)
    project.close()


# --------------------------------------------------------------------------- processes
def test_workers_give_the_serial_segments_and_codings(tmp_path, corpus):
    serial = _project(tmp_path / "serial.qda", corpus)
    serial.code_rules()
    parallel = _project(tmp_path / "parallel.qda", corpus, workers=2)
    parallel.code_rules(workers=2)
    pd.testing.assert_frame_equal(_segments(parallel), _segments(serial))
    assert _rules(parallel) == _rules(serial)
    # an incremental run after a codebook change, in processes, too
    for p in (serial, parallel):
        _edit_keywords(p, "home_visits", ["kitchen", "visit"])
    serial.code_rules(incremental=True)
    assert parallel.code_rules(incremental=True, workers=2).codes_recoded == ["home_visits"]
    assert _rules(parallel) == _rules(serial)
    serial.close()
    parallel.close()


def test_sentence_segments_in_workers(tmp_path, corpus):
    serial = _project(tmp_path / "serial.qda", corpus, unit="sentence")
    parallel = _project(tmp_path / "parallel.qda", corpus, unit="sentence", workers=2)
    pd.testing.assert_frame_equal(_segments(parallel), _segments(serial))
    serial.close()
    parallel.close()


def test_a_bad_file_read_in_a_worker_is_the_same_clear_error(tmp_path, corpus):
    (corpus / "empty.txt").write_bytes(b"")
    project = Project.create(tmp_path / "p.qda")
    with pytest.raises(InputError, match="empty.txt"):
        project.ingest([corpus], workers=2)
    assert project.documents().empty
    project.close()


def test_runner_refuses_bad_settings():
    with pytest.raises(InputError, match="1 or more"):
        Runner(workers=0)
    with pytest.raises(InputError, match="not both"):
        Runner(workers=2, scheduler="tcp://127.0.0.1:1")


def test_cli_run_with_workers_and_a_dead_scheduler(tmp_path, corpus):
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(cli, ["run", str(corpus), "--out", str(out), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "Rules coder:" in result.output
    again = runner.invoke(cli, ["run", str(corpus), "--out", str(out)])
    assert again.exit_code == 0 and "coded again: 0 new or changed segment(s)" in again.output
    bad = runner.invoke(
        cli,
        ["code", "rules", "--project", str(out / "project.qda"), "--scheduler", "tcp://127.0.0.1:9"],
        env={"QDA_DASK_TIMEOUT": "2s"},
    )
    assert bad.exit_code == 1 and "Error: cannot reach the Dask scheduler" in bad.output


def test_run_with_workers_writes_the_serial_exports(tmp_path, corpus):
    """With workers, the charts and quote bank are drawn in a process of their own while
    the workbook is written: every file is the same as a serial run's."""
    from python_calamine import CalamineWorkbook

    serial = qda.run([corpus], out=tmp_path / "serial")
    parallel = qda.run([corpus], out=tmp_path / "parallel", workers=2)
    names = lambda result: [
        p.relative_to(p.parents[1] if p.parent.name == "charts" else p.parent).as_posix()
        for p in result.outputs
    ]
    assert names(parallel) == names(serial)
    assert parallel.quotes.read_bytes() == serial.quotes.read_bytes()
    for a, b in zip(serial.charts, parallel.charts):
        assert a.stat().st_size > 0 and b.stat().st_size > 0
        if a.suffix == ".png":
            assert a.read_bytes() == b.read_bytes(), a.name

    def sheets(path):  # leaving out when each was written (About, created_at)
        book = CalamineWorkbook.from_path(str(path))
        out = {}
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python()
            if name != "About":
                keep = [j for j, h in enumerate(rows[0]) if h != "created_at"]
                out[name] = [[row[j] for j in keep] for row in rows]
        return out

    assert sheets(parallel.workbook) == sheets(serial.workbook)


@pytest.mark.parametrize("workers", [[], ["--workers", "2"]])
def test_run_reports_a_failing_export_clearly(tmp_path, corpus, workers):
    """An export that cannot be written (here a folder where a chart must go) is a clear
    error, also when the charts are drawn in a process of their own."""
    out = tmp_path / "out"
    (out / "charts" / "saturation.png").mkdir(parents=True)
    result = CliRunner().invoke(cli, ["run", str(corpus), "--out", str(out), *workers])
    assert result.exit_code == 1, result.output
    assert "Error:" in result.output and "saturation.png: is a folder" in result.output
    assert not isinstance(result.exception, OSError)


# --------------------------------------------------------------------------- dask
def test_dask_local_cluster_gives_the_serial_codings(tmp_path, corpus):
    distributed = pytest.importorskip("distributed")
    started = time.monotonic()
    serial = _project(tmp_path / "serial.qda", corpus)
    serial.code_rules()
    with distributed.LocalCluster(
        processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        on_dask = _project(tmp_path / "dask.qda", corpus, scheduler=address)
        report = on_dask.code_rules(scheduler=address)
    assert report.suggestions == len(_rules(serial)) > 0
    pd.testing.assert_frame_equal(_segments(on_dask), _segments(serial))
    assert _rules(on_dask) == _rules(serial)
    serial.close()
    on_dask.close()
    # 60 s in CI. On the shared 2-core development machine, with other suites and
    # benchmarks running, two spawned workers importing spaCy took 90-260 s: there the
    # bound only catches a hang
    assert time.monotonic() - started < (60 if os.environ.get("CI") else 600)
