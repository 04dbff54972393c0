"""Signed, expiring links: sign-in (single-use), confirm, manage, unsubscribe, clicks — tampering, replay and
expiry each refused over HTTP, with nothing changed. (Unit tests of the signer: tests/unit/test_tokens.py.)"""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from paperwire.core.clock import utcnow
from paperwire.db import subscribers as subs
from paperwire.db.engine import Database
from paperwire.db.subscribers import Preferences
from paperwire.mail.links import CLICK, CONFIRM, MANAGE, MAX_AGE_SECONDS, UNSUBSCRIBE, Links
from paperwire.web.services import Services
from testkit.site_helpers import CSRF_FIELD, csrf_of, latest_signin_path

DAY = 86400


def tampered(token: str) -> list[str]:
    payload, stamp, mac = token.split(".")
    other = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    other["s"] = other.get("s", 0) + 1  # somebody else's subscription
    other["email"] = "attacker@example.org"
    forged = base64.urlsafe_b64encode(json.dumps(other).encode()).rstrip(b"=").decode()
    return [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # the signature
        forged + "." + stamp + "." + mac,  # another payload under the old signature
        payload + "." + stamp,  # no signature
        "",
    ]


def confirm_signin(client: TestClient, token: str) -> tuple[int, str]:
    """POST the sign-in token with a valid CSRF token; returns (status, Location or body)."""
    response = client.post(
        "/signin/confirm", data={"token": token, "csrf_token": csrf_of(client)}, follow_redirects=False
    )
    return response.status_code, response.headers.get("location", response.text)


def signed_in(client: TestClient) -> bool:
    return client.get("/api/me").status_code == 200


# --- sign-in (magic link) ----------------------------------------------------------------------------------


def test_signin_link_is_single_use(client: TestClient, sec_db: Database) -> None:
    client.post("/signin", data={"email": "once@example.org", "csrf_token": csrf_of(client)})
    path = latest_signin_path(sec_db, "once@example.org")
    page = client.get(path)
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token
    assert confirm_signin(client, token.group(1))[0] == 303
    assert signed_in(client)
    replay = TestClient(client.app)  # the same link in another browser (a stolen or forwarded mail)
    status, body = confirm_signin(replay, token.group(1))
    assert status == 400
    assert "already used" in body
    assert not signed_in(replay)


def test_tampered_signin_tokens_are_refused(client: TestClient, services: Services) -> None:
    good = services.signer.make("signin", {"email": "victim@example.org", "next": "/"})
    for bad in tampered(good):
        assert client.get("/signin/confirm", params={"token": bad}).status_code == 400
        assert confirm_signin(client, bad)[0] in (400, 422)
        assert not signed_in(client)
    # a token signed with another key (the development default, say) opens nothing
    from paperwire.tokens import TokenSigner

    foreign = TokenSigner("some-other-key").make("signin", {"email": "victim@example.org", "next": "/"})
    assert confirm_signin(client, foreign)[0] == 400
    assert not signed_in(client)


def test_other_purposes_do_not_sign_in(client: TestClient, services: Services) -> None:
    payload = {"email": "victim@example.org", "next": "/", "s": 1}
    for purpose in (CONFIRM, MANAGE, UNSUBSCRIBE, CLICK):
        assert confirm_signin(client, services.signer.make(purpose, payload))[0] == 400
    assert not signed_in(client)


def test_expired_signin_link_is_refused(client: TestClient, services: Services) -> None:
    minutes = services.settings.magic_link_minutes
    old = services.signer.make("signin", {"email": "late@example.org", "next": "/"}, now=time.time() - minutes * 60 - 5)
    page = client.get("/signin/confirm", params={"token": old})
    assert page.status_code == 400
    assert "expired" in page.text
    status, body = confirm_signin(client, old)
    assert status == 400
    assert "expired" in body
    assert not signed_in(client)
    fresh = services.signer.make(
        "signin", {"email": "late@example.org", "next": "/"}, now=time.time() - minutes * 60 + 30
    )
    assert confirm_signin(client, fresh)[0] == 303  # just inside its validity it works


# --- subscription links ------------------------------------------------------------------------------------


def subscriber(db: Database, email: str, *, confirmed: bool = True, age_seconds: float = 0) -> int:
    created = utcnow() - timedelta(seconds=age_seconds)
    row, _ = subs.add(db, email, Preferences(topics=["graphs"]), confirmed=confirmed, now=created)
    return row.id


def path_token(url: str) -> str:
    return url.replace("http://testserver", "")


def test_confirm_link_tampering_expiry_and_replay(client: TestClient, sec_db: Database, services: Services) -> None:
    sid = subscriber(sec_db, "confirm-me@example.org", confirmed=False)
    signer = services.signer
    csrf = csrf_of(client)
    for bad in tampered(signer.make(CONFIRM, {"s": sid})):
        response = client.post(f"/subscribe/confirm/{bad}", data={"csrf_token": csrf})
        assert response.status_code in (400, 404, 405)
    expired = signer.make(CONFIRM, {"s": sid}, now=time.time() - MAX_AGE_SECONDS[CONFIRM] - 5)
    assert client.get(f"/subscribe/confirm/{expired}").status_code == 400
    assert client.post(f"/subscribe/confirm/{expired}", data={"csrf_token": csrf}).status_code == 400
    assert subs.get(sec_db, sid).status == "pending"  # type: ignore[union-attr]
    good = signer.make(CONFIRM, {"s": sid})
    assert client.post(f"/subscribe/confirm/{good}", data={"csrf_token": csrf}).status_code == 200
    assert subs.get(sec_db, sid).status == "confirmed"  # type: ignore[union-attr]
    # Replaying it after the person unsubscribed must not subscribe them again.
    subs.unsubscribe(sec_db, sid, now=utcnow())
    replay = client.post(f"/subscribe/confirm/{good}", data={"csrf_token": csrf})
    assert replay.status_code == 400
    assert subs.get(sec_db, sid).status == "unsubscribed"  # type: ignore[union-attr]


