"""``signals github`` against a real local HTTP server replaying GitHub-shaped answers (real httpx code)."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from paperwire import trending
from paperwire.config import Settings
from paperwire.db import signals as signals_db
from paperwire.db.engine import Database
from paperwire.ingest import collectors, service
from paperwire.ingest.github import GitHubClient, repo_of
from paperwire.ingest.github_stars import StarsReport, collect_stars
from paperwire.trending import reactions
from testkit.replay_server import ReceivedRequest, ReplayServer, Reply
from testkit.trending_data import add_papers, paper

FIXTURES = Path(__file__).parents[1] / "fixtures"
GITHUB = Path(__file__).parent / "fixtures/github"
NOW = datetime(2026, 8, 22, 9, 30)
KNOWN = {
    "/repos/google-research/envharness": "google-research_envharness.json",
    "/repos/stokou/facet-terminal": "StoKou_FACET-Terminal.json",
}


def github_answer(request: ReceivedRequest) -> Reply:
    name = KNOWN.get(request.path)
    if name is None:
        return Reply(404, (GITHUB / "not_found.json").read_bytes(), {"Content-Type": "application/json"})
    headers = {"Content-Type": "application/json", "X-RateLimit-Remaining": "4999", "X-RateLimit-Reset": "0"}
    return Reply(200, (GITHUB / name).read_bytes(), headers)


def rate_limited(reset_in: float) -> Reply:
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time() + reset_in))}
    return Reply(403, (GITHUB / "rate_limited.json").read_bytes(), headers)


@pytest.fixture
def hf_papers(db: Database, settings: Settings) -> Database:
    service.ingest_hf_daily(db, settings, paths=[FIXTURES / "hf_daily/2026-08-21.json"])  # 12 GitHub repos
    return db


def run(db: Database, settings: Settings, server: ReplayServer, **overrides: object) -> tuple[StarsReport, list[float]]:
    config = settings.model_copy(update={"github_api_url": server.url(), "http_retries": 1, **overrides})
    waits: list[float] = []
    with GitHubClient(config, sleep=waits.append) as client:
        return collect_stars(db, config, client, now=NOW, sleep=waits.append), waits


def stars_of(db: Database, paper_id: str) -> list[tuple[datetime, float]]:
    return [(s["at"], s["value"]) for s in signals_db.signals_for(db, paper_id) if s["source"] == "github"]  # type: ignore[misc]


def test_records_todays_stars_and_notes_missing_repositories(
    hf_papers: Database, settings: Settings, replay_server: ReplayServer
) -> None:
    replay_server.route(github_answer)
    report, _ = run(hf_papers, settings, replay_server)
    assert (report.planned, report.recorded, len(report.not_found), report.stopped) == (12, 2, 10, None)
    assert "ant-research/4danyone" in report.not_found
    assert stars_of(hf_papers, "2608.19880") == [(datetime(2026, 8, 22), 412.0)]
    assert stars_of(hf_papers, "2608.18580") == [(datetime(2026, 8, 22), 57.0)]
    request = replay_server.requests[0]
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert "Authorization" not in request.headers


def test_the_registered_collector_is_this_run(
    hf_papers: Database, settings: Settings, replay_server: ReplayServer
) -> None:
    """What the scheduler runs (``PAPERWIRE_SIGNAL_COLLECTORS=github``): the row's collector, by its path."""
    replay_server.route(github_answer)
    config = settings.model_copy(update={"github_api_url": replay_server.url(), "http_retries": 1})
    report = collectors.COLLECTORS["github"].collect(hf_papers, config, NOW)
    assert (report["day"], report["planned"], report["recorded"], report["stopped"]) == ("2026-08-22", 12, 2, None)
    assert stars_of(hf_papers, "2608.19880") == [(datetime(2026, 8, 22), 412.0)]


def test_a_rerun_the_same_day_asks_only_what_it_did_not_get(
    hf_papers: Database, settings: Settings, replay_server: ReplayServer
) -> None:
    replay_server.route(github_answer)
    run(hf_papers, settings, replay_server)
    asked_first = len(replay_server.requests)
    again, _ = run(hf_papers, settings, replay_server)
    assert (again.already_today, again.planned, again.recorded) == (2, 10, 0)
    asked_again = {r.path for r in replay_server.requests[asked_first:]}
    assert "/repos/google-research/envharness" not in asked_again
    assert len(asked_again) == 10
    assert stars_of(hf_papers, "2608.19880") == [(datetime(2026, 8, 22), 412.0)]


