"""Signed, expiring tokens for links in mail and on the site (sign-in, confirm, manage, unsubscribe).

A token is ``purpose``-bound (a sign-in token cannot be replayed as an unsubscribe token), carries an
expiry, and a random nonce so that single-use purposes can be burnt in the database
(``paperwire.db.users.consume_nonce``). The signature is HMAC-SHA256 over the settings' secret key, so
every node sharing the key accepts the others' tokens.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenError(Exception):
    """The token is invalid, tampered with, expired, used, or meant for something else."""


@dataclass(frozen=True, slots=True)
class TokenData:
    payload: dict[str, Any]
    nonce: str


class TokenSigner:
    def __init__(self, secret_key: str) -> None:
        self._secret = secret_key

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secret, salt=f"paperwire:{purpose}")

    def make(self, purpose: str, payload: dict[str, Any]) -> str:
        return str(self._serializer(purpose).dumps({"p": payload, "n": secrets.token_urlsafe(12)}))

    def read(self, purpose: str, token: str, *, max_age: float | None) -> TokenData:
        """The token's payload; ``TokenError`` with a reason a person can read otherwise."""
        try:
            data = self._serializer(purpose).loads(token, max_age=None if max_age is None else int(max_age))
        except SignatureExpired:
            raise TokenError("this link has expired") from None
        except BadSignature:
            raise TokenError("this link is not valid") from None
        if not isinstance(data, dict) or not isinstance(data.get("p"), dict) or "n" not in data:
            raise TokenError("this link is not valid")
        return TokenData(payload=data["p"], nonce=str(data["n"]))
