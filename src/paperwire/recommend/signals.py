"""What ties a new paper to the papers a reader liked: four signals, mixed into one score per paper.

1. *model* — the learned linear profile's score (``profile.py``), when the reader has one;
2. *meaning* — the highest cosine to a liked paper after subtracting the period's mean vector: every paper of
   a day shares a common direction in embedding space, which crowds raw cosines into a narrow band;
3. *words* — the highest tf-idf cosine to a liked paper, over the words as the search index stores them
   (``paperwire.search.index_terms``) with the period's document frequencies;
4. *authors* — papers by someone who wrote papers the reader liked (the reader's own name excluded), each
   author counting at most ``AUTHOR_CAP`` liked papers.

Continuous signals are standardised over the period's papers (each reader's scale differs) and mixed with
``WEIGHTS``; the author signal is added as it is (a count). The weights were tuned on the development half of
the author-continuity benchmark (``bench/recommend.py``) and reported on the other half. Pure numpy; the
period's side is built once per period (``PeriodSignals``), the reader's side per reader.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

import numpy as np
import numpy.typing as npt

from paperwire.search import author_keys, index_terms

Matrix = npt.NDArray[np.float32]
Vector = npt.NDArray[np.float32]

AUTHOR_CAP = 3  # liked papers counted per author: one prolific co-author must not outweigh everything
WORDS_MIN = 0.12  # tf-idf cosine a words-led pick shares with a liked paper (else the words say too little)
MEANING_MIN = 0.25  # centred cosine a meaning-led pick has to a liked paper


@dataclass(frozen=True, slots=True)
class Weights:
    # Tuned on the development half of author continuity (700 authors, 495 cases; docs/benchmarks.md): the
    # grid was 0, 0.25, 0.5, 1 for the three content signals and 0-64 for authors. Meaning got 0 there (it adds
    # nothing the profile and the words do not already say); it still names the liked paper a pick is closest to.
    model: float = 0.25
    meaning: float = 0.0
    words: float = 0.25
    authors: float = 4.0


WEIGHTS = Weights()
NO_AUTHORS = Weights(authors=0.0)


class PaperText(Protocol):
    @property
    def title(self) -> str: ...
    @property
    def abstract(self) -> str: ...
    @property
    def authors(self) -> list[str]: ...


@lru_cache(maxsize=262_144)
def identity(name: str) -> str | None:
    """One key per printed author: surname + given names in full, or surname + initials when printed with
    initials only. Strict on purpose: "by Yi Wang, who wrote 2 papers you liked" must be about the same Yi Wang
    (case, diacritics and "Surname, Given" order aside), not every Y. Wang."""
    keys = author_keys(name)
    full = [k for k in keys if k.startswith(("n:", "x:"))]
    if full:
        return full[0]
    return keys[0] if keys else None


def same_person(name: str) -> frozenset[str]:
    """Keys under which a reader's own name is left out of their co-authors: generous (initials), so that
    "A. Lovelace" is left out for "Ada Lovelace" too."""
    keys = author_keys(name)
    initials = {k for k in keys if k.startswith("i:")}
    if not initials:
        return frozenset(k for k in keys if not k.startswith("s:")) or frozenset(keys)
    return frozenset(initials | {k for k in keys if k.startswith("n:")})


@lru_cache(maxsize=262_144)
def _keys(name: str) -> frozenset[str]:
    return frozenset(author_keys(name))


def _excluded(name: str, own: frozenset[str]) -> bool:
    return bool(own) and not own.isdisjoint(_keys(name))


def terms_of(paper: PaperText) -> list[str]:
    """A paper's words for the words signal: as the index stores them, the title twice (it says more), without
    one- and two-letter terms and numbers (symbols of formulas: "x", "θ", "2d")."""
    terms = index_terms(f"{paper.title}. {paper.title}. {paper.abstract}")
    return [t for t in terms if len(t) > 2 and not t[0].isdigit()]


_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=65_536)
def _word_terms(word: str) -> tuple[str, ...]:
    return tuple(index_terms(word))


class PeriodSignals:
    """A period's side of every signal, built once per period: centred unit vectors, the words' postings with
    their tf-idf weights, and who wrote what."""

    def __init__(self, papers: Sequence[PaperText], matrix: Matrix, has_vector: npt.NDArray[np.bool_]) -> None:
        self.size = len(papers)
        self.papers = papers
        self.has_vector = has_vector
        self.mean, self.centred = _centre(matrix, has_vector)
        self._build_words([terms_of(p) for p in papers])
        self.names: list[list[tuple[str, str]]] = [  # (identity, name as printed) of each paper's authors
            [(key, name) for name in dict.fromkeys(p.authors) if (key := identity(name))] for p in papers
        ]
        self._surface: dict[int, dict[int, str]] = {}
        self._liked: dict[tuple[str, int], tuple[npt.NDArray[np.int64], Vector]] = {}
        self.rows_by: dict[str, list[int]] = {}
        for row, names in enumerate(self.names):
            for key, _ in names:
                self.rows_by.setdefault(key, []).append(row)

    def _build_words(self, docs: list[list[str]]) -> None:
        frequency: Counter[str] = Counter(t for terms in docs for t in set(terms))
        self.vocab = {term: i for i, term in enumerate(sorted(frequency))}
        n = max(len(docs), 1)
        self.idf = np.array([math.log((1 + n) / (1 + frequency[t])) + 1.0 for t in sorted(frequency)], np.float32)
        postings: list[list[tuple[int, float]]] = [[] for _ in self.vocab]
        self.docs: list[tuple[npt.NDArray[np.int64], Vector]] = []
        for row, terms in enumerate(docs):
            ids, weights = self.tfidf(terms)
            self.docs.append((ids, weights))
            for term, weight in zip(ids.tolist(), weights.tolist(), strict=True):
                postings[term].append((row, weight))
        lengths = np.array([len(p) for p in postings], dtype=np.int64)
        self.term_start = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        self.post_rows = np.array([r for p in postings for r, _ in p], dtype=np.int64)
        self.post_weights = np.array([w for p in postings for _, w in p], dtype=np.float32)

    def tfidf_of(self, paper_id: str, terms: Sequence[str]) -> tuple[npt.NDArray[np.int64], Vector]:
        """``tfidf`` of a liked paper, kept: many readers like the same papers."""
        key = (paper_id, hash(tuple(terms)))
        found = self._liked.get(key)
        if found is None:
            found = self._liked[key] = self.tfidf(terms)
        return found

    def tfidf(self, terms: Sequence[str]) -> tuple[npt.NDArray[np.int64], Vector]:
        """A text's unit tf-idf vector in the period's vocabulary (words the period lacks cannot match)."""
        counts = Counter(self.vocab[t] for t in terms if t in self.vocab)
        if not counts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        ids = np.fromiter(counts, dtype=np.int64, count=len(counts))
        weights = (1.0 + np.log(np.fromiter(counts.values(), np.float32, len(counts)))) * self.idf[ids]
        return ids, (weights / float(np.linalg.norm(weights))).astype(np.float32)

    def shared_words(self, row: int, liked: tuple[npt.NDArray[np.int64], Vector], most: int = 3) -> list[str]:
        """The words (as printed in the paper) that weigh most in its tf-idf closeness to a liked paper."""
        ids, weights = self.docs[row]
        other = dict(zip(liked[0].tolist(), liked[1].tolist(), strict=True))
        shared = sorted(
            ((w * other[t], t) for t, w in zip(ids.tolist(), weights.tolist(), strict=True) if t in other),
            reverse=True,
        )
        printed = self._printed(row)
        return [printed[t] for _, t in shared[:most] if t in printed]

    def _printed(self, row: int) -> dict[int, str]:
        """term id -> the first word of the paper that the index reads as that term (lower case)."""
        if row not in self._surface:
            paper = self.papers[row]
            found: dict[int, str] = {}
            for word in _WORD.findall(f"{paper.title} {paper.abstract}"):
                for term in _word_terms(word.lower()):
                    if term in self.vocab:
                        found.setdefault(self.vocab[term], word.lower())
            self._surface[row] = found
        return self._surface[row]

    def centre(self, vectors: Matrix) -> Matrix:
        return _unit(vectors - self.mean)

    def meaning(self, liked_centred: Matrix) -> tuple[Vector, npt.NDArray[np.intp]]:
        """Each paper's highest centred cosine to a liked paper, and which liked paper (row) that is."""
        best = np.full(self.size, -1.0, dtype=np.float32)
        which = np.zeros(self.size, dtype=np.intp)
        for i, like in enumerate(liked_centred):
            sims = self.centred @ like  # one matrix-vector product per like (see picks.max_cosine)
            better = sims > best
            best[better], which[better] = sims[better], i
        best[~self.has_vector] = 0.0
        return best, which

    def words(self, liked: Sequence[tuple[npt.NDArray[np.int64], Vector]]) -> tuple[Vector, npt.NDArray[np.intp]]:
        """Each paper's highest tf-idf cosine to a liked paper, and which liked paper that is: one bincount
        over the postings of all the likes' words."""
        if not liked or not self.size:
            return np.zeros(self.size, np.float32), np.zeros(self.size, np.intp)
        rows, weights = [], []
        for i, (ids, vec) in enumerate(liked):
            if not len(ids):
                continue
            starts, ends = self.term_start[ids], self.term_start[ids + 1]
            spans = ends - starts
            take = np.repeat(starts - np.concatenate([[0], np.cumsum(spans)[:-1]]), spans) + np.arange(spans.sum())
            rows.append(self.post_rows[take] + i * self.size)
            weights.append(self.post_weights[take] * np.repeat(vec, spans))
        if not rows:
            return np.zeros(self.size, np.float32), np.zeros(self.size, np.intp)
        sims = np.bincount(np.concatenate(rows), np.concatenate(weights), minlength=len(liked) * self.size)
        table = sims.reshape(len(liked), self.size)
        return table.max(axis=0).astype(np.float32), table.argmax(axis=0)


