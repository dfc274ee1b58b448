"""Every suggestion helper against real coding: the SERDIF usability study (Taguette).

Brings the study in as a user would (``Project.import_taguette`` on the authors'
Taguette database: transcripts, tags with definitions, highlights), then scores each
helper per code with 5-fold cross-validation (seeded multi-label stratification, the
same folds for every helper) against the authors' codes.

Unit: **highlights as texts** (each highlight's words are one text, its tags its
codes; 1,793 highlights with text), as in the issue's figures; not qda's segments.

Helpers:
- ``calibrated``: qda's default learned suggester (TF-IDF words+chars, calibrated,
  threshold 0.5), :func:`qda.coding.evaluate.evaluate`;
- ``chosen``: :class:`qda.coding.choose.ChosenSuggester` (features and threshold per
  code by inner 3-fold CV; needs ``pip install -e '.[embeddings]'`` for the embedding
  candidates, else it chooses among what is installed), given each highlight's context
  (``qda.coding.context.segment_contexts``), and the same fitted models with
  ``at_least_one_code`` (``chosen+at-least-one``, valid for highlights only);
  ``--variants`` adds ``chosen-no-context`` and ``chosen-text-only`` (the earlier
  candidates);
- ``codebook``: the cold start, no coding used (:func:`qda.coding.coldstart.cold_start`:
  similarity to the codebook's definitions, z-scored per code over the highlights,
  self-trained), with sentence embeddings when installed, and ``codebook-lexical``
  without them; scored on the union of the folds' test parts (every highlight) and
  as the mean of the per-fold macro kappas. The issue's baseline (best MiniLM
  similarity to each definition, no standardisation) was 0.17.

    python benchmarks/serdif_eval.py [--data ../shared/data/serdif-usability] [--out F.csv]

The data (GPL-3.0) is read from ../shared, never copied into the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qda.coding.choose import TEXT_CANDIDATES, ChosenSuggester, definition_texts  # noqa: E402
from qda.coding.context import segment_contexts  # noqa: E402
from qda.coding.evaluate import _binary, evaluate, score_helper, stratified_folds  # noqa: E402
from qda.coding.learn import embed_texts, embeddings_available  # noqa: E402
from qda.project import Project  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "serdif-usability"


def highlights(project: Project) -> tuple[pd.Series, list[frozenset[str]], pd.DataFrame]:
    """One text per highlight (its exact characters), the set of its codes, and its
    context in the transcript (:func:`qda.coding.context.segment_contexts`)."""
    codings = project.codings()
    docs = {r.document: r.text for r in project.documents(text=True).itertuples()}
    spans: dict[tuple, set[str]] = {}
    for d, s, e, c in zip(codings["document"], codings["start"], codings["end"], codings["code"]):
        spans.setdefault((d, int(s), int(e)), set()).add(c)
    keys = [k for k in spans if docs[k[0]][k[1] : k[2]].strip()]
    texts = pd.Series([docs[d][s:e] for d, s, e in keys], index=[f"{d}:{s}-{e}" for d, s, e in keys])
    where = pd.DataFrame(keys, columns=["document_id", "start", "end"], index=texts.index)
    return texts, [frozenset(spans[k]) for k in keys], segment_contexts(where, docs)


# The chosen helper's variants measured: (name, ChosenSuggester options, uses context).
VARIANTS = {
    "chosen": ({}, True),  # the default, with context
    "chosen-no-context": ({}, False),  # what a caller without it gets
    "chosen-text-only": ({"candidates": TEXT_CANDIDATES}, False),  # the previous default
}


def chosen_oof(texts, labels, codes, folds, definitions, context=None, seed=0, **options):
    """Out-of-fold decisions of the chosen helper, its decisions with
    ``at_least_one_code`` (the same fitted models), choices per fold and fit CPU s."""
    Y = _binary(labels, codes)
    pred = np.zeros(Y.shape, dtype=np.int8)
    forced = np.zeros(Y.shape, dtype=np.int8)
    choices, cpu = [], 0.0
    arr = np.asarray(list(texts), dtype=object)
    for test in folds:
        train = np.setdiff1d(np.arange(len(arr)), test)
        t0 = time.process_time()
        model = ChosenSuggester(definitions=definitions, random_state=seed, **options).fit(
            list(arr[train]),
            [labels[i] for i in train],
            codes=codes,
            context=None if context is None else context.iloc[train],
        )
        cpu += time.process_time() - t0
        ctx = None if context is None else context.iloc[test]
        for out, force in ((pred, False), (forced, True)):
            model.set_params(at_least_one_code=force)
            p = model.predict(list(arr[test]), context=ctx)
            for j, code in enumerate(codes):
                if code in p.columns:
                    out[test, j] = p[code].to_numpy()
        choices.append(model.choice())
    return Y, pred, forced, pd.concat(choices), cpu


def cold_start_decisions(texts, codes, codebook, embeddings: bool, context=None) -> np.ndarray:
    """The cold start's codes for every highlight, as a 0/1 matrix (highlights x codes)."""
    from qda.coding.coldstart import cold_start

    found = cold_start(texts, codebook, embeddings=embeddings, context=context).suggestions
    pred = np.zeros((len(texts), len(codes)), dtype=np.int8)
    row, col = {k: i for i, k in enumerate(texts.index)}, {c: j for j, c in enumerate(codes)}
    for sid, code in zip(found["segment_id"], found["code_id"]):
        pred[row[sid], col[code]] = 1
    return pred


