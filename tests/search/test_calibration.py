"""The vectorised match model must judge exactly as the scalar one it replaced (search results unchanged)."""

from __future__ import annotations

import random

from paperwire.search.calibration import (
    FIRST_PASS_MODEL,
    MODEL,
    HitEvidence,
    QueryEvidence,
    feature_matrix,
    features,
    judge,
    match_probability,
)
from paperwire.search.fusion import Fused


def _hits(rng: random.Random, n: int) -> list[Fused]:
    hits = []
    for i in range(n):
        lexical = rng.choice([None, rng.randint(1, 100), rng.randint(1, 5000)])
        semantic = rng.choice([None, rng.randint(1, 100), 1, 2000])
        hits.append(Fused(f"p{i}", rng.random(), lexical_rank=lexical, semantic_rank=semantic, pinned=i == 3))
    return hits


def test_feature_matrix_rows_are_features_to_the_bit() -> None:
    rng = random.Random(5)
    query = QueryEvidence(words=4, idf_mass=17.3, lexical_top=23.1, semantic_top=0.61)
    hits = _hits(rng, 300)
    scores = [rng.choice([None, rng.uniform(0, 30)]) for _ in hits]
    cosines = [rng.uniform(-0.2, 0.7) for _ in hits]
    matrix = feature_matrix(query, scores, cosines, [h.lexical_rank for h in hits], [h.semantic_rank for h in hits])
    for row, hit, score, cosine in zip(matrix.tolist(), hits, scores, cosines, strict=True):
        assert row == features(query, HitEvidence(score, cosine, hit.lexical_rank, hit.semantic_rank))
    empty = QueryEvidence(words=1, idf_mass=0.0, lexical_top=0.0, semantic_top=0.0)
    assert feature_matrix(empty, [5.0], [0.2], [1], [None]).tolist() == [
        features(empty, HitEvidence(5.0, 0.2, 1, None))
    ]


def test_judge_gives_each_hit_the_scalar_model_chance() -> None:
    rng = random.Random(9)
    query = QueryEvidence(words=3, idf_mass=12.0, lexical_top=15.0, semantic_top=0.55)
    other = QueryEvidence(words=3, idf_mass=12.0, lexical_top=15.0, semantic_top=0.48)
    hits = _hits(rng, 120)
    lexical = {h.id: rng.uniform(0, 15) for h in hits if h.lexical_rank is not None}
    cosines = {h.id: rng.uniform(0, 0.55) for h in hits[:80]}
    first_pass = {h.id: rng.uniform(0, 0.48) for h in hits[80:110]}
    judge(hits, query, lexical, cosines, first_pass=first_pass, first_pass_query=other)
    for hit in hits:
        space, model = (other, FIRST_PASS_MODEL) if hit.id in first_pass else (query, MODEL)
        cosine = first_pass.get(hit.id, cosines.get(hit.id, 0.0))
        assert (hit.lexical_score, hit.cosine) == (lexical.get(hit.id), cosine)
        evidence = HitEvidence(hit.lexical_score, cosine, hit.lexical_rank, hit.semantic_rank)
        expected = 1.0 if hit.pinned else match_probability(space, evidence, model)
        assert abs(hit.match - expected) < 1e-12
        assert hit.matched == (hit.match >= MODEL.threshold)
