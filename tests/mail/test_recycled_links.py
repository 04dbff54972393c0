"""A mail link names its subscription by id; a link minted before that subscription existed opens nothing
(SQLite gives a deleted subscriber's id to the next one). The rule is the mail library's, so every caller
of ``paperwire.mail.subscriptions`` gets it, not only the web routes."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from paperwire.core.clock import utcnow
from paperwire.db import subscribers as subs
from paperwire.db.engine import Database
from paperwire.db.subscribers import Preferences
from paperwire.mail import subscriptions
from paperwire.mail.links import MANAGE, UNSUBSCRIBE
from paperwire.tokens import TokenError, TokenSigner

SIGNER = TokenSigner("x" * 40)


def test_a_link_older_than_its_subscription_is_refused(db: Database) -> None:
    row, _ = subs.add(db, "new@example.org", Preferences(topics=["graphs"]), confirmed=True, now=utcnow())
    before = SIGNER.make(MANAGE, {"s": row.id}, now=time.time() - 3600)  # mailed to whoever had the id before
    with pytest.raises(TokenError, match="no longer exists"):
        subscriptions.manage_target(db, SIGNER, before)
    with pytest.raises(TokenError, match="no longer exists"):
        subscriptions.unsubscribe(
            db, SIGNER, SIGNER.make(UNSUBSCRIBE, {"s": row.id}, now=time.time() - 3600), now=utcnow()
        )
    assert subs.get(db, row.id).status == "confirmed"  # type: ignore[union-attr]
    assert subscriptions.manage_target(db, SIGNER, SIGNER.make(MANAGE, {"s": row.id})).id == row.id


def test_clock_skew_between_nodes_is_absorbed(db: Database) -> None:
    created = utcnow() - timedelta(seconds=60)
    row, _ = subs.add(db, "skew@example.org", Preferences(topics=["graphs"]), confirmed=True, now=created)
    slightly_early = SIGNER.make(MANAGE, {"s": row.id}, now=time.time() - 62)  # 2 s "before" creation
    assert subscriptions.manage_target(db, SIGNER, slightly_early).id == row.id
