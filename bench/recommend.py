"""Recommendation quality and cost: claim truth, author continuity, planning with profiles.

Usage: .venv/bin/python bench/recommend.py [--part claims continuity cost] [--cache /tmp/recommend-cache]
                                           [--authors 700] [--days 2026-06-09 ...] [--subscribers 20000]

**Claim truth** (CISI, Cranfield): each query is a subscriber's topic and the whole collection one listing
day. A paper is claimed "matches your topic" exactly when ``paperwire.recommend.matching`` says so (the same
function the digest uses). Reported against the judgements: precision and recall of the claim over the whole
collection, and in a 10-paper digest (recall there is out of min(10, relevant)). The threshold the product
ships is tuned on the even-numbered half of the queries of both sets together and reported on the odd half.

**Author continuity** (the shared 61-day arXiv corpus): authors with two or more papers first listed in the
first 40 days and one or more later; their earlier papers are their likes (no author following). For each
later day on which they have a paper, the rank of that paper in their personal ranking of that day's papers:
hit@10 and MRR for trending only, nearest neighbours of each liked paper (the digest's behaviour before this
change: 15 neighbours of each of the 5 newest likes, interleaved), the centroid of the likes, and the chosen
model (``paperwire.recommend.profile``: logistic regression against background papers), in one run. To fit
the shared 2-core machine the later days are a fixed subset (``--days``) and the authors a seeded sample
(``--authors``); every method ranks the same papers. The corpus has no trending signals (no Hugging Face or
GitHub data), so "trending only" is what the trending list is without signals: the listing order.

**Cost**: ``plan_digests`` on SQLite for N subscribers, a fifth of them with a learned profile (likes), once
with every profile trained in the plan and once more with the profiles stored (the daily case: nothing
changed); profile training time per reader.

Embeddings are cached under ``--cache`` (MiniLM as the product configures it); skips cleanly without
../shared.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from paperwire.config import Settings
from paperwire.recommend.profile import train_centroid, train_logistic
from paperwire.search.embedder import Embedder, load_embedder, paper_text
from quality import Collection, bench_query, load_cisi, load_cranfield

# Beside the checkout (../shared), or the shared folder of the machine the benchmarks were written on.
SHARED = next(
    (p for p in (Path(__file__).resolve().parents[1].parent / "shared", Path("/work/shared")) if p.exists()),
    Path(__file__).resolve().parents[1].parent / "shared",
)
BENCHMARKS = SHARED / "benchmarks"
CORPUS = SHARED / "corpus" / "arxiv-daily-2026"
DEFAULT_DAYS = ["2026-06-09", "2026-06-16", "2026-06-23", "2026-06-30"]
DIGEST = 10
Matrix = npt.NDArray[np.float32]


def embedder_of(settings: Settings) -> Embedder:
    return load_embedder(settings.search_embedder, max_tokens=settings.search_max_tokens, batch_size=16)


class VectorCache:
    """Vectors by text key, kept in one .npz per label and embedder (so reruns embed nothing)."""

    def __init__(self, root: Path, label: str, embedder: Embedder) -> None:
        self.path = root / f"{label}-{embedder.name.replace('@', '-')}.npz"
        self.embedder = embedder
        self.vectors: dict[str, Matrix] = {}
        if self.path.exists():
            data = np.load(self.path)
            self.vectors = dict(zip([str(k) for k in data["keys"]], data["vectors"], strict=True))

    def get(self, items: Sequence[tuple[str, str]]) -> dict[str, Matrix]:
        missing = [(k, t) for k, t in dict(items).items() if k not in self.vectors]
        if missing:
            started = time.perf_counter()
            for start in range(0, len(missing), 256):
                chunk = missing[start : start + 256]
                vectors = self.embedder.embed([t for _, t in chunk])
                self.vectors.update({k: v.astype(np.float32) for (k, _), v in zip(chunk, vectors, strict=True)})
                self._save()
                print(f"  embedded {start + len(chunk)}/{len(missing)}", file=sys.stderr)
            print(f"  embedded {len(missing)} texts in {time.perf_counter() - started:.0f}s", file=sys.stderr)
        return {k: self.vectors[k] for k, _ in items}

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self.vectors)
        np.savez(self.path, keys=np.array(keys), vectors=np.vstack([self.vectors[k] for k in keys]))


# --- claim truth ------------------------------------------------------------------------------------------


CLAIM_DAY = date(2026, 1, 5)


def claim_world(collection: Collection, settings: Settings, cache: Path, home: Path) -> tuple[Any, Any, dict[str, str]]:
    """The collection stored as papers all listed on one day and indexed by paperwire's own search (the
    cached embeddings stored first, so indexing reuses them). Returns (db, search, paper id -> doc id)."""
    from paperwire.core.records import PaperRecord
    from paperwire.db import embeddings as vectors_store
    from paperwire.db.engine import Database
    from paperwire.db.migrate import upgrade
    from paperwire.db.papers import upsert_papers
    from paperwire.ingest.normalize import make_record
    from paperwire.search import SearchService

    embedder = embedder_of(settings)
    docs = VectorCache(cache, f"{collection.name}-docs", embedder).get(
        [(doc_id, paper_text(title, text)) for doc_id, (title, text) in collection.docs.items()]
    )
    world = settings.model_copy(update={"home": home, "database_url": f"sqlite:///{home / 'p.db'}"})
    db = Database(world.resolved_database_url)
    upgrade(db)
    ids = {f"2601.{n:05d}": doc_id for n, doc_id in enumerate(collection.docs, start=1)}
    records = [
        make_record(
            raw_id=paper_id,
            title=collection.docs[doc_id][0] or f"Document {doc_id}",
            abstract=collection.docs[doc_id][1],
            source="bench",
            authors=["Anonymous"],
            categories=["cs.IR"],
            announced=CLAIM_DAY,
        )
        for paper_id, doc_id in ids.items()
    ]
    with db.write() as conn:
        upsert_papers(conn, [r for r in records if isinstance(r, PaperRecord)], now=datetime(2026, 1, 5, 12))
    seqs = vectors_store.current_seqs(db, list(ids))
    vectors_store.save_embeddings(
        db,
        [
            vectors_store.NewEmbedding(pid, seqs[pid], docs[doc].astype("<f2").tobytes())
            for pid, doc in ids.items()
            if pid in seqs
        ],
        model=embedder.name,
        dim=embedder.dim,
    )
    search = SearchService(world, db)
    search.catch_up()
    return db, search, dict(ids)


def claim_figures(
    collection: Collection, qids: list[str], claimed: dict[str, set[str]], digest: dict[str, list[str]]
) -> dict[str, float]:
    """Micro-averaged precision/recall of the "matches your topic" claim: over the whole collection (what the
    matcher claims) and in the 10-paper digest (what the reader reads; recall out of min(10, relevant))."""
    got = sum(len(claimed[q]) for q in qids)
    true = sum(len(claimed[q] & set(collection.qrels[q])) for q in qids)
    relevant = sum(len(collection.qrels[q]) for q in qids)
    shown = sum(len(digest[q]) for q in qids)
    shown_true = sum(sum(d in collection.qrels[q] for d in digest[q]) for q in qids)
    possible = sum(min(DIGEST, len(collection.qrels[q])) for q in qids)
    return {
        "precision": true / got if got else 1.0,
        "recall": true / relevant if relevant else 0.0,
        "digest_precision": shown_true / shown if shown else 1.0,
        "digest_recall": shown_true / possible if possible else 0.0,
        "claims_per_query": got / len(qids) if qids else 0.0,
    }


def ceiling_figures(collection: Collection, qids: list[str], ranked: dict[str, list[str]]) -> dict[str, float]:
    """What a perfect judge could claim over search's own ranking, using the judgements themselves (no product
    can): the bound on any calibration of this ranking.

    ``digest_recall``: every relevant paper of the ranking's top 10 claimed, nothing else (precision 1.0): the
    most a 10-paper digest in this order can recall. ``precision_at_07``: for each topic the shortest prefix of
    the ranking that holds 70% of its relevant papers, claimed whole (the best precision a per-topic cut of this
    ranking gets at recall 0.7; ``reach_07`` is the share of topics whose ranking reaches 0.7 at all)."""
    shown_true = sum(sum(d in collection.qrels[q] for d in ranked[q][:DIGEST]) for q in qids)
    possible = sum(min(DIGEST, len(collection.qrels[q])) for q in qids)
    cut_true = cut_len = reached = 0
    for q in qids:
        relevant = set(collection.qrels[q])
        need = int(np.ceil(0.7 * len(relevant)))
        found = 0
        for k, doc in enumerate(ranked[q], start=1):
            found += doc in relevant
            if found >= need:
                cut_true, cut_len, reached = cut_true + found, cut_len + k, reached + 1
                break
    return {
        "digest_recall": shown_true / possible if possible else 0.0,
        "precision_at_07": cut_true / cut_len if cut_len else 0.0,
        "reach_07": reached / len(qids) if qids else 0.0,
    }


def halves(collection: Collection) -> tuple[list[str], list[str]]:
    ids = [qid for qid, _ in collection.queries if qid in collection.qrels]
    return ids[0::2], ids[1::2]


def bench_claims(settings: Settings, cache: Path) -> None:
    from paperwire.recommend import Reader, Recommender
    from paperwire.search import MATCH_THRESHOLD, SearchFilters

    print(f"\n### Claim truth ({settings.search_embedder}, {settings.search_max_tokens} tokens)\n")
    print(
        f'Each query a subscriber\'s only topic; the whole collection one listing day. `reason: "topic"` is '
        f"claimed exactly when search's calibrated match passes `MATCH_THRESHOLD` = {MATCH_THRESHOLD} (fitted by "
        "the search benchmarks on the even-numbered queries: the odd half is held out).\n"
    )
    print("| set | queries | claims/query | precision | recall | digest precision | digest recall |")
    print("|---|---|---:|---:|---:|---:|---:|")
    ceilings: list[str] = []
    for collection in (load_cisi(BENCHMARKS / "cisi"), load_cranfield(BENCHMARKS / "cranfield")):
        with tempfile.TemporaryDirectory(prefix="recommend-claims-") as tmp:
            db, search, doc_of = claim_world(collection, settings, cache, Path(tmp))
            texts = {qid: bench_query(text) for qid, text in collection.queries if qid in collection.qrels}
            recommender = Recommender(db, settings, search, now=datetime(2026, 1, 5, 12))
            claimed: dict[str, set[str]] = {}
            ranked: dict[str, list[str]] = {}
            digest: dict[str, list[str]] = {}
            started = time.perf_counter()
            for qid, text in texts.items():
                hits = search.search(text, SearchFilters(since=CLAIM_DAY, until=CLAIM_DAY), limit=1000).hits
                claimed[qid] = {doc_of[h.id] for h in hits if h.matched}
                ranked[qid] = [doc_of[h.id] for h in hits]
                picks = recommender.picks(Reader(key=f"q{qid}", topics=(text,), digest_size=DIGEST), CLAIM_DAY)
                digest[qid] = [doc_of[p.paper_id] for p in picks.items if p.reason == "topic"]
            seconds = time.perf_counter() - started
            dev, test = halves(collection)
            for label, qids in (("held-out", test), ("all", dev + test)):
                f = claim_figures(collection, qids, claimed, digest)
                print(
                    f"| {collection.name} | {label} ({len(qids)}) | {f['claims_per_query']:.1f} "
                    f"| {f['precision']:.3f} | {f['recall']:.3f} | {f['digest_precision']:.3f} "
                    f"| {f['digest_recall']:.3f} |"
                )
                c = ceiling_figures(collection, qids, ranked)
                ceilings.append(
                    f"| {collection.name} | {label} ({len(qids)}) | {c['digest_recall']:.3f} "
                    f"| {c['precision_at_07']:.3f} | {c['reach_07']:.2f} |"
                )
            print(f"  {collection.name}: {len(texts)} queries in {seconds:.0f}s", file=sys.stderr)
            db.dispose()
    print(
        "\nThe ceiling: a perfect judge over search's ranking (it reads the judgements). Digest recall with "
        "precision 1.0 (only the relevant papers of the top 10 claimed); the best precision of a per-topic cut "
        "at recall 0.7 over the whole ranking, and the share of topics whose ranking reaches 0.7 at all.\n"
    )
    print("| set | queries | digest recall at precision 1.0 | precision at recall 0.7 | topics reaching 0.7 |")
    print("|---|---|---:|---:|---:|")
    print("\n".join(ceilings))


# --- author continuity ------------------------------------------------------------------------------------


@dataclass
class Corpus:
    first_day: dict[str, str]
    records: dict[str, dict[str, object]]
    days: list[str]
    order: dict[str, list[str]]  # day -> ids first listed that day, in listing order


def load_corpus() -> Corpus:
    first_day: dict[str, str] = {}
    records: dict[str, dict[str, object]] = {}
    order: dict[str, list[str]] = defaultdict(list)
    days = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        day = path.name[:10]
        days.append(day)
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if record["id"] not in records:
                records[record["id"]] = record
                first_day[record["id"]] = day
                order[day].append(record["id"])
    return Corpus(first_day, records, days, dict(order))


def text_of(record: dict[str, object]) -> str:
    return paper_text(str(record["title"]), str(record.get("summary", "")))


def rank_of(target: str, ids: list[str], scores: npt.NDArray[np.float32]) -> int:
    order = np.argsort(-scores, kind="stable")
    return int(np.flatnonzero(np.array(ids)[order] == target)[0]) + 1


def neighbour_ranking(ids: list[str], day_matrix: Matrix, likes: Matrix) -> npt.NDArray[np.float32]:
    """The old digest: 15 nearest neighbours of each of the 5 newest likes, interleaved; the rest after."""
    score = np.full(len(ids), -1e9, dtype=np.float32)
    lists = [np.argsort(-(day_matrix @ like), kind="stable")[:15] for like in likes[-5:]]
    position = 0
    for rank in range(15):
        for found in lists:
            row = found[rank]
            if score[row] < -1e8:
                score[row] = -position
                position += 1
    return score


@dataclass(frozen=True)
class CorpusPaper:
    title: str
    abstract: str
    authors: list[str]


def corpus_paper(record: dict[str, object]) -> CorpusPaper:
    return CorpusPaper(str(record["title"]), str(record.get("summary", "")), list(record["authors"]))  # type: ignore[call-overload]


@dataclass
class Case:
    author: str
    dev: bool
    ids: list[str]
    target: str
    fixed: dict[str, npt.NDArray[np.float32]]  # ranking name -> scores (methods without weights)
    parts: Any  # signals.Components
    has_vector: npt.NDArray[np.bool_]


FIXED = ("trending only", "neighbours of each like (before)", "centroid", "logistic profile alone")
MIXES = {
    "meaning alone (centred max cosine)": {"meaning": 1.0},
    "words alone (tf-idf max cosine)": {"words": 1.0},
    "co-authors alone": {"authors": 1.0},
}


def mix_scores(case: Case, weights: Any) -> npt.NDArray[np.float32]:
    from paperwire.recommend import signals

    parts = signals.contributions(case.parts, case.has_vector, weights)
    return signals.mixed(parts)


def figures(cases: list[Case], scorer: Any) -> tuple[float, float, int]:
    ranks = np.array([rank_of(c.target, c.ids, scorer(c)) for c in cases])
    return float(np.mean(ranks <= 10)), float(np.mean(1.0 / ranks)), int(np.median(ranks))


def bench_continuity(settings: Settings, cache: Path, days: list[str], authors_wanted: int) -> None:
    from paperwire.recommend import signals

    corpus = load_corpus()
    early = set(corpus.days[:40])
    by_author: dict[str, list[str]] = defaultdict(list)
    for pid, record in corpus.records.items():
        for name in set(record["authors"]):  # type: ignore[call-overload]
            by_author[name].append(pid)
    eligible = {
        name: ids
        for name, ids in by_author.items()
        if sum(corpus.first_day[i] in early for i in ids) >= 2 and any(corpus.first_day[i] not in early for i in ids)
    }
    on_days = sorted(name for name, ids in eligible.items() if any(corpus.first_day[i] in days for i in ids))
    sample = random.Random(14).sample(on_days, min(authors_wanted, len(on_days)))
    dev_authors = set(sample[0::2])  # weights are tuned on these; the other half is held out
    likes = {
        name: sorted((i for i in eligible[name] if corpus.first_day[i] in early), key=lambda i: corpus.first_day[i])
        for name in sample
    }
    background = random.Random(7).sample(sorted(i for i in corpus.records if corpus.first_day[i] in early), 256)
    wanted = {i for d in days for i in corpus.order[d]} | {i for ids in likes.values() for i in ids} | set(background)
    print(
        f"  continuity: {len(sample)} authors of {len(on_days)} eligible on {len(days)} days; {len(wanted)} papers",
        file=sys.stderr,
    )
    vectors = VectorCache(cache, "arxiv-daily-2026", embedder_of(settings)).get(
        [(i, text_of(corpus.records[i])) for i in sorted(wanted)]
    )
    background_matrix = np.vstack([vectors[i] for i in background])
    train_ms: list[float] = []
    started = time.perf_counter()
    day_matrices = {d: np.vstack([vectors[i] for i in corpus.order[d]]) for d in days}
    periods = {
        d: signals.PeriodSignals(
            [corpus_paper(corpus.records[i]) for i in corpus.order[d]],
            day_matrices[d],
            np.ones(len(corpus.order[d]), dtype=bool),
        )
        for d in days
    }
    period_seconds = time.perf_counter() - started
    cases: list[Case] = []
    reader_ms: list[float] = []
    for name in sample:
        like_matrix = np.vstack([vectors[i] for i in likes[name]])
        started = time.perf_counter()
        model = train_logistic(like_matrix, background_matrix)
        train_ms.append((time.perf_counter() - started) * 1000)
        centroid = train_centroid(like_matrix)
        liked = {i: corpus_paper(corpus.records[i]) for i in likes[name]}
        authors = signals.LikedAuthors.of(liked, own_name=name)  # the reader is this author: never their own name
        for target in eligible[name]:
            day = corpus.first_day[target]
            if day not in days:
                continue
            ids, matrix, period = corpus.order[day], day_matrices[day], periods[day]
            started = time.perf_counter()
            meaning, meaning_like = period.meaning(period.centre(like_matrix))
            words, words_like = period.words([period.tfidf(signals.terms_of(p)) for p in liked.values()])
            author_score, coauthor = signals.coauthors(period, authors)
            model_scores = model.scores(matrix)
            reader_ms.append((time.perf_counter() - started) * 1000)
            parts = signals.Components(model_scores, meaning, meaning_like, words, words_like, author_score, coauthor)
            fixed = {
                "trending only": -np.arange(len(ids), dtype=np.float32),
                "neighbours of each like (before)": neighbour_ranking(ids, matrix, like_matrix),
                "centroid": centroid.scores(matrix),
                "logistic profile alone": model_scores,
            }
            cases.append(Case(name, name in dev_authors, ids, target, fixed, parts, period.has_vector))
    dev = [c for c in cases if c.dev]
    held = [c for c in cases if not c.dev]
    chosen, plain = tune(dev)
    day_sizes = [len(corpus.order[d]) for d in days]
    print(
        f"\n### Author continuity ({len(sample)} authors, {len(cases)} later papers, days {', '.join(days)}: "
        f"{min(day_sizes)}–{max(day_sizes)} papers each; dev: {len(dev)} cases of {len(dev_authors)} authors, "
        f"held out: {len(held)} cases of {len(sample) - len(dev_authors)} authors)\n"
    )
    print(f"Tuned on dev: without authors {plain}; with authors {chosen}; shipped {signals.WEIGHTS}.\n")
    rankings: dict[str, Any] = {m: (lambda c, m=m: c.fixed[m]) for m in FIXED}
    for label, w in MIXES.items():
        rankings[label] = lambda c, w=w: mix_scores(
            c, signals.Weights(**{"model": 0.0, "meaning": 0.0, "words": 0.0, "authors": 0.0, **w})
        )
    rankings["mix without the author signal (dev-tuned)"] = lambda c: mix_scores(c, plain)
    rankings["**mix with co-authors (dev-tuned)**"] = lambda c: mix_scores(c, chosen)
    rankings["shipped weights (signals.WEIGHTS)"] = lambda c: mix_scores(c, signals.WEIGHTS)
    rankings["shipped weights, author signal off"] = lambda c: mix_scores(c, replace(signals.WEIGHTS, authors=0.0))
    print("| ranking | held-out hit@10 | MRR | median rank | dev hit@10 | all hit@10 |")
    print("|---|---:|---:|---:|---:|---:|")
    held_hits = {}
    for label, scorer in rankings.items():
        h, mrr, median = figures(held, scorer)
        d, _, _ = figures(dev, scorer)
        a, _, _ = figures(cases, scorer)
        held_hits[label] = h
        print(f"| {label} | {h:.3f} | {mrr:.3f} | {median} | {d:.3f} | {a:.3f} |")
    before = held_hits["neighbours of each like (before)"]
    for label in (
        "**mix with co-authors (dev-tuned)**",
        "mix without the author signal (dev-tuned)",
        "shipped weights (signals.WEIGHTS)",
        "shipped weights, author signal off",
        "logistic profile alone",
    ):
        print(
            f"\nHeld out, {label.strip('*')} vs before: hit@10 × {held_hits[label] / before:.2f} (target ≥ 1.5).",
            end="",
        )
    print(
        f"\n\nProfile training: median {np.median(train_ms):.1f} ms, p95 {np.percentile(train_ms, 95):.1f} ms per "
        f"reader (2+ likes, 256 background). Signals per reader and day: median {np.median(reader_ms):.2f} ms, "
        f"p95 {np.percentile(reader_ms, 95):.2f} ms; the days' period signals built in {period_seconds:.1f} s."
    )


GRID = (0.0, 0.25, 0.5, 1.0)
AUTHOR_GRID = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)


def tune(dev: list[Case]) -> tuple[Any, Any]:
    """Best weights by dev hit@10 (MRR breaks ties): first the three content signals, then the author weight."""
    from paperwire.recommend.signals import Weights

    def key(w: Weights) -> tuple[float, float]:
        h, mrr, _ = figures(dev, lambda c: mix_scores(c, w))
        return h, mrr

    content = [Weights(m, e, w, 0.0) for m in GRID for e in GRID for w in GRID if m or e or w]
    plain = max(content, key=key)
    chosen = max((replace(plain, authors=a) for a in AUTHOR_GRID), key=key)
    if chosen.authors == AUTHOR_GRID[-1]:
        print(f"  note: the author weight is at the grid's edge ({chosen.authors})", file=sys.stderr)
    return chosen, plain


# --- cost -------------------------------------------------------------------------------------------------


def _store_cached_vectors(db: Any, settings: Settings, cache: Path) -> None:
    """Vectors the continuity part already made, stored so indexing reuses them instead of embedding again."""
    from paperwire.db import embeddings as vectors_store
    from paperwire.db.papers import papers_by_ids

    embedder = embedder_of(settings)
    cached = VectorCache(cache, "arxiv-daily-2026", embedder).vectors
    seqs = vectors_store.current_seqs(db, list(cached))
    rows = papers_by_ids(db, list(seqs))
    fresh = [
        vectors_store.NewEmbedding(pid, seqs[pid], cached[pid].astype("<f2").tobytes())
        for pid in seqs
        if rows[pid]["abstract"].strip() and pid in cached
    ]
    vectors_store.save_embeddings(db, fresh, model=embedder.name, dim=embedder.dim)


def bench_cost(settings_base: Settings, cache: Path, subscribers: int, with_profiles: float) -> None:
    from sqlalchemy import insert

    from digest import TOPICS
    from paperwire.db.engine import Database
    from paperwire.db.migrate import upgrade
    from paperwire.db.schema import subscribers as table
    from paperwire.ingest import service
    from paperwire.mail.digest import due_on_day, plan_digests
    from paperwire.search import SearchService

    day_file = CORPUS / "2026-06-30.jsonl"
    earlier = CORPUS / "2026-06-23.jsonl"  # the likes come from here (both days' vectors are in the cache)
    with tempfile.TemporaryDirectory(prefix="recommend-bench-") as tmp:
        home = Path(tmp)
        settings = settings_base.model_copy(update={"home": home, "database_url": f"sqlite:///{home / 'p.db'}"})
        db = Database(settings.resolved_database_url)
        upgrade(db)
        service.ingest_jsonl(db, settings, [earlier, day_file])
        _store_cached_vectors(db, settings, cache)
        started = time.perf_counter()
        search = SearchService(settings, db)
        search.catch_up()
        print(f"  indexed in {time.perf_counter() - started:.0f}s", file=sys.stderr)
        from paperwire.db.papers import papers_announced_on

        old = [p["id"] for p in papers_announced_on(db, date(2026, 6, 23), limit=1000)]
        today = papers_announced_on(db, date(2026, 6, 30), limit=1000)
        rng = random.Random(5)
        now = datetime(2026, 6, 30, 12, 0)
        rows = []
        for n in range(subscribers):
            profiled = n < int(subscribers * with_profiles)
            rows.append(
                {
                    "email": f"s{n}@bench.example",
                    "status": "confirmed",
                    "topics": rng.sample(TOPICS, rng.randint(1, 3)),
                    "categories": [rng.choice(today)["categories"][0]] if rng.random() < 0.5 else [],
                    "authors": [rng.choice(today)["authors"][0]] if rng.random() < 0.2 else [],
                    "liked": rng.sample(old, 5) if profiled else [],
                    "frequency": "daily",
                    "weekday": 0,
                    "hour": 7,
                    "timezone": "UTC",
                    "digest_size": 10,
                    "paused": False,
                    "hard_bounces": 0,
                    "confirm_sent_count": 0,
                    "created_at": now,
                    "confirmed_at": now,
                }
            )
        with db.write() as conn:
            for start in range(0, len(rows), 5000):
                conn.execute(insert(table), rows[start : start + 5000])
        due = due_on_day(db, date(2026, 6, 30))
        liked_of = {s.id: list(s.liked) for s, _ in due}
        from sqlalchemy import update

        from paperwire.db.schema import deliveries, outbox, reader_profiles

        def reset(with_likes: bool) -> None:
            with db.write() as conn:
                conn.execute(deliveries.delete())
                conn.execute(outbox.delete())
                if not with_likes:
                    conn.execute(update(table).values(liked=[]))
                else:
                    for sid, liked in liked_of.items():
                        if liked:
                            conn.execute(update(table).where(table.c.id == sid).values(liked=liked))

        reset(with_likes=False)
        search.embed_query("warm up")  # the model loads once per process, not in the first timed plan
        baseline = plan_digests(db, settings, search, due=due_on_day(db, date(2026, 6, 30)), now=now)
        reset(with_likes=True)
        with db.write() as conn:
            conn.execute(reader_profiles.delete())
        first = plan_digests(db, settings, search, due=due_on_day(db, date(2026, 6, 30)), now=now)
        reset(with_likes=True)
        second = plan_digests(db, settings, search, due=due_on_day(db, date(2026, 6, 30)), now=now)
        print(
            f"\n### Planning cost (SQLite, {subscribers} subscribers, "
            f"{int(subscribers * with_profiles)} with profiles)\n"
        )
        print("| run | planned | profiles trained | seconds | per 100k (linear) | × baseline |")
        print("|---|---:|---:|---:|---:|---:|")
        for label, r in (
            ("baseline: nobody has a profile (same subscribers, likes removed)", baseline),
            ("profiles trained in the plan (first day)", first),
            ("profiles stored, nothing changed (the daily case)", second),
        ):
            print(
                f"| {label} | {r.planned} | {r.profiles_trained} | {r.seconds:.1f} "
                f"| {r.seconds * 100_000 / subscribers:.0f} | {r.seconds / baseline.seconds:.2f} |"
            )
        if first.profiles_trained:
            print(
                f"\nProfile training: {first.train_ms / first.profiles_trained:.2f} ms per reader (mean, in the plan)."
            )
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", nargs="+", default=["claims", "continuity", "cost"])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/recommend-cache"))
    parser.add_argument("--authors", type=int, default=700)
    parser.add_argument("--days", nargs="+", default=DEFAULT_DAYS)
    parser.add_argument("--subscribers", type=int, default=20_000)
    parser.add_argument("--with-profiles", type=float, default=0.2)
    args = parser.parse_args()
    if not SHARED.exists():
        print(f"skipped: {SHARED} not found")
        return
    settings = Settings()
    if "claims" in args.part:
        bench_claims(settings, args.cache)
    if "continuity" in args.part:
        bench_continuity(settings, args.cache, args.days, args.authors)
    if "cost" in args.part:
        bench_cost(settings, args.cache, args.subscribers, args.with_profiles)


if __name__ == "__main__":
    main()
