"""The match signal: the chance that a hit is relevant, from the evidence search already has about it.

A small logistic regression over per-hit evidence (how much of the query's word weight the paper's BM25 score
covers, its cosine similarity to the query, both as absolute values and relative to the query's best, its ranks,
the query's length). It is fitted by ``bench/quality.py --fit`` on the dev half of the CISI and Cranfield
judgements and reported on the held-out half (``bench/quality.py``); the fitted weights ship in
``match_model.json``.

``MATCH_THRESHOLD`` is the probability at or above which a hit counts as "a match" (what the pages count and the
digest calls "matches your topic"). A false match costs more than a missed one, so it is the cut with the best
F0.5 on dev (precision weighted twice), one cut for both models (0.25; docs/benchmarks.md has the curve).
Pure: no index is touched here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from paperwire.search.fusion import Fused

MODEL_PATH = Path(__file__).with_name("match_model.json")

FEATURES = (
    "lexical_cover",  # BM25 score / the query's idf mass: how much of the query's word weight the paper holds
    "lexical_relative",  # BM25 score / the best BM25 score of this query
    "cosine",  # cosine similarity of query and paper embeddings (absolute)
    "cosine_gap",  # cosine minus the query's best cosine (<= 0)
    "in_both",  # found by both the keyword and the semantic list
    "lexical_rank",  # 1 / log2(1 + rank), 0 when absent
    "semantic_rank",
    "query_words",  # log(1 + words in the query)
)


@dataclass(frozen=True, slots=True)
class QueryEvidence:
    """What is known about the query itself, shared by all its hits."""

    words: int  # words in the query
    idf_mass: float  # sum of the idf of its distinct terms (unknown terms included: they weigh most)
    lexical_top: float  # best BM25 score of the query (0 when nothing matched the words)
    semantic_top: float  # best cosine similarity of the query to any allowed paper


@dataclass(frozen=True, slots=True)
class HitEvidence:
    lexical_score: float | None  # BM25, None when the keyword list did not find the paper
    cosine: float
    lexical_rank: int | None
    semantic_rank: int | None


def features(query: QueryEvidence, hit: HitEvidence) -> list[float]:
    """The model's inputs, in the order of ``FEATURES``."""
    bm25 = hit.lexical_score or 0.0
    return [
        bm25 / query.idf_mass if query.idf_mass > 0 else 0.0,
        bm25 / query.lexical_top if query.lexical_top > 0 else 0.0,
        hit.cosine,
        hit.cosine - query.semantic_top,
        1.0 if hit.lexical_rank is not None and hit.semantic_rank is not None else 0.0,
        _rank_feature(hit.lexical_rank),
        _rank_feature(hit.semantic_rank),
        math.log1p(query.words),
    ]


def _rank_feature(rank: int | None) -> float:
    return 1.0 / math.log2(1 + rank) if rank else 0.0


# ``_rank_feature`` of ranks 0..1023, computed by it (so to the bit): a query's candidates come from lists of
# ``search_depth`` (100) papers; a deeper page falls back to the function.
_RANK_TABLE = np.array([_rank_feature(rank) for rank in range(1024)], dtype=np.float64)


def _rank_column(ranks: Sequence[int | None]) -> npt.NDArray[np.float64]:
    picks = np.array([rank or 0 for rank in ranks], dtype=np.int64)
    if len(picks) and int(picks.max()) >= len(_RANK_TABLE):
        return np.array([_rank_feature(rank) for rank in ranks], dtype=np.float64)
    column: npt.NDArray[np.float64] = _RANK_TABLE[picks]
    return column


@dataclass(frozen=True, slots=True)
class MatchModel:
    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]  # features are standardised with the dev set's mean and spread before weighting
    scale: tuple[float, ...]
    threshold: float

    def probability(self, values: Sequence[float]) -> float:
        z = self.bias + sum(
            w * (x - m) / s for w, x, m, s in zip(self.weights, values, self.mean, self.scale, strict=True)
        )
        return _sigmoid(z)

    def probabilities(self, values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """``probability`` of each row of a (hits x features) matrix."""
        z = self.bias + ((values - np.array(self.mean)) / np.array(self.scale)) @ np.array(self.weights)
        out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))
        return out

    def as_dict(self) -> dict[str, object]:
        return {
            "features": list(FEATURES),
            "weights": list(self.weights),
            "bias": self.bias,
            "mean": list(self.mean),
            "scale": list(self.scale),
            "threshold": self.threshold,
        }


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def load_model(path: Path = MODEL_PATH, space: str = "transformer") -> MatchModel:
    """The model for hits whose meaning evidence comes from ``space``: ``transformer`` (MiniLM) or
    ``first_pass`` (the static model, for papers the transformer has not embedded yet)."""
    data = json.loads(path.read_text())[space]
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{path} was fitted on other features: refit it with bench/quality.py --fit")
    return MatchModel(
        weights=tuple(float(w) for w in data["weights"]),
        bias=float(data["bias"]),
        mean=tuple(float(v) for v in data["mean"]),
        scale=tuple(float(v) for v in data["scale"]),
        threshold=float(data["threshold"]),
    )


