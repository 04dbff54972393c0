"""Papers: idempotent upserts that respect versions, and the queries the rest of paperwire needs.

Merging rule (why: several sources describe the same paper with different completeness):
- a record *newer* than the stored paper (higher version, or same version and a later update date) or of
  the same rank overwrites each field it has a value for, and keeps stored values where it has none;
- an *older* record never overwrites: it only fills fields the stored paper lacks (e.g. a Hugging Face
  summary for a paper harvested from OAI-PMH);
- a merge that changes nothing writes nothing, so re-ingesting is free and leaves ``seq`` alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from paperwire.core.records import PaperRecord
from paperwire.db.engine import Database
from paperwire.db.schema import counters, paper_versions, papers
from paperwire.db.upsert import insert_ignore

# Fields copied from a record into the papers row (the rest are bookkeeping or merged specially).
_PLAIN_FIELDS = (
    "title",
    "abstract",
    "authors",
    "categories",
    "primary_category",
    "doi",
    "journal_ref",
    "comments",
    "license",
    "ai_summary",
    "ai_keywords",
    "source",
)
_ROW_FIELDS = (
    *_PLAIN_FIELDS,
    "version",
    "submitted_at",
    "updated_at",
    "announced_on",
    "code_links",
    "deleted",
)
_SQLITE_MAX_PARAMS = 900  # per IN (...) list; SQLite builds before 3.32 allow only 999


@dataclass(frozen=True, slots=True)
class PaperVersion:
    version: int
    submitted_at: datetime | None
    size: str | None


@dataclass(frozen=True, slots=True)
class Paper(Mapping[str, Any]):
    """A stored paper as its readers get it: the ``papers`` row, typed (and its versions, when asked for).

    It is also a read-only mapping with the row's old dict shape (``paper["title"]``, ``dict(paper)``, lists for
    the list columns, ``versions`` as dicts), so templates and JSON output read it like the row it was.
    """

    id: str
    version: int | None
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]  # primary first
    primary_category: str | None
    submitted_at: datetime | None  # first version
    updated_at: datetime | None  # latest version
    announced_on: date | None
    doi: str | None
    journal_ref: str | None
    comments: str | None
    license: str | None
    code_links: tuple[str, ...]
    ai_summary: str | None
    ai_keywords: tuple[str, ...]
    source: str
    deleted: bool
    seq: int
    first_seen_at: datetime
    changed_at: datetime
    versions: tuple[PaperVersion, ...] = ()

    @classmethod
    def from_row(cls, row: Mapping[Any, Any], versions: Iterable[PaperVersion] = ()) -> Paper:
        values = {name: row[name] for name in _ROW_COLUMNS}
        for name in _LIST_COLUMNS:
            values[name] = tuple(values[name] or ())
        return cls(**values, versions=tuple(versions))

    def as_dict(self) -> dict[str, Any]:
        return {name: self[name] for name in _KEYS}

    def __getitem__(self, key: str) -> Any:
        if key not in _KEYS:
            raise KeyError(key)
        value = getattr(self, key)
        if key == "versions":
            return [asdict(v) for v in value]
        return list(value) if key in _LIST_COLUMNS else value

    def __iter__(self) -> Iterator[str]:
        return iter(_KEYS)

    def __len__(self) -> int:
        return len(_KEYS)


_KEYS = tuple(f.name for f in fields(Paper))
_ROW_COLUMNS = tuple(name for name in _KEYS if name != "versions")
_LIST_COLUMNS = frozenset({"authors", "categories", "code_links", "ai_keywords"})


@dataclass(slots=True)
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # e.g. a deletion of a paper we never had

    def add(self, other: UpsertCounts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.skipped += other.skipped

    @property
    def changed(self) -> int:
        return self.inserted + self.updated


def _record_fields(record: PaperRecord) -> dict[str, Any]:
    return {
        "title": record.title,
        "abstract": record.abstract,
        "authors": list(record.authors),
        "categories": list(record.categories),
        "primary_category": record.primary_category,
        "doi": record.doi,
        "journal_ref": record.journal_ref,
        "comments": record.comments,
        "license": record.license,
        "ai_summary": record.ai_summary,
        "ai_keywords": list(record.ai_keywords),
        "source": record.source,
        "version": record.version,
        "submitted_at": record.submitted,
        "updated_at": record.updated,
        "announced_on": record.announced,
        "code_links": list(record.code_links),
        "deleted": record.deleted,
    }


def _rank(version: int | None, updated: datetime | None, submitted: datetime | None) -> tuple[int, datetime]:
    return (version or 0, updated or submitted or datetime.min)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _min_date(a: date | None, b: date | None) -> date | None:
    return min(a, b) if a and b else a or b


def _max_dt(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(a, b) if a and b else a or b


def merge(current: dict[str, Any] | None, record: PaperRecord) -> dict[str, Any] | None:
    """The row the paper should have after seeing ``record``; ``None`` if the record is to be skipped."""
    incoming = _record_fields(record)
    if current is None:
        return None if record.deleted else incoming
    newer_or_same = _rank(record.version, record.updated, record.submitted) >= _rank(
        current["version"], current["updated_at"], current["submitted_at"]
    )
    merged = dict(current)
    for name in _PLAIN_FIELDS:
        theirs, ours = incoming[name], current[name]
        if (newer_or_same and not _empty(theirs)) or _empty(ours):
            merged[name] = theirs if not _empty(theirs) else ours
    merged["version"] = max(filter(None, (current["version"], record.version)), default=None)
    merged["submitted_at"] = current["submitted_at"] or record.submitted
    if record.submitted and current["submitted_at"]:
        merged["submitted_at"] = min(current["submitted_at"], record.submitted)
    merged["updated_at"] = _max_dt(current["updated_at"], record.updated)
    merged["announced_on"] = _min_date(current["announced_on"], record.announced)
    merged["code_links"] = list(dict.fromkeys([*current["code_links"], *record.code_links]))
    if newer_or_same:
        merged["deleted"] = record.deleted
    if record.deleted:  # a deletion notice carries no metadata: keep what we had
        for name in _PLAIN_FIELDS:
            merged[name] = current[name]
    return merged


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _load_current(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    columns = [papers.c.id, *(papers.c[name] for name in _ROW_FIELDS)]
    found: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(ids, _SQLITE_MAX_PARAMS):
        for row in conn.execute(select(*columns).where(papers.c.id.in_(chunk))).mappings():
            found[row["id"]] = {name: row[name] for name in _ROW_FIELDS}
    return found


def allocate_seq(conn: Connection, count: int, *, name: str = "paper_seq") -> int:
    """Reserve ``count`` sequence numbers; returns the first.

    The counter row is updated inside the caller's transaction, so on PostgreSQL concurrent writers queue
    on its row lock and sequence numbers become visible in commit order (a reader that has seen seq N
    never later finds a new row with seq < N, which incremental index catch-up relies on).
    """
    insert_ignore(conn, counters, [{"name": name, "value": 0}])
    conn.execute(update(counters).where(counters.c.name == name).values(value=counters.c.value + count))
    last: int = conn.execute(select(counters.c.value).where(counters.c.name == name)).scalar_one()
    return last - count + 1


def upsert_papers(conn: Connection, records: Sequence[PaperRecord], *, now: datetime) -> UpsertCounts:
    """Store a batch of records in the caller's transaction. Idempotent."""
    counts = UpsertCounts()
    ids = list(dict.fromkeys(r.id for r in records))
    stored = _load_current(conn, ids)
    pending: dict[str, dict[str, Any]] = {}
    for record in records:
        current = pending.get(record.id) or stored.get(record.id)
        merged = merge(current, record)
        if merged is None:
            counts.skipped += 1
        elif merged == current:
            counts.unchanged += 1
        else:
            pending[record.id] = merged
    if pending:
        _write_changes(conn, pending, stored, now)
    counts.inserted = sum(1 for paper_id in pending if paper_id not in stored)
    counts.updated = len(pending) - counts.inserted
    _record_versions(conn, records)
    return counts


