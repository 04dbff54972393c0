"""Does a paper truly match a reader's topic? The one place the recommender asks.

INTERIM: until the search library's calibrated ``match`` signal lands (branch ``search``), this is our own
signal: the cosine between the topic's embedding and the paper's stored embedding, against a threshold tuned
on CISI and Cranfield (``bench/recommend.py``). ``topic_matches`` is the only function to switch over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from paperwire.search import SearchService

# Tuned by bench/recommend.py (claim truth) on CISI and Cranfield; see docs/benchmarks.md.
TOPIC_MATCH_THRESHOLD = 0.45

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class TopicMatch:
    row: int  # the paper's row in the period pool
    score: float  # how well it matches (higher is better), comparable to the threshold


def topic_matches(
    search: SearchService, topic: str, matrix: Matrix, has_vector: npt.NDArray[np.bool_]
) -> list[TopicMatch]:
    """Rows of ``matrix`` (unit vectors of a period's papers) that match ``topic``, best first."""
    if not len(matrix):
        return []
    query = search.embed_query(topic).astype(np.float32)
    scores = matrix @ query
    scores[~has_vector] = -1.0
    rows = np.flatnonzero(scores >= TOPIC_MATCH_THRESHOLD)
    rows = rows[np.argsort(-scores[rows], kind="stable")]
    return [TopicMatch(int(r), float(scores[r])) for r in rows]
