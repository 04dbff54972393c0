"""Optional DKIM signing (``PAPERWIRE_DKIM_KEY_FILE``): receivers trust signed digests more."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import parseaddr
from functools import cache
from pathlib import Path

import dkim

from paperwire.config import Settings

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


def sign_if_configured(message: EmailMessage, settings: Settings) -> None:
    """Add a DKIM-Signature header for the From domain when a key is configured; otherwise nothing."""
    if settings.dkim_key_file is None:
        return
    domain = parseaddr(str(message["From"]))[1].rpartition("@")[2]
    signature = dkim.sign(
        message.as_bytes(policy=SMTP_POLICY),
        selector=settings.dkim_selector.encode(),
        domain=domain.encode(),
        privkey=_key(settings.dkim_key_file),
        include_headers=SIGNED_HEADERS,
    )
    name, _, value = signature.decode().partition(":")
    message[name] = value.strip()
