"""The GitHub-stars collector (``paperwire signals github``): stars of recent and trending papers' code.

Which repositories: the first GitHub link of each paper announced in the last ``github_recent_days`` days or
in the week's trending top ``github_trending_top`` (the first link is the paper's own code; later ones are
often tools it merely mentions), least recently checked first, at most ``github_max_repos`` per run.

Idempotent and resumable: an observation is stamped with its day (00:00 UTC), a repository already observed
today is not asked again, and observations are stored as they come; so a run stopped by the rate limit
(or anything else) keeps what it got, and the next run carries on with the rest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from paperwire.config import Settings
from paperwire.core.clock import to_day, utcnow
from paperwire.core.records import Signal, SourceError
from paperwire.core.signals import GITHUB_SOURCE, GITHUB_STARS
from paperwire.db import signals as signals_db
from paperwire.db import trending as store
from paperwire.db.engine import Database
from paperwire.ingest import github
from paperwire.ingest.http import PoliteClient

KIND, SOURCE = GITHUB_STARS, GITHUB_SOURCE
_STORE_EVERY = 50  # repositories per transaction: a stop loses at most this much work (none: it is stored)

Repo = tuple[str, str]


@dataclass(slots=True)
class StarsReport:
    day: datetime
    planned: int = 0  # repositories asked about in this run
    recorded: int = 0  # star counts stored (one per paper linking a repository)
    already_today: int = 0  # repositories observed earlier today: not asked again
    not_found: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    left: int = 0  # repositories left for the next run (rate limit or the per-run cap)
    stopped: str | None = None  # why the run stopped early

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.date().isoformat(),
            "planned": self.planned,
            "recorded": self.recorded,
            "already_today": self.already_today,
            "not_found": self.not_found,
            "refused": self.refused,
            "left": self.left,
            "stopped": self.stopped,
        }


def collect(db: Database, settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    """The registered collector's run (``paperwire.core.signals.GITHUB``): the scheduler's daily step."""
    with github.GitHubClient(settings) as client:
        return collect_stars(db, settings, client, now=now).as_dict()


def collect_stars(
    db: Database,
    settings: Settings,
    client: PoliteClient,
    *,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_repo: Callable[[str], None] | None = None,
) -> StarsReport:
    """Ask GitHub for the star counts of the chosen repositories and store them (see the module docstring)."""
    day = to_day(now or utcnow())
    report = StarsReport(day)
    due, report.already_today = plan(db, settings, day)
    batch = due[: settings.github_max_repos]
    report.planned, report.left = len(batch), len(due) - len(batch)
    pending: list[tuple[str, Signal]] = []
    for done, (repo, paper_ids) in enumerate(batch):
        answer = _ask(client, settings, repo, sleep)
        if isinstance(answer, github.RateLimited | github.Refused) and _stops(answer):
            report.stopped, report.left = answer.message, report.left + len(batch) - done
            break
        _note(report, repo, answer, paper_ids, day, pending)
        if len(pending) >= _STORE_EVERY:
            report.recorded += _store(db, pending)
        if on_repo:
            on_repo("/".join(repo))
    report.recorded += _store(db, pending)
    return report


def plan(db: Database, settings: Settings, day: datetime) -> tuple[list[tuple[Repo, list[str]]], int]:
    """Repositories to ask about, least recently observed first; and how many were observed ``day``."""
    with db.read() as conn:
        top = store.top_ids(conn, "week", settings.github_trending_top)
        since = (day - timedelta(days=settings.github_recent_days)).date()
        linked = store.papers_with_code(conn, since, top)
        seen = store.last_observed(conn, KIND, SOURCE, [paper_id for paper_id, _ in linked])
    papers_of: dict[Repo, list[str]] = {}
    for paper_id, links in linked:
        repo = next(filter(None, map(github.repo_of, links)), None)
        if repo is not None:
            papers_of.setdefault((repo[0].lower(), repo[1].lower()), []).append(paper_id)
    last = {repo: max(seen.get(p, datetime.min) for p in ids) for repo, ids in papers_of.items()}
    due = [(repo, ids) for repo, ids in papers_of.items() if last[repo] < day]
    due.sort(key=lambda item: (last[item[0]], item[0]))
    return due, len(papers_of) - len(due)


def _ask(client: PoliteClient, settings: Settings, repo: Repo, sleep: Callable[[float], None]) -> github.Answer:
    """One repository; a rate limit short enough to wait out is waited out (once), else returned."""
    try:
        answer = github.fetch_repo(client, settings.github_api_url, *repo)
        if isinstance(answer, github.RateLimited) and answer.wait_seconds <= settings.max_retry_after:
            sleep(answer.wait_seconds)
            answer = github.fetch_repo(client, settings.github_api_url, *repo)
    except SourceError as exc:  # unreachable, or 5xx after the client's retries
        return github.Refused(0, str(exc))
    if isinstance(answer, github.Stars) and answer.remaining == 0 and answer.reset_at is not None:
        _wait_for_reset(answer.reset_at, settings, sleep)
    return answer


def _wait_for_reset(reset_at: float, settings: Settings, sleep: Callable[[float], None]) -> None:
    # The allowance is spent: wait for the reset now if it is soon; if not, the next request's 403 stops us.
    wait = max(0.0, reset_at - time.time()) + 1.0
    if wait <= settings.max_retry_after:
        sleep(wait)


def _stops(answer: github.RateLimited | github.Refused) -> bool:
    """A rate limit still in force, a rejected token or an unreachable GitHub ends the run."""
    return isinstance(answer, github.RateLimited) or answer.status in (0, 401)


def _note(
    report: StarsReport,
    repo: Repo,
    answer: github.Answer,
    paper_ids: list[str],
    day: datetime,
    pending: list[tuple[str, Signal]],
) -> None:
    name = "/".join(repo)
    if isinstance(answer, github.Stars):
        pending.extend((paper_id, Signal(KIND, float(answer.count), day, SOURCE)) for paper_id in paper_ids)
    elif isinstance(answer, github.NotFound):
        report.not_found.append(name)
    elif isinstance(answer, github.Refused):
        report.refused.append(f"{name}: {answer.message}")


def _store(db: Database, pending: list[tuple[str, Signal]]) -> int:
    if not pending:
        return 0
    with db.write() as conn:
        signals_db.add_signals(conn, pending)
    # Counted here, not from the insert: a repository observed today is never asked again, so every row is
    # new (and the insert's row count is not reported on PostgreSQL).
    stored = len(pending)
    pending.clear()
    return stored
