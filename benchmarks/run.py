"""Benchmark every stage of qda against baselines timed in the same run.

    python benchmarks/run.py --size 1M [--workers N] [--keep DIR] [--only STAGES]

A seeded synthetic corpus (benchmarks/corpus.py) of the given size (100k, 1M, 10M
words) is written to a temporary folder. Each stage runs in a child process of its own,
which reports its seconds and its peak resident memory (``ru_maxrss``; imports
included). Every figure is also printed as a ratio to a baseline timed in this run,
because these machines are noisy:

- ``floor``: spaCy ``blank("en")``'s tokenizer alone over the transcripts' texts;
  the whole ``qda run``, reading and segmenting are compared with it;
- ``raw phrasematcher``: ``PhraseMatcher(attr="LEMMA")`` with the codebook's keywords
  over the segments, tokenised and lemmatised beforehand (untimed); the rules coder's
  matching over the same Docs is compared with it. ``tokenize+lemma+match`` (tokenizer,
  lemmas from a per-type table, PhraseMatcher) is the raw floor for the coder on texts;
- ``raw xlsxwriter``: the same cells as qda's workbook (read back from it) written by
  xlsxwriter in constant-memory mode;
- ``pivot_table``: ``pandas.pivot_table`` counting the same (participant, code) pairs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from corpus import parse_size, write_corpus  # noqa: E402

STAGES = [
    "floor",
    "read",
    "segment",
    "ingest",
    "rules",
    "phrasematcher",
    "coder",
    "suggest",
    "matrix",
    "workbook",
    "refi",
    "run",
    "rerun",
    "recode",
    "recode_rules",
    "floor_end",
]


# ----------------------------------------------------------------------------- stages
def _cpu() -> float:
    """CPU seconds of this process and its waited-for children (worker processes), to
    the microsecond (``os.times`` counts in 10 ms ticks: too coarse for small stages)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


