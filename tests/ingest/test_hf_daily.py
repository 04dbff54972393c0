"""Hugging Face daily papers, on real saved API answers from 2024 to 2026 (tests/fixtures/hf_daily)."""

from __future__ import annotations

import gzip
import json
import shutil
import threading
from collections.abc import Iterator
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from paperwire.config import Settings
from paperwire.core.records import Page, PaperRecord, Parsed, RecordError, Signal, SourceError
from paperwire.ingest.hf_daily import fetch_hf_daily, parse_hf_daily, read_hf_files
from paperwire.ingest.http import PoliteClient

FIXTURES = Path(__file__).parent.parent / "fixtures" / "hf_daily"


def fixture(day: str) -> Path:
    return FIXTURES / f"{day}.json"


def records(items: list[Parsed]) -> dict[str, PaperRecord]:
    return {item.id: item for item in items if isinstance(item, PaperRecord)}


def parse_file(day: str) -> list[Parsed]:
    return parse_hf_daily(fixture(day).read_bytes(), day=date.fromisoformat(day))


def signals_of(record: PaperRecord) -> dict[str, float]:
    return {signal.kind: signal.value for signal in record.signals}


# --- parsing ---------------------------------------------------------------------------------------------


def test_newest_answer_gives_records_ai_fields_code_and_signals() -> None:
    items = parse_file("2026-08-21")
    assert len(items) == 17
    paper = records(items)["2608.19880"]
    assert paper.title == "EnvHarness: Awakening Static Worlds for Agent Learning"
    assert paper.source == "hf"
    assert paper.authors[:4] == ("Chengsong Huang", "Zifeng Wang", "Rujun Han", "Jun Yan")
    assert len(paper.authors) == 17
    assert paper.submitted == datetime(2026, 8, 20)
    assert paper.announced == date(2026, 8, 21)
    assert paper.code_links == ("https://github.com/google-research/envharness",)
    assert paper.ai_summary == (
        "EnvHarness and EnvRigger dynamically reshape static environments via programmable plugins to "
        "target agent weaknesses and improve reinforcement learning co-evolution."
    )
    assert paper.ai_keywords == (
        "LLM agents",
        "Environment Harness",
        "EnvHarness",
        "EnvRigger",
        "black-box policy",
        "execution trajectories",
        "reinforcement learning",
        "co-evolution",
    )
    midnight = datetime(2026, 8, 21)
    assert paper.signals == (
        Signal("hf_upvotes", 163.0, midnight, "hf"),
        Signal("hf_comments", 1.0, midnight, "hf"),
        Signal("github_stars", 8.0, midnight, "hf"),
    )


def test_zero_stars_is_a_signal_and_a_paper_without_repo_has_none() -> None:
    papers = records(parse_file("2026-08-21"))
    assert signals_of(papers["2608.19861"])["github_stars"] == 0.0  # PolicyGuide: a repo with 0 stars
    assert papers["2608.19861"].ai_keywords == ()  # this item has no AI fields
    assert "github_stars" not in signals_of(papers["2608.13120"])
    assert papers["2608.13120"].code_links == ()


def test_same_file_parsed_twice_gives_identical_signals() -> None:
    first = [r.signals for r in records(parse_file("2026-08-21")).values()]
    second = [r.signals for r in records(parse_file("2026-08-21")).values()]
    assert first == second
    pages = [list(read_hf_files([fixture("2025-09-02")])) for _ in range(2)]
    assert [[i.signals for i in p.items if isinstance(i, PaperRecord)] for p in pages[0]] == [
        [i.signals for i in p.items if isinstance(i, PaperRecord)] for p in pages[1]
    ]


def test_observed_at_records_a_later_snapshot() -> None:
    later = datetime(2026, 8, 22, 9, 30)
    items = parse_hf_daily(fixture("2026-08-21").read_bytes(), day=date(2026, 8, 21), observed_at=later)
    assert {s.at for r in records(items).values() for s in r.signals} == {later}
    assert {r.announced for r in records(items).values()} == {date(2026, 8, 21)}


# --- what the API sent changed over the years ---------------------------------------------------------------


def test_2024_answers_have_no_ai_fields_nor_repo() -> None:
    papers = records(parse_file("2024-05-27"))
    assert len(papers) == 13
    paper = papers["2405.15738"]
    assert paper.title == "ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models"
    assert paper.authors[:3] == ("Chunjiang Ge", "Sijie Cheng", "Ziming Wang")
    assert paper.submitted == datetime(2024, 5, 24, 17, 34, 15)
    assert paper.ai_summary is None
    assert paper.ai_keywords == ()
    assert paper.code_links == ("https://github.com/alibaba/conv-llava",)  # from the abstract
    assert signals_of(paper) == {"hf_upvotes": 32.0, "hf_comments": 3.0}
    july = records(parse_file("2024-07-05"))["2407.01392"]
    assert july.title == "Diffusion Forcing: Next-token Prediction Meets Full-Sequence Diffusion"
    assert signals_of(july) == {"hf_upvotes": 10.0, "hf_comments": 1.0}


