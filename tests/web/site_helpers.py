"""Helpers for the web tests: read the CSRF token a page carries, sign in through the dev mailbox."""

from __future__ import annotations

import re
from email import message_from_string, policy

from fastapi.testclient import TestClient

from paperwire.db import dev_mail
from paperwire.db.engine import Database

SIGNIN_LINK = re.compile(r"(http://[^\s\"<>]+/signin/confirm\?token=[\w.\-%=]+)")


def csrf_of(client: TestClient) -> str:
    """The CSRF token the site put in the page (and so in the session)."""
    page = client.get("/signin")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "no CSRF token on the sign-in page"
    return match.group(1)


def sign_in(client: TestClient, db: Database, email: str) -> None:
    """The whole magic-link flow, through the dev mailbox."""
    token = csrf_of(client)
    response = client.post("/signin", data={"email": email, "csrf_token": token, "next": "/"})
    assert response.status_code == 200
    link = latest_link(db, email)
    confirm = client.get(link.replace("http://testserver", ""))
    assert confirm.status_code == 200
    token_field = re.search(r'name="token" value="([^"]+)"', confirm.text)
    assert token_field
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text)
    assert csrf
    done = client.post(
        "/signin/confirm", data={"token": token_field.group(1), "csrf_token": csrf.group(1)}, follow_redirects=False
    )
    assert done.status_code == 303


def latest_link(db: Database, email: str) -> str:
    messages = dev_mail.latest(db, to_addr=email, limit=1)
    assert messages, f"no mail to {email}"
    message = message_from_string(messages[0]["raw"], policy=policy.default)
    body = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
    match = SIGNIN_LINK.search(body.get_content())
    assert match
    return str(match.group(1))