class Clock:
    """Wall and CPU seconds since it was made."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), _cpu()

    def stop(self) -> dict:
        return {"wall": time.perf_counter() - self.wall, "cpu": _cpu() - self.cpu}


class Sum:
    def __init__(self):
        self.total = {"wall": 0.0, "cpu": 0.0}

    def add(self, t: dict) -> None:
        for k in self.total:
            self.total[k] += t[k]


def _workers(opts) -> dict:
    return {"workers": opts.workers} if opts.workers else {}


def _texts(corpus: Path) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt"))]


def _project(state: Path):
    from qda.project import Project

    return Project.open(state / "bench.qda")


def stage_floor(state, corpus, opts):
    import spacy

    texts = _texts(corpus)
    tok = spacy.blank("en").tokenizer
    t0 = Clock()
    n = 0
    for text in texts:
        n += len(tok(text))
    return t0.stop(), {"tokens": n}


def stage_floor_end(state, corpus, opts):
    """The floor again at the end: the mean of the two is the ratios' floor, so a busy
    spell at the start does not skew them."""
    return stage_floor(state, corpus, opts)


def stage_read(state, corpus, opts):
    from qda.ingest import read_document

    files = sorted(corpus.glob("*.txt"))
    t0 = Clock()
    docs = [read_document(p) for p in files]
    return t0.stop(), {"turns": sum(len(d.turns) for d in docs)}


def stage_segment(state, corpus, opts):
    from qda.documents import document_unit
    from qda.ingest import read_document
    from qda.segment import segment_document

    docs = [read_document(p) for p in sorted(corpus.glob("*.txt"))]
    t0 = Clock()
    n = sum(len(segment_document(d.text, d.turns, unit=document_unit(d, opts.unit))) for d in docs)
    return t0.stop(), {"segments": n, "unit": opts.unit}


def stage_ingest(state, corpus, opts):
    import qda
    from qda.project import Project

    path = state / "bench.qda"
    if path.exists():
        path.unlink()
    project = Project.create(path)
    project.load_codebook(qda.default_codebook())
    t0 = Clock()
    report = project.ingest([corpus], unit=opts.unit, **_workers(opts))
    t = t0.stop()
    project.close()
    return t, {"segments": report.segments}


def stage_rules(state, corpus, opts):
    with _project(state) as project:
        t0 = Clock()
        report = project.code_rules(**_workers(opts))
        return t0.stop(), {"suggestions": report.suggestions}


def _coding_input(project):
    segs = project._store.segments()
    segs = segs[~segs["is_interviewer"]]
    return segs, project._store.document_texts()


def _batches(items, size=2000):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def stage_phrasematcher(state, corpus, opts):
    """PhraseMatcher alone over pre-lemmatised Docs (batches, so 10M fits in memory);
    and the raw text path: tokenizer + per-type lemma table + PhraseMatcher."""
    import numpy as np
    from spacy.attrs import LEMMA, LOWER
    from spacy.matcher import PhraseMatcher

    import qda

    with _project(state) as project:
        segs, texts = _coding_input(project)
        cb = project.codebook
    nlp = qda.make_nlp()
    matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
    for code in cb:
        for kws in (code.keywords, code.exclude_keywords):
            if kws:
                matcher.add(code.id, list(nlp.pipe(k.lower() for k in kws)))
    bodies = [texts[d][s:e] for d, s, e in zip(segs["document_id"], segs["start"], segs["end"])]
    t_match = Sum()
    hits = 0
    with nlp.select_pipes(enable=["qda_lemmatizer"]):
        for batch in _batches(bodies):
            docs = list(nlp.pipe(batch))
            t0 = Clock()
            for d in docs:
                hits += len(matcher(d))
            t_match.add(t0.stop())
    # raw text path: tokenizer, lemmas per word type via a dict, matcher
    table = nlp.get_pipe("qda_lemmatizer").lookups.get_table("lemma_lookup")
    strings = nlp.vocab.strings
    cache: dict[int, int] = {}
    tok = nlp.tokenizer
    t0 = Clock()
    for body in bodies:
        doc = tok(body)
        lowers = doc.to_array(LOWER)
        lemmas = np.empty_like(lowers)
        for i, h in enumerate(lowers.tolist()):
            lem = cache.get(h)
            if lem is None:
                w = strings[h]
                lem = cache[h] = strings.add(table.get(w, w))
            lemmas[i] = lem
        doc.from_array([LEMMA], lemmas.reshape(-1, 1))
        matcher(doc)
    t_text = t0.stop()
    return t_match.total, {"hits": hits, "text_path_seconds": t_text}


def stage_coder(state, corpus, opts):
    """The rules coder's matching over the same pre-lemmatised Docs, and on texts."""
    import qda
    from qda.coding import RulesCoder

    with _project(state) as project:
        segs, texts = _coding_input(project)
        cb = project.codebook
    nlp = qda.make_nlp()
    coder = RulesCoder(cb, nlp=nlp)
    records = segs[["segment_id", "document_id", "start", "end"]].to_dict("records")
    t_match = Sum()
    rows = 0
    for batch in _batches(records):
        docs = coder.docs([texts[r["document_id"]][r["start"] : r["end"]] for r in batch])
        t0 = Clock()
        rows += len(coder.explain_docs(batch, docs))
        t_match.add(t0.stop())
    t0 = Clock()
    found = coder.code(segs, texts)
    t_text = t0.stop()
    return t_match.total, {"rows": rows, "text_path_seconds": t_text, "codings": len(found)}


def stage_suggest(state, corpus, opts):
    """SuggestModel fit on up to 5,000 segments labelled with the rules' codes (a stand-in
    for a coder), then predict for every segment."""
    from qda.coding.learn import SuggestModel

    with _project(state) as project:
        segs = project.segments()
        codings = project.codings()
    labels = codings.groupby("segment_id")["code"].agg(frozenset)
    texts = segs["text"].tolist()
    sets = [labels.get(s, frozenset()) for s in segs["segment_id"]]
    n = min(5000, len(texts))
    t0 = Clock()
    model = SuggestModel(random_state=0).fit(texts[:n], sets[:n])
    fit = t0.stop()
    model.predict_proba(texts)
    return t0.stop(), {"fit_seconds": fit, "trained_on": n, "predicted": len(texts)}