def cold_start_rows(texts, labels, codes, codebook, folds, context=None) -> list[tuple]:
    """The cold start's rows: (helper, per-code table, macro row, CPU s, fold mean kappa)
    for the lexical path and, when installed, the embeddings path; with ``context``, the
    highlights' surroundings, as ``qda suggest`` gives its segments'."""
    Y = _binary(labels, codes)
    out = []
    for name, emb in (("codebook-lexical", False), ("codebook", True)):
        if emb and not embeddings_available():
            continue
        t0 = time.process_time()
        pred = cold_start_decisions(texts, codes, codebook, emb, context)
        cpu = time.process_time() - t0
        per, over = score_helper(Y, pred, codes, name)
        by_fold = [score_helper(Y[t], pred[t], codes, name)[1].loc[(name, "macro"), "kappa"] for t in folds]
        out.append((name, per, over.loc[(name, "macro")], cpu, float(np.mean(by_fold))))
    return out


def llm_rows(texts, labels, codes, codebook, args, context=None) -> list[tuple]:
    """The LLM's codes on a seeded sample of highlights, and the cold start's on the same
    sample: (helper, per-code table, macro row, seconds) each."""
    from qda.coding import llm
    from qda.coding.endpoint import Endpoint

    endpoint = Endpoint.at(
        args.llm, model=args.model, timeout=args.llm_timeout, max_tokens=args.llm_max_tokens
    )
    endpoint.check_allowed(False)
    prompt, ids = llm.build_prompt(codebook), codebook.ids
    schema = llm.answer_schema(ids)
    cache = json.loads(args.llm_cache.read_text()) if args.llm_cache and args.llm_cache.exists() else {}
    n = min(args.llm_sample, len(texts))
    sample = np.random.default_rng(0).permutation(len(texts))[:n]  # a larger n extends a smaller
    Y = _binary(labels, codes)[sample]
    pred = np.zeros(Y.shape, dtype=np.int8)
    col = {c: j for j, c in enumerate(codes)}
    asked = bad = dropped = 0
    t0 = time.perf_counter()
    for row, i in enumerate(sample):
        text = texts.iloc[i]
        key = llm.cache_key(endpoint.model, prompt, text)
        try:  # as the project does: a bad answer gives nothing and is not cached
            if key in cache:
                reading = llm.read_answer(cache[key], text, ids)
            else:
                asked += 1
                answer = endpoint.chat(llm.message(prompt, text), schema)
                reading = llm.read_answer(answer, text, ids)
                cache[key] = answer
                if args.llm_cache and asked % 10 == 0:
                    args.llm_cache.write_text(json.dumps(cache))
        except llm.BadAnswer:
            bad += 1
            continue
        dropped += reading.not_found
        for code in reading.quotes:
            if code in col:
                pred[row, col[code]] = 1
    seconds = time.perf_counter() - t0
    if args.llm_cache:
        args.llm_cache.write_text(json.dumps(cache))
    print(
        f"LLM {endpoint.model} on {n} highlights (seeded sample): {asked} asked, {n - asked} from "
        f"the cache, {bad} answers not usable, {dropped} quotes not in their highlight (dropped); "
        f"{int(pred.any(axis=1).sum())} highlights got a code; {seconds:.0f} s wall."
    )
    out = []
    per, over = score_helper(Y, pred, codes, "llm")
    out.append(("llm", per, over.loc[("llm", "macro")], None))  # nothing fitted
    # The cold start reads every highlight, as in a project; scored on the sample.
    for name, emb in (("codebook-lexical", False), ("codebook", True)):
        if emb and not embeddings_available():
            continue
        guess = cold_start_decisions(texts, codes, codebook, emb, context)
        helper = f"{name} (same sample)"
        per, over = score_helper(Y, guess[sample], codes, helper)
        out.append((helper, per, over.loc[(helper, "macro")], None))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=None, help="the per-code table as CSV")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument(
        "--by-transcript",
        action="store_true",
        help="hold out whole transcripts (folds by document; calibrated skipped)",
    )
    ap.add_argument(
        "--variants",
        nargs="+",
        choices=list(VARIANTS),
        default=["chosen"],
        help="the chosen helper's variants to measure (each fits 5 times)",
    )
    ap.add_argument("--llm", metavar="URL", help="measure only an LLM at this endpoint (on this machine)")
    ap.add_argument("--model", help="the LLM's model name, with --llm")
    ap.add_argument("--llm-sample", type=int, default=300, help="highlights asked (seeded sample)")
    ap.add_argument("--llm-cache", type=Path, default=None, help="JSON file of answers kept between runs")
    ap.add_argument("--llm-timeout", type=float, default=600.0)
    ap.add_argument("--llm-max-tokens", type=int, default=512, help="answer length cap (qda's is 512)")
    args = ap.parse_args(argv)
    if args.llm and not args.model:
        ap.error("--llm needs --model")
    db = args.data / "original" / "SERDIF_P2_ThematicAnalysis.sqlite3"
    if not db.exists():
        print(f"Error: {db}: not found; give --data the serdif-usability folder", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.create(Path(tmp) / "serdif.qda")
        report = project.import_taguette(db)
        print(
            f"Imported {len(report.documents)} documents, {report.codes_added} codes, "
            f"{report.codings} codings; skipped {len(report.skipped)}."
        )
        texts, labels, context = highlights(project)
        codebook = project.codebook
        project.close()
    codes = [c.id for c in codebook]
    folds = stratified_folds(_binary(labels, codes), args.folds, 0)
    if args.by_transcript:  # whole transcripts held out: no neighbour seen in training
        docs = sorted(set(context.index.str.rsplit(":", n=1).str[0]))
        order = np.random.default_rng(0).permutation(len(docs))
        fold_of = {docs[i]: k % args.folds for k, i in enumerate(order)}
        doc = context.index.str.rsplit(":", n=1).str[0]
        folds = [np.flatnonzero(doc.map(fold_of) == k) for k in range(args.folds)]
        print("Folds hold out whole transcripts (--by-transcript).")
    print(
        f"Unit: highlights as texts, {len(texts)} highlights, {len(codes)} codes, "
        f"{args.folds}-fold CV (seed 0)."
    )
    tables, overall = [], []
    t0 = time.process_time()
    if args.llm:
        for name, per, macro, cpu in llm_rows(texts, labels, codes, codebook, args, context):
            tables.append(per)
            overall.append((name, macro, cpu))
    elif not args.by_transcript:
        base = evaluate(texts, labels, folds=args.folds, seed=0, codes=codes)
        tables.append(base.per_code.assign(helper="calibrated"))
        overall.append(("calibrated", base.overall.loc[("model", "macro")], time.process_time() - t0))
    for name, per, macro, cpu, fold_mean in (
        [] if args.llm else cold_start_rows(texts, labels, codes, codebook, folds, context)
    ):
        tables.append(per)
        overall.append((name, macro, cpu))
        print(
            f"{name}: macro kappa {macro['kappa']:.3f} on every highlight, "
            f"{fold_mean:.3f} as the mean of the {len(folds)} folds' test parts."
        )
    if args.llm:
        pass
    elif embeddings_available():
        definitions = definition_texts(codebook, codes)
        t0 = time.process_time()
        embed_texts(list(texts))  # the throughput figure (and the cache for chosen)
        embed_cpu = time.process_time() - t0
        print(
            f"Embedded {len(texts)} highlights in {embed_cpu:.1f} CPU s "
            f"({len(texts) / embed_cpu:.0f} per CPU second)."
        )
        for name in args.variants:
            options, with_context = VARIANTS[name]
            Y, pred, forced, choices, cpu = chosen_oof(
                texts, labels, codes, folds, definitions, context if with_context else None, **options
            )
            for helper, decided in ((name, pred), (f"{name}+at-least-one", forced)):
                per, over = score_helper(Y, decided, codes, helper)
                tables.append(per)
                overall.append((helper, over.loc[(helper, "macro")], cpu))
            print(f"{name}: features chosen (codes x folds):")
            print(choices.groupby("features").size().to_string())
    else:
        print(
            "Sentence embeddings not installed (pip install -e '.[embeddings]'): only the "
            "calibrated helper is measured."
        )
    table = pd.concat(tables, ignore_index=True)[
        ["code_id", "helper", "support", "predicted", "precision", "recall", "f1", "kappa"]
    ]
    wide = table.pivot(index="code_id", columns="helper", values="kappa")
    wide.insert(0, "n", table.groupby("code_id")["support"].first())
    print("\nKappa per code (n = highlights the authors gave it):")
    print(wide.sort_values("n", ascending=False).to_string(float_format=lambda v: f"{v:.2f}"))
    print("\nMacro averages:")
    for helper, row, cpu in overall:
        print(
            f"  {helper:32s} kappa {row['kappa']:.3f}  F1 {row['f1']:.3f}  precision "
            f"{row['precision']:.3f}  recall {row['recall']:.3f}"
            + ("" if cpu is None else f"  (fit {cpu:.0f} CPU s)")
        )
    if args.out:
        table.to_csv(args.out, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
