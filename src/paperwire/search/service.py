"""The search library: keep the index caught up with the database, answer queries, find similar papers.

The web app, the API, the digest and the CLI all use ``SearchService(settings, db)``. The database is the
source of truth; the index under ``$PAPERWIRE_HOME/search`` is derived and can always be rebuilt.
"""

from __future__ import annotations

import html
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from paperwire.core.ids import split_arxiv_id
from paperwire.db.rows import ChangedPaper, NewEmbedding, PaperText
from paperwire.search.authors import name_keys
from paperwire.search.calibration import QueryEvidence, judge, title_names_it
from paperwire.search.embedder import Embedder, Vectors, load_embedder, paper_text
from paperwire.search.filters import SearchFilters, category_prefixes, filing_day
from paperwire.search.fusion import Fused, by_author_first, keyword_fusion, matches_first, pin_first, with_semantic
from paperwire.search.index import Entry, SearchIndex
from paperwire.search.lexical import SNIPPET_CHARS, shorten
from paperwire.search.query import ParsedQuery, QueryError, parse_query
from paperwire.search.reads import PaperReads, PaperStore, SearchSettings
from paperwire.search.results import CatchUpReport, Coverage, IndexStatus, SearchHit, SearchResults, explain
from paperwire.search.rows import Mask
from paperwire.search.spaces import add_first_pass, space_masks, transformer_weight
from paperwire.search.static import STATIC_NAME, StaticEmbedder, static_dim
from paperwire.search.storage import IndexDirectory, IndexState, IndexWriteError, ReadWriteLock
from paperwire.search.vectors import Neighbour

if TYPE_CHECKING:
    from paperwire.db.engine import Database

ProgressCallback = Callable[[int, int], None]  # (papers done, papers to do)
SORTS = ("relevance", "date", "trending")
MAX_LIMIT = 1000
MAX_OFFSET = 10_000
CATCH_UP_BATCH = 512
UPGRADE_BEFORE_SEARCH = 64  # transformer embeddings a search waits for when it finds the index behind (~2 s)
UPGRADE_BATCH = 256  # papers the transformer embeds (and stores) between two looks at new changes
# While upgrading, the index is saved this often, so other processes see the progress (and a crash loses
# at most this much index work; the embeddings themselves are stored batch by batch).
UPGRADE_SAVE_SECONDS = 60.0
QUERY_CACHE_SIZE = 256
MAX_CONSTRAINED = 100_000  # papers a phrase, au: or ti: may allow (the semantic side is limited to them)

log = logging.getLogger(__name__)


