from __future__ import annotations

import pytest

from paperwire.tokens import TokenError, TokenSigner


def test_round_trip_and_purpose_binding() -> None:
    signer = TokenSigner("secret")
    token = signer.make("unsubscribe", {"s": 42}, now=1000)
    data = signer.read("unsubscribe", token, max_age=60, now=1030)
    assert data.payload == {"s": 42}
    assert data.issued_at == 1000
    with pytest.raises(TokenError, match="not valid"):
        signer.read("manage", token, max_age=60, now=1030)  # a token for one purpose opens nothing else


def test_expiry() -> None:
    signer = TokenSigner("secret")
    token = signer.make("confirm", {"s": 1}, now=1000)
    with pytest.raises(TokenError, match="expired"):
        signer.read("confirm", token, max_age=60, now=1061)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature
        lambda t: "eyJzIjo0M30" + t[t.index(".") :],  # payload swapped for {"s":43}
        lambda t: t.replace(".", "", 1),  # structure
        lambda t: "",
        lambda t: "a.b.c",
    ],
)
def test_tampering_is_refused(mutate) -> None:  # type: ignore[no-untyped-def]
    signer = TokenSigner("secret")
    token = signer.make("click", {"s": 42, "p": "2401.00001"}, now=1000)
    with pytest.raises(TokenError):
        signer.read("click", mutate(token), max_age=None, now=1000)


def test_other_keys_do_not_verify_and_nonces_differ() -> None:
    token = TokenSigner("one").make("confirm", {"s": 1})
    with pytest.raises(TokenError):
        TokenSigner("two").read("confirm", token, max_age=None)
    signer = TokenSigner("one")
    first, second = (signer.read("confirm", signer.make("confirm", {"s": 1}), max_age=None) for _ in range(2))
    assert first.nonce != second.nonce
