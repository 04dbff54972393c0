"""The digest: which papers each subscriber gets, and why (planning), and the mail that says so (building).

Planning is the only step that decides content: it writes one outbox row per (subscriber, period) with the
chosen papers and reasons, and records those papers as delivered, so no later digest repeats one. Sending
(``paperwire.mail.sender``) only turns rows into mail.

Periods: a daily digest belongs to an arXiv *listing day* (the newest day with announced papers on or before
the date asked for), so planning on a Saturday or a holiday maps to the last listing and its key — no empty
and no duplicate digests. A weekly digest belongs to the ISO week of the date.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from paperwire import trending
from paperwire.config import Settings
from paperwire.db import outbox, papers
from paperwire.db import subscribers as subs
from paperwire.db.engine import Database
from paperwire.db.outbox import PlannedMessage
from paperwire.db.subscribers import Subscriber
from paperwire.mail.compose import DigestContext, DigestItem
from paperwire.mail.links import Links
from paperwire.search import SearchFilters, SearchService

CANDIDATES_PER_INTEREST = 15
TRENDING_CANDIDATES = 60
PLAN_BATCH = 500


@dataclass(frozen=True, slots=True)
class Pick:
    paper_id: str
    why: str


@dataclass(frozen=True, slots=True)
class Period:
    key: str  # "2026-06-30" or "2026-W27"
    label: str  # "Tuesday, June 30, 2026" or "the week of June 29, 2026"
    since: date  # papers announced on or after this day are "new" for the period
    until: date
    window: str  # the trending window that matches the period


@dataclass(slots=True)
class PlanReport:
    day: date
    listing_day: date | None
    due: int = 0
    planned: int = 0
    already_planned: int = 0
    nothing_new: int = 0
    notes: int = 0
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
            "seconds": round(self.seconds, 3),
        }


def human_day(day: date) -> str:
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"


def daily_period(listing_day: date) -> Period:
    # Two days back as well: a paper listed on Friday is still new in Monday's mail for someone who joined.
    return Period(listing_day.isoformat(), human_day(listing_day), listing_day - timedelta(days=2), listing_day, "day")


def weekly_period(day: date) -> Period:
    year, week, _ = day.isocalendar()
    monday = day - timedelta(days=day.weekday())
    return Period(
        f"{year}-W{week:02d}",
        f"the week of {monday:%B} {monday.day}, {monday.year}",
        day - timedelta(days=6),
        day,
        "week",
    )


def is_due(subscriber: Subscriber, day: date) -> bool:
    """Whether ``subscriber`` gets a digest on ``day`` (the delivery hour is the scheduler's business)."""
    if not subscriber.receives_digests:
        return False
    return subscriber.frequency != "weekly" or subscriber.weekday == day.weekday()


class Candidates:
    """Papers that could go into digests of one period, computed once per distinct interest.

    Subscribers share interests (many follow cs.LG; many care about "diffusion models"), so a plan over
    100k subscribers runs a few hundred searches, not 100k.
    """

    def __init__(self, db: Database, settings: Settings, search: SearchService, period: Period) -> None:
        self.db, self.settings, self.search, self.period = db, settings, search, period
        self.end_of_period = datetime.combine(period.until, dtime(23, 59))
        self._cache: dict[tuple[str, str], list[Pick]] = {}
        self._by_author: dict[str, list[str]] | None = None
        self.titles: dict[str, str] = {}

    def _cached(self, kind: str, key: str, compute: Callable[[], list[Pick]]) -> list[Pick]:
        if (kind, key) not in self._cache:
            self._cache[(kind, key)] = compute()
        return self._cache[(kind, key)]

    def _new(self) -> SearchFilters:
        return SearchFilters(since=self.period.since, until=self.period.until)

    def topic(self, topic: str) -> list[Pick]:
        def compute() -> list[Pick]:
            results = self.search.search(topic, self._new(), limit=CANDIDATES_PER_INTEREST)
            return [Pick(hit.id, f"matches your topic “{topic}”") for hit in results.hits]

        return self._cached("topic", topic.lower(), compute)

    def category(self, category: str) -> list[Pick]:
        def compute() -> list[Pick]:
            items = trending.trending(
                self.db,
                self.settings,
                window=self.period.window,
                category=category,
                limit=CANDIDATES_PER_INTEREST,
                now=self.end_of_period,
            )
            return [
                Pick(item.id, f"new in {category}")
                for item in items
                if item.announced_on is None or item.announced_on >= self.period.since
            ]

        return self._cached("category", category, compute)

    def author(self, author: str) -> list[Pick]:
        """The period's papers with this exact author (case aside), newest first. A name is not a topic: an
        exact lookup in the period's author lists, built once, instead of a search with an embedding each
        (thousands of distinct followed authors made those most of a 100k plan)."""

        def compute() -> list[Pick]:
            if self._by_author is None:
                self._by_author = {}
                for paper_id, names in papers.authors_announced_between(self.db, self.period.since, self.period.until):
                    for name in dict.fromkeys(name.casefold() for name in names):
                        self._by_author.setdefault(name, []).append(paper_id)
            found = self._by_author.get(author.casefold(), [])[:CANDIDATES_PER_INTEREST]
            return [Pick(paper_id, f"by {author}, whom you follow") for paper_id in found]

        return self._cached("author", author.casefold(), compute)

    def similar_to(self, paper_id: str, title: str) -> list[Pick]:
        def compute() -> list[Pick]:
            try:
                hits = self.search.similar(paper_id, limit=CANDIDATES_PER_INTEREST)
            except KeyError:
                return []
            short = title if len(title) <= 50 else title[:47] + "…"
            return [
                Pick(hit.id, f"similar to “{short}”, which you saved")
                for hit in hits
                if hit.announced_on is None or hit.announced_on >= self.period.since
            ]

        return self._cached("similar", paper_id, compute)

    def disliked_neighbours(self, paper_id: str) -> set[str]:
        return {
            pick.paper_id
            for pick in self._cached(
                "dislike", paper_id, lambda: [Pick(hit.id, "") for hit in self._similar_or_empty(paper_id)]
            )
        }

    def _similar_or_empty(self, paper_id: str) -> list[Any]:
        try:
            return list(self.search.similar(paper_id, limit=10))
        except KeyError:
            return []

    def trending_picks(self) -> list[Pick]:
        def compute() -> list[Pick]:
            items = trending.trending(
                self.db,
                self.settings,
                window=self.period.window,
                limit=TRENDING_CANDIDATES,
                now=self.end_of_period,
            )
            return [Pick(item.id, "trending: " + item.reason) for item in items]

        return self._cached("trending", "", compute)


def choose(
    subscriber: Subscriber,
    candidates: Candidates,
    *,
    received: set[str],
    disliked: set[str],
    saved: Sequence[tuple[str, str]] = (),
) -> list[Pick]:
    """Interest matches first (topics, authors, categories, similar to saved papers), then trending; never a
    paper already received; papers like ones marked "fewer like this" go to the back of the queue."""
    streams = _interest_streams(subscriber, candidates, saved)
    ordered = list(_interleave(streams)) + candidates.trending_picks()
    avoid = set().union(*(candidates.disliked_neighbours(p) for p in disliked)) if disliked else set()
    chosen: dict[str, Pick] = {}
    later: list[Pick] = []
    for pick in ordered:
        if pick.paper_id in received or pick.paper_id in disliked or pick.paper_id in chosen:
            continue
        if pick.paper_id in avoid:
            later.append(pick)
            continue
        chosen[pick.paper_id] = pick
        if len(chosen) >= subscriber.digest_size:
            break
    for pick in later:
        if len(chosen) >= subscriber.digest_size:
            break
        chosen.setdefault(pick.paper_id, pick)
    return list(chosen.values())


def _interest_streams(
    subscriber: Subscriber, candidates: Candidates, saved: Sequence[tuple[str, str]]
) -> list[list[Pick]]:
    """One list of candidates per interest: topics, followed authors, categories, papers like saved ones."""
    streams: list[list[Pick]] = [candidates.topic(t) for t in subscriber.topics]
    streams += [candidates.author(a) for a in subscriber.authors]
    streams += [candidates.category(c) for c in subscriber.categories]
    streams += [candidates.similar_to(pid, title) for pid, title in saved]
    return streams


def _interleave(streams: list[list[Pick]]) -> Iterable[Pick]:
    """Round-robin over interests, so one broad topic cannot fill the whole digest."""
    for rank in range(max((len(s) for s in streams), default=0)):
        for stream in streams:
            if rank < len(stream):
                yield stream[rank]


def listing_day_for(db: Database, day: date) -> date | None:
    return papers.latest_announcement_day(db, on_or_before=day)


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


class CandidateSets:
    """One ``Candidates`` per period (subscribers in different time zones can be on different days)."""

    def __init__(self, db: Database, settings: Settings, search: SearchService) -> None:
        self.db, self.settings, self.search = db, settings, search
        self._sets: dict[str, Candidates] = {}
        self._listing_days: dict[date, date | None] = {}  # one query per local day, not per subscriber

    def for_subscriber(self, subscriber: Subscriber, day: date) -> Candidates | None:
        if subscriber.frequency == "weekly":
            period = weekly_period(day)
        else:
            if day not in self._listing_days:
                self._listing_days[day] = listing_day_for(self.db, day)
            listing = self._listing_days[day]
            if listing is None:
                return None
            period = daily_period(listing)
        if period.key not in self._sets:
            self._sets[period.key] = Candidates(self.db, self.settings, self.search, period)
        return self._sets[period.key]


def plan_digests(
    db: Database,
    settings: Settings,
    search: SearchService,
    *,
    due: list[tuple[Subscriber, date]],
    now: datetime,
    saved_by_email: Callable[[str], Sequence[tuple[str, str]]] | None = None,
) -> PlanReport:
    """Plan a digest for each ``(subscriber, local day)`` in ``due``. Idempotent: a rerun plans nothing new."""
    started = time.perf_counter()
    days = sorted({day for _, day in due})
    report = PlanReport(
        day=days[-1] if days else now.date(), listing_day=listing_day_for(db, days[-1]) if days else None
    )
    report.due = len(due)
    sets = CandidateSets(db, settings, search)
    dislikes = subs.fewer_like(db)
    for start in range(0, len(due), PLAN_BATCH):
        messages = _plan_batch(db, settings, due[start : start + PLAN_BATCH], sets, dislikes, saved_by_email, report)
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
    sets: CandidateSets,
    dislikes: dict[int, set[str]],
    saved_by_email: Callable[[str], Sequence[tuple[str, str]]] | None,
    report: PlanReport,
) -> list[PlannedMessage]:
    messages: list[PlannedMessage] = []
    plans: list[tuple[Subscriber, Candidates]] = []
    for subscriber, day in batch:
        candidates = sets.for_subscriber(subscriber, day)
        if candidates is None:  # no listing at all yet: nothing can be new
            report.nothing_new += 1
            continue
        plans.append((subscriber, candidates))
    existing = outbox.planned_keys(db, [_key(s, c.period) for s, c in plans])
    fresh = [(s, c) for s, c in plans if _key(s, c.period) not in existing]
    report.already_planned += len(plans) - len(fresh)
    saved = {s.id: saved_by_email(s.email) if saved_by_email else () for s, _ in fresh}
    for subscriber, candidates in fresh:  # fill the caches first, so one query finds what anyone received
        _interest_streams(subscriber, candidates, saved[subscriber.id])
    periods = {id(c): c for _, c in fresh}.values()  # usually one: the pool once per period, not per person
    pool = {p.paper_id for c in periods for p in _pool(c)}
    with db.read() as conn:
        received = subs.received_papers(conn, [s.id for s, _ in fresh], pool)
    got: dict[int, set[str]] = {}
    for subscriber_id, paper_id in received:
        got.setdefault(subscriber_id, set()).add(paper_id)
    for subscriber, candidates in fresh:
        picks = choose(
            subscriber,
            candidates,
            received=got.get(subscriber.id, set()),
            disliked=dislikes.get(subscriber.id, set()),
            saved=saved[subscriber.id],
        )
        if not picks and settings.empty_digest != "note":
            report.nothing_new += 1
            continue
        payload: dict[str, Any] = {
            "label": candidates.period.label,
            "items": [{"id": p.paper_id, "why": p.why} for p in picks],
        }
        if not picks:
            payload["note"] = "Nothing new matched your interests this time. We will write when something does."
            report.notes += 1
        messages.append(
            PlannedMessage(
                _key(subscriber, candidates.period),
                "digest",
                subscriber.id,
                candidates.period.key,
                payload,
                tuple(p.paper_id for p in picks),
            )
        )
    return messages


