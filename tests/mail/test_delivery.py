"""Planning and delivering digests to a real SMTP server (aiosmtpd): exactly once, never a paper twice,
retries on 4xx, suppression on 5xx, one-click unsubscribe."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from paperwire.db import outbox
from paperwire.db import subscribers as subs
from paperwire.jobs import pipeline
from paperwire.mail.digest import due_on_day, plan_digests
from paperwire.mail.sender import Sender
from paperwire.web.app import create_app
from testkit.mail_world import LISTING_DAY, NOW, World
from testkit.smtp_sink import SmtpSink


def send_all(world: World) -> None:
    Sender(world.db, world.settings).run(until_empty=True)


def plan(world: World, day: date) -> int:
    return plan_digests(world.db, world.settings, world.search, due=due_on_day(world.db, day), now=NOW).planned


def paper_ids(message_text: str) -> list[str]:
    return re.findall(r"https://papers\.example\.org/c/(\S+)", message_text)


def test_digest_arrives_with_headers_parts_and_working_links(world: World, smtp_sink: SmtpSink) -> None:
    world.subscriber("ada@example.org", topics=["neural networks"], digest_size=5)
    assert plan(world, LISTING_DAY) == 1
    send_all(world)
    [message] = smtp_sink.to("ada@example.org")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert text.count("Why: ") == 5
    assert "matches your topic “neural networks”" in text
    assert html.count('class="card"') == 5
    # A tracked link records the click and lands on the paper page on this site.
    client = TestClient(create_app(world.settings, db=world.db, search=world.search))
    link = re.search(r"https://papers\.example\.org(/c/\S+)", text)
    assert link
    landing = client.get(link.group(1), follow_redirects=False)
    assert landing.status_code == 302
    assert re.fullmatch(r"/papers/\d{4}\.\d{5}", landing.headers["location"])


def test_one_click_unsubscribe_post_stops_digests(world: World, smtp_sink: SmtpSink) -> None:
    subscriber = world.subscriber("bob@example.org")
    plan(world, LISTING_DAY)
    send_all(world)
    [message] = smtp_sink.to("bob@example.org")
    url = re.search(r"<(https://[^>]+)>", message["List-Unsubscribe"])
    assert url
    client = TestClient(create_app(world.settings, db=world.db, search=world.search))
    # RFC 8058: the mail client POSTs this body, with no cookies and no CSRF token.
    response = client.post(
        url.group(1).replace("https://papers.example.org", ""),
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert subs.get(world.db, subscriber.id).status == subs.UNSUBSCRIBED  # type: ignore[union-attr]
    assert plan(world, LISTING_DAY + timedelta(days=1)) == 0


def test_rerun_sends_nothing_twice_and_next_day_never_repeats_a_paper(world: World, smtp_sink: SmtpSink) -> None:
    world.subscriber("cy@example.org", topics=["learning"], digest_size=4)
    assert plan(world, LISTING_DAY) == 1
    send_all(world)
    assert plan(world, LISTING_DAY) == 0  # the same period again: already planned
    send_all(world)
    assert len(smtp_sink.to("cy@example.org")) == 1
    # Saturday and Sunday map to Thursday's listing (the newest on or before the day): no new digest.
    assert plan(world, LISTING_DAY + timedelta(days=2)) == 0
    # A new listing day arrives: the next digest has only papers not sent before.
    from paperwire.core.clock import utcnow
    from paperwire.core.records import PaperRecord
    from paperwire.db.papers import upsert_papers
    from paperwire.ingest.normalize import make_record

    fresh = [
        make_record(
            raw_id=f"2605.9{n:04d}",
            title=f"New learning paper {n}",
            abstract="learning",
            source="t",
            announced=LISTING_DAY + timedelta(days=1),
        )
        for n in range(3)
    ]
    with world.db.write() as conn:
        upsert_papers(conn, [r for r in fresh if isinstance(r, PaperRecord)], now=utcnow())
    world.search.catch_up()
    assert plan(world, LISTING_DAY + timedelta(days=1)) == 1
    send_all(world)
    first, second = smtp_sink.to("cy@example.org")
    first_text = first.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    second_text = second.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    titles = lambda text: set(re.findall(r"^\d+\. (.+)$", text, re.M))  # noqa: E731
    assert titles(first_text)
    assert titles(second_text)
    assert titles(first_text).isdisjoint(titles(second_text))


def test_weekly_subscriber_only_on_their_weekday(world: World) -> None:
    world.subscriber("weekly@example.org", frequency="weekly", weekday=LISTING_DAY.weekday())
    world.subscriber("other-day@example.org", frequency="weekly", weekday=(LISTING_DAY.weekday() + 1) % 7)
    assert plan(world, LISTING_DAY) == 1
    assert outbox.counts(world.db) == {"pending": 1}


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelined", "one-command-at-a-time"])
def test_4xx_is_retried_until_delivered(world: World, smtp_sink: SmtpSink, pipelining: bool) -> None:
    smtp_sink.handler.pipelining = pipelining
    world.subscriber("slow@example.org")
    attempts = {"n": 0}

    def greylist(address: str) -> str | None:
        attempts["n"] += 1
        return "451 4.7.1 Greylisted, try again later" if attempts["n"] <= 2 else None

    smtp_sink.handler.data_rule = greylist
    plan(world, LISTING_DAY)
    report = Sender(world.db, world.settings).run(until_empty=True)
    while outbox.counts(world.db).get("retry"):  # retries are due after a short backoff
        report = Sender(world.db, world.settings).run(until_empty=True)
    assert len(smtp_sink.to("slow@example.org")) == 1
    assert outbox.counts(world.db) == {"sent": 1}
    assert report.sent == 1


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelined", "one-command-at-a-time"])
def test_5xx_suppresses_the_address_with_the_reason(world: World, smtp_sink: SmtpSink, pipelining: bool) -> None:
    """Refused at RCPT: pipelined, the DATA that followed is refused too and the RCPT reply is the reason."""
    smtp_sink.handler.pipelining = pipelining
    world.subscriber("gone@example.org")
    world.subscriber("fine@example.org")
    smtp_sink.handler.rcpt_rule = lambda a: "550 5.1.1 No such user" if a.startswith("gone") else None
    plan(world, LISTING_DAY)
    report = Sender(world.db, world.settings).run(until_empty=True)
    assert (report.sent, report.suppressed) == (1, 1)
    gone = subs.find(world.db, "gone@example.org")
    assert gone is not None
    assert gone.suppressed_at is not None
    assert "550" in (gone.suppressed_reason or "")
    assert not smtp_sink.to("gone@example.org")
    assert plan(world, LISTING_DAY + timedelta(days=1)) == 0  # suppressed: never planned again


def test_broken_smtp_server_loses_nothing(world: World, smtp_sink: SmtpSink) -> None:
    world.subscriber("patient@example.org")
    plan(world, LISTING_DAY)
    dead = world.settings.model_copy(update={"mail_url": "smtp://127.0.0.1:9"})  # nothing listens there
    report = Sender(world.db, dead).run(until_empty=False)  # one pass: try what is due, then stop
    assert report.retried == 1
    assert outbox.counts(world.db) == {"retry": 1}  # kept for later, not lost
    while outbox.counts(world.db).get("retry"):
        Sender(world.db, world.settings).run(until_empty=True)
    assert len(smtp_sink.to("patient@example.org")) == 1


def test_a_sender_that_lost_its_lease_does_not_send(world: World, smtp_sink: SmtpSink) -> None:
    world.subscriber("race@example.org")
    plan(world, LISTING_DAY)
    slow, fast = Sender(world.db, world.settings, owner="slow"), Sender(world.db, world.settings, owner="fast")
    [row] = outbox.claim(world.db, owner="slow", limit=10, lease_seconds=0.0, now=NOW)  # expires at once
    fast.run(until_empty=True)  # takes the expired row over and sends it
    from paperwire.mail.transport import transport_from_url

    transport = transport_from_url(world.settings.mail_url, world.db)
    assert slow.deliver(row, transport) == "lease_lost"
    transport.close()
    assert len(smtp_sink.to("race@example.org")) == 1


def test_scheduler_plans_when_the_local_hour_has_come(world: World, smtp_sink: SmtpSink) -> None:
    world.subscriber("tokyo@example.org", hour=9, timezone="Asia/Tokyo")  # 00:00 UTC
    world.subscriber("nyc@example.org", hour=9, timezone="America/New_York")  # 13:00 UTC in May
    early = pipeline.plan(world.db, world.settings, world.search, at=NOW.replace(hour=1))
    assert early.planned == 1
    later = pipeline.plan(world.db, world.settings, world.search, at=NOW.replace(hour=14))
    assert later.planned == 1
    again = pipeline.plan(world.db, world.settings, world.search, at=NOW.replace(hour=15))
    assert again.planned == 0


def test_scheduler_tick_plans_and_sends_once(world: World, smtp_sink: SmtpSink) -> None:
    from paperwire.db import jobs
    from paperwire.jobs.scheduler import Scheduler

    world.subscriber("ticker@example.org", hour=7)
    clock = lambda: NOW  # noqa: E731 - 12:00 UTC, after the subscriber's 07:00
    scheduler = Scheduler(world.db, world.settings, world.search, clock=clock)
    scheduler.tick()
    scheduler.tick()  # the same hour again: nothing new to plan or send
    assert len(smtp_sink.to("ticker@example.org")) == 1
    # While another scheduler holds the planning lease, this one skips planning instead of doubling it.
    from paperwire.core.clock import utcnow

    assert jobs.acquire(world.db, "digests:plan", owner="elsewhere", seconds=600, now=utcnow())  # leases: real time
    world.subscriber("late@example.org", hour=7)
    scheduler.tick()
    assert smtp_sink.to("late@example.org") == []


def test_followed_authors_come_first_matched_exactly_case_aside(world: World) -> None:
    from paperwire.db.papers import papers_announced_on

    paper = papers_announced_on(world.db, LISTING_DAY, limit=50)[17]
    author = paper["authors"][0]
    world.subscriber("fan@example.org", authors=[author.upper()], digest_size=3)
    world.subscriber("stranger@example.org", authors=["Nobody Of This Name"], digest_size=3)
    assert plan(world, LISTING_DAY) == 2
    payloads = {
        row.subscriber_id: row.payload
        for row in outbox.claim(world.db, owner="t", limit=10, lease_seconds=60, now=NOW + timedelta(days=400))
    }
    fan = subs.find(world.db, "fan@example.org")
    stranger = subs.find(world.db, "stranger@example.org")
    assert fan is not None
    assert stranger is not None
    first = payloads[fan.id]["items"][0]
    assert first["id"] == paper["id"]
    assert first["why"] == f"by {author.upper()}, whom you follow"
    assert all("whom you follow" not in item["why"] for item in payloads[stranger.id]["items"])
