"""Trending storage: what the refresh reads (signals, candidate papers) and writes (scores per window).

Times come back as seconds since the epoch computed by the database, not as ``datetime`` objects: the refresh
reads hundreds of thousands of rows, and parsing each timestamp in Python would cost more than the scoring.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Integer,
    and_,
    bindparam,
    cast,
    delete,
    func,
    literal_column,
    or_,
    select,
    text,
    update,
)

from paperwire.core.signals import EVENT_KINDS
from paperwire.db.schema import papers, signal_counts, signal_pairs, signals, trending_scores, trending_state
from paperwire.db.signals import deleted_count, epoch_seconds
from paperwire.db.upsert import insert_ignore

STATE_NAME = "scores"
_IN_CHUNK = 900  # ids per IN (...) list; old SQLite builds allow 999 parameters
# SQLite's julianday arithmetic can land a hair past a moment: an event stamped exactly `now` counts.
_EPOCH_SLACK = 0.01
_RECENT_IDS = 10_000  # a late commit among these many newest signal ids changes the watermark
_REFRESH_WORK_MEM = "64MB"  # PostgreSQL's memory for the refresh's groupings and sorts (see begin_refresh)


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    day: date | None  # announcement day (else the submission day)


@dataclass(frozen=True, slots=True)
class Candidates:
    """The papers a refresh scores, by position: ids and days as ``date.toordinal()`` numbers (None: no day),
    as the database gives them; a ``Candidate`` is made only for a paper looked at (a list's few thousand, not
    the horizon's hundred thousand)."""

    ids: list[str]
    days: list[int | None]

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> Candidate:
        day = self.days[i]
        return Candidate(self.ids[i], None if day is None else date.fromordinal(day))

    def __iter__(self) -> Iterator[Candidate]:
        return (self[i] for i in range(len(self.ids)))


@dataclass(frozen=True, slots=True)
class State:
    as_of: datetime
    fingerprint: str
    computed_at: datetime
    library_day: date | None = None  # the newest day, when the scores were computed as of it


def watermark(conn: Connection) -> tuple[int, int, int, int]:
    """(newest signal id, signals among the newest ids, signals ever deleted, newest paper change): any write to
    the inputs changes it.

    An insert raises the newest id, a delete (an un-vote) bumps the deletion counter (``note_deleted``), a
    paper change bumps ``seq``. On PostgreSQL ids are handed out before commit, so a transaction can commit
    after one with a higher id: the number of rows among the last ``_RECENT_IDS`` ids catches it. Index
    lookups and a short range: counting all signals took most of a second at 100k papers.
    """
    newest = int(conn.execute(select(func.coalesce(func.max(signals.c.id), 0))).scalar_one())
    recent = conn.execute(select(func.count()).where(signals.c.id > newest - _RECENT_IDS)).scalar_one()
    seq = conn.execute(select(func.coalesce(func.max(papers.c.seq), 0))).scalar_one()
    return newest, int(recent), deleted_count(conn), int(seq)


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


def begin_refresh(conn: Connection) -> None:
    """Settings for the refresh's read transaction. PostgreSQL: room to group and sort in memory (``work_mem``
    for this transaction only); with the default 4 MB it sorted ~1M count rows on disk to group ~200k (paper,
    kind) pairs, and the 127k snapshot rows too, where a hash table or an in-memory sort is a third faster."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SET LOCAL work_mem = '{_REFRESH_WORK_MEM}'"))


def candidates(conn: Connection, first_day: date, last_day: date, also: Iterable[str]) -> Candidates:
    """Live papers announced in ``[first_day, last_day]``, and those of ``also`` (the papers with a signal the
    refresh has already read: a snapshot or in-app event inside the longest horizon) listed by ``last_day``.

    Days come back as day numbers computed by the database (``date.toordinal``), not as dates parsed in Python
    (the horizon holds most of the library). The papers of ``also`` are looked up by id, only those the first
    query did not find: no second pass over the signals to find them again.
    """
    announced_in = and_(papers.c.announced_on >= first_day, papers.c.announced_on <= last_day)
    submitted_in = and_(
        papers.c.announced_on.is_(None),
        papers.c.submitted_at >= _day_start(first_day),
        papers.c.submitted_at < _day_start(last_day + timedelta(1)),
    )
    columns = select(papers.c.id, _day_number(conn)).where(papers.c.deleted.is_(False))
    found: dict[str, int | None] = dict(_rows(conn, columns.where(or_(announced_in, submitted_in))))
    others = sorted(set(also) - found.keys())
    last = last_day.toordinal()
    for start in range(0, len(others), _IN_CHUNK):
        query = columns.where(papers.c.id.in_(others[start : start + _IN_CHUNK]))
        for paper_id, day in _rows(conn, query):
            if day is None or day <= last:  # a paper listed after `now` did not exist yet
                found[paper_id] = day
    return Candidates(list(found), [None if day is None else int(day) for day in found.values()])


def _day_number(conn: Connection) -> ColumnElement[Any]:
    """The announcement day (else the submission day) as ``date.toordinal()`` numbers it."""
    if conn.dialect.name == "postgresql":
        origin: ColumnElement[Any] = literal_column("DATE '0001-01-01'")
        announced = papers.c.announced_on - origin + 1
        submitted = cast(papers.c.submitted_at, Date) - origin + 1
    else:  # julianday('0001-01-01') is 1721425.5
        announced = func.julianday(papers.c.announced_on) - 1721424.5
        submitted = func.julianday(func.date(papers.c.submitted_at)) - 1721424.5
    return cast(func.coalesce(announced, submitted), Integer)


def categories_of(conn: Connection, paper_ids: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for start in range(0, len(paper_ids), _IN_CHUNK):
        chunk = list(paper_ids[start : start + _IN_CHUNK])
        query = select(papers.c.id, papers.c.categories).where(papers.c.id.in_(chunk))
        found.update({row.id: list(row.categories) for row in conn.execute(query)})
    return found


Columns = tuple[tuple[Any, ...], ...]  # a result by column: ``columns[0]`` is its first column's values


def _rows(conn: Connection, query: Any) -> list[tuple[Any, ...]]:
    """A read's rows as the driver's tuples, fetched from its cursor in one call: the refresh reads ~1.5M
    values, and a SQLAlchemy ``Row`` per row (then taken apart again in Python) cost more than the database's
    work. Only for columns without a result type to process (strings, numbers): values come as the driver
    gives them."""
    result = conn.execute(query)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def _columns(conn: Connection, query: Any, width: int) -> Columns:
    """A read's result by column (``width`` columns, also when no row came)."""
    rows = _rows(conn, query)
    return tuple(zip(*rows, strict=True)) if rows else ((),) * width


def snapshot_rows(conn: Connection, kinds: Sequence[str], since: datetime, now: datetime) -> Columns:
    """(paper, kind, epoch seconds, value) columns of cumulative counts in ``(since, now]``, in no order (the
    refresh orders the series with numpy: sorting by the paper's id string cost SQLite a sort of every row)."""
    query = select(signals.c.paper_id, signals.c.kind, epoch_seconds(conn, signals.c.at), signals.c.value).where(
        signals.c.kind.in_(kinds), signals.c.at > since, signals.c.at <= now
    )
    return _columns(conn, query, 4)


def snapshot_floors(conn: Connection, kinds: Sequence[str], since: datetime, now: datetime) -> Columns:
    """(paper, kind, highest count up to ``since``) columns, for the series with rows after ``since``."""
    active = select(signals.c.paper_id).where(signals.c.kind.in_(kinds), signals.c.at > since, signals.c.at <= now)
    query = (
        select(signals.c.paper_id, signals.c.kind, func.max(signals.c.value))
        .where(signals.c.kind.in_(kinds), signals.c.at <= since, signals.c.paper_id.in_(active))
        .group_by(signals.c.paper_id, signals.c.kind)
    )
    return _columns(conn, query, 3)


def event_sums(conn: Connection, now_epoch: float, windows: Sequence[tuple[float, float, float]]) -> Columns:
    """In-app events per (paper, kind), summed from ``signal_counts`` by the database, for each window.

    ``windows`` holds ``(half-life, horizon, span)`` in seconds. The columns are ``(paper, kind, D_1.., C_1..)``:
    ``D_w`` the decayed amount (``Σ n · 0.5^(age / half-life)`` over the counts younger than the horizon),
    ``C_w`` the number of events younger than the span (whole events, for the words). One pass over ~one row
    per paper, kind and day, every window's sums in it: each a ``FILTER`` aggregate, so a row outside a window
    costs a comparison, no decay and no addition (a fifth less than ``CASE`` on SQLite). One row per (paper,
    kind).
    """
    age = now_epoch - signal_counts.c.t
    decayed = [
        func.coalesce(func.sum(signal_counts.c.n * func.pow(0.5, age / half_life)).filter(age < horizon), 0.0)
        for half_life, horizon, _ in windows
    ]
    counted = [func.coalesce(func.sum(signal_counts.c.n).filter(age < span), 0) for _, _, span in windows]
    longest = max(horizon for _, horizon, _ in windows)
    query = (
        select(signal_counts.c.paper_id, signal_counts.c.kind, *decayed, *counted)
        .where(signal_counts.c.t > now_epoch - longest, signal_counts.c.t <= now_epoch + _EPOCH_SLACK)
        .group_by(signal_counts.c.paper_id, signal_counts.c.kind)
    )
    with planner_settings(conn, SUMS_SETTINGS):
        return _columns(conn, query, 2 + 2 * len(windows))


# PostgreSQL planned the sums as a parallel hash aggregate: each worker hashed ~125k of the ~195k groups, the
# leader hashed them again (0.84 s at 100k papers, busy). The rows are already in the grouping's order in
# ``ix_signal_counts_paper``: one index-only scan grouping as it goes takes 0.36 s. No JIT: compiling the
# expressions costs more than it saves on one run of the query.
SUMS_SETTINGS = {"enable_hashagg": "off", "max_parallel_workers_per_gather": "0", "jit": "off"}


@contextmanager
def planner_settings(conn: Connection, values: dict[str, str]) -> Iterator[None]:
    """PostgreSQL settings for the statements inside the block only: set for the transaction (``set_config``
    with ``is_local``), the earlier values put back after the block, so the rest of the transaction plans as
    before, and nothing outlives the transaction either way (a failed statement rolls it back, and the local
    values with it). Nothing on SQLite."""
    if conn.dialect.name != "postgresql":
        yield
        return
    names = list(values)
    before = conn.execute(select(*(func.current_setting(name) for name in names))).one()
    conn.execute(select(*(func.set_config(name, values[name], True) for name in names)))
    yield
    conn.execute(select(*(func.set_config(name, was, True) for name, was in zip(names, before, strict=True))))


# SQLite without statistics (a user's database is never ANALYZEd) planned the join from the signals' range
# (every event of the horizon, 2.5M rows at 100k papers, 0.8 s) and looked each up among the pairs; CROSS JOIN
# is SQLite's way to fix the order: the few thousand pairs outside, their events from ``ix_signals_actor``.
# (SQLAlchemy has no CROSS JOIN; the epoch is ``epoch_seconds``'s SQLite arithmetic, the same bit for bit.)
_PAIR_EVENTS_SQLITE = text(
    "SELECT signals.paper_id, signals.kind, signals.actor, (julianday(signals.at) - 2440587.5) * 86400.0 "
    "FROM signal_pairs CROSS JOIN signals "
    "ON signals.paper_id = signal_pairs.paper_id AND signals.actor = signal_pairs.actor "
    f"WHERE signals.kind IN ({', '.join(repr(k) for k in EVENT_KINDS)}) AND signals.at > :since AND signals.at <= :now"
).bindparams(bindparam("since", type_=DateTime), bindparam("now", type_=DateTime))


def pair_events(conn: Connection, since: datetime, now: datetime) -> Columns:
    """``(paper, kind, actor, epoch seconds)`` columns of the in-app events in ``(since, now]`` of the (paper,
    actor) pairs with two or more events: the only ones the per-actor cap can touch, scored one by one."""
    if conn.dialect.name == "sqlite":
        return _columns(conn, _PAIR_EVENTS_SQLITE.bindparams(since=since, now=now), 4)
    joined = signal_pairs.join(
        signals, and_(signals.c.paper_id == signal_pairs.c.paper_id, signals.c.actor == signal_pairs.c.actor)
    )
    query = (
        select(signals.c.paper_id, signals.c.kind, signals.c.actor, epoch_seconds(conn, signals.c.at))
        .select_from(joined)
        .where(signals.c.kind.in_(EVENT_KINDS), signals.c.at > since, signals.c.at <= now)
    )
    return _columns(conn, query, 4)


def newest_observation(conn: Connection, kinds: Sequence[str], day: date) -> datetime | None:
    """The latest moment on ``day`` at which a snapshot (HF upvotes, stars, ...) was observed."""
    query = select(func.max(signals.c.at)).where(
        signals.c.kind.in_(list(kinds)), signals.c.at >= _day_start(day), signals.c.at < _day_start(day + timedelta(1))
    )
    found = conn.execute(query).scalar()
    return found if isinstance(found, datetime) else None


# --- stored scores --------------------------------------------------------------------------------------


def read_state(conn: Connection) -> State | None:
    row = conn.execute(
        select(
            trending_state.c.as_of,
            trending_state.c.fingerprint,
            trending_state.c.computed_at,
            trending_state.c.library_day,
        ).where(trending_state.c.name == STATE_NAME)
    ).first()
    return State(row.as_of, row.fingerprint, row.computed_at, row.library_day) if row else None


def replace_scores(conn: Connection, rows: Sequence[dict[str, Any]], state: State) -> None:
    """Swap in a complete new set of scores and the state that produced it (one transaction)."""
    conn.execute(delete(trending_scores))
    _insert_scores(conn, rows)
    values = {
        "as_of": state.as_of,
        "fingerprint": state.fingerprint,
        "computed_at": state.computed_at,
        "library_day": state.library_day,
    }
    if not insert_ignore(conn, trending_state, [{"name": STATE_NAME, **values}]):
        conn.execute(update(trending_state).where(trending_state.c.name == STATE_NAME).values(**values))


_SCORE_COLUMNS = ("trend_window", "paper_id", "score", "parts", "categories", "announced_on")


def _insert_scores(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """The ~15k rows of a refresh at 100k papers, written without SQLAlchemy's per-row bind processing: a
    quarter to a third of the refresh went into it (0.3 s on SQLite; 0.8 s on PostgreSQL, where psycopg's
    executemany sends a statement per row). PostgreSQL gets COPY; SQLite one executemany of plain tuples. The
    values are what the column types would store: ``parts`` as JSON text, the day as an ISO date."""
    values = [
        (r["trend_window"], r["paper_id"], r["score"], json.dumps(r["parts"]), r["categories"], r["announced_on"])
        for r in rows
    ]
    driver = conn.connection.driver_connection
    columns = ", ".join(_SCORE_COLUMNS)
    if conn.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY trending_scores ({columns}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for value in values:
                copy.write_row(value)
        return
    as_text = [(*value[:5], None if value[5] is None else value[5].isoformat()) for value in values]
    placeholders = ", ".join("?" for _ in _SCORE_COLUMNS)
    driver.executemany(f"INSERT INTO trending_scores ({columns}) VALUES ({placeholders})", as_text)  # type: ignore[union-attr]


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
