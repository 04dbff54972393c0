"""Search filters and the pure rules behind them (category patterns, the date a paper is filed under)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from paperwire.search.query import QueryError

_CATEGORY_PATTERN = re.compile(r"[a-z][a-z\-]*(?:\.[a-z\-]+)?", re.IGNORECASE)
EPOCH = date(1970, 1, 1)
NO_DAY = -(2**31)  # a paper with no date at all: never inside a date range


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """``categories``: exact (``cs.LG``) or a whole archive (``cs``, ``cs.*``); any one of them matches.
    ``since``/``until``: inclusive, on the announcement day (or the submission day when never announced)."""

    categories: list[str] = field(default_factory=list)
    since: date | None = None
    until: date | None = None
    has_code: bool | None = None

    @property
    def is_empty(self) -> bool:
        return not self.categories and self.since is None and self.until is None and self.has_code is None


def category_prefixes(filters: SearchFilters) -> list[str]:
    """Validated, normalised patterns: ``cs.*`` -> ``cs``; matched by :func:`category_matches`."""
    prefixes = []
    for raw in filters.categories:
        pattern = raw.strip().removesuffix("*").removesuffix(".").lower()
        if not _CATEGORY_PATTERN.fullmatch(pattern):
            raise QueryError(f"not a category: {raw!r} (use e.g. cs.LG, or cs.* for all of cs)")
        prefixes.append(pattern)
    if filters.since and filters.until and filters.since > filters.until:
        raise QueryError(f"the date range is empty: since {filters.since} is after until {filters.until}")
    return prefixes


def category_matches(category: str, prefix: str) -> bool:
    category = category.lower()
    return category == prefix or category.startswith(prefix + ".")


def category_paths(categories: list[str]) -> list[str]:
    """Every pattern a paper's categories answer to: ``cs.LG`` -> ``cs.lg`` and ``cs``."""
    paths: dict[str, None] = {}
    for category in categories:
        lowered = category.lower()
        paths[lowered] = None
        paths[lowered.split(".")[0]] = None
    return list(paths)


def filing_day(announced_on: date | None, submitted_at: datetime | date | None) -> int:
    """Days since 1970 of the date search filters and sorts on (``NO_DAY`` when the paper has neither)."""
    when = announced_on or submitted_at
    if when is None:
        return NO_DAY
    day = when.date() if isinstance(when, datetime) else when
    return (day - EPOCH).days


def to_day(value: date) -> int:
    return (value - EPOCH).days
