"""What search returns: hits that can explain themselves (which list found them, at what rank)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: str
    title: str
    score: float  # fused RRF score (cosine similarity for ``similar``)
    lexical_rank: int | None  # 1-based rank in the keyword list, None when absent from it
    semantic_rank: int | None
    pinned: bool  # an exact id or title match, placed first
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


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of the library meaning-based search covers while the transformer catches up."""

    covered: int  # papers with a transformer vector
    documents: int  # papers in the index

    @property
    def complete(self) -> bool:
        return self.covered >= self.documents

    @property
    def message(self) -> str:
        return (
            f"Meaning-based search covers {self.covered:,} of {self.documents:,} papers (catching up; the others "
            "are found by their words and a quicker first-pass model)"
        )


@dataclass(frozen=True, slots=True)
class SearchResults:
    query: str
    hits: list[SearchHit]
    total: int  # papers ranked for this query (pages beyond it are empty)
    keyword_matches: int  # papers in the keyword list (up to the search depth; not an exact total)
    took_ms: float
    coverage: Coverage | None = None  # set only while meaning-based search does not cover every paper


@dataclass(slots=True)
class CatchUpReport:
    seen: int = 0  # changed papers read from the database
    indexed: int = 0  # added or replaced in the index
    removed: int = 0  # deleted papers taken out
    embedded: int = 0  # transformer embeddings computed now
    reused: int = 0  # transformer embeddings found current in the database
    upgraded: int = 0  # papers moved from the first-pass space to the transformer's in this run
    pending: int = 0  # papers still searched in the first-pass space only (the upgrade catches up)
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
    meaning_covered: int = 0  # papers searched by meaning with the transformer (the rest: first pass only)
    first_pass_model: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
