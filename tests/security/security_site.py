"""Helpers for the security tests: CSRF tokens from pages, sign-in through the dev mailbox, database snapshots."""

from __future__ import annotations

import re
from email import message_from_string, policy
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from paperwire.db import dev_mail
from paperwire.db.engine import Database
from paperwire.db.schema import metadata

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
SIGNIN_LINK = re.compile(r"http://testserver(/signin/confirm\?token=[\w.\-%=]+)")
# Tables whose rows a refused request must not change (sessions live in cookies, not here).
ALL_TABLES = sorted(metadata.tables)


def csrf_of(client: TestClient, path: str = "/signin") -> str:
    """The CSRF token a page carries (and so the one in this browser's session)."""
    match = CSRF_FIELD.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def latest_signin_path(db: Database, email: str) -> str:
    messages = dev_mail.latest(db, to_addr=email, limit=1)
    assert messages, f"no mail to {email}"
    message = message_from_string(messages[0]["raw"], policy=policy.default)
    body = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
    match = SIGNIN_LINK.search(body.get_content())
    assert match, "no sign-in link in the mail"
    return match.group(1)


def sign_in(client: TestClient, db: Database, email: str, *, next_url: str = "/") -> Any:
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


def snapshot(db: Database, *, skip: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Every row of every table (as text, sorted): equal snapshots mean nothing was written."""
    state: dict[str, list[str]] = {}
    with db.read() as conn:
        for name in ALL_TABLES:
            if name in skip:
                continue
            state[name] = sorted(repr(tuple(row)) for row in conn.execute(select(metadata.tables[name])))
    return state


def changed_tables(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


def strip_tokens(html: str) -> str:
    """A page without its per-session values (CSRF tokens): what is left must not differ between visitors."""
    return re.sub(r'(value|data-csrf)="[^"]+"', r'\1=""', html)
