"""The search library: keep the index caught up with the database, answer queries, find similar papers.

The web app, the API, the digest and the CLI all use ``SearchService(settings, db)``. The database is the
source of truth; the index under ``$PAPERWIRE_HOME/search`` is derived and can always be rebuilt.
"""

from __future__ import annotations

import html
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from paperwire.config import Settings
from paperwire.core.ids import split_arxiv_id
from paperwire.db import embeddings as store
from paperwire.db.engine import Database
from paperwire.search.embedder import Embedder, Vectors, load_embedder, paper_text
from paperwire.search.filters import SearchFilters, category_prefixes, filing_day
from paperwire.search.fusion import Fused, pin_first, reciprocal_rank_fusion
from paperwire.search.index import Entry, SearchIndex
from paperwire.search.lexical import SNIPPET_CHARS, shorten
from paperwire.search.query import ParsedQuery, QueryError, parse_query
from paperwire.search.results import CatchUpReport, IndexStatus, SearchHit, SearchResults
from paperwire.search.storage import IndexDirectory, IndexState, IndexWriteError, ReadWriteLock

ProgressCallback = Callable[[int, int], None]  # (papers done, papers to do)
SORTS = ("relevance", "date", "trending")
MAX_LIMIT = 1000
MAX_OFFSET = 10_000
CATCH_UP_BATCH = 512
QUERY_CACHE_SIZE = 256

log = logging.getLogger(__name__)


