"""A reader's feedback on papers from the digest: "more like this", "fewer like this" and "save".

One row per (subscriber, paper, kind); ``more`` and ``fewer`` exclude each other (the newer replaces the
older). Undo deletes the row, so a profile trained on the feedback sees the change as a new fingerprint.
Digest clicks are ``signals`` rows (``db/reactions.py``); ``clicks_by_subscriber`` reads them here for the
profile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select

from paperwire.db.engine import Database
from paperwire.db.schema import feedback, papers, signals
from paperwire.db.upsert import insert_ignore

MORE, FEWER, SAVE = "more", "fewer", "save"
KINDS = (MORE, FEWER, SAVE)
_OPPOSITE = {MORE: FEWER, FEWER: MORE}
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Feedback:
    subscriber_id: int
    paper_id: str
    kind: str
    at: datetime


def _check(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown feedback {kind!r}: use one of {', '.join(KINDS)}")


def record(db: Database, subscriber_id: int, paper_id: str, kind: str, *, at: datetime) -> bool:
    """Store one piece of feedback; ``True`` if it is new (repeating it changes nothing). Raises
    ``LookupError`` for a paper that is not stored."""
    _check(kind)
    with db.write() as conn:
        if conn.execute(select(papers.c.id).where(papers.c.id == paper_id)).first() is None:
            raise LookupError(f"no paper {paper_id!r}")
        if kind in _OPPOSITE:
            _delete(conn, subscriber_id, paper_id, _OPPOSITE[kind])
        row = {"subscriber_id": subscriber_id, "paper_id": paper_id, "kind": kind, "at": at}
        return insert_ignore(conn, feedback, [row]) == 1


def undo(db: Database, subscriber_id: int, paper_id: str, kind: str) -> bool:
    """Take one piece of feedback back; ``True`` if there was something to take back."""
    _check(kind)
    with db.write() as conn:
        return _delete(conn, subscriber_id, paper_id, kind) > 0


def _delete(conn: Connection, subscriber_id: int, paper_id: str, kind: str) -> int:
    result = conn.execute(
        delete(feedback).where(
            feedback.c.subscriber_id == subscriber_id, feedback.c.paper_id == paper_id, feedback.c.kind == kind
        )
    )
    return int(result.rowcount or 0)


def for_reader(db: Database, subscriber_id: int) -> list[Feedback]:
    """This subscriber's feedback, oldest first."""
    return for_readers(db, [subscriber_id]).get(subscriber_id, [])


def for_readers(db: Database, subscriber_ids: Sequence[int] | None = None) -> dict[int, list[Feedback]]:
    """Feedback of many subscribers (``None``: everyone), each oldest first; one query per 500 subscribers."""
    found: dict[int, list[Feedback]] = {}
    query = select(feedback).order_by(feedback.c.subscriber_id, feedback.c.at, feedback.c.paper_id)
    with db.read() as conn:
        if subscriber_ids is None:
            rows = list(conn.execute(query).mappings())
        else:
            ids = list(dict.fromkeys(subscriber_ids))
            rows = []
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                rows += list(conn.execute(query.where(feedback.c.subscriber_id.in_(chunk))).mappings())
    for row in rows:
        entry = Feedback(int(row["subscriber_id"]), str(row["paper_id"]), str(row["kind"]), row["at"])
        found.setdefault(entry.subscriber_id, []).append(entry)
    return found


def clicks_by_subscriber(db: Database, subscriber_ids: Sequence[int] | None = None) -> dict[int, set[str]]:
    """Papers each subscriber opened from a digest (``signals`` of kind ``click``, source ``digest``).

    Scanner clicks are the click recorder's business: whatever it stores as a click counts here.
    """
    query = select(signals.c.actor, signals.c.paper_id).where(signals.c.kind == "click", signals.c.source == "digest")
    found: dict[int, set[str]] = {}
    with db.read() as conn:
        if subscriber_ids is not None and len(subscriber_ids) <= _CHUNK:
            query = query.where(signals.c.actor.in_([str(s) for s in subscriber_ids]))
        for actor, paper_id in conn.execute(query):
            if str(actor).isdigit():
                found.setdefault(int(actor), set()).add(str(paper_id))
    return found
