"""Picks: the papers of a period for one reader, each with its real reason, and notes on what had nothing new.

``Recommender`` holds what many readers share (the period's papers and vectors, topic matches, trending,
stored profiles), so planning 100k digests computes each once. ``picks_for`` is the one-reader call the
For-you page and feed use; the digest planner uses ``Recommender.prepare`` + ``Recommender.picks``.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from datetime import time as dtime
from functools import partial

import numpy as np
import numpy.typing as npt

from paperwire import trending
from paperwire.config import Settings
from paperwire.core.clock import utcnow
from paperwire.db import profiles as store
from paperwire.db.engine import Database
from paperwire.db.profiles import PeriodPaper, StoredProfile
from paperwire.recommend import explain, signals
from paperwire.recommend.matching import TopicMatch, topic_matches
from paperwire.recommend.periods import Period, period_for
from paperwire.recommend.profile import MIN_POSITIVES, LinearModel, build, fingerprint
from paperwire.recommend.reader import Reader
from paperwire.search import SearchService

REASONS = ("topic", "author", "category", "liked", "profile", "trending")
TOPIC, AUTHOR, CATEGORY, LIKED, PROFILE, TRENDING = REASONS
TRENDING_CANDIDATES = 60
STREAM_DEPTH = 30  # candidates kept per interest
LIKED_MIN_COSINE = 0.5  # "similar to X" only when it truly is
FEWER_NEIGHBOUR_COSINE = 0.75  # this close to a "fewer like this" paper: to the back of the queue
MMR_PENALTY = 0.5  # how much closeness to an already chosen pick costs (one theme must not fill a digest)
BACKGROUND_NEGATIVES = 256
GRAM_MAX_PAPERS = 5000  # 5,000 papers: a 100 MB pairwise table, once per period
PERIOD_SIGNALS_KEPT = 4  # periods whose signals a process keeps (a day and a week, with room for a change)

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Pick:
    paper_id: str
    reason: str  # one of REASONS
    why: str  # the reason in plain words, shown to the reader
    score: float = 0.0
    interest: str | None = None  # the topic, author or category it came from
    resembles: str | None = None  # for liked/profile picks: the reader's paper it is closest to


@dataclass(frozen=True, slots=True)
class ReaderPicks:
    period: Period | None  # None before any listing exists
    items: list[Pick]
    notes: list[str]  # e.g. "Nothing new on *speculative decoding* today"


@dataclass(slots=True)
class PrepareReport:
    readers: int = 0
    with_profile: int = 0
    trained: int = 0
    reused: int = 0
    train_ms: float = 0.0  # total training time of the ``trained`` profiles
    seconds: float = 0.0


class PeriodPool:
    """One period's papers with their stored vectors, and per-interest candidates computed once."""

    def __init__(self, db: Database, settings: Settings, search: SearchService, period: Period, embedder: str | None):
        self.db, self.settings, self.search, self.period = db, settings, search, period
        self.papers: list[PeriodPaper] = store.announced_between(db, period.since, period.until)
        self.row_of = {p.id: i for i, p in enumerate(self.papers)}
        found = store.vectors(db, [p.id for p in self.papers], embedder=embedder) if embedder else {}
        dim = len(next(iter(found.values()))) if found else 0
        self.matrix: Matrix = np.zeros((len(self.papers), dim), dtype=np.float32)
        self.has_vector = np.zeros(len(self.papers), dtype=bool)
        for paper_id, vector in found.items():
            self.matrix[self.row_of[paper_id]] = vector
            self.has_vector[self.row_of[paper_id]] = True
        self._topics: dict[str, list[TopicMatch]] = {}
        self._by_author: dict[str, list[int]] | None = None
        self._categories: dict[str, list[int]] = {}
        self._trending: list[tuple[int, str]] | None = None
        self._scores: dict[str, float] | None = None
        self.end = datetime.combine(period.until, dtime(23, 59))
        self._gram: Matrix | None = None
        self._signals: signals.PeriodSignals | None = None
        self._streams: dict[tuple[str, str], list[tuple[int, Pick]]] = {}

    def signals(self) -> signals.PeriodSignals:
        """The period's side of the personal signals: built once per period and process (the For-you page makes
        a new recommender per view; the same papers and vectors give the same signals)."""
        if self._signals is None:
            self._signals = _period_signals(self.papers, self.matrix, self.has_vector, self.period.key)
        return self._signals

    def stream(self, kind: str, name: str, build: Callable[[], list[tuple[int, Pick]]]) -> list[tuple[int, Pick]]:
        """An interest's stream is the same for every reader with that interest: built once per period."""
        key = (kind, name)
        if key not in self._streams:
            self._streams[key] = build()
        return self._streams[key]

    def closeness(self) -> Matrix | None:
        """Cosine of every pair of the period's papers, computed once (diversity asks it per pick), or None
        for a pool too large to hold it (then the picker computes what it needs)."""
        if self._gram is None and 0 < len(self.papers) <= GRAM_MAX_PAPERS and self.matrix.shape[1]:
            self._gram = (self.matrix @ self.matrix.T).astype(np.float32)
        return self._gram

    def topic(self, topic: str) -> list[TopicMatch]:
        key = topic.casefold()
        if key not in self._topics:
            self._topics[key] = topic_matches(self.search, topic, self.period, self.row_of, STREAM_DEPTH)
        return self._topics[key]

    def author(self, name: str) -> list[int]:
        """Rows of papers with this exact author (case aside): a name is not a topic."""
        if self._by_author is None:
            self._by_author = {}
            for row, paper in enumerate(self.papers):
                for author in dict.fromkeys(a.casefold() for a in paper.authors):
                    self._by_author.setdefault(author, []).append(row)
        return self._by_author.get(name.casefold(), [])[:STREAM_DEPTH]

    def category(self, category: str) -> list[int]:
        """Rows in this category (``cs.LG``; ``cs`` or ``cs.*`` for the archive), most trending first."""
        if category not in self._categories:
            prefix = category.removesuffix("*").removesuffix(".")
            exact = "." in prefix
            rows = [
                row
                for row, paper in enumerate(self.papers)
                if any(c == prefix if exact else c.split(".")[0] == prefix for c in paper.categories)
            ]
            scores = self.trend_scores()
            rows.sort(key=lambda r: -scores.get(self.papers[r].id, 0.0))
            self._categories[category] = rows[:STREAM_DEPTH]
        return self._categories[category]

    def trend_scores(self) -> dict[str, float]:
        if self._scores is None:
            self._scores = trending.scores(self.db, self.period.window, self.end, settings=self.settings)
        return self._scores

    def trending(self) -> list[tuple[int, str]]:
        """(row, why) of the period's trending papers that are new in the period."""
        if self._trending is None:
            items = trending.trending(
                self.db, self.settings, window=self.period.window, limit=TRENDING_CANDIDATES, now=self.end
            )
            self._trending = [
                (self.row_of[item.id], explain.trending(item.counts, item.totals, self.period))
                for item in items
                if item.id in self.row_of
            ]
        return self._trending


