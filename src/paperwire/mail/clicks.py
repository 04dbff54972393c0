"""Digest clicks, and telling a person's from a mail scanner's.

Mail security scanners (Microsoft Safe Links, Proofpoint, Mimecast, a university's gateway) open every link
of a mail — or most of them — within seconds of its delivery, before anybody has read it. Such clicks say
nothing about what the reader likes, so they count neither in the reader's profile nor in trending.

The rule (``looks_like_scanner``): of one digest, at least ``SCANNER_SHARE`` of its papers (and at least two)
were opened within ``SCANNER_WINDOW`` of the moment it was sent. Every click of that burst is flagged; later
clicks of the same mail are a person's. A mail of one paper can never look like a scanner's: one early
click is as likely a reader who was waiting for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from paperwire.db import clicks as store
from paperwire.db.engine import Database
from paperwire.trending import reactions

SCANNER_WINDOW = timedelta(seconds=60)
SCANNER_SHARE = 0.6
SCANNER_MIN_PAPERS = 2


@dataclass(frozen=True, slots=True)
class ClickOutcome:
    paper_id: str
    counted: bool  # False: it looks like a scanner's, and counts for nothing


def in_burst(clicked_at: datetime, sent_at: datetime) -> bool:
    """Within the window after delivery (a click "before" it is clock skew between nodes: also early)."""
    return clicked_at - sent_at <= SCANNER_WINDOW


def looks_like_scanner(*, sent_at: datetime, paper_count: int, clicks: Sequence[tuple[str, datetime]]) -> bool:
    """Whether the ``(paper, moment)`` clicks of one mail of ``paper_count`` papers look like a scanner's."""
    early = {paper for paper, at in clicks if in_burst(at, sent_at)}
    needed = max(SCANNER_MIN_PAPERS, math.ceil(paper_count * SCANNER_SHARE))
    return paper_count >= SCANNER_MIN_PAPERS and len(early) >= needed


def record_click(db: Database, *, subscriber_id: int, paper_id: str, now: datetime) -> ClickOutcome:
    """Log a digest click and count it for trending, unless the mail's clicks look like a scanner's.

    A burst is recognised only once enough of it has arrived, so its first clicks were counted: they are
    flagged and withdrawn then, together. The trending signal is written *before* the click is logged, so a
    click that a concurrent request flags always has its signal there to withdraw (the reverse order could
    leave one behind); the clicks of one mail are evaluated one at a time (a row lock on the mail).
    """
    reactions.record_click(db, paper_id=paper_id, subscriber=str(subscriber_id), now=now)
    with db.write() as conn:
        mail = store.mail_of(conn, subscriber_id, paper_id, lock=True)
        store.log_click(conn, subscriber_id, paper_id, mail, now)
        if mail is None:  # a link from before clicks were logged per mail: nothing to compare it with
            return ClickOutcome(paper_id, counted=True)
        logged = store.clicks_of_mail(conn, mail.outbox_id)
        sent_at = mail.sent_at or logged[0].clicked_at
        scanner = looks_like_scanner(
            sent_at=sent_at, paper_count=mail.paper_count, clicks=[(c.paper_id, c.clicked_at) for c in logged]
        )
        if not scanner:
            return ClickOutcome(paper_id, counted=True)
        store.flag_scanner(conn, subscriber_id, [c.id for c in logged if in_burst(c.clicked_at, sent_at)])
    return ClickOutcome(paper_id, counted=not in_burst(now, sent_at))
