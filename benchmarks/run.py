"""Benchmark the foundation stages against baselines measured in the same run.

    python benchmarks/run.py [--copies N]

The corpus is the bundled sample repeated N times (default 20, ~730k words).
Figures are printed as ratios to a baseline timed in this run, because these
machines are noisy:
- read+segment+store+rules (Project.ingest + code_rules) vs the spaCy blank("en")
  tokenizer alone over the same segment texts (the floor);
- the rules coder vs spaCy's PhraseMatcher with the same keywords over docs
  tokenised and lemmatised by the same pipeline;
- the workbook vs xlsxwriter writing the same Segments cells in constant-memory mode.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import spacy
import xlsxwriter
from spacy.matcher import PhraseMatcher

import qda
from qda import reports
from qda.coding import RulesCoder
from qda.project import Project


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qda-bench-"))
    corpus = work / "corpus"
    corpus.mkdir()
    for i in range(args.copies):
        for src in sorted(qda.sample_dir().glob("*.txt")):
            (corpus / f"{src.stem}-{i:03d}.txt").write_text(
                src.read_text(encoding="utf-8") + f"\n\n[copy {i}]\n", encoding="utf-8")
    words = sum(len(p.read_text(encoding="utf-8").split()) for p in corpus.glob("*.txt"))

    project = Project.create(work / "bench.qda")
    project.load_codebook(qda.default_codebook())
    t_ingest, _ = timed(lambda: project.ingest([corpus]))
    t_rules, _ = timed(project.code_rules)
    segs = project.segments()
    texts = segs["text"].tolist()

    tokenizer = spacy.blank("en").tokenizer
    t_floor, _ = timed(lambda: [tokenizer(t) for t in texts])

    nlp = qda.make_nlp()
    cb = project.codebook
    matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
    for code in cb:
        if code.keywords:
            matcher.add(code.id, list(nlp.pipe(k.lower() for k in code.keywords)))
    with nlp.select_pipes(enable=["qda_lemmatizer"]):
        t_raw_match, _ = timed(lambda: [matcher(d) for d in nlp.pipe(texts, batch_size=256)])
    store_segs = project._store.segments()
    store_segs = store_segs[~store_segs["is_interviewer"]]
    doc_texts = project._store.document_texts()
    t_coder, _ = timed(lambda: RulesCoder(cb, nlp=nlp).code(store_segs, doc_texts))

    t_book, _ = timed(lambda: reports.export_workbook(project, work / "db.xlsx"))
    table = reports.segments_with_codes(project).astype(object)
    table = table.where(table.notna(), None)

    def raw_book():
        book = xlsxwriter.Workbook(str(work / "raw.xlsx"), {"constant_memory": True})
        ws = book.add_worksheet()
        ws.write_row(0, 0, list(table.columns))
        for i, row in enumerate(table.itertuples(index=False), start=1):
            ws.write_row(i, 0, row)
        book.close()
    t_raw_book, _ = timed(raw_book)
    project.close()
    shutil.rmtree(work)

    print(f"qda benchmark: {args.copies} copies of the sample, {words:,} words, "
          f"{len(texts):,} segments")
    print(f"machine: {platform.machine()}, Python {sys.version.split()[0]}, "
          f"spaCy {spacy.__version__}")
    print(f"{'stage':<34}{'seconds':>9}{'words/s':>12}{'ratio':>8}  baseline")
    rows = [
        ("tokenizer alone (floor)", t_floor, t_floor, "itself"),
        ("ingest: read+segment+store", t_ingest, t_floor, "tokenizer floor"),
        ("rules coder (code_rules, stored)", t_rules, t_floor, "tokenizer floor"),
        ("ingest + rules", t_ingest + t_rules, t_floor, "tokenizer floor"),
        ("raw PhraseMatcher (lemmatised)", t_raw_match, t_raw_match, "itself"),
        ("RulesCoder.code", t_coder, t_raw_match, "raw PhraseMatcher"),
        ("raw xlsxwriter, Segments cells", t_raw_book, t_raw_book, "itself"),
        ("workbook (all sheets)", t_book, t_raw_book, "raw xlsxwriter"),
    ]
    for name, t, base, what in rows:
        print(f"{name:<34}{t:>9.2f}{words / t:>12,.0f}{t / base:>8.2f}  {what}")


if __name__ == "__main__":
    main()
