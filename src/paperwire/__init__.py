"""paperwire: trending research papers, searchable, and in your inbox once a day."""

import os

# numpy's OpenBLAS hands even a small matrix product (a query's candidates against its vector, a reader's
# liked papers against a day) to a pool of threads that then spin, waiting for more work, on the cores the
# searches and the web server need. paperwire's large products run in faiss and onnxruntime, which have
# threads of their own, so numpy gets one (measured at 100k papers: search p50 11.7 -> 10.0 ms, p99 22.9 ->
# 15.1 ms; docs/benchmarks.md). Set before numpy is first imported; an admin's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