class SearchService:
    def __init__(
        self,
        settings: SearchSettings,
        db: Database | None = None,
        *,
        reads: PaperReads | None = None,
        embedder: Embedder | None = None,
        first_pass: Embedder | None = None,
    ) -> None:
        """``db``: the database, read and written through SQLAlchemy (``db.embeddings``); or instead ``reads``:
        any reader of it (``db.lite.SearchReads``: a cold CLI search without SQLAlchemy), enough to answer
        queries on a current index; catching up needs a ``PaperStore``."""
        if reads is None:
            if db is None:
                raise TypeError("SearchService needs a database (db) or a reader of it (reads)")
            from paperwire.db.embeddings import SqlPaperStore  # SQLAlchemy: only for a database

            reads = SqlPaperStore(db)
        self.settings = settings
        self.reads = reads
        self._embedder = embedder
        self._first_pass = first_pass
        self.directory = IndexDirectory(settings.home / "search")
        self._index: SearchIndex | None = None
        self._stamp: tuple[int, int] | None = None
        self._lock = ReadWriteLock()
        self._open_lock = threading.Lock()
        self._query_vectors: OrderedDict[str, Vectors] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._pool: tuple[int, ThreadPoolExecutor] | None = None  # (the process it belongs to, the pool)

    # --- the model and the index ------------------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        with self._open_lock:
            if self._embedder is None:
                self._embedder = load_embedder(
                    self.settings.search_embedder,
                    max_tokens=self.settings.search_max_tokens,
                    batch_size=self.settings.search_embed_batch_size,
                )
            return self._embedder

    @property
    def first_pass(self) -> Embedder:
        """The fast first-pass model every paper is embedded with before the transformer gets to it."""
        with self._open_lock:
            if self._first_pass is None:
                self._first_pass = StaticEmbedder()
            return self._first_pass

    @property
    def _first_pass_name(self) -> str:
        return self._first_pass.name if self._first_pass is not None else STATIC_NAME

    @property
    def _first_pass_dim(self) -> int:
        # The first-pass model (a 15 MB table and a tokenizer) is loaded only when something is embedded with
        # it: a search of an index the transformer covers never needs it.
        return self._first_pass.dim if self._first_pass is not None else static_dim()

    def _store(self) -> PaperStore:
        if not isinstance(self.reads, PaperStore):
            raise TypeError("this SearchService only reads the database: it cannot catch the index up")
        return self.reads

    def _empty_state(self) -> IndexState:
        return IndexState(model=self.embedder.name, first_pass=self._first_pass_name)

    def _new_index(self) -> SearchIndex:
        return SearchIndex(
            self.directory,
            self._empty_state(),
            self.embedder.dim,
            ef_search=self.settings.search_hnsw_ef_search,
            first_pass_dim=self._first_pass_dim,
        )

    def _open(self) -> SearchIndex:
        return SearchIndex.open(
            self.directory,
            state=self._empty_state(),
            dim=self.embedder.dim,
            ef_search=self.settings.search_hnsw_ef_search,
            first_pass_dim=self._first_pass_dim,
        )

    def _loaded(self) -> SearchIndex:
        if self._index is None:
            index = self._open()
            with self._open_lock:
                if self._index is None:
                    self._index, self._stamp = index, self.directory.state_stamp()
        assert self._index is not None
        return self._index

    def _reload_if_advanced(self) -> SearchIndex:
        """Pick up an index another process saved since we loaded ours (one stat call when nothing changed)."""
        index = self._loaded()
        stamp = self.directory.state_stamp()
        if stamp == self._stamp:
            return index
        state = self.directory.read_state()
        if state is not None and state.generation != index.state.generation:
            fresh = self._open()
            with self._lock.writing():
                self._index = index = fresh
        self._stamp = stamp
        return index

    # --- keeping up with the database --------------------------------------------------------------------

    def catch_up(
        self,
        on_progress: ProgressCallback | None = None,
        *,
        upgrade: int | None = None,
        on_upgrade: ProgressCallback | None = None,
    ) -> CatchUpReport:
        """Index every paper change since the last catch-up, then upgrade papers to the transformer.

        Every changed paper is indexed at once with its stored transformer vector when current, else with the
        first-pass model only (thousands a second); then up to ``upgrade`` papers (``None``: all, ``0``: none)
        still in the first-pass space get transformer vectors, newest first, stored in the database for every
        other search node (see ``_upgrade_locked``). If another process is writing the index right now, this
        one returns at once (``busy``) after reloading what that process has saved.
        """
        with self.directory.write_lock(wait=False) as mine:
            index = self._reload_if_advanced()
            if not mine:
                return CatchUpReport(busy=True, last_seq=index.state.last_seq, pending=_pending(index))
            return self._catch_up_locked(index, on_progress, upgrade, on_upgrade)

    def is_current(self) -> bool:
        """Whether the index holds every paper change the database has (one max(seq) query)."""
        index = self._reload_if_advanced()
        return self.reads.max_seq() <= index.state.last_seq

    def catch_up_if_behind(self, on_progress: ProgressCallback | None = None) -> CatchUpReport | None:
        """``catch_up`` when the database has changes the index lacks (a cheap max(seq) check first).

        Used right before a search: when the index cannot be written (a full disk) the failure is logged and
        the search goes on with the index as last saved, instead of failing too.
        """
        if self.is_current():
            return None
        try:
            # The search is waiting: the first pass for everything, the transformer for the newest few only
            # (a small import is then complete at once; a big one is searchable at once and upgraded later).
            return self.catch_up(on_progress, upgrade=UPGRADE_BEFORE_SEARCH)
        except IndexWriteError as exc:  # a search before it: answer from the index as last saved
            log.warning("%s", exc)
            return None

    def rebuild(
        self,
        on_progress: ProgressCallback | None = None,
        *,
        upgrade: int | None = None,
        on_upgrade: ProgressCallback | None = None,
    ) -> CatchUpReport:
        """Throw the index away and build it again (stored embeddings are reused when still current)."""
        with self.directory.write_lock(wait=True):
            with self._lock.writing():
                self.directory.wipe()
                self._index = self._new_index()
            report = self._catch_up_locked(self._index, on_progress, upgrade, on_upgrade)
            report.rebuilt = True
            return report

    def _catch_up_locked(
        self,
        index: SearchIndex,
        on_progress: ProgressCallback | None,
        upgrade: int | None,
        on_upgrade: ProgressCallback | None,
    ) -> CatchUpReport:
        started = time.perf_counter()
        try:
            report = self._catch_up_or_fail(index, on_progress)
            if upgrade != 0:
                self._upgrade_locked(index, upgrade, report, on_upgrade)
            report.pending = _pending(index)
            report.seconds = time.perf_counter() - started
            return report
        except (OSError, RuntimeError, ValueError) as exc:  # what tantivy, faiss and numpy raise on a failed write
            # The changes made in memory are dropped with the half-done catch-up: the next use reloads the index
            # as last saved (still whole: see storage.py), and the next catch-up redoes the work.
            with self._open_lock:
                if self._index is index:
                    self._index, self._stamp = None, None
            raise IndexWriteError(self._write_failure(exc)) from exc

    def _write_failure(self, exc: BaseException) -> str:
        free = self.directory.free_bytes()
        room = f" ({free / 1e6:,.1f} MB free on its disk)" if free is not None else ""
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        return (
            f"cannot write the search index in {self.directory.root}{room}: {detail}; searches keep using the "
            "index as it was before, run `paperwire index` again once the problem is fixed"
        )

    def _catch_up_or_fail(
        self, index: SearchIndex, on_progress: ProgressCallback | None, report: CatchUpReport | None = None
    ) -> CatchUpReport:
        started = time.perf_counter()
        since = index.state.last_seq
        report = report or CatchUpReport(last_seq=since)
        total = self.reads.count_changed_since(since)
        if total == 0:
            return report
        pending: IndexState | None = None
        try:
            # The arrays are written before the keyword index commits and published after it: a failure at
            # any step (a full disk) leaves all three as they were saved before.
            with index.lexical.writing():
                if since == 0:  # a first build: nothing of an older, abandoned index may survive
                    with self._lock.writing():
                        index.clear()
                while batch := self._store().changed_since(since, model=index.state.model, limit=CATCH_UP_BATCH):
                    self._index_batch(index, batch, report)
                    since = batch[-1].seq
                    if on_progress:
                        on_progress(report.seen, max(total, report.seen))
                with self._lock.writing():
                    index.tidy(self.settings.search_hnsw_threshold)
                pending = index.save_arrays(since)
            with self._lock.writing():
                index.publish(pending)
        except BaseException:
            if pending is not None:
                index.discard(pending)
            raise
        self._stamp = self.directory.state_stamp()
        report.last_seq = since
        report.seconds = time.perf_counter() - started
        return report

    def _index_batch(self, index: SearchIndex, batch: list[ChangedPaper], report: CatchUpReport) -> None:
        live = [p for p in batch if not p.deleted]
        vectors, upgraded = self._stored_vectors(live, report)
        first_pass = self.first_pass.embed([paper_text(p.title, p.abstract) for p in live])
        entries = [_entry(p) for p in live]
        with self._lock.writing():
            index.delete([p.id for p in batch if p.deleted])
            index.upsert(entries, vectors, first_pass, upgraded)
        report.seen += len(batch)
        report.indexed += len(live)
        report.removed += len(batch) - len(live)

    def _stored_vectors(self, papers: Sequence[ChangedPaper], report: CatchUpReport) -> tuple[Vectors, Mask]:
        """Stored transformer vectors where current (zeros elsewhere), and which papers had one."""
        dim = self.embedder.dim
        out = np.zeros((len(papers), dim), dtype=np.float32)
        found = np.zeros(len(papers), dtype=bool)
        for i, paper in enumerate(papers):
            stored = _decode(paper.vector, dim)
            if stored is not None:
                out[i], found[i] = stored, True
        report.reused += int(found.sum())
        return out, found

    # --- the transformer upgrade -------------------------------------------------------------------------

    def _upgrade_locked(
        self, index: SearchIndex, limit: int | None, report: CatchUpReport, on_progress: ProgressCallback | None
    ) -> None:
        """Give first-pass papers transformer vectors, newest first, ``UPGRADE_BATCH`` at a time.

        Resumable and idempotent: vectors are stored in the database batch by batch (a rerun after a crash
        reuses them instead of embedding again), and papers already upgraded are never picked. Between
        batches new paper changes are indexed (first pass), and the index is saved every
        ``UPGRADE_SAVE_SECONDS`` so searches elsewhere see the progress.
        """
        todo = [index.rows.ids[r] for r in index.rows.pending_newest_first(limit)]
        saved_at = time.monotonic()
        for start in range(0, len(todo), UPGRADE_BATCH):
            self._upgrade_batch(index, todo[start : start + UPGRADE_BATCH], report)
            if on_progress:
                on_progress(min(start + UPGRADE_BATCH, len(todo)), len(todo))
            if time.monotonic() - saved_at >= UPGRADE_SAVE_SECONDS:
                self._save_upgrades(index)
                self._catch_up_or_fail(index, None, report)
                saved_at = time.monotonic()
        if report.upgraded:
            self._save_upgrades(index)

    def _upgrade_batch(self, index: SearchIndex, paper_ids: Sequence[str], report: CatchUpReport) -> None:
        # Papers deleted meanwhile are left for the next catch-up to remove; a paper changed meanwhile gets the
        # vector of its current text (stored against its current version), and the next catch-up reuses it.
        papers = self._store().texts_for_embedding(paper_ids, model=self.embedder.name)
        row_of = index.rows.row_of
        papers = [p for p in papers if p.id in row_of and not index.rows.upgraded[row_of[p.id]]]
        if not papers:
            return
        vectors = self._transformer_vectors(papers, report)
        with self._lock.writing():
            index.upgrade(np.array([row_of[p.id] for p in papers], dtype=np.int64), vectors)
        report.upgraded += len(papers)

    def _transformer_vectors(self, papers: Sequence[PaperText], report: CatchUpReport) -> Vectors:
        """Stored vectors where current; the rest embedded now and stored for every other search node."""
        embedder = self.embedder
        out = np.zeros((len(papers), embedder.dim), dtype=np.float32)
        missing = []
        for i, paper in enumerate(papers):
            stored = _decode(paper.vector, embedder.dim)
            if stored is None:
                missing.append(i)
            else:
                out[i] = stored
        if missing:
            fresh = embedder.embed([paper_text(papers[i].title, papers[i].abstract) for i in missing])
            out[missing] = fresh
            rows = [
                NewEmbedding(papers[i].id, papers[i].seq, _encode(vector))
                for i, vector in zip(missing, fresh, strict=True)
            ]
            self._store().save_embeddings(rows, model=embedder.name, dim=embedder.dim)
        report.embedded += len(missing)
        report.reused += len(papers) - len(missing)
        return out

    def _save_upgrades(self, index: SearchIndex) -> None:
        """Save and publish the vectors and rows (the keyword index does not change in an upgrade)."""
        with self._lock.writing():
            index.tidy(self.settings.search_hnsw_threshold)
        pending = index.save_arrays(index.state.last_seq)
        with self._lock.writing():
            index.publish(pending)
        self._stamp = self.directory.state_stamp()

    # --- asking ------------------------------------------------------------------------------------------

    def embed_query(self, text: str) -> Vectors:
        """A query's unit vector (cached: the same query paged through is embedded once)."""
        with self._cache_lock:
            cached = self._query_vectors.get(text)
        if cached is not None:
            return cached
        vector: Vectors = self.embedder.embed([text])[0]
        with self._cache_lock:  # web requests run on several threads
            self._query_vectors[text] = vector
            while len(self._query_vectors) > QUERY_CACHE_SIZE:
                self._query_vectors.popitem(last=False)
        return vector

    def _query_pool(self) -> ThreadPoolExecutor:
        """The threads the meaning side of queries runs on (see ``_ranked``)."""
        with self._cache_lock:
            if self._pool is None or self._pool[0] != os.getpid():  # threads do not survive a fork
                # One thread per core: more queries at once than cores wait for a core either way.
                pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="search-meaning")
                self._pool = (os.getpid(), pool)
            return self._pool[1]

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        limit: int = 20,
        offset: int = 0,
        sort: str = "relevance",
        sort_scores: Mapping[str, float] | None = None,
    ) -> SearchResults:
        """Hybrid search: keyword and semantic lists fused by RRF, each hit judged a match or not; exact id and
        title matches first, then an author's papers when the query is their name, then the matches.

        Raises ``QueryError`` (one line for the user) for an empty query, a bad filter, sort or page.
        """
        started = time.perf_counter()
        parsed = parse_query(query)
        filters = _with_categories(filters, parsed.categories)
        _check_page(limit, offset, sort, filters)
        index = self._reload_if_advanced()
        depth = max(self.settings.search_depth, offset + limit)
        with self._lock.reading():
            found = self._ranked(index, parsed, filters, depth)
            ordered = _sorted(found.hits, sort, sort_scores or {}, index)
            page = ordered[offset : offset + limit]
            hits = self._hits(index, parsed, page)
            coverage = _coverage(index)
        took_ms = (time.perf_counter() - started) * 1000
        return SearchResults(
            query,
            hits,
            len(ordered),
            found.keyword_matches,
            took_ms,
            matches=sum(1 for hit in ordered if hit.matched),
            notes=list(parsed.notes),
            unknown_id=found.unknown_id,
            author=found.author,
            author_papers=sum(1 for hit in ordered if hit.by_author),
            like_text=parsed.long_text,
            coverage=coverage,
        )

    def match_scores(
        self, query: str, paper_ids: Sequence[str], filters: SearchFilters | None = None
    ) -> dict[str, float]:
        """The calibrated match chance (0..1) of each of ``paper_ids`` for ``query`` (a topic), judged exactly as
        ``search`` judges its hits; 0.0 for a paper the query does not rank at all. A paper passes as "a match"
        when its chance is >= ``MATCH_THRESHOLD``."""
        parsed = parse_query(query)
        filters = _with_categories(filters, parsed.categories)
        _check_page(1, 0, "relevance", filters)
        index = self._reload_if_advanced()
        with self._lock.reading():
            found = self._ranked(index, parsed, filters, self.settings.search_depth)
        chance = {hit.id: hit.match for hit in found.hits}
        return {paper_id: chance.get(split_arxiv_id(paper_id)[0], 0.0) for paper_id in paper_ids}

    def _ranked(self, index: SearchIndex, parsed: ParsedQuery, filters: SearchFilters | None, depth: int) -> _Found:
        allowed = index.rows.mask(filters)
        constrained = index.lexical.constrained_keys(parsed, filters, MAX_CONSTRAINED)
        if constrained is not None:
            allowed = _restricted(index, allowed, constrained)
        if parsed.paper_id is not None and parsed.paper_id not in index.rows.row_of:
            return _Found([], 0, unknown_id=parsed.paper_id)
        if not parsed.text and not (parsed.has_constraints or parsed.categories):
            return _Found([], 0)  # nothing but quotes: nothing matches it
        if not parsed.text:  # only au:, cat:, id: or filters: every paper they allow, newest first
            return _Found(self._browse(index, allowed, constrained, depth), len(constrained or ()))
        # The meaning side (the query's embedding, the slowest step, then the vector searches) runs on another
        # thread while the keyword side, which needs no vector, runs here and fuses its lists: onnxruntime and
        # faiss release the GIL, so on a free core the two overlap, and what is left once the vector is there
        # is the semantic list's share of the fusion and the judging. The caller's read lock covers both: this
        # thread waits for the other before it returns, an error included.
        meaning = self._query_pool().submit(self._meaning_side, index, parsed.text, allowed, depth)
        try:
            words = self._keyword_side(index, parsed, filters, allowed, depth)
        except BaseException:
            wait([meaning])
            raise
        vector, first_pass_vector, neighbours, first_pass_ids = meaning.result()
        semantic_ids = [index.rows.ids[n.row] for n in neighbours]
        fused = with_semantic(
            words.fused,
            semantic_ids,
            k=self.settings.search_rrf_k,
            depth=depth,
            semantic_weight=transformer_weight(
                self.settings.search_semantic_weight, index.rows.upgraded_count, index.documents
            ),
        )
        fused = add_first_pass(
            fused, first_pass_ids, k=self.settings.search_rrf_k, weight=self.settings.search_first_pass_weight
        )
        fused = pin_first(fused, words.pins)
        evidence = QueryEvidence(
            words=len(parsed.text.split()),
            idf_mass=words.idf_mass,
            lexical_top=max(words.lexical.values(), default=0.0),
            semantic_top=neighbours[0].score if neighbours else 0.0,
        )
        first_pass: dict[str, float] = {}
        first_pass_evidence = evidence
        if first_pass_vector is not None:  # papers the transformer has not embedded yet: the other model
            first_pass = _cosines(index, fused, first_pass_vector, first_pass=True)
            first_pass_evidence = replace(evidence, semantic_top=max(first_pass.values(), default=0.0))
        judge(
            fused,
            evidence,
            words.lexical,
            _cosines(index, fused, vector),
            first_pass=first_pass,
            first_pass_query=first_pass_evidence,
        )
        title_names_it(fused, words.titled)
        fused = by_author_first(fused, words.author_ids)
        author = parsed.name_query if words.author_ids else None
        return _Found(matches_first(fused), len(words.lexical), author=author)

    def _keyword_side(
        self,
        index: SearchIndex,
        parsed: ParsedQuery,
        filters: SearchFilters | None,
        allowed: np.ndarray | None,
        depth: int,
    ) -> _Keywords:
        """Everything of a query that needs no vector: the keyword lists fused, exact pins, the words' idf
        mass, the titles holding every word of a short topic and the papers of an author it names."""
        known = index.id_of_key
        scored = index.lexical.search_scored(parsed, filters, depth)
        lexical = {known[k]: score for k, score in scored if k in known}
        title, abstract = (
            [known[k] for k, _s in index.lexical.field_scored(parsed, f, filters, depth) if k in known]
            for f in ("title", "abstract")
        )
        fused = keyword_fusion(
            title,
            abstract,
            lexical=list(lexical),
            k=self.settings.search_rrf_k,
            depth=depth,
            title_weight=self.settings.search_title_weight,
            abstract_weight=self.settings.search_abstract_weight,
        )
        return _Keywords(
            lexical=lexical,
            fused=fused,
            pins=self._pins(index, parsed, filters, allowed),
            idf_mass=index.lexical.idf_mass(parsed),
            titled={known[k] for k in index.lexical.titles_holding_all(parsed, filters, depth) if k in known},
            author_ids=self._by_author(index, parsed, filters, allowed, depth),
        )

    def _by_author(
        self,
        index: SearchIndex,
        parsed: ParsedQuery,
        filters: SearchFilters | None,
        allowed: np.ndarray | None,
        depth: int,
    ) -> list[str]:
        """When the whole query is a person's name and papers have such an author: those papers, newest first."""
        if parsed.name_query is None:
            return []
        keys = index.lexical.keys_by_author(name_keys(parsed.name_query), filters, depth)
        rows = [index.rows.row_of[index.id_of_key[k]] for k in keys if k in index.id_of_key]
        if allowed is not None:
            rows = [r for r in rows if allowed[r]]
        rows.sort(key=lambda r: (-int(index.rows.day[r]), index.rows.ids[r]))
        return [index.rows.ids[r] for r in rows]

    def _browse(
        self, index: SearchIndex, allowed: np.ndarray | None, constrained: set[int] | None, depth: int
    ) -> list[Fused]:
        if constrained is not None:
            found = sorted(index.rows.row_of[index.id_of_key[k]] for k in constrained if k in index.id_of_key)
            rows = np.array(found, dtype=np.int64)
        else:
            rows = np.flatnonzero(allowed if allowed is not None else index.rows.live).astype(np.int64)
        if allowed is not None and len(rows):
            rows = rows[allowed[rows]]
        newest = rows[np.argsort(-index.rows.day[rows], kind="stable")][:depth]
        return [Fused(index.rows.ids[r], 0.0, match=1.0, matched=True) for r in newest]

    def _meaning_side(
        self, index: SearchIndex, text: str, allowed: Mask | None, depth: int
    ) -> tuple[Vectors, Vectors | None, list[Neighbour], list[str]]:
        """The query's transformer vector and its neighbours among upgraded papers; while some papers are not
        upgraded, its first-pass vector too and the first pass's ranking of those papers (see spaces.py)."""
        vector = self.embed_query(text)
        upgraded, pending = space_masks(allowed, index.rows.upgraded)
        neighbours = index.vectors.search(vector, depth, upgraded)
        first_pass_vector = None if bool(index.rows.upgraded.all()) else self.embed_first_pass(text)
        first_pass = (
            []
            if pending is None or first_pass_vector is None
            else index.first_pass.search(first_pass_vector, depth, pending)
        )
        return vector, first_pass_vector, neighbours, [index.rows.ids[n.row] for n in first_pass]

    def embed_first_pass(self, text: str) -> Vectors:
        """A query's unit vector in the first-pass space (microseconds: not cached)."""
        vector: Vectors = self.first_pass.embed([text])[0]
        return vector

    def _pins(
        self, index: SearchIndex, parsed: ParsedQuery, filters: SearchFilters | None, allowed: np.ndarray | None
    ) -> list[str]:
        pins = []
        if parsed.paper_id is not None:
            row = index.rows.row_of.get(parsed.paper_id)
            if row is not None and (allowed is None or allowed[row]):
                pins.append(parsed.paper_id)
        for key in index.lexical.keys_with_title(parsed.title_key, filters):
            if key in index.id_of_key:
                pins.append(index.id_of_key[key])
        return pins

    def _hits(self, index: SearchIndex, parsed: ParsedQuery, page: list[Fused]) -> list[SearchHit]:
        rows = self.reads.live_papers_by_id([hit.id for hit in page])
        shown = [hit for hit in page if hit.id in rows]  # deleted since the last catch-up: left out
        snippets = index.lexical.snippets_html(parsed, [rows[hit.id]["abstract"] for hit in shown])
        in_title = index.lexical.titles_match(parsed, [str(rows[hit.id]["title"]) for hit in shown])
        out = []
        for hit, snippet, titled in zip(shown, snippets, in_title, strict=True):
            out.append(_hit(hit, rows[hit.id], snippet, explain(hit, (titled, "<mark>" in snippet))))
        return out

    def similar(self, paper_id: str, limit: int = 10) -> list[SearchHit]:
        """Nearest papers by meaning, the paper itself (any version) left out.

        Raises ``KeyError`` when the paper is not in the index (unknown, deleted, or not caught up yet).
        """
        canonical, _version = split_arxiv_id(paper_id)
        index = self._reload_if_advanced()
        with self._lock.reading():
            row = index.rows.row_of.get(canonical)
            if row is None:
                raise KeyError(canonical)
            # A paper not upgraded yet is compared in the first-pass space, where every paper has a vector.
            upgraded = bool(index.rows.upgraded[row])
            vectors = index.vectors if upgraded else index.first_pass
            allowed = space_masks(index.rows.mask(None), index.rows.upgraded)[0] if upgraded else index.rows.mask(None)
            neighbours = vectors.search(vectors.vector(row), limit + 1, allowed)
            found = [(index.rows.ids[n.row], n.score) for n in neighbours]
        ranked = [(pid, score) for pid, score in found if pid != canonical][:limit]
        rows = self.reads.live_papers_by_id([pid for pid, _ in ranked])
        fused = [Fused(pid, score, semantic_rank=rank) for rank, (pid, score) in enumerate(ranked, start=1)]
        return [_hit(hit, rows[hit.id], _plain_snippet(rows[hit.id]["abstract"])) for hit in fused if hit.id in rows]

    def status(self) -> IndexStatus:
        index = self._reload_if_advanced()
        return IndexStatus(
            documents=index.documents,
            last_seq=index.state.last_seq,
            behind=self.reads.count_changed_since(index.state.last_seq),
            model=index.state.model,
            vector_index=index.vectors.kind,
            path=str(self.directory.root),
            meaning_covered=index.rows.upgraded_count,
            first_pass_model=index.state.first_pass,
        )

    def coverage(self) -> Coverage | None:
        """How much of the library the transformer covers, or ``None`` when it covers every paper."""
        return _coverage(self._reload_if_advanced())


