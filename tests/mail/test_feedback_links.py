"""Feedback from the digest that mail scanners cannot trigger (issue 14): opening any link of a real digest,
delivered through a real SMTP server, changes no feedback, save or setting; the buttons POST (with CSRF) and
can be undone; tampered, foreign and expired links open nothing; a scanner's burst of clicks counts for
nothing, a person's click does."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from paperwire.db import clicks as click_store
from paperwire.db import feedback as feedback_store
from paperwire.db import subscribers as subs
from paperwire.db.engine import Database
from paperwire.db.schema import feedback, mail_clicks, outbox, signals, subscribers, users
from paperwire.mail.clicks import SCANNER_WINDOW, looks_like_scanner, record_click
from paperwire.mail.digest import due_on_day, plan_digests
from paperwire.mail.links import CLICK, FEEDBACK, Links
from paperwire.mail.sender import Sender
from paperwire.web.app import create_app
from testkit.mail_world import LISTING_DAY, NOW, World
from testkit.smtp_sink import SmtpSink

BASE = "https://papers.example.org"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def client(world: World) -> TestClient:
    # base_url is https in these settings, so the session cookie is Secure: talk https to the app.
    return TestClient(create_app(world.settings, db=world.db, search=world.search), base_url="https://testserver")


class Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [value for name, value in attrs if name == "href" and value]


def every_link(message: Any) -> list[str]:
    """Every http(s) link of the mail: the HTML part's hrefs, the text part's URLs, the List-Unsubscribe URL."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    parser = Hrefs()
    parser.feed(html)
    found = set(parser.hrefs) | set(re.findall(r"https?://\S+", text))
    found |= set(re.findall(r"<(https?://[^>]+)>", message["List-Unsubscribe"]))
    return sorted(link for link in found if link.startswith("http"))


def state(db: Database) -> dict[str, Any]:
    """What a GET must not change: feedback, saves and votes, every subscriber setting, the accounts."""
    with db.read() as conn:
        return {
            "feedback": sorted(map(tuple, conn.execute(select(feedback)).all())),
            "reactions": sorted(
                map(tuple, conn.execute(select(signals).where(signals.c.kind.in_(("save", "upvote")))).all())
            ),
            "subscribers": sorted(map(tuple, conn.execute(select(subscribers)).all())),
            "users": sorted(map(tuple, conn.execute(select(users)).all())),
        }


def deliver_digest(world: World, smtp_sink: SmtpSink, email: str, **prefs: Any) -> Any:
    world.subscriber(email, **prefs)
    plan_digests(world.db, world.settings, world.search, due=due_on_day(world.db, LISTING_DAY), now=NOW)
    Sender(world.db, world.settings).run(until_empty=True)
    [message] = smtp_sink.to(email)
    return message


def test_opening_every_link_of_a_real_digest_changes_nothing(
    world: World, smtp_sink: SmtpSink, client: TestClient
) -> None:
    message = deliver_digest(world, smtp_sink, "ada@example.org", topics=["language models"], digest_size=5)
    links = every_link(message)
    paths = [link.removeprefix(BASE) or "/" for link in links if link.startswith(BASE)]
    kinds = {path.split("/")[1] for path in paths}
    # The digest has every kind of link: paper (click), more/fewer/save, manage, unsubscribe.
    assert {"c", "fb", "manage", "u"} <= kinds, kinds
    assert sum(path.startswith("/fb/") for path in paths) == 15  # 5 papers x more, fewer, save
    before = state(world.db)
    for path in paths:  # what a scanner does: open each link, follow redirects, twice
        for _ in range(2):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
    assert state(world.db) == before
    # The click links were opened within seconds of delivery, all of them: a scanner's, so they count for
    # nothing in trending (no click signal left, no page view either) and not for the profile.
    with world.db.read() as conn:
        clicks = conn.execute(select(mail_clicks.c.scanner)).scalars().all()
        counted = conn.execute(select(signals).where(signals.c.kind.in_(("click", "view")))).all()
    assert len(clicks) == 10
    assert all(clicks)
    assert counted == []
    subscriber = subs.find(world.db, "ada@example.org")
    assert subscriber is not None
    assert click_store.human_clicks(world.db, [subscriber.id]) == {}


def kinds(db: Database, subscriber_id: int) -> set[str]:
    return {f.kind for f in feedback_store.for_reader(db, subscriber_id) if f.paper_id == "2605.12570"}