_SIGNALS: OrderedDict[str, signals.PeriodSignals] = OrderedDict()
_SIGNALS_LOCK = threading.Lock()


def _period_signals(
    papers: Sequence[PeriodPaper], matrix: Matrix, has_vector: npt.NDArray[np.bool_], period_key: str
) -> signals.PeriodSignals:
    digest = hashlib.blake2b(period_key.encode(), digest_size=16)
    for paper in papers:
        digest.update("\x1f".join([paper.id, paper.title, paper.abstract, *paper.authors, "\x1e"]).encode())
    digest.update(matrix.tobytes())
    key = digest.hexdigest()
    with _SIGNALS_LOCK:
        if key in _SIGNALS:
            _SIGNALS.move_to_end(key)
            return _SIGNALS[key]
    built = signals.PeriodSignals(papers, matrix, has_vector)
    with _SIGNALS_LOCK:
        _SIGNALS[key] = built
        while len(_SIGNALS) > PERIOD_SIGNALS_KEPT:
            _SIGNALS.popitem(last=False)
    return built


@dataclass(slots=True)
class ReaderState:
    reader: Reader
    positives: dict[str, str]  # paper id -> label (liked, saved, ...)
    pos_ids: list[str] = field(default_factory=list)  # those with vectors, in the order of pos_matrix
    pos_matrix: Matrix | None = None
    fewer_matrix: Matrix | None = None
    model: LinearModel | None = None
    text_ids: list[str] = field(default_factory=list)  # positives whose words and authors are known
    terms: list[list[str]] = field(default_factory=list)  # their words, in the order of text_ids
    authors: signals.LikedAuthors = field(default_factory=signals.LikedAuthors)
    words_led: dict[str, tuple[int, str]] = field(default_factory=dict)  # paper id -> (row, liked id) to word


