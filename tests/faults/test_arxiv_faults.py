"""arXiv misbehaving during an OAI-PMH harvest: 503 + Retry-After, a connection reset half-way through a
page, a truncated XML page, an expired resumption token.

Every fault is injected at the edge — the replay server answers the real 3-page, 2,265-record recording
(tests/fixtures/oai/ListRecords_data_*.xml.gz) and misbehaves on one page — and the harvest runs as a user
runs it: ``paperwire ingest oai --url ...`` in a subprocess. The promise, checked after every fault:

- the command ends with one clear line on stderr and exit code 1, never a traceback;
- the papers table holds exactly the pages committed before the fault (nothing of the broken page);
- the checkpoint stays at the last good page, and a rerun against a healthy server continues from there
  and ends with exactly the 2,265 records of the chain.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from paperwire.config import Settings
from paperwire.core.records import PaperRecord
from paperwire.db import harvest
from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from paperwire.db.schema import papers
from paperwire.ingest.oai import parse_oai_page
from testkit.replay_server import ReceivedRequest, ReplayServer, Reply

FIXTURES = Path(__file__).parents[1] / "fixtures" / "oai"
CHAIN = [gzip.decompress((FIXTURES / f"ListRecords_data_{n}.xml.gz").read_bytes()) for n in range(3)]
TOKENS = ["6511260|1001", "6511260|2001"]  # the resumption tokens that ask for pages 2 and 3
KEY = "oai:oai_dc:*"  # the harvest state's key for ``--prefix oai_dc`` without a set
XML = {"Content-Type": "text/xml; charset=utf-8"}
TOTAL = 2265
PAGE_IDS = [{item.id for item in parse_oai_page(page).items if isinstance(item, PaperRecord)} for page in CHAIN]
RETRIES = 3  # PAPERWIRE_HTTP_RETRIES for these runs: a persistent fault must outlast every retry


def page_reply(n: int) -> Reply:
    return Reply(200, CHAIN[n], XML)


def reset_mid_page(n: int, *, reset: bool = True) -> Reply:
    """Headers promising page n whole, half of its body, then RST (or FIN with ``reset=False``)."""
    return Reply(200, CHAIN[n], XML, cut_after=len(CHAIN[n]) // 2, reset=reset)


def truncated(n: int) -> Reply:
    """A complete HTTP response whose body is page n cut off mid-record (Content-Length matches the cut)."""
    return Reply(200, CHAIN[n][: len(CHAIN[n]) * 2 // 3], XML)


def busy() -> Reply:
    return Reply(503, (FIXTURES / "arxiv_retry_after.html").read_bytes(), {"Retry-After": "1"})


def bad_token() -> Reply:
    return Reply(200, (FIXTURES / "ErrorResponseBadResumptionToken.xml").read_bytes(), XML)


@dataclass
class FlakyArxiv:
    """The chain, answered by resumption token; ``faults[page]`` replies come first (``forever``: always)."""

    faults: dict[int, list[Reply]] = field(default_factory=dict)
    forever: dict[int, Reply] = field(default_factory=dict)
    asked: list[int] = field(default_factory=list)

    def __call__(self, request: ReceivedRequest) -> Reply:
        token = request.params.get("resumptionToken")
        n = 0 if token is None else TOKENS.index(token) + 1
        self.asked.append(n)
        if n in self.forever:
            return self.forever[n]
        if self.faults.get(n):
            return self.faults[n].pop(0)
        return page_reply(n)

    def heal(self) -> None:
        self.faults.clear()
        self.forever.clear()
        self.asked.clear()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home with an empty database, as `paperwire init` leaves it (only init and run create one)."""
    home = tmp_path / "home"
    db = database(home)
    try:
        upgrade(db)
    finally:
        db.dispose()
    return home


@pytest.fixture
def arxiv(replay_server: ReplayServer) -> FlakyArxiv:
    flaky = FlakyArxiv()
    replay_server.route(flaky)
    return flaky


@dataclass
class Run:
    code: int
    stderr: str

    @property
    def last_line(self) -> str:
        lines = self.stderr.strip().splitlines()  # lines before the last one are the progress bar
        return lines[-1] if lines else ""


def harvest_cli(home: Path, url: str, *extra: str) -> Run:
    """``paperwire ingest oai`` as a user runs it (a real process; its stderr is what the user reads)."""
    env = {
        **os.environ,  # PAPERWIRE_DATABASE_URL when the suite runs on PostgreSQL
        "PAPERWIRE_HOME": str(home),
        "PAPERWIRE_OAI_PAGE_PAUSE": "0",
        "PAPERWIRE_HTTP_RETRIES": str(RETRIES),
        "COLUMNS": "400",  # one error line stays one line
    }
    command = [sys.executable, "-m", "paperwire", "ingest", "oai", "--url", url, "--prefix", "oai_dc", *extra]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    return Run(done.returncode, done.stderr)


def database(home: Path) -> Database:
    return Database(Settings(home=home).resolved_database_url)


def stored_ids(home: Path) -> set[str]:
    db = database(home)
    try:
        with db.read() as conn:
            return set(conn.execute(select(papers.c.id)).scalars())
    finally:
        db.dispose()


def state(home: Path) -> harvest.HarvestState:
    db = database(home)
    try:
        found = harvest.get_state(db, KEY)
    finally:
        db.dispose()
    assert found is not None
    return found


def assert_failed_cleanly(run: Run, message: str) -> None:
    assert run.code == 1, run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    assert run.last_line.startswith("error: "), run.stderr
    assert message in run.last_line, run.stderr