def test_manage_link_tampering_and_expiry(client: TestClient, sec_db: Database, services: Services) -> None:
    sid = subscriber(sec_db, "manage-me@example.org")
    signer = services.signer
    for bad in tampered(signer.make(MANAGE, {"s": sid})):
        assert client.get(f"/manage/{bad}").status_code in (400, 404)
        assert client.get(f"/manage/{bad}/export").status_code in (400, 404)
    expired = signer.make(MANAGE, {"s": sid}, now=time.time() - MAX_AGE_SECONDS[MANAGE] - 5)
    assert client.get(f"/manage/{expired}").status_code == 400
    assert client.get(f"/manage/{expired}/export").status_code == 400
    csrf = csrf_of(client)
    assert client.post(f"/manage/{expired}/delete", data={"csrf_token": csrf}).status_code == 400
    assert subs.get(sec_db, sid) is not None
    # another subscriber's id under a re-used signature is the tampering case above; a real link works:
    assert client.get(f"/manage/{signer.make(MANAGE, {'s': sid})}").status_code == 200


def test_unsubscribe_link_tampering_and_expiry(client: TestClient, sec_db: Database, services: Services) -> None:
    sid = subscriber(sec_db, "unsub-me@example.org")
    signer = services.signer
    for bad in tampered(signer.make(UNSUBSCRIBE, {"s": sid})):
        assert client.post(f"/u/{bad}").status_code in (400, 404, 405)
    expired = signer.make(UNSUBSCRIBE, {"s": sid}, now=time.time() - MAX_AGE_SECONDS[UNSUBSCRIBE] - 5)
    assert client.get(f"/u/{expired}").status_code == 400
    assert client.post(f"/u/{expired}").status_code == 400
    assert subs.get(sec_db, sid).status == "confirmed"  # type: ignore[union-attr]
    good = signer.make(UNSUBSCRIBE, {"s": sid})
    assert client.post(f"/u/{good}").status_code == 200
    assert client.post(f"/u/{good}").status_code == 200  # a replay is harmless: still unsubscribed
    assert subs.get(sec_db, sid).status == "unsubscribed"  # type: ignore[union-attr]


def test_click_links_cannot_be_forged(client: TestClient, sec_db: Database, services: Services) -> None:
    sid = subscriber(sec_db, "clicker@example.org")
    for bad in tampered(services.signer.make(CLICK, {"s": sid, "p": "2606.27377"})):
        response = client.get(f"/c/{bad}", follow_redirects=False)
        assert response.status_code in (400, 404)
        assert "location" not in response.headers


@pytest.mark.parametrize("purpose", [MANAGE, UNSUBSCRIBE, CONFIRM])
def test_links_of_a_deleted_subscription_do_not_open_the_next_one(
    client: TestClient, sec_db: Database, services: Services, purpose: str
) -> None:
    """Delete-my-data removes the row. On SQLite a new subscriber can get the same id (rowids of deleted rows
    are reused), so a link minted for the old subscription must not open the newcomer's."""
    leaving = subscriber(sec_db, f"leaving-{purpose}@example.org", age_seconds=3600)
    links = Links.build(services.settings)
    # the leaving subscriber's link, minted (mailed) a minute ago
    token = services.signer.make(purpose, {"s": leaving}, now=time.time() - 60)
    old = {MANAGE: f"/manage/{token}", UNSUBSCRIBE: f"/u/{token}", CONFIRM: f"/subscribe/confirm/{token}"}[purpose]
    assert subs.remove(sec_db, leaving)
    newcomer = subscriber(sec_db, f"newcomer-{purpose}@example.org", confirmed=purpose != CONFIRM)
    csrf = csrf_of(client)
    if purpose == MANAGE:
        page = client.get(old)
        assert page.status_code == 400
        assert "newcomer" not in page.text
        assert client.get(old + "/export").status_code == 400
        assert client.post(old + "/delete", data={"csrf_token": csrf}).status_code == 400
        assert subs.get(sec_db, newcomer) is not None
    elif purpose == UNSUBSCRIBE:
        assert client.post(old).status_code == 400
        assert subs.get(sec_db, newcomer).status == "confirmed"  # type: ignore[union-attr]
    else:
        assert client.post(old, data={"csrf_token": csrf}).status_code == 400
        assert subs.get(sec_db, newcomer).status == "pending"  # type: ignore[union-attr]
    # the newcomer's own links work
    fresh = path_token(
        {MANAGE: links.manage, UNSUBSCRIBE: links.unsubscribe, CONFIRM: links.confirm}[purpose](newcomer)
    )
    if purpose == MANAGE:
        assert client.get(fresh).status_code == 200
    else:
        assert client.post(fresh, data={"csrf_token": csrf}).status_code == 200


def test_csrf_field_is_on_every_link_form(client: TestClient, sec_db: Database, services: Services) -> None:
    """The pages behind mail links carry the session's CSRF token in their forms (else the POSTs above fail)."""
    sid = subscriber(sec_db, "forms@example.org", confirmed=False)
    links = Links.build(services.settings)
    for url in (links.confirm(sid), links.manage(sid)):
        page = client.get(path_token(url))
        assert page.status_code == 200
        assert CSRF_FIELD.search(page.text)
