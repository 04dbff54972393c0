"""The refresh's SQL + numpy path gives, paper by paper, what the readable formula gives on the same rows, and
its whole-number counts are what a recount of the rows gives."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from paperwire.config import Settings
from paperwire.core.records import Signal
from paperwire.core.signals import EVENT_KINDS, SNAPSHOT_KINDS
from paperwire.db import signals as signals_db
from paperwire.db.engine import Database
from paperwire.trending.formula import KINDS, SPAN_HOURS, WINDOWS, Event, Snapshot, params_for, score_paper
from paperwire.trending.refresh import compute
from testkit.trending_data import add_papers, paper

NOW = datetime(2026, 3, 31, 18)


def random_signals(rng: random.Random, paper_ids: list[str]) -> list[tuple[str, Signal]]:
    out = []
    for paper_id in paper_ids:
        for kind in SNAPSHOT_KINDS:  # a cumulative series, some of it older than the longest horizon
            value = 0
            for day in sorted(rng.sample(range(90), rng.randint(0, 6))):
                value = max(0, value + rng.randint(-3, 40))
                out.append((paper_id, Signal(kind, float(value), NOW - timedelta(days=day), "hf")))
        for _ in range(rng.randint(0, 25)):  # a few actors, some busy enough to be capped
            kind, actor = rng.choice(EVENT_KINDS), f"a{rng.randint(0, 6)}"
            at = NOW - timedelta(minutes=rng.randint(-30 * 60, 70 * 24 * 60))  # some in the future: ignored
            out.append((paper_id, Signal(kind, 1.0, at, "app", actor)))
    return out


@pytest.mark.parametrize("cap", [0.05, 0.2])
def test_refresh_equals_the_readable_formula(db: Database, settings: Settings, cap: float) -> None:
    rng = random.Random(11)
    ids = [f"2603.{n:05d}" for n in range(30)]
    add_papers(db, *(paper(i, date(2026, 3, 31) - timedelta(days=rng.randint(0, 70))) for i in ids))
    with db.write() as conn:
        signals_db.add_signals(conn, random_signals(rng, ids))
    config = settings.model_copy(update={"trending_actor_cap_share": cap})
    scored = compute(db, config, NOW)
    position = {p.id: i for i, p in enumerate(scored.papers)}
    reference = max(p.day for p in scored.papers if p.day)  # the newest announcement day
    for paper_id in ids:
        rows = [r for r in signals_db.signals_for(db, paper_id) if r["at"] <= NOW]  # type: ignore[operator]
        hours = [(NOW - r["at"]).total_seconds() / 3600 for r in rows]  # type: ignore[operator]
        snaps = [
            Snapshot(str(r["kind"]), float(r["value"]), h)
            for r, h in zip(rows, hours, strict=True)
            if r["kind"] in SNAPSHOT_KINDS
        ]  # type: ignore[arg-type]
        events = [
            Event(str(r["kind"]), str(r["actor"]), h)
            for r, h in zip(rows, hours, strict=True)
            if r["kind"] in EVENT_KINDS
        ]
        day = next(p.day for p in scored.papers if p.id == paper_id) if paper_id in position else None
        prior_age = (reference - day).days * 24.0 if day else None
        for window in WINDOWS:
            expected = score_paper(snaps, events, prior_age, params_for(config, window))
            got = scored.windows[window]
            i = position.get(paper_id)
            assert (got.score[i] if i is not None else 0.0) == pytest.approx(expected.score, rel=1e-9, abs=1e-9)
            if i is not None:
                for kind, amount in expected.amounts.items():
                    assert got.amounts[i, KINDS.index(kind)] == pytest.approx(amount, rel=1e-9)


def recount(
    rows: list[dict[str, object]], span_hours: float, horizon_hours: float
) -> tuple[dict[str, float], dict[str, float]]:
    """Whole numbers from the rows themselves: events younger than the span; how much each snapshot series rose
    in the span (the running maximum, from the first observation of the horizon on); for a series first seen in
    the span (nothing observed before it: Hugging Face or GitHub), its highest count instead of a rise."""
    counts: dict[str, float] = {}
    totals: dict[str, float] = {}
    by_series: dict[str, list[tuple[float, float]]] = {}
    for r in sorted(rows, key=lambda r: r["at"]):  # type: ignore[arg-type, return-value]
        age = (NOW - r["at"]).total_seconds() / 3600  # type: ignore[operator]
        if r["kind"] in EVENT_KINDS and age < span_hours:
            counts[str(r["kind"])] = counts.get(str(r["kind"]), 0) + 1
        elif r["kind"] in SNAPSHOT_KINDS:
            by_series.setdefault(str(r["kind"]), []).append((age, float(r["value"])))  # type: ignore[arg-type]
    for kind, series in by_series.items():
        before = [v for a, v in series if a >= horizon_hours]
        inside = [(a, v) for a, v in series if a < horizon_hours]
        highest = max(before) if before else None
        for age, value in inside:
            if highest is None:  # a first observation: a total in the words, not a rise in the span
                if age < span_hours:
                    totals[kind] = max(v for _, v in inside)
                highest = value
                continue
            if age < span_hours:
                counts[kind] = counts.get(kind, 0) + max(0.0, value - highest)
            highest = max(highest, value)
    return counts, totals


def test_whole_counts_equal_a_recount_of_the_rows(db: Database, settings: Settings) -> None:
    rng = random.Random(5)
    ids = [f"2603.{n:05d}" for n in range(30)]
    add_papers(db, *(paper(i, date(2026, 3, 31) - timedelta(days=rng.randint(0, 70))) for i in ids))
    with db.write() as conn:
        signals_db.add_signals(conn, random_signals(rng, ids))
    scored = compute(db, settings, NOW)
    position = {p.id: i for i, p in enumerate(scored.papers)}
    longest = max(params_for(settings, w).horizon_hours for w in WINDOWS)
    checked = 0
    for paper_id in ids:
        rows = [r for r in signals_db.signals_for(db, paper_id) if r["at"] <= NOW]  # type: ignore[operator]
        for window in WINDOWS:
            expected_counts, expected_totals = recount(rows, SPAN_HOURS[window], longest)
            i = position.get(paper_id)
            got = scored.parts(window, i)["counts"] if i is not None else {}
            got_totals = scored.parts(window, i).get("totals", {}) if i is not None else {}
            want = {k: float(round(v)) for k, v in expected_counts.items() if round(v) > 0}
            assert got == want, (paper_id, window)
            assert got_totals == {k: float(round(v)) for k, v in expected_totals.items() if round(v) > 0}
            checked += bool(want)
    assert checked > 20  # the world has counts to compare