def press(client: TestClient, path: str, *, undo: bool = False) -> Any:
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = CSRF.search(page.text)
    assert match
    return client.post(path + ("/undo" if undo else ""), data={"csrf_token": match.group(1)})


def test_more_like_this_button_records_and_undo_takes_it_back(world: World, client: TestClient) -> None:
    subscriber = world.subscriber("bea@example.org")
    path = Links.build(world.settings).more(subscriber.id, "2605.12570").removeprefix(BASE)
    page = client.get(path)
    assert page.status_code == 200
    assert "More like this?" in page.text
    assert f'action="{path}"' in page.text
    assert kinds(world.db, subscriber.id) == set()
    done = press(client, path)
    assert done.status_code == 200
    assert "Got it: more like this" in done.text
    assert f'action="{path}/undo"' in done.text  # the result page offers Undo
    assert kinds(world.db, subscriber.id) == {"more"}
    assert "Got it: more like this" in client.get(path).text  # opening it again says so, changes nothing
    undone = press(client, path, undo=True)
    assert undone.status_code == 200
    assert "Undone" in undone.text
    assert kinds(world.db, subscriber.id) == set()


@pytest.mark.parametrize("kind", ["fewer", "save"])
def test_fewer_and_save_buttons(world: World, client: TestClient, kind: str) -> None:
    subscriber = world.subscriber(f"{kind}@example.org")
    path = Links.build(world.settings).feedback(subscriber.id, "2605.12570", kind).removeprefix(BASE)
    assert press(client, path).status_code == 200
    assert kinds(world.db, subscriber.id) == {kind}
    assert press(client, path, undo=True).status_code == 200
    assert kinds(world.db, subscriber.id) == set()


def test_the_button_needs_the_pages_csrf_token(world: World, client: TestClient) -> None:
    subscriber = world.subscriber("cy@example.org")
    path = Links.build(world.settings).more(subscriber.id, "2605.12570").removeprefix(BASE)
    client.get(path)
    assert client.post(path).status_code == 403
    assert client.post(path, data={"csrf_token": "forged"}).status_code == 403
    assert kinds(world.db, subscriber.id) == set()


def test_old_fewer_links_open_the_same_page_and_record_only_on_post(world: World, client: TestClient) -> None:
    subscriber = world.subscriber("old@example.org")
    links = Links.build(world.settings)
    token = links.signer.make("fewer", {"s": subscriber.id, "p": "2605.12570"})  # as digests used to carry
    assert client.get(f"/f/{token}").status_code == 200
    assert client.get(f"/f/{token}").status_code == 200
    assert subs.fewer_like(world.db) == {}  # a GET used to record it: a scanner would mark every paper
    assert press(client, f"/f/{token}").status_code == 200
    assert subs.fewer_like(world.db) == {subscriber.id: {"2605.12570"}}


def test_tampered_foreign_and_expired_links_open_nothing(world: World, client: TestClient) -> None:
    subscriber = world.subscriber("dee@example.org")
    links = Links.build(world.settings)
    good = links.save(subscriber.id, "2605.12570").removeprefix(BASE)
    payload, stamp, mac = good.removeprefix("/fb/").split(".")
    tampered = f"/fb/{payload}.{stamp}.{mac[:-2]}{'AA' if not mac.endswith('AA') else 'BB'}"
    forged = links.signer.make(FEEDBACK, {"s": subscriber.id, "p": "2605.12570", "k": "unsubscribe"})
    foreign = links.signer.make(CLICK, {"s": subscriber.id, "p": "2605.12570"})  # a click token is not feedback
    old = time.time() - 200 * 86400
    expired = links.signer.make(FEEDBACK, {"s": subscriber.id, "p": "2605.12570", "k": "save"}, now=old)
    match = CSRF.search(client.get("/subscribe").text)
    assert match
    for path in (tampered, f"/fb/{forged}", f"/fb/{foreign}", f"/fb/{expired}"):
        assert client.get(path).status_code == 400, path
        assert client.post(path, data={"csrf_token": match.group(1)}).status_code == 400, path
        assert client.post(path + "/undo", data={"csrf_token": match.group(1)}).status_code == 400, path
    assert "expired" in client.get(f"/fb/{expired}").text
    assert kinds(world.db, subscriber.id) == set()
    # A link minted for a deleted subscription does not act for the next one that gets its id.
    subs.remove(world.db, subscriber.id)
    assert client.get(good).status_code == 400


# --- scanner clicks ----------------------------------------------------------------------------------------


