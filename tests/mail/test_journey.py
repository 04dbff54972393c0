"""The reader's journey of issue 14, end to end, on the in-process site and a real SMTP server: subscribe with
papers you like -> confirm from the mail -> a digest whose every reason is true -> "More like this" from the
mail -> the next listing day's digest shows its effect -> Undo takes it back."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from paperwire.db import feedback, papers
from paperwire.db import subscribers as subs
from paperwire.db.schema import outbox
from paperwire.ingest import service
from paperwire.mail.digest import due_on_day, plan_digests
from paperwire.mail.sender import Sender
from paperwire.recommend import REASONS, picks_for, reader_for
from paperwire.web.app import create_app
from testkit.mail_world import FIXTURES, LISTING_DAY, NOW, World
from testkit.smtp_sink import SmtpSink

BASE = "https://papers.example.org"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NEXT_DAY_FILE = FIXTURES / "arxiv_daily" / "head60" / "2026-05-15.jsonl"
NEXT_DAY = date(2026, 5, 15)
LIKED = ["2605.12778", "2605.13333"]  # motion in-betweening by diffusion; stylized text-to-motion


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.settings, db=world.db, search=world.search), base_url="https://testserver")


def path_of(link: str) -> str:
    return link.removeprefix(BASE)


def plain(message: Any) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())


def press(client: TestClient, path: str) -> Any:
    page = client.get(path)
    assert page.status_code == 200, page.text
    token = CSRF.search(page.text)
    assert token
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert action
    return client.post(action.group(1), data={"csrf_token": token.group(1)})


def planned(world: World, subscriber_id: int, period: str) -> list[dict[str, Any]]:
    with world.db.read() as conn:
        row = conn.execute(
            select(outbox.c.payload).where(outbox.c.subscriber_id == subscriber_id, outbox.c.period == period)
        ).scalar_one()
    return list(row["items"])


def send_digests(world: World, day: date, now: datetime) -> None:
    plan_digests(world.db, world.settings, world.search, due=due_on_day(world.db, day), now=now)
    Sender(world.db, world.settings).run(until_empty=True)


def test_subscribe_confirm_digest_more_like_this_next_digest_undo(
    world: World, client: TestClient, smtp_sink: SmtpSink
) -> None:
    email = "journey@example.org"
    # 1. Subscribe on the site with two papers I like (one as an arXiv link) and a topic.
    page = client.get("/subscribe")
    token = CSRF.search(page.text)
    assert token
    form = {"email": email, "topics": "motion generation", "liked": "2605.12778\nhttps://arxiv.org/abs/2605.13333v1"}
    assert client.post("/subscribe", data={**form, "csrf_token": token.group(1)}).status_code == 200
    Sender(world.db, world.settings).run(until_empty=True)
    # 2. Confirm from the mail: opening the link changes nothing, the button confirms.
    [confirmation] = smtp_sink.to(email)
    link = re.search(rf"{BASE}(/subscribe/confirm/\S+)", plain(confirmation))
    assert link
    assert client.get(link.group(1)).status_code == 200
    assert subs.find(world.db, email).status == "pending"  # type: ignore[union-attr]
    assert press(client, link.group(1)).status_code == 200
    subscriber = subs.find(world.db, email)
    assert subscriber is not None
    assert (subscriber.status, subscriber.liked) == ("confirmed", LIKED)

    # 3. The first digest: every item says why, in the words the plan chose, for a reason that holds.
    send_digests(world, LISTING_DAY, NOW)
    [_, digest] = smtp_sink.to(email)
    text = plain(digest)
    items = planned(world, subscriber.id, LISTING_DAY.isoformat())
    assert items
    titles = papers.papers_by_ids(world.db, [i["id"] for i in items] + LIKED)
    for item in items:
        assert item["reason"] in REASONS
        assert f"Why: {item['why']}" in text
        assert item["id"] not in LIKED  # what I gave is not sent back to me
        if item["reason"] in {"liked", "profile"}:  # "resembles X, which you liked": X is a paper I liked
            assert item["resembles"] in LIKED
    assert any(item["reason"] in {"liked", "profile"} for item in items)

    # 4. "More like this" on the first paper, from the mail: the link's page, then its button.
    more_links = re.findall(rf"More like this: ({BASE}/fb/\S+)", text)
    assert len(more_links) == len(items)
    chosen = items[0]["id"]
    more = path_of(more_links[0])
    done = press(client, more)
    assert "Got it: more like this" in done.text
    assert [(f.paper_id, f.kind) for f in feedback.for_reader(world.db, subscriber.id)] == [(chosen, "more")]

    # 5. The next listing day: its digest recommends papers because they resemble the one I asked more of,
    # and says so.
    service.ingest_jsonl(world.db, world.settings, [NEXT_DAY_FILE])
    world.search.catch_up()
    send_digests(world, NEXT_DAY, datetime(2026, 5, 15, 12, 0))
    [_, _, second] = smtp_sink.to(email)
    next_items = planned(world, subscriber.id, NEXT_DAY.isoformat())
    because = [item for item in next_items if item.get("resembles") == chosen]
    assert because, next_items
    short = titles[chosen]["title"][:40]
    for item in because:
        assert "which you asked for more like" in item["why"]
        assert short in item["why"]
        assert f"Why: {item['why']}" in plain(second)
    assert not {i["id"] for i in items} & {i["id"] for i in next_items}  # never a paper twice

    # 6. Undo, from the page the link opened: the feedback is gone, and the next digest would not cite it.
    page = client.get(more)
    assert f'action="{more}/undo"' in page.text
    token = CSRF.search(page.text)
    assert token
    assert "Undone" in client.post(f"{more}/undo", data={"csrf_token": token.group(1)}).text
    assert feedback.for_reader(world.db, subscriber.id) == []
    sent = {i["id"] for i in items}
    again = picks_for(
        world.db, world.settings, world.search, reader_for(world.db, subscriber), NEXT_DAY, 10, exclude=sent
    )
    assert again.items
    assert all(pick.resembles != chosen and "asked for more like" not in pick.why for pick in again.items)
