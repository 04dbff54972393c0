"""No user enumeration, rate limits, no open redirects, the admin role on every /admin route, and no start
in production with the default secret key."""

from __future__ import annotations

import socket
import subprocess
import sys
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from paperwire.config import DEFAULT_SECRET, ConfigurationError, Settings, check_settings
from paperwire.core.clock import utcnow
from paperwire.db import subscribers as subs
from paperwire.db import users
from paperwire.db.engine import Database
from paperwire.db.schema import outbox as outbox_table
from paperwire.db.subscribers import Preferences
from paperwire.mail.links import CLICK
from paperwire.web.security import RateLimiter, safe_next
from paperwire.web.services import Services
from testkit.security_site import changed_tables, snapshot, strip_tokens
from testkit.site_helpers import csrf_of, sign_in

# --- no user enumeration -----------------------------------------------------------------------------------


def test_subscribe_answers_the_same_for_every_kind_of_address(
    client: TestClient, sec_db: Database, services: Services
) -> None:
    now = utcnow()
    subs.add(sec_db, "enum-confirmed@example.org", Preferences(), confirmed=True, now=now)
    subs.add(sec_db, "enum-pending@example.org", Preferences(), confirmed=False, now=now)
    gone, _ = subs.add(sec_db, "enum-gone@example.org", Preferences(), confirmed=True, now=now)
    subs.unsubscribe(sec_db, gone.id, now=now)
    subs.add(sec_db, "enum-blocked@example.org", Preferences(), confirmed=True, now=now)
    subs.suppress(sec_db, "enum-blocked@example.org", "hard bounce", now=now)
    flooded, _ = subs.add(sec_db, "enum-flooded@example.org", Preferences(), confirmed=False, now=now)
    while subs.allow_confirmation_mail(
        sec_db, flooded.id, per_day=services.settings.confirmation_mails_per_day, now=now
    ):
        pass  # this address has used up today's confirmation mails
    answers = {}
    for kind in ("new", "pending", "confirmed", "gone", "blocked", "flooded"):
        response = client.post(
            "/subscribe", data={"email": f"enum-{kind}@example.org", "topics": "graphs", "csrf_token": csrf_of(client)}
        )
        answers[kind] = (response.status_code, strip_tokens(response.text))
    assert {status for status, _ in answers.values()} == {200}
    assert len({body for _, body in answers.values()}) == 1, "the answer tells addresses apart"
    assert subs.find(sec_db, "enum-confirmed@example.org").status == "confirmed"  # type: ignore[union-attr]


def test_signin_answers_the_same_for_every_kind_of_address(client: TestClient, sec_db: Database) -> None:
    users.sign_in(sec_db, "enum-user@example.org", now=utcnow())
    users.set_admin(sec_db, "enum-admin@example.org", admin=True, now=utcnow())
    subs.add(sec_db, "enum-subscriber@example.org", Preferences(), confirmed=True, now=utcnow())
    answers = {}
    for who in ("nobody", "user", "admin", "subscriber"):
        fresh = TestClient(client.app)
        response = fresh.post("/signin", data={"email": f"enum-{who}@example.org", "csrf_token": csrf_of(fresh)})
        answers[who] = (response.status_code, strip_tokens(response.text))
    assert {status for status, _ in answers.values()} == {200}
    assert len({body for _, body in answers.values()}) == 1, "the answer tells addresses apart"


# --- rate limits -------------------------------------------------------------------------------------------


