"""The trending score: one formula, pure (no I/O). ``docs/trending.md`` explains it with worked numbers.

For a paper, a window (half-life ``h`` hours) and the moment ``now``::

    score = prior + Z · Σ_k  w_k · ln(1 + D_k)

- ``D_k`` is the *decayed amount* of signal kind ``k``: the sum, over the increments of that kind younger
  than the horizon (``HORIZON_HALF_LIVES · h``), of ``amount · 2^(-age / h)``.
  Snapshot kinds (``hf_upvotes``, ``hf_comments``, ``github_stars``) are cumulative counts, so an increment
  is how much an observation raises the running maximum of the paper's series (the first observation counts
  in full; a drop counts nothing, and the recovery after a drop counts nothing again). Event kinds
  (``upvote``, ``save``, ``view``, ``click``) are one increment of 1 per stored event.
- In-app events are capped per actor (user, visitor, subscriber): an actor's weighted, decayed mass on a
  paper is clipped to ``max(cap_share · M, w_max)``, ``M`` being the paper's in-app mass before clipping and
  ``w_max`` the weight of the heaviest kind the actor gave (an upvoter may always add one upvote's worth, a
  visitor who only looked one view's: their own views never outweigh a vote).
- ``ln(1 + D_k)`` gives diminishing returns per kind, so no single source can dominate.
- ``Z = n / (n + c)`` is a credibility factor (Bühlmann's, with a prior mean of zero): ``n = Σ_k D_k`` is how
  many (decayed) events back the paper, ``c`` the prior's strength in pseudo-events. One or two events
  cannot carry a paper far.
- ``prior = w_prior · 2^(-age / h)``: the recency prior, ``age`` being the hours from the paper's
  announcement day to the reference day (the newest announcement day on or before ``now``), so a fresh
  install lists the newest papers first and a weekend without listings still shows Friday's papers.

Two implementations of the same formula live here: ``score_paper`` is the readable definition (one paper,
plain Python; the benchmark's baseline), ``score_window`` the vectorised one ``refresh`` uses (all papers at
once with numpy). A property test holds them equal.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from paperwire.config import Settings
from paperwire.core import signals
from paperwire.core.signals import EVENT_KINDS, FIRST_COUNTED, SNAPSHOT_KINDS

Window = Literal["day", "week", "month"]
WINDOWS: tuple[Window, ...] = ("day", "week", "month")

# The kinds and their shape, labels, caps and default weights: ``paperwire.core.signals`` (snapshots first).
KINDS = SNAPSHOT_KINDS + EVENT_KINDS
PRIOR = "recency_prior"

# Increments older than this many half-lives weigh less than 1/64 and are left out, which bounds the work.
HORIZON_HALF_LIVES = 6.0

# What "today", "this week" and "this month" mean in words: the whole numbers shown next to a paper count
# the events of this span (the score itself decays them with the window's half-life).
SPAN_HOURS: dict[Window, float] = {"day": 24.0, "week": 7 * 24.0, "month": 30 * 24.0}

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Params:
    """Everything the formula needs for one window (built from the settings by ``params_for``)."""

    half_life_hours: float
    weights: Mapping[str, float]
    prior_weight: float
    credibility: float
    actor_cap_share: float

    @property
    def horizon_hours(self) -> float:
        return HORIZON_HALF_LIVES * self.half_life_hours

    def actor_floor(self, kinds: Iterable[str]) -> float:
        """The least an actor may always contribute: one fresh event of the heaviest kind they gave (one
        upvote's worth for someone who upvoted; a visitor who only looked, one view's)."""
        return max((self.weights[k] for k in kinds), default=0.0)


def params_for(settings: Settings, window: Window) -> Params:
    half_lives = {
        "day": settings.trending_half_life_day,
        "week": settings.trending_half_life_week,
        "month": settings.trending_half_life_month,
    }
    return Params(
        half_life_hours=half_lives[window],
        weights={kind.name: float(getattr(settings, kind.weight_setting)) for kind in signals.KINDS},
        prior_weight=settings.trending_prior_weight,
        credibility=settings.trending_credibility,
        actor_cap_share=settings.trending_actor_cap_share,
    )


def decay(age_hours: float, half_life_hours: float) -> float:
    return float(0.5 ** (age_hours / half_life_hours))


# --- the readable definition: one paper -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A cumulative count observed ``age_hours`` before now (e.g. 163 HF upvotes)."""

    kind: str
    value: float
    age_hours: float


@dataclass(frozen=True, slots=True)
class Event:
    """One in-app event (an upvote, a save, a view, a digest click) by ``actor``."""

    kind: str
    actor: str
    age_hours: float


