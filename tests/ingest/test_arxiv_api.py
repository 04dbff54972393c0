"""arXiv API: parsing recorded Atom feeds (arxiv.py's golden files) and paging through a real HTTP server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from paperwire.core.records import PaperRecord, SourceError
from paperwire.ingest.arxiv_api import fetch_api_pages, parse_atom_feed, parse_atom_files
from paperwire.ingest.http import PoliteClient
from testkit.recordings import API_DIR, api_fixture, api_recording
from testkit.replay_server import ReplayServer

SEARCH_PAGES = [
    "q_testing_s0_m10_bc5a6c384fe9.json",
    "q_testing_s10_m10_34e56e15aaac.json",
    "q_testing_s20_m10_348a237fecab.json",
]


def paper(item: object) -> PaperRecord:
    assert isinstance(item, PaperRecord), item
    return item


def test_entry_with_many_authors_in_order() -> None:
    page = parse_atom_feed(api_fixture("id_1707.08567_s0_m100_6a1afebfc6a3.xml"))
    assert (page.total_results, page.start_index, page.items_per_page) == (1, 0, 100)
    record = paper(page.items[0])
    assert (record.id, record.version) == ("1707.08567", 1)
    assert record.title == "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications"
    assert len(record.authors) == 34
    assert record.authors[:3] == ("Kees A. Schouhamer Immink", "Stan Baggen", "Ferdaous Chaabane")
    assert record.authors[-2:] == ("Dirk Wübben", "Hirosuke Yamamoto")  # UTF-8 decoded
    assert record.categories == ("cs.IT",)
    assert record.comments == "44 pages, editors for the proceedings: Yanling Chen and A. J. Han Vinck"
    assert record.submitted == record.updated == datetime(2017, 7, 27, 8, 18, 33)
    assert record.abstract.startswith('The 10th Asia-Europe workshop in "Concepts in Information Theory')
    assert record.source == "arxiv-api"


def test_old_style_id_affiliations_and_journal_ref() -> None:
    record = paper(parse_atom_feed(api_fixture("id_astro-ph_0601001_s0_m100_3150dca9dc76.xml")).items[0])
    assert (record.id, record.version) == ("astro-ph/0601001", 1)
    assert record.authors == ("Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski")
    assert record.categories == ("astro-ph",)
    assert record.journal_ref == "ActaAstron.56:1-50,2006"
    assert record.comments is not None
    assert record.comments.startswith("62 pages including 16 figures and 9 tables. Submitted to Acta")
    assert "Gould & Morgan (2003)" in record.abstract  # entities decoded
    assert "V_max<17.5" in record.abstract


def test_classic_feed_doi_version_and_primary_category() -> None:
    record = paper(parse_atom_feed(api_fixture("id_list=1111.2011v2.xml")).items[0])
    assert (record.id, record.version) == ("1111.2011", 2)
    assert record.title == ("Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit")
    assert record.authors == ("James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic")
    assert record.categories == ("cond-mat.str-el", "cond-mat.stat-mech")
    assert record.doi == "10.1103/PhysRevB.85.115117"
    assert record.journal_ref == "Phys. Rev. B 85, 115117 (2012)"
    assert record.comments == "8 pages, 3 figures. Published version"
    assert record.submitted == datetime(2011, 11, 8, 18, 48, 36)  # published: v1
    assert record.updated == datetime(2012, 4, 2, 12, 38, 54)  # this version


def test_search_page_fields() -> None:
    page = parse_atom_feed(api_fixture("q_testing_s0_m10_bc5a6c384fe9.json"))
    assert (page.total_results, page.start_index, page.items_per_page) == (214881, 0, 10)
    assert page.entry_count == 10
    first, second, third = (paper(item) for item in page.items[:3])
    assert first.id == "2202.12139"
    assert first.categories == ("cs.SE", "cs.LG")
    assert first.authors == ("Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker")
    assert first.doi == "10.1109/ICSTW55395.2022.00035"
    assert first.journal_ref is not None
    assert first.journal_ref.startswith("Artificial Intelligence in Software Testing @ 2022 IEEE")
    assert second.authors == ("Aurora Ramírez", "Mario Berrios", "José Raúl Romero", "Robert Feldt")
    assert (third.id, third.version) == ("2005.14124", 2)
    assert third.submitted == datetime(2020, 5, 28, 16, 19, 50)
    assert third.updated == datetime(2020, 7, 16, 8, 15, 48)
    assert third.categories == ("cs.SE", "cs.CR", "cs.LG")


def test_title_that_looks_like_a_number() -> None:
    record = paper(parse_atom_feed(api_fixture("id_2104.12255v1_s0_m100_6ae69987ffe1.xml")).items[0])
    assert (record.id, record.version, record.title) == ("2104.12255", 1, "0")
    assert record.authors == ("Quan Thoi Minh Nguyen",)
    assert record.categories == ("cs.CR",)


def test_unknown_id_gives_an_empty_feed() -> None:
    page = parse_atom_feed(api_fixture("id_0000.0000_s0_m100_8b51d9633a68.json"))
    assert (page.items, page.total_results, page.entry_count) == ([], 0, 0)
    # one of two requested ids unknown: the feed just leaves it out
    mixed = parse_atom_feed(api_fixture("id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.xml"))
    assert [paper(item).id for item in mixed.items] == ["1707.08567"]


def test_entry_with_empty_id_is_skipped() -> None:
    # The API used to answer an unknown id with an entry whose <id> is empty; no recording has one, so
    # this inserts such an entry into the real 2104.12255v1 feed.
    data = api_fixture("id_2104.12255v1_s0_m100_6ae69987ffe1.xml")
    data = data.replace(b"  <entry>", b"  <entry>\n    <id/>\n    <title/>\n  </entry>\n  <entry>", 1)
    page = parse_atom_feed(data)
    assert [paper(item).id for item in page.items] == ["2104.12255"]
    assert page.entry_count == 2


def test_error_feed_is_a_source_error_with_the_api_message() -> None:
    recording = api_recording("id_abc_s0_m100_b79c8dcf6bc3.json")
    assert recording.status == 400
    with pytest.raises(SourceError) as raised:
        parse_atom_feed(recording.body)
    assert str(raised.value) == "arXiv API error: incorrect id format for abc"


def test_not_an_atom_feed() -> None:
    with pytest.raises(SourceError, match=r"not an arXiv API response: root element is <rss>"):
        parse_atom_feed(b'<rss version="2.0"><channel/></rss>')
    with pytest.raises(SourceError, match=r"^malformed arXiv API Atom XML: "):
        parse_atom_feed(api_fixture("id_2104.12255v1_s0_m100_6ae69987ffe1.xml")[:500])


def test_parse_atom_files() -> None:
    paths = [API_DIR / "id_1707.08567_s0_m100_6a1afebfc6a3.xml", API_DIR / "id_list=1111.2011v2.xml"]
    pages = list(parse_atom_files(paths))
    assert [[paper(item).id for item in page.items] for page in pages] == [["1707.08567"], ["1111.2011"]]
    assert [page.resume for page in pages] == [{"next_file": str(paths[1])}, None]
    assert [page.total for page in pages] == [1, 1]


# --- paging over HTTP ------------------------------------------------------------------------------------


def test_fetch_pages_a_search_with_start_and_max_results(
    replay_server: ReplayServer, make_client: Callable[..., PoliteClient]
) -> None:
    replay_server.queue("/api/query", *(api_recording(name) for name in SEARCH_PAGES))
    pages = list(
        fetch_api_pages(make_client(), replay_server.url("/api/query"), query="testing", page_size=10, max_results=30)
    )
    assert [request.query for request in replay_server.requests] == [
        "search_query=testing&start=0&max_results=10",
        "search_query=testing&start=10&max_results=10",
        "search_query=testing&start=20&max_results=10",
    ]
    assert [page.resume for page in pages] == [{"start": 10}, {"start": 20}, None]
    assert [page.total for page in pages] == [30, 30, 30]
    assert [page.progress for page in pages] == [10, 20, 30]
    assert [paper(page.items[0]).id for page in pages] == ["2202.12139", "2403.16981", "2008.01944"]
    assert sum(len(page.items) for page in pages) == 30


def test_fetch_default_page_size_stops_on_an_empty_page(
    replay_server: ReplayServer, make_client: Callable[..., PoliteClient]
) -> None:
    # The full page is the real start=0 recording; the empty page (arXiv sometimes returns one before
    # totalResults is reached) is the real answer for an unknown id.
    replay_server.queue(
        "/api/query",
        api_recording("q_testing_s0_m100_cfe7536492ca.json"),
        api_recording("id_0000.0000_s0_m100_8b51d9633a68.json"),
    )
    pages = list(fetch_api_pages(make_client(), replay_server.url("/api/query"), query="testing"))
    assert [request.params for request in replay_server.requests] == [
        {"search_query": "testing", "start": "0", "max_results": "100"},
        {"search_query": "testing", "start": "100", "max_results": "100"},
    ]
    assert [len(page.items) for page in pages] == [100, 0]
    assert [page.resume for page in pages] == [{"start": 100}, None]


def test_fetch_id_list(replay_server: ReplayServer, make_client: Callable[..., PoliteClient]) -> None:
    replay_server.queue("/api/query", api_recording("id_0000.0000_s0_m100_8b51d9633a68.json"))
    url = replay_server.url("/api/query")
    pages = list(fetch_api_pages(make_client(), url, ids=["0808.05394", "1707.08567"]))
    assert replay_server.requests[0].params == {
        "id_list": "0808.05394,1707.08567",
        "start": "0",
        "max_results": "100",
    }
    assert len(pages) == 1
    assert pages[0].resume is None


def test_fetch_error_feed_is_a_source_error(
    replay_server: ReplayServer, make_client: Callable[..., PoliteClient]
) -> None:
    replay_server.queue("/api/query", api_recording("id_abc_s0_m100_b79c8dcf6bc3.json"))
    with pytest.raises(SourceError) as raised:
        list(fetch_api_pages(make_client(), replay_server.url("/api/query"), ids=["abc"]))
    assert str(raised.value) == "arXiv API error: incorrect id format for abc (HTTP 400)"


def test_fetch_needs_ids_or_a_query(make_client: Callable[..., PoliteClient]) -> None:
    with pytest.raises(ValueError, match="needs ids or a query"):
        list(fetch_api_pages(make_client(), "http://127.0.0.1:9/api/query"))
