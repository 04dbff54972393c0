"""The ``paperwire`` command end to end: real SQLite, a real local HTTP server, real subprocesses."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from paperwire.cli import app
from paperwire.config import Settings
from paperwire.core import clock
from paperwire.db.engine import Database
from paperwire.db.schema import harvest_state, papers
from testkit.replay_server import ReceivedRequest, ReplayServer, Reply

FIXTURES = Path(__file__).parents[1] / "fixtures"
CHAIN = [FIXTURES / "oai" / f"ListRecords_data_{n}.xml.gz" for n in range(3)]
TOKENS = ["6511260|1001", "6511260|2001"]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    environment = {"PAPERWIRE_HOME": str(home), "PAPERWIRE_OAI_PAGE_PAUSE": "0", "PAPERWIRE_HTTP_RETRIES": "2"}
    assert cli(environment, "init")[0] == 0  # only init (and run) create a database
    return environment


def cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def database(home: Path) -> Database:
    return Database(Settings(home=home).resolved_database_url)  # the test's backend (see tests/databases.py)


def table_snapshot(home: Path) -> list[tuple[object, ...]]:
    with database(home).read() as conn:
        return [tuple(row) for row in conn.execute(select(papers).order_by(papers.c.id))]


def chain_page(n: int) -> bytes:
    return gzip.decompress(CHAIN[n].read_bytes())


def oai_router(release: threading.Event | None = None, reached: threading.Event | None = None):  # type: ignore[no-untyped-def]
    """Answer the 3-page chain by resumption token; optionally hang on page 2 until ``release``."""

    def answer(request: ReceivedRequest) -> Reply:
        token = request.params.get("resumptionToken")
        if token is None:
            return Reply(200, chain_page(0), {"Content-Type": "text/xml"})
        if token == TOKENS[0] and reached is not None and release is not None:
            reached.set()
            release.wait(timeout=60)
        return Reply(200, chain_page(TOKENS.index(token) + 1), {"Content-Type": "text/xml"})

    return answer


def test_oai_files_import_exactly_and_rerun_changes_nothing(env: dict[str, str], home: Path) -> None:
    code, out, _ = cli(env, "ingest", "oai", *map(str, CHAIN), "--json")
    assert code == 0
    first = json.loads(out)
    assert (first["inserted"], first["pages"], first["errors"]) == (2265, 3, [])
    assert cli(env, "papers", "count")[1].strip() == "2265"
    before = table_snapshot(home)
    code, out, _ = cli(env, "ingest", "oai", *map(str, CHAIN), "--json")
    again = json.loads(out)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 2265)
    assert cli(env, "papers", "count")[1].strip() == "2265"
    assert table_snapshot(home) == before


def test_papers_show_json_has_real_fields(env: dict[str, str]) -> None:
    cli(env, "ingest", "oai", str(CHAIN[0]))
    code, out, _ = cli(env, "papers", "show", "arXiv:0806.4410v3", "--json")
    assert code == 0
    paper = json.loads(out)
    assert paper["id"] == "0806.4410"
    assert paper["title"] == "Summing the curious series of Kempner and Irwin"
    assert paper["authors"] == ["Robert Baillie"]
    assert paper["categories"] == ["math.CA", "math.NT"]
    assert paper["submitted_at"].startswith("2008-06-27")


def test_live_harvest_killed_after_page_one_resumes_at_page_two(
    env: dict[str, str], home: Path, replay_server: ReplayServer
) -> None:
    reached, release = threading.Event(), threading.Event()
    replay_server.route(oai_router(release, reached))
    url = replay_server.url("/oai")
    process = subprocess.Popen(
        [sys.executable, "-m", "paperwire", "ingest", "oai", "--url", url, "--prefix", "oai_dc"],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert reached.wait(timeout=60), "the harvester never asked for page 2"
        os.kill(process.pid, signal.SIGKILL)  # killed while waiting for page 2
        process.wait(timeout=10)
    finally:
        release.set()
    assert process.returncode == -signal.SIGKILL
    with database(home).read() as conn:
        state = conn.execute(select(harvest_state)).mappings().one()
    assert (state["status"], state["resume"]["token"], state["pages_done"]) == ("running", TOKENS[0], 1)
    assert cli(env, "papers", "count")[1].strip() == "1000"

    replay_server.requests.clear()
    replay_server.route(oai_router())
    code, _, _ = cli(env, "ingest", "oai", "--url", url, "--prefix", "oai_dc")
    assert code == 0
    assert replay_server.requests[0].query == "verb=ListRecords&resumptionToken=6511260%7C1001"
    assert len(replay_server.requests) == 2
    assert cli(env, "papers", "count")[1].strip() == "2265"
    code, out, _ = cli(env, "ingest", "status", "--json")
    (status,) = json.loads(out)
    assert (status["status"], status["pages_done"], status["records_done"]) == ("complete", 3, 2265)
    assert status["last_datestamp"] == "2023-03-07"


def test_complete_harvest_reruns_incrementally_from_last_datestamp(
    env: dict[str, str], replay_server: ReplayServer
) -> None:
    replay_server.route(oai_router())
    url = replay_server.url("/oai")
    assert cli(env, "ingest", "oai", "--url", url, "--prefix", "oai_dc", "--from", "2023-03-07")[0] == 0
    replay_server.requests.clear()
    assert cli(env, "ingest", "oai", "--url", url, "--prefix", "oai_dc")[0] == 0
    assert replay_server.requests[0].params == {
        "verb": "ListRecords",
        "metadataPrefix": "oai_dc",
        "from": "2023-03-07",
    }


TODAY = datetime(2026, 12, 2, 1, 30)  # the clock, frozen: tests/unit/test_clock.py


@pytest.mark.parametrize(("backfill", "start"), [(None, "2026-11-25"), ("30", "2026-11-02"), ("0", "2026-12-02")])
def test_first_harvest_starts_a_backfill_window_before_today(
    env: dict[str, str], replay_server: ReplayServer, backfill: str | None, start: str
) -> None:
    replay_server.route(oai_router())
    env = {**env, "PAPERWIRE_HARVEST_BACKFILL_DAYS": backfill} if backfill else env
    with clock.frozen(TODAY):
        assert cli(env, "ingest", "oai", "--url", replay_server.url("/oai"), "--set", "cs")[0] == 0
    first = replay_server.requests[0].params
    assert first == {"verb": "ListRecords", "metadataPrefix": "arXiv", "set": "cs", "from": start}  # never all of cs
    assert "from" not in replay_server.requests[1].params  # the rest of the chain goes by resumption token


def test_from_still_reaches_further_back_than_the_window(env: dict[str, str], replay_server: ReplayServer) -> None:
    replay_server.route(oai_router())
    url = replay_server.url("/oai")
    with clock.frozen(TODAY):
        assert cli(env, "ingest", "oai", "--url", url, "--prefix", "oai_dc", "--from", "2020-01-01")[0] == 0
    assert replay_server.requests[0].params["from"] == "2020-01-01"


def test_restart_without_from_uses_the_window_too(env: dict[str, str], replay_server: ReplayServer) -> None:
    replay_server.route(oai_router())
    url = replay_server.url("/oai")
    with clock.frozen(TODAY):
        assert cli(env, "ingest", "oai", "--url", url, "--from", "2020-01-01")[0] == 0
        replay_server.requests.clear()
        assert cli(env, "ingest", "oai", "--url", url, "--restart")[0] == 0
    assert replay_server.requests[0].params["from"] == "2026-11-25"


def test_503_retry_after_is_waited_out(env: dict[str, str], replay_server: ReplayServer) -> None:
    retry_body = (FIXTURES / "oai" / "arxiv_retry_after.html").read_bytes()  # "Retry after 1 seconds"
    replay_server.queue("/oai", Reply(503, retry_body, {"Retry-After": "1"}))
    replay_server.route(oai_router())
    code, _, err = cli(env, "ingest", "oai", "--url", replay_server.url("/oai"), "--prefix", "oai_dc")
    assert code == 0, err
    assert "waiting 1s" in err
    assert cli(env, "papers", "count")[1].strip() == "2265"


def test_malformed_xml_fails_cleanly_and_keeps_earlier_pages(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(chain_page(1)[:5000])  # a page cut off mid-record
    code, _, err = cli(env, "ingest", "oai", str(CHAIN[0]), str(broken))
    assert code == 1
    last_line = err.strip().splitlines()[-1]  # the lines before it are the progress bar
    assert last_line.startswith("error: broken.xml: malformed OAI-PMH XML")
    assert cli(env, "papers", "count")[1].strip() == "1000"  # page 1 kept, nothing of the broken page


@pytest.mark.parametrize(
    "args",
    [
        ["ingest", "jsonl", "missing.jsonl"],
        ["ingest", "oai", "missing.xml"],
        ["ingest", "kaggle", "missing.json"],
    ],
)
def test_missing_file_is_one_clear_line(env: dict[str, str], args: list[str]) -> None:
    code, _, err = cli(env, *args)
    assert code == 1
    assert "missing" in err
    assert "Traceback" not in err
    assert err.strip().count("\n") == 0


def test_unreachable_host_is_one_clear_line(env: dict[str, str]) -> None:
    env = {**env, "PAPERWIRE_HTTP_RETRIES": "1"}
    code, _, err = cli(env, "ingest", "oai", "--url", "http://127.0.0.1:9/oai")
    assert code == 1
    assert "cannot reach http://127.0.0.1:9/oai" in err


def test_unknown_paper_is_a_clear_error(env: dict[str, str]) -> None:
    code, _, err = cli(env, "papers", "show", "2401.99999")
    assert code == 1
    assert "no paper '2401.99999'" in err


def test_bad_date_is_a_clear_error(env: dict[str, str]) -> None:
    code, _, err = cli(env, "ingest", "jsonl", "x.jsonl", "--date", "yesterday")
    assert code == 1
    assert "not a date: 'yesterday'" in err
