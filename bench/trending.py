"""Trending refresh at 100k papers: this code against the current ``main`` in the same run, on the same data.

Usage: .venv/bin/python bench/trending.py [--papers 100000] [--load lab|busy|both] [--postgres URL]
                                          [--baseline-ref main] [--cache /tmp/trending-cache]

Builds the scale data of ``bench/replay.py`` (the 61 shared corpus days replicated to ``--papers`` papers,
seeded synthetic signals at the "lab" or ten times busier "busy" in-app load; SQLite files are cached under
``--cache``), then times on the same database, alternately, a full refresh (three windows) by

- this checkout (in-app events read from ``signal_counts``, kept up to date on write), and
- the baseline: the code of ``--baseline-ref`` (``git archive``), which groups every in-app event,

each in a fresh process, three times, and prints the best time of each and their ratio. Also the cost of
keeping the counts on write: an upvote recorded (and its row recounted) on the busy database.

Skips cleanly when ../shared is absent.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import subprocess
import sys
import tarfile
import time
from datetime import date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from ingest import CORPUS, SHARED, postgres_database
from paperwire.core.records import Page, PaperRecord, Signal
from paperwire.db import signals as signals_db
from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from paperwire.db.schema import signals as signals_table
from paperwire.db.upsert import insert_ignore
from paperwire.ingest import jsonl
from paperwire.ingest.pipeline import ingest
from replay import LOADS, SEED, Synthetic, analyze, day_files

ROOT = Path(__file__).resolve().parents[1]

TIMER = r"""
import json, sys, time
from datetime import datetime
from paperwire import trending
from paperwire.config import Settings
from paperwire.db.engine import Database
from sqlalchemy import text
db = Database(sys.argv[1])
now = datetime.fromisoformat(sys.argv[2])
with db.engine.begin() as conn:
    conn.execute(text("DELETE FROM trending_state"))  # else a refresh of the same inputs is skipped
started = time.perf_counter()
report = trending.refresh(db, Settings(), now=now)
seconds = time.perf_counter() - started
top = trending.trending(db, Settings(), window="day", limit=5)
print(json.dumps({"seconds": seconds, "papers": report.papers, "top": [i.id for i in top]}))
"""


def build(db: Database, n_papers: int, load: str) -> datetime:
    synthetic = Synthetic(np.random.default_rng(SEED + 1), LOADS[load])
    originals = [
        (
            date.fromisoformat(p.stem),
            [i for pg in jsonl.read_jsonl([p]) for i in pg.items if isinstance(i, PaperRecord)],
        )
        for p in day_files()
    ]
    copies = math.ceil(n_papers / sum(len(r) for _, r in originals))
    stored = 0
    for day, records in originals:
        batch = [dataclasses.replace(r, id=f"{r.id}-c{c}") for c in range(copies) for r in records]
        batch = batch[: max(0, min(len(batch), n_papers - stored))]
        ingest(db, iter([Page(batch[i : i + 5000], "copy") for i in range(0, len(batch), 5000)]))
        stored += len(batch)
        synthetic.announce([r.id for r in batch], day)
        store_raw(db, synthetic.signals_for_day(day, [r.id for r in batch]))
    with db.write() as conn:  # the counts a write would have kept, built once (a test holds them equal)
        signals_db.rebuild_counts(conn)
    analyze(db)
    return datetime.combine(originals[-1][0], datetime.min.time()) + timedelta(hours=18)


def store_raw(db: Database, observations: list[tuple[str, Signal]]) -> None:
    """Signals without the per-write recount (the benchmark's data load; counts are rebuilt after)."""
    for start in range(0, len(observations), 20_000):
        rows = [
            {"paper_id": p, "kind": s.kind, "value": s.value, "at": s.at, "source": s.source, "actor": s.actor}
            for p, s in observations[start : start + 20_000]
        ]
        with db.write() as conn:
            insert_ignore(conn, signals_table, rows)


def vote_latency(rounds: int) -> None:
    """`paperwire run` on the bundled sample in its own process; a vote stored as the site stores it; the time
    until /api/trending shows it (the scheduler's refresh plus the pages' cache)."""
    import tempfile

    import httpx

    from paperwire.config import Settings
    from paperwire.trending import reactions

    home = Path(tempfile.mkdtemp(prefix="paperwire-vote-latency-"))
    port = 8765
    env = {**os.environ, "PAPERWIRE_HOME": str(home), "PAPERWIRE_PORT": str(port)}
    env.pop("PAPERWIRE_DATABASE_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "paperwire", "run", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the site did not come up")
            time.sleep(1)
        db = Database(Settings(home=home).resolved_database_url)
        waits = []
        for n in range(rounds):
            items = httpx.get(base + "/api/trending", params={"window": "day", "limit": 30}).json()["items"]
            target = items[10 + n]["id"]
            started = time.monotonic()
            reactions.record_reaction(db, user_id=f"latency-{n}", paper_id=target, kind="upvote", on=True)
            while True:
                listed = httpx.get(base + "/api/trending", params={"window": "day", "limit": 100}).json()["items"]
                if any(i["id"] == target and i["counts"].get("upvote") for i in listed):
                    break
                time.sleep(0.25)
            waits.append(time.monotonic() - started)
            print(f"  vote {n + 1}: in /api/trending after {waits[-1]:.1f} s")
        print(f"vote to new score on the running sample: median {sorted(waits)[len(waits) // 2]:.1f} s, "
              f"max {max(waits):.1f} s ({rounds} votes)")  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)


