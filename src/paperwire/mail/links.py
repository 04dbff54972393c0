"""Absolute, signed links in mail: confirm, manage, unsubscribe, tracked paper clicks, and each paper's
"more like this", "fewer like this" and "save" (a page with one button: opening the link changes nothing).

Every link is built on ``PAPERWIRE_BASE_URL`` and carries a token bound to its purpose, so a click link
cannot be replayed as an unsubscribe and nobody can forge one for another subscriber.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import quote

from paperwire.config import Settings
from paperwire.tokens import TokenSigner

CONFIRM, MANAGE, UNSUBSCRIBE, CLICK = "confirm", "manage", "unsubscribe", "click"
FEEDBACK = "feedback"  # payload {"s": subscriber, "p": paper, "k": one of FEEDBACK_KINDS}
FEWER = "fewer"  # the "fewer like this" links of digests sent before FEEDBACK existed: still honoured
FEEDBACK_KINDS = ("more", "fewer", "save")
# How long each kind of link works. Links in digests must outlive the mail sitting in an inbox.
MAX_AGE_SECONDS = {
    CONFIRM: 7 * 86400,
    MANAGE: 180 * 86400,
    UNSUBSCRIBE: 365 * 86400,
    CLICK: 180 * 86400,
    FEWER: 180 * 86400,
    FEEDBACK: 180 * 86400,
}


_FEED_KEY = re.compile(r"(\d{1,18})-(\d{1,9})-([A-Za-z0-9_-]{24})")


def feed_key(secret_key: str, subscriber_id: int, generation: int) -> str:
    """The secret part of a personal feed's URL: ``<subscriber>-<generation>-<mac>``.

    Derived, not stored (the manage page can show it any time); a feed reader keeps it for months, so it does
    not expire. It is revoked by bumping the generation (``paperwire.db.personal_feeds.rotate``)."""
    key = hashlib.sha256(b"paperwire-personal-feed:" + secret_key.encode()).digest()
    mac = hmac.new(key, f"{subscriber_id}:{generation}".encode(), hashlib.sha256).digest()[:18]
    return f"{subscriber_id}-{generation}-{base64.urlsafe_b64encode(mac).decode()}"


def read_feed_key(secret_key: str, text: str) -> tuple[int, int] | None:
    """``(subscriber, generation)`` of a well-signed feed key; ``None`` for anything else."""
    match = _FEED_KEY.fullmatch(text)
    if match is None:
        return None
    subscriber_id, generation = int(match.group(1)), int(match.group(2))
    if not hmac.compare_digest(feed_key(secret_key, subscriber_id, generation), text):
        return None
    return subscriber_id, generation


@dataclass(frozen=True, slots=True)
class Links:
    settings: Settings
    signer: TokenSigner

    @classmethod
    def build(cls, settings: Settings) -> Links:
        return cls(settings, TokenSigner(settings.secret_key))

    def _url(self, path: str) -> str:
        return f"{self.settings.base_url.rstrip('/')}{path}"

    def confirm(self, subscriber_id: int) -> str:
        return self._url(f"/subscribe/confirm/{self.signer.make(CONFIRM, {'s': subscriber_id})}")

    def manage(self, subscriber_id: int) -> str:
        return self._url(f"/manage/{self.signer.make(MANAGE, {'s': subscriber_id})}")

    def unsubscribe_token(self, subscriber_id: int) -> str:
        return self.signer.make(UNSUBSCRIBE, {"s": subscriber_id})

    def unsubscribe(self, subscriber_id: int, token: str | None = None) -> str:
        return self._url(f"/u/{token or self.unsubscribe_token(subscriber_id)}")

    def paper(self, subscriber_id: int, paper_id: str) -> str:
        """The paper page, through the click recorder when click tracking is on."""
        if not self.settings.click_tracking:
            return self._url(f"/papers/{quote(paper_id, safe='/')}")
        return self._url(f"/c/{self.signer.make(CLICK, {'s': subscriber_id, 'p': paper_id})}")

    def feedback(self, subscriber_id: int, paper_id: str, kind: str) -> str:
        if kind not in FEEDBACK_KINDS:
            raise ValueError(f"unknown feedback {kind!r}: use one of {', '.join(FEEDBACK_KINDS)}")
        return self._url(f"/fb/{self.signer.make(FEEDBACK, {'s': subscriber_id, 'p': paper_id, 'k': kind})}")

    def more(self, subscriber_id: int, paper_id: str) -> str:
        return self.feedback(subscriber_id, paper_id, "more")

    def fewer(self, subscriber_id: int, paper_id: str) -> str:
        return self.feedback(subscriber_id, paper_id, "fewer")

    def save(self, subscriber_id: int, paper_id: str) -> str:
        return self.feedback(subscriber_id, paper_id, "save")

    def personal_feed(self, subscriber_id: int, generation: int, fmt: str = "atom") -> str:
        return self._url(f"/feeds/for-you/{feed_key(self.settings.secret_key, subscriber_id, generation)}.{fmt}")
