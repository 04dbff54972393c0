"""One function per thing a visitor does, shared by the HTML page, the JSON API and the feed.

The routes differ only in how they read the request and render the answer (HTML, JSON, RSS/Atom); what is
computed, cached and counted is here, once. Errors are the library's (``TrendingError``, ``QueryError``)
or the two below, and each route turns them into its own kind of 4xx.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from paperwire import trending
from paperwire.db import papers
from paperwire.search import SearchFilters, SearchResults
from paperwire.trending import Window, reactions
from paperwire.web.services import Services


class TooManyVotes(Exception):
    """The user gave more upvotes/saves in the last minute than ``vote_rate_limit`` allows."""


class NoSuchPaper(LookupError):
    pass


def trending_items(
    services: Services, *, window: Window, category: str | None, limit: int, offset: int = 0
) -> list[dict[str, Any]]:
    """The trending list as plain dicts (cached for a few seconds); ``TrendingError`` for a bad category."""
    category = category or None  # ?category= (empty) is no filter

    def compute() -> list[dict[str, Any]]:
        found = trending.trending(
            services.db, services.settings, window=window, category=category, limit=limit, offset=offset
        )
        return [item.as_dict() for item in found]

    return services.cache.get(("trending", window, category, limit, offset), compute)


def trending_as_of(services: Services) -> tuple[date | None, str | None]:
    """``(day, sentence)`` when the lists are computed as of the library's newest day (it is older than the
    day window), else ``(None, None)``: the page, the API and the feed all say so."""
    day = services.cache.get("trending-as-of", lambda: trending.as_of(services.db, services.settings))
    return day, trending.as_of_note(day)


def search(
    services: Services, q: str, filters: SearchFilters, *, limit: int, offset: int = 0, sort: str = "relevance"
) -> SearchResults:
    """Hybrid search; ``sort="trending"`` orders by the week's trending score. ``QueryError`` for a bad query."""
    scores = trending.scores(services.db, "week") if sort == "trending" else None
    with services.metrics.search_latency.time():
        return services.search.search(q, filters, limit=limit, offset=offset, sort=sort, sort_scores=scores)


def react(services: Services, *, user_id: str, paper_id: str, kind: str, on: bool | None) -> tuple[bool, int]:
    """Upvote or save (``on=True``), take it back (``False``) or toggle (``None``): ``(on, new count)``."""
    if not services.votes_by_user.allow(user_id):
        raise TooManyVotes(user_id)
    if papers.get_paper(services.db, paper_id) is None:
        raise NoSuchPaper(paper_id)
    if on is None:
        on = kind not in reactions.user_reactions(services.db, user_id, [paper_id]).get(paper_id, set())
    count = reactions.record_reaction(services.db, user_id=user_id, paper_id=paper_id, kind=kind, on=on)
    services.cache.clear()
    return on, count
