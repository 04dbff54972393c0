"""A reader's learned profile: a linear model over stored paper embeddings.

Positives are the reader's likes, own papers, saves, "more like this", upvotes and digest clicks; negatives
are "fewer like this" plus a fixed sample of background papers. The model is an L2-regularised logistic
regression (class-balanced, trained by accelerated gradient descent in numpy, a few milliseconds a reader),
as arxiv-sanity trains a linear SVM per tag; ``centroid`` is the simpler baseline zotero-arxiv-daily uses,
kept for the benchmark. A profile is retrained only when its feedback fingerprint changes.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from paperwire.db.profiles import StoredProfile

Matrix = npt.NDArray[np.float32]
MODEL_VERSION = "logistic-v1"
MIN_POSITIVES = 3  # fewer than this: no model, picks come from nearest neighbours of the liked papers
L2 = 0.05
ITERATIONS = 150
NEGATIVE_WEIGHT = 2.0  # an explicit "fewer like this" counts as much as two background papers


def fingerprint(positives: Sequence[str], negatives: Sequence[str], embedder: str) -> str:
    """What a profile was trained on: the same fingerprint, nothing to retrain."""
    text = "|".join([MODEL_VERSION, embedder, ",".join(sorted(positives)), ",".join(sorted(negatives))])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class LinearModel:
    weights: Matrix
    bias: float

    def scores(self, matrix: Matrix) -> npt.NDArray[np.float32]:
        out: npt.NDArray[np.float32] = (matrix @ self.weights + self.bias).astype(np.float32)
        return out


def train_logistic(
    positives: Matrix, negatives: Matrix, *, explicit_negatives: int = 0, l2: float = L2, iterations: int = ITERATIONS
) -> LinearModel:
    """Class-balanced logistic regression; the first ``explicit_negatives`` rows of ``negatives`` weigh more."""
    x = np.vstack([positives, negatives]).astype(np.float32)
    y = np.concatenate([np.ones(len(positives)), np.zeros(len(negatives))]).astype(np.float32)
    weight_neg = np.ones(len(negatives), dtype=np.float32)
    weight_neg[:explicit_negatives] = NEGATIVE_WEIGHT
    sample = np.concatenate(
        [np.full(len(positives), 0.5 / max(len(positives), 1)), 0.5 * weight_neg / max(weight_neg.sum(), 1.0)]
    ).astype(np.float32)
    dim = x.shape[1]
    w = np.zeros(dim + 1, dtype=np.float32)
    velocity = w.copy()
    xb = np.hstack([x, np.ones((len(x), 1), dtype=np.float32)])
    # Unit vectors and weights summing to 1: the loss's curvature is at most 1/4 (+ l2), so this step is safe.
    step = 1.0 / (0.25 * 2.0 + l2)
    for t in range(iterations):
        look = w + (t / (t + 3)) * velocity
        p = 1.0 / (1.0 + np.exp(-(xb @ look)))
        grad = xb.T @ (sample * (p - y))
        grad[:dim] += l2 * look[:dim]
        new = look - step * grad
        velocity = new - w
        w = new.astype(np.float32)
    return LinearModel(w[:dim].copy(), float(w[dim]))


def train_centroid(positives: Matrix) -> LinearModel:
    centre = positives.mean(axis=0)
    norm = float(np.linalg.norm(centre)) or 1.0
    return LinearModel((centre / norm).astype(np.float32), 0.0)


def nearest_positive(matrix: Matrix, positives: Matrix) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]:
    """For each row of ``matrix``: which positive it is closest to, and how close (cosine)."""
    sims = matrix @ positives.T
    best = sims.argmax(axis=1)
    return best, sims[np.arange(len(matrix)), best].astype(np.float32)


def build(
    reader: str,
    embedder: str,
    positive_vectors: Mapping[str, Matrix],
    fewer_vectors: Mapping[str, Matrix],
    background: Matrix,
    *,
    print_: str,
    now: datetime,
) -> StoredProfile | None:
    """Train a reader's profile; ``None`` when there are too few positives with vectors."""
    if len(positive_vectors) < MIN_POSITIVES:
        return None
    started = time.perf_counter()
    positives = np.vstack(list(positive_vectors.values()))
    explicit = (
        np.vstack(list(fewer_vectors.values())) if fewer_vectors else np.zeros((0, positives.shape[1]), np.float32)
    )
    negatives = np.vstack([explicit, background]) if len(background) else explicit
    if not len(negatives):
        model = train_centroid(positives)
        kind = "centroid"
    else:
        model = train_logistic(positives, negatives.astype(np.float32), explicit_negatives=len(explicit))
        kind = "logistic"
    return StoredProfile(
        reader=reader,
        kind=kind,
        embedder=embedder,
        weights=model.weights,
        bias=model.bias,
        fingerprint=print_,
        positives=len(positives),
        negatives=len(negatives),
        trained_at=now,
        train_ms=(time.perf_counter() - started) * 1000,
    )
