"""The profile model on its own: pure numpy, synthetic vectors (no database, no embedder)."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from paperwire.recommend.profile import MIN_POSITIVES, build, fingerprint, train_centroid, train_logistic


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def clusters(seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    theme, other = rng.normal(size=32), rng.normal(size=32)
    liked = unit(theme + 0.6 * rng.normal(size=(8, 32)))
    background = unit(rng.normal(size=(200, 32)) + 0.3 * other)
    new_on_theme = unit(theme + 0.6 * rng.normal(size=(5, 32)))
    return liked, background, new_on_theme


def test_logistic_profile_ranks_new_papers_of_the_liked_theme_first() -> None:
    liked, background, on_theme = clusters()
    model = train_logistic(liked, background)
    rng = np.random.default_rng(9)
    off_theme = unit(rng.normal(size=(50, 32)))
    scores = model.scores(np.vstack([on_theme, off_theme]))
    assert set(np.argsort(-scores)[:5]) == set(range(5))
    assert (scores[:5] > 0).all()  # they pass the profile's own bar (more like the likes than the background)
    assert (scores[5:] < 0).mean() > 0.9


def test_fewer_like_this_pushes_its_neighbours_down() -> None:
    liked, background, on_theme = clusters()
    plain = train_logistic(liked, background)
    disliked = on_theme[:2]
    taught = train_logistic(liked, np.vstack([disliked, background]), explicit_negatives=2)
    assert (taught.scores(disliked) < plain.scores(disliked)).all()


def test_centroid_is_the_normalised_mean() -> None:
    liked, _, _ = clusters()
    centroid = train_centroid(liked)
    mean = liked.mean(axis=0)
    assert np.allclose(centroid.weights, mean / np.linalg.norm(mean), atol=1e-6)


def test_fingerprint_changes_with_feedback_not_with_order() -> None:
    a = fingerprint(["1", "2", "3"], ["9"], "m")
    assert a == fingerprint(["3", "1", "2"], ["9"], "m")
    assert a != fingerprint(["1", "2", "3", "4"], ["9"], "m")
    assert a != fingerprint(["1", "2", "3"], [], "m")
    assert a != fingerprint(["1", "2", "3"], ["9"], "other-model")


def test_too_few_positives_make_no_model() -> None:
    liked, background, _ = clusters()
    few = {str(i): liked[i] for i in range(MIN_POSITIVES - 1)}
    assert build("r", "m", few, {}, background, print_="x", now=datetime(2026, 1, 1)) is None
    enough = {str(i): liked[i] for i in range(MIN_POSITIVES)}
    profile = build("r", "m", enough, {}, background, print_="x", now=datetime(2026, 1, 1))
    assert profile is not None
    assert (profile.kind, profile.positives, profile.negatives) == ("logistic", MIN_POSITIVES, 200)
