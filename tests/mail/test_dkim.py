"""DKIM: a configured key signs every digest, and the signature verifies — after the trip through a real SMTP
server too (the hand-written MIME must not change a byte the signature covers)."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import dkim
import pytest
from test_compose import context, settings

from paperwire.mail.compose import compose_digest
from paperwire.mail.digest import due_on_day, plan_digests
from paperwire.mail.dkim import sign_if_configured
from paperwire.mail.sender import Sender
from testkit.mail_world import LISTING_DAY, NOW, World
from testkit.smtp_sink import SmtpSink


@pytest.fixture(scope="module")
def key_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A fresh 2048-bit RSA key (openssl) and the DNS TXT record that publishes its public half."""
    directory = tmp_path_factory.mktemp("dkim")
    private = directory / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(private), "2048"], check=True, capture_output=True)
    public_der = subprocess.run(
        ["openssl", "rsa", "-in", str(private), "-pubout", "-outform", "DER"], check=True, capture_output=True
    ).stdout
    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public_der)


def dns_for(record: bytes, selector: str = "paperwire", domain: str = "papers.example.org"):  # type: ignore[no-untyped-def]
    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return record if name == f"{selector}._domainkey.{domain}.".encode() else None

    return lookup


def test_a_signed_digest_verifies_and_a_changed_one_does_not(key_pair: tuple[Path, bytes]) -> None:
    private, record = key_pair
    signed = sign_if_configured(
        compose_digest(settings(), context()), settings().model_copy(update={"dkim_key_file": private})
    )
    assert signed.data.startswith(b"DKIM-Signature:")
    assert dkim.verify(signed.data, dnsfunc=dns_for(record))
    tampered = signed.data.replace(b"Sparse", b"Dense", 1)
    assert not dkim.verify(tampered, dnsfunc=dns_for(record))


def test_without_a_key_nothing_is_added() -> None:
    outgoing = compose_digest(settings(), context())
    assert sign_if_configured(outgoing, settings()) is outgoing


def test_the_delivered_digest_still_verifies(world: World, smtp_sink: SmtpSink, key_pair: tuple[Path, bytes]) -> None:
    private, record = key_pair
    world.subscriber("signed@example.org", digest_size=3)
    plan_digests(world.db, world.settings, world.search, due=due_on_day(world.db, LISTING_DAY), now=NOW)
    signing = world.settings.model_copy(update={"dkim_key_file": private})
    assert Sender(world.db, signing).run(until_empty=True).sent == 1
    [received] = smtp_sink.received
    assert dkim.verify(received.data, dnsfunc=dns_for(record))
