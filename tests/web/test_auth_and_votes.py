"""Sign-in by magic link, sessions, CSRF, rate limits, votes and saves, the library."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from paperwire.db import dev_mail
from paperwire.db.engine import Database
from paperwire.web.security import safe_next
from testkit.site_helpers import csrf_of, latest_link, sign_in


def test_magic_link_signs_in_once(client: TestClient, site_db: Database) -> None:
    sign_in(client, site_db, "ada@example.org")
    assert "My library" in client.get("/").text
    # Replaying the same link fails: the token is single-use.
    link = latest_link(site_db, "ada@example.org")
    other = TestClient(client.app)
    confirm = other.get(link.replace("http://testserver", ""))
    token = re.search(r'name="token" value="([^"]+)"', confirm.text)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text)
    assert token
    assert csrf
    replay = other.post("/signin/confirm", data={"token": token.group(1), "csrf_token": csrf.group(1)})
    assert replay.status_code == 400
    assert "already used" in replay.text


def test_tampered_link_is_refused(client: TestClient, site_db: Database) -> None:
    client.post("/signin", data={"email": "bob@example.org", "csrf_token": csrf_of(client)})
    link = latest_link(site_db, "bob@example.org")
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    page = client.get(tampered.replace("http://testserver", ""))
    assert page.status_code == 400
    assert "not valid" in page.text


def test_expired_link_is_refused(client: TestClient, site_db: Database) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    token = services.signer.make("signin", {"email": "old@example.org", "next": "/"})
    original = services.settings.magic_link_minutes
    services.settings.magic_link_minutes = 0  # every link is now older than its validity
    try:
        import time

        time.sleep(1.1)
        page = client.get("/signin/confirm", params={"token": token})
    finally:
        services.settings.magic_link_minutes = original
    assert page.status_code == 400
    assert "expired" in page.text


def test_same_answer_for_known_and_unknown_addresses(client: TestClient, site_db: Database) -> None:
    sign_in(client, site_db, "known@example.org")
    fresh = TestClient(client.app)
    known = fresh.post("/signin", data={"email": "known@example.org", "csrf_token": csrf_of(fresh)})
    unknown = fresh.post("/signin", data={"email": "nobody@example.org", "csrf_token": csrf_of(fresh)})
    strip = lambda html: re.sub(r'value="[^"]+"', "", html)  # noqa: E731 - the CSRF token differs per page
    assert known.status_code == unknown.status_code == 200
    assert strip(known.text) == strip(unknown.text)


def test_bad_address_gets_a_clear_error(client: TestClient) -> None:
    page = client.post("/signin", data={"email": "not-an-address", "csrf_token": csrf_of(client)})
    assert page.status_code == 400
    assert "does not look like an email address" in page.text


def test_signin_is_rate_limited_per_address(client: TestClient, site_db: Database) -> None:
    csrf = csrf_of(client)
    codes = [
        client.post("/signin", data={"email": "flood@example.org", "csrf_token": csrf}).status_code for _ in range(7)
    ]
    assert codes[:5] == [200] * 5
    assert codes[5:] == [429, 429]
    assert len(dev_mail.latest(site_db, to_addr="flood@example.org")) == 5


def test_state_changing_requests_need_the_csrf_token(client: TestClient, site_db: Database) -> None:
    sign_in(client, site_db, "csrf@example.org")
    assert client.post("/signin", data={"email": "x@example.org"}).status_code == 403
    assert client.post("/api/papers/2606.27377/upvote").status_code == 403
    assert client.post("/api/papers/2606.27377/upvote", headers={"X-CSRF-Token": "wrong"}).status_code == 403
    assert client.post("/papers/2606.27377/upvote", data={"csrf_token": "wrong"}).status_code == 403


def test_votes_and_saves_through_the_api(client: TestClient, site_db: Database) -> None:
    sign_in(client, site_db, "voter@example.org")
    csrf = csrf_of(client)
    first = client.post("/api/papers/2606.27377/upvote", headers={"X-CSRF-Token": csrf})
    assert first.status_code == 200
    assert first.json()["on"] is True
    count = first.json()["count"]
    again = client.post("/api/papers/2606.27377/upvote", headers={"X-CSRF-Token": csrf})
    assert again.json()["count"] == count  # one vote per user
    saved = client.post("/api/papers/2606.27377/save", headers={"X-CSRF-Token": csrf})
    assert saved.json()["on"] is True
    assert "2606.27377" in client.get("/api/me").json()["saved"]
    assert "DanceOPD" in client.get("/library").text
    undone = client.delete("/api/papers/2606.27377/upvote", headers={"X-CSRF-Token": csrf})
    assert undone.json()["count"] == count - 1


def test_votes_work_without_javascript(client: TestClient, site_db: Database) -> None:
    sign_in(client, site_db, "nojs@example.org")
    csrf = csrf_of(client)
    response = client.post(
        "/papers/2606.27377/upvote", data={"csrf_token": csrf, "next": "/papers/2606.27377"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/papers/2606.27377"
    page = client.get("/papers/2606.27377")
    assert 'class="vote on"' in page.text


def test_anonymous_votes_are_refused(client: TestClient) -> None:
    csrf = csrf_of(client)
    assert client.post("/api/papers/2606.27377/upvote", headers={"X-CSRF-Token": csrf}).status_code == 401
    library = client.get("/library", follow_redirects=False)
    assert library.status_code == 303
    assert library.headers["location"].startswith("/signin")


def test_no_open_redirects() -> None:
    assert safe_next("/papers/1") == "/papers/1"
    for evil in ("https://evil.example", "//evil.example", "/\\evil.example", "", None, "javascript:alert(1)"):
        assert safe_next(evil) == "/"


def test_session_cookie_is_httponly_and_lax(client: TestClient) -> None:
    response = client.get("/signin")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_votes_are_rate_limited_per_user(client: TestClient, site_db: Database) -> None:
    from paperwire.web.security import RateLimiter

    sign_in(client, site_db, "eager@example.org")
    csrf = csrf_of(client)
    client.app.state.services.votes_by_user = RateLimiter(3, 60)  # type: ignore[attr-defined]
    codes = [client.post("/api/papers/2606.27377/upvote", headers={"X-CSRF-Token": csrf}).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