class Recommender:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        search: SearchService,
        *,
        store_profiles: bool = False,
        now: datetime | None = None,
    ) -> None:
        self.db, self.settings, self.search = db, settings, search
        self.store_profiles = store_profiles  # planning stores; a page view (a GET) only trains in memory
        self.now = now or utcnow()
        self._pools: dict[str, PeriodPool] = {}
        self._periods: dict[tuple[str, date], Period | None] = {}
        self._states: dict[str, ReaderState] = {}
        self._embedder: str | None = None
        self._embedder_known = False
        self._background: Matrix | None = None
        self._titles: dict[str, str] = {}
        self._terms: dict[str, list[str]] = {}  # a liked paper's words, analysed once for all its readers

    @property
    def embedder(self) -> str | None:
        if not self._embedder_known:
            self._embedder = store.main_embedder(self.db)
            self._embedder_known = True
        return self._embedder

    def period(self, reader: Reader, day: date) -> Period | None:
        key = ("weekly" if reader.frequency == "weekly" else "daily", day)
        if key not in self._periods:
            self._periods[key] = period_for(self.db, key[0], day)
        return self._periods[key]

    def pool(self, period: Period) -> PeriodPool:
        if period.key not in self._pools:
            self._pools[period.key] = PeriodPool(self.db, self.settings, self.search, period, self.embedder)
        return self._pools[period.key]

    # --- profiles -----------------------------------------------------------------------------------------

    def prepare(self, readers: Sequence[Reader]) -> PrepareReport:
        """Load (or train, when their feedback changed) the profiles of these readers, in bulk."""
        started = time.perf_counter()
        report = PrepareReport(readers=len(readers))
        names = {r.author_name for r in readers if r.author_name}
        own = store.papers_by_author_names(self.db, names) if names else {}
        fresh = [r for r in readers if r.key not in self._states]
        states = []
        for reader in fresh:
            if reader.author_name:
                reader = replace(reader, own=tuple(own.get(reader.author_name.casefold(), [])))
            states.append(ReaderState(reader, reader.positives()))
        wanted = {pid for s in states for pid in [*s.positives, *s.reader.fewer]}
        vectors = store.vectors(self.db, sorted(wanted), embedder=self.embedder) if self.embedder and wanted else {}
        texts = store.papers_by_ids(self.db, sorted(wanted)) if wanted else {}
        self._titles.update({pid: paper.title for pid, paper in texts.items()})
        for pid, paper in texts.items():
            if pid not in self._terms:
                self._terms[pid] = signals.terms_of(paper)
        keyed = [s for s in states if sum(pid in vectors for pid in s.positives) >= MIN_POSITIVES]
        stored = store.profiles(self.db, [s.reader.key for s in keyed]) if keyed else {}
        trained: list[StoredProfile] = []
        for state in states:
            self._fill_vectors(state, vectors)
            self._fill_texts(state, texts)
            if state.pos_matrix is None or len(state.pos_ids) < MIN_POSITIVES or self.embedder is None:
                continue
            report.with_profile += 1
            fewer = [pid for pid in state.reader.fewer if pid in vectors]
            print_ = fingerprint(state.pos_ids, fewer, self.embedder)
            profile = stored.get(state.reader.key)
            if (
                profile is None
                or profile.fingerprint != print_
                or profile.weights.shape[0] != state.pos_matrix.shape[1]
            ):
                profile = build(
                    state.reader.key,
                    self.embedder,
                    {pid: vectors[pid] for pid in state.pos_ids},
                    {pid: vectors[pid] for pid in fewer},
                    self.background(),
                    print_=print_,
                    now=self.now,
                )
                if profile is None:
                    continue
                trained.append(profile)
                report.trained += 1
                report.train_ms += profile.train_ms
            else:
                report.reused += 1
            state.model = LinearModel(profile.weights, profile.bias)
        for state in states:
            self._states[state.reader.key] = state
        if self.store_profiles and trained:
            store.save_profiles(self.db, trained)
        report.seconds = time.perf_counter() - started
        return report

    def _fill_texts(self, state: ReaderState, texts: dict[str, PeriodPaper]) -> None:
        state.text_ids = [pid for pid in state.positives if pid in texts]
        state.terms = [self._terms[pid] for pid in state.text_ids]
        mine = {pid: texts[pid] for pid in state.text_ids}
        state.authors = signals.LikedAuthors.of(mine, own_name=state.reader.author_name)

    def _fill_vectors(self, state: ReaderState, vectors: dict[str, Matrix]) -> None:
        state.pos_ids = [pid for pid in state.positives if pid in vectors]
        if state.pos_ids:
            state.pos_matrix = np.vstack([vectors[pid] for pid in state.pos_ids])
        fewer = [vectors[pid] for pid in state.reader.fewer if pid in vectors]
        if fewer:
            state.fewer_matrix = np.vstack(fewer)

    def background(self) -> Matrix:
        """Background papers (negatives for every profile): one fixed sample, loaded once."""
        if self._background is None:
            if self.embedder is None:
                return np.zeros((0, 0), dtype=np.float32)
            ids = store.background_ids(
                self.db, embedder=self.embedder, before=self.now.date(), limit=BACKGROUND_NEGATIVES
            )
            found = store.vectors(self.db, ids, embedder=self.embedder)
            self._background = np.vstack(list(found.values())) if found else np.zeros((0, 0), dtype=np.float32)
        return self._background

    # --- picking ------------------------------------------------------------------------------------------

    def picks(self, reader: Reader, day: date, limit: int | None = None, *, exclude: Iterable[str] = ()) -> ReaderPicks:
        """The reader's picks for the period of ``day``: interests first (mixed for diversity), then trending
        to fill the slots left; never a paper in ``exclude`` (already received) or one they gave feedback on."""
        period = self.period(reader, day)
        if period is None:
            return ReaderPicks(None, [], ["No papers have been listed yet."])
        if reader.key not in self._states:
            self.prepare([reader])
        state = self._states[reader.key]
        pool = self.pool(period)
        limit = reader.digest_size if limit is None else limit
        skip = set(exclude) | set(reader.fewer) | set(state.positives)
        notes: list[str] = []
        streams = self._streams(state, pool, skip, notes)
        chosen, later = _mix(streams, pool, skip, self._fewer_close(state, pool), limit)
        taken = {p.paper_id for p in chosen} | {p.paper_id for p in later}
        for row, why in pool.trending():
            if len(chosen) >= limit:
                break
            paper_id = pool.papers[row].id
            if paper_id not in skip and paper_id not in taken:
                chosen.append(Pick(paper_id, TRENDING, why))
                taken.add(paper_id)
        chosen += later[: max(0, limit - len(chosen))]
        return ReaderPicks(period, [self._worded(state, pool, p) for p in chosen[:limit]], notes)

    def _fewer_close(self, state: ReaderState, pool: PeriodPool) -> set[str]:
        if (
            state.fewer_matrix is None
            or not pool.matrix.shape[1]
            or state.fewer_matrix.shape[1] != pool.matrix.shape[1]
        ):
            return set()
        close = max_cosine(pool.matrix, state.fewer_matrix) >= FEWER_NEIGHBOUR_COSINE
        return {pool.papers[r].id for r in np.flatnonzero(close & pool.has_vector)}

    def _streams(
        self, state: ReaderState, pool: PeriodPool, skip: set[str], notes: list[str]
    ) -> list[list[tuple[int, Pick]]]:
        """One stream per interest, and a note for each interest none of whose papers may be shown: a match
        the reader already received, liked or turned down is nothing new to them."""
        reader, period = state.reader, pool.period
        streams: list[list[tuple[int, Pick]]] = []

        def add(stream: list[tuple[int, Pick]], note: str) -> None:
            if all(pick.paper_id in skip for _, pick in stream):
                notes.append(note)
            streams.append(stream)

        for name in reader.authors:
            add(pool.stream(AUTHOR, name, partial(_author_stream, pool, name)), explain.nothing_new_by(name, period))
        for topic in reader.topics:
            add(pool.stream(TOPIC, topic, partial(_topic_stream, pool, topic)), explain.nothing_new_on(topic, period))
        personal = self._personal(state, pool)
        if personal:
            streams.append(personal)
        for category in reader.categories:
            stream = pool.stream(CATEGORY, category, partial(_category_stream, pool, category))
            add(stream, explain.nothing_new_in(category, period))
        return streams

    def _personal(self, state: ReaderState, pool: PeriodPool) -> list[tuple[int, Pick]]:
        """Picks from what the reader liked, by the four signals of ``signals.py`` mixed into one score. A paper
        is a candidate only if one signal truly ties it to a liked paper (a co-author; shared words; the learned
        profile rating it above its background, or — too little feedback for a profile — a cosine of 0.5 to a
        liked paper), and its explanation names the signal that counted most among those."""
        if not state.positives or not pool.papers:
            return []
        period = pool.signals()
        vectors = (
            state.pos_matrix is not None
            and pool.matrix.shape[1] > 0
            and state.pos_matrix.shape[1] == pool.matrix.shape[1]
        )
        n = len(pool.papers)
        model = state.model.scores(pool.matrix) if vectors and state.model is not None else None
        if vectors and state.pos_matrix is not None:
            meaning, meaning_like = period.meaning(period.centre(state.pos_matrix))
        else:
            meaning, meaning_like = np.zeros(n, np.float32), np.zeros(n, np.intp)
        liked_words = [period.tfidf_of(pid, terms) for pid, terms in zip(state.text_ids, state.terms, strict=True)]
        words, words_like = period.words(liked_words)
        author_score, coauthor = signals.coauthors(period, state.authors)
        components = signals.Components(model, meaning, meaning_like, words, words_like, author_score, coauthor)
        parts = signals.contributions(components, pool.has_vector)
        total = signals.mixed(parts)
        if model is not None:
            content_ok = (model > 0) & pool.has_vector
        elif vectors and state.pos_matrix is not None:
            content_ok = (max_cosine(pool.matrix, state.pos_matrix) >= LIKED_MIN_COSINE) & pool.has_vector
        else:
            content_ok = np.zeros(n, dtype=bool)
        words_ok = words >= signals.WORDS_MIN
        eligible = np.flatnonzero(content_ok | words_ok | (author_score > 0))
        rows = eligible[np.argsort(-total[eligible], kind="stable")][:STREAM_DEPTH]
        out = []
        state.words_led = {}
        for row in rows.tolist():
            led = _leading(parts, row, content_ok[row], words_ok[row], author_score[row] > 0)
            out.append((row, self._explained(state, pool, components, liked_words, row, led, float(total[row]))))
        return out

    def _worded(self, state: ReaderState, pool: PeriodPool, pick: Pick) -> Pick:
        """A words-led pick's explanation, written only for the picks kept (naming the words costs a little)."""
        if pick.why or pick.paper_id not in state.words_led:
            return pick
        row, like = state.words_led[pick.paper_id]
        period = pool.signals()
        index = state.text_ids.index(like)
        words = period.shared_words(row, period.tfidf_of(like, state.terms[index]))
        title, label = self._titles.get(like, like), state.positives[like]
        return replace(pick, why=explain.shares_words(words, title, label))

    def _explained(
        self,
        state: ReaderState,
        pool: PeriodPool,
        c: signals.Components,
        liked_words: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]],
        row: int,
        led: str,
        score: float,
    ) -> Pick:
        paper_id = pool.papers[row].id
        reason = PROFILE if state.model is not None else LIKED
        if led == "authors":
            author = c.coauthor[row]
            labels = [state.positives[pid] for pid in author.liked]
            return Pick(paper_id, LIKED, explain.coauthor(author.name, labels), score, None, author.liked[0])
        if led == "words":
            like = state.text_ids[int(c.words_like[row])]
            state.words_led[paper_id] = (row, like)
            return Pick(paper_id, reason, "", score, None, like)  # worded once kept (``_worded``)
        like = state.pos_ids[int(c.meaning_like[row])]
        title, label = self._titles.get(like, like), state.positives[like]
        why = explain.profile(title, label) if reason == PROFILE else explain.liked(title, label)
        return Pick(paper_id, reason, why, score, None, like)