def test_2025_spring_has_repos_but_no_star_counts() -> None:
    papers = records(parse_file("2025-04-29"))
    rep_text = papers["2504.19724"]
    assert rep_text.title == "RepText: Rendering Visual Text via Replicating"
    assert rep_text.code_links == ("https://github.com/Shakker-Labs/RepText",)
    assert signals_of(rep_text) == {"hf_upvotes": 12.0, "hf_comments": 2.0}
    # projectPage pointing at GitHub is a code link too.
    phone_agents = "https://github.com/PhoneLLM/Awesome-LLM-Powered-Phone-GUI-Agents"
    assert papers["2504.19838"].code_links == (phone_agents,)
    keywords = papers["2504.17258"].ai_keywords
    assert keywords[:3] == ("downsampling layers", "CNN architectures", "receptive field")
    assert papers["2504.19724"].ai_keywords == ()


def test_2025_autumn_has_ai_summary_keywords_and_stars() -> None:
    papers = records(parse_file("2025-09-02"))
    assert list(papers) == ["2508.21104", "2508.19060", "2508.17378", "2508.20931"]
    defects = papers["2508.19060"]
    assert defects.authors == ("Blaž Rolih", "Matic Fučka", "Danijel Skočaj")
    assert "https://github.com/blaz-r/SuperSimplenet" in defects.code_links
    assert defects.ai_keywords[:3] == ("SimpleNet", "synthetic anomaly generation", "classification head")
    assert defects.ai_summary is not None
    assert defects.ai_summary.startswith("SuperSimpleNet, an efficient")
    assert signals_of(defects) == {"hf_upvotes": 1.0, "hf_comments": 1.0, "github_stars": 77.0}
    assert signals_of(papers["2508.20931"])["hf_upvotes"] == 0.0


def test_items_saved_as_python_repr_strings_are_record_errors() -> None:
    pages = list(read_hf_files([fixture("2024-12-20")]))
    assert [page.total for page in pages] == [16]
    errors = pages[0].items
    assert all(isinstance(e, RecordError) for e in errors)
    assert len(errors) == 16
    first = errors[0]
    assert isinstance(first, RecordError)
    assert "Python dict repr" in first.reason
    assert first.reason.endswith("(2024-12-20.json item 1)")


# --- the daily date -------------------------------------------------------------------------------------


def test_day_comes_from_the_file_name(tmp_path: Path) -> None:
    renamed = tmp_path / "hf-daily-2025-09-03.json"
    shutil.copy(fixture("2025-09-02"), renamed)
    (page,) = read_hf_files([renamed])
    assert page.label == "hf-daily-2025-09-03.json"
    assert {r.announced for r in page.items if isinstance(r, PaperRecord)} == {date(2025, 9, 3)}
    (page,) = read_hf_files([renamed], day=date(2025, 9, 1))
    assert {r.announced for r in page.items if isinstance(r, PaperRecord)} == {date(2025, 9, 1)}


def test_day_comes_from_the_items_when_the_file_name_has_none(tmp_path: Path) -> None:
    for day in ("2025-09-02", "2024-05-27"):  # submittedOnDailyAt (2025), top-level publishedAt (2024)
        saved = tmp_path / "saved.json"
        shutil.copy(fixture(day), saved)
        (page,) = read_hf_files(saved)
        papers = [r for r in page.items if isinstance(r, PaperRecord)]
        assert {r.announced for r in papers} == {date.fromisoformat(day)}
        assert {s.at for r in papers for s in r.signals} == {datetime.fromisoformat(day)}


def test_gzipped_file(tmp_path: Path) -> None:
    packed = tmp_path / "2025-09-02.json.gz"
    packed.write_bytes(gzip.compress(fixture("2025-09-02").read_bytes()))
    (page,) = read_hf_files([packed])
    assert page.items == parse_file("2025-09-02")


# --- damaged answers --------------------------------------------------------------------------------------


