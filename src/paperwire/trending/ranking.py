"""The trending list: what the web page, the API, the digest and ``paperwire trending`` show.

Stored scores (from the last ``refresh``) answer when they were computed for the ``now`` asked for (or no
``now`` is given); any other ``now`` (``--now`` in tests and replays) or a database never refreshed is scored
on the fly by the same code, without writing.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from paperwire.config import Settings
from paperwire.core.clock import to_minute, utcnow
from paperwire.db import papers as papers_db
from paperwire.db import trending as store
from paperwire.db.engine import Database
from paperwire.trending.explain import explain
from paperwire.trending.formula import WINDOWS, Window
from paperwire.trending.refresh import Scored, category_text, clock_for, compute

_CATEGORY = re.compile(r"^[A-Za-z][A-Za-z0-9.-]*?(\.\*)?$")


class TrendingError(ValueError):
    """A bad argument (unknown window, malformed category); the message says what is allowed."""


@dataclass(frozen=True, slots=True)
class TrendingItem:
    id: str
    title: str
    score: float
    why: dict[str, float]  # the decayed amount of each signal behind the score, e.g. {"hf_upvotes": 163.0}
    points: dict[str, float]  # what each part added to the score (they sum to it)
    authors: list[str]
    categories: list[str]
    announced_on: date | None
    abstract: str
    code_links: list[str]
    counts: dict[str, int] = field(default_factory=dict)  # whole events in the window's span, per kind
    totals: dict[str, int] = field(default_factory=dict)  # a series first seen in the span: its count, per kind
    reason: str = ""  # the counts in words: "12 upvotes here · 163 on Hugging Face this week"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def trending(
    db: Database,
    settings: Settings,
    *,
    window: str = "day",
    category: str | None = None,
    limit: int = 20,
    offset: int = 0,
    now: datetime | None = None,
) -> list[TrendingItem]:
    """The best-scored papers of ``window`` (optionally of a category: ``cs.LG``, ``cs.*`` or ``cs``)."""
    checked = check_window(window)
    patterns = like_patterns(category)
    with db.read() as conn:
        state = store.read_state(conn)
        if state is not None and (now is None or now == state.as_of):
            rows = store.ranked(conn, checked, patterns, limit=limit, offset=offset)
            return [_item(row, checked) for row in rows]
    scored = compute(db, settings, now or to_minute(utcnow()))
    return _rank_in_memory(db, scored, checked, category, limit=limit, offset=offset)


def as_of(db: Database, settings: Settings, now: datetime | None = None) -> date | None:
    """The newest day in the library when trending is computed as of it (its newest papers are older than
    the day window: a fresh install of the sample, a harvest that stopped); ``None`` when it is live."""
    with db.read() as conn:
        state = store.read_state(conn)
        if state is not None and (now is None or now == state.as_of):
            return state.library_day
        return clock_for(conn, settings, now or to_minute(utcnow())).library_day


def as_of_note(day: date | None) -> str | None:
    """``"Trending as of July 1, 2026, the newest day in this library"`` (``None`` when live)."""
    if day is None:
        return None
    return f"Trending as of {day.strftime('%B')} {day.day}, {day.year}, the newest day in this library"


def scores(
    db: Database, window: str, now: datetime | None = None, *, settings: Settings | None = None
) -> dict[str, float]:
    """Every scored paper's score in ``window``, for search's sort-by-trending (a paper not listed: 0).

    The stored scores when they are for ``now`` (or no ``now`` is given); otherwise, with ``settings``, the
    scores computed for ``now``; without settings, nothing (``{}``) until the first refresh.
    """
    checked = check_window(window)
    with db.read() as conn:
        state = store.read_state(conn)
        if state is not None and (now is None or now == state.as_of):
            return store.score_map(conn, checked)
    if settings is None:
        return {}
    scored = compute(db, settings, now or to_minute(utcnow()))
    values = scored.windows[checked].score
    return {scored.papers[i].id: float(values[i]) for i in scored.order[checked]}


def check_window(window: str) -> Window:
    for name in WINDOWS:
        if window == name:
            return name
    raise TrendingError(f"unknown window {window!r}: use day, week or month")


def like_patterns(category: str | None) -> list[str]:
    """LIKE patterns over ``trending_scores.categories`` (``' cs.lg cs.ai '``) for a category filter.

    ``cs.LG`` matches that category (primary or cross-list), ``cs.*`` every ``cs.`` category, and an
    archive name without a dot (``cs``, ``hep-th``) itself and its sub-categories. Case does not matter.
    """
    if not category:
        return []
    if not _CATEGORY.match(category):
        raise TrendingError(f"not a category: {category!r} (e.g. cs.LG, cs.* or cs)")
    name = category.lower()
    if name.endswith(".*"):
        return [f"% {name[:-1]}%"]
    if "." not in name:
        return [f"% {name} %", f"% {name}.%"]
    return [f"% {name} %"]


def category_matches(categories: list[str], category: str | None) -> bool:
    """The same rule as ``like_patterns``, for a list in memory (the patterns are ``% x %`` or ``% x.%``)."""
    text = category_text(categories)
    return not category or any(pattern.strip("%") in text for pattern in like_patterns(category))


def _rank_in_memory(
    db: Database, scored: Scored, window: Window, category: str | None, *, limit: int, offset: int
) -> list[TrendingItem]:
    result = scored.windows[window]
    papers = scored.papers
    order = [i for i in scored.order[window] if category_matches(scored.categories[papers[i].id], category)]
    page = order[offset : offset + limit]
    cards = papers_db.papers_by_ids(db, [scored.papers[i].id for i in page])
    items = []
    for i in page:
        card = cards[scored.papers[i].id]
        items.append(_item({**card, "score": float(result.score[i]), "parts": scored.parts(window, i)}, window))
    return items


def _item(row: dict[str, Any], window: Window) -> TrendingItem:
    counts = {kind: int(n) for kind, n in row["parts"].get("counts", {}).items()}
    totals = {kind: int(n) for kind, n in row["parts"].get("totals", {}).items()}
    return TrendingItem(
        id=row["id"],
        title=row["title"],
        score=round(float(row["score"]), 4),
        why=dict(row["parts"]["why"]),
        points=dict(row["parts"]["points"]),
        authors=list(row["authors"]),
        categories=list(row["categories"]),
        announced_on=row["announced_on"],
        abstract=row["abstract"],
        code_links=list(row["code_links"]),
        counts=counts,
        totals=totals,
        reason=explain(counts, row["parts"]["why"], window, totals),
    )
