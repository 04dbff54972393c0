"""Scale-out on PostgreSQL with real processes: several senders share the outbox (one killed mid-run),
two web nodes share sessions, CSRF, votes and — after the catch-up interval — search."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from email import message_from_string, policy
from pathlib import Path

import httpx
import pytest

from paperwire.config import Settings
from paperwire.core.clock import utcnow
from paperwire.core.records import PaperRecord
from paperwire.db import dev_mail, outbox
from paperwire.db import subscribers as subs
from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from paperwire.db.papers import upsert_papers
from paperwire.db.subscribers import Preferences
from paperwire.ingest import service
from paperwire.ingest.normalize import make_record
from paperwire.mail.digest import due_on_day, plan_digests
from paperwire.search import SearchService
from testkit import databases
from testkit.live_site import LiveSite
from testkit.smtp_sink import SmtpSink

# These start real processes against PostgreSQL; they run in the PostgreSQL pass of the suite.
pytestmark = pytest.mark.skipif(
    databases.BACKEND != "postgres", reason="scale-out tests run with PAPERWIRE_TEST_BACKEND=postgres"
)
FIXTURES = Path(__file__).parents[1] / "fixtures"
DAY_FILE = FIXTURES / "arxiv_daily" / "head50" / "2026-05-14.jsonl"


@pytest.fixture
def pg_url() -> Iterator[str]:
    with databases.postgres_schema() as url:
        yield url


def count_per_recipient(sink: SmtpSink) -> dict[str, int]:
    counts: dict[str, int] = {}
    for received in sink.received:
        for address in received.recipients:
            counts[address] = counts.get(address, 0) + 1
    return counts


def test_four_senders_one_killed_deliver_each_digest_once(pg_url: str, tmp_path: Path, smtp_sink: SmtpSink) -> None:
    settings = Settings(home=tmp_path, database_url=pg_url)
    db = Database(pg_url)
    upgrade(db)
    service.ingest_jsonl(db, settings, [DAY_FILE])
    for n in range(400):
        subs.add(db, f"s{n:03d}@example.org", Preferences(), confirmed=True, now=datetime(2026, 5, 14))
    report = plan_digests(
        db, settings, SearchService(settings, db), due=due_on_day(db, datetime(2026, 5, 14).date()), now=utcnow()
    )
    assert report.planned == 400
    env = {
        **os.environ,
        "PAPERWIRE_HOME": str(tmp_path),
        "PAPERWIRE_DATABASE_URL": pg_url,
        "PAPERWIRE_MAIL_URL": smtp_sink.url,
        "PAPERWIRE_OUTBOX_LEASE_SECONDS": "3",
    }
    command = [sys.executable, "-m", "paperwire", "worker", "send", "--until-empty", "--concurrency", "2"]
    workers = [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(4)]
    deadline = time.monotonic() + 60
    while not smtp_sink.received and time.monotonic() < deadline:  # kill one once sending is under way
        time.sleep(0.05)
    time.sleep(0.3)
    os.kill(workers[0].pid, signal.SIGKILL)
    for worker in workers[1:]:
        _, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err.decode()
    workers[0].wait()
    counts = count_per_recipient(smtp_sink)
    assert set(counts.values()) == {1}  # nobody with two
    assert outbox.counts(db) == {"sent": 400}  # the survivors waited out the dead worker's leases and sent the rest
    assert 400 - len(counts) <= 1  # lost only if the kill hit the commit window (see docs/operations.md)
    db.dispose()


def csrf(client: httpx.Client, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def test_two_web_nodes_share_sessions_votes_and_search(pg_url: str, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "seed", database_url=pg_url)
    db = Database(pg_url)
    upgrade(db)
    service.ingest_jsonl(db, settings, [DAY_FILE])
    SearchService(settings, db).catch_up()  # embeddings land in the database: the nodes never re-embed
    secret = "shared-secret-" + "x" * 32  # what makes one node accept the other's sessions and CSRF tokens
    nodes = [
        LiveSite(
            tmp_path / f"node{n}",
            PAPERWIRE_DATABASE_URL=pg_url,
            PAPERWIRE_SECRET_KEY=secret,
            PAPERWIRE_INDEX_CATCH_UP_SECONDS="1",
        )
        for n in range(2)
    ]
    a, b = (node.base for node in nodes)
    with nodes[0], nodes[1]:
        with httpx.Client(base_url=a) as on_a:
            on_a.post("/signin", data={"email": "multi@example.org", "csrf_token": csrf(on_a, "/signin")})
            raw = dev_mail.latest(db, to_addr="multi@example.org", limit=1)[0]["raw"]
            text = message_from_string(raw, policy=policy.default).get_body(("plain",)).get_content()  # type: ignore[attr-defined]
            token = re.search(r"token=([\w.\-]+)", text)
            assert token
            confirm = on_a.get(f"/signin/confirm?token={token.group(1)}")
            form_csrf = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text)
            assert form_csrf
            on_a.post("/signin/confirm", data={"token": token.group(1), "csrf_token": form_csrf.group(1)})
            cookies = on_a.cookies
            session_csrf = csrf(on_a, "/signin")
        # Node B accepts node A's session cookie and its CSRF token (they share the secret key).
        with httpx.Client(base_url=b, cookies=cookies) as on_b:
            assert "My library" in on_b.get("/").text
            vote = on_b.post("/api/papers/2605.12570/upvote", headers={"X-CSRF-Token": session_csrf})
            assert vote.status_code == 200, vote.text
            assert vote.json()["count"] == 1
        with httpx.Client(base_url=a) as anonymous_a:
            page = anonymous_a.get("/papers/2605.12570")
            assert re.search(r'class="count">1<', page.text)  # B's vote, seen on A
        # A paper written to the database is found by both nodes after their catch-up interval.
        fresh = make_record(
            raw_id="2605.99999",
            title="Zygomorphic quasicrystal lattices",
            abstract="zygomorphic",
            source="test",
            announced="2026-05-14",
        )
        assert isinstance(fresh, PaperRecord)
        with db.write() as conn:
            upsert_papers(conn, [fresh], now=utcnow())
        for base in (a, b):
            found = False
            for _ in range(60):
                hits = httpx.get(f"{base}/api/search", params={"q": "zygomorphic quasicrystal"}).json()["results"]
                if hits and hits[0]["id"] == "2605.99999":
                    found = True
                    break
                time.sleep(0.5)
            assert found, f"{base} never indexed the new paper"
    db.dispose()