def _pending(index: SearchIndex) -> int:
    return index.documents - index.rows.upgraded_count


def _coverage(index: SearchIndex) -> Coverage | None:
    coverage = Coverage(covered=index.rows.upgraded_count, documents=index.documents)
    return None if coverage.complete else coverage


@dataclass(frozen=True, slots=True)
class _Keywords:
    """The keyword side of a query (see ``SearchService._keyword_side``)."""

    lexical: dict[str, float]  # paper id -> BM25 over title and abstract, best first
    fused: dict[str, Fused]  # the keyword lists' share of the fusion (``fusion.keyword_fusion``)
    pins: list[str]
    idf_mass: float
    titled: set[str]  # papers whose title holds every word of a short query
    author_ids: list[str]  # the papers of the author the query names, newest first


@dataclass(slots=True)
class _Found:
    hits: list[Fused]
    keyword_matches: int
    unknown_id: str | None = None  # the query is an arXiv id this library does not hold
    author: str | None = None  # the query is this author's name: their papers come first


def _with_categories(filters: SearchFilters | None, categories: Sequence[str]) -> SearchFilters | None:
    """``cat:`` in the query adds to the category filter."""
    if not categories:
        return filters
    base = filters or SearchFilters()
    return replace(base, categories=[*base.categories, *categories])


