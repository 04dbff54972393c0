"""arXiv RSS: the current RSS 2.0 feeds (rss.arxiv.org) and the old RSS 1.0 / RDF ones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from paperwire.core.records import PaperRecord, RecordError, SourceError
from paperwire.ingest.http import PoliteClient
from paperwire.ingest.rss import fetch_rss, parse_rss, parse_rss_entries, parse_rss_files
from testkit.recordings import RSS_DIR, rss_fixture
from testkit.replay_server import ReplayServer, Reply

RSS_HEADERS = {"Content-Type": "application/rss+xml"}


def paper(item: object) -> PaperRecord:
    assert isinstance(item, PaperRecord), item
    return item


def test_rss2_items() -> None:
    entries = parse_rss_entries(rss_fixture("arxiv_cs_ai.xml"))
    assert [entry.announce_type for entry in entries] == ["new", "new", "new"]
    first = paper(entries[0].record)
    assert (first.id, first.version) == ("2604.21935", 1)
    assert first.title == "Math Takes Two: A test for emergent mathematical reasoning in communication"
    assert first.authors == ("Michael Cooper", "Samuel Cooper")
    assert first.categories == ("cs.AI", "cs.LG")
    assert first.announced == date(2026, 4, 27)
    assert first.license == "http://creativecommons.org/licenses/by/4.0/"
    # the "arXiv:... Announce Type: new Abstract:" prefix is not part of the abstract
    assert first.abstract.startswith("Although language models demonstrate remarkable proficiency")
    assert first.abstract.endswith("models with emergent numerical reasoning capabilities.")
    assert first.source == "rss"
    agents = paper(entries[1].record)
    assert agents.categories == ("cs.AI", "cs.CV", "cs.MA")
    assert len(agents.authors) == 18
    assert (agents.authors[0], agents.authors[-1]) == ("Lianrui Zuo", "Bennett A. Landman")
    assert [paper(e.record).id for e in entries] == ["2604.21935", "2604.21936", "2604.21937"]


def test_rss2_other_categories() -> None:
    records = [paper(item) for item in parse_rss(rss_fixture("arxiv_cs_lg.xml"))]
    assert records[0].id == "2604.21952"
    assert records[0].categories == ("cs.LG", "cs.AI", "cs.AR", "cs.NE", "cs.RO")
    cl = [paper(item) for item in parse_rss(rss_fixture("arxiv_cs_cl.xml"))]
    assert cl[0].authors == ("Anamta Khan", "Ratna Kandala", "Deepti", "Sheza Munir", "Joyojeet Pal")
    assert cl[0].license == "http://creativecommons.org/licenses/by-nc-sa/4.0/"


def test_rss2_replacement_carries_the_new_version_and_no_announced_date() -> None:
    # No recording has a replacement: the real first cs.AI item, edited as rss.arxiv.org writes one.
    data = rss_fixture("arxiv_cs_ai.xml")
    data = data.replace(b"arXiv:2604.21935v1 Announce Type: new", b"arXiv:2604.21935v3 Announce Type: replace", 1)
    data = data.replace(b"<arxiv:announce_type>new</", b"<arxiv:announce_type>replace</", 1)
    entries = parse_rss_entries(data)
    replaced = paper(entries[0].record)
    assert entries[0].announce_type == "replace"
    assert (replaced.id, replaced.version, replaced.announced) == ("2604.21935", 3, None)
    assert replaced.abstract.startswith("Although language models")
    assert paper(entries[1].record).announced == date(2026, 4, 27)


def test_rdf_items() -> None:
    entries = parse_rss_entries(rss_fixture("sampleDailyFeed1.xml"))
    assert [entry.announce_type for entry in entries] == ["new", "cross", "replace-cross"]
    lhcb, wilson, fireball = (paper(entry.record) for entry in entries)
    assert (lhcb.id, lhcb.version) == ("2107.03419", 1)
    # the feed's title suffix "(arXiv:2107.03419v1 [hep-ex])" is removed
    # (the tab comes from the fixture: PhysBiblio's test string turned "\to" into a tab)
    assert lhcb.title == (r"Observation of excited $\Omega_c^0$ baryons in $\Omega_b^- o \Xi_c^+ K^-\pi^-$ decays")
    assert lhcb.authors == ("LHCb collaboration", "R. Aaij")  # links stripped, "et al. (909 ...)" dropped
    assert lhcb.categories == ("hep-ex",)
    assert lhcb.announced == date(2021, 7, 8)
    assert lhcb.abstract == "desc1"
    assert (wilson.id, wilson.version) == ("2106.00550", 2)
    assert wilson.title == "Potential applications of modular representation theory to quantum mechanics"
    assert wilson.authors == ("Robert A. Wilson",)
    assert wilson.categories == ("math.GR", "hep-ex")  # primary from the title, then the feed's
    assert wilson.announced == date(2021, 7, 8)
    assert (fireball.id, fireball.version, fireball.announced) == ("2007.03939", 2, None)
    assert fireball.categories == ("hep-ph", "hep-ex")
    assert fireball.authors == (
        "Partha Pratim Bhaduri",
        "Mubarak Alqahtani",
        "Nicolas Borghini",
        "Amaresh Jaiswal",
        "Michael Strickland",
    )


def test_rdf_item_without_title_is_a_record_error() -> None:
    items = parse_rss(rss_fixture("sampleDailyFeed2.xml"))
    assert items[0] == RecordError("2107.03419", "missing title")
    assert paper(items[1]).id == "2106.00550"
    assert paper(items[1]).abstract == ""  # this excerpt dropped the description
    assert paper(items[2]).authors == ()


def test_not_a_feed_is_a_source_error() -> None:
    with pytest.raises(SourceError, match=r"not an RSS or RDF feed: root element is <feed>"):
        parse_rss(b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>')
    with pytest.raises(SourceError, match=r"expected RSS, got an HTML page: 'Not Found'"):
        parse_rss(b"<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>")
    with pytest.raises(SourceError, match=r"^malformed RSS XML: "):
        parse_rss(rss_fixture("arxiv_cs_ai.xml")[:1000])


def test_empty_channel_is_an_empty_list() -> None:
    # rss.arxiv.org serves the channel without items on days with no announcements
    data = rss_fixture("arxiv_cs_cl.xml")
    empty = data[: data.index(b"<item>")] + b"</channel>\n</rss>"
    assert parse_rss(empty) == []


def test_parse_rss_files() -> None:
    paths = [RSS_DIR / "arxiv_cs_ai.xml", RSS_DIR / "sampleDailyFeed1.xml"]
    pages = list(parse_rss_files(paths))
    assert [len(page.items) for page in pages] == [3, 3]
    assert [page.resume for page in pages] == [{"next_file": str(paths[1])}, None]


def test_fetch_one_page_per_category(replay_server: ReplayServer, make_client: Callable[..., PoliteClient]) -> None:
    replay_server.queue("/rss/cs.AI", Reply(200, rss_fixture("arxiv_cs_ai.xml"), RSS_HEADERS))
    replay_server.queue("/rss/cs.LG", Reply(200, rss_fixture("arxiv_cs_lg.xml"), RSS_HEADERS))
    pages = list(fetch_rss(make_client(), replay_server.url("/rss/"), ["cs.AI", "cs.LG"]))
    assert [request.path for request in replay_server.requests] == ["/rss/cs.AI", "/rss/cs.LG"]
    assert [page.label for page in pages] == ["RSS cs.AI", "RSS cs.LG"]
    assert [page.resume for page in pages] == [{"next_category": "cs.LG"}, None]
    assert [paper(page.items[0]).id for page in pages] == ["2604.21935", "2604.21952"]


def test_fetch_http_error(replay_server: ReplayServer, make_client: Callable[..., PoliteClient]) -> None:
    replay_server.queue("/rss/cs.XX", Reply(404, b"<html><body>Not Found</body></html>"))
    url = replay_server.url("/rss/")
    with pytest.raises(SourceError) as raised:
        list(fetch_rss(make_client(), url, ["cs.XX"]))
    assert str(raised.value) == f"{url}cs.XX answered HTTP 404: 'Not Found'"
