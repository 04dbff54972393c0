"""The refresh job: read the signals once, score every window with the formula, store the scores.

Idempotent and incremental: the stored state remembers a digest of the inputs (``now``, the signals and
papers watermark, the formula's settings); a refresh whose digest matches does nothing. ``paperwire trending
refresh``, the scheduler and the after-ingest hook all call ``refresh``.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection

from paperwire.config import Settings
from paperwire.core.clock import to_minute, utcnow
from paperwire.core.signals import EVENT_KINDS, FIRST_COUNTED, SNAPSHOT_KINDS
from paperwire.db import trending as store
from paperwire.db.engine import Database
from paperwire.trending.formula import (
    KINDS,
    WINDOWS,
    Floats,
    Increments,
    Window,
    WindowScores,
    params_for,
    parts,
    rises,
    score_window,
)

_KIND_INDEX = {kind: i for i, kind in enumerate(KINDS)}


@dataclass(frozen=True, slots=True)
class Scored:
    """Every candidate paper scored in every window at one moment, and each window's list."""

    now: datetime
    papers: list[store.Candidate]
    windows: dict[Window, WindowScores]
    order: dict[Window, list[int]]  # the list: best first, at most `trending_keep` papers (indexes of papers)
    categories: dict[str, list[str]]  # of the papers on a list
    signals_read: int
    fingerprint: str

    def rows(self, window: Window) -> list[dict[str, Any]]:
        """The papers on the ``window`` list as rows of ``trending_scores``."""
        scores = self.windows[window]
        rows = []
        for i in self.order[window]:
            paper = self.papers[i]
            rows.append(
                {
                    "trend_window": window,
                    "paper_id": paper.id,
                    "score": float(scores.score[i]),
                    "parts": parts(scores.amounts[i], scores.points[i], float(scores.prior[i])),
                    "categories": category_text(self.categories.get(paper.id, [])),
                    "announced_on": paper.day,
                }
            )
        return rows


@dataclass(slots=True)
class RefreshReport:
    as_of: datetime
    skipped: bool  # nothing changed since the refresh that stored the current scores
    papers: dict[str, int] = field(default_factory=dict)  # scored papers per window
    signals_read: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "skipped": self.skipped,
            "papers": self.papers,
            "signals_read": self.signals_read,
            "seconds": round(self.seconds, 3),
        }


def category_text(categories: list[str]) -> str:
    """``' cs.lg cs.ai '``: lower case, space-delimited, so a LIKE finds whole names and prefixes."""
    return " " + " ".join(c.lower() for c in categories) + " "


def refresh(db: Database, settings: Settings, now: datetime | None = None) -> RefreshReport:
    """Recompute and store the scores of every window at ``now``; a no-op when no input changed."""
    started = time.perf_counter()
    now = now or to_minute(utcnow())  # to the minute: reruns within a minute see the same now (and do nothing)
    with db.read() as conn:
        state = store.read_state(conn)
        unchanged = state is not None and state.fingerprint == fingerprint(conn, settings, now)
    if unchanged:
        return RefreshReport(now, skipped=True, seconds=time.perf_counter() - started)
    scored = compute(db, settings, now)
    rows = [row for window in WINDOWS for row in scored.rows(window)]
    with db.write() as conn:
        store.replace_scores(conn, rows, store.State(now, scored.fingerprint, to_minute(utcnow())))
    return RefreshReport(
        now,
        skipped=False,
        papers={w: int((scored.windows[w].score > 0).sum()) for w in WINDOWS},
        signals_read=scored.signals_read,
        seconds=time.perf_counter() - started,
    )


