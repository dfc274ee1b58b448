"""Survey ingest against the tokenizer floor on the same words.

    python benchmarks/survey.py --rows 10k,100k [--seed 0]

For each size a seeded survey table is written (``respondent, group, location,
answer``: one row per respondent, answers of 5 to 80 words of the benchmark corpus's
conversational English), then timed in this process:

- ``floor``: spaCy ``blank("en")``'s tokenizer alone over the answers (the least any
  ingest that tokenises them must cost), timed before and after ingest; the mean is used;
- ``ingest``: ``Project.ingest([table])`` into a new project: reading the table, building
  the stored text, segmenting (one ``response`` segment per answer), storing documents,
  segments, respondents as participants with their attributes, and their speakers.

CPU seconds (this process) are reported with the ratio ingest ÷ floor. Issue 22's target:
100,000 answers in at most 2x the floor; before the fix each respondent's speaker update
scanned the whole survey's segments (10k rows 44 s, 50k over 400 s).
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from corpus import _FILLER, _OPENERS, _PLACES, parse_size  # noqa: E402


def write_survey(path: Path, rows: int, seed: int = 0) -> list[str]:
    """A survey CSV of ``rows`` respondents; returns the answers."""
    rng = random.Random(seed)
    answers = []
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["respondent", "group", "location", "answer"])
        for i in range(rows):
            n = rng.randint(5, 80)
            words = [rng.choice(_FILLER) for _ in range(n)]
            answer = f"{rng.choice(_OPENERS)}, {' '.join(words)}."
            answers.append(answer)
            out.writerow([f"R{i + 1:07d}", rng.choice(["staff", "family"]), rng.choice(_PLACES), answer])
    return answers


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _floor(answers: list[str]) -> float:
    import spacy

    tok = spacy.blank("en").tokenizer
    t0 = _cpu()
    for text in answers:
        tok(text)
    return _cpu() - t0


def measure(rows: int, seed: int, work: Path) -> dict:
    from qda.project import Project

    table = work / f"survey-{rows}.csv"
    answers = write_survey(table, rows, seed)
    floor_first = _floor(answers)
    project = Project.create(work / f"survey-{rows}.qda")
    t0, w0 = _cpu(), time.perf_counter()
    project.ingest([table], text_columns=["answer"], id_column="respondent")
    ingest, wall = _cpu() - t0, time.perf_counter() - w0
    floor_last = _floor(answers)
    n_segments = len(project.segments())
    project.close()
    floor = (floor_first + floor_last) / 2
    return {
        "rows": rows,
        "words": sum(len(a.split()) for a in answers),
        "segments": n_segments,
        "floor": floor,
        "ingest": ingest,
        "wall": wall,
        "ratio": ingest / floor,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10k,100k", help="comma-separated sizes")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print("| answers | words | segments | floor CPU s | ingest CPU s | wall s | ingest ÷ floor |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="qda-survey-") as tmp:
        for size in args.rows.split(","):
            r = measure(parse_size(size), args.seed, Path(tmp))
            print(
                f"| {r['rows']:,} | {r['words']:,} | {r['segments']:,} | {r['floor']:.2f} |"
                f" {r['ingest']:.2f} | {r['wall']:.2f} | {r['ratio']:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