def _pool(candidates: Candidates) -> list[Pick]:
    """Every candidate computed so far plus trending (enough to look up what subscribers already got)."""
    candidates.trending_picks()
    return [pick for picks in candidates._cache.values() for pick in picks]


def _key(subscriber: Subscriber, period: Period) -> str:
    return f"digest:{subscriber.id}:{period.key}"


# --- building the mail for a planned row -----------------------------------------------------------------


def summary_of(paper: dict[str, Any], limit: int = 320) -> str:
    text = paper.get("ai_summary") or paper.get("abstract") or ""
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def digest_context(
    links: Links, subscriber: Subscriber, payload: dict[str, Any], paper_rows: dict[str, dict[str, Any]]
) -> DigestContext:
    """Everything the digest templates need, from a planned row and the papers it names."""
    items = []
    for entry in payload.get("items", []):
        paper = paper_rows.get(entry["id"])
        if paper is None or paper.get("deleted"):
            continue  # withdrawn between planning and sending
        items.append(
            DigestItem(
                id=paper["id"],
                title=paper["title"],
                authors=list(paper["authors"]),
                categories=list(paper["categories"]),
                summary=summary_of(paper),
                why=entry["why"],
                code_link=(paper["code_links"] or [None])[0],
                url=links.paper(subscriber.id, paper["id"]),
                fewer_url=links.fewer(subscriber.id, paper["id"]),
            )
        )
    token = links.unsubscribe_token(subscriber.id)
    return DigestContext(
        email=subscriber.email,
        period_label=str(payload.get("label", "")),
        items=items,
        manage_url=links.manage(subscriber.id),
        unsubscribe_url=links.unsubscribe(subscriber.id, token),
        unsubscribe_token=token,
        note=payload.get("note"),
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