@dataclass(frozen=True, slots=True)
class PaperScore:
    score: float
    amounts: dict[str, float]  # D_k: the decayed amount of each kind ("why")
    points: dict[str, float]  # what each part added to the score (they sum to it)


def running_rises(series: Iterable[tuple[str, float]]) -> list[float]:
    """For ``(kind, count)`` observations in time order: how much each raised its kind's running maximum
    (a first observation: its count, at most ``FIRST_COUNTED`` of the kind)."""
    highest: dict[str, float] = {}
    rises = []
    for kind, value in series:
        if kind not in highest:
            highest[kind] = value
            rises.append(min(value, FIRST_COUNTED.get(kind, math.inf)))
            continue
        before = highest[kind]
        highest[kind] = max(before, value)
        rises.append(highest[kind] - before)
    return rises


def score_paper(
    snapshots: Iterable[Snapshot],
    events: Iterable[Event],
    prior_age_hours: float | None,
    params: Params,
) -> PaperScore:
    """The formula for one paper, written to be read (see the module docstring)."""
    h, horizon = params.half_life_hours, params.horizon_hours
    amounts = dict.fromkeys(KINDS, 0.0)
    series = sorted((s for s in snapshots if s.kind in SNAPSHOT_KINDS), key=lambda s: -s.age_hours)
    for snap, rise in zip(series, running_rises((s.kind, s.value) for s in series), strict=True):
        if 0 <= snap.age_hours < horizon:
            amounts[snap.kind] += rise * decay(snap.age_hours, h)
    for kind, amount in _capped_event_amounts(events, params).items():
        amounts[kind] += amount
    evidence = sum(amounts.values())
    credibility = evidence / (evidence + params.credibility) if evidence else 0.0
    points = {k: credibility * params.weights[k] * math.log1p(a) for k, a in amounts.items() if a > 0}
    if prior_age_hours is not None and 0 <= prior_age_hours < horizon:
        points[PRIOR] = params.prior_weight * decay(prior_age_hours, h)
    return PaperScore(sum(points.values()), {k: a for k, a in amounts.items() if a > 0}, points)


def _capped_event_amounts(events: Iterable[Event], params: Params) -> dict[str, float]:
    h = params.half_life_hours
    fresh = [e for e in events if e.kind in EVENT_KINDS and 0 <= e.age_hours < params.horizon_hours]
    mass_by_actor: dict[str, float] = {}
    for e in fresh:
        mass = params.weights[e.kind] * decay(e.age_hours, h)
        mass_by_actor[e.actor] = mass_by_actor.get(e.actor, 0.0) + mass
    kinds_by_actor: dict[str, set[str]] = {}
    for e in fresh:
        kinds_by_actor.setdefault(e.actor, set()).add(e.kind)
    share = params.actor_cap_share * sum(mass_by_actor.values())
    amounts: dict[str, float] = {}
    for e in fresh:
        mass = mass_by_actor[e.actor]
        limit = max(share, params.actor_floor(kinds_by_actor[e.actor]))
        factor = limit / mass if mass > limit else 1.0
        amounts[e.kind] = amounts.get(e.kind, 0.0) + decay(e.age_hours, h) * factor
    return amounts


# --- the same, vectorised: every paper at once ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Increments:
    """Every increment of every paper as parallel arrays (one row per increment).

    ``paper`` indexes the caller's paper list, ``kind`` indexes ``KINDS``, ``actor`` numbers the in-app
    actors who may reach the cap (-1 for snapshots, -2 for events of actors who cannot), ``amount`` is the
    increment (a count of events, for those counted together), ``age_hours`` its age at ``now``.
    """

    paper: Ints
    kind: Ints
    actor: Ints
    amount: Floats
    age_hours: Floats


@dataclass(frozen=True, slots=True)
class WindowScores:
    score: Floats  # one per paper
    amounts: Floats  # papers × KINDS: D_k
    points: Floats  # papers × KINDS: credibility · w_k · ln(1 + D_k)
    prior: Floats  # one per paper


def rises(group: Ints, value: Floats, floor: Floats, first_cap: Floats) -> Floats:
    """For rows sorted by (group, time): how much each row raises its group's running maximum.

    Each group's running maximum starts at ``floor`` (its highest value before the rows given; NaN when
    there was none, and then the group's first row is a first observation, counted up to ``first_cap``).
    Vectorised with one ``maximum.accumulate``: each group is lifted above all earlier groups by a multiple
    of a span larger than any value, so the running maximum never carries over a group boundary.
    """
    if value.size == 0:
        return value.copy()
    starts = np.empty(value.size, dtype=bool)
    starts[0] = True
    np.not_equal(group[1:], group[:-1], out=starts[1:])
    first = starts & np.isnan(floor)
    base = np.nan_to_num(floor, nan=0.0)
    lift = (np.cumsum(starts) - 1) * (float(max(value.max(), base.max())) + 1.0)
    running = np.maximum.accumulate(np.maximum(value, base) + lift)
    previous = np.empty_like(running)
    previous[1:] = running[:-1]
    previous[starts] = base[starts] + lift[starts]
    rise = running - previous
    rise[first] = np.minimum(rise[first], first_cap[first])
    return rise


