"""Benchmark of exploring the data: search, lemma search, words by attribute, a query.

    python benchmarks/explore.py --size 1M            # 100k, 1M, or a number of words
    python benchmarks/explore.py --size 1M --repeat 3 --keep /tmp/explore-bench

Set up (untimed): the seeded corpus of ``corpus.py``, ingested with its participants
sheet into a project with the default codebook, coded by the rules (so a query has
codings to combine). Then each operation is timed in CPU seconds (``getrusage``), its
lowest of ``--repeat`` runs kept, beside a baseline timed in the same run:

| operation | baseline |
|---|---|
| ``Project.search("family")`` | ``re.finditer`` of the same compiled pattern over the texts |
| ``Project.search("work", lemma=True)`` | spaCy ``blank("en")``'s tokenizer alone (the floor) |
| ``Project.words(by="group")`` | the floor |
| ``Project.query("A AND B AND NOT C")`` | ``Project.segments()`` (the table any query reads) |

The spaCy pipeline is made before the timings (a command pays about a second more
for importing spaCy, once per run).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import parse_size, write_corpus  # noqa: E402

TARGETS = {"plain search": 1.0, "lemma search": 3.0, "words by group": 5.0, "query of 3 codes": 1.0}
PLAIN = "family"  # a common word: many hits to place and show
LEMMA = "work"  # work, works, worked, working: many forms, many hits
QUERY = "home_visits AND confidentiality_consent AND NOT organisational_barriers"


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _best(fn, repeat: int) -> tuple[float, float, object]:
    """(lowest CPU seconds, its wall seconds, the result) of ``repeat`` runs."""
    best = None
    for _ in range(repeat):
        c, w = _cpu(), time.perf_counter()
        out = fn()
        took = (_cpu() - c, time.perf_counter() - w)
        if best is None or took[0] < best[0]:
            best = (*took, out)
    return best


def _setup(folder: Path, words: int):
    import qda
    from qda.project import Project

    corpus = folder / "corpus"
    facts = write_corpus(corpus, words)
    project = Project.create(folder / "bench.qda")
    project.load_codebook(qda.default_codebook())
    project.ingest([corpus], participants=corpus / "participants.csv")
    project.code_rules()
    return project, corpus, facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1M")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", default=None, help="a folder to keep the corpus and project")
    opts = parser.parse_args()
    words = parse_size(opts.size)
    folder = Path(opts.keep or tempfile.mkdtemp(prefix="qda-explore-"))
    folder.mkdir(parents=True, exist_ok=True)
    project, corpus, facts = _setup(folder, words)
    import spacy

    from qda.explore.search import term_pattern

    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt"))]
    tok = spacy.blank("en").tokenizer
    _ = project.nlp  # made once, as in a session
    pattern = term_pattern(PLAIN)
    rows = [
        ("floor: tokenizer alone", lambda: sum(len(tok(t)) for t in texts), None),
        ("raw re.finditer", lambda: sum(1 for t in texts for _ in pattern.finditer(t)), None),
        ("plain search", lambda: project.search(PLAIN), "raw re.finditer"),
        ("lemma search", lambda: project.search(LEMMA, lemma=True), "floor: tokenizer alone"),
        ("words by group", lambda: project.words(by="group"), "floor: tokenizer alone"),
        ("segment table", lambda: project.segments(), None),
        ("query of 3 codes", lambda: project.query(QUERY), "segment table"),
    ]
    results = {}
    for name, fn, _ in rows:
        results[name] = _best(fn, opts.repeat)
    segs = len(project.segments())
    print(
        f"{facts['words']:,} words, {facts['documents']} documents, {segs:,} segments "
        f"(interviewer turns left out); lowest of {opts.repeat} run(s)\n"
    )
    print("| operation | CPU s | wall s | result | ratio | baseline | target |")
    print("|---|---:|---:|---|---:|---|---|")
    for name, _, base in rows:
        cpu, wall, out = results[name]
        size = f"{len(out):,} rows" if hasattr(out, "__len__") and not isinstance(out, int) else f"{out:,}"
        ratio = f"{cpu / results[base][0]:.2f}" if base else ""
        target = TARGETS.get(name)
        verdict = f"< {target:g} s: {'met' if cpu < target else 'missed'}" if target else ""
        print(f"| {name} | {cpu:.3f} | {wall:.3f} | {size} | {ratio} | {base or ''} | {verdict} |")
    project.close()


if __name__ == "__main__":
    main()