def fingerprint(conn: Connection, settings: Settings, now: datetime) -> str:
    inputs = {
        "now": now.isoformat(),
        "watermark": store.watermark(conn),
        "params": {w: repr(params_for(settings, w)) for w in WINDOWS},
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def compute(db: Database, settings: Settings, now: datetime) -> Scored:
    """Score every candidate paper in every window at ``now`` (reads only)."""
    params = {w: params_for(settings, w) for w in WINDOWS}
    longest = max(p.horizon_hours for p in params.values())
    since = now - timedelta(hours=longest)
    with db.read() as conn:
        digest = fingerprint(conn, settings, now)
        reference = store.reference_day(conn, now.date()) or now.date()
        first_day = reference - timedelta(days=math.ceil(longest / 24))  # the prior's horizon
        papers = store.candidates(conn, first_day, now.date(), since, now)
        index = {paper.id: i for i, paper in enumerate(papers)}
        snapshots = store.snapshot_rows(conn, SNAPSHOT_KINDS, since, now)
        floors = store.snapshot_floors(conn, SNAPSHOT_KINDS, since, now)
        weights = params["day"].weights  # the same in every window
        events = store.event_rows(conn, {k: weights[k] for k in EVENT_KINDS}, params["day"].actor_floor, since, now)
    increments, n_actors = build_increments(index, snapshots, floors, events, now)
    prior_age = prior_age_hours(papers, reference)
    windows = {w: score_window(increments, prior_age, params[w], n_actors=n_actors) for w in WINDOWS}
    order = {w: best_first(papers, windows[w].score, settings.trending_keep) for w in WINDOWS}
    with db.read() as conn:
        categories = store.categories_of(conn, sorted({papers[i].id for kept in order.values() for i in kept}))
    read = len(snapshots) + sum(count for *_, count in events[0])
    return Scored(now, papers, windows, order, categories, read, digest)


def best_first(papers: list[store.Candidate], score: Floats, keep: int) -> list[int]:
    """Indexes of the ``keep`` best papers: score, then the newer day, then the higher id (as SQL sorts)."""
    scored = np.flatnonzero(score > 0)
    if scored.size > keep:  # only the contenders need the full sort
        scored = scored[np.argpartition(-score[scored], keep - 1)[:keep]]
        threshold = score[scored].min()
        scored = np.flatnonzero(score >= threshold)  # ties at the cut stay, to be ordered fairly
    order = sorted(scored.tolist(), key=lambda i: papers[i].id, reverse=True)
    order.sort(key=lambda i: (-score[i], _newest_first(papers[i].day)))
    return order[:keep]


def prior_age_hours(papers: list[store.Candidate], reference: date) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.array(
        [(reference - p.day).days * 24.0 if p.day is not None else np.nan for p in papers], dtype=np.float64
    )


def build_increments(
    index: dict[str, int],
    snapshots: list[tuple[str, str, float, float]],
    floors: dict[tuple[str, str], float],
    events: tuple[list[tuple[str, str, float, int]], list[tuple[str, str, str, float]]],
    now: datetime,
) -> tuple[Increments, int]:
    """The increments of every candidate paper as arrays (rows of other papers are dropped)."""
    now_epoch = now.replace(tzinfo=UTC).timestamp()
    snaps = [row for row in snapshots if row[0] in index]
    group = np.array([index[p] * len(KINDS) + _KIND_INDEX[k] for p, k, _, _ in snaps], dtype=np.int64)
    value = np.array([v for _, _, _, v in snaps], dtype=np.float64)
    floor = np.array([floors.get((p, k), np.nan) for p, k, _, _ in snaps], dtype=np.float64)
    first_cap = np.array([FIRST_COUNTED.get(k, np.inf) for _, k, _, _ in snaps], dtype=np.float64)
    counted = move_heavy([row for row in events[0] if row[0] in index], events[1])
    heavy = [row for row in events[1] if row[0] in index]
    actors: dict[str, int] = {}
    heavy_actor = [actors.setdefault(a, len(actors)) for _, _, a, _ in heavy]
    n_snap, n_counted = len(snaps), len(counted)
    increments = Increments(
        paper=np.array(
            [index[p] for p, *_ in snaps] + [index[p] for p, *_ in counted] + [index[p] for p, *_ in heavy],
            dtype=np.int64,
        ),
        kind=np.array([_KIND_INDEX[row[1]] for rows in (snaps, counted, heavy) for row in rows], dtype=np.int64),
        actor=np.array([-1] * n_snap + [-2] * n_counted + heavy_actor, dtype=np.int64),
        amount=np.concatenate(
            [
                rises(group, value, floor, first_cap),
                np.array([c for *_, c in counted], dtype=np.float64),
                np.ones(len(heavy)),
            ]
        ),
        # The database's clock arithmetic can land a hair past `now` for a signal stamped exactly `now`.
        age_hours=np.maximum(
            (now_epoch - np.array([r[2] for r in snaps] + [r[2] for r in counted] + [r[3] for r in heavy])) / 3600.0,
            0.0,
        ),
    )
    return increments, len(actors)


def _newest_first(day: date | None) -> int:
    return -day.toordinal() if day else 1  # no day: after every dated paper, as NULLS LAST in SQL


def move_heavy(
    counted: list[tuple[str, str, float, int]], heavy: list[tuple[str, str, str, float]]
) -> list[tuple[str, str, float, int]]:
    """Take the heavy actors' events out of the counts (they are scored one by one, to be capped)."""
    taken: dict[tuple[str, str, float], int] = {}
    for paper_id, kind, _, at in heavy:
        taken[(paper_id, kind, at)] = taken.get((paper_id, kind, at), 0) + 1
    if not taken:
        return counted
    left = [(p, k, at, n - taken.get((p, k, at), 0)) for p, k, at, n in counted]
    return [row for row in left if row[3] > 0]
