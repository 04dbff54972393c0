"""Papers/s of each embedding model at 1 and 2 threads, in one run on the same real titles + abstracts: the
first-pass static model (``search/static.py``) and the shipped int8 MiniLM at 256 tokens (today's default)
and at 128 tokens, with the ratio of each to MiniLM at 256 tokens on 1 thread (the baseline).

Usage: .venv/bin/python bench/embed_models.py [--docs 256] [--static-docs 5000]

Each figure is measured after a warm-up batch (the static model's warm-up also fills its word cache with the
warm-up texts only, so the measured texts still meet new words). The static model's second thread is a second
Python thread over half the texts (its work is a dictionary lookup and a numpy sum per text, so the GIL limits
what a second thread adds); MiniLM's threads are onnxruntime's intra-op threads. The load average is printed:
on a shared machine wall-clock figures move with it, so each run also reports papers per CPU-second of this
process (all its threads), which does not depend on how many other jobs share the cores; ``threads x papers
per CPU-second`` is what the run would do on otherwise idle cores (an upper bound: threads are not perfectly
efficient).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from paperwire.search.embedder import OnnxMiniLM, paper_text
from paperwire.search.static import StaticEmbedder

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "arxiv-daily-2026"
if not CORPUS.exists():
    CORPUS = Path("/work/shared/corpus/arxiv-daily-2026")
SAMPLE = Path(__file__).resolve().parents[1] / "src" / "paperwire" / "sample"


def texts(count: int) -> list[str]:
    folder = CORPUS if CORPUS.exists() else SAMPLE
    found: list[str] = []
    for path in sorted(folder.glob("*.jsonl"), reverse=True):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            found.append(paper_text(row["title"], row.get("summary") or row.get("abstract") or ""))
            if len(found) == count:
                return found
    return found


Speed = tuple[float, float]  # (papers per wall second, papers per CPU-second)


def static_speed(docs: list[str], warm: list[str], threads: int) -> Speed:
    model = StaticEmbedder()
    model.embed(warm)
    start, cpu = time.perf_counter(), time.process_time()
    if threads == 1:
        model.embed(docs)
    else:
        parts = [docs[i::threads] for i in range(threads)]
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(model.embed, parts))
    return len(docs) / (time.perf_counter() - start), len(docs) / (time.process_time() - cpu)


def minilm_speed(docs: list[str], warm: list[str], tokens: int, threads: int) -> Speed:
    model = OnnxMiniLM(max_tokens=tokens, batch_size=8, threads=threads)
    model.embed(warm)
    start, cpu = time.perf_counter(), time.process_time()
    model.embed(docs)
    return len(docs) / (time.perf_counter() - start), len(docs) / (time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=256, help="texts per MiniLM measurement")
    parser.add_argument("--static-docs", type=int, default=5000, help="texts per static measurement")
    args = parser.parse_args()
    pool = texts(args.static_docs + 64)
    warm, static_docs, docs = pool[:64], pool[64:], pool[64 : 64 + args.docs]
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{len(docs)} texts per MiniLM run, {len(static_docs)} per static run; {os.cpu_count()} cores, load {load}\n")
    rows = []
    for threads in (1, 2):
        rows.append(("MiniLM int8, 256 tokens", threads, minilm_speed(docs, warm[:8], 256, threads)))
        rows.append(("MiniLM int8, 128 tokens", threads, minilm_speed(docs, warm[:8], 128, threads)))
        rows.append(("first pass (static, 256-d)", threads, static_speed(static_docs, warm, threads)))
    baseline = rows[0][2][1]
    print("| model | threads | papers/s (wall, shared cores) | papers per CPU-second | x MiniLM-256 per CPU-s |")
    print("|---|---:|---:|---:|---:|")
    for name, threads, (wall, per_cpu) in rows:
        print(f"| {name} | {threads} | {wall:,.1f} | {per_cpu:,.1f} | x{per_cpu / baseline:,.1f} |")
    print(f"\nload at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
