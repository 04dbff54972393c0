"""Trending replay: 61 real arXiv days with seeded synthetic signals, and refresh time at 100k papers.

Usage: .venv/bin/python bench/replay.py [--postgres URL] [--papers 100000] [--baseline-papers 5000]
                                        [--load lab|busy|both] [--quiet] [--skip-replay]

Part 1 (replay, "lab" load) ingests ../shared/corpus/arxiv-daily-2026 one day at a time; after each day it adds that
day's synthetic signals and refreshes trending at 18:00 UTC, printing the day window's top 5 and the refresh
time. Synthetic signals (seed 7): every paper gets a heavy-tailed popularity (log-normal); from it come page
views, upvotes, saves and digest clicks over its first ten days, Hugging Face upvotes for the day's 25 most
popular papers, and daily GitHub star counts for one paper in seven (some linking an already famous repo).
One "sock puppet" account upvotes, saves, views and clicks a paper nobody else likes, every day: its rank
shows what the per-actor cap does.

Part 2 (scale) replicates the corpus papers to ``--papers`` (synthetic ids, same days) with signals in the
same proportions, at the "lab" and the ten times busier "busy" in-app load (``--load``), and times: a full
refresh (all three windows), a rerun (nothing changed: skipped), and the baseline, the naive per-paper loop
(one query per paper, the readable formula in plain Python), measured on ``--baseline-papers`` papers in the
same run and extrapolated linearly (it says so).

With ``--digests N`` the replay also runs the digest pipeline: N confirmed test subscribers (seeded mix of
daily and weekly, categories from the corpus) get their digests planned and delivered (to .eml files) after
each day's refresh, and at the end every delivered mail is read back to check that no subscriber got two
digests for one day and no paper twice. (Subscribers follow categories, not free-text topics, so the replay
needs no embedding; topic matching is covered by the test suite.)

Skips cleanly when ../shared is absent.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import text

from ingest import CORPUS, SHARED, postgres_database, sqlite_database
from paperwire import trending
from paperwire.config import Settings
from paperwire.core.records import Page, PaperRecord, Signal
from paperwire.core.signals import EVENT_KINDS, SNAPSHOT_KINDS
from paperwire.db import papers as papers_db
from paperwire.db import signals as signals_db
from paperwire.db.engine import Database
from paperwire.ingest import jsonl
from paperwire.ingest.pipeline import ingest
from paperwire.trending.formula import WINDOWS, Event, Snapshot, params_for, score_paper

SEED = 7
# In-app activity: "lab" is a few hundred active readers (~2 in-app events per paper in its first days),
# "busy" ten times that (about 30,000 events a day at 100k papers in 61 days).
LOADS = {"lab": 0.1, "busy": 1.0}
ACTIVE_DAYS = 10  # in-app activity on a paper spans its first days
STAR_DAYS = 14  # the GitHub job follows recent papers for github_recent_days


@dataclasses.dataclass(slots=True)
class Synthetic:
    """Seeded synthetic signals for papers as they are announced."""

    rng: np.random.Generator
    activity: float = 1.0  # multiplies every in-app rate: 1.0 = "lab", LOADS["busy"] = a busy public site
    papers: dict[str, tuple[float, date, float | None]] = dataclasses.field(default_factory=dict)  # pop, day, star base

    def announce(self, ids: list[str], day: date) -> None:
        popularity = self.rng.lognormal(0.0, 1.3, len(ids))
        has_code = self.rng.random(len(ids)) < 1 / 7
        famous = self.rng.random(len(ids)) < 0.05
        for paper_id, pop, code, old in zip(ids, popularity, has_code, famous, strict=True):
            base = float(self.rng.integers(2_000, 40_000)) if old else 0.0
            self.papers[paper_id] = (float(pop), day, base if code else None)

    def signals_for_day(self, day: date, new_ids: list[str]) -> list[tuple[str, Signal]]:
        out: list[tuple[str, Signal]] = []
        midnight = datetime.combine(day, datetime.min.time())
        out += self._hf(new_ids, midnight)
        for paper_id, (pop, announced, star_base) in self.papers.items():
            age = (day - announced).days
            if 0 <= age < ACTIVE_DAYS:
                out += self._in_app(paper_id, pop * 0.5 ** (age / 2), midnight)
            if star_base is not None and 0 <= age < STAR_DAYS:
                stars = star_base + pop * 12 * (age + 1) + self.rng.integers(0, 3)
                out.append((paper_id, Signal("github_stars", float(round(stars)), midnight, "github")))
        return out

    def _hf(self, new_ids: list[str], midnight: datetime) -> list[tuple[str, Signal]]:
        ranked = sorted(new_ids, key=lambda p: -self.papers[p][0] * self.rng.lognormal(0, 0.5))[:25]
        return [(p, Signal("hf_upvotes", float(round(self.papers[p][0] * 12)), midnight, "hf")) for p in ranked]

    def _in_app(self, paper_id: str, heat: float, midnight: datetime) -> list[tuple[str, Signal]]:
        out = []
        for kind, rate, pool in (
            ("view", 3.0, 50_000),
            ("upvote", 0.6, 3_000),
            ("save", 0.25, 3_000),
            ("click", 0.3, 5_000),
        ):
            for actor in self.rng.integers(0, pool, self.rng.poisson(heat * rate * self.activity)):
                at = midnight + timedelta(minutes=int(self.rng.integers(0, 18 * 60)))
                at = midnight if kind in ("view", "click") else at  # one per visitor and day, as the app stores them
                out.append(
                    (paper_id, Signal(kind, 1.0, at, "app" if kind != "click" else "digest", f"{kind[0]}{actor}"))
                )
        return out


def day_files() -> list[Path]:
    return sorted(CORPUS.glob("*.jsonl"))


def store_signals(db: Database, observations: list[tuple[str, Signal]]) -> None:
    for start in range(0, len(observations), 20_000):
        with db.write() as conn:
            signals_db.add_signals(conn, observations[start : start + 20_000])


def sock_puppet(day: date, paper_id: str) -> list[tuple[str, Signal]]:
    at = datetime.combine(day, datetime.min.time())
    kinds = [("upvote", "app"), ("save", "app"), ("view", "app"), ("click", "digest")]
    return [(paper_id, Signal(kind, 1.0, at, source, "puppet")) for kind, source in kinds]


def replay(db: Database, settings: Settings, quiet: bool, load: str, digests: int = 0) -> None:
    synthetic = Synthetic(np.random.default_rng(SEED), LOADS[load])
    mail = DigestReplay(db, settings, digests) if digests else None
    puppet: str | None = None
    times = []
    for path in day_files():
        day = date.fromisoformat(path.stem)
        records = [item for page in jsonl.read_jsonl([path]) for item in page.items if isinstance(item, PaperRecord)]
        ingest(db, iter([Page(records, path.name)]))
        new_ids = [r.id for r in records if r.id not in synthetic.papers]
        synthetic.announce(new_ids, day)
        puppet = puppet or min(new_ids, key=lambda p: synthetic.papers[p][0])
        store_signals(db, synthetic.signals_for_day(day, new_ids) + sock_puppet(day, puppet))
        now = datetime.combine(day, datetime.min.time()) + timedelta(hours=18)
        report = trending.refresh(db, settings, now=now)
        times.append(report.seconds)
        top = trending.trending(db, settings, window="day", limit=5)
        scores = trending.scores(db, "day")
        rank = 1 + sum(1 for s in scores.values() if s > scores.get(puppet, 0.0))
        print(
            f"{day}  refresh {report.seconds * 1000:6.0f} ms  {report.signals_read:>8,} signals  "
            f"{report.papers['month']:>6,} papers  sock-puppet paper rank {rank:,} of {len(scores):,}"
        )
        if not quiet:
            for n, item in enumerate(top, 1):
                print(f"    {n}. {item.id}  {item.score:5.2f}  {item.title[:60]:<60}  {item.reason}")
        if mail:
            mail.day(day, now)
    if mail:
        mail.verify()
    print(
        f"replay: {len(times)} days, refresh median {np.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms, total {sum(times):.1f} s"
    )


class DigestReplay:
    """Subscribers, daily planning and delivery to .eml files, and the final read-back check."""

    def __init__(self, db: Database, settings: Settings, count: int) -> None:
        import random

        from paperwire.db import subscribers as subs
        from paperwire.db.subscribers import Preferences

        self.outbox_dir = Path(tempfile.mkdtemp(prefix="paperwire-replay-mail-"))
        self.settings = settings.model_copy(
            update={
                "mail_url": f"file://{self.outbox_dir}",
                "click_tracking": False,
                "home": self.outbox_dir,
            }
        )
        self.db = db
        rng = random.Random(SEED)
        categories = ["cs.LG", "cs.CL", "cs.CV", "cs.AI", "cs.RO", "cs.CR", "stat.ML", "cs.IR", "cs.SE", "cs.*"]
        for n in range(count):
            weekly = rng.random() < 0.25
            prefs = Preferences(
                categories=rng.sample(categories, rng.randint(1, 2)),
                digest_size=rng.choice([5, 10]),
                frequency="weekly" if weekly else "daily",
                weekday=rng.randint(0, 6),
            )
            subs.add(db, f"replay{n:03d}@example.org", prefs, confirmed=True, now=datetime(2026, 4, 1))
        self.planned = 0

    def day(self, day: date, now: datetime) -> None:
        from paperwire.mail.digest import due_on_day, plan_digests
        from paperwire.mail.sender import Sender
        from paperwire.search import SearchService

        search = SearchService(self.settings, self.db)  # never used: subscribers follow categories only
        self.planned += plan_digests(self.db, self.settings, search, due=due_on_day(self.db, day), now=now).planned
        Sender(self.db, self.settings).run(until_empty=True)

    def verify(self) -> None:
        import re
        from collections import Counter
        from email import message_from_bytes, policy

        per_day: Counter[tuple[str, str]] = Counter()
        papers: dict[str, Counter[str]] = {}
        files = sorted(self.outbox_dir.glob("*.eml"))
        for path in files:
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            to = str(message["To"])
            label = str(message["Subject"]).split(" for ", 1)[1].split(":", 1)[0]
            per_day[(to, label)] += 1
            text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            papers.setdefault(to, Counter()).update(re.findall(r"/papers/([\w./-]+)", text))
        twice = sum(1 for n in per_day.values() if n > 1)
        repeats = sum(1 for counts in papers.values() for n in counts.values() if n > 1)
        print(
            f"digests: {len(files):,} delivered ({self.planned:,} planned) to {len(papers)} subscribers; "
            f"subscriber-days with two digests: {twice}; papers sent twice to one subscriber: {repeats}"
        )
        if twice or repeats or len(files) != self.planned:
            raise SystemExit("digest replay check FAILED")


def scale(db: Database, settings: Settings, n_papers: int, baseline_papers: int, load: str) -> None:
    synthetic = Synthetic(np.random.default_rng(SEED + 1), LOADS[load])
    originals = [
        (
            date.fromisoformat(path.stem),
            [i for p in jsonl.read_jsonl([path]) for i in p.items if isinstance(i, PaperRecord)],
        )
        for path in day_files()
    ]
    per_copy = sum(len(records) for _, records in originals)
    copies = math.ceil(n_papers / per_copy)
    stored = 0
    for day, records in originals:
        batch = [dataclasses.replace(r, id=f"{r.id}-c{c}") for c in range(copies) for r in records]
        batch = batch[: max(0, min(len(batch), n_papers - stored))]
        ingest(db, iter([Page(batch[i : i + 5000], "copy") for i in range(0, len(batch), 5000)]))
        stored += len(batch)
        synthetic.announce([r.id for r in batch], day)
        store_signals(db, synthetic.signals_for_day(day, [r.id for r in batch]))
    now = datetime.combine(originals[-1][0], datetime.min.time()) + timedelta(hours=18)
    analyze(db)
    total_signals = signals_db.count_signals(db)
    full = trending.refresh(db, settings, now=now)
    rerun = trending.refresh(db, settings, now=now)
    print(
        f"scale ({load} load): {stored:,} papers, {total_signals:,} signals; refresh (3 windows) {full.seconds:.2f} s "
        f"reading {full.signals_read:,} signals, scoring {full.papers['month']:,} papers; rerun (unchanged) "
        f"{rerun.seconds * 1000:.0f} ms"
    )
    naive_seconds, done = naive_refresh(db, settings, now, baseline_papers)
    per_paper = naive_seconds / done
    extrapolated = per_paper * full.papers["month"]
    print(
        f"baseline (naive per-paper loop, 3 windows): {done:,} papers in {naive_seconds:.2f} s = "
        f"{per_paper * 1000:.2f} ms/paper -> {extrapolated:.0f} s for {full.papers['month']:,} papers "
        f"(extrapolated); refresh is x{extrapolated / full.seconds:.0f} faster"
    )


def analyze(db: Database) -> None:
    """Table statistics and, on PostgreSQL, the visibility map, as a live server has them from autovacuum
    (plans differ without them; without the visibility map no index-only scan)."""
    vacuum = "VACUUM (ANALYZE)" if db.engine.dialect.name == "postgresql" else "ANALYZE"
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(vacuum))


def naive_refresh(db: Database, settings: Settings, now: datetime, limit: int) -> tuple[float, int]:
    """The obvious implementation: for each paper, load it and its signals, score it with the readable formula."""
    ids = [item.id for item in trending.trending(db, settings, window="month", limit=limit)]
    hours = lambda at: (now - at).total_seconds() / 3600  # noqa: E731
    start = time.perf_counter()
    for paper_id in ids:
        paper = papers_db.get_paper(db, paper_id)
        assert paper is not None
        prior_age = (now.date() - paper["announced_on"]).days * 24.0
        rows = [r for r in signals_db.signals_for(db, paper_id) if r["at"] <= now]  # type: ignore[operator]
        snaps = [Snapshot(r["kind"], r["value"], hours(r["at"])) for r in rows if r["kind"] in SNAPSHOT_KINDS]  # type: ignore[arg-type]
        events = [Event(r["kind"], r["actor"], hours(r["at"])) for r in rows if r["kind"] in EVENT_KINDS]  # type: ignore[arg-type]
        for window in WINDOWS:
            score_paper(snaps, events, prior_age, params_for(settings, window))
    return time.perf_counter() - start, len(ids)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=None, help="also run on this PostgreSQL URL")
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--baseline-papers", type=int, default=5_000)
    parser.add_argument("--quiet", action="store_true", help="no top 5 lists, only timings")
    parser.add_argument("--skip-replay", action="store_true")
    parser.add_argument(
        "--digests",
        type=int,
        nargs="?",
        const=50,
        default=0,
        help="also plan and send digests to N test subscribers (default 50) and check them",
    )
    parser.add_argument("--skip-scale", action="store_true", help="only the 61-day replay")
    parser.add_argument("--load", choices=[*LOADS, "both"], default="both", help="in-app activity (scale part)")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: shared corpus not found at {SHARED}")
        return 0
    print(f"paperwire trending benchmark  (python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        backends: list[tuple[str, Callable[[], tuple[Database, Callable[[], None]]]]] = [
            ("sqlite", lambda: (sqlite_database(tmp), lambda: None)),
        ]
        if args.postgres:
            backends.append(("postgres", lambda: postgres_database(args.postgres)))
        for name, make_db in backends:
            print(f"== {name}")
            if not args.skip_replay:
                db, cleanup = make_db()
                try:
                    replay(db, settings, args.quiet, "lab", args.digests)
                finally:
                    cleanup()
            for load in [] if args.skip_scale else LOADS if args.load == "both" else [args.load]:
                db, cleanup = make_db()
                try:
                    scale(db, settings, args.papers, args.baseline_papers, load)
                finally:
                    cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