def test_the_token_is_sent_when_set(hf_papers: Database, settings: Settings, replay_server: ReplayServer) -> None:
    replay_server.route(github_answer)
    run(hf_papers, settings, replay_server, github_token=SecretStr("ghp_example"), github_max_repos=1)
    assert [r.headers["Authorization"] for r in replay_server.requests] == ["Bearer ghp_example"]


def test_spent_rate_limit_stops_cleanly_and_the_next_run_resumes(
    hf_papers: Database, settings: Settings, replay_server: ReplayServer
) -> None:
    answered = 0

    def six_then_limited(request: ReceivedRequest) -> Reply:
        nonlocal answered
        answered += 1
        return github_answer(request) if answered <= 6 else rate_limited(reset_in=3600)

    replay_server.route(six_then_limited)
    first, waits = run(hf_papers, settings, replay_server)
    # repositories go in name order when none was checked before; google-research/envharness is the 5th
    assert first.stopped is not None
    assert "rate limit" in first.stopped
    assert (first.recorded, first.left, waits) == (
        1,
        6,
        [],
    )  # an hour's wait is over PAPERWIRE_MAX_RETRY_AFTER
    replay_server.route(github_answer)
    second, _ = run(hf_papers, settings, replay_server)
    asked_second = {r.path for r in replay_server.requests[7:]}
    assert (second.stopped, second.already_today, second.planned, second.recorded) == (None, 1, 11, 1)
    assert "/repos/google-research/envharness" not in asked_second  # stored before the stop: not asked again
    assert stars_of(hf_papers, "2608.18580") == [(datetime(2026, 8, 22), 57.0)]


def test_a_short_rate_limit_is_waited_out(hf_papers: Database, settings: Settings, replay_server: ReplayServer) -> None:
    replay_server.queue("/repos/google-research/envharness", rate_limited(reset_in=5))
    replay_server.route(github_answer)
    report, waits = run(hf_papers, settings, replay_server)
    assert report.stopped is None
    assert report.recorded == 2
    assert len(waits) == 1
    assert 4 <= waits[0] <= 7


def test_secondary_rate_limit_with_retry_after(
    hf_papers: Database, settings: Settings, replay_server: ReplayServer
) -> None:
    replay_server.queue("/repos/stokou/facet-terminal", Reply(403, b'{"message": "secondary"}', {"Retry-After": "2"}))
    replay_server.route(github_answer)
    report, waits = run(hf_papers, settings, replay_server)
    assert (report.recorded, waits) == (2, [2.0])


def test_a_rejected_token_stops_with_a_clear_message(
    hf_papers: Database, settings: Settings, replay_server: ReplayServer
) -> None:
    replay_server.route(lambda request: Reply(401, b'{"message": "Bad credentials"}'))
    report, _ = run(hf_papers, settings, replay_server, github_token=SecretStr("expired"))
    assert report.stopped == "GitHub answered HTTP 401: Bad credentials"
    assert (len(replay_server.requests), report.left) == (1, 12)


def test_trending_papers_are_checked_even_when_old(
    db: Database, settings: Settings, replay_server: ReplayServer
) -> None:
    add_papers(db, paper("2601.00001", date(2026, 1, 5), code=["https://github.com/google-research/envharness"]))
    reactions.record_reaction(db, user_id="ann", paper_id="2601.00001", kind="upvote", on=True, now=NOW)
    replay_server.route(github_answer)
    assert run(db, settings, replay_server)[0].planned == 0  # old and not trending yet
    trending.refresh(db, settings, now=NOW)
    assert run(db, settings, replay_server)[0].recorded == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/google-research/envharness", ("google-research", "envharness")),
        ("https://github.com/a-b/c.d_e.git", ("a-b", "c.d_e")),
        ("https://github.com/google-research", None),
        ("https://gitlab.com/a/b", None),
    ],
)
def test_repo_of(url: str, expected: tuple[str, str] | None) -> None:
    assert repo_of(url) == expected
