"""CSRF on every state-changing request, found by walking the app's routes.

Each POST/PUT/PATCH/DELETE route must either refuse a request without this session's CSRF token (403, nothing
written, the session untouched) and accept the same request with it — or be listed in ``EXEMPT`` with the
credential it uses instead, which is then tested here too. A new state-changing route that is in neither
table fails this file, so it cannot reach production without a decision about CSRF.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from paperwire.core.clock import utcnow
from paperwire.db import subscribers as subs
from paperwire.db import users
from paperwire.db.engine import Database
from paperwire.db.subscribers import Preferences
from paperwire.mail.links import Links
from paperwire.web.services import Services
from testkit.security_site import changed_tables, snapshot
from testkit.site_helpers import csrf_of, sign_in

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
PAPER = "2606.27377"
API_REACTION = "/api/papers/{paper_id:paper_id}/{kind}"
# Rows no request writes; left out of snapshots because they are large (the sample's embeddings).
UNWRITTEN = ("paper_embeddings",)

# Routes that take no CSRF token, and why. Each is tested below with its own credential.
EXEMPT = {
    ("POST", "/u/{token}"): "RFC 8058 one-click unsubscribe: mail clients POST without cookies; the signed, "
    "purpose-bound unsubscribe token is the credential (test_one_click_unsubscribe_needs_a_valid_token)",
    ("POST", "/hooks/bounce"): "server-to-server webhook: no browser session; the X-Paperwire-Token shared "
    "secret is the credential (test_bounce_webhook_needs_its_secret)",
}


@dataclass
class Case:
    """One state-changing request: path, form fields or JSON, and how the CSRF token travels."""

    path: str
    data: dict[str, str] | None = None
    header_token: bool = False  # the JSON API: X-CSRF-Token header; forms: the csrf_token field
    ok: tuple[int, ...] = (200, 303)


@dataclass
class World:
    db: Database
    services: Services
    links: Links
    tag: str

    def subscriber(self, *, confirmed: bool) -> int:
        email = f"{self.tag}-sub@example.org"
        subscriber, _ = subs.add(self.db, email, Preferences(topics=["graphs"]), confirmed=confirmed, now=utcnow())
        return subscriber.id

    def token(self, url: str) -> str:
        return url.rsplit("/", 1)[1]


def _manage_fields() -> dict[str, str]:
    return {"topics": "changed topic", "frequency": "weekly", "weekday": "2", "hour": "9", "timezone": "UTC"}


# How to make a legitimate request to each CSRF-protected route (minus the token).
REQUESTS: dict[tuple[str, str], Callable[[World], Case]] = {
    ("POST", "/papers/{paper_id}/{kind}"): lambda w: Case(f"/papers/{PAPER}/upvote", {"next": "/"}),
    ("POST", "/signin"): lambda w: Case("/signin", {"email": f"{w.tag}-other@example.org", "next": "/"}),
    ("POST", "/signin/confirm"): lambda w: Case(
        "/signin/confirm", {"token": w.services.signer.make("signin", {"email": f"{w.tag}@example.org", "next": "/"})}
    ),
    ("POST", "/signout"): lambda w: Case("/signout", {}),
    ("POST", API_REACTION): lambda w: Case(f"/api/papers/{PAPER}/save", header_token=True),
    ("DELETE", API_REACTION): lambda w: Case(f"/api/papers/{PAPER}/save", header_token=True),
    ("POST", "/subscribe"): lambda w: Case("/subscribe", {"email": f"{w.tag}-new@example.org", "topics": "graphs"}),
    ("POST", "/subscribe/confirm/{token}"): lambda w: Case(
        f"/subscribe/confirm/{w.token(w.links.confirm(w.subscriber(confirmed=False)))}", {}
    ),
    ("POST", "/manage/{token}"): lambda w: Case(
        f"/manage/{w.token(w.links.manage(w.subscriber(confirmed=True)))}", _manage_fields()
    ),
    ("POST", "/manage/{token}/delete"): lambda w: Case(
        f"/manage/{w.token(w.links.manage(w.subscriber(confirmed=True)))}/delete", {}
    ),
    ("POST", "/admin/subscribers/{subscriber_id}/{action}"): lambda w: Case(
        f"/admin/subscribers/{w.subscriber(confirmed=True)}/suppress", {"reason": "test"}
    ),
}


def state_changing_routes(app: FastAPI) -> list[tuple[str, str]]:
    found = set()
    for route in iter_route_contexts(app.routes):
        for method in (route.methods or set()) & STATE_CHANGING:
            found.add((method, str(route.path)))
    return sorted(found)


def test_the_route_walk_sees_the_whole_app(sec_app: FastAPI) -> None:
    """The enumeration itself works (so the tests below cannot pass by seeing no routes)."""
    routes = state_changing_routes(sec_app)
    assert len(routes) >= 10
    assert ("POST", "/signin") in routes
    assert ("DELETE", API_REACTION) in routes
    assert ("POST", "/admin/subscribers/{subscriber_id}/{action}") in routes


def test_every_state_changing_route_is_classified(sec_app: FastAPI) -> None:
    routes = set(state_changing_routes(sec_app))
    unclassified = sorted(routes - set(REQUESTS) - set(EXEMPT))
    assert not unclassified, (
        f"new state-changing route(s) {unclassified}: protect them with CsrfChecked and add a request to "
        "REQUESTS, or add them to EXEMPT with the credential they use instead"
    )
    stale = sorted((set(REQUESTS) | set(EXEMPT)) - routes)
    assert not stale, f"routes in this file that the app no longer has: {stale}"


def _send(client: TestClient, method: str, case: Case, token: str | None) -> Any:
    headers = {"X-CSRF-Token": token} if case.header_token and token is not None else {}
    data = dict(case.data or {})
    if not case.header_token and token is not None:
        data["csrf_token"] = token
    if method == "DELETE":
        return client.request("DELETE", case.path, headers=headers, follow_redirects=False)
    if case.header_token:
        return client.post(case.path, headers=headers, follow_redirects=False)
    return client.post(case.path, data=data, headers=headers, follow_redirects=False)


def test_every_protected_route_refuses_requests_without_the_csrf_token(
    sec_app: FastAPI, sec_db: Database, services: Services
) -> None:
    failures: list[str] = []
    attacker = TestClient(sec_app)
    someone_elses_token = csrf_of(attacker)  # a real token, but of another session
    for index, (method, path) in enumerate(state_changing_routes(sec_app)):
        if (method, path) in EXEMPT or (method, path) not in REQUESTS:
            continue  # the classification test reports unknown routes
        tag = f"csrf{index}-{method.lower()}"
        email = f"{tag}@example.org"
        users.set_admin(sec_db, email, admin=True, now=utcnow())
        # every route gets a signed-in admin, so only the CSRF check can refuse the request
        victim = TestClient(sec_app)
        sign_in(victim, sec_db, email)
        own_token = csrf_of(victim)
        world = World(sec_db, services, Links.build(services.settings), tag)
        case = REQUESTS[(method, path)](world)
        for label, token in (
            ("no token", None),
            ("a forged token", "forged"),
            ("another session's", someone_elses_token),
        ):
            before = snapshot(sec_db, skip=UNWRITTEN)
            response = _send(victim, method, case, token)
            after = snapshot(sec_db, skip=UNWRITTEN)
            if response.status_code != 403:
                failures.append(f"{method} {path} with {label}: {response.status_code}, expected 403")
            if changed := changed_tables(before, after):
                failures.append(f"{method} {path} with {label} wrote to {changed}")
            if victim.get("/api/me").status_code != 200:
                failures.append(f"{method} {path} with {label} changed the session (signed out)")
                sign_in(victim, sec_db, email)
                own_token = csrf_of(victim)
        # the same request with this session's token goes through: the refusal above was the CSRF check
        response = _send(victim, method, case, own_token)
        if response.status_code not in case.ok:
            failures.append(f"{method} {path} with the right token: {response.status_code} {response.text[:200]}")
    assert not failures, "\n".join(failures)


def test_one_click_unsubscribe_needs_a_valid_token(client: TestClient, sec_db: Database, services: Services) -> None:
    subscriber, _ = subs.add(sec_db, "oneclick@example.org", Preferences(), confirmed=True, now=utcnow())
    links = Links.build(services.settings)
    token = links.unsubscribe_token(subscriber.id)
    manage_token = links.manage(subscriber.id).rsplit("/", 1)[1]
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), manage_token, "x.y.z"):
        response = client.post(f"/u/{bad}", data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 400
        assert subs.get(sec_db, subscriber.id).status == "confirmed"  # type: ignore[union-attr]
    # RFC 8058: no cookies, no CSRF token, just the body a mail client sends
    done = TestClient(client.app).post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert subs.get(sec_db, subscriber.id).status == "unsubscribed"  # type: ignore[union-attr]


def test_bounce_webhook_needs_its_secret(client: TestClient, sec_db: Database, services: Services) -> None:
    subs.add(sec_db, "hooked@example.org", Preferences(), confirmed=True, now=utcnow())
    body = {"email": "hooked@example.org", "kind": "complaint", "reason": "spam"}
    csrf = csrf_of(client)  # a browser session's CSRF token is not the webhook's credential
    for headers in ({}, {"X-Paperwire-Token": "wrong"}, {"X-CSRF-Token": csrf}):
        assert client.post("/hooks/bounce", json=body, headers=headers).status_code == 403
        assert subs.find(sec_db, "hooked@example.org").suppressed_at is None  # type: ignore[union-attr]
    secret = services.settings.webhook_token
    assert secret
    ok = client.post("/hooks/bounce", json=body, headers={"X-Paperwire-Token": secret})
    assert ok.status_code == 200
    assert ok.json() == {"recorded": True, "suppressed": True}
