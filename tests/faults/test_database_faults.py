"""Database faults: writers that collide (SQLite's "database is locked") and a full disk under the search index.

1. A real ``paperwire serve`` takes upvotes, saves and page views (each one a write) from signed-in users while
   another process ingests a large batch in long write transactions. No user request may fail.
2. The search index's file system fills up during a catch-up (a real, tiny tmpfs; mounting one needs root,
   which CI has): the catch-up fails with a clear error, searching keeps answering from the previous index —
   in the process that failed and in a fresh one — and a later catch-up with space succeeds.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import httpx
import pytest
from sqlalchemy import func, select

from paperwire.config import Settings
from paperwire.db import papers as paper_store
from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from paperwire.db.schema import papers
from paperwire.ingest import service
from paperwire.search import SearchService
from testkit.live_site import LiveSite, prepare_sample, sign_in

SAMPLE = sorted(service.SAMPLE_DIR.glob("*.jsonl"))
FIXTURES = Path(__file__).parents[1] / "fixtures"
NEW_DAY = FIXTURES / "arxiv_daily" / "2026-06-25.jsonl"  # 26 papers the sample does not have

# --- 1. concurrent writers ---------------------------------------------------------------------------------

BATCH_RECORDS = int(os.environ.get("PAPERWIRE_FAULTS_BATCH_RECORDS", "40000"))
BATCH_SIZE = 5000  # records per write transaction of the ingest: each holds the write lock for about a second
USERS = 4


def big_batch(path: Path, n: int) -> Path:
    """``n`` records in the arXiv listing JSONL format, made from the sample's real ones under new ids."""
    rows = [json.loads(line) for file in SAMPLE for line in file.read_text().splitlines() if line.strip()]
    with path.open("w") as out:
        for i in range(n):
            row = dict(rows[i % len(rows)])
            row["id"] = f"2699.{i:05d}"
            row["abs"], row["pdf"] = f"https://arxiv.org/abs/{row['id']}", f"https://arxiv.org/pdf/{row['id']}"
            out.write(json.dumps(row) + "\n")
    return path


@dataclass
class Outcome:
    method: str
    path: str
    status: int | str  # an exception name when no response came back
    ms: float


@dataclass
class User:
    client: httpx.Client
    csrf: str
    outcomes: list[Outcome] = field(default_factory=list)

    def request(self, method: str, path: str, **kwargs: object) -> None:
        started = time.perf_counter()
        try:
            status: int | str = self.client.request(method, path, **kwargs).status_code  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        self.outcomes.append(Outcome(method, path, status, (time.perf_counter() - started) * 1000))


def write_requests(user: User, paper_ids: list[str], stop: threading.Event) -> None:
    """Upvote, save, un-upvote (JSON API), save through the form, view a paper: each one a write."""
    api_headers = {"X-CSRF-Token": user.csrf}
    i = 0
    while not stop.is_set():
        paper = paper_ids[i % len(paper_ids)]
        user.request("POST", f"/api/papers/{paper}/upvote", headers=api_headers)
        user.request("POST", f"/api/papers/{paper}/save", headers=api_headers)
        user.request("DELETE", f"/api/papers/{paper}/upvote", headers=api_headers)
        user.request("POST", f"/papers/{paper}/save", data={"csrf_token": user.csrf, "next": f"/papers/{paper}"})
        user.request("GET", f"/papers/{paper}")
        i += 1


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]


def test_web_writes_never_fail_while_another_process_ingests(tmp_path: Path) -> None:
    home = tmp_path / "home"
    db = prepare_sample(home)
    sample_ids = [row["id"] for row in paper_store.papers_announced_on(db, _first_day(db), limit=50)]
    before = paper_store.count_papers(db)
    batch = big_batch(tmp_path / "batch.jsonl", BATCH_RECORDS)
    site = LiveSite(
        home,
        PAPERWIRE_VOTE_RATE_LIMIT="1000000",  # the rate limiter is not under test
        PAPERWIRE_SIGNIN_RATE_LIMIT="100",
        PAPERWIRE_INDEX_CATCH_UP_SECONDS="3600",  # no background embedding of the batch: writes only
    )
    with site:
        users = []
        for n in range(USERS):
            client = httpx.Client(base_url=site.base, timeout=120, follow_redirects=False)
            users.append(User(client, sign_in(client, db, f"voter{n}@example.org")))
        stop = threading.Event()
        threads = [threading.Thread(target=write_requests, args=(u, sample_ids, stop)) for u in users]
        for thread in threads:
            thread.start()
        try:
            time.sleep(1)  # users are voting when the ingest starts
            env = {**site.env, "PAPERWIRE_INGEST_BATCH_SIZE": str(BATCH_SIZE)}
            started = time.monotonic()
            ingest = subprocess.run(
                [sys.executable, "-m", "paperwire", "ingest", "jsonl", str(batch), "--date", "2026-07-02"],
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            ingest_seconds = time.monotonic() - started
            time.sleep(1)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=180)
            for user in users:
                user.client.close()
        server_log = site.log_text()
    assert ingest.returncode == 0, ingest.stderr
    assert paper_store.count_papers(db) == before + BATCH_RECORDS

    outcomes = [o for user in users for o in user.outcomes]
    failed = [o for o in outcomes if not (isinstance(o.status, int) and 200 <= o.status < 400)]
    latencies = [o.ms for o in outcomes]
    print(
        f"\n{len(outcomes)} web writes from {USERS} users during a {BATCH_RECORDS:,}-record ingest "
        f"({BATCH_SIZE:,} per transaction, {ingest_seconds:.1f} s): {len(failed)} failed; latency ms "
        f"p50 {percentile(latencies, 50):.0f}, p95 {percentile(latencies, 95):.0f}, "
        f"p99 {percentile(latencies, 99):.0f}, max {max(latencies):.0f}"
    )
    assert not failed, f"{len(failed)} failed requests, e.g. {failed[:5]}\n{server_log}"
    assert "database is locked" not in server_log
    assert len(outcomes) >= 50 * USERS, "too few requests overlapped the ingest to mean anything"
    db.dispose()


