"""The registry of signal collectors: jobs that observe counted signals outside paperwire (GitHub stars today).

One entry each, read by the CLI (``paperwire signals <name>``), the scheduler (the daily collection of the
collectors named in ``PAPERWIRE_SIGNAL_COLLECTORS``) and the docs. Signals that arrive with papers (Hugging
Face upvotes) come through their paper source instead; in-app signals through ``paperwire.trending.reactions``.
Adding a counted signal is a row in ``paperwire.core.signals``, a collector (a module and its entry here)
and a test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from paperwire.config import ConfigurationError, Settings
from paperwire.core import signals

if TYPE_CHECKING:
    from paperwire.db.engine import Database

Collect = Callable[["Database", Settings, "datetime | None"], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class SignalCollector:
    name: str  # as in `paperwire signals <name>` and PAPERWIRE_SIGNAL_COLLECTORS
    kinds: tuple[str, ...]  # the signal kinds it records (rows of paperwire.core.signals)
    help: str  # one line: the CLI's help and the docs
    collect: Collect  # one idempotent run (resumable; safe to repeat the same day); returns its report


def _github(db: Database, settings: Settings, now: datetime | None) -> dict[str, Any]:
    from paperwire.ingest.github import GitHubClient
    from paperwire.ingest.github_stars import collect_stars

    with GitHubClient(settings) as client:
        return collect_stars(db, settings, client, now=now).as_dict()


COLLECTORS: dict[str, SignalCollector] = {
    collector.name: collector
    for collector in (
        SignalCollector(
            "github",
            (signals.GITHUB_STARS,),
            "Record today's GitHub star counts of recent and trending papers' code (resumes after a rate limit).",
            _github,
        ),
    )
}


def enabled(settings: Settings) -> list[SignalCollector]:
    """The collectors named in ``PAPERWIRE_SIGNAL_COLLECTORS``; ``ConfigurationError`` for an unknown name."""
    names = [name.strip() for name in settings.signal_collectors.split(",") if name.strip()]
    unknown = [name for name in names if name not in COLLECTORS]
    if unknown:
        raise ConfigurationError(
            f"PAPERWIRE_SIGNAL_COLLECTORS: unknown collector {unknown[0]!r} (use {', '.join(COLLECTORS)})"
        )
    return [COLLECTORS[name] for name in names]