@dataclass(frozen=True, slots=True)
class Coauthor:
    name: str  # as printed on the new paper
    liked: tuple[str, ...]  # the reader's papers (ids) this author wrote: the real count, not capped


@dataclass(slots=True)
class LikedAuthors:
    """Who wrote the reader's liked papers (their own name left out): identity -> the liked paper ids."""

    papers: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, liked: Mapping[str, PaperText], own_name: str | None = None) -> LikedAuthors:
        own = same_person(own_name) if own_name else frozenset()
        found: dict[str, list[str]] = {}
        for paper_id, paper in liked.items():
            for name in dict.fromkeys(paper.authors):
                key = identity(name)
                if key and not _excluded(name, own):
                    found.setdefault(key, []).append(paper_id)
        return cls(found)


def coauthors(period: PeriodSignals, authors: LikedAuthors) -> tuple[Vector, dict[int, Coauthor]]:
    """Each paper's author score (for each author who wrote liked papers, their count up to ``AUTHOR_CAP``,
    summed) and, for the papers that have one, the co-author with the most liked papers."""
    score = np.zeros(period.size, dtype=np.float32)
    best: dict[int, Coauthor] = {}
    for key, liked in authors.papers.items():
        for row in period.rows_by.get(key, ()):
            score[row] += min(len(liked), AUTHOR_CAP)
            if row not in best or len(liked) > len(best[row].liked):
                name = next(n for k, n in period.names[row] if k == key)
                best[row] = Coauthor(name, tuple(liked))
    return score, best


