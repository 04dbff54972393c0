"""The scoring formula on its own: hand-computed cases, and the vectorised form against the readable one."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperwire.config import Settings
from paperwire.core.signals import EVENT_KINDS, FIRST_COUNTED, SNAPSHOT_KINDS
from paperwire.trending.formula import (
    KINDS,
    PRIOR,
    Event,
    Increments,
    Params,
    Snapshot,
    params_for,
    rises,
    running_rises,
    score_paper,
    score_window,
)

DAY = params_for(Settings(), "day")  # half-life 12 h
MONTH = params_for(Settings(), "month")  # half-life 240 h


def test_snapshot_increments_are_rises_of_the_running_maximum() -> None:
    observed = [("hf_upvotes", 5), ("github_stars", 30), ("hf_upvotes", 12), ("hf_upvotes", 9), ("hf_upvotes", 14)]
    # first observation in full; a drop (12 -> 9) counts nothing, and its recovery only above 12 counts
    assert running_rises((k, float(v)) for k, v in observed) == [5, 30, 7, 0, 2]


def test_a_repositorys_first_star_count_counts_only_up_to_a_cap() -> None:
    observed = [("github_stars", 6576.0), ("github_stars", 6600.0), ("hf_upvotes", 6576.0)]
    assert running_rises(observed) == [50, 24, 6576]


def test_vectorised_rises_start_from_each_series_floor() -> None:
    group = np.array([0, 0, 0, 7, 7, 3, 5, 5])
    value = np.array([5.0, 12.0, 9.0, 100.0, 90.0, 4.0, 100.0, 130.0])
    floor = np.array([8.0, 8.0, 8.0, np.nan, np.nan, 10.0, 0.0, 0.0])  # NaN: nothing seen before
    cap = np.array([np.inf] * 6 + [50.0, 50.0])
    assert rises(group, value, floor, cap).tolist() == [0.0, 4.0, 0.0, 100.0, 0.0, 0.0, 100.0, 30.0]
    first_seen = rises(group[6:], value[6:], np.array([np.nan, np.nan]), cap[6:])
    assert first_seen.tolist() == [50.0, 30.0]  # the first count is capped, later rises are not


def test_hand_computed_score() -> None:
    """163 HF upvotes, 8 GitHub stars and 1 comment observed at `now`, paper announced today."""
    snaps = [
        Snapshot("hf_upvotes", 163, 0.0),
        Snapshot("github_stars", 8, 0.0),
        Snapshot("hf_comments", 1, 0.0),
    ]
    result = score_paper(snaps, [], prior_age_hours=0.0, params=DAY)
    credibility = 172 / (172 + 3)
    expected = 1.0 + credibility * (1.0 * math.log(164) + 0.5 * math.log(9) + 0.5 * math.log(2))
    assert result.score == pytest.approx(expected)
    assert result.amounts == {"hf_upvotes": 163, "github_stars": 8, "hf_comments": 1}
    assert result.points[PRIOR] == 1.0
    assert sum(result.points.values()) == pytest.approx(result.score)


def test_decay_halves_an_increment_every_half_life() -> None:
    fresh = score_paper([Snapshot("hf_upvotes", 40, 0.0)], [], None, DAY)
    older = score_paper([Snapshot("hf_upvotes", 40, 12.0)], [], None, DAY)
    oldest = score_paper([Snapshot("hf_upvotes", 40, 24.0)], [], None, DAY)
    assert (fresh.amounts["hf_upvotes"], older.amounts["hf_upvotes"], oldest.amounts["hf_upvotes"]) == (
        40,
        20,
        10,
    )
    assert fresh.score > older.score > oldest.score


def test_increments_past_the_horizon_and_in_the_future_count_nothing() -> None:
    beyond = score_paper([Snapshot("hf_upvotes", 40, DAY.horizon_hours + 1)], [], None, DAY)
    future = score_paper([], [Event("upvote", "u1", -1.0)], None, DAY)
    assert (beyond.score, future.score) == (0.0, 0.0)


def test_only_new_stars_count_not_the_standing_total() -> None:
    """A famous repository seen at 50,000 stars two weeks ago and 50,040 today adds 40 stars, not 50,040."""
    snaps = [Snapshot("github_stars", 50_000, 14 * 24.0), Snapshot("github_stars", 50_040, 0.0)]
    assert score_paper(snaps, [], None, DAY).amounts == {"github_stars": 40}


def test_diminishing_returns_per_source() -> None:
    """Ten times the upvotes is far less than ten times the points: ln(1 + n)."""
    few = score_paper([Snapshot("hf_upvotes", 100, 0.0)], [], None, DAY).points["hf_upvotes"]
    many = score_paper([Snapshot("hf_upvotes", 1000, 0.0)], [], None, DAY).points["hf_upvotes"]
    assert 1.4 < many / few < 1.6
    # ... so a paper strong on two sources beats one with the same total on a single source
    both = score_paper([Snapshot("hf_upvotes", 50, 0.0), Snapshot("github_stars", 50, 0.0)], [], None, DAY)
    one = score_paper([Snapshot("hf_upvotes", 100, 0.0)], [], None, DAY)
    assert both.score > one.score


def test_credibility_discounts_thin_evidence() -> None:
    single = score_paper([], [Event("upvote", "u1", 0.0)], None, DAY)
    assert single.points["upvote"] == pytest.approx(1 / (1 + 3) * 2.0 * math.log(2))


def test_one_actor_is_capped_at_the_larger_of_its_share_and_one_upvote() -> None:
    # one user upvoting and saving: mass 4.0, capped to max(0.2 * 4.0, 2.0) = 2.0, i.e. halved
    alone = score_paper([], [Event("upvote", "u1", 0.0), Event("save", "u1", 0.0)], None, DAY)
    assert alone.amounts == {"upvote": 0.5, "save": 0.5}
    two_people = score_paper([], [Event("upvote", "u1", 0.0), Event("save", "u2", 0.0)], None, DAY)
    assert two_people.amounts == {"upvote": 1.0, "save": 1.0}
    assert two_people.score > alone.score


def test_cap_share_limits_a_heavy_visitor_among_others() -> None:
    params = Params(**{**_fields(MONTH), "actor_cap_share": 0.1})
    votes = [Event("upvote", f"u{i}", 0.0) for i in range(10)]  # mass 10 * 2.0
    spam = [Event("view", "bot", 24.0 * day) for day in range(30)]  # one view a day, every day
    spam_mass = sum(0.25 * 0.5 ** (24.0 * day / 240.0) for day in range(30))
    limit = 0.1 * (20.0 + spam_mass)
    assert spam_mass > limit  # the case is one the cap must act on
    capped = score_paper([], votes + spam, None, params)
    uncapped = score_paper([], votes + spam, None, Params(**{**_fields(MONTH), "actor_cap_share": 1.0}))
    assert capped.amounts["view"] == pytest.approx(uncapped.amounts["view"] * limit / spam_mass)
    assert capped.amounts["upvote"] == uncapped.amounts["upvote"] == 10


def test_recency_prior_orders_papers_without_signals() -> None:
    today, yesterday = (score_paper([], [], age, DAY).score for age in (0.0, 24.0))
    assert (today, yesterday) == (1.0, 0.25)
    assert score_paper([], [], None, DAY).score == 0.0


def _fields(params: Params) -> dict[str, object]:
    return {name: getattr(params, name) for name in Params.__slots__}


# --- the vectorised formula equals the readable one ------------------------------------------------------

snapshot_st = st.tuples(st.integers(0, 3), st.sampled_from(SNAPSHOT_KINDS), st.integers(0, 500), st.floats(0, 1500))
event_st = st.tuples(st.integers(0, 3), st.sampled_from(EVENT_KINDS), st.integers(0, 4), st.floats(-5, 1500))


@settings(max_examples=150, deadline=None)
@given(
    snaps=st.lists(snapshot_st, max_size=25),
    events=st.lists(event_st, max_size=40),
    prior_ages=st.lists(st.one_of(st.none(), st.floats(0, 2000)), min_size=4, max_size=4),
    window=st.sampled_from(["day", "week", "month"]),
    cap=st.sampled_from([0.05, 0.2, 1.0]),
)
def test_vectorised_equals_readable(
    snaps: list[tuple[int, str, int, float]],
    events: list[tuple[int, str, int, float]],
    prior_ages: list[float | None],
    window: str,
    cap: float,
) -> None:
    params = Params(**{**_fields(params_for(Settings(), window)), "actor_cap_share": cap})  # type: ignore[arg-type]
    inc = _increments(snaps, events)
    prior = np.array([np.nan if a is None else a for a in prior_ages])
    vectorised = score_window(inc, prior, params, n_actors=5)
    for paper in range(4):
        readable = score_paper(
            [Snapshot(k, v, age) for p, k, v, age in snaps if p == paper],
            [Event(k, f"a{a}", age) for p, k, a, age in events if p == paper],
            prior_ages[paper],
            params,
        )
        assert vectorised.score[paper] == pytest.approx(readable.score, rel=1e-9, abs=1e-12)
        for kind, amount in readable.amounts.items():
            assert vectorised.amounts[paper, KINDS.index(kind)] == pytest.approx(amount, rel=1e-9)


def _increments(snaps: list[tuple[int, str, int, float]], events: list[tuple[int, str, int, float]]) -> Increments:
    """What ``refresh`` builds from the database: series in time order, nothing seen before them."""
    series = sorted(snaps, key=lambda s: (s[0], KINDS.index(s[1]), -s[3]))
    group = np.array([p * len(KINDS) + KINDS.index(k) for p, k, _, _ in series], dtype=np.int64)
    values = np.array([float(v) for _, _, v, _ in series])
    caps = np.array([FIRST_COUNTED.get(k, np.inf) for _, k, _, _ in series], dtype=np.float64)
    return Increments(
        paper=np.array([p for p, *_ in series] + [p for p, *_ in events], dtype=np.int64),
        kind=np.array(
            [KINDS.index(k) for _, k, _, _ in series] + [KINDS.index(k) for _, k, _, _ in events],
            dtype=np.int64,
        ),
        actor=np.array([-1] * len(series) + [a for _, _, a, _ in events], dtype=np.int64),
        amount=np.concatenate([rises(group, values, np.full(len(series), np.nan), caps), np.ones(len(events))]),
        age_hours=np.array([age for *_, age in series] + [age for *_, age in events], dtype=np.float64),
    )