def _author_stream(pool: PeriodPool, name: str) -> list[tuple[int, Pick]]:
    return [(r, Pick(pool.papers[r].id, AUTHOR, explain.author(name), 1.0, name)) for r in pool.author(name)]


def _topic_stream(pool: PeriodPool, topic: str) -> list[tuple[int, Pick]]:
    return [
        (m.row, Pick(pool.papers[m.row].id, TOPIC, explain.topic(topic), m.score, topic)) for m in pool.topic(topic)
    ]


def _category_stream(pool: PeriodPool, category: str) -> list[tuple[int, Pick]]:
    return [
        (r, Pick(pool.papers[r].id, CATEGORY, explain.category(category), 0.0, category))
        for r in pool.category(category)
    ]


def _leading(parts: dict[str, npt.NDArray[np.float32]], row: int, content: bool, words: bool, authors: bool) -> str:
    """Which true tie counted most for this paper: "authors", "words" or "content" (profile and meaning)."""
    options = []
    if authors:
        options.append((float(parts["authors"][row]), "authors"))
    if words:
        options.append((float(parts["words"][row]), "words"))
    if content:
        model = float(parts["model"][row]) if "model" in parts else 0.0
        options.append((float(parts["meaning"][row]) + model, "content"))
    return max(options)[1]


