"""Delivery under faults, against a real SMTP server (aiosmtpd) and real sender processes.

- Crash points: a sender is killed (SIGKILL) at each named point of the delivery path in turn, then a clean
  sender finishes. Every point but one must end with each digest delivered exactly once; the one point in
  the documented window ("committed": "sent" is durable, the held final dot not yet released) must lose
  exactly that one digest and double none.
- Random kills: 10 seeded runs, each killing a sender at a random moment while 1,000 digests go out.
- Flaky SMTP: 20 % of recipients answered 451 once, 5 % answered 550, one connection cut mid-DATA.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from paperwire.config import Settings
from paperwire.core.clock import utcnow
from paperwire.db import outbox
from paperwire.db import subscribers as subs
from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from paperwire.db.schema import outbox as outbox_table
from paperwire.db.subscribers import Preferences
from paperwire.faults import DELIVERY_POINTS, open_windows
from paperwire.ingest import service
from paperwire.mail.digest import due_on_day, plan_digests
from paperwire.mail.sender import Sender
from paperwire.search import SearchService
from testkit.flaky_smtp import CuttingProxy, DropMidData
from testkit.smtp_sink import SmtpSink

DAY_FILE = Path(__file__).parents[1] / "fixtures" / "arxiv_daily" / "head50" / "2026-05-14.jsonl"
LISTING_DAY = date(2026, 5, 14)
SEED = 20261127


@dataclass
class Planned:
    settings: Settings
    db: Database
    count: int

    def env(self, mail_url: str, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "PAPERWIRE_HOME": str(self.settings.home),
            "PAPERWIRE_DATABASE_URL": self.settings.resolved_database_url,
            "PAPERWIRE_MAIL_URL": mail_url,
            "PAPERWIRE_BASE_URL": "https://papers.example.org",
            "PAPERWIRE_OUTBOX_LEASE_SECONDS": "1",
            "PAPERWIRE_MAIL_RETRY_SECONDS": "0.05",
            **extra,
        }

    def reset(self) -> None:
        """Every planned digest back to pending, as if nothing had been sent."""
        with self.db.write() as conn:
            conn.execute(
                update(outbox_table).values(
                    status="pending", attempts=0, lease_owner=None, lease_until=None, sent_at=None, last_error=None
                )
            )


def plan_world(home: Path, subscribers: int) -> Planned:
    """SQLite (the embedded default; the faults suite runs once), one listing day, N confirmed readers."""
    url = f"sqlite:///{(home / 'paperwire.db').as_posix()}"
    settings = Settings(home=home, database_url=url, base_url="https://papers.example.org")
    db = Database(url)
    upgrade(db)
    service.ingest_jsonl(db, settings, [DAY_FILE])
    moment = datetime(2026, 5, 14)
    for n in range(subscribers):
        subs.add(db, f"reader{n:04d}@example.org", Preferences(), confirmed=True, now=moment)
    report = plan_digests(db, settings, SearchService(settings, db), due=due_on_day(db, LISTING_DAY), now=utcnow())
    assert report.planned == subscribers
    return Planned(settings, db, subscribers)


@pytest.fixture(scope="module")
def thousand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Planned]:
    planned = plan_world(tmp_path_factory.mktemp("thousand"), 1000)
    yield planned
    planned.db.dispose()


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        yield server


SENDER = [sys.executable, "-m", "paperwire", "worker", "send", "--until-empty"]


def finish(planned: Planned, mail_url: str) -> None:
    """A clean sender that waits out dead senders' leases and sends whatever is left."""
    done = subprocess.run(SENDER, env=planned.env(mail_url), capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]


def per_recipient(sink: SmtpSink) -> Counter[str]:
    return Counter(address for received in sink.received for address in received.recipients)


def verdict(planned: Planned, sink: SmtpSink) -> tuple[int, int]:
    """(subscribers with two or more digests, subscribers with none) — and every row must end ``sent``."""
    counts = per_recipient(sink)
    assert outbox.counts(planned.db) == {"sent": planned.count}
    doubled = sum(1 for n in counts.values() if n > 1)
    return doubled, planned.count - len(counts)


