"""The digest: which papers each subscriber gets, and why (planning), and the mail that says so (building).

Planning is the only step that decides content: it asks the recommender (``paperwire.recommend``) for each
subscriber's picks of the period, writes one outbox row per (subscriber, period) with the ``DigestPlan``
(papers, true reasons, notes on interests with nothing new), and records those papers as delivered, so no
later digest repeats one. Sending (``paperwire.mail.sender``) only turns rows into mail.

Periods: a daily digest belongs to an arXiv *listing day* (the newest day with announced papers on or before
the date asked for), so planning on a Saturday or a holiday maps to the last listing and its key — no empty
and no duplicate digests. A weekly digest belongs to the ISO week of the date.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from paperwire.config import Settings
from paperwire.db import outbox, papers
from paperwire.db import subscribers as subs
from paperwire.db.engine import Database
from paperwire.db.outbox import PlannedMessage
from paperwire.db.subscribers import Subscriber
from paperwire.mail.compose import DigestContext, DigestItem
from paperwire.mail.compose import Note as _Note
from paperwire.mail.links import Links
from paperwire.mail.plan import DigestPlan, PlannedItem
from paperwire.recommend import Period, ReaderPicks, Recommender, readers_for
from paperwire.recommend.periods import daily_period, human_day, listing_day_for, weekly_period
from paperwire.recommend.reader import Reader
from paperwire.search import SearchService

PLAN_BATCH = 500
EMPTY_NOTE = "Nothing new matched your interests this time. We will write when something does."

__all__ = [
    "Period",
    "PlanReport",
    "daily_period",
    "digest_plan",
    "due_at",
    "due_on_day",
    "human_day",
    "is_due",
    "listing_day_for",
    "plan_digests",
    "weekly_period",
]


@dataclass(slots=True)
class PlanReport:
    day: date
    listing_day: date | None
    due: int = 0
    planned: int = 0
    already_planned: int = 0
    nothing_new: int = 0
    notes: int = 0
    profiles: int = 0  # readers with a learned profile
    profiles_trained: int = 0  # of those, trained in this plan (their feedback changed)
    train_ms: float = 0.0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "listing_day": self.listing_day.isoformat() if self.listing_day else None,
            "due": self.due,
            "planned": self.planned,
            "already_planned": self.already_planned,
            "nothing_new": self.nothing_new,
            "notes": self.notes,
            "profiles": self.profiles,
            "profiles_trained": self.profiles_trained,
            "seconds": round(self.seconds, 3),
        }


def is_due(subscriber: Subscriber, day: date) -> bool:
    """Whether ``subscriber`` gets a digest on ``day`` (the delivery hour is the scheduler's business)."""
    if not subscriber.receives_digests:
        return False
    return subscriber.frequency != "weekly" or subscriber.weekday == day.weekday()


def due_on_day(db: Database, day: date) -> list[tuple[Subscriber, date]]:
    """Everyone due on ``day`` (``paperwire digest plan --date``): delivery hours are ignored."""
    return [(s, day) for s in subs.receiving(db) if is_due(s, day)]


def due_at(db: Database, moment: datetime) -> list[tuple[Subscriber, date]]:
    """Subscribers whose local delivery hour has come at ``moment`` (UTC), with their local day.

    Run every hour by the scheduler: once the hour has passed, a subscriber stays due for the rest of their
    local day, and the outbox key makes the later runs plan nothing twice.
    """
    due = []
    aware = moment.replace(tzinfo=UTC)
    for subscriber in subs.receiving(db):
        try:
            local = aware.astimezone(ZoneInfo(subscriber.timezone))
        except (ZoneInfoNotFoundError, ValueError):
            local = aware
        if local.hour >= subscriber.hour and is_due(subscriber, local.date()):
            due.append((subscriber, local.date()))
    return due


def digest_plan(picks: ReaderPicks) -> DigestPlan:
    """The planned content of one digest, from the recommender's picks."""
    label = picks.period.label if picks.period else ""
    items = [PlannedItem(p.paper_id, p.reason, p.why, p.resembles) for p in picks.items]
    return DigestPlan(label, items, list(picks.notes), None if items else EMPTY_NOTE)


def plan_digests(
    db: Database,
    settings: Settings,
    search: SearchService,
    *,
    due: list[tuple[Subscriber, date]],
    now: datetime,
) -> PlanReport:
    """Plan a digest for each ``(subscriber, local day)`` in ``due``. Idempotent: a rerun plans nothing new."""
    started = time.perf_counter()
    days = sorted({day for _, day in due})
    report = PlanReport(
        day=days[-1] if days else now.date(), listing_day=listing_day_for(db, days[-1]) if days else None
    )
    report.due = len(due)
    recommender = Recommender(db, settings, search, store_profiles=True, now=now)
    for start in range(0, len(due), PLAN_BATCH):
        messages = _plan_batch(db, settings, due[start : start + PLAN_BATCH], recommender, report)
        with db.write() as conn:
            added = outbox.plan(conn, messages, now=now)
        report.planned += added
        report.already_planned += len(messages) - added
    report.seconds = time.perf_counter() - started
    return report


def _plan_batch(
    db: Database,
    settings: Settings,
    batch: list[tuple[Subscriber, date]],
    recommender: Recommender,
    report: PlanReport,
) -> list[PlannedMessage]:
    plans: list[tuple[Subscriber, date, Period]] = []
    for subscriber, day in batch:
        period = recommender.period(_bare_reader(subscriber), day)
        if period is None:  # no listing at all yet: nothing can be new
            report.nothing_new += 1
            continue
        plans.append((subscriber, day, period))
    existing = outbox.planned_keys(db, [_key(s, p) for s, _, p in plans])
    fresh = [(s, d, p) for s, d, p in plans if _key(s, p) not in existing]
    report.already_planned += len(plans) - len(fresh)
    readers = readers_for(db, [s for s, _, _ in fresh])
    prepared = recommender.prepare(readers)
    report.profiles += prepared.with_profile
    report.profiles_trained += prepared.trained
    report.train_ms += prepared.train_ms
    periods = {p.key: p for _, _, p in fresh}.values()  # usually one: the pool once per period, not per person
    pool_ids = {paper.id for p in periods for paper in recommender.pool(p).papers}
    with db.read() as conn:
        received = subs.received_papers(conn, [s.id for s, _, _ in fresh], pool_ids)
    got: dict[int, set[str]] = {}
    for subscriber_id, paper_id in received:
        got.setdefault(subscriber_id, set()).add(paper_id)
    messages: list[PlannedMessage] = []
    for (subscriber, day, period), reader in zip(fresh, readers, strict=True):
        picks = recommender.picks(reader, day, subscriber.digest_size, exclude=got.get(subscriber.id, set()))
        if not picks.items and settings.empty_digest != "note":
            report.nothing_new += 1
            continue
        plan = digest_plan(picks)
        report.notes += plan.note is not None
        messages.append(
            PlannedMessage(
                _key(subscriber, period), "digest", subscriber.id, period.key, plan.to_json(), tuple(plan.paper_ids)
            )
        )
    return messages


def _bare_reader(subscriber: Subscriber) -> Reader:
    return Reader(key="", frequency=subscriber.frequency)


def _key(subscriber: Subscriber, period: Period) -> str:
    return f"digest:{subscriber.id}:{period.key}"


# --- building the mail for a planned row -----------------------------------------------------------------


def summary_of(paper: dict[str, Any], limit: int = 320) -> str:
    text = paper.get("ai_summary") or paper.get("abstract") or ""
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def digest_context(
    links: Links, subscriber: Subscriber, plan: DigestPlan, paper_rows: dict[str, dict[str, Any]]
) -> DigestContext:
    """Everything the digest templates need, from a planned digest and the papers it names."""
    items = []
    for entry in plan.items:
        paper = paper_rows.get(entry.id)
        if paper is None or paper.get("deleted"):
            continue  # withdrawn between planning and sending
        items.append(
            DigestItem(
                id=paper["id"],
                title=paper["title"],
                authors=list(paper["authors"]),
                categories=list(paper["categories"]),
                summary=summary_of(paper),
                why=entry.why,
                code_link=(paper["code_links"] or [None])[0],
                url=links.paper(subscriber.id, paper["id"]),
                more_url=links.feedback(subscriber.id, paper["id"], "more"),
                fewer_url=links.feedback(subscriber.id, paper["id"], "fewer"),
                save_url=links.feedback(subscriber.id, paper["id"], "save"),
                reason=entry.reason,
            )
        )
    token = links.unsubscribe_token(subscriber.id)
    return DigestContext(
        email=subscriber.email,
        period_label=plan.label,
        items=items,
        manage_url=links.manage(subscriber.id),
        unsubscribe_url=links.unsubscribe(subscriber.id, token),
        unsubscribe_token=token,
        note=plan.note,
        notes=[_Note.of(n) for n in plan.notes],
    )


@dataclass(slots=True)
class PaperCache:
    """Paper rows for building many digests: one query per batch of rows instead of one per mail."""

    db: Database
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)

    def load(self, paper_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        missing = [pid for pid in set(paper_ids) if pid not in self.rows]
        if missing:
            self.rows.update(papers.papers_by_ids(self.db, missing))
        if len(self.rows) > 50_000:
            self.rows.clear()
        return self.rows