def max_cosine(matrix: Matrix, others: Matrix) -> npt.NDArray[np.float32]:
    """Each row's highest cosine to any of ``others``. One matrix-vector product per other row: a small
    matrix-matrix product hands itself to BLAS threads, which on a busy machine cost 20× its arithmetic."""
    best = np.full(len(matrix), -1.0, dtype=np.float32)
    for other in others:
        np.maximum(best, matrix @ other, out=best)
    return best


def _mix(
    streams: list[list[tuple[int, Pick]]], pool: PeriodPool, skip: set[str], demoted: set[str], limit: int
) -> tuple[list[Pick], list[Pick]]:
    """Round-robin over interests (one broad interest cannot crowd out the others); within an interest, the
    next pick is the best one not too close to those already chosen (maximal marginal relevance)."""
    chosen: list[Pick] = []
    later: list[Pick] = []
    seen = set(skip)
    queues = [[(r, p) for r, p in s if p.paper_id not in skip] for s in streams]
    # Each paper's highest closeness to a pick so far, kept up to date pick by pick (one row per pick).
    closeness: npt.NDArray[np.float32] | None = None
    while len(chosen) < limit and any(queues):
        for queue in queues:
            if len(chosen) >= limit:
                break
            while queue and queue[0][1].paper_id in seen:
                queue.pop(0)
            if not queue:
                continue
            best = _mmr_choice(queue, closeness)
            row, pick = queue.pop(best)
            seen.add(pick.paper_id)
            if pick.paper_id in demoted:
                later.append(pick)
                continue
            chosen.append(pick)
            closeness = _closer(pool, row, closeness)
    return chosen, later


