"""The one clock: every "now" in paperwire comes from ``utcnow`` (naive UTC, exact to the microsecond).

Tests freeze it here, in one place, with ``frozen(at)``; callers that need a coarser "now" (the trending
refresh, which works to the minute so that reruns within a minute do nothing) truncate at their call site
with ``to_minute`` or ``to_day``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_frozen: datetime | None = None


def utcnow() -> datetime:
    """Now, naive UTC (what every ``DateTime`` column stores)."""
    return _frozen if _frozen is not None else datetime.now(UTC).replace(tzinfo=None)


def to_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def to_day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Every ``utcnow()`` inside the block answers ``at`` (naive UTC); for tests and replays."""
    global _frozen
    before, _frozen = _frozen, at
    try:
        yield
    finally:
        _frozen = before