def _write_changes(
    conn: Connection, pending: dict[str, dict[str, Any]], stored: dict[str, dict[str, Any]], now: datetime
) -> None:
    seq = allocate_seq(conn, len(pending))
    inserts, updates = [], []
    for offset, (paper_id, row) in enumerate(pending.items()):
        values = {**row, "seq": seq + offset, "changed_at": now}
        if paper_id in stored:
            updates.append({**values, "b_id": paper_id})
        else:
            inserts.append({**values, "id": paper_id, "first_seen_at": now})
    if inserts:
        conn.execute(papers.insert(), inserts)
    if updates:
        statement = (
            update(papers)
            .where(papers.c.id == bindparam("b_id"))
            .values({name: bindparam(name) for name in (*_ROW_FIELDS, "seq", "changed_at")})
        )
        conn.execute(statement, updates)


def _record_versions(conn: Connection, records: Sequence[PaperRecord]) -> None:
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    for record in records:
        for v in record.versions:
            rows[(record.id, v.number)] = {
                "paper_id": record.id,
                "version": v.number,
                "submitted_at": v.submitted,
                "size": v.size,
            }
        if record.version and (record.id, record.version) not in rows and not record.deleted:
            rows[(record.id, record.version)] = {
                "paper_id": record.id,
                "version": record.version,
                "submitted_at": record.updated,
                "size": None,
            }
    # Versions of papers we skipped (deletions of unknown papers) must not violate the foreign key.
    known = set(_existing_ids(conn, list({paper_id for paper_id, _ in rows})))
    insert_ignore(conn, paper_versions, [row for key, row in rows.items() if key[0] in known])


