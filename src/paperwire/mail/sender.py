"""The sender: claims outbox rows under a lease, builds each mail, delivers it, records the outcome.

Exactly once: a row is marked ``sent`` (only by the lease holder) just before the SMTP transaction's final
dot, see ``SmtpTransport.send``. A sender killed before that point leaves a leased row that another
sender claims when the lease runs out; one killed after it has already handed the message over.
SMTP 4xx: retried with exponential backoff and jitter, up to ``mail_max_attempts``. SMTP 5xx: the row
fails and the address is suppressed with the server's reason.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from paperwire.config import Settings
from paperwire.core.clock import utcnow
from paperwire.db import outbox
from paperwire.db import subscribers as subs
from paperwire.db.engine import Database
from paperwire.db.outbox import OutboxRow
from paperwire.faults import crash_point
from paperwire.mail.compose import Outgoing, compose_confirmation, compose_digest
from paperwire.mail.digest import PaperCache, digest_context
from paperwire.mail.dkim import sign_if_configured
from paperwire.mail.links import Links
from paperwire.mail.transport import (
    LeaseLost,
    PermanentFailure,
    TemporaryFailure,
    Transport,
    transport_from_url,
)

log = logging.getLogger(__name__)
MAX_CLAIM_BATCH = 20  # a claim costs about as much as building a digest: take several rows at once
MAX_RETRY_DELAY = timedelta(hours=6)


@dataclass(slots=True)
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    suppressed: int = 0
    cancelled: int = 0
    lease_lost: int = 0
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, outcome: str) -> None:
        with self.lock:
            setattr(self, outcome, getattr(self, outcome) + 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "retried": self.retried,
            "failed": self.failed,
            "suppressed": self.suppressed,
            "cancelled": self.cancelled,
            "lease_lost": self.lease_lost,
            "seconds": round(self.seconds, 3),
        }


def claim_batch(lease_seconds: float) -> int:
    """Rows to claim at once: few enough that the last of them is sent well within its lease even at a
    slow 50 ms a message (a tenth of the lease), at most ``MAX_CLAIM_BATCH``."""
    return max(1, min(MAX_CLAIM_BATCH, int(lease_seconds * 2)))


def retry_delay(settings: Settings, attempts: int, *, rng: random.Random) -> timedelta:
    """Exponential backoff with jitter: base * 2^(n-1) * [0.5, 1.5), capped at six hours."""
    seconds = settings.mail_retry_seconds * (2 ** max(0, attempts - 1)) * (0.5 + rng.random())
    return min(timedelta(seconds=seconds), MAX_RETRY_DELAY)


class Throttle:
    """At most ``rate`` messages per second across this process's connections (0 = unlimited)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


