"""Which features pay for the learned suggester: an offline comparison.

    python benchmarks/features.py [--folds 5] [--seed 0] [--sets words,words+chars,...]

Data: ``data/sample-coding/researcher_a.csv``, segments of the bundled
sample coded by hand against ``codebooks/family_involvement.yaml`` (one coder,
``researcher_a``). Each feature set is scored by ``qda.coding.evaluate`` (the same
multi-label stratified K-fold split for every set, same seed) at two levels: the
codes as applied (mostly sub-codes) and themes (each code rolled up to its
ancestors). The rules coder's figures on the same segments are printed alongside.
Figures are macro F1, macro Cohen's kappa and fit CPU seconds (features + fitting,
summed over folds), each also as a ratio to the TF-IDF word baseline of the same
run, because these machines are noisy. Threshold 0.5 on calibrated probabilities
and, for comparison, 0.3.

``embeddings`` needs the optional extra (``pip install qda[embeddings]``); a set
that cannot run is reported and skipped.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qda.codebook import load_codebook  # noqa: E402
from qda.coding.evaluate import evaluate  # noqa: E402
from qda.coding.learn import with_ancestors  # noqa: E402
from qda.coding.rules import RulesCoder  # noqa: E402
from qda.errors import QdaError  # noqa: E402

FIXTURE = ROOT / "data" / "sample-coding" / "researcher_a.csv"
CODEBOOK = ROOT / "codebooks" / "family_involvement.yaml"
DEFAULT_SETS = [
    "words",
    "words+chars",
    "words+lemmas",
    "embeddings",
    "words+embeddings",
    "words+rules",
    "words+chars+rules",
]


def load_fixture(path: Path = FIXTURE) -> tuple[pd.Series, list[frozenset[str]]]:
    """Texts (indexed by segment id) and the coder's label sets, one per reviewed segment."""
    df = pd.read_csv(path, keep_default_na=False, dtype={"code": str})
    grouped = df.groupby("segment_id", sort=False)
    texts = grouped["text"].first()
    labels = [frozenset(c for c in codes if c) for codes in grouped["code"].apply(list)]
    return texts, labels


def rules_hits(texts: pd.Series, codebook) -> list[frozenset[str]]:
    """The rules coder's codes for each text (each text coded as its own document)."""
    segs = pd.DataFrame(
        {"segment_id": texts.index, "document_id": texts.index, "start": 0, "end": texts.str.len().to_numpy()}
    )
    rows = RulesCoder(codebook).code(segs, dict(zip(texts.index, texts)))
    by_seg = rows.groupby("segment_id")["code_id"].apply(frozenset)
    return [by_seg.get(s, frozenset()) for s in texts.index]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sets", default=",".join(DEFAULT_SETS))
    ap.add_argument(
        "--per-code",
        metavar="FEATURES",
        help="print the per-code model-vs-rules table for one feature set and stop",
    )
    ap.add_argument("--threshold", type=float, default=0.5)
    args = ap.parse_args(argv)

    codebook = load_codebook(CODEBOOK)
    texts, labels = load_fixture()
    hits = rules_hits(texts, codebook)
    levels = {
        "codes": (labels, hits),
        "themes": (with_ancestors(labels, codebook), with_ancestors(hits, codebook)),
    }
    print(
        f"# {len(texts)} segments, {sum(map(len, labels))} codings; "
        f"python {platform.python_version()}, {platform.machine()}; "
        f"{args.folds}-fold, seed {args.seed}"
    )
    if args.per_code:
        for level, (y, h) in levels.items():
            report = evaluate(
                texts,
                y,
                folds=args.folds,
                seed=args.seed,
                rules_hits=h,
                features=args.per_code,
                threshold=args.threshold,
            )
            wide = report.table().pivot_table(
                index="code_id", columns="helper", values=["support", "f1", "kappa"], sort=False
            )
            wide.columns = [f"{helper}_{metric}" for metric, helper in wide.columns]
            wide = wide[["model_support", "model_f1", "rules_f1", "model_kappa", "rules_kappa"]]
            print(f"\n## {level}: {report.summary()}")
            print(wide.rename(columns={"model_support": "support"}).round(2).to_string())
            if report.skipped:
                print("skipped:", "; ".join(f"{c}: {r}" for c, r in report.skipped.items()))
        return 0
    rows = []
    for level, (y, h) in levels.items():
        for spec in args.sets.split(","):
            features = spec.replace("+rules", "")
            with_rules = spec.endswith("+rules")
            t0 = time.perf_counter()
            try:
                first = evaluate(
                    texts,
                    y,
                    folds=args.folds,
                    seed=args.seed,
                    rules_hits=h,
                    features=features,
                    rules_as_features=with_rules,
                )
            except QdaError as exc:
                print(f"{level:6} {spec:20} skipped: {exc}")
                continue
            wall = time.perf_counter() - t0
            for threshold in (0.5, 0.3):
                report = first.at_threshold(threshold)
                o = report.overall
                rows.append(
                    {
                        "level": level,
                        "features": spec,
                        "threshold": threshold,
                        "codes": report.per_code["code_id"].nunique(),
                        "macro_f1": o.loc[("model", "macro"), "f1"],
                        "macro_kappa": o.loc[("model", "macro"), "kappa"],
                        "micro_f1": o.loc[("model", "micro"), "f1"],
                        "fit_cpu_s": report.fit_seconds,
                        "wall_s": wall,
                        "rules_macro_f1": o.loc[("rules", "macro"), "f1"],
                        "rules_macro_kappa": o.loc[("rules", "macro"), "kappa"],
                    }
                )
                print(
                    f"{level:6} {spec:20} t={threshold}: macro F1 {rows[-1]['macro_f1']:.3f} "
                    f"kappa {rows[-1]['macro_kappa']:.3f} fit {report.fit_seconds:.1f}s",
                    flush=True,
                )
    table = pd.DataFrame(rows)
    base = table[table["features"] == "words"].set_index(["level", "threshold"])
    for col in ("macro_f1", "macro_kappa", "fit_cpu_s"):
        table[f"{col}_ratio"] = [
            r[col] / base.loc[(r["level"], r["threshold"]), col] for _, r in table.iterrows()
        ]
    pd.set_option("display.width", 200)
    print()
    print(
        table.round(3).to_markdown(index=False) if _has_tabulate() else table.round(3).to_string(index=False)
    )
    return 0


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())
