"""The crash harness: run a ``qda`` command in a subprocess and SIGKILL it at chosen times.

For each command, a reference run on a copy of the starting project gives the state
after a complete run (and, by watching the write-ahead log grow, when the command
starts writing). Then, for each kill point, a fresh copy is made, the command started
(``sys.executable -m qda.cli``, this checkout first on ``PYTHONPATH``) and killed with
SIGKILL after the chosen delay. The project must then open, pass ``PRAGMA
integrity_check``, and hold exactly the state before the command or exactly the state
after a complete run (a normalised dump of its tables: times and counting ids aside).
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers.paths import ROOT
from tests.helpers.reliability import dump, integrity

#: The tables a command's outcome is judged on: documents, codebook, coding, history.
TABLES = (
    "documents",
    "document_versions",
    "participants",
    "participant_attributes",
    "speakers",
    "segments",
    "codes",
    "codings",
    "archived_codings",
    "reviews",
    "settings",
    "history",
)


@dataclass
class Command:
    name: str
    args: Sequence[str]  # after `qda`, without --project
    before: Path  # the starting project (never changed)


@dataclass
class Reference:
    duration: float  # seconds, start to exit
    writes_from: float  # seconds until the command first held the write lock
    writes_until: float  # ... and last held it
    after: dict  # normalised dump after a complete run
    before: dict


@dataclass
class Outcome:
    command: str
    delay: float
    in_write_phase: bool
    result: str  # "none" (as before), "all" (as after), or what went wrong
    returncode: int | None = None


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)
    references: dict[str, Reference] = field(default_factory=dict)

    def counts(self) -> dict:
        by: dict[str, dict[str, int]] = {}
        for o in self.outcomes:
            row = by.setdefault(
                o.command, {"kill_points": 0, "none": 0, "all": 0, "in_write_phase": 0, "bad": 0}
            )
            row["kill_points"] += 1
            row["in_write_phase"] += o.in_write_phase
            row[o.result if o.result in ("none", "all") else "bad"] += 1
        total = {
            k: sum(r[k] for r in by.values()) for k in ("kill_points", "none", "all", "in_write_phase", "bad")
        }
        for name, ref in self.references.items():
            by.setdefault(name, {}).update(
                seconds=round(ref.duration, 2),
                write_lock_seconds=[round(ref.writes_from, 2), round(ref.writes_until, 2)],
            )
        return {**total, "per_command": by}

    def line(self) -> str:
        c = self.counts()
        return (
            f"crash harness: {c['kill_points']} SIGKILL points over {len(c['per_command'])} "
            f"commands ({c['in_write_phase']} while writing); {c['none']} left the project "
            f"as before, {c['all']} as after a complete run, {c['bad']} otherwise"
        )


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.setdefault("QDA_BUSY_TIMEOUT", "60")
    return env


def _start(command: Command, project: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "qda.cli", *command.args, "--project", str(project)],
        cwd=project.parent,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def reference(command: Command, workdir: Path) -> Reference:
    """Run the command to the end on a copy, timing it and watching when it writes."""
    folder = workdir / f"{command.name}-reference"
    folder.mkdir(parents=True, exist_ok=True)
    project = folder / "p.qda"
    shutil.copy(command.before, project)
    started = time.monotonic()
    proc = _start(command, project)
    # When does the command hold the write lock? Probe it: BEGIN IMMEDIATE without
    # waiting fails exactly while another connection is inside a write transaction.
    # (Watching the write-ahead log grow is no use: SQLite keeps a transaction's pages in
    # memory and writes most of them at COMMIT.)
    probe = sqlite3.connect(project, timeout=0, isolation_level=None)
    locked: list[float] = []
    while proc.poll() is None:
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
        except sqlite3.OperationalError:
            locked.append(time.monotonic() - started)
        time.sleep(0.01)
    probe.close()
    duration = time.monotonic() - started
    err = proc.stderr.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise AssertionError(f"{command.name}: the reference run failed: {err}")
    after = dump(project, tables=TABLES, normalise=True)
    before = dump(command.before, tables=TABLES, normalise=True)
    if after == before:
        raise AssertionError(f"{command.name}: a complete run changes nothing to check")
    if not locked:  # too quick to catch: take the last tenth of the run
        locked = [0.9 * duration, duration]
    return Reference(duration, locked[0], locked[-1], after, before)


def kill_once(
    command: Command, ref: Reference, delay: float, workdir: Path, n: int, *, in_lock: bool = False
) -> Outcome:
    """Start the command on a fresh copy and SIGKILL it ``delay`` seconds after it starts
    or, with ``in_lock``, ``delay`` seconds after it is seen holding the write lock (so the
    kill lands inside the transaction however slow the machine is today)."""
    folder = workdir / f"{command.name}-{n}"
    folder.mkdir(parents=True, exist_ok=True)
    project = folder / "p.qda"
    shutil.copy(command.before, project)
    proc = _start(command, project)
    started = time.monotonic()
    hit = False
    if in_lock:
        probe = sqlite3.connect(project, timeout=0, isolation_level=None)
        while proc.poll() is None and not hit:
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                time.sleep(0.005)
            except sqlite3.OperationalError:
                hit = True
        probe.close()
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    elapsed = time.monotonic() - started
    killed = proc.returncode == -signal.SIGKILL
    outcome = Outcome(
        command.name,
        delay,
        killed and (hit or ref.writes_from <= elapsed <= ref.writes_until),
        "",
        proc.returncode,
    )
    from qda.errors import QdaError
    from qda.project import Project

    try:
        with Project.open(project) as p:  # opens (recovering the write-ahead log)
            p.summary()
    except QdaError as exc:
        outcome.result = f"does not open: {exc}"
        return outcome
    check = integrity(project)
    if check != "ok":
        outcome.result = f"integrity_check: {check}"
        return outcome
    state = dump(project, tables=TABLES, normalise=True)
    outcome.result = (
        "none"
        if state == ref.before
        else "all"
        if state == ref.after
        else "partly done: " + ", ".join(t for t in TABLES if state[t] not in (ref.before[t], ref.after[t]))
    )
    if outcome.result in ("none", "all"):
        shutil.rmtree(folder, ignore_errors=True)
    return outcome


def run_harness(
    commands: Sequence[Command], workdir: Path, *, points: int, seed: int = 0, workers: int = 4
) -> Summary:
    """``points`` kills in all, shared among the commands: half at a random time over the
    command's whole measured run, half at a random time from the moment the write lock is
    seen taken to a little past the reference run's time holding it."""
    import random

    rng = random.Random(seed)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        refs = dict(zip([c.name for c in commands], pool.map(lambda c: reference(c, workdir), commands)))
        jobs = []
        for i in range(points):
            command = commands[i % len(commands)]
            ref = refs[command.name]
            if (i // len(commands)) % 2 == 0:
                jobs.append((command, ref, rng.uniform(0.05, ref.duration), i, False))
            else:  # after the write lock is seen taken: up to a bit past its length
                span = ref.writes_until - ref.writes_from
                jobs.append((command, ref, rng.uniform(0.0, 1.2 * span + 0.02), i, True))
        lock = threading.Lock()
        summary = Summary()

        def go(job):
            command, ref, delay, n, in_lock = job
            outcome = kill_once(command, ref, delay, workdir, n, in_lock=in_lock)
            with lock:
                summary.outcomes.append(outcome)

        list(pool.map(go, jobs))
    summary.references = refs
    return summary