def _first_day(db: Database):  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return conn.execute(select(func.min(papers.c.announced_on))).scalar_one()


# --- 2. a full disk under the search index -----------------------------------------------------------------

TMPFS_SIZE = "32m"
QUERIES = ["diffusion models for image generation", "graph neural networks", "quantum error correction"]


@contextlib.contextmanager
def tiny_filesystem(path: Path) -> Iterator[Path]:
    """A real, small file system (tmpfs) mounted at ``path``: writes past its size fail with ENOSPC."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(path)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (it needs root, as in CI): {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)  # lazy: the index's files may still be mapped


def fill_up(directory: Path, leave: int) -> Path:
    """Fill the file system with one file until it is full, then give back ``leave`` bytes."""
    filler = directory / "filler"
    with filler.open("wb", buffering=0) as out:
        for chunk in (1 << 20, 4096):
            with pytest.raises(OSError, match="No space left on device") as full:
                _write_forever(out, bytes(chunk))
            assert full.value.errno == errno.ENOSPC
    os.truncate(filler, filler.stat().st_size - leave)
    return filler


def _write_forever(out: BinaryIO, chunk: bytes) -> None:
    while True:
        out.write(chunk)


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAPERWIRE_HOME": str(home), "COLUMNS": "400"}
    return subprocess.run(
        [sys.executable, "-m", "paperwire", *args], env=env, capture_output=True, text=True, timeout=300
    )


def answers(search: SearchService, titles: list[str]) -> dict[str, list[str]]:
    return {q: [hit.id for hit in search.search(q, limit=10).hits] for q in [*QUERIES, *titles]}


# Free bytes left on the index's file system when the catch-up starts; with the sample's 470 papers indexed
# and 26 to add, the first write to fail is a keyword-index segment, the vector file, or the keyword commit.
@pytest.mark.parametrize("leave", [0, 100_000, 800_000], ids=["full", "100KB-left", "800KB-left"])
def test_full_disk_during_catch_up_keeps_the_previous_index(tmp_path: Path, leave: int) -> None:
    home = tmp_path / "home"
    settings = Settings(home=home)
    db = Database(settings.resolved_database_url)
    upgrade(db)
    with tiny_filesystem(home / "search") as index_dir:
        service.load_sample(db, settings)
        search = SearchService(settings, db)
        search.catch_up()
        sample_titles = [str(row["title"]) for row in paper_store.papers_announced_on(db, _first_day(db), limit=3)]
        before = answers(search, sample_titles)
        documents = search.status().documents
        files_before = sorted(p.name for p in index_dir.iterdir())
        lexical_commit = (index_dir / "lexical" / "meta.json").read_bytes()  # tantivy's last commit

        filler = fill_up(index_dir, leave)
        service.ingest_jsonl(db, settings, [NEW_DAY])  # the database is elsewhere: only the index is out of room
        new_papers = [json.loads(line) for line in NEW_DAY.read_text().splitlines() if line.strip()]

        # the catch-up fails, in this process and from the command line, with one clear line
        with pytest.raises(Exception, match=r"^cannot write the search index in .* MB free on its disk\): "):
            search.catch_up()
        failed = cli(home, "index")
        assert failed.returncode == 1, failed.stderr
        assert "Traceback" not in failed.stderr
        last_line = failed.stderr.strip().splitlines()[-1]
        assert last_line.startswith(f"error: cannot write the search index in {index_dir}"), failed.stderr
        print(f"\n{leave:,} bytes left: {last_line}")

        # ... and the previous index is untouched and answers as before: here, in a fresh reader, on the CLI
        assert sorted(p.name for p in index_dir.iterdir()) == sorted([*files_before, "filler"])
        assert (index_dir / "lexical" / "meta.json").read_bytes() == lexical_commit
        assert answers(search, sample_titles) == before
        fresh = SearchService(settings, db)
        assert answers(fresh, sample_titles) == before
        status = fresh.status()
        assert (status.documents, status.behind) == (documents, len(new_papers))
        assert fresh.similar(before[QUERIES[0]][0], limit=5)
        searched = cli(home, "search", QUERIES[0], "--limit", "10", "--json")
        assert searched.returncode == 0, searched.stderr
        assert [hit["id"] for hit in json.loads(searched.stdout)] == before[QUERIES[0]]
        assert "cannot write the search index" in searched.stderr  # said once, as a warning

        # with room again, the next catch-up brings in the new papers
        filler.unlink()
        done = cli(home, "index", "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["documents"] == documents + len(new_papers)
        search.catch_up()  # picks up what the command saved
        for reader in (search, SearchService(settings, db)):
            status = reader.status()
            assert (status.documents, status.behind) == (documents + len(new_papers), 0)
            newest = new_papers[0]
            assert reader.search(newest["title"], limit=3).hits[0].id == newest["id"]
            assert answers(reader, sample_titles)[sample_titles[0]][0] == before[sample_titles[0]][0]
        leftovers = [p.name for p in index_dir.iterdir() if p.name.endswith(".tmp")]
        assert leftovers == []
    db.dispose()