def _closer(pool: PeriodPool, row: int, closeness: npt.NDArray[np.float32] | None) -> npt.NDArray[np.float32] | None:
    if not pool.matrix.shape[1] or not pool.has_vector[row]:
        return closeness
    gram = pool.closeness()
    to_row: npt.NDArray[np.float32] = gram[row] if gram is not None else pool.matrix @ pool.matrix[row]
    return to_row.copy() if closeness is None else np.maximum(closeness, to_row)


def _mmr_choice(queue: list[tuple[int, Pick]], closeness: npt.NDArray[np.float32] | None) -> int:
    if closeness is None:
        return 0
    window = [r for r, _ in queue[:10]]
    relevance = _RANK_RELEVANCE[: len(window)]  # by rank in its own interest: the streams' scores differ
    return int(np.argmax(relevance - MMR_PENALTY * np.maximum(closeness[window], 0.0)))


_RANK_RELEVANCE = 1.0 / (1.0 + 0.15 * np.arange(10))


def picks_for(
    db: Database,
    settings: Settings,
    search: SearchService,
    reader: Reader,
    day: date,
    limit: int | None = None,
    *,
    exclude: Iterable[str] = (),
) -> ReaderPicks:
    """One reader's picks for the period of ``day`` (the For-you page and the personal feed). Stores nothing."""
    return Recommender(db, settings, search).picks(reader, day, limit, exclude=exclude)