def _restricted(index: SearchIndex, allowed: np.ndarray | None, keys: set[int]) -> np.ndarray:
    """The rows the filters allow that the query's constraints (phrases, au:, ti:, -word ...) allow too."""
    mask = np.zeros(len(index.rows), dtype=bool)
    rows = [index.rows.row_of[index.id_of_key[k]] for k in keys if k in index.id_of_key]
    mask[np.array(rows, dtype=np.int64)] = True
    return mask & allowed if allowed is not None else mask & index.rows.live


def _cosines(
    index: SearchIndex, hits: Sequence[Fused], vector: Vectors, *, first_pass: bool = False
) -> dict[str, float]:
    """Cosine similarity of the query to each hit's stored vector (unit vectors: a dot product), in the
    transformer's space for upgraded papers, or (``first_pass``) in the first pass's for the others."""
    row_of = index.rows.row_of
    ids = [hit.id for hit in hits if hit.id in row_of]
    rows = np.fromiter((row_of[paper_id] for paper_id in ids), dtype=np.int64, count=len(ids))
    keep = index.rows.upgraded[rows] != first_pass
    if not bool(keep.all()):
        rows = rows[keep]
        ids = [paper_id for paper_id, kept in zip(ids, keep.tolist(), strict=True) if kept]
    if not ids:
        return {}
    space = index.first_pass if first_pass else index.vectors
    scores = space.matrix()[rows] @ vector.astype(np.float32)
    return dict(zip(ids, scores.tolist(), strict=True))