def baseline_tree(ref: str, cache: Path) -> Path:
    commit = subprocess.run(["git", "rev-parse", ref], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    target = cache / f"src-{commit.strip()[:12]}"
    if not target.exists():
        archive = subprocess.run(["git", "archive", ref, "src"], cwd=ROOT, capture_output=True, check=True).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
    return target / "src"


def timed(url: str, now: datetime, src: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, "-c", TIMER, url, now.isoformat()], env=env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def compare(name: str, url: str, now: datetime, baseline: Path, rounds: int) -> None:
    mine_src = ROOT / "src"
    best: dict[str, float] = {}
    tops: dict[str, object] = {}
    for _ in range(rounds):
        for label, src in (("baseline", baseline), ("counts", mine_src)):
            result = timed(url, now, src)
            best[label] = min(best.get(label, math.inf), float(result["seconds"]))  # type: ignore[arg-type]
            tops[label] = result["top"]
    print(
        f"{name}: refresh (3 windows) counts {best['counts']:.2f} s, baseline {best['baseline']:.2f} s "
        f"(x{best['baseline'] / best['counts']:.1f}); best of {rounds}; "
        f"same day-window top 5: {tops['counts'] == tops['baseline']}"
    )


def write_cost(url: str, rounds: int = 50) -> None:
    from sqlalchemy import select

    from paperwire.db.schema import papers
    from paperwire.trending import reactions

    db = Database(url)
    with db.read() as conn:
        ids = list(conn.execute(select(papers.c.id).limit(rounds)).scalars())
    started = time.perf_counter()
    for n, paper_id in enumerate(ids):
        reactions.record_reaction(db, user_id=f"bench-writer-{n}", paper_id=paper_id, kind="upvote", on=True)
    per_vote = (time.perf_counter() - started) / len(ids)
    for n, paper_id in enumerate(ids):
        reactions.record_reaction(db, user_id=f"bench-writer-{n}", paper_id=paper_id, kind="upvote", on=False)
    print(f"  an upvote written with its count kept: {per_vote * 1000:.1f} ms")


def cached_sqlite(cache: Path, n_papers: int, load: str) -> tuple[str, datetime]:
    path = cache / f"scale-{load}-{n_papers}.db"
    stamp = cache / f"scale-{load}-{n_papers}.now"
    url = f"sqlite:///{path}"
    if not stamp.exists():
        path.unlink(missing_ok=True)
        db = Database(url)
        upgrade(db)
        started = time.perf_counter()
        stamp.write_text(build(db, n_papers, load).isoformat())
        print(f"built {path.name} in {time.perf_counter() - started:.0f} s")
        db.dispose()
    return url, datetime.fromisoformat(stamp.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--load", choices=[*LOADS, "both"], default="both")
    parser.add_argument("--postgres", default=None, help="also run on this PostgreSQL URL")
    parser.add_argument("--baseline-ref", default="main")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/trending-cache"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--backends", default="sqlite,postgres", help="which of sqlite, postgres to time")
    parser.add_argument("--vote-latency", type=int, default=0, metavar="N", help="only: N votes on the running sample")
    args = parser.parse_args()
    if args.vote_latency:
        vote_latency(args.vote_latency)
        return 0
    if not CORPUS.exists():
        print(f"skipped: shared corpus not found at {SHARED}")
        return 0
    args.cache.mkdir(parents=True, exist_ok=True)
    baseline = baseline_tree(args.baseline_ref, args.cache)
    print(f"paperwire trending refresh benchmark (python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    loads = list(LOADS) if args.load == "both" else [args.load]
    for load in loads:
        if "sqlite" in args.backends:
            url, now = cached_sqlite(args.cache, args.papers, load)
            compare(f"sqlite {load}", url, now, baseline, args.rounds)
            if load == "busy":
                write_cost(url)
        if args.postgres and "postgres" in args.backends:
            db, drop = postgres_database(args.postgres)
            try:
                started = time.perf_counter()
                pg_now = build(db, args.papers, load)
                print(f"built the postgres {load} data in {time.perf_counter() - started:.0f} s")
                compare(f"postgres {load}", db.url, pg_now, baseline, args.rounds)
                if load == "busy":
                    write_cost(db.url)
            finally:
                drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
