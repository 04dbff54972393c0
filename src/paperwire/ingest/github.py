"""GitHub: the star count of a paper's code repository, ``GET {api}/repos/{owner}/{repo}``.

HTTP and parsing only (the job that picks repositories and stores signals is ``paperwire.ingest.github_stars``).
GitHub's REST API allows 60 requests an hour without a token and 5,000 with one. When the allowance is
spent it answers 403 (or 429) with ``X-RateLimit-Remaining: 0`` and ``X-RateLimit-Reset`` (epoch seconds),
or, for its secondary limits, with ``Retry-After``; ``fetch_repo`` turns either into a ``RateLimited``
answer that says how long to wait, and the caller decides to wait or stop.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from paperwire.config import Settings
from paperwire.ingest.http import PoliteClient, retry_after_seconds

ACCEPT = "application/vnd.github+json"
API_VERSION = "2022-11-28"
_REPO_URL = re.compile(r"^https://github\.com/([A-Za-z0-9-]+)/([A-Za-z0-9._-]+)/?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Stars:
    full_name: str  # as GitHub names it now (a renamed repository redirects)
    count: int
    remaining: int | None  # requests left in this rate-limit window, when GitHub says
    reset_at: float | None  # when the window resets (epoch seconds)


@dataclass(frozen=True, slots=True)
class NotFound:
    status: int  # 404 (gone or private) or 451 (blocked)


@dataclass(frozen=True, slots=True)
class RateLimited:
    wait_seconds: float
    message: str


@dataclass(frozen=True, slots=True)
class Refused:
    """Any other answer: nothing to record for this repository (e.g. 401, a bad token, stops the job)."""

    status: int
    message: str


Answer = Stars | NotFound | RateLimited | Refused


class GitHubClient(PoliteClient):
    """A ``PoliteClient`` that speaks GitHub's REST API (its media type and version, the optional token)."""

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[float, str], None] | None = None,
    ) -> None:
        super().__init__(settings, sleep=sleep, on_wait=on_wait)
        self._client.headers.update({"Accept": ACCEPT, "X-GitHub-Api-Version": API_VERSION})
        if settings.github_token is not None:
            self._client.headers["Authorization"] = f"Bearer {settings.github_token.get_secret_value()}"


def repo_of(url: str) -> tuple[str, str] | None:
    """``https://github.com/owner/repo`` -> ``("owner", "repo")``; anything else (a profile) -> None."""
    match = _REPO_URL.match(url.strip())
    if not match:
        return None
    owner, name = match.groups()
    return owner, name.removesuffix(".git")


def fetch_repo(client: PoliteClient, api_url: str, owner: str, name: str) -> Answer:
    """Ask GitHub about one repository (a ``SourceError`` if GitHub cannot be reached at all)."""
    response = client.get(f"{api_url.rstrip('/')}/repos/{owner}/{name}")
    return parse_answer(response, now=time.time())


def parse_answer(response: httpx.Response, *, now: float) -> Answer:
    remaining, reset_at = _rate_headers(response)
    if response.status_code == 200:
        return _stars(response, remaining, reset_at)
    limited = _rate_limited(response, remaining, reset_at, now)
    if limited is not None:
        return limited
    if response.status_code in (404, 451):
        return NotFound(response.status_code)
    return Refused(response.status_code, f"GitHub answered HTTP {response.status_code}: {_message(response)}")


def _stars(response: httpx.Response, remaining: int | None, reset_at: float | None) -> Answer:
    try:
        data = response.json()
        count = data["stargazers_count"]
    except (ValueError, KeyError, TypeError):
        return Refused(200, "GitHub's answer has no stargazers_count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        return Refused(200, f"GitHub's stargazers_count is not a count: {count!r}")
    return Stars(str(data.get("full_name") or ""), count, remaining, reset_at)


def _rate_limited(
    response: httpx.Response, remaining: int | None, reset_at: float | None, now: float
) -> RateLimited | None:
    if response.status_code not in (403, 429):
        return None
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    if retry_after is not None:  # a secondary limit: GitHub says how long
        return RateLimited(retry_after, f"GitHub asks to wait {retry_after:.0f}s ({_message(response)})")
    if remaining == 0 and reset_at is not None:
        wait = max(0.0, reset_at - now) + 1.0  # a second's margin: the reset is rounded to seconds
        return RateLimited(wait, f"GitHub rate limit spent; it resets in {wait:.0f}s")
    return None  # a plain 403 (e.g. a blocked repository) is not a rate limit


def _rate_headers(response: httpx.Response) -> tuple[int | None, float | None]:
    remaining = response.headers.get("X-RateLimit-Remaining", "")
    reset = response.headers.get("X-RateLimit-Reset", "")
    return (int(remaining) if remaining.isdigit() else None, float(reset) if reset.isdigit() else None)


def _message(response: httpx.Response) -> str:
    try:
        return str(json.loads(response.content).get("message", "")).strip() or "no message"
    except (ValueError, AttributeError):
        return response.text.strip()[:160] or "no message"