@dataclass(frozen=True, slots=True)
class Components:
    """The four signals of every paper of a period for one reader (rows as in ``PeriodSignals``)."""

    model: Vector | None  # None: no learned profile
    meaning: Vector
    meaning_like: npt.NDArray[np.intp]  # the liked paper (index into the reader's liked vectors) closest in meaning
    words: Vector
    words_like: npt.NDArray[np.intp]  # the liked paper (index into the reader's liked texts) sharing most words
    authors: Vector
    coauthor: dict[int, Coauthor]


def standardised(values: Vector, mask: npt.NDArray[np.bool_] | None = None) -> Vector:
    """(x - mean) / std over the rows in ``mask``; rows outside it get 0 (no evidence either way)."""
    use = values if mask is None else values[mask]
    if not len(use):
        return np.zeros_like(values)
    spread = float(use.std()) or 1.0
    out = ((values - float(use.mean())) / spread).astype(np.float32)
    if mask is not None:
        out[~mask] = 0.0
    return out


def contributions(c: Components, has_vector: npt.NDArray[np.bool_], w: Weights = WEIGHTS) -> dict[str, Vector]:
    """Each signal's share of every paper's score. Without a learned profile (fewer than 3 liked papers with
    vectors) closeness in meaning stands in for it, with its weight."""
    meaning = w.meaning if c.model is not None else w.meaning + w.model
    parts = {
        "meaning": meaning * standardised(c.meaning, has_vector),
        "words": w.words * standardised(c.words),
        "authors": w.authors * c.authors,
    }
    if c.model is not None:
        parts["model"] = w.model * standardised(c.model, has_vector)
    return parts


def mixed(parts: Mapping[str, Vector]) -> Vector:
    total = np.zeros_like(next(iter(parts.values())))
    for part in parts.values():
        total += part
    return total


def _centre(matrix: Matrix, has_vector: npt.NDArray[np.bool_]) -> tuple[Vector, Matrix]:
    if not matrix.shape[1] or not has_vector.any():
        return np.zeros(matrix.shape[1], np.float32), matrix.copy()
    mean = matrix[has_vector].mean(axis=0).astype(np.float32)
    centred = _unit(matrix - mean)
    centred[~has_vector] = 0.0
    return mean, centred


def _unit(rows: Matrix) -> Matrix:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    out: Matrix = (rows / np.where(norms > 0, norms, 1.0)).astype(np.float32)
    return out
