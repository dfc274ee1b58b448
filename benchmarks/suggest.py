"""Learned suggesters at scale: fit on 5,000 coded segments, suggest for 100,000, peak memory.

Issue 19's targets: fit on 5,000 coded segments in <= 30 CPU seconds, suggestions for
100,000 segments (timed), peak memory <= 1.5 GB. Each stage runs in a child process of
its own, so its peak resident memory (``ru_maxrss``, imports included) is its own.

Texts come from ``corpus.py``'s generator (seeded conversational English with the
default codebook's keywords in about one sentence in ten): the 5,000 training segments
are interview turns (log-normal lengths, mean about 80 words, as in the corpus); their
codes are what qda's rules coder gives them with the default codebook, standing in for
a coder's codings (the stages' cost depends on the number and length of the texts and
on the number of codes, not on who coded them). The 100,000 segments to suggest for
are one sentence each (mean about 14 words: 1.4 million words in all, within the
benchmarks' 1M-2M words a run).

Baselines measured in the same run: spaCy ``blank("en")``'s tokenizer over the training
texts (the floor of every other benchmark here) and qda's TF-IDF words+chars features
fitted on them (what both helpers compute at least once).

Stages: ``floor``, ``tfidf``, ``calibrated`` (:class:`qda.coding.learn.SuggestModel`, the
``--helper calibrated`` of ``qda suggest --from``) and ``chosen``
(:class:`qda.coding.choose.ChosenSuggester`, the default helper: inner 3-fold CV over
its candidates; the embedding candidates only when ``--embeddings`` and the extra is
installed, since they cost far more than the rest, see ``embeddings.py``).

    python benchmarks/suggest.py [--train 5000] [--predict 100000] [--embeddings]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from corpus import _keywords, _sentence, _turn  # noqa: E402

STAGES = ("floor", "tfidf", "calibrated", "chosen")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Clock:
    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), _cpu()

    def stop(self) -> dict:
        return {"wall": time.perf_counter() - self.wall, "cpu": _cpu() - self.cpu}


def training_texts(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    keywords = _keywords()
    return [_turn(rng, keywords, max(3, min(int(rng.lognormvariate(4.0, 0.9)), 900))) for _ in range(n)]


def new_texts(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    keywords = _keywords()
    return [_sentence(rng, keywords) for _ in range(n)]


def rules_labels(texts: list[str]) -> list[frozenset]:
    """The default codebook's rules codes of each text (standing in for a coder)."""
    import pandas as pd

    import qda
    from qda.codebook import load_codebook
    from qda.coding import RulesCoder

    coder = RulesCoder(load_codebook(qda.default_codebook()), nlp=qda.make_nlp())
    segs = pd.DataFrame(
        {
            "segment_id": [f"s{i}" for i in range(len(texts))],
            "document_id": [f"d{i}" for i in range(len(texts))],
            "start": 0,
            "end": [len(t) for t in texts],
        }
    )
    found = coder.code(segs, {f"d{i}": t for i, t in enumerate(texts)})
    sets = found.groupby("segment_id")["code_id"].agg(frozenset)
    return [sets.get(f"s{i}", frozenset()) for i in range(len(texts))]


def stage(name: str, args) -> dict:
    train = training_texts(args.train)
    if name == "floor":
        import spacy

        tok = spacy.blank("en").tokenizer
        t0 = Clock()
        n = sum(len(tok(t)) for t in train)
        return {"seconds": t0.stop(), "tokens": n, "words": sum(len(t.split()) for t in train)}
    if name == "tfidf":
        from qda.coding.learn import make_features

        t0 = Clock()
        X = make_features("words+chars").fit_transform(train)
        return {"seconds": t0.stop(), "features": X.shape[1]}
    labels = rules_labels(train)
    texts = new_texts(args.predict)
    if name == "calibrated":
        from qda.coding.learn import SuggestModel

        model = SuggestModel(random_state=0)
    else:
        from qda.coding.choose import CANDIDATES, ChosenSuggester

        cands = (
            CANDIDATES
            if args.embeddings
            else tuple(c for c in CANDIDATES if "embeddings" not in c and "definitions" not in c)
        )
        model = ChosenSuggester(candidates=cands, random_state=0)
    # As `qda suggest` does: the chosen helper sees each segment's context (the words
    # around it in its document, its position), here documents of consecutive texts.
    with_context = name == "chosen"
    t0 = Clock()
    if with_context:
        model.fit(train, labels, context=_contexts(train, per_document=60))
    else:
        model.fit(train, labels)
    fit = t0.stop()
    t0 = Clock()
    rows = (
        model.suggestions(_series(texts), context=_contexts(texts, per_document=400))
        if with_context
        else model.suggestions(_series(texts))
    )
    pred = t0.stop()
    coded = sum(1 for s in labels if s)
    extra = {"candidates": list(model.candidates_), "choice": _choices(model)} if name == "chosen" else {}
    return {
        "seconds": fit,
        "predict": pred,
        "codes": len(model.codes_),
        "coded_segments": coded,
        "suggestions": len(rows),
        "predicted": len(texts),
        **extra,
    }