class SearchService:
    def __init__(self, settings: Settings, db: Database, *, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.db = db
        self._embedder = embedder
        self.directory = IndexDirectory(settings.home / "search")
        self._index: SearchIndex | None = None
        self._stamp: tuple[int, int] | None = None
        self._lock = ReadWriteLock()
        self._open_lock = threading.Lock()
        self._query_vectors: OrderedDict[str, Vectors] = OrderedDict()
        self._cache_lock = threading.Lock()

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

    def _open(self) -> SearchIndex:
        embedder = self.embedder
        return SearchIndex.open(
            self.directory, model=embedder.name, dim=embedder.dim, ef_search=self.settings.search_hnsw_ef_search
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

    def catch_up(self, on_progress: ProgressCallback | None = None) -> CatchUpReport:
        """Index every paper change since the last catch-up (embedding only papers without a current vector).

        If another process is writing the index right now, this one returns at once (``busy``) after
        reloading what that process has saved.
        """
        with self.directory.write_lock(wait=False) as mine:
            index = self._reload_if_advanced()
            if not mine:
                return CatchUpReport(busy=True, last_seq=index.state.last_seq)
            return self._catch_up_locked(index, on_progress)

    def catch_up_if_behind(self, on_progress: ProgressCallback | None = None) -> CatchUpReport | None:
        """``catch_up`` when the database has changes the index lacks (a cheap max(seq) check first).

        Used right before a search: when the index cannot be written (a full disk) the failure is logged and
        the search goes on with the index as last saved, instead of failing too.
        """
        index = self._reload_if_advanced()
        if store.max_seq(self.db) <= index.state.last_seq:
            return None
        try:
            return self.catch_up(on_progress)
        except IndexWriteError as exc:  # a search before it: answer from the index as last saved
            log.warning("%s", exc)
            return None

    def rebuild(self, on_progress: ProgressCallback | None = None) -> CatchUpReport:
        """Throw the index away and build it again (stored embeddings are reused when still current)."""
        with self.directory.write_lock(wait=True):
            with self._lock.writing():
                self.directory.wipe()
                embedder = self.embedder
                self._index = SearchIndex(
                    self.directory,
                    IndexState(model=embedder.name),
                    embedder.dim,
                    ef_search=self.settings.search_hnsw_ef_search,
                )
            report = self._catch_up_locked(self._index, on_progress)
            report.rebuilt = True
            return report

    def _catch_up_locked(self, index: SearchIndex, on_progress: ProgressCallback | None) -> CatchUpReport:
        try:
            return self._catch_up_or_fail(index, on_progress)
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

    def _catch_up_or_fail(self, index: SearchIndex, on_progress: ProgressCallback | None) -> CatchUpReport:
        started = time.perf_counter()
        since = index.state.last_seq
        report = CatchUpReport(last_seq=since)
        total = store.count_changed_since(self.db, since)
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
                while batch := store.changed_since(self.db, since, model=index.state.model, limit=CATCH_UP_BATCH):
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

    def _index_batch(self, index: SearchIndex, batch: list[store.ChangedPaper], report: CatchUpReport) -> None:
        live = [p for p in batch if not p.deleted]
        vectors = self._vectors_for(live, report)
        entries = [_entry(p) for p in live]
        with self._lock.writing():
            index.delete([p.id for p in batch if p.deleted])
            index.upsert(entries, vectors)
        report.seen += len(batch)
        report.indexed += len(live)
        report.removed += len(batch) - len(live)

    def _vectors_for(self, papers: Sequence[store.ChangedPaper], report: CatchUpReport) -> Vectors:
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
                store.NewEmbedding(papers[i].id, papers[i].seq, _encode(vector))
                for i, vector in zip(missing, fresh, strict=True)
            ]
            store.save_embeddings(self.db, rows, model=embedder.name, dim=embedder.dim)
        report.embedded += len(missing)
        report.reused += len(papers) - len(missing)
        return out

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

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        limit: int = 20,
        offset: int = 0,
        sort: str = "relevance",
        sort_scores: Mapping[str, float] | None = None,
    ) -> SearchResults:
        """Hybrid search: keyword and semantic lists fused by RRF, exact id/title matches first.

        Raises ``QueryError`` (one line for the user) for an empty, too long or malformed query, a bad
        filter, sort or page.
        """
        started = time.perf_counter()
        parsed = parse_query(query)
        _check_page(limit, offset, sort, filters)
        index = self._reload_if_advanced()
        depth = max(self.settings.search_depth, offset + limit)
        with self._lock.reading():
            ranked, keyword_matches = self._ranked(index, parsed, filters, depth)
            ordered = _sorted(ranked, sort, sort_scores or {}, index)
            page = ordered[offset : offset + limit]
            hits = self._hits(index, parsed, page)
        took_ms = (time.perf_counter() - started) * 1000
        return SearchResults(query, hits, len(ordered), keyword_matches, took_ms)

    def _ranked(
        self, index: SearchIndex, parsed: ParsedQuery, filters: SearchFilters | None, depth: int
    ) -> tuple[list[Fused], int]:
        keys = index.lexical.search(parsed, filters, depth)
        lexical_ids = [index.id_of_key[k] for k in keys if k in index.id_of_key]
        allowed = index.rows.mask(filters)
        neighbours = index.vectors.search(self.embed_query(parsed.text), depth, allowed)
        semantic_ids = [index.rows.ids[n.row] for n in neighbours]
        fused = reciprocal_rank_fusion(
            lexical_ids,
            semantic_ids,
            k=self.settings.search_rrf_k,
            depth=depth,
            semantic_weight=self.settings.search_semantic_weight,
        )
        return pin_first(fused, self._pins(index, parsed, filters, allowed)), len(lexical_ids)

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
        rows = store.live_papers_by_id(self.db, [hit.id for hit in page])
        shown = [hit for hit in page if hit.id in rows]  # deleted since the last catch-up: left out
        snippets = index.lexical.snippets_html(parsed, [rows[hit.id]["abstract"] for hit in shown])
        return [_hit(hit, rows[hit.id], snippet) for hit, snippet in zip(shown, snippets, strict=True)]

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
            vector = index.vectors.vector(row)
            neighbours = index.vectors.search(vector, limit + 1, index.rows.mask(None))
            found = [(index.rows.ids[n.row], n.score) for n in neighbours]
        ranked = [(pid, score) for pid, score in found if pid != canonical][:limit]
        rows = store.live_papers_by_id(self.db, [pid for pid, _ in ranked])
        fused = [Fused(pid, score, semantic_rank=rank) for rank, (pid, score) in enumerate(ranked, start=1)]
        return [_hit(hit, rows[hit.id], _plain_snippet(rows[hit.id]["abstract"])) for hit in fused if hit.id in rows]

    def status(self) -> IndexStatus:
        index = self._reload_if_advanced()
        return IndexStatus(
            documents=index.documents,
            last_seq=index.state.last_seq,
            behind=store.count_changed_since(self.db, index.state.last_seq),
            model=index.state.model,
            vector_index=index.vectors.kind,
            path=str(self.directory.root),
        )


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
    """Relevance keeps the fused order; date and trending reorder the candidates, exact matches still first."""
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


def _entry(paper: store.ChangedPaper) -> Entry:
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


def _hit(hit: Fused, row: Mapping[str, object], snippet: str) -> SearchHit:
    return SearchHit(
        id=hit.id,
        title=str(row["title"]),
        score=round(hit.score, 6),
        lexical_rank=hit.lexical_rank,
        semantic_rank=hit.semantic_rank,
        pinned=hit.pinned,
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
