"""Distil paperwire's first-pass (static) embedding model from the MiniLM weights it already ships.

Every WordPiece token of the MiniLM vocabulary is run through the transformer alone (``[CLS] token [SEP]``)
and its output vectors are mean-pooled, as for a sentence: that is the token's static vector (the
model2vec recipe, Minishlab 2024). The vectors are reduced by PCA to ``--dim`` dimensions (the components
come from the token vectors themselves), and each token's vector is scaled by its inverse document
frequency in a corpus of real arXiv titles + abstracts (``log((N + 1) / (df + 1))``), so that a paper's
vector, the normalised sum of its tokens' vectors, is an idf-weighted mean. Measured on CISI and Cranfield
(docs/benchmarks.md): PCA to 256 dimensions and idf weighting each help; 128 dimensions lose ~0.04 nDCG@10.
The table is saved as float16 ``.npy`` inside the package (``src/paperwire/search/model/static_minilm.npy``);
nothing is downloaded at run time. Run once at build time.

Usage: .venv/bin/python scripts/build_static_model.py [--dim 256] [--corpus DIR] [--out PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np

from paperwire.search.embedder import TOKENIZER_PATH, mean_pool, minilm_model_path, paper_text
from paperwire.search.static import content_token_ids

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "arxiv-daily-2026"
OUT = Path(__file__).resolve().parents[1] / "src" / "paperwire" / "search" / "model" / "static_minilm.npy"
BATCH = 1024


def token_vectors(threads: int) -> np.ndarray:
    import onnxruntime

    vocab = json.loads(TOKENIZER_PATH.read_text())["model"]["vocab"]
    size = max(vocab.values()) + 1
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    session = onnxruntime.InferenceSession(str(minilm_model_path()), options, providers=["CPUExecutionProvider"])
    cls_id, sep_id = vocab["[CLS]"], vocab["[SEP]"]
    out = np.zeros((size, 384), dtype=np.float32)
    for start in range(0, size, BATCH):
        tokens = np.arange(start, min(size, start + BATCH), dtype=np.int64)
        ids = np.stack([np.full_like(tokens, cls_id), tokens, np.full_like(tokens, sep_id)], axis=1)
        mask = np.ones_like(ids)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        (hidden,) = session.run(["last_hidden_state"], feeds)
        out[tokens] = mean_pool(np.asarray(hidden, dtype=np.float32), mask)
    return out


def pca(vectors: np.ndarray, dim: int) -> np.ndarray:
    """Project onto the top ``dim`` principal components of the token vectors (centred)."""
    centred = vectors - vectors.mean(axis=0, keepdims=True)
    _u, _s, vt = np.linalg.svd(centred, full_matrices=False)
    reduced: np.ndarray = centred @ vt[:dim].T
    return reduced


def idf_weights(corpus: Path, size: int) -> tuple[np.ndarray, int]:
    """``log((N + 1) / (df + 1))`` of every token over the papers of the corpus's ``*.jsonl`` day files."""
    texts = []
    for path in sorted(corpus.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            texts.append(paper_text(record["title"], record["summary"]))
    df = np.zeros(size, dtype=np.float64)
    for ids in content_token_ids(texts):
        df[np.unique(ids)] += 1
    return np.log((len(texts) + 1) / (df + 1)), len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dim", type=int, default=256, help="PCA dimensions (384 keeps them all).")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="arXiv day files (*.jsonl) for the idf.")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--token-cache", type=Path, default=None, help="Keep the raw 384-d token vectors here.")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.token_cache is not None and args.token_cache.exists():
        vectors = np.load(args.token_cache).astype(np.float32)
    else:
        vectors = token_vectors(args.threads)
        if args.token_cache is not None:
            np.save(args.token_cache, vectors.astype("<f2"))
    if args.dim < vectors.shape[1]:
        vectors = pca(vectors, args.dim)
    idf, papers = idf_weights(args.corpus, len(vectors))
    if papers == 0:
        raise SystemExit(f"no papers in {args.corpus}: the idf needs a corpus")
    vectors = vectors * idf[:, None]
    np.save(args.out, vectors.astype("<f2"))
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"{args.out}: {vectors.shape[0]} tokens x {vectors.shape[1]} dims, sha256 {digest}")
    print(f"idf over {papers:,} papers of {args.corpus}")
    print(f"took {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main()