def assert_stopped_after(home: Path, pages_done: int) -> None:
    """Exactly the committed pages are stored, and the checkpoint points at the next page."""
    expected = set().union(*PAGE_IDS[:pages_done])
    assert stored_ids(home) == expected  # nothing of the broken page, nothing of the good ones lost
    saved = state(home)
    assert saved.status == harvest.FAILED
    assert saved.error
    assert (saved.pages_done, saved.records_done) == (pages_done, len(expected))
    assert saved.resume is not None
    assert saved.resume["token"] == TOKENS[pages_done - 1]


def assert_complete(home: Path) -> None:
    assert len(stored_ids(home)) == TOTAL
    saved = state(home)
    assert (saved.status, saved.resume, saved.error) == (harvest.COMPLETE, None, None)
    assert saved.last_datestamp == "2023-03-07"


def rerun_completes(home: Path, url: str, arxiv: FlakyArxiv, *, resumes_at: int) -> None:
    arxiv.heal()
    run = harvest_cli(home, url)
    assert run.code == 0, run.stderr
    assert arxiv.asked == list(range(resumes_at, 3))  # continued at the checkpoint, nothing fetched twice
    assert_complete(home)
    saved = state(home)
    assert (saved.pages_done, saved.records_done) == (3, TOTAL)


# --- one fault at page 2 -------------------------------------------------------------------------------

FAULTS = {
    # name: (what page 2 answers on every attempt, what the user is told)
    "reset-mid-page": (reset_mid_page(1), "Connection reset by peer"),
    "closed-mid-page": (
        reset_mid_page(1, reset=False),
        "peer closed connection without sending complete message body",
    ),
    "truncated-xml": (truncated(1), "malformed OAI-PMH XML: "),
    "503-forever": (busy(), f"answered HTTP 503 after {RETRIES} attempts"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_persistent_fault_on_page_two_keeps_page_one_and_resumes(
    fault: str, home: Path, replay_server: ReplayServer, arxiv: FlakyArxiv
) -> None:
    reply, message = FAULTS[fault]
    arxiv.forever[1] = reply
    url = replay_server.url("/oai")
    run = harvest_cli(home, url)
    assert_failed_cleanly(run, message)
    if fault != "truncated-xml":  # transport faults and 503s are retried; a well-formed HTTP 200 is not
        assert arxiv.asked == [0] + [1] * RETRIES
    assert_stopped_after(home, 1)
    assert state(home).error == run.last_line.removeprefix("error: ")
    rerun_completes(home, url, arxiv, resumes_at=1)


def test_bad_resumption_token_says_restart_and_restart_completes(
    home: Path, replay_server: ReplayServer, arxiv: FlakyArxiv
) -> None:
    arxiv.forever[1] = bad_token()
    url = replay_server.url("/oai")
    run = harvest_cli(home, url)
    assert_failed_cleanly(
        run,
        "OAI-PMH error badResumptionToken: the resumption token expired or is invalid; rerun with --restart",
    )
    assert arxiv.asked == [0, 1]  # an OAI error is an answer, not a transient failure: no retry
    assert_stopped_after(home, 1)

    arxiv.heal()  # what the message says to do
    assert harvest_cli(home, url, "--restart").code == 0
    assert arxiv.asked == [0, 1, 2]  # from the start of the range
    assert_complete(home)
    assert (state(home).pages_done, state(home).records_done) == (3, TOTAL)


@pytest.mark.parametrize("fault", ["reset-mid-page", "closed-mid-page", "503-retry-after"])
def test_one_transient_fault_is_retried_within_the_run(
    fault: str, home: Path, replay_server: ReplayServer, arxiv: FlakyArxiv
) -> None:
    once = {
        "reset-mid-page": reset_mid_page(1),
        "closed-mid-page": reset_mid_page(1, reset=False),
        "503-retry-after": busy(),
    }[fault]
    arxiv.faults[1] = [once]
    run = harvest_cli(home, replay_server.url("/oai"))
    assert run.code == 0, run.stderr
    assert "waiting 1s" in run.stderr  # told why it paused (Retry-After, or the first backoff step)
    assert "Traceback" not in run.stderr
    assert arxiv.asked == [0, 1, 1, 2]
    assert_complete(home)
    assert (state(home).pages_done, state(home).records_done) == (3, TOTAL)


# --- everything at once, over several runs -------------------------------------------------------------


def test_combined_faults_across_runs_end_with_exactly_the_chain(
    home: Path, replay_server: ReplayServer, arxiv: FlakyArxiv
) -> None:
    url = replay_server.url("/oai")

    # run 1: page 2 is 503 + Retry-After once (waited out), page 3 resets mid-body on every attempt
    arxiv.faults[1] = [busy()]
    arxiv.forever[2] = reset_mid_page(2)
    run = harvest_cli(home, url)
    assert "waiting 1s: HTTP 503; retrying" in run.stderr
    assert_failed_cleanly(run, "Connection reset by peer")
    assert_stopped_after(home, 2)

    # run 2: resumes at page 3, which now arrives truncated
    arxiv.heal()
    arxiv.forever[2] = truncated(2)
    run = harvest_cli(home, url)
    assert arxiv.asked == [2]
    assert_failed_cleanly(run, "malformed OAI-PMH XML: ")
    assert_stopped_after(home, 2)

    # run 3: the token has expired meanwhile
    arxiv.heal()
    arxiv.forever[2] = bad_token()
    run = harvest_cli(home, url)
    assert arxiv.asked == [2]
    assert_failed_cleanly(run, "rerun with --restart")
    assert_stopped_after(home, 2)

    # run 4: a healthy server and --restart, as advised: exactly the chain, every record once
    arxiv.heal()
    assert harvest_cli(home, url, "--restart").code == 0
    assert arxiv.asked == [0, 1, 2]
    assert_complete(home)
    assert (state(home).pages_done, state(home).records_done) == (3, TOTAL)
