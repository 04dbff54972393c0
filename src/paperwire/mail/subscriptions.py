"""Subscribing with double opt-in, and the link-driven actions from mail (confirm, manage, unsubscribe,
"fewer like this", clicks). The web routes and the CLI call these; they never answer differently for a
new, pending or confirmed address."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email

from paperwire.config import Settings
from paperwire.db import outbox
from paperwire.db import subscribers as subs
from paperwire.db.engine import Database
from paperwire.db.outbox import PlannedMessage
from paperwire.db.subscribers import Preferences, Subscriber
from paperwire.mail.links import CLICK, CONFIRM, FEWER, MANAGE, MAX_AGE_SECONDS, UNSUBSCRIBE
from paperwire.tokens import TokenError, TokenSigner
from paperwire.trending import reactions

MAX_INTERESTS = 20
MAX_INTEREST_LENGTH = 200


class InvalidSubscription(ValueError):
    """Bad input on the subscribe or manage form; the message says which field."""


def normalise_email(raw: str) -> str:
    """The address as stored (lower-cased, IDNA-normalised) or ``InvalidSubscription``."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidSubscription(f"{raw.strip()!r} is not a valid email address: {exc}") from None


def clean_list(values: list[str] | str | None, *, name: str) -> list[str]:
    """Interests from a form or CSV: ``;``/newline separated, trimmed, de-duplicated, bounded."""
    if values is None:
        return []
    items = values if isinstance(values, list) else values.replace("\n", ";").split(";")
    cleaned = list(dict.fromkeys(" ".join(item.split()) for item in items if item and item.strip()))
    if len(cleaned) > MAX_INTERESTS or any(len(item) > MAX_INTEREST_LENGTH for item in cleaned):
        raise InvalidSubscription(
            f"too many or too long {name} (at most {MAX_INTERESTS}, {MAX_INTEREST_LENGTH} characters each)"
        )
    return cleaned


def check_preferences(prefs: Preferences) -> Preferences:
    if prefs.frequency not in {"daily", "weekly"}:
        raise InvalidSubscription("frequency must be daily or weekly")
    if not 0 <= prefs.weekday <= 6:
        raise InvalidSubscription("weekday must be 0 (Monday) to 6 (Sunday)")
    if not 0 <= prefs.hour <= 23:
        raise InvalidSubscription("delivery hour must be 0 to 23")
    if not 1 <= prefs.digest_size <= 50:
        raise InvalidSubscription("digest size must be 1 to 50 papers")
    try:
        ZoneInfo(prefs.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSubscription(f"unknown time zone {prefs.timezone!r} (use e.g. Europe/Berlin)") from None
    return prefs


def request_subscription(db: Database, settings: Settings, email: str, prefs: Preferences, *, now: datetime) -> None:
    """Subscribe form: a new or unsubscribed address becomes pending and gets a confirmation mail (within
    the daily allowance); a pending one gets it again (same allowance); a confirmed one gets nothing."""
    subscriber = subs.subscribe(db, normalise_email(email), check_preferences(prefs), now=now)
    if subscriber.status != subs.PENDING or subscriber.suppressed_at is not None:
        return
    if not subs.allow_confirmation_mail(db, subscriber.id, per_day=settings.confirmation_mails_per_day, now=now):
        return
    message = PlannedMessage(
        f"confirm:{subscriber.id}:{uuid.uuid4().hex}", "confirm", subscriber.id, now.date().isoformat(), {}
    )
    with db.write() as conn:
        outbox.plan(conn, [message], now=now)


@dataclass(frozen=True, slots=True)
class LinkTarget:
    subscriber: Subscriber
    paper_id: str | None = None


# Links name their subscription by id, and SQLite hands the id of a deleted row (delete-my-data) to the next
# new subscriber. A link minted before the subscription it names was created belongs to the deleted one and
# must open nothing. The margin only absorbs clock differences between the nodes that mint and check links.
CLOCK_SKEW_SECONDS = 5


def read_link(db: Database, signer: TokenSigner, purpose: str, token: str) -> LinkTarget:
    """The subscriber (and paper) a mail link is for; ``TokenError`` when the link is bad or too old, or was
    minted for an earlier subscription that had the same id."""
    data = signer.read(purpose, token, max_age=MAX_AGE_SECONDS[purpose])
    subscriber_id = data.payload.get("s")
    subscriber = subs.get(db, subscriber_id) if isinstance(subscriber_id, int) else None
    if subscriber is None or data.issued_at < _created(subscriber) - CLOCK_SKEW_SECONDS:
        raise TokenError("this link belongs to a subscription that no longer exists")
    paper = data.payload.get("p")
    return LinkTarget(subscriber, paper if isinstance(paper, str) else None)


def _created(subscriber: Subscriber) -> float:
    return subscriber.created_at.replace(tzinfo=UTC).timestamp()


def confirm(db: Database, signer: TokenSigner, token: str, *, now: datetime) -> Subscriber:
    target = read_link(db, signer, CONFIRM, token)
    if target.subscriber.status == subs.UNSUBSCRIBED:
        raise TokenError("this subscription was cancelled; subscribe again to get a new link")
    confirmed = subs.confirm(db, target.subscriber.id, now=now)
    assert confirmed is not None
    return confirmed


def unsubscribe(db: Database, signer: TokenSigner, token: str, *, now: datetime) -> Subscriber:
    target = read_link(db, signer, UNSUBSCRIBE, token)
    subs.unsubscribe(db, target.subscriber.id, now=now)
    return target.subscriber


def manage_target(db: Database, signer: TokenSigner, token: str) -> Subscriber:
    return read_link(db, signer, MANAGE, token).subscriber


def click(db: Database, signer: TokenSigner, token: str, *, now: datetime) -> str:
    """Record a digest click (once per subscriber, paper and day) and return the paper to show."""
    target = read_link(db, signer, CLICK, token)
    if target.paper_id is None:
        raise TokenError("this link is not valid")
    reactions.record_click(db, paper_id=target.paper_id, subscriber=str(target.subscriber.id), now=now)
    return target.paper_id


def fewer(db: Database, signer: TokenSigner, token: str, *, now: datetime) -> tuple[Subscriber, str]:
    target = read_link(db, signer, FEWER, token)
    if target.paper_id is None:
        raise TokenError("this link is not valid")
    subs.record_feedback(db, target.subscriber.id, target.paper_id, kind="fewer", now=now)
    return target.subscriber, target.paper_id
