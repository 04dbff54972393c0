"""Double opt-in through the site, the manage page, data export/deletion, bounces — real SMTP all along."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from paperwire.db import outbox
from paperwire.db import subscribers as subs
from paperwire.mail.sender import Sender
from paperwire.web.app import create_app
from testkit.mail_world import NOW, World
from testkit.smtp_sink import SmtpSink


@pytest.fixture
def client(world: World) -> TestClient:
    # base_url is https in these settings, so the session cookie is Secure: talk https to the app.
    return TestClient(create_app(world.settings, db=world.db, search=world.search), base_url="https://testserver")


def csrf(client: TestClient, path: str = "/subscribe") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def subscribe(client: TestClient, email: str, **fields: str) -> str:
    response = client.post("/subscribe", data={"email": email, "csrf_token": csrf(client), **fields})
    assert response.status_code == 200, response.text
    return response.text


def deliver(world: World) -> None:
    Sender(world.db, world.settings).run(until_empty=True)


def link_in(message_text: str, path: str) -> str:
    match = re.search(rf"https://papers\.example\.org({path}/\S+)", message_text)
    assert match, message_text
    return match.group(1)


def text_of(message) -> str:  # type: ignore[no-untyped-def]
    return str(message.get_body(preferencelist=("plain",)).get_content())


def test_double_opt_in_through_the_site(world: World, client: TestClient, smtp_sink: SmtpSink) -> None:
    subscribe(client, "Ada@Example.org", topics="graph neural networks; diffusion", categories="cs.LG, stat.ML")
    subscriber = subs.find(world.db, "ada@example.org")
    assert subscriber is not None
    assert (subscriber.status, subscriber.topics, subscriber.categories) == (
        "pending",
        ["graph neural networks", "diffusion"],
        ["cs.LG", "stat.ML"],
    )
    assert not subscriber.receives_digests
    deliver(world)
    [confirmation] = smtp_sink.to("ada@example.org")
    assert confirmation["Subject"] == "Confirm your paperwire subscription"
    path = link_in(text_of(confirmation), "/subscribe/confirm")
    page = client.get(path)  # opening the link (or a mail scanner doing so) confirms nothing yet
    assert subs.find(world.db, "ada@example.org").status == "pending"  # type: ignore[union-attr]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    assert client.post(path, data={"csrf_token": token.group(1)}).status_code == 200
    assert subs.find(world.db, "ada@example.org").status == "confirmed"  # type: ignore[union-attr]


def test_same_answer_for_new_pending_and_confirmed(world: World, client: TestClient) -> None:
    world.subscriber("known@example.org")
    strip = lambda html: re.sub(r'value="[^"]+"', "", html)  # noqa: E731 - CSRF tokens differ
    new = subscribe(client, "new@example.org")
    pending = subscribe(client, "new@example.org")
    confirmed = subscribe(client, "known@example.org")
    assert strip(new) == strip(pending) == strip(confirmed)
    assert subs.find(world.db, "known@example.org").status == "confirmed"  # type: ignore[union-attr]


def test_confirmation_mails_are_rate_limited_per_address(world: World, client: TestClient, smtp_sink: SmtpSink) -> None:
    for _ in range(6):
        subscribe(client, "target@example.org")
    deliver(world)
    assert len(smtp_sink.to("target@example.org")) == world.settings.confirmation_mails_per_day == 3


def test_bad_address_and_bad_preferences_get_clear_errors(client: TestClient) -> None:
    bad = client.post("/subscribe", data={"email": "nope", "csrf_token": csrf(client)})
    assert bad.status_code == 400
    assert "is not a valid email address" in bad.text
    zone = client.post(
        "/subscribe", data={"email": "a@example.org", "timezone": "Mars/Olympus", "csrf_token": csrf(client)}
    )
    assert zone.status_code == 400
    assert "unknown time zone" in zone.text


def test_manage_page_changes_preferences_exports_and_deletes(
    world: World, client: TestClient, smtp_sink: SmtpSink
) -> None:
    from paperwire.mail.links import Links

    subscriber = world.subscriber("me@example.org", topics=["old topic"])
    manage = Links.build(world.settings).manage(subscriber.id).replace("https://papers.example.org", "")
    page = client.get(manage)
    assert page.status_code == 200
    assert "old topic" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    saved = client.post(
        manage,
        data={
            "csrf_token": token.group(1),
            "topics": "new topic",
            "frequency": "weekly",
            "weekday": "4",
            "hour": "18",
            "timezone": "Europe/Berlin",
            "digest_size": "7",
            "paused": "true",
        },
    )
    assert saved.status_code == 200
    fresh = subs.get(world.db, subscriber.id)
    assert fresh is not None
    assert (
        fresh.topics,
        fresh.frequency,
        fresh.weekday,
        fresh.hour,
        fresh.timezone,
        fresh.digest_size,
        fresh.paused,
    ) == (["new topic"], "weekly", 4, 18, "Europe/Berlin", 7, True)
    exported = client.get(manage + "/export")
    assert exported.headers["content-disposition"].startswith("attachment")
    assert json.loads(exported.text)["subscriber"]["email"] == "me@example.org"
    deleted = client.post(manage + "/delete", data={"csrf_token": token.group(1)})
    assert deleted.status_code == 200
    assert subs.find(world.db, "me@example.org") is None
    assert client.get(manage).status_code == 400  # the link now points at nothing


def test_tampered_and_cross_purpose_links_are_refused(world: World, client: TestClient) -> None:
    from paperwire.mail.links import Links

    subscriber = world.subscriber("you@example.org")
    links = Links.build(world.settings)
    manage = links.manage(subscriber.id).replace("https://papers.example.org", "")
    assert client.get(manage[:-2] + "xx").status_code == 400
    # A manage token is not an unsubscribe token.
    token = manage.rsplit("/", 1)[1]
    assert client.post(f"/u/{token}").status_code == 400
    assert subs.find(world.db, "you@example.org").status == "confirmed"  # type: ignore[union-attr]


def test_fewer_like_this_is_recorded_and_demotes_the_paper(world: World, client: TestClient) -> None:
    from paperwire.mail.links import Links

    subscriber = world.subscriber("picky@example.org")
    link = Links.build(world.settings).fewer(subscriber.id, "2605.12570").replace("https://papers.example.org", "")
    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 200  # idempotent
    assert subs.fewer_like(world.db) == {subscriber.id: {"2605.12570"}}


def test_bounce_webhook_and_hard_bounce_limit(world: World, client: TestClient) -> None:
    world.subscriber("bouncy@example.org")
    body = {"email": "bouncy@example.org", "kind": "hard", "reason": "mailbox full"}
    assert client.post("/hooks/bounce", json=body).status_code == 403  # webhook off without a token
    world.settings.webhook_token = "s3cret-token"
    assert client.post("/hooks/bounce", json=body, headers={"X-Paperwire-Token": "wrong"}).status_code == 403
    results = [
        client.post("/hooks/bounce", json=body, headers={"X-Paperwire-Token": "s3cret-token"}).json() for _ in range(3)
    ]
    assert [r["suppressed"] for r in results] == [False, False, True]
    assert subs.find(world.db, "bouncy@example.org").suppressed_at is not None  # type: ignore[union-attr]


def test_unsubscribe_cancels_planned_but_unsent_digests(world: World) -> None:
    subscriber = world.subscriber("leaving@example.org")
    from paperwire.mail.digest import due_on_day, plan_digests
    from testkit.mail_world import LISTING_DAY

    plan_digests(world.db, world.settings, world.search, due=due_on_day(world.db, LISTING_DAY), now=NOW)
    subs.unsubscribe(world.db, subscriber.id, now=NOW)
    assert outbox.counts(world.db) == {"cancelled": 1}
