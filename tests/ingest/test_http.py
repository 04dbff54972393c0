"""PoliteClient against a real local server: interval between requests, Retry-After, retries, clear errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperwire.config import Settings
from paperwire.core.records import SourceError
from paperwire.ingest.http import PoliteClient, retry_after_seconds
from testkit.replay_server import ReplayServer, Reply


class RecordingSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def client(tmp_path: Path, sleep: RecordingSleep, **settings: object) -> PoliteClient:
    config = Settings(home=tmp_path, **settings)  # type: ignore[arg-type]
    return PoliteClient(config, min_interval=3.0, sleep=sleep)


def test_requests_are_spaced_by_the_minimum_interval(tmp_path: Path, replay_server: ReplayServer) -> None:
    replay_server.queue("/q", Reply(200, b"a"), Reply(200, b"b"))
    sleep = RecordingSleep()
    with client(tmp_path, sleep) as polite:
        polite.get(replay_server.url("/q"))
        polite.get(replay_server.url("/q"))
    assert len(sleep.calls) == 1
    assert 2.5 < sleep.calls[0] <= 3.0  # the rest of the 3 s since the first request


def test_retry_after_then_success(tmp_path: Path, replay_server: ReplayServer) -> None:
    replay_server.queue("/q", Reply(503, b"busy", {"Retry-After": "7"}), Reply(200, b"ok"))
    sleep = RecordingSleep()
    with PoliteClient(Settings(home=tmp_path), sleep=sleep) as polite:
        assert polite.get(replay_server.url("/q")).content == b"ok"
    assert sleep.calls == [7.0]


def test_too_long_retry_after_is_a_clear_error(tmp_path: Path, replay_server: ReplayServer) -> None:
    replay_server.queue("/q", Reply(503, b"busy", {"Retry-After": "86400"}))
    with (
        PoliteClient(Settings(home=tmp_path, max_retry_after=60), sleep=RecordingSleep()) as polite,
        pytest.raises(SourceError, match="asks to retry after 86400s"),
    ):
        polite.get(replay_server.url("/q"))


def test_persistent_5xx_gives_up_after_the_configured_attempts(tmp_path: Path, replay_server: ReplayServer) -> None:
    replay_server.route(lambda request: Reply(502, b"bad gateway"))
    sleep = RecordingSleep()
    with (
        PoliteClient(Settings(home=tmp_path, http_retries=3), sleep=sleep) as polite,
        pytest.raises(SourceError, match="answered HTTP 502 after 3 attempts"),
    ):
        polite.get(replay_server.url("/q"))
    assert sleep.calls == [1.0, 2.0]  # exponential backoff between the attempts
    assert len(replay_server.requests) == 3


def test_client_errors_are_returned_not_retried(tmp_path: Path, replay_server: ReplayServer) -> None:
    replay_server.queue("/q", Reply(400, b"bad query"))
    with PoliteClient(Settings(home=tmp_path), sleep=RecordingSleep()) as polite:
        assert polite.get(replay_server.url("/q")).status_code == 400
    assert len(replay_server.requests) == 1


def test_retry_after_header_forms() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("20") == 20.0
    assert retry_after_seconds("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("garbage") is None
    assert retry_after_seconds(None) is None
