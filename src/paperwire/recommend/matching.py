"""Does a paper truly match a reader's topic? The one place the recommender asks.

The search library's calibrated match signal decides (``paperwire.search``: each hit's ``match`` is the
fitted chance that it is relevant, ``matched`` says it passes ``MATCH_THRESHOLD``; fitted and reported on
CISI and Cranfield by the search benchmarks). The recommender claims "matches your topic" for exactly the
period's papers that search calls a match, and for no other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from paperwire.recommend.periods import Period
from paperwire.search import MATCH_THRESHOLD, SearchFilters, SearchService

__all__ = ["MATCH_THRESHOLD", "TopicMatch", "topic_matches"]


@dataclass(frozen=True, slots=True)
class TopicMatch:
    row: int  # the paper's row in the period pool
    score: float  # the calibrated chance that it is relevant (>= MATCH_THRESHOLD)


def topic_matches(
    search: SearchService, topic: str, period: Period, row_of: Mapping[str, int], limit: int
) -> list[TopicMatch]:
    """The period's papers (``row_of``: id -> pool row) that search calls a match for ``topic``, best first."""
    if not topic.strip():
        return []
    results = search.search(topic, SearchFilters(since=period.since, until=period.until), limit=limit)
    return [
        TopicMatch(row_of[hit.id], hit.match)
        for hit in results.hits
        if hit.matched and hit.match >= MATCH_THRESHOLD and hit.id in row_of
    ]
