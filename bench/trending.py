"""Trending refresh at 100k papers: this code against ``--baseline-ref`` in the same run, on the same data.

Usage: .venv/bin/python bench/trending.py [--papers 100000] [--load lab|busy|both] [--postgres URL]
                                          [--baseline-ref main] [--cache /tmp/trending-cache] [--rounds 2]
                                          [--backends sqlite,postgres] [--build-only]

Builds the scale data of ``bench/replay.py`` (the 61 shared corpus days replicated to ``--papers`` papers,
seeded synthetic signals at the "lab" or ten times busier "busy" in-app load) with the baseline's schema, and
keeps it: SQLite files under ``--cache``, PostgreSQL databases ``pw_trending_<load>_<papers>`` on the
``--postgres`` server (the 100k build takes a quarter of an hour or more; ``--build-only`` builds and times
nothing). This checkout runs on a copy of the data with its own migrations (``*.this.db``, and the database
``pw_trending_<load>_<papers>_this`` made from the first as a template), kept as well. Then, alternately, each
in a fresh process, ``--rounds`` times, a full refresh (three windows, stored) by

- this checkout, and
- the baseline: the code of ``--baseline-ref`` (``git archive``),

and prints the best time of each, their ratio, the load average, and whether every stored list (papers, order,
scores to 1e-9) is the same. Also the cost of keeping the counts on write: an upvote recorded (and its row
recounted) on the busy database.

Skips cleanly when ../shared is absent.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import shutil
import subprocess
import sys
import tarfile
import time
from datetime import date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from ingest import CORPUS, SHARED
from paperwire.core.records import Page, PaperRecord, Signal
from paperwire.db import migrate
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
with db.engine.connect() as conn:  # every stored list, best first, to hold the two codes' results equal
    rows = conn.execute(text(
        "SELECT trend_window, paper_id, score FROM trending_scores "
        "ORDER BY trend_window, score DESC, announced_on DESC, paper_id DESC"
    )).all()
lists = {}
for window, paper_id, score in rows:
    lists.setdefault(window, []).append([paper_id, score])
print(json.dumps({"seconds": seconds, "papers": report.papers, "lists": lists}))
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


def timed(url: str, now: datetime, src: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, "-c", TIMER, url, now.isoformat()], env=env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def compare(name: str, url: str, now: datetime, baseline: Path, rounds: int) -> None:
    mine = this_copy(url)
    best: dict[str, float] = {}
    lists: dict[str, Any] = {}
    for _ in range(rounds):
        for label, src, where in (("baseline", baseline, url), ("counts", ROOT / "src", mine)):
            result = timed(where, now, src)
            best[label] = min(best.get(label, math.inf), float(result["seconds"]))
            lists[label] = result["lists"]
    print(
        f"{name}: refresh (3 windows) counts {best['counts']:.2f} s, baseline {best['baseline']:.2f} s "
        f"(x{best['baseline'] / best['counts']:.1f}); best of {rounds}; load average "
        f"{os.getloadavg()[0]:.1f}; stored lists {same_lists(lists['counts'], lists['baseline'])}"
    )


def same_lists(mine: dict[str, list[list[Any]]], theirs: dict[str, list[list[Any]]]) -> str:
    """Every window's stored list: the same papers in the same order, scores equal to rounding (1e-9)."""
    said = []
    for window in sorted(set(mine) | set(theirs)):
        a, b = mine.get(window, []), theirs.get(window, [])
        same_order = [p for p, _ in a] == [p for p, _ in b]
        close = same_order and all(
            math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) for (_, x), (_, y) in zip(a, b, strict=True)
        )
        said.append(f"{window} {len(a)}/{len(b)} {'equal' if close else 'DIFFER'}")
    return ", ".join(said)


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


