"""Search's queries: papers changed since a sequence number (with their stored embedding when it is
current), storing embeddings, and the fields a result page shows.

An embedding is current when it was made by the same model from the same version of the paper
(``paper_seq == papers.seq``); anything else is recomputed, so every search node shares one set of vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite

from paperwire.db import lite
from paperwire.db.engine import Database
from paperwire.db.rows import HIT_FIELDS
from paperwire.db.rows import ChangedPaper as ChangedPaper  # where they were: callers import them here
from paperwire.db.rows import NewEmbedding as NewEmbedding
from paperwire.db.rows import PaperText as PaperText
from paperwire.db.schema import paper_embeddings, papers

_SQLITE_MAX_PARAMS = 900

_HIT_COLUMNS = tuple(papers.c[name] for name in HIT_FIELDS)


def max_seq(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.coalesce(func.max(papers.c.seq), 0))).scalar_one())


def count_changed_since(db: Database, since: int) -> int:
    with db.read() as conn:
        query = select(func.count()).select_from(papers).where(papers.c.seq > since)
        return int(conn.execute(query).scalar_one())


def changed_since(db: Database, since: int, *, model: str, limit: int) -> list[ChangedPaper]:
    """The next ``limit`` papers with ``seq > since``, oldest change first (keyset paging on seq)."""
    current = and_(
        paper_embeddings.c.paper_id == papers.c.id,
        paper_embeddings.c.model == model,
        paper_embeddings.c.paper_seq == papers.c.seq,
    )
    query = (
        select(
            papers.c.id,
            papers.c.seq,
            papers.c.deleted,
            papers.c.title,
            papers.c.abstract,
            papers.c.authors,
            papers.c.categories,
            papers.c.announced_on,
            papers.c.submitted_at,
            papers.c.code_links,
            paper_embeddings.c.vector,
        )
        .select_from(papers.outerjoin(paper_embeddings, current))
        .where(papers.c.seq > since)
        .order_by(papers.c.seq)
        .limit(limit)
    )
    with db.read() as conn:
        return [ChangedPaper(**row) for row in conn.execute(query).mappings()]


def texts_for_embedding(db: Database, ids: Sequence[str], *, model: str) -> list[PaperText]:
    """What the transformer upgrade needs of the given live papers: text, version and any current vector
    (another node may have embedded them already)."""
    current = and_(
        paper_embeddings.c.paper_id == papers.c.id,
        paper_embeddings.c.model == model,
        paper_embeddings.c.paper_seq == papers.c.seq,
    )
    found: list[PaperText] = []
    with db.read() as conn:
        for start in range(0, len(ids), _SQLITE_MAX_PARAMS):
            chunk = list(ids[start : start + _SQLITE_MAX_PARAMS])
            query = (
                select(papers.c.id, papers.c.seq, papers.c.title, papers.c.abstract, paper_embeddings.c.vector)
                .select_from(papers.outerjoin(paper_embeddings, current))
                .where(papers.c.id.in_(chunk), papers.c.deleted.is_(False))
            )
            found.extend(PaperText(**row) for row in conn.execute(query).mappings())
    return found


def save_embeddings(db: Database, rows: Sequence[NewEmbedding], *, model: str, dim: int) -> None:
    """Insert or replace embeddings, in one transaction."""
    if not rows:
        return
    values = [
        {"paper_id": r.paper_id, "model": model, "dim": dim, "vector": r.vector, "paper_seq": r.paper_seq} for r in rows
    ]
    with db.write() as conn:
        _upsert(conn, values)


def _upsert(conn: Connection, values: list[dict[str, Any]]) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(paper_embeddings)
    statement = statement.on_conflict_do_update(
        index_elements=[paper_embeddings.c.paper_id],
        set_={name: statement.excluded[name] for name in ("model", "dim", "vector", "paper_seq")},
    )
    conn.execute(statement, values)


def count_embeddings(db: Database, *, model: str) -> int:
    query = select(func.count()).select_from(paper_embeddings).where(paper_embeddings.c.model == model)
    with db.read() as conn:
        return int(conn.execute(query).scalar_one())


# Built once: a search reads its page's rows with every query, and building the statement (and iterating
# rows one fetch at a time through ``mappings()``) cost more than SQLite's own work for 20 rows.
_LIVE_BY_ID = select(*_HIT_COLUMNS).where(
    papers.c.id.in_(bindparam("ids", expanding=True)), papers.c.deleted.is_(False)
)


def live_papers_by_id(db: Database, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Display fields of the given papers that exist and are not deleted."""
    if db.is_sqlite:
        return _live_by_id_sqlite(db, ids)
    return _live_by_id_sqlalchemy(db, ids)


def _live_by_id_sqlalchemy(db: Database, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    with db.read() as conn:
        for start in range(0, len(ids), _SQLITE_MAX_PARAMS):
            chunk = list(ids[start : start + _SQLITE_MAX_PARAMS])
            for row in conn.execute(_LIVE_BY_ID, {"ids": chunk}).all():
                found[row[0]] = dict(zip(HIT_FIELDS, row, strict=True))
    return found


def _live_by_id_sqlite(db: Database, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``_live_by_id_sqlalchemy`` through the stdlib driver (``lite.live_papers_by_id``): SQLAlchemy's statement
    execution and result processing took ~0.7 ms of the ~0.9 ms a page's 20 rows cost at 100k papers."""
    with db.driver_connection() as conn:
        return lite.live_papers_by_id(conn, ids)


def current_seqs(db: Database, ids: Sequence[str]) -> dict[str, int]:
    """The change sequence of each existing paper (to store embeddings made elsewhere against)."""
    found: dict[str, int] = {}
    with db.read() as conn:
        for start in range(0, len(ids), _SQLITE_MAX_PARAMS):
            chunk = list(ids[start : start + _SQLITE_MAX_PARAMS])
            query = select(papers.c.id, papers.c.seq).where(papers.c.id.in_(chunk))
            found.update({str(row.id): int(row.seq) for row in conn.execute(query)})
    return found


class SqlPaperStore:
    """The search service's reads and writes (``search.reads.PaperStore``) on a ``Database``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def max_seq(self) -> int:
        return max_seq(self.db)

    def count_changed_since(self, since: int) -> int:
        return count_changed_since(self.db, since)

    def live_papers_by_id(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return live_papers_by_id(self.db, ids)

    def changed_since(self, since: int, *, model: str, limit: int) -> list[ChangedPaper]:
        return changed_since(self.db, since, model=model, limit=limit)

    def texts_for_embedding(self, ids: Sequence[str], *, model: str) -> list[PaperText]:
        return texts_for_embedding(self.db, ids, model=model)

    def save_embeddings(self, rows: Sequence[NewEmbedding], *, model: str, dim: int) -> None:
        save_embeddings(self.db, rows, model=model, dim=dim)
