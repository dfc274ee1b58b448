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

STAGES = ["floor", "read", "segment", "ingest", "rules", "phrasematcher", "coder",
          "suggest", "matrix", "workbook", "refi", "run", "rerun", "recode"]


# ----------------------------------------------------------------------------- stages
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
    t0 = time.perf_counter()
    n = 0
    for text in texts:
        n += len(tok(text))
    return time.perf_counter() - t0, {"tokens": n}


def stage_read(state, corpus, opts):
    from qda.ingest import read_document
    files = sorted(corpus.glob("*.txt"))
    t0 = time.perf_counter()
    docs = [read_document(p) for p in files]
    return time.perf_counter() - t0, {"turns": sum(len(d.turns) for d in docs)}


def stage_segment(state, corpus, opts):
    from qda.documents import document_unit
    from qda.ingest import read_document
    from qda.segment import segment_document
    docs = [read_document(p) for p in sorted(corpus.glob("*.txt"))]
    t0 = time.perf_counter()
    n = sum(len(segment_document(d.text, d.turns, unit=document_unit(d, opts.unit)))
            for d in docs)
    return time.perf_counter() - t0, {"segments": n, "unit": opts.unit}


def stage_ingest(state, corpus, opts):
    import qda
    from qda.project import Project
    path = state / "bench.qda"
    if path.exists():
        path.unlink()
    project = Project.create(path)
    project.load_codebook(qda.default_codebook())
    t0 = time.perf_counter()
    report = project.ingest([corpus], unit=opts.unit, **_workers(opts))
    t = time.perf_counter() - t0
    project.close()
    return t, {"segments": report.segments}


def stage_rules(state, corpus, opts):
    with _project(state) as project:
        t0 = time.perf_counter()
        report = project.code_rules(**_workers(opts))
        return time.perf_counter() - t0, {"suggestions": report.suggestions}


def _coding_input(project):
    segs = project._store.segments()
    segs = segs[~segs["is_interviewer"]]
    return segs, project._store.document_texts()


def _batches(items, size=2000):
    for i in range(0, len(items), size):
        yield items[i:i + size]


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
    t_match = 0.0
    hits = 0
    with nlp.select_pipes(enable=["qda_lemmatizer"]):
        for batch in _batches(bodies):
            docs = list(nlp.pipe(batch))
            t0 = time.perf_counter()
            for d in docs:
                hits += len(matcher(d))
            t_match += time.perf_counter() - t0
    # raw text path: tokenizer, lemmas per word type via a dict, matcher
    table = nlp.get_pipe("qda_lemmatizer").lookups.get_table("lemma_lookup")
    strings = nlp.vocab.strings
    cache: dict[int, int] = {}
    tok = nlp.tokenizer
    t0 = time.perf_counter()
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
    t_text = time.perf_counter() - t0
    return t_match, {"hits": hits, "text_path_seconds": t_text}


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
    t_match = 0.0
    rows = 0
    for batch in _batches(records):
        docs = coder.docs([texts[r["document_id"]][r["start"]:r["end"]] for r in batch])
        t0 = time.perf_counter()
        rows += len(coder.explain_docs(batch, docs))
        t_match += time.perf_counter() - t0
    t0 = time.perf_counter()
    found = coder.code(segs, texts)
    t_text = time.perf_counter() - t0
    return t_match, {"rows": rows, "text_path_seconds": t_text, "codings": len(found)}


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
    t0 = time.perf_counter()
    model = SuggestModel(random_state=0).fit(texts[:n], sets[:n])
    fit = time.perf_counter() - t0
    model.predict_proba(texts)
    return time.perf_counter() - t0, {"fit_seconds": fit, "trained_on": n,
                                      "predicted": len(texts)}


def stage_matrix(state, corpus, opts):
    import pandas as pd
    from qda.analysis import coded_segments
    with _project(state) as project:
        t0 = time.perf_counter()
        m = project.matrix()
        t = time.perf_counter() - t0
        segs = project._store.segments()
        chosen = project.select_codings()
        cb = project.codebook
    # baseline: pivot_table on the same rolled-up pairs, joined to participants
    pairs = coded_segments(chosen.codings, cb).merge(
        segs.loc[~segs["is_interviewer"], ["segment_id", "participant_id"]], on="segment_id")
    t0 = time.perf_counter()
    base = pd.pivot_table(pairs, index="participant_id", columns="code_id",
                          values="segment_id", aggfunc="count")
    t_base = time.perf_counter() - t0
    return t, {"baseline_seconds": t_base, "rows": len(m), "base_rows": len(base)}


