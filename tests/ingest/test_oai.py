"""OAI-PMH: parsing real arXiv responses (arXiv, arXivRaw, oai_dc); harvesting through a real HTTP server."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from paperwire.core.records import PaperRecord, RecordError, SourceError, Version
from paperwire.ingest.http import PoliteClient
from paperwire.ingest.oai import (
    OaiPage,
    fetch_oai_pages,
    parse_oai_files,
    parse_oai_page,
    raise_for_oai_error,
)
from testkit.recordings import OAI_CHAIN, OAI_DIR, SleepRecorder, oai_fixture
from testkit.replay_server import ReplayServer, Reply

ARXIV_FORMAT_PAGE = "nock-fixtures_b0fef78_oaipmh-listrecords---should-list-identifiers-from-arxiv__1_http200.xml"
XML = {"Content-Type": "text/xml; charset=utf-8"}


def paper(item: object) -> PaperRecord:
    assert isinstance(item, PaperRecord), item
    return item


def by_id(items: list[PaperRecord | RecordError]) -> dict[str, PaperRecord]:
    return {record.id: record for record in map(paper, items)}


# --- the 2,265-record oai_dc chain (SciXHarvesterPipeline, 2023-03-07 harvest) -----------------------------


@pytest.fixture(scope="module")
def chain() -> list[OaiPage]:
    return [parse_oai_page(oai_fixture(path.name)) for path in OAI_CHAIN]


def test_chain_parses_to_2265_unique_records_with_tokens(chain: list[OaiPage]) -> None:
    assert [page.resumption_token for page in chain] == ["6511260|1001", "6511260|2001", None]
    assert [page.complete_list_size for page in chain] == [2265, 2265, 2265]
    assert [page.cursor for page in chain] == [0, 1000, 2000]
    assert [len(page.items) for page in chain] == [1000, 1000, 265]
    ids = [paper(item).id for page in chain for item in page.items]
    assert len(ids) == len(set(ids)) == 2265
    assert chain[0].response_date == datetime(2023, 3, 7, 18, 54, 5)
    assert chain[1].response_date == datetime(2023, 3, 7, 18, 54, 56)
    assert {page.max_datestamp for page in chain} == {"2023-03-07"}
    assert all(page.error_code is None for page in chain)
    # first and last record of every page
    assert [(paper(p.items[0]).id, paper(p.items[-1]).id) for p in chain] == [
        ("0806.4410", "2303.00735"),
        ("2303.00907", "2303.03123"),
        ("2303.03124", "nlin/0202021"),
    ]


def test_oai_dc_record_fields(chain: list[OaiPage]) -> None:
    record = paper(chain[0].items[0])
    assert record.id == "0806.4410"
    assert record.title == "Summing the curious series of Kempner and Irwin"
    assert record.authors == ("Robert Baillie",)
    # "40-01, 65B10" is an MSC code, not a category: dropped
    assert record.categories == ("math.CA", "math.NT")
    assert record.primary_category == "math.CA"
    assert record.abstract.startswith("In 1914, Kempner proved that the series 1/1 + 1/2 + ...")
    assert record.comments == (
        "29 pages, 2 figures, 10 tables. Several new sections. Expanded Mathematica code, "
        "which is now in the ancillary files"
    )
    assert record.submitted == datetime(2008, 6, 27)
    assert record.updated == datetime(2023, 3, 4)
    assert (record.doi, record.journal_ref, record.version, record.deleted) == (None, None, None, False)
    assert record.source == "oai"


def test_oai_dc_identifiers_give_doi_and_journal_ref(chain: list[OaiPage]) -> None:
    records = by_id([item for page in chain for item in page.items])
    nielsen = records["1401.4788"]
    assert nielsen.doi == "10.1016/j.patrec.2014.01.002"
    assert nielsen.journal_ref == "Pattern Recognition Letters 42 (2014): 25-34"
    assert nielsen.categories == ("cs.CV", "cs.IT")
    allen = records["1308.5395"]
    assert allen.journal_ref == "IFLA Newspaper and Genealogy Section Meeting, Singapore, Aug 2013"
    assert allen.doi is None


def test_oai_dc_physics_subjects_and_creators(chain: list[OaiPage]) -> None:
    records = by_id([item for page in chain for item in page.items])
    holography = records["2203.08249"]
    assert holography.categories == ("hep-th", "math-ph", "math.AG", "math.DG")
    assert holography.authors == ("Murad Alim", "Lotte Hollands", "Iván Tulli")
    assert holography.doi == "10.3842/SIGMA.2023.009"
    assert holography.journal_ref == "SIGMA 19 (2023), 009, 82 pages"
    assert records["2206.01499"].categories == (
        "cond-mat.stat-mech",
        "cond-mat.str-el",
        "nlin.SI",
        "quant-ph",
    )
    assert records["2206.01499"].authors[2] == "Christopher Aßmus"
    assert records["2112.10749"].categories == ("astro-ph.CO",)
    assert records["2012.10328"].categories == ("physics.optics", "cs.LG", "physics.atom-ph")
    legacy = records["nlin/0202021"]
    assert legacy.title == "R-matrix for a geodesic flow associated with a new integrable peakon equation"
    assert legacy.authors == ("Darryl D. Holm", "Zhijun Qiao")
    assert legacy.categories == ("nlin.SI", "nlin.PS")
    assert (legacy.submitted, legacy.updated) == (datetime(2002, 2, 8), datetime(2023, 3, 5))


def test_oai_dc_punctuation_only_creators_are_dropped(chain: list[OaiPage]) -> None:
    # arXiv's own split of "... groups, Other collaborations: M. Cerruti, ..." yields a creator ":".
    authors = [a for page in chain for item in page.items for a in paper(item).authors]
    assert ":" not in authors
    assert "." not in authors


def test_oai_dc_forename_starting_with_sr_is_inverted(chain: list[OaiPage]) -> None:
    routing = by_id(chain[0].items)["2303.00735"]
    assert routing.authors[3] == "Srikanth Kandula"


def test_oai_dc_doi_identifier_and_multiple_dates() -> None:
    page = parse_oai_page(oai_fixture("arxiv_multi_20230125.xml"))
    assert (page.resumption_token, page.complete_list_size, page.cursor) == ("6460044|1001", 1090, 0)
    records = by_id(page.items)
    assert list(records) == ["1009.1022", "1305.6404", "1412.1417"]
    quantum = records["1412.1417"]
    assert quantum.authors == ("Anna Beliakova", "Kazuo Habiro", "Aaron D. Lauda", "Ben Webster")
    assert quantum.categories == ("math.QA", "math.RT")
    assert quantum.doi == "10.1112/jlms.12001"
    assert quantum.journal_ref == ("Journal of the London Mathematical Society, Vol 95, Issue 1, 2017, pages 248-276")
    assert (quantum.submitted, quantum.updated) == (datetime(2014, 12, 3), datetime(2023, 1, 23))
    assert records["1305.6404"].doi == "10.1007/s00153-015-0433-z"


# --- arXiv and arXivRaw formats --------------------------------------------------------------------------


def test_arxiv_format_records() -> None:
    page = parse_oai_page(oai_fixture(ARXIV_FORMAT_PAGE))
    assert page.resumption_token is None
    assert page.max_datestamp == "2015-01-03"
    kochen, planck = (paper(item) for item in page.items)
    assert kochen.id == "1412.8544"
    assert kochen.title == "A Kochen-Specker system has at least 22 vectors (extended abstract)"
    assert kochen.authors == ("Sander Uijlen", "Bas Westerbaan")  # affiliations left out
    assert kochen.categories == ("cs.DM",)
    assert kochen.submitted == kochen.updated == datetime(2014, 12, 29)
    assert kochen.doi == "10.4204/EPTCS.172.11"
    assert kochen.journal_ref == "EPTCS 172, 2014, pp. 154-164"
    assert kochen.comments == "In Proceedings QPL 2014, arXiv:1412.8102"
    assert kochen.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert kochen.abstract.startswith("At the heart of the Conway-Kochen Free Will theorem")
    assert planck.id == "hep-th/9504118"
    assert planck.authors == ("M. Requardt",)
    assert planck.categories == ("hep-th",)
    assert planck.submitted == datetime(1995, 4, 24)
    assert planck.comments == "21 pages, Latex"


def test_arxiv_raw_record_with_versions() -> None:
    page = parse_oai_page(oai_fixture("GetRecordResponse.xml"))
    record = paper(page.items[0])
    assert record.id == "1302.2146"
    assert record.title == "The Same-Sign Dilepton Signature of RPV/MFV SUSY"
    assert record.authors == ("Joshua Berger", "Maxim Perelstein", "Michael Saelim", "Philip Tanedo")
    assert record.categories == ("hep-ph", "hep-ex")
    assert record.versions == (
        Version(1, datetime(2013, 2, 8, 21, 0, 1), "853kb"),
        Version(2, datetime(2013, 4, 2, 1, 50, 8), "849kb"),
    )
    assert record.version == 2
    assert record.submitted == datetime(2013, 2, 8, 21, 0, 1)
    assert record.updated == datetime(2013, 4, 2, 1, 50, 8)
    assert record.comments == "18 pages, 6 figures; v2: References added"
    assert record.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert page.response_date == datetime(2015, 1, 6, 20, 48, 16)
    assert page.max_datestamp == "2013-04-03"


def test_arxiv_raw_list_records_page() -> None:
    page = parse_oai_page(oai_fixture("ListRecordsResponse.xml"))
    assert (page.resumption_token, page.complete_list_size, page.cursor) == ("726959|1001", 58011, 0)
    records = by_id(page.items)
    assert list(records) == ["0704.0471", "0704.0716", "0704.0874", "0704.1109", "0704.1114", "0704.1586"]
    shetty = records["0704.0471"]
    assert shetty.authors == ("D.V. Shetty", "S.J. Yennello", "G.A. Souliotis")  # "A, B, and C"
    assert shetty.categories == ("nucl-ex", "nucl-th")
    # the field holds the paper's DOI and its erratum's, space-separated: the first is the paper's
    assert shetty.doi == "10.1103/PhysRevC.76.024606"
    assert shetty.journal_ref == "Phys.Rev.C76:024606,2007; Erratum-ibid.C76:039902,2007"
    richard = records["0704.0716"]
    assert [v.number for v in richard.versions] == [1, 2, 3, 4]
    assert (richard.version, richard.submitted, richard.updated) == (
        4,
        datetime(2007, 4, 5, 12, 45, 3),
        datetime(2008, 11, 14, 9, 7, 25),
    )
    assert richard.categories == ("math-ph", "math.MP")
    assert page.max_datestamp == "2014-12-22"


# --- deleted and broken records --------------------------------------------------------------------------


def test_deleted_record_is_kept_as_a_deletion() -> None:
    # No recording has a deleted arXiv record: this is the real 1412.8544 record from the arXiv-format
    # page, edited the way OAI-PMH marks deletions (status="deleted" header, no metadata).
    data = oai_fixture(ARXIV_FORMAT_PAGE)
    start, end = data.index(b"<record>"), data.index(b"</record>") + len(b"</record>")
    deleted = (
        b'<record>\n<header status="deleted">\n <identifier>oai:arXiv.org:1412.8544</identifier>\n'
        b" <datestamp>2015-01-04</datestamp>\n <setSpec>cs</setSpec>\n</header>\n</record>"
    )
    page = parse_oai_page(data[:start] + deleted + data[end:])
    gone, kept = (paper(item) for item in page.items)
    assert (gone.id, gone.deleted, gone.title, gone.abstract) == ("1412.8544", True, "", "")
    assert (kept.id, kept.deleted) == ("hep-th/9504118", False)
    assert page.max_datestamp == "2015-01-04"  # deletions move the datestamp too


def test_record_without_title_is_a_record_error_and_the_page_is_kept() -> None:
    data = oai_fixture(ARXIV_FORMAT_PAGE)
    broken = data.replace(b"<title>A Kochen-Specker system has at least 22 vectors (extended abstract)</title>", b"", 1)
    page = parse_oai_page(broken)
    assert page.items[0] == RecordError("1412.8544", "missing title")
    assert paper(page.items[1]).id == "hep-th/9504118"


def test_record_without_any_id_is_a_record_error() -> None:
    data = oai_fixture(ARXIV_FORMAT_PAGE)
    broken = data.replace(b"<identifier>oai:arXiv.org:1412.8544</identifier>", b"<identifier/>", 1)
    broken = broken.replace(b"<id>1412.8544</id>", b"", 1)
    page = parse_oai_page(broken)
    assert page.items[0] == RecordError(None, "missing id")
    assert paper(page.items[1]).id == "hep-th/9504118"


def test_unknown_metadata_format_is_a_record_error() -> None:
    data = oai_fixture(ARXIV_FORMAT_PAGE).replace(b"http://arxiv.org/OAI/arXiv/", b"http://example.org/other/")
    page = parse_oai_page(data)
    assert [type(item) for item in page.items] == [RecordError, RecordError]
    assert isinstance(page.items[0], RecordError)
    assert page.items[0].id == "1412.8544"
    assert "unsupported metadata format" in page.items[0].reason


# --- documents that are not usable -----------------------------------------------------------------------


def test_malformed_xml_is_a_source_error() -> None:
    truncated = oai_fixture("GetRecordResponse.xml")[:700]
    with pytest.raises(SourceError, match=r"^malformed OAI-PMH XML: .*line \d+, column \d+$"):
        parse_oai_page(truncated)
    with pytest.raises(SourceError, match=r"malformed OAI-PMH XML: not well-formed \(invalid token\)"):
        parse_oai_page(b'<?xml version="1.0"?>\n<OAI-PMH>\n<<ListRecords/>')
    with pytest.raises(SourceError, match="malformed OAI-PMH XML: no element found"):
        parse_oai_page(b"")


def test_html_page_is_a_source_error() -> None:
    with pytest.raises(SourceError, match=r"expected OAI-PMH, got an HTML page: 'Retry after 1 seconds'"):
        parse_oai_page(oai_fixture("arxiv_retry_after.html"))


def test_error_root_is_not_oai_pmh() -> None:
    body = oai_fixture("nock-fixtures_4d7b21b_oaipmh-errors-should-reject-malformed-xml-arxiv__0_http200.xml")
    expected = r"not an OAI-PMH response: root element is <error> \(idDoesNotExist: "
    with pytest.raises(SourceError, match=expected):
        parse_oai_page(body)


def test_no_records_match_is_an_empty_page() -> None:
    page = parse_oai_page(oai_fixture("ErrorResponseNoRecordsMatch.xml"))
    assert page.items == []
    assert page.error_code == "noRecordsMatch"
    assert page.error_message == "Set argument doesn't match any sets. The setSpec was 'moo'"
    assert page.resumption_token is None
    raise_for_oai_error(page)  # not fatal


@pytest.mark.parametrize(
    ("fixture", "code", "advice"),
    [
        ("ErrorResponseBadResumptionToken.xml", "badResumptionToken", "rerun with --restart"),
        ("ErrorResponseBadArgument.xml", "badArgument", "check the from/until dates"),
        ("ErrorResponseBadVerb.xml", "badVerb", "is an OAI-PMH endpoint"),
        ("ErrorResponseIdDoesNotExist.xml", "idDoesNotExist", "no record with that identifier"),
    ],
)
def test_fatal_oai_errors(fixture: str, code: str, advice: str) -> None:
    page = parse_oai_page(oai_fixture(fixture))
    assert (page.items, page.error_code) == ([], code)
    with pytest.raises(SourceError, match=f"^OAI-PMH error {code}: .*{advice}") as raised:
        raise_for_oai_error(page)
    assert page.error_message
    assert page.error_message in str(raised.value)


def test_bad_resumption_token_message() -> None:
    page = parse_oai_page(oai_fixture("ErrorResponseBadResumptionToken.xml"))
    with pytest.raises(SourceError) as raised:
        raise_for_oai_error(page)
    assert str(raised.value) == (
        "OAI-PMH error badResumptionToken: the resumption token expired or is invalid; rerun with --restart "
        "to harvest the range from its start (server said: The resumptionToken supplied is illegal for this "
        "repository)"
    )


# --- local files -----------------------------------------------------------------------------------------


def test_parse_oai_files_reads_the_gzipped_chain() -> None:
    pages = list(parse_oai_files(OAI_CHAIN))
    assert [len(page.items) for page in pages] == [1000, 1000, 265]
    assert [page.resume for page in pages] == [
        {"next_file": str(OAI_CHAIN[1])},
        {"next_file": str(OAI_CHAIN[2])},
        None,
    ]
    assert [page.total for page in pages] == [2265] * 3
    assert [page.progress for page in pages] == [1000, 2000, 2265]
    assert [page.datestamp for page in pages] == ["2023-03-07"] * 3


def test_parse_oai_files_accepts_plain_xml(tmp_path: Path) -> None:
    plain = tmp_path / "page.xml"
    plain.write_bytes(oai_fixture("GetRecordResponse.xml"))
    (page,) = parse_oai_files([plain])
    assert paper(page.items[0]).id == "1302.2146"
    assert page.resume is None


def test_parse_oai_files_stops_on_a_fatal_error() -> None:
    with pytest.raises(SourceError, match="badResumptionToken"):
        list(parse_oai_files([OAI_DIR / "ErrorResponseBadResumptionToken.xml"]))


# --- harvesting over HTTP --------------------------------------------------------------------------------


def test_fetch_follows_resumption_tokens_through_the_chain(
    replay_server: ReplayServer, make_client: Callable[..., PoliteClient]
) -> None:
    replay_server.queue("/oai", *(Reply(200, oai_fixture(path.name), XML) for path in OAI_CHAIN))
    pauses = SleepRecorder()
    pages = list(
        fetch_oai_pages(
            make_client(),
            replay_server.url("/oai"),
            metadata_prefix="oai_dc",
            from_="2023-03-07",
            page_pause=0.25,
            sleep=pauses,
        )
    )
    assert [request.query for request in replay_server.requests] == [
        "verb=ListRecords&metadataPrefix=oai_dc&from=2023-03-07",
        "verb=ListRecords&resumptionToken=6511260%7C1001",
        "verb=ListRecords&resumptionToken=6511260%7C2001",
    ]
    assert [page.resume for page in pages] == [
        {"token": "6511260|1001", "cursor": 0},
        {"token": "6511260|2001", "cursor": 1000},
        None,
    ]
    assert [page.total for page in pages] == [2265, 2265, 2265]
    assert [page.progress for page in pages] == [1000, 2000, 2265]
    assert [page.datestamp for page in pages] == ["2023-03-07"] * 3
    assert len({paper(item).id for page in pages for item in page.items}) == 2265
    assert pauses.calls == [0.25, 0.25]  # between pages, not before the first or after the last
    assert pages[0].label == "OAI-PMH page 1 (verb=ListRecords&metadataPrefix=oai_dc&from=2023-03-07)"


def test_fetch_sends_only_the_given_arguments(
    replay_server: ReplayServer, make_client: Callable[..., PoliteClient]
) -> None:
    replay_server.queue("/oai", Reply(200, oai_fixture(ARXIV_FORMAT_PAGE), XML))
    pages = list(
        fetch_oai_pages(
            make_client(),
            replay_server.url("/oai"),
            from_="2015-01-01",
            until="2015-01-03",
            set_="cs",
            page_pause=0,
            sleep=SleepRecorder(),
        )
    )
    assert replay_server.requests[0].query == (
        "verb=ListRecords&metadataPrefix=arXiv&from=2015-01-01&until=2015-01-03&set=cs"
    )
    assert [paper(item).id for item in pages[0].items] == ["1412.8544", "hep-th/9504118"]
    assert pages[0].resume is None
    assert pages[0].datestamp == "2015-01-03"


def test_fetch_resumes_from_a_token(replay_server: ReplayServer, make_client: Callable[..., PoliteClient]) -> None:
    replay_server.queue("/oai", Reply(200, oai_fixture(OAI_CHAIN[2].name), XML))
    pages = list(
        fetch_oai_pages(
            make_client(),
            replay_server.url("/oai"),
            metadata_prefix="oai_dc",
            from_="2023-03-07",
            resume_token="6511260|2001",
            page_pause=0,
            sleep=SleepRecorder(),
        )
    )
    assert [r.query for r in replay_server.requests] == ["verb=ListRecords&resumptionToken=6511260%7C2001"]
    assert len(pages[0].items) == 265
    assert pages[0].resume is None


def test_fetch_no_records_match_is_one_empty_final_page(
    replay_server: ReplayServer, make_client: Callable[..., PoliteClient]
) -> None:
    replay_server.queue("/oai", Reply(200, oai_fixture("ErrorResponseNoRecordsMatch.xml"), XML))
    pages = list(
        fetch_oai_pages(make_client(), replay_server.url("/oai"), metadata_prefix="arXivRaw", set_="moo", page_pause=0)
    )
    assert len(pages) == 1
    assert (pages[0].items, pages[0].resume, pages[0].total) == ([], None, 0)


def test_fetch_expired_token_says_what_to_do(
    replay_server: ReplayServer, make_client: Callable[..., PoliteClient]
) -> None:
    replay_server.queue("/oai", Reply(200, oai_fixture("ErrorResponseBadResumptionToken.xml"), XML))
    with pytest.raises(SourceError, match="rerun with --restart to harvest the range from its start"):
        list(fetch_oai_pages(make_client(), replay_server.url("/oai"), resume_token="3", page_pause=0))
    assert replay_server.requests[0].query == "verb=ListRecords&resumptionToken=3"


def test_fetch_waits_out_503_retry_after(replay_server: ReplayServer, make_client: Callable[..., PoliteClient]) -> None:
    headers = {"Retry-After": "1", "Content-Type": "text/html"}
    busy = Reply(503, oai_fixture("arxiv_retry_after.html"), headers)
    replay_server.queue("/oai", busy, Reply(200, oai_fixture(ARXIV_FORMAT_PAGE), XML))
    waits = SleepRecorder()
    pages = list(
        fetch_oai_pages(
            make_client(sleep=waits),
            replay_server.url("/oai"),
            from_="2015-01-01",
            page_pause=0,
            sleep=SleepRecorder(),
        )
    )
    assert waits.calls == [1.0]
    assert len(replay_server.requests) == 2
    assert replay_server.requests[0].query == replay_server.requests[1].query
    assert [paper(item).id for item in pages[0].items] == ["1412.8544", "hep-th/9504118"]


def test_fetch_really_sleeps_through_retry_after(
    replay_server: ReplayServer, make_client: Callable[..., PoliteClient]
) -> None:
    busy = Reply(503, oai_fixture("arxiv_retry_after.html"), {"Retry-After": "1"})
    replay_server.queue("/oai", busy, Reply(200, oai_fixture(ARXIV_FORMAT_PAGE), XML))
    started = time.monotonic()
    pages = list(fetch_oai_pages(make_client(), replay_server.url("/oai"), page_pause=0))
    assert time.monotonic() - started >= 1.0
    assert len(pages[0].items) == 2


def test_fetch_http_error_is_a_source_error(
    replay_server: ReplayServer, make_client: Callable[..., PoliteClient]
) -> None:
    not_found = oai_fixture("nock-fixtures_4d7b21b_oaipmh-errors-should-reject-404-error__0_http404.html")
    replay_server.queue("/oai", Reply(404, not_found, {"Content-Type": "text/html"}))
    url = replay_server.url("/oai")
    with pytest.raises(SourceError) as raised:
        list(fetch_oai_pages(make_client(), url, page_pause=0))
    assert str(raised.value) == f'{url} answered HTTP 404: "This is not the site you\'re looking for"'


def test_fetch_oai_error_sent_with_4xx_status_is_read_as_oai_error(
    replay_server: ReplayServer, make_client: Callable[..., PoliteClient]
) -> None:
    replay_server.queue("/oai", Reply(400, oai_fixture("ErrorResponseBadArgument.xml"), XML))
    with pytest.raises(SourceError, match=r"^OAI-PMH error badArgument: "):
        list(fetch_oai_pages(make_client(), replay_server.url("/oai"), page_pause=0))
