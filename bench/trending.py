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
from paperwire.core.records import Page, PaperRecord
from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from paperwire.ingest import jsonl
from paperwire.ingest.pipeline import ingest
from replay import LOADS, SEED, Synthetic, analyze, day_files, store_signals

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
        store_signals(db, synthetic.signals_for_day(day, [r.id for r in batch]))
    analyze(db)
    return datetime.combine(originals[-1][0], datetime.min.time()) + timedelta(hours=18)


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--load", choices=[*LOADS, "both"], default="both")
    parser.add_argument("--postgres", default=None, help="also run on this PostgreSQL URL")
    parser.add_argument("--baseline-ref", default="main")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/trending-cache"))
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: shared corpus not found at {SHARED}")
        return 0
    args.cache.mkdir(parents=True, exist_ok=True)
    baseline = baseline_tree(args.baseline_ref, args.cache)
    print(f"paperwire trending refresh benchmark (python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    loads = list(LOADS) if args.load == "both" else [args.load]
    for load in loads:
        path = args.cache / f"scale-{load}-{args.papers}.db"
        url = f"sqlite:///{path}"
        stamp = args.cache / f"scale-{load}-{args.papers}.now"
        if not stamp.exists():
            path.unlink(missing_ok=True)
            db = Database(url)
            upgrade(db)
            started = time.perf_counter()
            stamp_now = build(db, args.papers, load)
            stamp.write_text(stamp_now.isoformat())
            print(f"built {path.name} in {time.perf_counter() - started:.0f} s")
            db.dispose()
        now = datetime.fromisoformat(stamp.read_text())
        compare(f"sqlite {load}", url, now, baseline, args.rounds)
        if load == "busy":
            write_cost(url)
        if args.postgres:
            db, drop = postgres_database(args.postgres)
            try:
                pg_now = build(db, args.papers, load)
                compare(f"postgres {load}", db.url, pg_now, baseline, args.rounds)
                if load == "busy":
                    write_cost(db.url)
            finally:
                drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