def test_scanner_rule() -> None:
    sent = NOW
    early = [(f"p{i}", sent + timedelta(seconds=2 + i)) for i in range(10)]
    assert looks_like_scanner(sent_at=sent, paper_count=10, clicks=early)  # every link within seconds
    assert looks_like_scanner(sent_at=sent, paper_count=10, clicks=early[:6])  # most of them
    assert not looks_like_scanner(sent_at=sent, paper_count=10, clicks=early[:5])
    late = [(paper, at + SCANNER_WINDOW) for paper, at in early]
    assert not looks_like_scanner(sent_at=sent, paper_count=10, clicks=late)  # a reader, later, opening all
    assert not looks_like_scanner(sent_at=sent, paper_count=1, clicks=early[:1])  # one paper: can't tell
    assert looks_like_scanner(sent_at=sent, paper_count=2, clicks=early[:2])
    twice = [early[0], (early[0][0], early[0][1] + timedelta(seconds=1))]
    assert not looks_like_scanner(sent_at=sent, paper_count=2, clicks=twice)  # one paper opened twice


def sent_digest(world: World, email: str, size: int) -> tuple[int, list[str], Any]:
    subscriber = world.subscriber(email, topics=["language models"], digest_size=size)
    plan_digests(world.db, world.settings, world.search, due=due_on_day(world.db, LISTING_DAY), now=NOW)
    Sender(world.db, world.settings).run(until_empty=True)
    with world.db.read() as conn:
        row = conn.execute(select(outbox).where(outbox.c.subscriber_id == subscriber.id)).mappings().one()
    return subscriber.id, [item["id"] for item in row["payload"]["items"]], row["sent_at"]


def click_signals(db: Database, subscriber_id: int) -> set[str]:
    query = select(signals.c.paper_id).where(signals.c.kind == "click", signals.c.actor == str(subscriber_id))
    with db.read() as conn:
        return set(conn.execute(query).scalars())


def test_a_burst_right_after_delivery_is_withdrawn_and_later_clicks_count(world: World, smtp_sink: SmtpSink) -> None:
    subscriber_id, papers, sent_at = sent_digest(world, "eve@example.org", 5)
    assert len(papers) == 5
    outcomes = [
        record_click(world.db, subscriber_id=subscriber_id, paper_id=paper, now=sent_at + timedelta(seconds=3 + i))
        for i, paper in enumerate(papers)
    ]
    # The first two were counted (nothing to tell yet); the third made the burst plain, and all went.
    assert [o.counted for o in outcomes] == [True, True, False, False, False]
    assert click_signals(world.db, subscriber_id) == set()
    # The reader comes back an hour later and opens two papers: those count, for trending and the profile.
    later = sent_at + timedelta(hours=1)
    assert record_click(world.db, subscriber_id=subscriber_id, paper_id=papers[1], now=later).counted
    assert record_click(world.db, subscriber_id=subscriber_id, paper_id=papers[3], now=later + SCANNER_WINDOW).counted
    assert click_signals(world.db, subscriber_id) == {papers[1], papers[3]}
    assert click_store.human_clicks(world.db, [subscriber_id]) == {
        subscriber_id: [papers[3], papers[1]]
    }  # newest first


def test_a_reader_opening_two_of_five_papers_counts(world: World, smtp_sink: SmtpSink) -> None:
    subscriber_id, papers, sent_at = sent_digest(world, "fay@example.org", 5)
    for paper in papers[:2]:
        assert record_click(world.db, subscriber_id=subscriber_id, paper_id=paper, now=sent_at + timedelta(seconds=20))
    assert click_signals(world.db, subscriber_id) == set(papers[:2])
    assert set(click_store.human_clicks(world.db)[subscriber_id]) == set(papers[:2])


def test_the_click_route_flags_a_scanner_and_lands_without_counting_a_view(
    world: World, smtp_sink: SmtpSink, client: TestClient
) -> None:
    subscriber_id, papers, _ = sent_digest(world, "gus@example.org", 3)
    links = Links.build(world.settings)
    for paper in papers:
        response = client.get(links.paper(subscriber_id, paper).removeprefix(BASE), follow_redirects=False)
        assert response.status_code == 302
        assert response.headers["location"] == f"/papers/{paper}?from=digest"
        assert client.get(response.headers["location"]).status_code == 200
    with world.db.read() as conn:
        assert conn.execute(select(mail_clicks.c.scanner)).scalars().all() == [True, True, True]
        assert conn.execute(select(signals).where(signals.c.kind.in_(("click", "view")))).all() == []
