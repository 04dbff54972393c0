"""The refresh job: read the signals once, score every window with the formula, store the scores.

Idempotent and incremental: the stored state remembers a digest of the inputs (``now``, the signals and
papers watermark, the formula's settings); a refresh whose digest matches does nothing. ``paperwire trending
refresh``, the scheduler and the after-ingest hook all call ``refresh``.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import repeat
from typing import Any

import numpy as np
from sqlalchemy import Connection

from paperwire.config import Settings
from paperwire.core.clock import to_minute, utcnow
from paperwire.core.signals import BY_NAME, FIRST_COUNTED, SNAPSHOT_KINDS
from paperwire.db import trending as store
from paperwire.db.engine import Database
from paperwire.trending.formula import (
    KINDS,
    SPAN_HOURS,
    WINDOWS,
    Floats,
    Increments,
    Ints,
    Params,
    Window,
    WindowScores,
    params_for,
    parts,
    rises,
    score_window,
)

_KIND_INDEX = {kind: i for i, kind in enumerate(KINDS)}
_FIRST_IS_TOTAL = np.array([BY_NAME[kind].first_count_is_total for kind in KINDS])  # HF and GitHub
_FIRST_CAP = np.array([FIRST_COUNTED.get(kind, np.inf) for kind in KINDS])  # of a first observation


@dataclass(frozen=True, slots=True)
class Scored:
    """Every candidate paper scored in every window at one moment, and each window's list."""

    now: datetime
    papers: store.Candidates
    windows: dict[Window, WindowScores]
    order: dict[Window, list[int]]  # the list: best first, at most `trending_keep` papers (indexes of papers)
    categories: dict[str, list[str]]  # of the papers on a list
    signals_read: int
    fingerprint: str
    counts: dict[Window, Floats]  # papers × KINDS: whole events within each window's span
    clock: Clock
    totals: dict[Window, Floats]  # papers × KINDS: counts of "+N" series first seen in the span (0: none)

    def parts(self, window: Window, i: int) -> dict[str, dict[str, float]]:
        """Paper ``i``'s explanation in ``window``, as stored (``formula.parts``)."""
        scores = self.windows[window]
        return parts(
            scores.amounts[i], scores.points[i], float(scores.prior[i]), self.counts[window][i], self.totals[window][i]
        )

    def rows(self, window: Window) -> list[dict[str, Any]]:
        """The papers on the ``window`` list as rows of ``trending_scores``."""
        scores, order = self.windows[window], self.order[window]
        # The list's numbers as Python floats in one step each (element by element, numpy scalars cost more
        # than the rest of the row).
        columns = zip(
            scores.score[order].tolist(),
            scores.amounts[order].tolist(),
            scores.points[order].tolist(),
            scores.prior[order].tolist(),
            self.counts[window][order].tolist(),
            self.totals[window][order].tolist(),
            strict=True,
        )
        rows = []
        for i, (score, amounts, points, prior, counts, totals) in zip(order, columns, strict=True):
            paper = self.papers[i]
            rows.append(
                {
                    "trend_window": window,
                    "paper_id": paper.id,
                    "score": score,
                    "parts": parts(amounts, points, prior, counts, totals),
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


@contextmanager
def _without_gc() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a refresh runs: the refresh holds about a million small
    objects (the rows it reads), every automatic collection of the oldest generation walks them all, and the
    refresh makes no reference cycles to collect (measured at 100k papers: a quarter of the refresh). The
    collector's state is restored after, also when it was paused already."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def refresh(db: Database, settings: Settings, now: datetime | None = None) -> RefreshReport:
    """Recompute and store the scores of every window at ``now``; a no-op when no input changed."""
    with _without_gc():
        return _refresh(db, settings, now)


def _refresh(db: Database, settings: Settings, now: datetime | None) -> RefreshReport:
    started = time.perf_counter()
    now = now or to_minute(utcnow())  # to the minute: reruns within a minute see the same now (and do nothing)
    with db.read() as conn:
        state = store.read_state(conn)
        digest = fingerprint(conn, settings, now)
        unchanged = state is not None and state.fingerprint == digest
    if unchanged:
        return RefreshReport(now, skipped=True, seconds=time.perf_counter() - started)
    scored = compute(db, settings, now, digest=digest)
    rows = [row for window in WINDOWS for row in scored.rows(window)]
    with db.write() as conn:
        state = store.State(now, scored.fingerprint, to_minute(utcnow()), scored.clock.library_day)
        store.replace_scores(conn, rows, state)
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


@dataclass(frozen=True, slots=True)
class Clock:
    """The moments a refresh ages things from.

    ``now`` is the real minute: this site's own readers vote, save, view and click now, so in-app events are
    aged from it. ``as_of`` is the moment harvested signals (HF upvotes, stars) and the recency prior are aged
    from: ``now``, unless the library's newest day is older than the day window (a fresh install of the
    bundled sample, a site whose harvest stopped), then the newest observation on that day, and
    ``library_day`` names the day: every list then says "as of" it instead of showing nothing.
    """

    now: datetime
    as_of: datetime
    library_day: date | None


def clock_for(conn: Connection, settings: Settings, now: datetime) -> Clock:
    newest = store.reference_day(conn, now.date())
    stale_after = math.ceil(params_for(settings, "day").horizon_hours / 24)
    if newest is None or (now.date() - newest).days <= stale_after:
        return Clock(now, now, None)
    observed = store.newest_observation(conn, SNAPSHOT_KINDS, newest)
    as_of = max(datetime.combine(newest, datetime.min.time()), observed or datetime.min)
    return Clock(now, as_of, newest)


def compute(db: Database, settings: Settings, now: datetime, *, digest: str | None = None) -> Scored:
    """Score every candidate paper in every window at ``now`` (reads only)."""
    with _without_gc():
        return _compute(db, settings, now, digest)


def _compute(db: Database, settings: Settings, now: datetime, digest: str | None) -> Scored:
    params = {w: params_for(settings, w) for w in WINDOWS}
    longest = max(p.horizon_hours for p in params.values())
    now_epoch = _epoch(now)
    with db.read() as conn:
        store.begin_refresh(conn)
        digest = digest or fingerprint(conn, settings, now)  # counting the signals is not free: once a refresh
        clock = clock_for(conn, settings, now)
        as_of = clock.as_of
        since = as_of - timedelta(hours=longest)
        reference = store.reference_day(conn, as_of.date()) or as_of.date()
        first_day = reference - timedelta(days=math.ceil(longest / 24))  # the prior's horizon
        snapshots = store.snapshot_rows(conn, SNAPSHOT_KINDS, since, as_of)
        floors = store.snapshot_floors(conn, SNAPSHOT_KINDS, since, as_of)
        spans = [
            (params[w].half_life_hours * 3600, params[w].horizon_hours * 3600, SPAN_HOURS[w] * 3600) for w in WINDOWS
        ]
        sums = store.event_sums(conn, now_epoch, spans)
        detail = store.pair_events(conn, now - timedelta(hours=longest), now)
        # The candidates: the horizon's papers, and any older one with a snapshot or an in-app event just read.
        signalled = set(snapshots[0]) | set(sums[0])
        papers = store.candidates(conn, first_day, as_of.date(), signalled)
        index = {paper_id: i for i, paper_id in enumerate(papers.ids)}
    inputs = build_inputs(index, snapshots, floors, sums, detail, as_of, now, params)
    prior_age = prior_age_hours(papers, reference)
    windows = {w: score_window(inputs.increments[w], prior_age, params[w], n_actors=inputs.n_actors) for w in WINDOWS}
    order = {w: best_first(papers, windows[w].score, settings.trending_keep) for w in WINDOWS}
    with db.read() as conn:
        categories = store.categories_of(conn, sorted({papers.ids[i] for kept in order.values() for i in kept}))
    read = len(snapshots[0]) + len(sums[0]) + len(detail[0])
    return Scored(now, papers, windows, order, categories, read, digest, inputs.counts, clock, inputs.totals)


@dataclass(frozen=True, slots=True)
class Inputs:
    increments: dict[Window, Increments]
    counts: dict[Window, Floats]  # papers × KINDS: whole events (rises of snapshots) within the window's span
    totals: dict[Window, Floats]  # papers × KINDS: a "+N" series' count when it was first seen in the span
    n_actors: int


def build_inputs(
    index: dict[str, int],
    snapshots: store.Columns,
    floors: store.Columns,
    sums: store.Columns,
    detail: store.Columns,
    as_of: datetime,
    now: datetime,
    params: dict[Window, Params],
) -> Inputs:
    """Every candidate paper's increments per window as arrays (rows of other papers are dropped).

    The inputs come as columns (``db.trending``): snapshots ``(paper, kind, epoch, value)`` in no order, the
    series' floors ``(paper, kind, highest before)``, in-app sums ``(paper, kind, D_1.., C_1..)`` and the pairs'
    events ``(paper, kind, actor, epoch)``; each is turned into whole numpy columns (ids to positions once per
    column, no Python work per row beyond that).

    Snapshots are aged from ``as_of``. In-app events come summed per (paper, kind) and already decayed by the
    database (an increment of that amount at age 0), except those of the (paper, actor) pairs the cap may
    touch: these are taken out of the sums and scored one by one, with their actor and age (from ``now``).
    """
    n_kinds, n_papers = len(KINDS), len(index)
    snap_paper, snap_kind = _positions(index, snapshots[0]), _kind_positions(snapshots[1])
    ours = snap_paper >= 0
    group = (snap_paper * n_kinds + snap_kind)[ours]
    snap_t = np.array(snapshots[2], dtype=np.float64)[ours]
    value = np.array(snapshots[3], dtype=np.float64)[ours]
    # Each series in time order (equal moments: the lower count first), by a stable numpy sort of the numbers.
    ordered = np.lexsort((value, snap_t, group))
    group, snap_t, value = group[ordered], snap_t[ordered], value[ordered]
    floor_of = np.full(n_papers * n_kinds, np.nan)
    floor_paper = _positions(index, floors[0])
    floor_key = floor_paper * n_kinds + _kind_positions(floors[1])
    floor_of[floor_key[floor_paper >= 0]] = np.array(floors[2], dtype=np.float64)[floor_paper >= 0]
    floor = floor_of[group]
    snap_rise = rises(group, value, floor, _FIRST_CAP[group % n_kinds])
    snap_age = np.maximum((_epoch(as_of) - snap_t) / 3600.0, 0.0)
    # A series' first observation with nothing seen before it is a total, not a rise in the span: the words
    # count only the rises after an earlier observation, and keep the total apart ("163 on Hugging Face",
    # "2,300 GitHub stars"), never "163 on Hugging Face today" or "+2,300 GitHub stars today" (the score
    # counts the first observation all the same: in full, a star count up to `first_counted`).
    opens = np.ones(group.size, dtype=bool)
    opens[1:] = group[1:] != group[:-1]
    first_seen = opens & np.isnan(floor) & _FIRST_IS_TOTAL[group % n_kinds]
    highest = np.zeros(n_papers * n_kinds)
    np.maximum.at(highest, group, value)

    sum_paper = _positions(index, sums[0])
    summed = sum_paper >= 0
    sum_key = (sum_paper * n_kinds + _kind_positions(sums[1]))[summed]
    # (D_1.., C_1..) of every row at once; one row per (paper, kind), so the keys are distinct.
    sum_values = np.array(sums[2:], dtype=np.float64)[:, summed]
    pair_paper = _positions(index, detail[0])
    heavy = pair_paper >= 0
    actors: dict[str, int] = {}
    heavy_actor = np.array([actors.setdefault(a, len(actors)) for a in _kept(detail[2], heavy)], dtype=np.int64)
    heavy_key = (pair_paper * n_kinds + _kind_positions(detail[1]))[heavy]
    # The database's clock arithmetic can land a hair past `now` for a signal stamped exactly `now`.
    heavy_age = np.maximum((_epoch(now) - np.array(detail[3], dtype=np.float64)[heavy]) / 3600.0, 0.0)
    n_snaps, n_heavy = group.size, heavy_key.size

    increments: dict[Window, Increments] = {}
    counts: dict[Window, Floats] = {}
    totals: dict[Window, Floats] = {}
    for w_index, window in enumerate(WINDOWS):
        p = params[window]
        mass = np.zeros(n_papers * n_kinds)
        mass[sum_key] = sum_values[w_index]
        if n_heavy:
            fresh = heavy_age < p.horizon_hours
            np.add.at(mass, heavy_key[fresh], -(0.5 ** (heavy_age[fresh] / p.half_life_hours)))
        mass[mass < 1e-9] = 0.0  # what the subtraction leaves of the pairs' own events is rounding
        keys = np.flatnonzero(mass)
        increments[window] = Increments(
            paper=np.concatenate([group // n_kinds, keys // n_kinds, heavy_key // n_kinds]).astype(np.int64),
            kind=np.concatenate([group % n_kinds, keys % n_kinds, heavy_key % n_kinds]).astype(np.int64),
            actor=np.concatenate([np.full(n_snaps, -1), np.full(keys.size, -2), heavy_actor]).astype(np.int64),
            amount=np.concatenate([snap_rise, mass[keys], np.ones(n_heavy)]),
            age_hours=np.concatenate([snap_age, np.zeros(keys.size), heavy_age]),
        )
        count = np.zeros(n_papers * n_kinds)
        count[sum_key] = sum_values[len(WINDOWS) + w_index]
        in_span = snap_age < SPAN_HOURS[window]
        risen = in_span & ~first_seen
        np.add.at(count, group[risen], snap_rise[risen])
        counts[window] = count.reshape(n_papers, n_kinds)
        seen = np.zeros(n_papers * n_kinds, dtype=bool)
        seen[group[in_span & first_seen]] = True
        totals[window] = np.where(seen, highest, 0.0).reshape(n_papers, n_kinds)
    return Inputs(increments, counts, totals, len(actors))


def _positions(index: dict[str, int], ids: tuple[Any, ...]) -> Ints:
    """Each id's position in ``index`` (-1: not a candidate), as one array."""
    return np.fromiter(map(index.get, ids, repeat(-1)), dtype=np.int64, count=len(ids))


def _kind_positions(kinds: tuple[Any, ...]) -> Ints:
    return np.fromiter(map(_KIND_INDEX.__getitem__, kinds), dtype=np.int64, count=len(kinds))


def _kept(values: tuple[Any, ...], keep: np.ndarray[Any, np.dtype[np.bool_]]) -> list[Any]:
    return [v for v, k in zip(values, keep.tolist(), strict=True) if k]


def _epoch(moment: datetime) -> float:
    return moment.replace(tzinfo=UTC).timestamp()


def best_first(papers: store.Candidates, score: Floats, keep: int) -> list[int]:
    """Indexes of the ``keep`` best papers: score, then the newer day, then the higher id (as SQL sorts)."""
    scored = np.flatnonzero(score > 0)
    if scored.size > keep:  # only the contenders need the full sort
        scored = scored[np.argpartition(-score[scored], keep - 1)[:keep]]
        threshold = score[scored].min()
        scored = np.flatnonzero(score >= threshold)  # ties at the cut stay, to be ordered fairly
    ids, days = papers.ids, papers.days
    order = sorted(scored.tolist(), key=lambda i: ids[i], reverse=True)
    order.sort(key=lambda i: (-score[i], _newest_first(days[i])))
    return order[:keep]


def prior_age_hours(papers: store.Candidates, reference: date) -> np.ndarray[Any, np.dtype[np.float64]]:
    days = np.array(papers.days, dtype=np.float64)  # no day: NaN
    return (reference.toordinal() - days) * 24.0


def _newest_first(day: int | None) -> int:
    return -day if day is not None else 1  # no day: after every dated paper, as NULLS LAST in SQL
