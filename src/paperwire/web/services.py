"""What the routes need, built once per app: settings, database, search, signer, limiters, a small cache."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from paperwire.config import Settings
from paperwire.db.engine import Database
from paperwire.mail.transport import Transport, transport_from_url
from paperwire.search import SearchService
from paperwire.tokens import TokenSigner
from paperwire.web.metrics import Metrics
from paperwire.web.security import RateLimiter

T = TypeVar("T")


class TtlCache:
    """A tiny per-process cache for pages many people ask for at once (trending lists, counts)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._items: dict[object, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: object, compute: Callable[[], T]) -> T:
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and now - hit[0] < self.seconds:
            value: T = hit[1]
            return value
        value = compute()
        with self._lock:
            if len(self._items) > 1000:
                self._items.clear()
            self._items[key] = (now, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@dataclass
class Services:
    settings: Settings
    db: Database
    search: SearchService
    signer: TokenSigner
    signin_by_ip: RateLimiter
    signin_by_address: RateLimiter
    votes_by_user: RateLimiter
    subscribe_by_ip: RateLimiter
    metrics: Metrics
    cache: TtlCache = field(default_factory=lambda: TtlCache(10.0))

    @classmethod
    def build(cls, settings: Settings, db: Database, search: SearchService | None = None) -> Services:
        return cls(
            settings=settings,
            db=db,
            search=search or SearchService(settings, db),
            signer=TokenSigner(settings.secret_key),
            # Per IP looser than per address: a lab or campus signs in from behind one NAT address.
            signin_by_ip=RateLimiter(settings.signin_rate_limit * 6, 600),
            signin_by_address=RateLimiter(settings.signin_rate_limit, 600),
            votes_by_user=RateLimiter(settings.vote_rate_limit, 60),
            subscribe_by_ip=RateLimiter(max(10, settings.signin_rate_limit * 4), 3600),
            metrics=Metrics(db),
        )

    def transport(self) -> Transport:
        return transport_from_url(self.settings.mail_url, self.db)
