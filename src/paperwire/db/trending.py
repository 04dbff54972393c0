"""Trending storage: what the refresh reads (signals, candidate papers) and writes (scores per window).

Times come back as seconds since the epoch computed by the database, not as ``datetime`` objects: the refresh
reads hundreds of thousands of rows, and parsing each timestamp in Python would cost more than the scoring.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Float, and_, case, cast, delete, func, or_, select, update
from sqlalchemy.sql.elements import ColumnClause

from paperwire.db.schema import papers, signals, trending_scores, trending_state
from paperwire.db.upsert import insert_ignore

STATE_NAME = "scores"
_INSERT_CHUNK = 5_000
_IN_CHUNK = 900  # ids per IN (...) list; old SQLite builds allow 999 parameters


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    day: date | None  # announcement day (else the submission day)


@dataclass(frozen=True, slots=True)
class State:
    as_of: datetime
    fingerprint: str
    computed_at: datetime


def epoch_seconds(conn: Connection, column: ColumnClause[Any] | ColumnElement[Any]) -> ColumnElement[float]:
    if conn.dialect.name == "postgresql":
        return cast(func.extract("epoch", column), Float)
    return (func.julianday(column) - 2440587.5) * 86400.0


def watermark(conn: Connection) -> tuple[int, int, int]:
    """(signal rows, newest signal id, newest paper change): any write to the inputs changes it.

    An insert raises the newest id, a delete (an un-vote) lowers the count, a paper change bumps ``seq``.
    """
    count, newest = conn.execute(select(func.count(), func.coalesce(func.max(signals.c.id), 0))).one()
    seq = conn.execute(select(func.coalesce(func.max(papers.c.seq), 0))).scalar_one()
    return int(count), int(newest), int(seq)


def reference_day(conn: Connection, on_or_before: date) -> date | None:
    """The newest announcement (or, for papers without one, submission) day not after ``on_or_before``."""
    live = papers.c.deleted.is_(False)
    announced = conn.execute(
        select(func.max(papers.c.announced_on)).where(live, papers.c.announced_on <= on_or_before)
    ).scalar()
    submitted = conn.execute(
        select(func.max(papers.c.submitted_at)).where(
            live,
            papers.c.announced_on.is_(None),
            papers.c.submitted_at < _day_start(on_or_before + timedelta(1)),
        )
    ).scalar()
    days = [d for d in (announced, submitted.date() if submitted else None) if d is not None]
    return max(days) if days else None


def candidates(conn: Connection, first_day: date, last_day: date, since: datetime, now: datetime) -> list[Candidate]:
    """Live papers announced in ``[first_day, last_day]`` or with a signal in ``(since, now]``."""
    recent_signal = select(signals.c.paper_id).where(signals.c.at > since, signals.c.at <= now)
    announced_in = and_(papers.c.announced_on >= first_day, papers.c.announced_on <= last_day)
    submitted_in = and_(
        papers.c.announced_on.is_(None),
        papers.c.submitted_at >= _day_start(first_day),
        papers.c.submitted_at < _day_start(last_day + timedelta(1)),
    )
    columns = select(papers.c.id, papers.c.announced_on, papers.c.submitted_at).where(papers.c.deleted.is_(False))
    # Two queries, not one with `OR id IN (...)`: PostgreSQL, once it has statistics, runs that subquery once
    # per paper (minutes at 100k papers) instead of as a semi-join.
    found: dict[str, Candidate] = {}
    for query in (columns.where(or_(announced_in, submitted_in)), columns.where(papers.c.id.in_(recent_signal))):
        for paper_id, announced, submitted in conn.execute(query):
            day = announced or (submitted.date() if submitted else None)
            if day is None or day <= last_day:  # a paper listed after `now` did not exist yet
                found[paper_id] = Candidate(paper_id, day)
    return list(found.values())


def categories_of(conn: Connection, paper_ids: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for start in range(0, len(paper_ids), _IN_CHUNK):
        chunk = list(paper_ids[start : start + _IN_CHUNK])
        query = select(papers.c.id, papers.c.categories).where(papers.c.id.in_(chunk))
        found.update({row.id: list(row.categories) for row in conn.execute(query)})
    return found


def snapshot_rows(
    conn: Connection, kinds: Sequence[str], since: datetime, now: datetime
) -> list[tuple[str, str, float, float]]:
    """(paper, kind, epoch seconds, value) of cumulative counts in ``(since, now]``; series in time order."""
    query = (
        select(signals.c.paper_id, signals.c.kind, epoch_seconds(conn, signals.c.at), signals.c.value)
        .where(signals.c.kind.in_(kinds), signals.c.at > since, signals.c.at <= now)
        .order_by(signals.c.paper_id, signals.c.kind, signals.c.at)
    )
    return [tuple(row) for row in conn.execute(query)]


def snapshot_floors(
    conn: Connection, kinds: Sequence[str], since: datetime, now: datetime
) -> dict[tuple[str, str], float]:
    """The highest count each series reached up to ``since``, for the series with rows after it."""
    active = select(signals.c.paper_id).where(signals.c.kind.in_(kinds), signals.c.at > since, signals.c.at <= now)
    query = (
        select(signals.c.paper_id, signals.c.kind, func.max(signals.c.value))
        .where(signals.c.kind.in_(kinds), signals.c.at <= since, signals.c.paper_id.in_(active))
        .group_by(signals.c.paper_id, signals.c.kind)
    )
    return {(paper_id, kind): float(value) for paper_id, kind, value in conn.execute(query)}


def event_rows(
    conn: Connection, weights: Mapping[str, float], floor: float, since: datetime, now: datetime
) -> tuple[list[tuple[str, str, float, int]], list[tuple[str, str, str, float]]]:
    """In-app events in ``(since, now]``: counted together per (paper, kind, moment), and one by one for
    the actors who may reach the per-actor cap.

    An actor whose undecayed weighted mass on a paper is at most ``floor`` can never exceed the cap (which is
    never below ``floor``), so only the others need their events one by one; the rest is counted in SQL, a
    row per paper and day instead of a row per view. Returns ``(counted, heavy)``: ``(paper, kind, epoch
    seconds, count)`` rows of every event, and ``(paper, kind, actor, epoch seconds)`` rows of the events of
    heavy actors (already included in ``counted``: the caller moves them).
    """
    in_window = (signals.c.kind.in_(list(weights)), signals.c.at > since, signals.c.at <= now)
    mass = case(*((signals.c.kind == kind, w) for kind, w in weights.items()), else_=0.0)
    heavy_pairs = conn.execute(
        select(signals.c.paper_id, signals.c.actor)
        .where(*in_window)
        .group_by(signals.c.paper_id, signals.c.actor)
        .having(func.sum(mass) > floor)
    ).all()
    at = epoch_seconds(conn, signals.c.at)
    counted = conn.execute(
        select(signals.c.paper_id, signals.c.kind, at, func.count())
        .where(*in_window)
        .group_by(signals.c.paper_id, signals.c.kind, signals.c.at)
    ).all()
    pairs = {(paper_id, actor) for paper_id, actor in heavy_pairs}
    detail: list[tuple[str, str, str, float]] = []
    actors = sorted({actor for _, actor in pairs})
    for start in range(0, len(actors), _IN_CHUNK):
        query = select(signals.c.paper_id, signals.c.kind, signals.c.actor, at).where(
            *in_window, signals.c.actor.in_(actors[start : start + _IN_CHUNK])
        )
        detail.extend((r[0], r[1], r[2], float(r[3])) for r in conn.execute(query) if (r[0], r[2]) in pairs)
    return [(row[0], row[1], float(row[2]), int(row[3])) for row in counted], detail


# --- stored scores --------------------------------------------------------------------------------------


def read_state(conn: Connection) -> State | None:
    row = conn.execute(
        select(trending_state.c.as_of, trending_state.c.fingerprint, trending_state.c.computed_at).where(
            trending_state.c.name == STATE_NAME
        )
    ).first()
    return State(row.as_of, row.fingerprint, row.computed_at) if row else None


def replace_scores(conn: Connection, rows: Sequence[dict[str, Any]], state: State) -> None:
    """Swap in a complete new set of scores and the state that produced it (one transaction)."""
    conn.execute(delete(trending_scores))
    for start in range(0, len(rows), _INSERT_CHUNK):
        conn.execute(trending_scores.insert(), list(rows[start : start + _INSERT_CHUNK]))
    values = {"as_of": state.as_of, "fingerprint": state.fingerprint, "computed_at": state.computed_at}
    if not insert_ignore(conn, trending_state, [{"name": STATE_NAME, **values}]):
        conn.execute(update(trending_state).where(trending_state.c.name == STATE_NAME).values(**values))


def ranked(
    conn: Connection, window: str, like_patterns: Sequence[str], *, limit: int, offset: int
) -> list[dict[str, Any]]:
    """Stored scores of a window, best first, with the paper fields a card needs."""
    query = (
        select(
            trending_scores.c.paper_id.label("id"),
            trending_scores.c.score,
            trending_scores.c.parts,
            papers.c.title,
            papers.c.authors,
            papers.c.categories,
            papers.c.announced_on,
            papers.c.abstract,
            papers.c.code_links,
        )
        .join(papers, papers.c.id == trending_scores.c.paper_id)
        .where(trending_scores.c.trend_window == window, papers.c.deleted.is_(False))
        .order_by(*rank_order())
        .limit(limit)
        .offset(offset)
    )
    if like_patterns:
        query = query.where(or_(*(trending_scores.c.categories.like(p) for p in like_patterns)))
    return [dict(row) for row in conn.execute(query).mappings()]


def rank_order() -> tuple[ColumnElement[Any], ...]:
    """Best first; ties (e.g. papers with only the recency prior) newest first, then by id."""
    return (
        trending_scores.c.score.desc(),
        trending_scores.c.announced_on.desc().nulls_last(),
        trending_scores.c.paper_id.desc(),
    )


def score_map(conn: Connection, window: str) -> dict[str, float]:
    query = select(trending_scores.c.paper_id, trending_scores.c.score).where(trending_scores.c.trend_window == window)
    return {paper_id: float(score) for paper_id, score in conn.execute(query)}


def top_ids(conn: Connection, window: str, limit: int) -> list[str]:
    query = (
        select(trending_scores.c.paper_id)
        .where(trending_scores.c.trend_window == window)
        .order_by(*rank_order())
        .limit(limit)
    )
    return list(conn.execute(query).scalars())


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


# --- GitHub stars job -------------------------------------------------------------------------------------


def papers_with_code(conn: Connection, announced_since: date, also: Sequence[str]) -> list[tuple[str, list[str]]]:
    """(paper, code links) of live papers announced since ``announced_since`` or listed in ``also``."""
    wanted = or_(papers.c.announced_on >= announced_since, papers.c.id.in_(list(also)))
    query = (
        select(papers.c.id, papers.c.code_links)
        .where(papers.c.deleted.is_(False), wanted)
        .order_by(papers.c.announced_on.desc().nulls_last(), papers.c.id.desc())
    )
    return [(paper_id, list(links)) for paper_id, links in conn.execute(query) if links]


def last_observed(conn: Connection, kind: str, source: str, paper_ids: Sequence[str]) -> dict[str, datetime]:
    """When each paper last got a ``kind`` signal from ``source``."""
    found: dict[str, datetime] = {}
    for start in range(0, len(paper_ids), _IN_CHUNK):
        query = (
            select(signals.c.paper_id, func.max(signals.c.at))
            .where(
                signals.c.kind == kind,
                signals.c.source == source,
                signals.c.paper_id.in_(list(paper_ids[start : start + _IN_CHUNK])),
            )
            .group_by(signals.c.paper_id)
        )
        found.update({row.paper_id: row[1] for row in conn.execute(query)})
    return found
