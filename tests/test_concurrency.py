"""Two coders at once: processes importing coding files (different coders) and running
the rules coder on one project at the same time lose no update."""

from __future__ import annotations

import csv
import multiprocessing
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from qda.project import Project
from tests.helpers.reliability import import_files, integrity, record_result, run_rules

pytestmark = pytest.mark.reliability

ROOT = Path(__file__).resolve().parents[1]
CODING = ROOT / "data" / "sample-coding" / "researcher_a.csv"
CHUNKS = 4


def _chunks(folder: Path, coder: str) -> list[str]:
    """researcher_a's coding as ``coder``, split by segment into CHUNKS files."""
    with open(CODING, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    segments = list(dict.fromkeys(r["segment_id"] for r in rows))
    files = []
    for i in range(CHUNKS):
        mine = set(segments[i::CHUNKS])
        out = folder / f"{coder}-{i}.csv"
        with open(out, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows({**r, "coder": coder} for r in rows if r["segment_id"] in mine)
        files.append(str(out))
    return files


def _state(path: Path) -> dict[str, list]:
    conn = sqlite3.connect(path)
    try:
        return {
            "codings": sorted(
                conn.execute(
                    'SELECT segment_id, document_id, start, "end", code_id, coder, source, status'
                    " FROM codings"
                ).fetchall(),
                key=repr,
            ),
            "reviews": sorted(
                conn.execute("SELECT segment_id, coder, source_file FROM reviews").fetchall(), key=repr
            ),
            "actions": sorted(
                conn.execute(
                    "SELECT action, entity_id FROM history WHERE action IN ('import', 'code')"
                ).fetchall()
            ),
        }
    finally:
        conn.close()


def test_two_coders_and_the_rules_at_once_lose_no_update(sample_run, tmp_path):
    start_state = tmp_path / "start.qda"
    shutil.copy(sample_run.project, start_state)
    files = {c: _chunks(tmp_path, c) for c in ("alice", "bob")}
    rules_runs = 2

    # What running everything one after another gives.
    serial = tmp_path / "serial.qda"
    shutil.copy(start_state, serial)
    with Project.open(serial) as project:
        for coder, fs in files.items():
            for f in fs:
                project.import_coding(f, coder=coder)
        project.code_rules()

    # The same work in three processes at once.
    shared = tmp_path / "shared.qda"
    shutil.copy(start_state, shared)
    ctx = multiprocessing.get_context("spawn")
    start, log = ctx.Event(), ctx.Queue()
    workers = [
        ctx.Process(target=import_files, args=(str(shared), fs, coder, start, log))
        for coder, fs in files.items()
    ]
    workers.append(ctx.Process(target=run_rules, args=(str(shared), rules_runs, start, log)))
    for w in workers:
        w.start()
    start.set()
    for w in workers:
        w.join(timeout=540)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    events = [log.get(timeout=5) for _ in range(2 * CHUNKS + rules_runs)]

    assert integrity(shared) == "ok"
    got, want = _state(shared), _state(serial)
    assert got["codings"] == want["codings"]  # every coding of both coders, and the rules'
    assert got["reviews"] == want["reviews"]
    already = len(_state(start_state)["actions"])  # qda run coded the sample once
    assert len(got["actions"]) - already == 2 * CHUNKS + rules_runs
    added = {c: sum(n for who, _, n in events if who == c) for c in files}
    assert added["alice"] == added["bob"] == sum(1 for r in want["codings"] if r[5] == "alice")
    record_result(
        "concurrent_runs",
        {
            "processes": len(workers),
            "transactions": 2 * CHUNKS + rules_runs,
            "codings_checked": len(got["codings"]),
        },
    )
    assert os.path.getsize(shared) > 0
