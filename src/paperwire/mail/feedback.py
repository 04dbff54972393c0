"""Feedback from the digest: "more like this", "fewer like this", "save", and their Undo.

Mail security scanners open every link of a mail, so a link only opens a page with one button; the button
POSTs, and only the POST records anything. The link is the credential (signed, expiring, bound to one
subscriber, paper and kind): no sign-in is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from paperwire.db import feedback as store
from paperwire.db.engine import Database
from paperwire.db.subscribers import Subscriber
from paperwire.mail import subscriptions
from paperwire.mail.links import FEEDBACK, FEEDBACK_KINDS, FEWER
from paperwire.tokens import TokenError, TokenSigner

# What the page's button says, and what the page says once it is done (and once it is undone).
ACTIONS = {
    "more": ("More like this", "Got it: more like this", "Your next digests will rank papers like this one higher."),
    "fewer": ("Fewer like this", "Got it: fewer like this", "Your next digests will rank papers like this one lower."),
    "save": (
        "Save this paper",
        "Saved",
        "It is in your library (sign in with this address to see it), and your next digests look for more like it.",
    ),
}


@dataclass(frozen=True, slots=True)
class FeedbackLink:
    subscriber: Subscriber
    paper_id: str
    kind: str

    @property
    def button(self) -> str:
        return ACTIONS[self.kind][0]

    @property
    def done_title(self) -> str:
        return ACTIONS[self.kind][1]

    @property
    def done_message(self) -> str:
        return ACTIONS[self.kind][2]


def read_link(db: Database, signer: TokenSigner, purpose: str, token: str) -> FeedbackLink:
    """The subscriber, paper and kind a feedback link names; ``TokenError`` when it is bad or too old, or was
    minted for an earlier subscription with the same id.

    ``purpose`` is ``FEEDBACK`` (``/fb/...``) or, for digests sent before those links existed, ``FEWER``."""
    if purpose not in (FEEDBACK, FEWER):
        raise TokenError("this link is not valid")
    target = subscriptions.read_link(db, signer, purpose, token)
    kind = target.kind if purpose == FEEDBACK else "fewer"
    if target.paper_id is None or kind not in FEEDBACK_KINDS:
        raise TokenError("this link is not valid")
    return FeedbackLink(target.subscriber, target.paper_id, str(kind))


def is_given(db: Database, link: FeedbackLink) -> bool:
    return any(f.paper_id == link.paper_id and f.kind == link.kind for f in store.for_reader(db, link.subscriber.id))


def give(db: Database, link: FeedbackLink, *, now: datetime) -> None:
    """Record it (again is a no-op; "more" replaces "fewer" and the reverse). ``LookupError`` when the paper
    is no longer stored."""
    store.record(db, link.subscriber.id, link.paper_id, link.kind, at=now)


def undo(db: Database, link: FeedbackLink) -> None:
    """Take it back (when there is nothing to take back, nothing happens)."""
    store.undo(db, link.subscriber.id, link.paper_id, link.kind)