def stage_matrix(state, corpus, opts):
    import pandas as pd

    from qda.analysis import coded_segments

    with _project(state) as project:
        t0 = Clock()
        m = project.matrix()
        t = t0.stop()
        segs = project._store.segments()
        chosen = project.select_codings()
        cb = project.codebook
    # baseline: pivot_table on the same rolled-up pairs, joined to participants
    pairs = coded_segments(chosen.codings, cb).merge(
        segs.loc[~segs["is_interviewer"], ["segment_id", "participant_id"]], on="segment_id"
    )
    t0 = Clock()
    base = pd.pivot_table(
        pairs, index="participant_id", columns="code_id", values="segment_id", aggfunc="count"
    )
    t_base = t0.stop()
    return t, {"baseline_seconds": t_base, "rows": len(m), "base_rows": len(base)}


def stage_workbook(state, corpus, opts):
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    from qda import reports

    out = state / "db.xlsx"
    from qda.export.excel import write_workbook

    with _project(state) as project:
        t0 = Clock()
        about, sheets = reports.workbook_sheets(project)  # reading and analysing
        t_tables = t0.stop()
        t1 = Clock()
        write_workbook(out, about=about, sheets=sheets)  # writing those cells
        t_write = t1.stop()
        t = {k: t_tables[k] + t_write[k] for k in t_tables}
    book = CalamineWorkbook.from_path(str(out))
    sheets = [(name, book.get_sheet_by_name(name).to_python()) for name in book.sheet_names]
    cells = sum(len(r) for _, rows in sheets for r in rows)
    t0 = Clock()
    raw = xlsxwriter.Workbook(str(state / "raw.xlsx"), {"constant_memory": True})
    for name, rows in sheets:
        ws = raw.add_worksheet(name)
        for i, row in enumerate(rows):
            ws.write_row(i, 0, row)
    raw.close()
    t_base = t0.stop()
    return t, {
        "baseline_seconds": t_base,
        "cells": cells,
        "tables_seconds": t_tables,
        "write_seconds": t_write,
    }


def stage_refi(state, corpus, opts):
    """``Project.export_qdpx``: the whole project as a REFI-QDA file (no baseline: the
    ratio is to the tokenizer floor)."""
    with _project(state) as project:
        t0 = Clock()
        project.export_qdpx(state / "bench.qdpx", suggestions=True)
        return t0.stop(), {"bytes": (state / "bench.qdpx").stat().st_size}


def stage_run(state, corpus, opts):
    import qda

    out = state / "run"
    shutil.rmtree(out, ignore_errors=True)
    t0 = Clock()
    result = qda.run([corpus], codebook=qda.default_codebook(), out=out, unit=opts.unit, **_workers(opts))
    return t0.stop(), {"segments": result.ingest.segments, "suggestions": result.rules.suggestions}


def stage_rerun(state, corpus, opts):
    """``qda run`` again over the same folder: nothing new to read or code."""
    import qda

    t0 = Clock()
    result = qda.run(
        [corpus], codebook=qda.default_codebook(), out=state / "run", unit=opts.unit, **_workers(opts)
    )
    return t0.stop(), {"skipped": len(result.ingest.skipped), "recoded": result.rules.segments_recoded}


def stage_recode(state, corpus, opts):
    """``qda run`` after one code's keywords changed: only that code is re-matched."""
    import qda
    from qda.codebook import load_codebook, save_codebook

    cb = load_codebook(qda.default_codebook())
    code = next(c for c in cb if c.keywords)
    edited = _with_keyword(cb, code.id, "kitchen table talk")
    path = state / "edited.yaml"
    save_codebook(edited, path)
    t0 = Clock()
    result = qda.run([corpus], codebook=path, out=state / "run", unit=opts.unit, **_workers(opts))
    return t0.stop(), {"recoded": result.rules.segments_recoded, "codes_recoded": result.rules.codes_recoded}


def _with_keyword(cb, code_id: str, keyword: str):
    import dataclasses

    codes = tuple(
        dataclasses.replace(c, keywords=(*c.keywords, keyword)) if c.id == code_id else c for c in cb.codes
    )
    return dataclasses.replace(cb, codes=codes)


