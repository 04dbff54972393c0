"""A real paperwire site for the tests that need a running server (faults, load, schemathesis, two scale-out
nodes): ``paperwire serve`` as a subprocess on a free loopback port, and the bundled sample prepared the way
``paperwire run`` leaves a fresh install."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from email import message_from_string, policy
from pathlib import Path
from types import TracebackType

import httpx

from paperwire.config import Settings
from paperwire.db import dev_mail
from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from paperwire.ingest import service
from paperwire.jobs import pipeline
from paperwire.search import SearchService
from testkit.smtp_sink import free_port

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
SIGNIN_LINK = re.compile(r"(http://[^\s\"<>]+/signin/confirm\?token=[\w.\-%=]+)")
SECRET = "faults-suite-secret-" + "x" * 32


def prepare_sample(home: Path) -> Database:
    """The bundled sample loaded, indexed and scored, as ``paperwire run`` leaves a fresh install."""
    settings = Settings(home=home)
    db = Database(settings.resolved_database_url)
    upgrade(db)
    service.load_sample(db, settings)
    pipeline.after_ingest(db, settings, SearchService(settings, db))
    return db


class LiveSite:
    """``paperwire serve`` on ``home`` (its output goes to ``home/serve.log``); stopped with SIGTERM. Keyword
    arguments are environment settings (``PAPERWIRE_...``) on top of the defaults; ``env`` can still be
    changed before ``with``."""

    def __init__(self, home: Path, **settings: str) -> None:
        self.home = home
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,  # PAPERWIRE_DATABASE_URL when the suite runs on PostgreSQL
            "PAPERWIRE_HOME": str(home),
            "PAPERWIRE_SECRET_KEY": SECRET,
            "PAPERWIRE_BASE_URL": self.base,
            "PAPERWIRE_LOG_LEVEL": "WARNING",
            **settings,
        }
        self.log = home / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> LiveSite:
        self.home.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "paperwire", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_ready(time.monotonic() + 120)
        return self

    def _wait_ready(self, deadline: float) -> None:
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"paperwire serve exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.base} never became ready:\n{self.log_text()}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def csrf_token(client: httpx.Client, path: str = "/signin") -> str:
    page = client.get(path)
    match = CSRF_FIELD.search(page.text)
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def sign_in(client: httpx.Client, db: Database, email: str) -> str:
    """The magic-link flow through the dev mailbox; returns the signed-in session's CSRF token."""
    sent = client.post("/signin", data={"email": email, "csrf_token": csrf_token(client), "next": "/"})
    assert sent.status_code == 200, sent.text[:500]
    messages = dev_mail.latest(db, to_addr=email, limit=1)
    assert messages, f"no sign-in mail to {email}"
    body = message_from_string(messages[0]["raw"], policy=policy.default).get_body(preferencelist=("plain",))
    assert body is not None
    link = SIGNIN_LINK.search(body.get_content())  # type: ignore[attr-defined]
    assert link, "no sign-in link in the mail"
    confirm = client.get(link.group(1))
    token = re.search(r'name="token" value="([^"]+)"', confirm.text)
    csrf = CSRF_FIELD.search(confirm.text)
    assert token
    assert csrf
    done = client.post("/signin/confirm", data={"token": token.group(1), "csrf_token": csrf.group(1)})
    assert done.status_code == 303, done.text[:500]
    return csrf_token(client, "/")
