"""Optional DKIM signing (``PAPERWIRE_DKIM_KEY_FILE``): receivers trust signed digests more."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import dkim

from paperwire.config import Settings
from paperwire.mail.compose import Outgoing

SIGNED_HEADERS = [
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"list-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
]


@cache
def _key(path: Path) -> bytes:
    return path.read_bytes()


def sign_if_configured(message: Outgoing, settings: Settings) -> Outgoing:
    """The message with a DKIM-Signature header for the sender's domain when a key is configured."""
    if settings.dkim_key_file is None:
        return message
    signature = dkim.sign(
        message.data,
        selector=settings.dkim_selector.encode(),
        domain=message.sender.rpartition("@")[2].encode(),
        privkey=_key(settings.dkim_key_file),
        include_headers=SIGNED_HEADERS,
    )
    return message.with_header_first(signature)