def test_items_missing_required_fields_are_record_errors_and_the_rest_is_kept() -> None:
    items = json.loads(fixture("2025-09-02").read_bytes())
    del items[0]["paper"]
    del items[1]["paper"]["upvotes"]
    items[2]["paper"]["title"] = ""
    items[2]["title"] = ""
    parsed = parse_hf_daily(json.dumps(items).encode(), day=date(2025, 9, 2), name="2025-09-02.json")
    assert parsed[:3] == [
        RecordError(None, "no paper object (2025-09-02.json item 1)"),
        RecordError("2508.19060", "no upvote count (2025-09-02.json item 2)"),
        RecordError("2508.17378", "missing title (2025-09-02.json item 3)"),
    ]
    assert isinstance(parsed[3], PaperRecord)
    assert parsed[3].id == "2508.20931"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>502 Bad Gateway</html>", r"x.json line 1: not JSON"),
        (b'{"error": "Invalid date format"}', r"x.json: Hugging Face answered: Invalid date format"),
        (b'{"papers": []}', r"x.json line 1: expected a JSON list of daily papers, found an object"),
        (b'"2508.19060"', r"x.json line 1: expected a JSON list"),
    ],
)
def test_unusable_answers_are_source_errors(body: bytes, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        parse_hf_daily(body, day=None, name="x.json")


def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        list(read_hf_files([tmp_path / "2025-09-02.json"]))


# --- fetching from a real local HTTP server -----------------------------------------------------------------


class DailyPapersHandler(BaseHTTPRequestHandler):
    """Serves recorded answers: 2026-08-21 paged by ``limit``/``p``, 2025-09-02 whole whatever the page
    (an API that ignores paging); other dates get the API's kinds of errors."""

    requests: ClassVar[list[tuple[str, str]]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        day = query.get("date", "")
        type(self).requests.append((self.path, self.headers.get("User-Agent", "")))
        if url.path != "/api/daily_papers":
            self.reply(404, b'{"error": "Not Found"}')
        elif day == "2025-09-02":
            self.reply(200, fixture("2025-09-02").read_bytes())
        elif day == "2026-08-21":
            limit, page = int(query["limit"]), int(query["p"])
            items = json.loads(fixture(day).read_bytes())[page * limit : (page + 1) * limit]
            self.reply(200, json.dumps(items).encode())
        elif day == "2099-01-01":
            self.reply(200, b'{"error": "date must not be in the future"}')
        else:
            self.reply(400, b'{"error": "Invalid date: expected YYYY-MM-DD"}')

    def reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture
def daily_papers_url() -> Iterator[str]:
    DailyPapersHandler.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), DailyPapersHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/daily_papers"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[PoliteClient]:
    with PoliteClient(Settings(home=tmp_path)) as polite:
        yield polite


def test_fetch_gets_the_day_over_http(daily_papers_url: str, client: PoliteClient) -> None:
    pages: list[Page] = list(fetch_hf_daily(client, daily_papers_url, date(2025, 9, 2)))
    assert [(p.label, p.resume) for p in pages] == [("hf daily_papers 2025-09-02 page 1", None)]
    assert pages[0].items == parse_file("2025-09-02")
    ((path, user_agent),) = DailyPapersHandler.requests
    assert path == "/api/daily_papers?date=2025-09-02&limit=100&p=0"
    assert user_agent.startswith("paperwire/")


def test_fetch_pages_through_a_busy_day(daily_papers_url: str, client: PoliteClient) -> None:
    pages = list(fetch_hf_daily(client, daily_papers_url, date(2026, 8, 21), page_size=5))
    assert [len(page.items) for page in pages] == [5, 5, 5, 2]
    assert pages[-1].label == "hf daily_papers 2026-08-21 page 4"
    assert [item for page in pages for item in page.items] == parse_file("2026-08-21")
    assert [path.rsplit("&", 1)[1] for path, _ in DailyPapersHandler.requests] == ["p=0", "p=1", "p=2", "p=3"]


def test_fetch_stops_when_the_api_ignores_paging(daily_papers_url: str, client: PoliteClient) -> None:
    pages = list(fetch_hf_daily(client, daily_papers_url, date(2025, 9, 2), page_size=4))
    assert [[r.id for r in page.items if isinstance(r, PaperRecord)] for page in pages] == [
        ["2508.21104", "2508.19060", "2508.17378", "2508.20931"]
    ]
    assert len(DailyPapersHandler.requests) == 2  # the second answer repeated the first: stop


def test_fetch_http_error_carries_status_and_error_text(daily_papers_url: str, client: PoliteClient) -> None:
    expected = r"daily_papers\?date=2025-01-01 answered HTTP 400: Invalid date: expected YYYY-MM-DD$"
    with pytest.raises(SourceError, match=expected):
        list(fetch_hf_daily(client, daily_papers_url, date(2025, 1, 1)))


def test_fetch_error_body_with_status_200(daily_papers_url: str, client: PoliteClient) -> None:
    with pytest.raises(SourceError, match=r"Hugging Face answered: date must not be in the future"):
        list(fetch_hf_daily(client, daily_papers_url, date(2099, 1, 1)))


def test_fetch_wrong_path_is_a_404(daily_papers_url: str, client: PoliteClient) -> None:
    with pytest.raises(SourceError, match=r"answered HTTP 404: Not Found"):
        list(fetch_hf_daily(client, daily_papers_url.replace("daily_papers", "nope"), date(2025, 9, 2)))