def stage_workbook(state, corpus, opts):
    import xlsxwriter
    from python_calamine import CalamineWorkbook
    from qda import reports
    out = state / "db.xlsx"
    with _project(state) as project:
        t0 = time.perf_counter()
        reports.export_workbook(project, out)
        t = time.perf_counter() - t0
    book = CalamineWorkbook.from_path(str(out))
    sheets = [(name, book.get_sheet_by_name(name).to_python()) for name in book.sheet_names]
    cells = sum(len(r) for _, rows in sheets for r in rows)
    t0 = time.perf_counter()
    raw = xlsxwriter.Workbook(str(state / "raw.xlsx"), {"constant_memory": True})
    for name, rows in sheets:
        ws = raw.add_worksheet(name)
        for i, row in enumerate(rows):
            ws.write_row(i, 0, row)
    raw.close()
    t_base = time.perf_counter() - t0
    return t, {"baseline_seconds": t_base, "cells": cells}


def stage_refi(state, corpus, opts):
    try:
        import qda.refi  # noqa: F401
    except ImportError:
        return None, {"note": "qda.refi is not on this branch yet; REFI export skipped"}
    with _project(state) as project:
        export = getattr(project, "export_refi", None) or getattr(qda.refi, "export_project",
                                                                 None)
        if export is None:
            return None, {"note": "qda.refi has no project export to time yet"}
        t0 = time.perf_counter()
        export(state / "bench.qdpx") if export is getattr(project, "export_refi", None) \
            else export(project, state / "bench.qdpx")
        return time.perf_counter() - t0, {}


def stage_run(state, corpus, opts):
    import qda
    out = state / "run"
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    result = qda.run([corpus], codebook=qda.default_codebook(), out=out, unit=opts.unit,
                     **_workers(opts))
    return time.perf_counter() - t0, {"segments": result.ingest.segments,
                                      "suggestions": result.rules.suggestions}


def stage_rerun(state, corpus, opts):
    """``qda run`` again over the same folder: nothing new to read or code."""
    import qda
    t0 = time.perf_counter()
    result = qda.run([corpus], codebook=qda.default_codebook(), out=state / "run",
                     unit=opts.unit, **_workers(opts))
    return time.perf_counter() - t0, {"skipped": len(result.ingest.skipped),
                                      "recoded": result.rules.segments_recoded}


def stage_recode(state, corpus, opts):
    """``qda run`` after one code's keywords changed: only that code is re-matched."""
    import qda
    from qda.codebook import load_codebook, save_codebook
    cb = load_codebook(qda.default_codebook())
    code = next(c for c in cb if c.keywords)
    edited = cb.replace_code(code.id, keywords=(*code.keywords, "kitchen table talk"))
    path = state / "edited.yaml"
    save_codebook(edited, path)
    t0 = time.perf_counter()
    result = qda.run([corpus], codebook=path, out=state / "run", unit=opts.unit,
                     **_workers(opts))
    return time.perf_counter() - t0, {"recoded": result.rules.segments_recoded,
                                      "codes_recoded": result.rules.codes_recoded}


def child(stage: str, state: Path, corpus: Path, opts) -> None:
    seconds, extra = globals()[f"stage_{stage}"](state, corpus, opts)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    print("RESULT " + json.dumps({"seconds": seconds, "rss_mb": rss, **extra}))