MODEL = load_model()
FIRST_PASS_MODEL = load_model(space="first_pass")
# One threshold for both spaces: each model gives a calibrated chance, and "a match" is a chance this high.
MATCH_THRESHOLD: float = MODEL.threshold


def match_probability(query: QueryEvidence, hit: HitEvidence, model: MatchModel = MODEL) -> float:
    """The chance (0..1) that this hit is relevant to the query."""
    return model.probability(features(query, hit))


def is_match(probability: float, threshold: float = MATCH_THRESHOLD) -> bool:
    return probability >= threshold


def feature_matrix(
    query: QueryEvidence,
    lexical_scores: Sequence[float | None],
    cosines: Sequence[float],
    lexical_ranks: Sequence[int | None],
    semantic_ranks: Sequence[int | None],
) -> npt.NDArray[np.float64]:
    """``features`` of many hits at once, one row per hit (the i-th hit is ``lexical_scores[i]``, ``cosines[i]``,
    ...). Column by column in numpy where that gives the same numbers: IEEE division and subtraction are the
    same in numpy as in Python; the rank columns are ``_rank_feature``'s own values (numpy's ``log2`` is not
    promised to round as ``math.log2`` does), so every value is ``features``' to the bit."""
    out = np.empty((len(cosines), len(FEATURES)), dtype=np.float64)
    bm25 = np.array([score or 0.0 for score in lexical_scores], dtype=np.float64)
    cosine = np.array(cosines, dtype=np.float64)
    out[:, 0] = bm25 / query.idf_mass if query.idf_mass > 0 else 0.0
    out[:, 1] = bm25 / query.lexical_top if query.lexical_top > 0 else 0.0
    out[:, 2] = cosine
    out[:, 3] = cosine - query.semantic_top
    both = zip(lexical_ranks, semantic_ranks, strict=True)
    out[:, 4] = [1.0 if lexical is not None and semantic is not None else 0.0 for lexical, semantic in both]
    out[:, 5] = _rank_column(lexical_ranks)
    out[:, 6] = _rank_column(semantic_ranks)
    out[:, 7] = math.log1p(query.words)
    return out


def judge(
    hits: Sequence[Fused],
    query: QueryEvidence,
    lexical_scores: Mapping[str, float],
    cosines: Mapping[str, float],
    model: MatchModel = MODEL,
    *,
    first_pass: Mapping[str, float] | None = None,
    first_pass_query: QueryEvidence | None = None,
    first_pass_model: MatchModel = FIRST_PASS_MODEL,
) -> None:
    """Set ``lexical_score``, ``cosine``, ``match`` and ``matched`` on each fused hit (pinned hits, the exact id
    or title the user typed, are matches by definition). A hit in ``first_pass`` (paper id -> cosine in the
    first-pass space: not embedded by the transformer yet) is judged by the model calibrated for that space,
    against ``first_pass_query``. One feature matrix and one matrix product per space: a query judges a couple
    of hundred candidates, and a Python loop over their features cost more than the rest of judging."""
    other = first_pass if first_pass and first_pass_query is not None else None
    spaces: dict[bool, tuple[list[Fused], list[float]]] = {False: ([], []), True: ([], [])}
    for hit in hits:
        hit.lexical_score = lexical_scores.get(hit.id)
        if other is not None and hit.id in other:
            judged, cosine = spaces[first_pass_query is not query]
            hit.cosine = other[hit.id]
        else:
            judged, cosine = spaces[False]
            hit.cosine = cosines.get(hit.id, 0.0)
        judged.append(hit)
        cosine.append(hit.cosine)
    for in_first_pass, (judged, cosine) in spaces.items():
        if not judged:
            continue
        space_model, space_query = (first_pass_model, first_pass_query) if in_first_pass else (model, query)
        assert space_query is not None
        values = feature_matrix(
            space_query,
            [hit.lexical_score for hit in judged],
            cosine,
            [hit.lexical_rank for hit in judged],
            [hit.semantic_rank for hit in judged],
        )
        chances = space_model.probabilities(values).tolist()
        threshold = model.threshold
        for hit, chance in zip(judged, chances, strict=True):
            hit.match = 1.0 if hit.pinned else chance
            hit.matched = hit.match >= threshold


def title_names_it(hits: Sequence[Fused], ids: set[str], threshold: float = MATCH_THRESHOLD) -> None:
    """Hits whose title holds every word of a short query are matches, like an exact title: the model, fitted on
    long questions, under-rates one- to four-word topics (a "diffusion" paper scored 0.14). Their chance is
    floored at the threshold, never raised further than the evidence that makes them a match."""
    for hit in hits:
        if hit.id in ids:
            hit.match = max(hit.match, threshold)
            hit.matched = True
