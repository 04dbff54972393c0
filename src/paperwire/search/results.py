"""What search returns: hits that can explain themselves (which list found them, at what rank)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from paperwire.search.fusion import Fused

STRONG_MATCH = 0.5  # a match this likely relevant is called "strong"


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: str
    title: str
    score: float  # fused RRF score (cosine similarity for ``similar``)
    match: float  # the calibrated chance (0..1) that the hit is relevant to the query (0 for ``similar``)
    matched: bool  # ``match`` passes ``MATCH_THRESHOLD``: counted and shown as "a match"
    lexical_rank: int | None  # 1-based rank in the keyword list, None when absent from it
    semantic_rank: int | None
    pinned: bool  # an exact id or title match, placed first
    by_author: bool  # the query is the name of one of its authors
    why: str  # the reasons it was found, in plain words ("title and abstract match your words · close in meaning")
    snippet_html: str  # escaped abstract excerpt with <mark> around matched words
    abstract: str
    authors: list[str]
    categories: list[str]
    announced_on: date | None
    submitted_at: datetime | None
    updated_at: datetime | None
    version: int | None
    code_links: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def strength(match: float, matched: bool) -> str:
    """The match strength in words (the page shows it beside each hit)."""
    if not matched:
        return "loosely related"
    return "strong match" if match >= STRONG_MATCH else "match"


def explain(hit: Fused, fields: tuple[bool, bool]) -> str:
    """Why a hit was found, in plain words; ``fields``: whether its title, its abstract hold the query's words."""
    reasons = []
    if hit.pinned:
        reasons.append("exact match: the id or title you typed")
    if hit.by_author:
        reasons.append("by the author you named")
    in_title, in_abstract = fields
    if hit.lexical_rank is not None:
        where = {(True, True): "title and abstract match", (True, False): "title matches"}.get(
            (in_title, in_abstract), "abstract matches"
        )
        reasons.append(f"{where} your words")
    if hit.semantic_rank is not None:
        reasons.append("close in meaning")
    return " · ".join(reasons)


@dataclass(frozen=True, slots=True)
class SearchResults:
    query: str
    hits: list[SearchHit]
    total: int  # papers ranked for this query (pages beyond it are empty)
    keyword_matches: int  # papers in the keyword list (up to the search depth; not an exact total)
    took_ms: float
    matches: int = 0  # ranked hits that pass the match threshold (they come first)
    notes: list[str] = field(default_factory=list)  # how the query was read, where it differs from what was typed
    unknown_id: str | None = None  # the query is an arXiv id that is not in this library
    author: str | None = None  # the query is an author's name: their papers come first, newest first
    author_papers: int = 0  # how many of the ranked papers are by that author
    like_text: bool = False  # a long text, searched as "papers like this text"


@dataclass(slots=True)
class CatchUpReport:
    seen: int = 0  # changed papers read from the database
    indexed: int = 0  # added or replaced in the index
    removed: int = 0  # deleted papers taken out
    embedded: int = 0  # embeddings computed now
    reused: int = 0  # embeddings found current in the database
    last_seq: int = 0
    seconds: float = 0.0
    busy: bool = False  # another process holds the writer lock; this one reloaded what it wrote
    rebuilt: bool = False

    @property
    def changed(self) -> int:
        return self.indexed + self.removed

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "changed": self.changed}


@dataclass(frozen=True, slots=True)
class IndexStatus:
    documents: int
    last_seq: int
    behind: int  # paper changes not yet in this process's index
    model: str
    vector_index: str  # flat (exact) or hnsw
    path: str
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def match_count(results: SearchResults) -> str:
    """The honest count: "12 papers match", "1 paper matches", "no papers match"; papers by a named author
    are counted as such."""
    if results.author is not None and results.author_papers:
        papers = "1 paper" if results.author_papers == 1 else f"{results.author_papers:,} papers"
        rest = results.matches - results.author_papers
        return f"{papers} by {results.author}" + (f"; {rest:,} more match" if rest > 0 else "")
    if results.matches == 0:
        return "no papers match"
    return "1 paper matches" if results.matches == 1 else f"{results.matches:,} papers match"
