"""Signals: time-stamped observations about papers (upvotes, stars, views, ...), and the per-paper counts of
in-app events kept up to date as they are written.

``signal_counts`` holds, for every paper, in-app kind and moment, how many events there are (views and digest
clicks are stamped at their day's 00:00, so for them a row is a paper and day); ``signal_pairs`` the (paper,
actor) pairs with two or more in-app events, the only ones the per-actor cap can touch. Every write of an
in-app event (``add_signals``, and the reactions module) recounts the rows it touched from ``signals`` in the
same transaction, so the counts always equal a full recount (``rebuild_counts``), also after a take-back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Float, cast, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from paperwire.core.records import Signal
from paperwire.core.signals import EVENT_KINDS
from paperwire.db.engine import Database
from paperwire.db.schema import signal_changes, signal_counts, signal_pairs, signals
from paperwire.db.upsert import insert_ignore

_CHUNK = 400
_RECOUNT_LOCKS = 1_715_001  # the class of PostgreSQL advisory locks that serialise recounts of one paper


def add_signals(conn: Connection, observations: Sequence[tuple[str, Signal]]) -> int:
    """Store ``(paper_id, signal)`` pairs; the same observation twice is stored once. Returns new rows."""
    rows = [
        {
            "paper_id": paper_id,
            "kind": s.kind,
            "value": s.value,
            "at": s.at,
            "source": s.source,
            "actor": s.actor,
        }
        for paper_id, s in observations
    ]
    added = insert_ignore(conn, signals, rows)
    events = sorted({paper_id for paper_id, s in observations if s.kind in EVENT_KINDS})
    if added and events:
        recount_papers(conn, events)
    return added


SIGNALS = "signals"  # the row of ``signal_changes`` that counts deleted signals


def note_deleted(conn: Connection, n: int) -> None:
    """Count ``n`` deleted signal rows (in the deleting transaction): the refresh's fingerprint reads this
    counter and the newest id instead of counting every signal, so every delete of ``signals`` calls it."""
    if n <= 0:
        return
    bumped = conn.execute(
        update(signal_changes).where(signal_changes.c.name == SIGNALS).values(deleted=signal_changes.c.deleted + n)
    )
    if not bumped.rowcount:
        insert_ignore(conn, signal_changes, [{"name": SIGNALS, "deleted": n}])


def deleted_count(conn: Connection) -> int:
    found = conn.execute(select(signal_changes.c.deleted).where(signal_changes.c.name == SIGNALS)).scalar()
    return int(found or 0)


def epoch_seconds(conn: Connection, column: Any) -> ColumnElement[float]:
    if conn.dialect.name == "postgresql":
        return cast(func.extract("epoch", column), Float)
    return (func.julianday(column) - 2440587.5) * 86400.0


def recount_event(conn: Connection, paper_id: str, kind: str, actor: str, at: Any) -> None:
    """Recount the one row an in-app event of ``actor`` at ``at`` belongs to (after an insert or delete)."""
    _one_recount_at_a_time(conn, [paper_id])
    _recount(
        conn,
        key=(signal_counts.c.paper_id == paper_id, signal_counts.c.kind == kind, signal_counts.c.at == at),
        scope=(signals.c.paper_id == paper_id, signals.c.kind == kind, signals.c.at == at),
    )
    _add_pairs(conn, (signals.c.paper_id == paper_id, signals.c.actor == actor))


def recount_papers(conn: Connection, paper_ids: Iterable[str]) -> None:
    """Recount every in-app row of these papers (a bulk write touched them)."""
    ids = sorted(set(paper_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        _one_recount_at_a_time(conn, chunk)
        _recount(conn, key=(signal_counts.c.paper_id.in_(chunk),), scope=(signals.c.paper_id.in_(chunk),))
        _add_pairs(conn, (signals.c.paper_id.in_(chunk),))


def rebuild_counts(conn: Connection) -> None:
    """Recount everything from ``signals`` (the migration, and the test that holds the counts exact)."""
    conn.execute(delete(signal_pairs))
    _recount(conn, key=(), scope=())
    _add_pairs(conn, ())


def full_recount(conn: Connection) -> tuple[set[tuple[str, str, Any, int]], set[tuple[str, str]]]:
    """What the counts should hold, grouped from ``signals`` now (read only): (rows, pairs)."""
    rows = conn.execute(_grouped(conn, ())).all()
    pairs = conn.execute(_pairs_query(())).all()
    return {(r[0], r[1], r[2], int(r[4])) for r in rows}, {(p, a) for p, a in pairs}


def stored_counts(conn: Connection) -> tuple[set[tuple[str, str, Any, int]], set[tuple[str, str]]]:
    rows = conn.execute(select(signal_counts.c.paper_id, signal_counts.c.kind, signal_counts.c.at, signal_counts.c.n))
    pairs = conn.execute(select(signal_pairs.c.paper_id, signal_pairs.c.actor))
    return {(r[0], r[1], r[2], int(r[3])) for r in rows}, {(p, a) for p, a in pairs}


def _one_recount_at_a_time(conn: Connection, paper_ids: Sequence[str]) -> None:
    """On PostgreSQL, wait for any other open transaction recounting one of these papers.

    Two views of a paper on one day are stamped 00:00, so they recount the same ``signal_counts`` row; under
    READ COMMITTED neither transaction's DELETE sees the other's uncommitted row and both INSERT it (a
    unique violation, a lost page view). Holding a per-paper lock until commit makes the second recount run
    after the first committed, so it deletes that row and counts both events. Ids are locked in sorted order
    (no two writers wait on each other in a cycle). SQLite has one writer at a time already."""
    if conn.dialect.name != "postgresql":
        return
    for paper_id in sorted(set(paper_ids)):
        conn.execute(select(func.pg_advisory_xact_lock(_RECOUNT_LOCKS, func.hashtext(paper_id))))


def _grouped(conn: Connection, scope: tuple[Any, ...]) -> Any:
    return (
        select(signals.c.paper_id, signals.c.kind, signals.c.at, epoch_seconds(conn, signals.c.at), func.count())
        .where(signals.c.kind.in_(EVENT_KINDS), *scope)
        .group_by(signals.c.paper_id, signals.c.kind, signals.c.at)
    )


def _recount(conn: Connection, *, key: tuple[Any, ...], scope: tuple[Any, ...]) -> None:
    conn.execute(delete(signal_counts).where(*key))
    columns = [signal_counts.c.paper_id, signal_counts.c.kind, signal_counts.c.at, signal_counts.c.t, signal_counts.c.n]
    conn.execute(signal_counts.insert().from_select(columns, _grouped(conn, scope)))


def _pairs_query(scope: tuple[Any, ...]) -> Any:
    return (
        select(signals.c.paper_id, signals.c.actor)
        .where(signals.c.kind.in_(EVENT_KINDS), *scope)
        .group_by(signals.c.paper_id, signals.c.actor)
        .having(func.count() >= 2)
    )


def _add_pairs(conn: Connection, scope: tuple[Any, ...]) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(signal_pairs).from_select(["paper_id", "actor"], _pairs_query(scope))
    conn.execute(statement.on_conflict_do_nothing())


def count_signals(db: Database, *, kind: str | None = None) -> int:
    query = select(func.count()).select_from(signals)
    if kind:
        query = query.where(signals.c.kind == kind)
    with db.read() as conn:
        return int(conn.execute(query).scalar_one())


def signals_for(db: Database, paper_id: str) -> list[dict[str, object]]:
    query = select(signals).where(signals.c.paper_id == paper_id).order_by(signals.c.at, signals.c.kind)
    with db.read() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def latest_counts(conn: Connection, paper_ids: Sequence[str], kinds: Sequence[str]) -> dict[str, dict[str, int]]:
    """The highest count each snapshot series reached (HF upvotes, comments, GitHub stars), per paper."""
    found: dict[str, dict[str, int]] = {}
    for start in range(0, len(paper_ids), 900):
        query = (
            select(signals.c.paper_id, signals.c.kind, func.max(signals.c.value))
            .where(signals.c.kind.in_(list(kinds)), signals.c.paper_id.in_(list(paper_ids[start : start + 900])))
            .group_by(signals.c.paper_id, signals.c.kind)
        )
        for paper_id, kind, value in conn.execute(query):
            found.setdefault(paper_id, {})[kind] = int(value)
    return found