def test_subscribe_is_rate_limited_per_ip(sec_app: FastAPI, sec_db: Database, services: Services) -> None:
    services.subscribe_by_ip = RateLimiter(3, 3600)
    flood = TestClient(sec_app, client=("203.0.113.7", 5000))
    csrf = csrf_of(flood)
    codes = [
        flood.post("/subscribe", data={"email": f"ipflood{i}@example.org", "csrf_token": csrf}).status_code
        for i in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    assert subs.find(sec_db, "ipflood3@example.org") is None  # refused means nothing stored
    other = TestClient(sec_app, client=("198.51.100.9", 5000))  # another visitor is not held back
    ok = other.post("/subscribe", data={"email": "elsewhere@example.org", "csrf_token": csrf_of(other)})
    assert ok.status_code == 200


def test_confirmation_mails_are_limited_per_address(client: TestClient, sec_db: Database, services: Services) -> None:
    for _ in range(services.settings.confirmation_mails_per_day + 3):
        response = client.post("/subscribe", data={"email": "victim-inbox@example.org", "csrf_token": csrf_of(client)})
        assert response.status_code == 200  # the same answer every time: nothing to tell from outside
    subscriber = subs.find(sec_db, "victim-inbox@example.org")
    assert subscriber is not None
    with sec_db.read() as conn:
        planned = conn.execute(
            select(func.count()).where(outbox_table.c.subscriber_id == subscriber.id, outbox_table.c.kind == "confirm")
        ).scalar()
    assert planned == services.settings.confirmation_mails_per_day


def test_signin_is_rate_limited_per_ip_and_per_address(sec_app: FastAPI, sec_db: Database, services: Services) -> None:
    limit = services.settings.signin_rate_limit
    browser = TestClient(sec_app, client=("203.0.113.8", 5000))
    csrf = csrf_of(browser)
    per_address = [
        browser.post("/signin", data={"email": "one-target@example.org", "csrf_token": csrf}).status_code
        for _ in range(limit + 2)
    ]
    assert per_address == [200] * limit + [429, 429]
    # many addresses from one address: the looser per-IP limit (limit x 6 per 10 minutes) holds
    services.signin_by_ip = RateLimiter(4, 600)
    per_ip = [
        browser.post("/signin", data={"email": f"spray{i}@example.org", "csrf_token": csrf}).status_code
        for i in range(6)
    ]
    assert per_ip == [200] * 4 + [429, 429]
    before = snapshot(sec_db, skip=("paper_embeddings",))
    assert browser.post("/signin", data={"email": "spray9@example.org", "csrf_token": csrf}).status_code == 429
    assert not changed_tables(before, snapshot(sec_db, skip=("paper_embeddings",)))  # no mail went out


def test_votes_are_rate_limited_per_user_on_both_routes(
    client: TestClient, sec_db: Database, services: Services
) -> None:
    sign_in(client, sec_db, "eager-voter@example.org")
    csrf = csrf_of(client)
    services.votes_by_user = RateLimiter(3, 60)
    codes = [
        client.post("/papers/2606.27377/upvote", data={"csrf_token": csrf}, follow_redirects=False).status_code,
        client.post("/api/papers/2606.27377/save", headers={"X-CSRF-Token": csrf}).status_code,
        client.delete("/api/papers/2606.27377/save", headers={"X-CSRF-Token": csrf}).status_code,
        client.post("/api/papers/2606.27377/save", headers={"X-CSRF-Token": csrf}).status_code,
        client.post("/papers/2606.27377/save", data={"csrf_token": csrf}, follow_redirects=False).status_code,
    ]
    assert codes == [303, 200, 200, 429, 429]


def test_rate_limiter_window_slides() -> None:
    limiter = RateLimiter(2, 10)
    assert [limiter.allow("k", now=t) for t in (0, 1, 2, 9.9, 10.5, 11.5)] == [True, True, False, False, True, True]
    assert limiter.allow("other", now=2)


# --- open redirects ----------------------------------------------------------------------------------------

HOSTILE_NEXT = [
    "https://evil.example/",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    " //evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    "/%2F/evil.example",
    "\x00//evil.example",
]


def stays_here(location: str) -> bool:
    """Where a browser would go: it drops tabs and newlines and reads backslashes as slashes."""
    cleaned = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/").strip()
    target = urlsplit(urljoin("http://testserver/somewhere", cleaned))
    return target.scheme == "http" and target.netloc == "testserver"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_safe_next_refuses_other_sites(target: str) -> None:
    assert stays_here(safe_next(target))
    assert safe_next(target) == "/" or safe_next(target).startswith("/%2F")


def test_safe_next_keeps_our_own_paths() -> None:
    for path in ("/", "/papers/2606.27377", "/search?q=graph&page=2", "/library#top"):
        assert safe_next(path) == path


def test_signin_next_never_leaves_the_site(client: TestClient, sec_db: Database) -> None:
    for i, target in enumerate(HOSTILE_NEXT):
        fresh = TestClient(client.app)
        done = sign_in(fresh, sec_db, f"wanderer{i}@example.org", next_url=target)
        location = done.headers["location"]
        assert stays_here(location), (target, location)
    done = sign_in(TestClient(client.app), sec_db, "wanderer@example.org", next_url="/library")
    assert done.headers["location"] == "/library"


def test_vote_form_next_never_leaves_the_site(client: TestClient, sec_db: Database) -> None:
    sign_in(client, sec_db, "voter-next@example.org")
    csrf = csrf_of(client)
    for target in HOSTILE_NEXT[:6]:
        response = client.post(
            "/papers/2606.27377/save", data={"csrf_token": csrf, "next": target}, follow_redirects=False
        )
        assert response.status_code == 303
        assert stays_here(response.headers["location"]), (target, response.headers["location"])


def test_click_redirect_only_goes_to_our_paper_pages(client: TestClient, sec_db: Database, services: Services) -> None:
    subscriber, _ = subs.add(sec_db, "clicks@example.org", Preferences(), confirmed=True, now=utcnow())
    # Even a validly signed click token naming a hostile "paper id" ends on one of our paper pages.
    for paper_id in ("2606.27377", "//evil.example", "https://evil.example/x", "/\\evil.example", "\r\nX-Evil: 1"):
        token = services.signer.make(CLICK, {"s": subscriber.id, "p": paper_id})
        response = client.get(f"/c/{token}", follow_redirects=False)
        if paper_id != "2606.27377" and response.status_code == 404:
            assert "location" not in response.headers  # no such paper: no redirect at all
            continue
        assert response.status_code == 302
        location = response.headers["location"]
        assert location.startswith("/papers/"), location
        assert stays_here(location), location
        assert "x-evil" not in {name.lower() for name in response.headers}
    # and the paper page's own canonical redirect stays here too
    for raw in ("https://arxiv.org/abs/2606.27377v2", "2606.27377v1"):
        response = client.get(f"/papers/{raw}", follow_redirects=False)
        assert response.status_code == 301
        assert response.headers["location"] == "/papers/2606.27377"


def test_sign_in_redirect_for_protected_pages_stays_here(client: TestClient) -> None:
    response = client.get("/library", follow_redirects=False)
    assert response.status_code == 303
    assert stays_here(response.headers["location"])
    assert response.headers["location"].startswith("/signin?")


# --- the admin role ----------------------------------------------------------------------------------------


def admin_routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route in iter_route_contexts(app.routes):
        path = str(route.path)
        if path == "/admin" or path.startswith("/admin/"):
            found.extend((method, path) for method in sorted(route.methods or ()) if method != "HEAD")
    return found


def admin_request(client: TestClient, sec_db: Database, method: str, path: str) -> int:
    """A concrete, otherwise valid request to an /admin route (with this session's CSRF token)."""
    target, _ = subs.add(sec_db, "admin-target@example.org", Preferences(), confirmed=True, now=utcnow())
    concrete = path.replace("{subscriber_id}", str(target.id)).replace("{action}", "suppress")
    assert "{" not in concrete, f"teach admin_request about {path}"
    if method == "GET":
        return client.get(concrete, follow_redirects=False).status_code
    response = client.request(
        method, concrete, data={"csrf_token": csrf_of(client), "reason": "test"}, follow_redirects=False
    )
    subs.unsuppress(sec_db, "admin-target@example.org")
    return response.status_code


def test_every_admin_route_needs_the_admin_role(sec_app: FastAPI, sec_db: Database, services: Services) -> None:
    routes = admin_routes(sec_app)
    assert ("GET", "/admin") in routes
    assert len(routes) >= 2
    users.set_admin(sec_db, "role-admin@example.org", admin=True, now=utcnow())
    anonymous, plain, admin = TestClient(sec_app), TestClient(sec_app), TestClient(sec_app)
    sign_in(plain, sec_db, "role-plain@example.org")
    sign_in(admin, sec_db, "role-admin@example.org")
    for method, path in routes:
        assert admin_request(anonymous, sec_db, method, path) in (303, 401, 403), (method, path, "anonymous")
        assert admin_request(plain, sec_db, method, path) == 403, (method, path, "not an admin")
        assert admin_request(admin, sec_db, method, path) in (200, 303), (method, path, "admin")
    # anonymous JSON clients get a 401, browsers the sign-in page
    assert anonymous.get("/admin", headers={"Accept": "application/json"}).status_code == 401
    assert anonymous.get("/admin", follow_redirects=False).headers["location"].startswith("/signin")


def test_admin_role_is_read_from_the_database_on_every_request(
    sec_app: FastAPI, sec_db: Database, services: Services
) -> None:
    """Revoking the role takes effect at once (the session holds only the user id)."""
    users.set_admin(sec_db, "demoted@example.org", admin=True, now=utcnow())
    browser = TestClient(sec_app)
    sign_in(browser, sec_db, "demoted@example.org")
    assert browser.get("/admin").status_code == 200
    users.set_admin(sec_db, "demoted@example.org", admin=False, now=utcnow())
    assert browser.get("/admin").status_code == 403


# --- secrets -----------------------------------------------------------------------------------------------


def test_production_refuses_the_default_or_a_short_secret(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for secret in (DEFAULT_SECRET, "short-secret"):
        with pytest.raises(ConfigurationError, match="PAPERWIRE_SECRET_KEY"):
            check_settings(Settings(home=tmp_path, production=True, secret_key=secret))
    check_settings(Settings(home=tmp_path, production=True, secret_key="x" * 48))  # a real key starts
    check_settings(Settings(home=tmp_path))  # development keeps its default


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    "command", [["serve"], ["serve", "--workers", "2"], ["run"]], ids=["serve", "serve-workers", "run"]
)
def test_paperwire_serve_will_not_start_in_production_with_the_default_secret(tmp_path, monkeypatch, command) -> None:  # type: ignore[no-untyped-def]
    """With ``--workers`` uvicorn used to restart the crashing workers forever; the check now runs first."""
    port = _free_port()
    monkeypatch.setenv("PAPERWIRE_HOME", str(tmp_path))
    monkeypatch.setenv("PAPERWIRE_PRODUCTION", "true")
    monkeypatch.delenv("PAPERWIRE_SECRET_KEY", raising=False)
    result = subprocess.run(
        [sys.executable, "-m", "paperwire", *command, "--host", "127.0.0.1", "--port", str(port)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "PAPERWIRE_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr  # one clear line, not a stack
    assert "is serving" not in result.stderr
    with socket.socket() as sock:  # nothing was left listening
        assert sock.connect_ex(("127.0.0.1", port)) != 0
