"""Does a paper truly match a reader's topic? The one place the recommender asks.

INTERIM: until the search library's calibrated ``match`` signal lands (branch ``search``), this is our own
signal: the cosine between the topic's embedding and the paper's stored embedding, plus a bonus for the
share of the topic's words that the title and abstract contain (meaning alone confuses "speculative
decoding" with any paper on decoding codes), against a threshold. Weight and threshold are tuned on CISI and
Cranfield (``bench/recommend.py``, dev halves; figures on the held-out halves in docs/benchmarks.md).
``topic_matches`` is the only function the recommender calls.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from paperwire.search import SearchService

# Tuned by bench/recommend.py (claim truth) on CISI and Cranfield; see docs/benchmarks.md.
TOPIC_MATCH_THRESHOLD = 0.5
LEXICAL_WEIGHT = 0.15

Matrix = npt.NDArray[np.float32]
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "about",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "done",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "made",
        "make",
        "making",
        "many",
        "may",
        "more",
        "most",
        "much",
        "not",
        "of",
        "on",
        "one",
        "or",
        "other",
        "our",
        "over",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "up",
        "upon",
        "us",
        "use",
        "used",
        "using",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "whether",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "based",
        "via",
        "towards",
        "toward",
        "new",
        "study",
        "studies",
        "paper",
        "approach",
        "method",
        "methods",
    ]
)


@dataclass(frozen=True, slots=True)
class TopicMatch:
    row: int  # the paper's row in the period pool
    score: float  # how well it matches (higher is better), comparable to the threshold


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s"):
        if len(word) > 4 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


@lru_cache(maxsize=4096)
def topic_terms(text: str) -> frozenset[str]:
    return terms(text)


def terms(text: str) -> frozenset[str]:
    """Content words, lower-cased and crudely singular ("models" and "model" are one word)."""
    return frozenset(_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1)


def coverage(topic: frozenset[str], document: frozenset[str]) -> float:
    return len(topic & document) / len(topic) if topic else 0.0


def match_scores(
    cosines: npt.NDArray[np.float32], topic: str, documents: Sequence[frozenset[str]]
) -> npt.NDArray[np.float32]:
    """The match score of each document: cosine + LEXICAL_WEIGHT × the share of the topic's words it has."""
    wanted = topic_terms(topic)
    bonus = np.array([coverage(wanted, d) for d in documents], dtype=np.float32)
    out: npt.NDArray[np.float32] = (cosines + LEXICAL_WEIGHT * bonus).astype(np.float32)
    return out


def topic_matches(
    search: SearchService,
    topic: str,
    matrix: Matrix,
    has_vector: npt.NDArray[np.bool_],
    documents: Sequence[frozenset[str]],
) -> list[TopicMatch]:
    """Rows of ``matrix`` (unit vectors of a period's papers; ``documents`` their words) that match ``topic``,
    best first."""
    if not len(matrix):
        return []
    query = search.embed_query(topic).astype(np.float32)
    scores = match_scores(matrix @ query, topic, documents)
    scores[~has_vector] = -1.0
    rows = np.flatnonzero(scores >= TOPIC_MATCH_THRESHOLD)
    rows = rows[np.argsort(-scores[rows], kind="stable")]
    return [TopicMatch(int(r), float(scores[r])) for r in rows]