def _check_page(limit: int, offset: int, sort: str, filters: SearchFilters | None) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"limit must be between 1 and {MAX_LIMIT}")
    if not 0 <= offset <= MAX_OFFSET:
        raise QueryError(f"offset must be between 0 and {MAX_OFFSET:,}")
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}: use {', '.join(SORTS)}")
    if filters is not None:
        category_prefixes(filters)  # validates the patterns and the date range


def _sorted(ranked: list[Fused], sort: str, scores: Mapping[str, float], index: SearchIndex) -> list[Fused]:
    """Relevance keeps the fused order (matches first); date and trending reorder the candidates, exact
    matches still first (the page still shows the matches of each page apart from the loosely related)."""
    if sort == "relevance":
        return ranked
    pinned = [hit for hit in ranked if hit.pinned]
    rest = [hit for hit in ranked if not hit.pinned]
    if sort == "date":
        day = index.rows.day
        row_of = index.rows.row_of
        rest.sort(key=lambda hit: -int(day[row_of[hit.id]]) if hit.id in row_of else 0)
    else:
        rest.sort(key=lambda hit: -scores.get(hit.id, 0.0))
    return pinned + rest


def _entry(paper: ChangedPaper) -> Entry:
    return Entry(
        id=paper.id,
        title=paper.title,
        abstract=paper.abstract,
        authors=tuple(paper.authors),
        categories=tuple(paper.categories),
        day=filing_day(paper.announced_on, paper.submitted_at),
        has_code=bool(paper.code_links),
    )