def _contexts(texts: list[str], *, per_document: int):
    """Each text's context when ``per_document`` consecutive texts make one document
    (joined by blank lines), by qda's own :func:`qda.coding.context.segment_contexts`."""
    import pandas as pd

    from qda.coding.context import segment_contexts

    docs, rows = {}, []
    for first in range(0, len(texts), per_document):
        doc_id, pos, parts = f"d{first}", 0, []
        for i in range(first, min(first + per_document, len(texts))):
            rows.append((f"n{i}", doc_id, pos, pos + len(texts[i])))
            parts.append(texts[i])
            pos += len(texts[i]) + 2
        docs[doc_id] = "\n\n".join(parts)
    spans = pd.DataFrame(rows, columns=["id", "document_id", "start", "end"]).set_index("id")
    return segment_contexts(spans, docs)


def _series(texts):
    import pandas as pd

    return pd.Series(texts, index=[f"n{i}" for i in range(len(texts))])


def _choices(model) -> dict:
    return model.choice()["features"].value_counts().to_dict()


def run_child(name: str, args) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        name,
        "--train",
        str(args.train),
        "--predict",
        str(args.predict),
    ] + (["--embeddings"] if args.embeddings else [])
    proc = subprocess.run(cmd, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    sys.stderr.write(proc.stderr[-3000:])
    return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train", type=int, default=5000)
    ap.add_argument("--predict", type=int, default=100_000)
    ap.add_argument("--embeddings", action="store_true")
    ap.add_argument("--only", default=",".join(STAGES))
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        out = stage(args.child, args)
        out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print("RESULT " + json.dumps(out))
        return
    results = {}
    for name in args.only.split(","):
        results[name] = run_child(name, args)
        print(name, json.dumps(results[name]), file=sys.stderr, flush=True)
    report(results, args)


def report(results: dict, args) -> None:
    floor = results.get("floor", {}).get("seconds", {}).get("cpu")
    tfidf = results.get("tfidf", {}).get("seconds", {}).get("cpu")
    f = results.get("floor", {})
    print(
        f"{args.train:,} training segments ({f.get('words', 0):,} words), "
        f"{args.predict:,} segments to suggest for.\n"
    )
    print("| stage | CPU s | wall s | ratio to floor | ratio to TF-IDF fit | peak RSS MB | target |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, r in results.items():
        if "error" in r:
            print(f"| {name} | failed: {r['error'][:90]} | | | | | |")
            continue
        cpu = r["seconds"]["cpu"]
        rf = f"{cpu / floor:.1f}" if floor else ""
        rt = f"{cpu / tfidf:.1f}" if tfidf else ""
        label = {
            "floor": "spaCy tokenizer over the training texts (floor)",
            "tfidf": "TF-IDF words+chars fit_transform, training texts",
        }.get(name, f"{name}: fit on {args.train:,} ({r.get('codes')} codes)")
        target = (
            "<= 30 CPU s: " + ("met" if cpu <= 30 else "**missed**")
            if name in ("calibrated", "chosen")
            else ""
        )
        print(
            f"| {label} | {cpu:.2f} | {r['seconds']['wall']:.2f} | {rf} | {rt} | "
            f"{r['rss_mb']:.0f} | {target} |"
        )
        if "predict" in r:
            p = r["predict"]["cpu"]
            mem = "<= 1.5 GB: " + ("met" if r["rss_mb"] <= 1536 else "**missed**")
            print(
                f"| {name}: suggestions for {r['predicted']:,} ({r['suggestions']:,} rows) | "
                f"{p:.2f} | {r['predict']['wall']:.2f} | {p / floor:.1f} | {p / tfidf:.1f} | "
                f"{r['rss_mb']:.0f} | {mem} (peak of fit + suggest) |"
            )
    ch = results.get("chosen", {})
    if "choice" in ch:
        print(f"\nchosen: candidates {', '.join(ch['candidates'])}; chosen per code: {ch['choice']}")


if __name__ == "__main__":
    main()