def stage_recode_rules(state, corpus, opts):
    """``code_rules(incremental=True)`` after one code's keywords changed, against a full
    ``code_rules`` of the same state (the baseline, timed after it)."""
    with _project(state) as project:
        code = next(c for c in project.codebook if c.keywords)
        project.load_codebook(_with_keyword(project.codebook, code.id, "kitchen table talk"))
        t0 = Clock()
        report = project.code_rules(incremental=True, **_workers(opts))
        t = t0.stop()
        t0 = Clock()
        project.code_rules(**_workers(opts))
        return t, {
            "baseline_seconds": t0.stop(),
            "recoded": report.segments_recoded,
            "codes_recoded": report.codes_recoded,
        }


def child(stage: str, state: Path, corpus: Path, opts) -> None:
    seconds, extra = globals()[f"stage_{stage}"](state, corpus, opts)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    print("RESULT " + json.dumps({"seconds": seconds, "rss_mb": rss, **extra}))


# ----------------------------------------------------------------------------- driver
def run_stage(stage: str, state: Path, corpus: Path, args) -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        stage,
        "--state",
        str(state),
        "--corpus",
        str(corpus),
        "--unit",
        args.unit,
    ]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(HERE.parent)}
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
    return {"seconds": None, "error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}


def _least(kept: dict | None, new: dict) -> dict:
    """Two runs of a stage as one: each timing (and the peak memory) at its lowest."""
    if kept is None or kept.get("seconds") is None:
        return new
    if new.get("seconds") is None:
        return kept
    out = dict(kept)
    for key, value in new.items():
        old = kept.get(key)
        if isinstance(value, dict) and isinstance(old, dict) and {"wall", "cpu"} <= value.keys():
            out[key] = {k: min(old[k], value[k]) for k in ("wall", "cpu")}
        elif key == "rss_mb" and isinstance(old, (int, float)):
            out[key] = min(old, value)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1M", help="words: 100k, 1M, 10M or a number")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--unit", default="turn")
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes for ingest, rules and run"
    )
    parser.add_argument("--keep", help="keep the corpus and project in this folder")
    parser.add_argument("--only", help="comma-separated stages (later ones need ingest)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run every stage this many times (in turn) and keep each "
        "figure's lowest: the least disturbed by other work on the machine",
    )
    parser.add_argument(
        "--wall",
        action="store_true",
        help="ratios on wall-clock seconds (default: CPU seconds, steadier on a shared machine)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--state", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, Path(args.state), Path(args.corpus), args)
        return

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="qda-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    words = parse_size(args.size)
    corpus = work / f"corpus-{words}-{args.seed}"
    if not (corpus / "participants.csv").exists():
        info = write_corpus(corpus, words, seed=args.seed)
    else:
        info = {
            "documents": len(list(corpus.glob("*.txt"))),
            "words": sum(len(p.read_text(encoding="utf-8").split()) for p in corpus.glob("*.txt")),
        }
    stages = STAGES if not args.only else [s for s in STAGES if s in args.only.split(",")]
    results: dict[str, dict] = {}
    for _ in range(max(args.repeat, 1)):
        for stage in stages:
            r = run_stage(stage, work, corpus, args)
            results[stage] = _least(results.get(stage), r)
            print(
                f"  {stage:<14} {r.get('seconds')}  {r.get('rss_mb', 0):7.0f} MB  "
                f"{ {k: v for k, v in r.items() if k not in ('seconds', 'rss_mb')} }",
                file=sys.stderr,
                flush=True,
            )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    report(results, info, args)


