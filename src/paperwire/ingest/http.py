"""A polite HTTP client for paper sources: one request at a time, a minimum interval, Retry-After honoured.

arXiv answers 503 with ``Retry-After`` when a harvester is too fast; waiting it out is the protocol, not an
error. Other transient failures (5xx, dropped connections) are retried with exponential backoff; anything
that still fails becomes a one-line ``SourceError``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from paperwire.config import Settings
from paperwire.core.records import SourceError

RETRYABLE_STATUS = {429, 500, 502, 503, 504}


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); ``None`` if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class PoliteClient:
    def __init__(
        self,
        settings: Settings,
        *,
        min_interval: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[float, str], None] | None = None,
    ) -> None:
        self._settings = settings
        self._min_interval = min_interval
        self._sleep = sleep
        self._on_wait = on_wait
        self._last_request = 0.0
        self._client = httpx.Client(
            timeout=settings.http_timeout,
            headers={"User-Agent": settings.user_agent},
            follow_redirects=True,
        )

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, params: Mapping[str, str | int] | None = None) -> httpx.Response:
        """GET with politeness and retries. Non-retryable responses (200, 4xx) are returned as they are."""
        attempts = max(1, self._settings.http_retries)
        for attempt in range(1, attempts + 1):
            self._respect_interval()
            try:
                response = self._client.get(url, params=params)
            except httpx.TransportError as exc:
                if attempt == attempts:
                    raise SourceError(f"cannot reach {url}: {_describe(exc)}") from exc
                self._wait(_backoff(attempt), f"{_describe(exc)}; retrying")
                continue
            if response.status_code not in RETRYABLE_STATUS:
                return response
            if attempt == attempts:
                break
            self._wait(self._retry_delay(response, attempt), f"HTTP {response.status_code}; retrying")
        raise SourceError(f"{url} answered HTTP {response.status_code} after {attempts} attempts")

    def _retry_delay(self, response: httpx.Response, attempt: int) -> float:
        delay = retry_after_seconds(response.headers.get("Retry-After"))
        if delay is None:
            return _backoff(attempt)
        if delay > self._settings.max_retry_after:
            raise SourceError(
                f"{response.url.host} asks to retry after {delay:.0f}s, more than "
                f"PAPERWIRE_MAX_RETRY_AFTER={self._settings.max_retry_after:.0f}s; try again later"
            )
        return delay

    def _respect_interval(self) -> None:
        elapsed = time.monotonic() - self._last_request
        if self._last_request and elapsed < self._min_interval:
            self._sleep(self._min_interval - elapsed)
        self._last_request = time.monotonic()

    def _wait(self, seconds: float, why: str) -> None:
        if self._on_wait:
            self._on_wait(seconds, why)
        self._sleep(seconds)


def _backoff(attempt: int) -> float:
    return float(min(60, 2 ** (attempt - 1)))


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}".rstrip(": ")
