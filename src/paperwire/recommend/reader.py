"""A reader: what they asked for (topics, authors, categories, papers they like, their own name) and what they
did (saves, upvotes, digest clicks, more / fewer like this). Built from a subscriber, a signed-in user, or
both (same address)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from paperwire.db import feedback as fb
from paperwire.db import reactions, users
from paperwire.db.engine import Database
from paperwire.db.subscribers import Subscriber

# Positive evidence, strongest first: the label says in plain words why the paper counts.
LIKED, OWN, SAVED, MORE, UPVOTED, CLICKED = "liked", "own", "saved", "more", "upvoted", "clicked"
POSITIVE_LABELS = {
    LIKED: "which you liked",
    OWN: "your own paper",
    SAVED: "which you saved",
    MORE: "which you asked for more like",
    UPVOTED: "which you upvoted",
    CLICKED: "which you opened from a digest",
}


@dataclass(frozen=True, slots=True)
class Reader:
    key: str  # "subscriber:12" or "user:3": what a stored profile belongs to
    subscriber_id: int | None = None
    topics: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    liked: tuple[str, ...] = ()  # chosen at sign-up or on the manage page
    author_name: str | None = None  # their own papers are positives
    saved: tuple[str, ...] = ()
    more: tuple[str, ...] = ()
    upvoted: tuple[str, ...] = ()
    clicked: tuple[str, ...] = ()
    fewer: tuple[str, ...] = ()
    frequency: str = "daily"
    digest_size: int = 10
    own: tuple[str, ...] = field(default=())  # resolved from ``author_name`` by the recommender

    def positives(self) -> dict[str, str]:
        """``{paper_id: label}``, each paper once under its strongest label; "fewer" wins over all."""
        found: dict[str, str] = {}
        for label, ids in (
            (LIKED, self.liked),
            (OWN, self.own),
            (SAVED, self.saved),
            (MORE, self.more),
            (UPVOTED, self.upvoted),
            (CLICKED, self.clicked),
        ):
            for paper_id in ids:
                found.setdefault(paper_id, label)
        for paper_id in self.fewer:
            found.pop(paper_id, None)
        return found

    @property
    def has_interests(self) -> bool:
        return bool(self.topics or self.authors or self.categories or self.positives())


def subscriber_key(subscriber_id: int) -> str:
    return f"subscriber:{subscriber_id}"


def user_key(user_id: int) -> str:
    return f"user:{user_id}"


def readers_for(db: Database, subscribers: Sequence[Subscriber]) -> list[Reader]:
    """Readers for many subscribers at once: a few queries in all, not a few per subscriber. A subscriber
    who also signs in (same address) brings their site saves and upvotes."""
    ids = [s.id for s in subscribers]
    feedback = fb.for_readers(db, ids if len(ids) <= 500 else None)
    clicks = fb.clicks_by_subscriber(db, ids if len(ids) <= 500 else None)
    user_ids = users.ids_by_email(db)
    actors = {s.id: str(user_ids[s.email]) for s in subscribers if s.email in user_ids}
    site = _site_reactions(db, list(actors.values()))
    readers = []
    for s in subscribers:
        mine = feedback.get(s.id, [])
        got = site.get(actors.get(s.id, ""), {})
        readers.append(
            Reader(
                key=subscriber_key(s.id),
                subscriber_id=s.id,
                topics=tuple(s.topics),
                authors=tuple(s.authors),
                categories=tuple(s.categories),
                liked=tuple(s.liked),
                author_name=s.author_name or None,
                saved=tuple(dict.fromkeys([f.paper_id for f in mine if f.kind == fb.SAVE] + got.get("save", []))),
                more=tuple(f.paper_id for f in mine if f.kind == fb.MORE),
                upvoted=tuple(got.get("upvote", [])),
                clicked=tuple(sorted(clicks.get(s.id, set()))),
                fewer=tuple(f.paper_id for f in mine if f.kind == fb.FEWER),
                frequency=s.frequency,
                digest_size=s.digest_size,
            )
        )
    return readers


def reader_for(db: Database, subscriber: Subscriber) -> Reader:
    return readers_for(db, [subscriber])[0]


def reader_for_user(db: Database, user_id: int, subscriber: Subscriber | None = None) -> Reader:
    """The reader behind a signed-in user (the For-you page and feed): their subscription's interests and
    feedback when they have one, their site saves and upvotes either way."""
    if subscriber is not None:
        return reader_for(db, subscriber)
    got = _site_reactions(db, [str(user_id)]).get(str(user_id), {})
    return Reader(key=user_key(user_id), saved=tuple(got.get("save", [])), upvoted=tuple(got.get("upvote", [])))


def _site_reactions(db: Database, actors: list[str]) -> dict[str, dict[str, list[str]]]:
    found: dict[str, dict[str, list[str]]] = {}
    for actor in actors:
        found[actor] = {kind: reactions.user_papers(db, actor, kind) for kind in ("save", "upvote")}
    return found
