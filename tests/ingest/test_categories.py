"""Categories for papers known only from Hugging Face, completed from recorded arXiv API answers."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paperwire.cli import app
from paperwire.config import Settings
from paperwire.core.records import Page, PaperRecord
from paperwire.db import harvest
from paperwire.db import papers as papers_db
from paperwire.db.engine import Database
from paperwire.ingest import service
from paperwire.ingest.categories import HARVEST_KEY, complete_categories
from paperwire.ingest.normalize import make_record
from paperwire.ingest.pipeline import store_page
from testkit.recordings import FIXTURES, api_fixture, api_recording
from testkit.replay_server import ReplayServer, Reply

ATOM = {"Content-Type": "application/atom+xml"}
CS_IT = Reply(200, api_fixture("id_1707.08567_s0_m100_6a1afebfc6a3.xml"), ATOM)  # 1707.08567: cs.IT
CS_CR = Reply(200, api_fixture("id_2104.12255v1_s0_m100_6ae69987ffe1.xml"), ATOM)  # 2104.12255: cs.CR
NOTHING = api_recording("id_0000.0000_s0_m100_8b51d9633a68.json")  # an id arXiv does not know


def hf_only(db: Database, *ids: str) -> None:
    records = []
    for paper_id in ids:
        record = make_record(
            raw_id=paper_id, title=f"Paper {paper_id}", abstract="", source="hf", announced=date(2026, 7, 1)
        )
        assert isinstance(record, PaperRecord)
        records.append(record)
    store_page(db, Page(records, "hf"), now=datetime(2026, 7, 1))


def categories(db: Database, paper_id: str) -> list[str]:
    paper = papers_db.get_paper(db, paper_id)
    assert paper is not None
    return list(paper["categories"])


def test_backfill_asks_arxiv_by_id_and_stores_the_categories(
    db: Database, settings: Settings, replay_server: ReplayServer
) -> None:
    hf_only(db, "1707.08567", "2104.12255", "2608.99999")
    replay_server.queue("/api/query", CS_IT, CS_CR, NOTHING)
    done = complete_categories(db, settings, batch_size=1, url=replay_server.url("/api/query"))
    assert [r.params["id_list"] for r in replay_server.requests] == ["1707.08567", "2104.12255", "2608.99999"]
    assert {r.params["max_results"] for r in replay_server.requests} == {"1"}
    assert categories(db, "1707.08567") == ["cs.IT"]
    assert categories(db, "2104.12255") == ["cs.CR"]
    assert categories(db, "2608.99999") == []
    assert papers_db.get_paper(db, "1707.08567")["announced_on"] == date(2026, 7, 1)  # type: ignore[index]
    assert done.as_dict() == {"asked": 3, "completed": 2, "unknown": ["2608.99999"], "requests": 3, "complete": True}


def test_backfill_is_resumable(db: Database, settings: Settings, replay_server: ReplayServer) -> None:
    hf_only(db, "1707.08567", "2104.12255")
    replay_server.queue("/api/query", CS_IT, CS_CR)
    url = replay_server.url("/api/query")
    first = complete_categories(db, settings, batch_size=1, max_papers=1, url=url)  # stopped after one batch
    assert (first.asked, first.complete) == (1, False)
    state = harvest.get_state(db, HARVEST_KEY)
    assert state is not None
    assert state.resume == {"after": "1707.08567"}
    second = complete_categories(db, settings, batch_size=1, url=url)  # continues after it
    assert (second.asked, second.completed, second.complete) == (1, 1, True)
    assert [r.params["id_list"] for r in replay_server.requests] == ["1707.08567", "2104.12255"]
    assert categories(db, "2104.12255") == ["cs.CR"]


def test_batches_hold_many_ids_and_skip_papers_that_have_categories(
    db: Database, settings: Settings, replay_server: ReplayServer
) -> None:
    hf_only(db, "1707.08567", "2104.12255")
    replay_server.queue("/api/query", CS_IT)
    complete_categories(db, settings, ids=["1707.08567"], url=replay_server.url("/api/query"))
    replay_server.queue("/api/query", CS_CR)
    done = complete_categories(
        db, settings, ids=["1707.08567", "2104.12255", "not-an-id"], url=replay_server.url("/api/query")
    )
    assert replay_server.requests[-1].params["id_list"] == "2104.12255"  # the completed one is not asked again
    assert (done.asked, done.completed) == (1, 1)


def test_an_hf_day_fetched_gets_its_categories(settings: Settings, replay_server: ReplayServer, db: Database) -> None:
    day = (FIXTURES / "hf_daily" / "2026-08-21.json").read_bytes()
    replay_server.queue("/api/daily_papers", Reply(200, day, {"Content-Type": "application/json"}))
    replay_server.queue("/api/query", NOTHING)
    configured = settings.model_copy(update={"arxiv_api_url": replay_server.url("/api/query")})
    service.ingest_hf_daily(db, configured, day=date(2026, 8, 21), url=replay_server.url("/api/daily_papers"))
    asked = [r for r in replay_server.requests if r.path == "/api/query"]
    hf_ids = [item["paper"]["id"] for item in json.loads(day)]
    assert len(asked) == 1
    assert asked[0].params["id_list"].split(",") == hf_ids  # one polite batch with the day's papers


def test_cli_complete_categories(tmp_path: Path, replay_server: ReplayServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERWIRE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PAPERWIRE_ARXIV_API_INTERVAL", "0")
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    db = Database(Settings().resolved_database_url)  # what the CLI opens (the test's own database)
    hf_only(db, "1707.08567")
    replay_server.queue("/api/query", CS_IT)
    result = runner.invoke(app, ["papers", "complete-categories", "--url", replay_server.url("/api/query"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["completed"] == 1
    assert categories(db, "1707.08567") == ["cs.IT"]