@pytest.mark.parametrize("point", DELIVERY_POINTS)
def test_crash_at_each_point_of_the_delivery_path(point: str, thousand: Planned, sink: SmtpSink) -> None:
    """Killed the 7th time it passes ``point`` (one connection, so the order is fixed), then finished."""
    thousand.reset()
    env = thousand.env(sink.url, PAPERWIRE_CRASH_AT=f"{point}:7", PAPERWIRE_MAIL_CONNECTIONS="1")
    crashed = subprocess.run(SENDER, env=env, capture_output=True, timeout=300, check=False)
    assert crashed.returncode == -signal.SIGKILL, f"the sender never reached {point}: {crashed.stderr[-500:]!r}"
    finish(thousand, sink.url)
    doubled, missing = verdict(thousand, sink)
    assert doubled == 0
    # The one window the design documents (docs/operations.md): "sent" committed, the final dot not yet out.
    assert missing == (1 if point == "committed" else 0)


def test_ten_random_kills_while_sending_a_thousand_digests(thousand: Planned, sink: SmtpSink, tmp_path: Path) -> None:
    """Only a digest that the kill caught inside the documented window may be missing, and none doubled.

    The sender notes each message entering the window (dot held, before the "sent" commit) and leaving it (dot
    released) in a log that survives the kill (``paperwire.faults.note_window``). A missing digest that the log
    does not show inside the window at the kill is a loss the design does not allow, and fails the test.
    """
    rng = random.Random(SEED)
    outcomes = []
    for run in range(10):
        thousand.reset()
        sink.handler.received.clear()
        log = tmp_path / f"window-{run}.log"
        kill_after = rng.randint(1, 950)  # delivered digests before the kill: a random point of the run
        phase = rng.random() * 0.004  # and a random moment within a message's ~3 ms
        env = thousand.env(sink.url, PAPERWIRE_FAULTS_WINDOW_LOG=str(log))
        sender = subprocess.Popen(SENDER, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while len(sink.received) < kill_after and sender.poll() is None and time.monotonic() < deadline:
            time.sleep(0.0005)
        time.sleep(phase)
        sender.send_signal(signal.SIGKILL)
        sender.wait()
        assert sender.returncode == -signal.SIGKILL, f"run {run}: the sender finished before the kill"
        in_window = open_windows(str(log))
        assert log.stat().st_size > 0  # the log was written: the window notes are armed
        finish(thousand, sink.url)
        counts = per_recipient(sink)
        assert outbox.counts(thousand.db) == {"sent": thousand.count}
        missing = {f"reader{n:04d}@example.org" for n in range(thousand.count)} - set(counts)
        doubled = sum(1 for n in counts.values() if n > 1)
        outcomes.append((kill_after, doubled, len(missing)))
        assert doubled == 0, f"run {run}"
        assert missing <= in_window, f"run {run}: lost outside the window: {sorted(missing - in_window)}"
    print("kill after (delivered), doubled, missing:", outcomes)


def test_flaky_smtp_retries_451_suppresses_550_and_survives_a_cut_mid_data(tmp_path: Path, sink: SmtpSink) -> None:
    planned = plan_world(tmp_path, 200)
    rng = random.Random(SEED)
    addresses = [f"reader{n:04d}@example.org" for n in range(200)]
    shuffled = rng.sample(addresses, len(addresses))
    refused, deferred = set(shuffled[:10]), set(shuffled[10:50])  # 5 % 550, 20 % 451 (first attempt)
    deferred_once: set[str] = set()

    def data_rule(address: str) -> str | None:
        if address in refused:
            return "550 5.1.1 mailbox unavailable"
        if address in deferred and address not in deferred_once:
            deferred_once.add(address)
            return "451 4.3.0 try again later"
        return None

    sink.handler.data_rule = data_rule
    drop = DropMidData(connection=0, transaction=2, after_bytes=600)
    with CuttingProxy(sink.port, drop) as proxy:
        settings = planned.settings.model_copy(
            update={"mail_url": proxy.url, "mail_retry_seconds": 0.05, "mail_connections": 2, "mail_max_attempts": 5}
        )
        report = Sender(planned.db, settings).run(until_empty=True)
    assert drop.dropped.is_set()  # the cut happened, mid-DATA
    counts = per_recipient(sink)
    assert all(n == 1 for n in counts.values())  # nothing twice
    assert set(counts) == set(addresses) - refused  # every 451 address (and the cut one) delivered after retries
    assert deferred_once == deferred
    for address in refused:
        subscriber = subs.find(planned.db, address)
        assert subscriber is not None
        assert subscriber.suppressed_at is not None
        assert "550" in (subscriber.suppressed_reason or "")
    assert outbox.counts(planned.db) == {"sent": 190, "failed": 10}
    assert report.sent == 190
    assert report.suppressed == 10
    assert report.retried >= 41  # 40 deferred + the message on the cut connection
    planned.db.dispose()
