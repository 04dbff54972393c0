"""What the recommender reads and stores: learned reader profiles, stored paper vectors, the papers of a
period, background papers for negatives, and papers by an author's name."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, func, select

from paperwire.db.engine import Database
from paperwire.db.schema import paper_embeddings, papers, reader_profiles

_CHUNK = 500
Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class StoredProfile:
    reader: str
    kind: str  # "logistic" or "centroid"
    embedder: str
    weights: Matrix  # (dim,) float32
    bias: float
    fingerprint: str
    positives: int
    negatives: int
    trained_at: datetime
    train_ms: float


def profiles(db: Database, readers: Sequence[str]) -> dict[str, StoredProfile]:
    found: dict[str, StoredProfile] = {}
    keys = list(dict.fromkeys(readers))
    with db.read() as conn:
        for start in range(0, len(keys), _CHUNK):
            query = select(reader_profiles).where(reader_profiles.c.reader.in_(keys[start : start + _CHUNK]))
            for row in conn.execute(query).mappings():
                found[str(row["reader"])] = _profile(row)
    return found


def _profile(row: Any) -> StoredProfile:
    weights = np.frombuffer(row["weights"], dtype="<f4").astype(np.float32)
    return StoredProfile(
        reader=str(row["reader"]),
        kind=str(row["kind"]),
        embedder=str(row["embedder"]),
        weights=weights,
        bias=float(row["bias"]),
        fingerprint=str(row["fingerprint"]),
        positives=int(row["positives"]),
        negatives=int(row["negatives"]),
        trained_at=row["trained_at"],
        train_ms=float(row["train_ms"]),
    )


def save_profiles(db: Database, items: Iterable[StoredProfile]) -> int:
    """Store (replace) profiles; returns how many."""
    rows = [
        {
            "reader": p.reader,
            "kind": p.kind,
            "embedder": p.embedder,
            "dim": int(p.weights.shape[0]),
            "weights": p.weights.astype("<f4").tobytes(),
            "bias": p.bias,
            "fingerprint": p.fingerprint,
            "positives": p.positives,
            "negatives": p.negatives,
            "trained_at": p.trained_at,
            "train_ms": p.train_ms,
        }
        for p in items
    ]
    if not rows:
        return 0
    with db.write() as conn:
        keys = [r["reader"] for r in rows]
        for start in range(0, len(keys), _CHUNK):
            conn.execute(delete(reader_profiles).where(reader_profiles.c.reader.in_(keys[start : start + _CHUNK])))
        conn.execute(reader_profiles.insert(), rows)
    return len(rows)


def delete_profile(db: Database, reader: str) -> bool:
    with db.write() as conn:
        result = conn.execute(delete(reader_profiles).where(reader_profiles.c.reader == reader))
        return bool(result.rowcount)


def main_embedder(db: Database) -> str | None:
    """The embedding model most stored vectors belong to (the search index's), or ``None`` if none."""
    query = (
        select(paper_embeddings.c.model, func.count().label("n"))
        .group_by(paper_embeddings.c.model)
        .order_by(func.count().desc())
        .limit(1)
    )
    with db.read() as conn:
        row = conn.execute(query).first()
    return str(row.model) if row else None


def vectors(db: Database, ids: Sequence[str], *, embedder: str) -> dict[str, Matrix]:
    """Stored unit vectors of these papers under ``embedder`` (papers without one are left out)."""
    found: dict[str, Matrix] = {}
    keys = list(dict.fromkeys(ids))
    with db.read() as conn:
        for start in range(0, len(keys), _CHUNK):
            query = select(paper_embeddings.c.paper_id, paper_embeddings.c.vector).where(
                paper_embeddings.c.paper_id.in_(keys[start : start + _CHUNK]), paper_embeddings.c.model == embedder
            )
            for paper_id, blob in conn.execute(query):
                found[str(paper_id)] = np.frombuffer(blob, dtype="<f2").astype(np.float32)
    return found


@dataclass(frozen=True, slots=True)
class PeriodPaper:
    id: str
    title: str
    authors: list[str]
    categories: list[str]
    announced_on: date | None
    abstract: str = ""


def announced_between(db: Database, since: date, until: date) -> list[PeriodPaper]:
    """The live papers announced in ``[since, until]``, newest first."""
    query = (
        select(
            papers.c.id, papers.c.title, papers.c.authors, papers.c.categories, papers.c.announced_on, papers.c.abstract
        )
        .where(papers.c.deleted.is_(False), papers.c.announced_on >= since, papers.c.announced_on <= until)
        .order_by(papers.c.announced_on.desc(), papers.c.id.desc())
    )
    with db.read() as conn:
        return [_period_paper(r) for r in conn.execute(query)]


def papers_by_ids(db: Database, ids: Sequence[str]) -> dict[str, PeriodPaper]:
    """These live papers' titles, abstracts and authors (what the recommender compares with a reader's likes)."""
    found: dict[str, PeriodPaper] = {}
    keys = list(dict.fromkeys(ids))
    columns = (
        papers.c.id,
        papers.c.title,
        papers.c.authors,
        papers.c.categories,
        papers.c.announced_on,
        papers.c.abstract,
    )
    with db.read() as conn:
        for start in range(0, len(keys), _CHUNK):
            query = select(*columns).where(papers.c.id.in_(keys[start : start + _CHUNK]), papers.c.deleted.is_(False))
            for r in conn.execute(query):
                found[str(r.id)] = _period_paper(r)
    return found


def _period_paper(r: Any) -> PeriodPaper:
    return PeriodPaper(
        str(r.id), str(r.title), list(r.authors or []), list(r.categories or []), r.announced_on, r.abstract or ""
    )


def background_ids(db: Database, *, embedder: str, before: date, limit: int, seed: int = 7) -> list[str]:
    """A fixed pseudo-random sample of papers with vectors announced before ``before`` (profile negatives).

    Ids are hashed in Python with ``seed`` so the sample is the same on both databases and between runs.
    """
    query = (
        select(paper_embeddings.c.paper_id)
        .join(papers, papers.c.id == paper_embeddings.c.paper_id)
        .where(paper_embeddings.c.model == embedder, papers.c.deleted.is_(False), papers.c.announced_on < before)
    )
    with db.read() as conn:
        ids = [str(pid) for pid in conn.execute(query).scalars()]
    ids.sort(key=lambda pid: _stable_hash(seed, pid))
    return ids[:limit]


def _stable_hash(seed: int, text: str) -> int:
    value = 1469598103934665603 ^ seed
    for byte in text.encode():
        value = ((value ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return value


def papers_by_author_names(db: Database, names: Iterable[str]) -> dict[str, list[str]]:
    """``{name (case-folded): [paper ids]}`` for these exact author names, case aside."""
    wanted = {name.casefold() for name in names if name}
    found: dict[str, list[str]] = {}
    if not wanted:
        return found
    with db.read() as conn:
        for paper_id, authors in conn.execute(select(papers.c.id, papers.c.authors).where(papers.c.deleted.is_(False))):
            for name in {str(a).casefold() for a in authors or []} & wanted:
                found.setdefault(name, []).append(str(paper_id))
    return found


def titles(db: Database, ids: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    keys = list(dict.fromkeys(ids))
    with db.read() as conn:
        for start in range(0, len(keys), _CHUNK):
            query = select(papers.c.id, papers.c.title).where(papers.c.id.in_(keys[start : start + _CHUNK]))
            found.update({str(r.id): str(r.title) for r in conn.execute(query)})
    return found


def stored_ids(db: Database, ids: Sequence[str]) -> set[str]:
    """Which of these ids are stored papers (live)."""
    return set(titles(db, ids))
