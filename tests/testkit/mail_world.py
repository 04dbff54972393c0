"""The small real world the mail tests run in: a day of real papers, subscribers, fixed clock values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from paperwire.config import Settings
from paperwire.db import subscribers as subs
from paperwire.db.engine import Database
from paperwire.db.subscribers import Preferences, Subscriber
from paperwire.search import SearchService

FIXTURES = Path(__file__).parents[1] / "fixtures"
DAY_FILE = FIXTURES / "arxiv_daily" / "head50" / "2026-05-14.jsonl"
LISTING_DAY = date(2026, 5, 14)  # a Thursday
NOW = datetime(2026, 5, 14, 12, 0)


@dataclass
class World:
    settings: Settings
    db: Database
    search: SearchService

    def subscriber(self, email: str, **prefs: object) -> Subscriber:
        subscriber, _ = subs.add(self.db, email, Preferences(**prefs), confirmed=True, now=NOW)  # type: ignore[arg-type]
        return subscriber


def world_settings(home: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "home": home,
        "base_url": "https://papers.example.org",
        "mail_from": "paperwire <digest@papers.example.org>",
        "mail_retry_seconds": 0.05,
        "outbox_lease_seconds": 5.0,
        "mail_connections": 2,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]