def this_copy(url: str) -> str:
    """A copy of the cached data with this checkout's migrations (its indexes), made once and kept: the baseline
    runs on the data as its own code made it, this checkout on the copy."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from paperwire.db.engine import normalize_url, sqlite_file

    source = sqlite_file(url)
    if source is not None:
        copy = source.with_suffix(".this.db")
        built = source.with_suffix(".now")  # written when the build finished (the file changes at every refresh)
        if not copy.exists() or copy.stat().st_mtime < built.stat().st_mtime:
            base = Database(url)
            with base.engine.connect() as conn:  # the WAL folded in, so the file alone is the database
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            base.dispose()
            copy.unlink(missing_ok=True)
            shutil.copyfile(source, copy)
        target = f"sqlite:///{copy}"
    else:
        parsed = make_url(normalize_url(url))
        name = f"{parsed.database}_this"
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            made = not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if made:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"'))
        admin.dispose()
        target = parsed.set(database=name).render_as_string(hide_password=False)
    db = Database(target)
    fresh = not migrate.is_current(db)
    upgrade(db)
    if fresh:  # new indexes: their statistics (and on PostgreSQL the visibility map), as the base has them
        analyze(db)
    db.dispose()
    return target


def baseline_schema(url: str, baseline: Path) -> None:
    """The schema the baseline's own migrations make: the data are built as the baseline stores them (this
    checkout's migrations run on a copy, ``this_copy``)."""
    script = "import sys; from paperwire.db.engine import Database; from paperwire.db.migrate import upgrade; "
    script += "db = Database(sys.argv[1]); upgrade(db); db.dispose()"
    env = {**os.environ, "PYTHONPATH": str(baseline)}
    subprocess.run([sys.executable, "-c", script, url], env=env, check=True)


def cached_sqlite(cache: Path, n_papers: int, load: str, baseline: Path) -> tuple[str, datetime]:
    path = cache / f"scale-{load}-{n_papers}.db"
    stamp = cache / f"scale-{load}-{n_papers}.now"
    url = f"sqlite:///{path}"
    if not stamp.exists():
        path.unlink(missing_ok=True)
        baseline_schema(url, baseline)
        db = Database(url)
        started = time.perf_counter()
        stamp.write_text(build(db, n_papers, load).isoformat())
        print(f"built {path.name} in {time.perf_counter() - started:.0f} s")
        db.dispose()
    return url, datetime.fromisoformat(stamp.read_text())


def cached_postgres(server: str, n_papers: int, load: str, baseline: Path) -> tuple[str, datetime]:
    """A database of its own on ``server`` per (load, papers), kept after the run (the 100k build takes half an
    hour on a loaded machine); the build's "now" is stored in it once the build is complete."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from paperwire.db.engine import normalize_url

    name = f"pw_trending_{load}_{n_papers}"
    url = make_url(normalize_url(server)).set(database=name).render_as_string(hide_password=False)
    admin = create_engine(normalize_url(server), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if exists:
            probe = create_engine(url)
            try:
                with probe.connect() as conn:
                    stamp = conn.execute(text("SELECT to_regclass('bench_stamp')")).scalar()
                    if stamp is not None:
                        built = conn.execute(text("SELECT now_iso FROM bench_stamp")).scalar_one()
                        return url, datetime.fromisoformat(built)
            finally:
                probe.dispose()
            with admin.connect() as conn:  # an unfinished build: start again
                conn.execute(text(f'DROP DATABASE "{name}"'))
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    baseline_schema(url, baseline)
    db = Database(url)
    started = time.perf_counter()
    now = build(db, n_papers, load)
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_stamp (now_iso text NOT NULL)"))
        conn.execute(text("INSERT INTO bench_stamp VALUES (:n)"), {"n": now.isoformat()})
    print(f"built the postgres {load} data ({name}) in {time.perf_counter() - started:.0f} s")
    db.dispose()
    return url, now


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--load", choices=[*LOADS, "both"], default="both")
    parser.add_argument("--postgres", default=None, help="also run on this PostgreSQL URL")
    parser.add_argument("--baseline-ref", default="main")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/trending-cache"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--backends", default="sqlite,postgres", help="which of sqlite, postgres to time")
    parser.add_argument("--build-only", action="store_true", help="build (or find) the cached data, time nothing")
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
            url, now = cached_sqlite(args.cache, args.papers, load, baseline)
            if not args.build_only:
                compare(f"sqlite {load}", url, now, baseline, args.rounds)
                if load == "busy":
                    write_cost(this_copy(url))
        if args.postgres and "postgres" in args.backends:
            pg_url, pg_now = cached_postgres(args.postgres, args.papers, load, baseline)
            if not args.build_only:
                compare(f"postgres {load}", pg_url, pg_now, baseline, args.rounds)
                if load == "busy":
                    write_cost(this_copy(pg_url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
