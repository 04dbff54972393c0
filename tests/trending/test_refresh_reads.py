"""How the refresh reads: the plans it asks the databases for, and that what it asks for stays in its reads."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import event, text

from paperwire.core.records import Signal
from paperwire.db import signals as signals_db
from paperwire.db import trending as store
from paperwire.db.engine import Database
from paperwire.trending.refresh import compute
from testkit.trending_data import add_papers, paper

NOW = datetime(2026, 3, 31, 18)


def _busy_pairs(db: Database) -> None:
    add_papers(db, *(paper(f"2603.{n:05d}", date(2026, 3, 30)) for n in range(3)))
    rows = [
        (f"2603.{n:05d}", Signal("view", 1.0, NOW - timedelta(days=day), "app", f"v{actor}"))
        for n in range(3)
        for actor in range(4)
        for day in range(3)
    ]
    with db.write() as conn:
        signals_db.add_signals(conn, rows)


def test_sqlite_reads_the_pairs_events_from_the_pairs(sqlite_db: Database) -> None:
    """A user's SQLite database has no statistics: left to itself the planner scanned every event of the
    horizon and looked each up among the pairs. The statement the refresh sends starts from the pairs."""
    _busy_pairs(sqlite_db)
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "signal_pairs" in statement:
            sent.append((statement, parameters))

    event.listen(sqlite_db.engine, "before_cursor_execute", keep)
    with sqlite_db.read() as conn:
        found = store.pair_events(conn, NOW - timedelta(days=60), NOW)
        ((statement, parameters),) = sent
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
        stats = conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar()
    assert stats == 0
    assert len(found[0]) == 36  # every pair has three views
    steps = [row[3] for row in plan]
    assert steps[0].startswith("SCAN signal_pairs"), steps
    assert "ix_signals_actor" in steps[1], steps


def test_postgres_sums_settings_stay_in_the_sums(postgres_db: Database) -> None:
    """The sums' planner settings hold for that statement only: the rest of the refresh's transaction plans
    with the earlier values (here a session's own, not the defaults), and the session keeps its own."""
    with postgres_db.engine.connect() as conn:
        conn.execute(text("SET max_parallel_workers_per_gather = 1"))  # the session's value, not the default
        conn.commit()
        names = list(store.SUMS_SETTINGS)
        show = lambda: {n: conn.execute(text(f"SHOW {n}")).scalar() for n in names}  # noqa: E731
        session = show()
        conn.commit()
        with conn.begin():
            store.begin_refresh(conn)
            with store.planner_settings(conn, store.SUMS_SETTINGS):
                assert show() == store.SUMS_SETTINGS
            assert show() == session
            store.event_sums(conn, NOW.timestamp(), [(3600.0, 6 * 3600.0, 24 * 3600.0)])
            assert show() == session
        assert show() == session
        assert session["max_parallel_workers_per_gather"] == "1"


def test_postgres_refresh_leaves_the_pooled_session_as_it_was(postgres_db: Database, settings: Any) -> None:
    _busy_pairs(postgres_db)
    with postgres_db.engine.connect() as conn:
        before = {n: conn.execute(text(f"SHOW {n}")).scalar() for n in [*store.SUMS_SETTINGS, "work_mem"]}
    scored = compute(postgres_db, settings, NOW)
    assert scored.signals_read > 0
    with postgres_db.engine.connect() as conn:  # the pool's one connection, the one the refresh used
        after = {n: conn.execute(text(f"SHOW {n}")).scalar() for n in before}
    assert after == before
