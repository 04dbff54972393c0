"""Search's queries: papers changed since a sequence number (with their stored embedding when it is
current), storing embeddings, and the fields a result page shows.

An embedding is current when it was made by the same model from the same version of the paper
(``paper_seq == papers.seq``); anything else is recomputed, so every search node shares one set of vectors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Connection, Date, DateTime, Integer, String, and_, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from paperwire.db import lite
from paperwire.db.engine import Database
from paperwire.db.schema import paper_embeddings, papers

_SQLITE_MAX_PARAMS = 900

# What the search index and result pages need of a paper (not the whole row).
_HIT_COLUMNS = (
    papers.c.id,
    papers.c.version,
    papers.c.title,
    papers.c.abstract,
    papers.c.authors,
    papers.c.categories,
    papers.c.primary_category,
    papers.c.announced_on,
    papers.c.submitted_at,
    papers.c.updated_at,
    papers.c.code_links,
)


@dataclass(frozen=True, slots=True)
class ChangedPaper:
    id: str
    seq: int
    deleted: bool
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    announced_on: date | None
    submitted_at: datetime | None
    code_links: list[str]
    vector: bytes | None  # the stored embedding, when current for this model and this version


@dataclass(frozen=True, slots=True)
class NewEmbedding:
    paper_id: str
    paper_seq: int
    vector: bytes


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


@dataclass(frozen=True, slots=True)
class PaperText:
    id: str
    seq: int
    title: str
    abstract: str
    vector: bytes | None  # the stored embedding, when current for this model and this version


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
_HIT_NAMES = tuple(column.name for column in _HIT_COLUMNS)
# The same question for the stdlib driver (SQLite): SQLAlchemy's statement execution and result processing
# took ~0.7 ms of the ~0.9 ms a page's 20 rows cost at 100k papers; the driver alone takes ~0.2 ms.


def _sqlite_conversion(column: ColumnElement[Any]) -> Callable[[Any], Any] | None:
    """How SQLAlchemy turns a SQLite value of this column's type into Python (None: as the driver gives it)."""
    kind = column.type
    if isinstance(kind, JSON):
        return lite.json_value
    if isinstance(kind, DateTime):
        return lite.datetime_value
    if isinstance(kind, Date):
        return lite.date_value
    if isinstance(kind, Integer | String):  # Text is a String; BigInteger an Integer
        return None
    raise TypeError(f"no stdlib conversion for {column}: add one (see lite.py)")


_SQLITE_CONVERT = tuple(_sqlite_conversion(column) for column in _HIT_COLUMNS)
_LIVE_BY_ID_SQL = f"SELECT {', '.join(_HIT_NAMES)} FROM papers WHERE id IN ({{marks}}) AND deleted IS 0"


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
                found[row[0]] = dict(zip(_HIT_NAMES, row, strict=True))
    return found


def _live_by_id_sqlite(db: Database, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``_live_by_id_sqlalchemy`` through the stdlib driver, each value converted as SQLAlchemy converts it
    on SQLite (``JSON``: ``json.loads``, ``Date`` and ``DateTime``: ``fromisoformat``; see ``lite.py``), so the
    rows are equal value for value and type for type (``tests/db/test_embeddings.py``). One statement per
    chunk, outside a transaction: each is a consistent read on its own."""
    found: dict[str, dict[str, Any]] = {}
    with db.driver_connection() as conn:
        for start in range(0, len(ids), _SQLITE_MAX_PARAMS):
            chunk = list(ids[start : start + _SQLITE_MAX_PARAMS])
            sql = _LIVE_BY_ID_SQL.format(marks=", ".join("?" * len(chunk)))
            for row in conn.execute(sql, chunk).fetchall():
                found[row[0]] = {
                    name: value if convert is None else convert(value)
                    for name, convert, value in zip(_HIT_NAMES, _SQLITE_CONVERT, row, strict=True)
                }
    return found


def current_seqs(db: Database, ids: Sequence[str]) -> dict[str, int]:
    """The change sequence of each existing paper (to store embeddings made elsewhere against)."""
    found: dict[str, int] = {}
    with db.read() as conn:
        for start in range(0, len(ids), _SQLITE_MAX_PARAMS):
            chunk = list(ids[start : start + _SQLITE_MAX_PARAMS])
            query = select(papers.c.id, papers.c.seq).where(papers.c.id.in_(chunk))
            found.update({str(row.id): int(row.seq) for row in conn.execute(query)})
    return found