def _decode(blob: bytes | None, dim: int) -> Vectors | None:
    if blob is None or len(blob) != dim * 2:
        return None
    vector: Vectors = np.frombuffer(blob, dtype="<f2").astype(np.float32)
    return vector


def _encode(vector: Vectors) -> bytes:
    """float16 little-endian: half the bytes of float32; cosine changes by < 1e-3 (well under rank noise)."""
    return vector.astype("<f2").tobytes()


def _plain_snippet(abstract: str) -> str:
    return html.escape(shorten(abstract, SNIPPET_CHARS))


def _hit(hit: Fused, row: Mapping[str, object], snippet: str, why: str = "") -> SearchHit:
    return SearchHit(
        id=hit.id,
        title=str(row["title"]),
        score=round(hit.score, 6),
        match=round(hit.match, 4),
        matched=hit.matched,
        lexical_rank=hit.lexical_rank,
        semantic_rank=hit.semantic_rank,
        pinned=hit.pinned,
        by_author=hit.by_author,
        why=why,
        snippet_html=snippet,
        abstract=str(row["abstract"]),
        authors=list(row["authors"]),  # type: ignore[call-overload]
        categories=list(row["categories"]),  # type: ignore[call-overload]
        announced_on=row["announced_on"],  # type: ignore[arg-type]
        submitted_at=row["submitted_at"],  # type: ignore[arg-type]
        updated_at=row["updated_at"],  # type: ignore[arg-type]
        version=row["version"],  # type: ignore[arg-type]
        code_links=list(row["code_links"]),  # type: ignore[call-overload]
    )