def report(results: dict, info: dict, args) -> None:
    import spacy

    words = info["words"]
    mode = "wall" if args.wall else "cpu"

    def sec(stage, key="seconds", how=None):
        v = results.get(stage, {}).get(key)
        return v.get(how or mode) if isinstance(v, dict) else None

    floors = [f for f in (sec("floor"), sec("floor_end")) if f is not None]
    floor = sum(floors) / len(floors) if floors else None
    pm = sec("phrasematcher")
    # The least a run that reads the texts once and writes this workbook can cost: the
    # tokenizer plus the raw writer of the same cells (the charts and quotes come free).
    raw_book = sec("workbook", "baseline_seconds")
    least = floor + raw_book if floor and raw_book else None
    text_pm = sec("phrasematcher", "text_path_seconds")
    rows = [
        ("tokenizer alone (floor), first", "floor", "seconds", floor, "floor"),
        ("tokenizer alone (floor), last", "floor_end", "seconds", floor, "floor"),
        ("read files", "read", "seconds", floor, "floor"),
        (f"segment ({args.unit})", "segment", "seconds", floor, "floor"),
        ("ingest: read+segment+store", "ingest", "seconds", floor, "floor"),
        ("rules coding (code_rules, stored)", "rules", "seconds", floor, "floor"),
        ("raw PhraseMatcher over Docs", "phrasematcher", "seconds", pm, "itself"),
        ("RulesCoder matching over Docs", "coder", "seconds", pm, "raw PhraseMatcher"),
        ("raw tokenize+lemma+match", "phrasematcher", "text_path_seconds", text_pm, "itself"),
        ("RulesCoder.code on texts", "coder", "text_path_seconds", text_pm, "raw tokenize+lemma+match"),
        ("suggest: fit 5k + predict all", "suggest", "seconds", floor, "floor"),
        ("pandas.pivot_table", "matrix", "baseline_seconds", sec("matrix", "baseline_seconds"), "itself"),
        ("matrix (Project.matrix)", "matrix", "seconds", sec("matrix", "baseline_seconds"), "pivot_table"),
        (
            "raw xlsxwriter, same cells",
            "workbook",
            "baseline_seconds",
            sec("workbook", "baseline_seconds"),
            "itself",
        ),
        (
            "workbook (export_workbook)",
            "workbook",
            "seconds",
            sec("workbook", "baseline_seconds"),
            "raw xlsxwriter",
        ),
        ("  its tables (workbook_sheets: read, analyse)", "workbook", "tables_seconds", floor, "floor"),
        (
            "  writing them (write_workbook)",
            "workbook",
            "write_seconds",
            sec("workbook", "baseline_seconds"),
            "raw xlsxwriter",
        ),
        ("REFI export", "refi", "seconds", floor, "floor"),
        ("whole qda run", "run", "seconds", floor, "floor"),
        *([("whole qda run", "run", "seconds", least, "floor + raw xlsxwriter")] if least else []),
        ("qda run again, nothing changed", "rerun", "seconds", floor, "floor"),
        ("qda run, one code's keywords edited", "recode", "seconds", floor, "floor"),
        (
            "code_rules after that edit, full",
            "recode_rules",
            "baseline_seconds",
            sec("recode_rules", "baseline_seconds"),
            "itself",
        ),
        (
            "code_rules after that edit, incremental",
            "recode_rules",
            "seconds",
            sec("recode_rules", "baseline_seconds"),
            "full code_rules",
        ),
    ]
    workers = f", --workers {args.workers}" if args.workers else ""
    print(
        f"floor = mean of the tokenizer timed first and last: {floor:.2f} s" if floor else "no floor measured"
    )
    print(
        f"qda benchmark: --size {args.size} (seed {args.seed}{workers}): "
        f"{words:,} words, {info['documents']:,} documents"
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{sys.version.split()[0]}, spaCy {spacy.__version__}; ratios and words/s on "
        f"{'wall-clock' if args.wall else 'CPU'} seconds"
    )
    print()
    print("| stage | CPU s | wall s | words/s | peak RSS MB | ratio | baseline |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, stage, key, base, what in rows:
        t = sec(stage, key)
        if t is None:
            continue
        ratio = f"{t / base:.2f}" if base else "-"
        rss = results[stage].get("rss_mb") if key == "seconds" else None
        print(
            f"| {name} | {sec(stage, key, 'cpu'):.2f} | {sec(stage, key, 'wall'):.2f} | "
            f"{f'{words / t:,.0f}' if t else '-'} | {f'{rss:.0f}' if rss else ''} | "
            f"{ratio} | {what} |"
        )
    for stage, r in results.items():
        if r.get("note") or r.get("error"):
            print(f"\n{stage}: {r.get('note') or r.get('error')}")


if __name__ == "__main__":
    main()