class Sender:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        transport_factory: Callable[[], Transport] | None = None,
        owner: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db, self.settings, self.clock = db, settings, clock
        self.transport_factory = transport_factory or (lambda: transport_from_url(settings.mail_url, db))
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.links = Links.build(settings)
        self.papers = PaperCache(db)
        self.throttle = Throttle(settings.mail_rate)
        self.rng = random.Random()

    # --- the loop ----------------------------------------------------------------------------------------

    def run(
        self, *, until_empty: bool = False, stop: threading.Event | None = None, idle_wait: float = 1.0
    ) -> SendReport:
        """Send what is due over ``mail_connections`` connections. ``until_empty``: keep going until no
        row is pending, leased or due for retry (waiting out the leases of dead senders); otherwise stop
        when nothing is due."""
        report = SendReport()
        started = time.perf_counter()
        workers = [
            threading.Thread(
                target=self._worker, args=(report, until_empty, stop, idle_wait), daemon=True, name=f"sender-{n}"
            )
            for n in range(max(1, self.settings.mail_connections))
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        report.seconds = time.perf_counter() - started
        return report

    def _worker(self, report: SendReport, until_empty: bool, stop: threading.Event | None, idle_wait: float) -> None:
        """One connection: claim a few rows at a time (so no claimed row waits long enough in a queue to
        lose its lease), deliver them, repeat."""
        transport = self.transport_factory()
        sent_on_connection = 0
        try:
            while not (stop and stop.is_set()):
                rows = outbox.claim(
                    self.db,
                    owner=self.owner,
                    limit=claim_batch(self.settings.outbox_lease_seconds),
                    lease_seconds=self.settings.outbox_lease_seconds,
                    now=self.clock(),
                )
                if not rows:
                    if not until_empty or outbox.outstanding(self.db, now=self.clock()) == 0:
                        return
                    self._sleep_until_due(idle_wait, stop)
                    continue
                crash_point("claimed")
                people = subs.get_many(self.db, [row.subscriber_id for row in rows])
                for row in rows:
                    report.add(self._deliver_safely(row, transport, people.get(row.subscriber_id)))
                    sent_on_connection += 1
                    limit = self.settings.mail_messages_per_connection
                    if limit and sent_on_connection >= limit:
                        transport.close()  # the next message opens a fresh connection
                        sent_on_connection = 0
        finally:
            transport.close()

    def _deliver_safely(self, row: OutboxRow, transport: Transport, subscriber: subs.Subscriber | None) -> str:
        self.throttle.wait()
        try:
            return self.deliver(row, transport, subscriber)
        except Exception:  # one broken row must not stop the sender; its lease brings it back later
            log.exception("sending outbox row %s failed unexpectedly", row.id)
            return "retried"

    def _sleep_until_due(self, idle_wait: float, stop: threading.Event | None) -> None:
        due = outbox.next_due_at(self.db)
        seconds = idle_wait if due is None else min(idle_wait, max(0.05, (due - self.clock()).total_seconds()))
        if stop:
            stop.wait(seconds)
        else:
            time.sleep(seconds)

    # --- one message -------------------------------------------------------------------------------------

    def build(
        self, row: OutboxRow, subscriber: subs.Subscriber | None = None
    ) -> tuple[Outgoing | None, subs.Subscriber | None]:
        subscriber = subscriber or subs.get(self.db, row.subscriber_id)
        if subscriber is None:
            return None, None
        if row.kind == "confirm":
            return compose_confirmation(
                self.settings, to=subscriber.email, link=self.links.confirm(subscriber.id)
            ), subscriber
        if not subscriber.receives_digests:
            return None, subscriber
        paper_rows = self.papers.load(item["id"] for item in row.payload.get("items", []))
        context = digest_context(self.links, subscriber, row.payload, paper_rows)
        return compose_digest(self.settings, context), subscriber

    def deliver(self, row: OutboxRow, transport: Transport, subscriber: subs.Subscriber | None = None) -> str:
        message, subscriber = self.build(row, subscriber)
        if message is None or subscriber is None or subscriber.suppressed_at is not None:
            outbox.mark_failed(
                self.db,
                row.id,
                owner=self.owner,
                cancelled=True,
                error="subscriber gone, unsubscribed or suppressed",
            )
            return "cancelled"
        message = sign_if_configured(message, self.settings)
        message_id = message.message_id
        crash_point("composed")
        committed = False

        def commit(hold: Callable[[], None], release: Callable[[], None]) -> bool:
            nonlocal committed
            committed = outbox.mark_sent(
                self.db,
                row.id,
                owner=self.owner,
                message_id=message_id,
                now=self.clock(),
                before_commit=hold,
                after_commit=release,
            )
            return committed

        try:
            transport.send(message, before_final=commit)
        except LeaseLost:
            return "lease_lost"
        except PermanentFailure as exc:
            outbox.mark_failed(self.db, row.id, owner=self.owner, error=str(exc))
            subs.suppress(self.db, subscriber.email, f"SMTP {exc}", now=self.clock())
            return "suppressed"
        except TemporaryFailure as exc:
            give_up = row.attempts >= self.settings.mail_max_attempts
            next_at = self.clock() + retry_delay(self.settings, row.attempts, rng=self.rng)
            outbox.mark_retry(
                self.db, row.id, owner=self.owner, error=str(exc), next_attempt_at=next_at, give_up=give_up
            )
            return "failed" if give_up else "retried"
        crash_point("acknowledged")
        return "sent"
