"""The in-process scheduler of ``paperwire run``: a thread that runs the daily pipeline on its clock.

Every ``PAPERWIRE_TRENDING_REFRESH_SECONDS`` (15 s): refresh trending, so in-app signals show within it.
Every tick (a minute by default): once a day after ``PAPERWIRE_HARVEST_HOUR`` (UTC) harvest the configured
sources, then catch the index up and refresh trending, and run the configured signal collectors (then refresh
trending again); plan digests for subscribers whose local delivery
hour has come; deliver whatever the outbox holds (confirmation mails go out within a tick). Every job is
idempotent and runs under a database lease, so a second scheduler (another machine, a cron job) is safe.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from paperwire import trending
from paperwire.config import Settings
from paperwire.core.clock import utcnow
from paperwire.db import jobs
from paperwire.db.engine import Database
from paperwire.jobs import pipeline
from paperwire.jobs.pipeline import JobBusy
from paperwire.mail.sender import Sender
from paperwire.search import SearchService

log = logging.getLogger(__name__)
SEND_INTERVAL_SECONDS = 5.0


class Scheduler:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        search: SearchService,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db, self.settings, self.search, self.clock = db, settings, search, clock
        self.sender = Sender(db, settings)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        # The outbox is looked at every few seconds (a confirmation or sign-in mail should not wait a minute);
        # harvest and digest planning run every tick.
        last_tick = last_trending = float("-inf")
        while not self._stop.is_set():
            if time.monotonic() - last_tick >= self.settings.scheduler_tick_seconds:
                last_tick = time.monotonic()
                self.tick()
            else:
                self._step("send", self._send, self.clock())
            if time.monotonic() - last_trending >= self.settings.trending_refresh_seconds:
                last_trending = time.monotonic()
                self._step("trending", self._trending, self.clock())
            wait = min(
                SEND_INTERVAL_SECONDS, self.settings.scheduler_tick_seconds, self.settings.trending_refresh_seconds
            )
            self._stop.wait(wait)

    def tick(self) -> None:
        """One round of due work; each step's failure is logged and the others still run."""
        now = self.clock()
        steps = (
            ("harvest", self._harvest),
            ("signals", self._signals),
            ("digests", self._digests),
            ("send", self._send),
        )
        for name, step in steps:
            self._step(name, step, now)

    def _step(self, name: str, step: Callable[[datetime], None], now: datetime) -> None:
        try:
            step(now)
        except JobBusy:
            log.info("%s: running elsewhere, skipped this tick", name)
        except Exception:
            log.exception("scheduler step %s failed", name)

    def _harvest(self, now: datetime) -> None:
        if not self.settings.harvest_sources or now.hour < self.settings.harvest_hour:
            return
        name = f"harvest:{now.date().isoformat()}"
        if jobs.last_finished(self.db, name):
            return  # today's harvest is done

        def work() -> None:
            pipeline.harvest(self.db, self.settings, day=now.date())
            pipeline.after_ingest(self.db, self.settings, self.search)

        pipeline.guarded(self.db, name, work)

    def _signals(self, now: datetime) -> None:
        if not self.settings.signal_collectors or now.hour < self.settings.harvest_hour:
            return
        name = f"signals:{now.date().isoformat()}"
        if jobs.last_finished(self.db, name):
            return  # today's collection is done

        def work() -> None:
            pipeline.collect_signals(self.db, self.settings, now=now)
            trending.refresh(self.db, self.settings)

        pipeline.guarded(self.db, name, work)

    def _digests(self, now: datetime) -> None:
        pipeline.guarded(
            self.db,
            "digests:plan",
            lambda: pipeline.plan(self.db, self.settings, self.search, at=now),
            lease_seconds=1800,
        )

    def _trending(self, now: datetime) -> None:
        """Votes, saves, views and clicks reach the scores without a harvest: the in-app counts are kept on
        write, so this reads them and rescores (skipped when no signal, paper or minute changed)."""
        trending.refresh(self.db, self.settings)

    def _send(self, now: datetime) -> None:
        self.sender.run(until_empty=False, stop=self._stop)
