"""Absolute, signed links in mail: confirm, manage, unsubscribe, tracked paper clicks, "fewer like this".

Every link is built on ``PAPERWIRE_BASE_URL`` and carries a token bound to its purpose, so a click link
cannot be replayed as an unsubscribe and nobody can forge one for another subscriber.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from paperwire.config import Settings
from paperwire.tokens import TokenSigner

CONFIRM, MANAGE, UNSUBSCRIBE, CLICK, FEWER = "confirm", "manage", "unsubscribe", "click", "fewer"
# How long each kind of link works. Links in digests must outlive the mail sitting in an inbox.
MAX_AGE_SECONDS = {
    CONFIRM: 7 * 86400,
    MANAGE: 180 * 86400,
    UNSUBSCRIBE: 365 * 86400,
    CLICK: 180 * 86400,
    FEWER: 180 * 86400,
}


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
        """A digest item's More like this / Fewer like this / Save link (``kind``: more, fewer, save).

        PLACEHOLDER (recommend branch): the feedback engineer replaces this with signed, expiring links to
        small pages that POST (scanners must not record anything); the digest only calls this signature.
        """
        if kind == FEWER:
            return self.fewer(subscriber_id, paper_id)
        return self._url(f"/papers/{quote(paper_id, safe='/')}")

    def fewer(self, subscriber_id: int, paper_id: str) -> str:
        return self._url(f"/f/{self.signer.make(FEWER, {'s': subscriber_id, 'p': paper_id})}")
