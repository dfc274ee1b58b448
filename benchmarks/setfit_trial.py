"""Contrastive fine-tuning of MiniLM on the coder's examples (SetFit-style), measured on SERDIF.

SetFit (Tunstall et al. 2022) fine-tunes a sentence model on pairs of labelled texts
(same code: similar; not: dissimilar) and then fits a logistic-regression head on the
tuned embeddings. Here, per fold of the same 5-fold split as ``serdif_eval.py``:

1. pairs from the training highlights only: for each code and each of its training
   highlights, ``--pairs`` positive pairs (another highlight with the code) and as many
   negative ones (a highlight without it);
2. one epoch of cosine-similarity loss (labels 1 and 0) on all-MiniLM-L6-v2, the model
   the ``embeddings`` extra ships, batch 16, AdamW lr 2e-5 (SetFit's defaults);
3. a class-balanced logistic-regression head per code on the tuned embeddings,
   threshold 0.5; the same head on the untuned embeddings is the baseline.

Needs torch and sentence-transformers (``pip install torch==2.13.0 sentence-transformers``
beside ``.[embeddings]``); nothing is downloaded. The data (GPL-3.0) is read from
../shared. CPU seconds of the fine-tuning are printed per fold.

    python benchmarks/setfit_trial.py [--pairs 2] [--folds 5]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from serdif_eval import DEFAULT_DATA, highlights  # noqa: E402

from qda.coding.embed import model_dir  # noqa: E402
from qda.coding.evaluate import _binary, score_helper, stratified_folds  # noqa: E402
from qda.project import Project  # noqa: E402


def pairs_for(train: list[int], Y: np.ndarray, per: int, rng: random.Random) -> list[tuple[int, int, float]]:
    """SetFit's pair sampling, per code (multi-label): positives share the code."""
    out = []
    for j in range(Y.shape[1]):
        pos = [i for i in train if Y[i, j]]
        neg = [i for i in train if not Y[i, j]]
        if len(pos) < 2 or not neg:
            continue
        for i in pos:
            for _ in range(per):
                out.append((i, rng.choice([p for p in pos if p != i] or pos), 1.0))
                out.append((i, rng.choice(neg), 0.0))
    rng.shuffle(out)
    return out


def fine_tune(texts: list[str], pairs, seed: int, batch: int = 16, max_seq_length: int = 128):
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(seed)
    model = SentenceTransformer(str(model_dir()), device="cpu")
    model.max_seq_length = max_seq_length
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-5)
    loss_fn = torch.nn.MSELoss()

    def embed(batch_texts):
        features = model.tokenize(batch_texts)
        return model(features)["sentence_embedding"]

    started = time.process_time()
    for k in range(0, len(pairs), batch):
        if k and k % (batch * 20) == 0:
            print(f"  {k} of {len(pairs)} pairs, {time.process_time() - started:.0f} CPU s", flush=True)
        chunk = pairs[k : k + batch]
        u = embed([texts[a] for a, _, _ in chunk])
        v = embed([texts[b] for _, b, _ in chunk])
        target = torch.tensor([y for _, _, y in chunk], dtype=torch.float32)
        loss = loss_fn(torch.cosine_similarity(u, v), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    return model


def head_predict(X_train, Y_train, X_test) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    pred = np.zeros((X_test.shape[0], Y_train.shape[1]), dtype=np.int8)
    for j in range(Y_train.shape[1]):
        if Y_train[:, j].sum() == 0:
            continue
        clf = LogisticRegression(class_weight="balanced", max_iter=2000).fit(X_train, Y_train[:, j])
        pred[:, j] = clf.predict(X_test)
    return pred


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--pairs", type=int, default=2, help="positive (and negative) pairs per example and code")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = ap.parse_args(argv)
    db = args.data / "original" / "SERDIF_P2_ThematicAnalysis.sqlite3"
    if not db.exists():
        print(f"Error: {db}: not found; give --data the serdif-usability folder", file=sys.stderr)
        return 1
    import torch
    from sentence_transformers import SentenceTransformer

    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.create(Path(tmp) / "serdif.qda")
        project.import_taguette(db)
        texts, labels, _ = highlights(project)
        codes = [c.id for c in project.codebook]
        project.close()
    Y = _binary(labels, codes)
    folds = stratified_folds(Y, args.folds, 0)
    arr = list(texts)
    base_model = SentenceTransformer(str(model_dir()), device="cpu")
    with torch.no_grad():
        base = base_model.encode(arr, batch_size=64, normalize_embeddings=True)
    pred_base = np.zeros(Y.shape, dtype=np.int8)
    pred_tuned = np.zeros(Y.shape, dtype=np.int8)
    tune_cpu = 0.0
    for k, test in enumerate(folds):
        train = [int(i) for i in np.setdiff1d(np.arange(len(arr)), test)]
        pred_base[test] = head_predict(base[train], Y[train], base[test])
        pairs = pairs_for(train, Y, args.pairs, random.Random(k))
        t0 = time.process_time()
        model = fine_tune(arr, pairs, seed=k)
        cpu = time.process_time() - t0
        tune_cpu += cpu
        with torch.no_grad():
            tuned = model.encode(arr, batch_size=64, normalize_embeddings=True)
        pred_tuned[test] = head_predict(tuned[train], Y[train], tuned[test])
        fold = score_helper(Y[test], pred_tuned[test], codes, "setfit")[1].loc[("setfit", "macro"), "kappa"]
        print(f"fold {k + 1}: {len(pairs)} pairs, tuning {cpu:.0f} CPU s, macro kappa {fold:.3f}", flush=True)
    for name, pred in (("MiniLM + LR head", pred_base), ("SetFit-style tuned + LR head", pred_tuned)):
        row = score_helper(Y, pred, codes, name)[1].loc[(name, "macro")]
        print(
            f"{name:30s} macro kappa {row['kappa']:.3f}  F1 {row['f1']:.3f}  "
            f"precision {row['precision']:.3f}  recall {row['recall']:.3f}"
        )
    print(f"Fine-tuning: {tune_cpu:.0f} CPU s over {args.folds} folds.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