# ----------------------------------------------------------------------------- driver
def run_stage(stage: str, state: Path, corpus: Path, args) -> dict:
    cmd = [sys.executable, __file__, "--child", stage, "--state", str(state), "--corpus",
           str(corpus), "--unit", args.unit]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(HERE.parent)})
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
    return {"seconds": None, "error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1M", help="words: 100k, 1M, 10M or a number")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--unit", default="turn")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes for ingest, rules and run")
    parser.add_argument("--keep", help="keep the corpus and project in this folder")
    parser.add_argument("--only", help="comma-separated stages (after ingest)")
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
        info = {"documents": len(list(corpus.glob("*.txt"))),
                "words": sum(len(p.read_text(encoding="utf-8").split())
                             for p in corpus.glob("*.txt"))}
    n_words = info["words"]
    stages = STAGES if not args.only else [s for s in STAGES if s in args.only.split(",")]
    results: dict[str, dict] = {}
    for stage in stages:
        results[stage] = run_stage(stage, work, corpus, args)
        r = results[stage]
        print(f"  {stage:<14} {r.get('seconds') or 0:8.2f} s  {r.get('rss_mb', 0):7.0f} MB  "
              f"{ {k: v for k, v in r.items() if k not in ('seconds', 'rss_mb')} }",
              file=sys.stderr, flush=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    report(results, info, args)


def report(results: dict, info: dict, args) -> None:
    import spacy
    words = info["words"]

    def sec(stage, key="seconds"):
        return results.get(stage, {}).get(key)

    floor, pm = sec("floor"), sec("phrasematcher")
    rows = [
        ("tokenizer alone (floor)", sec("floor"), floor, "floor"),
        ("read files", sec("read"), floor, "floor"),
        (f"segment ({args.unit})", sec("segment"), floor, "floor"),
        ("ingest: read+segment+store", sec("ingest"), floor, "floor"),
        ("rules coding (code_rules, stored)", sec("rules"), floor, "floor"),
        ("raw PhraseMatcher over Docs", pm, pm, "itself"),
        ("RulesCoder matching over Docs", sec("coder"), pm, "raw PhraseMatcher"),
        ("raw tokenize+lemma+match", sec("phrasematcher", "text_path_seconds"),
         sec("phrasematcher", "text_path_seconds"), "itself"),
        ("RulesCoder.code on texts", sec("coder", "text_path_seconds"),
         sec("phrasematcher", "text_path_seconds"), "raw tokenize+lemma+match"),
        ("suggest: fit 5k + predict all", sec("suggest"), floor, "floor"),
        ("pandas.pivot_table", sec("matrix", "baseline_seconds"),
         sec("matrix", "baseline_seconds"), "itself"),
        ("matrix (Project.matrix)", sec("matrix"), sec("matrix", "baseline_seconds"),
         "pivot_table"),
        ("raw xlsxwriter, same cells", sec("workbook", "baseline_seconds"),
         sec("workbook", "baseline_seconds"), "itself"),
        ("workbook (export_workbook)", sec("workbook"), sec("workbook", "baseline_seconds"),
         "raw xlsxwriter"),
        ("REFI export", sec("refi"), floor, "floor"),
        ("whole qda run", sec("run"), floor, "floor"),
        ("qda run again, nothing changed", sec("rerun"), floor, "floor"),
        ("qda run, one code's keywords edited", sec("recode"), floor, "floor"),
    ]
    workers = f", --workers {args.workers}" if args.workers else ""
    print(f"qda benchmark: --size {args.size} (seed {args.seed}{workers}): "
          f"{words:,} words, {info['documents']:,} documents")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{sys.version.split()[0]}, spaCy {spacy.__version__}")
    print()
    print("| stage | seconds | words/s | peak RSS MB | ratio | baseline |")
    print("|---|---:|---:|---:|---:|---|")
    stage_of = {}
    for stage, r in results.items():
        stage_of[id(r)] = stage
    for name, t, base, what in rows:
        if t is None:
            continue
        ratio = f"{t / base:.2f}" if base else "-"
        rss = _rss_for(name, results)
        print(f"| {name} | {t:.2f} | {words / t:,.0f} | {rss} | {ratio} | {what} |")
    for stage, r in results.items():
        if r.get("note") or r.get("error"):
            print(f"\n{stage}: {r.get('note') or r.get('error')}")


_RSS_STAGE = {"tokenizer alone (floor)": "floor", "read files": "read", "segment": "segment",
              "ingest": "ingest", "rules coding": "rules", "raw PhraseMatcher": "phrasematcher",
              "RulesCoder matching": "coder", "suggest": "suggest", "matrix": "matrix",
              "workbook": "workbook", "REFI": "refi", "whole qda run": "run",
              "qda run again": "rerun", "qda run, one code": "recode"}


def _rss_for(name: str, results: dict) -> str:
    for prefix, stage in _RSS_STAGE.items():
        if name.startswith(prefix) and "rss_mb" in results.get(stage, {}):
            return f"{results[stage]['rss_mb']:.0f}"
    return ""


if __name__ == "__main__":
    main()