def score_window(inc: Increments, prior_age_hours: Floats, params: Params, *, n_actors: int) -> WindowScores:
    """The formula for every paper (``prior_age_hours`` is NaN for a paper without a known day)."""
    n_papers, n_kinds = prior_age_hours.size, len(KINDS)
    weights = np.array([params.weights[k] for k in KINDS])
    keep = (inc.age_hours >= 0) & (inc.age_hours < params.horizon_hours) & (inc.amount > 0)
    paper, kind, actor = inc.paper[keep], inc.kind[keep], inc.actor[keep]
    decayed = inc.amount[keep] * 0.5 ** (inc.age_hours[keep] / params.half_life_hours)
    decayed = _cap_actors(paper, kind, actor, decayed * weights[kind], decayed, params, n_papers, n_actors)
    amounts: Floats = np.bincount(paper * n_kinds + kind, decayed, minlength=n_papers * n_kinds).astype(float)
    amounts = amounts.reshape(n_papers, n_kinds)
    evidence = amounts.sum(axis=1)
    credibility = np.divide(evidence, evidence + params.credibility, where=evidence > 0, out=np.zeros(n_papers))
    points = credibility[:, None] * weights[None, :] * np.log1p(amounts)
    in_horizon = (prior_age_hours >= 0) & (prior_age_hours < params.horizon_hours)
    age = np.where(in_horizon, prior_age_hours, 0.0)
    prior = np.where(in_horizon, params.prior_weight * 0.5 ** (age / params.half_life_hours), 0.0)
    return WindowScores(prior + points.sum(axis=1), amounts, points, prior)


def _cap_actors(
    paper: Ints,
    kind: Ints,
    actor: Ints,
    mass: Floats,
    decayed: Floats,
    params: Params,
    n_papers: int,
    n_actors: int,
) -> Floats:
    """Scale down the events of any actor whose mass on a paper exceeds the cap (see the module docstring).

    Rows with ``actor`` -1 (snapshots) are not in-app; rows with ``actor`` -2 are in-app events of actors
    known not to reach the cap (counted together by the database): they add to the paper's mass only.
    """
    cappable = actor >= 0
    if not cappable.any():
        return decayed
    in_app = kind >= len(SNAPSHOT_KINDS)
    paper_mass = np.bincount(paper[in_app], mass[in_app], minlength=n_papers)
    pair = paper[cappable] * max(n_actors, 1) + actor[cappable]
    pairs, which = np.unique(pair, return_inverse=True)
    pair_mass = np.bincount(which, mass[cappable])
    weights = np.array([params.weights[k] for k in KINDS])
    floor = np.zeros(pairs.size)
    np.maximum.at(floor, which, weights[kind[cappable]])
    limit = np.maximum(params.actor_cap_share * paper_mass[pairs // max(n_actors, 1)], floor)
    factor = np.where(pair_mass > limit, limit / np.where(pair_mass > 0, pair_mass, 1.0), 1.0)
    capped = decayed.copy()
    capped[cappable] *= factor[which]
    return capped


def parts(
    amounts: Sequence[float],
    points: Sequence[float],
    prior: float,
    counts: Sequence[float] | None = None,
    totals: Sequence[float] | None = None,
) -> dict[str, dict[str, float]]:
    """One paper's explanation as stored and shown: ``why`` (D_k per kind), ``points`` (per part),
    ``counts``: the whole number of events (for snapshots, how much the count rose) within the window's span,
    and, only when there are any, ``totals``: the count of a "+N" series first seen in the span (no earlier
    observation, so no rise can be told)."""
    why = {kind: round(float(a), 2) for kind, a in zip(KINDS, amounts, strict=True) if a > 0}
    scored = {kind: round(float(p), 4) for kind, p in zip(KINDS, points, strict=True) if p > 0}
    if prior > 0:
        scored[PRIOR] = round(float(prior), 4)
    explained = {"why": why, "points": scored, "counts": _whole(counts)}
    first_seen = _whole(totals)
    if first_seen:
        explained["totals"] = first_seen
    return explained


def _whole(amounts: Sequence[float] | None) -> dict[str, float]:
    """The kinds with a whole count above zero, as floats (rounded once: this runs for every stored row)."""
    if amounts is None:
        return {}
    return {kind: float(n) for kind, c in zip(KINDS, amounts, strict=False) if c >= 0.5 and (n := round(c)) > 0}
