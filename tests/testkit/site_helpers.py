"""Helpers for tests that drive the FastAPI app in-process (tests/web, tests/security): the CSRF token a page
carries, the magic-link sign-in through the dev mailbox, fresh rate limits for a new test."""

from __future__ import annotations

import re
from email import message_from_string, policy

import httpx
from fastapi.testclient import TestClient

from paperwire.db import dev_mail
from paperwire.db.engine import Database
from paperwire.web.services import Services

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
SIGNIN_LINK = re.compile(r"(http://[^\s\"<>]+/signin/confirm\?token=[\w.\-%=]+)")
RATE_LIMITERS = ("signin_by_ip", "signin_by_address", "votes_by_user", "subscribe_by_ip")


def reset_rate_limits(services: Services) -> None:
    """Every rate limiter of the running app as new: each test starts like a new visitor."""
    fresh = Services.build(services.settings, services.db, services.search)
    for limiter in RATE_LIMITERS:
        setattr(services, limiter, getattr(fresh, limiter))


def csrf_of(client: TestClient, path: str = "/signin") -> str:
    """The CSRF token the site put in the page (and so in this browser's session)."""
    match = CSRF_FIELD.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def latest_link(db: Database, email: str) -> str:
    """The sign-in link of the newest mail to ``email`` in the dev mailbox (absolute)."""
    messages = dev_mail.latest(db, to_addr=email, limit=1)
    assert messages, f"no mail to {email}"
    message = message_from_string(messages[0]["raw"], policy=policy.default)
    body = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
    match = SIGNIN_LINK.search(body.get_content())
    assert match, "no sign-in link in the mail"
    return str(match.group(1))


def latest_signin_path(db: Database, email: str) -> str:
    return latest_link(db, email).replace("http://testserver", "")


def sign_in(client: TestClient, db: Database, email: str, *, next_url: str = "/") -> httpx.Response:
    """The whole magic-link flow through the dev mailbox; returns the final (unfollowed) response."""
    sent = client.post("/signin", data={"email": email, "csrf_token": csrf_of(client), "next": next_url})
    assert sent.status_code == 200, sent.text
    page = client.get(latest_signin_path(db, email))
    assert page.status_code == 200
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    csrf = CSRF_FIELD.search(page.text)
    assert token
    assert csrf
    done = client.post(
        "/signin/confirm", data={"token": token.group(1), "csrf_token": csrf.group(1)}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    return done