def _existing_ids(conn: Connection, ids: Sequence[str]) -> list[str]:
    found: list[str] = []
    for chunk in _chunks(ids, _SQLITE_MAX_PARAMS):
        found.extend(conn.execute(select(papers.c.id).where(papers.c.id.in_(chunk))).scalars())
    return found


# --- queries ---------------------------------------------------------------------------------------------


def count_papers(db: Database, *, include_deleted: bool = False) -> int:
    query = select(func.count()).select_from(papers)
    if not include_deleted:
        query = query.where(papers.c.deleted.is_(False))
    with db.read() as conn:
        return int(conn.execute(query).scalar_one())


def get_paper(db: Database, paper_id: str) -> Paper | None:
    """The stored paper with its versions, or ``None``."""
    with db.read() as conn:
        row = conn.execute(select(papers).where(papers.c.id == paper_id)).mappings().first()
        if row is None:
            return None
        versions = conn.execute(
            select(paper_versions.c.version, paper_versions.c.submitted_at, paper_versions.c.size)
            .where(paper_versions.c.paper_id == paper_id)
            .order_by(paper_versions.c.version)
        )
        return Paper.from_row(row, (PaperVersion(*v) for v in versions))


def latest_papers(db: Database, *, limit: int = 50, offset: int = 0) -> list[Paper]:
    """Newest first by announcement (then submission) date; deleted papers left out."""
    query = (
        select(papers)
        .where(papers.c.deleted.is_(False))
        .order_by(
            papers.c.announced_on.desc().nulls_last(),
            papers.c.submitted_at.desc().nulls_last(),
            papers.c.id.desc(),
        )
        .limit(limit)
        .offset(offset)
    )
    with db.read() as conn:
        return [Paper.from_row(row) for row in conn.execute(query).mappings()]


def top_categories(db: Database, *, limit: int = 12) -> list[tuple[str, int]]:
    """The most common primary categories (for the category filter)."""
    query = (
        select(papers.c.primary_category, func.count().label("n"))
        .where(papers.c.deleted.is_(False), papers.c.primary_category.is_not(None))
        .group_by(papers.c.primary_category)
        .order_by(func.count().desc(), papers.c.primary_category)
        .limit(limit)
    )
    with db.read() as conn:
        return [(str(row.primary_category), int(row.n)) for row in conn.execute(query)]


def papers_by_ids(db: Database, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    with db.read() as conn:
        for chunk in _chunks(list(ids), _SQLITE_MAX_PARAMS):
            for row in conn.execute(select(papers).where(papers.c.id.in_(chunk))).mappings():
                found[row["id"]] = dict(row)
    return found


def papers_announced_on(db: Database, day: date, *, limit: int = 100, offset: int = 0) -> list[Paper]:
    query = (
        select(papers)
        .where(papers.c.deleted.is_(False), papers.c.announced_on == day)
        .order_by(papers.c.id)
        .limit(limit)
        .offset(offset)
    )
    with db.read() as conn:
        return [Paper.from_row(row) for row in conn.execute(query).mappings()]


def authors_announced_between(db: Database, since: date, until: date) -> list[tuple[str, list[str]]]:
    """(id, authors) of the live papers announced in ``[since, until]``, newest first."""
    query = (
        select(papers.c.id, papers.c.authors)
        .where(papers.c.deleted.is_(False), papers.c.announced_on >= since, papers.c.announced_on <= until)
        .order_by(papers.c.announced_on.desc(), papers.c.id.desc())
    )
    with db.read() as conn:
        return [(str(row.id), list(row.authors or [])) for row in conn.execute(query)]


def latest_announcement_day(db: Database, *, on_or_before: date | None = None) -> date | None:
    """The newest listing day (optionally not after ``on_or_before``): arXiv lists nothing on weekends."""
    query = select(func.max(papers.c.announced_on))
    if on_or_before is not None:
        query = query.where(papers.c.announced_on <= on_or_before)
    with db.read() as conn:
        value = conn.execute(query).scalar()
    return value if isinstance(value, date) else None


def without_categories(db: Database, *, after: str = "", limit: int = 100) -> list[str]:
    """Ids of live papers with no category (known only from Hugging Face, say), in id order after ``after``."""
    query = (
        select(papers.c.id)
        .where(papers.c.deleted.is_(False), papers.c.primary_category.is_(None), papers.c.id > after)
        .order_by(papers.c.id)
        .limit(limit)
    )
    with db.read() as conn:
        return list(conn.execute(query).scalars())


def with_categories(db: Database, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` have a category now."""
    found: set[str] = set()
    for chunk in _chunks(list(ids), 900):
        query = select(papers.c.id).where(papers.c.id.in_(list(chunk)), papers.c.primary_category.is_not(None))
        with db.read() as conn:
            found.update(conn.execute(query).scalars())
    return found
