"""The tables. This is the current shape; migrations under ``migrations/versions`` build it step by step.

Conventions: timestamps are naive UTC; list-valued fields are JSON; ``papers.seq`` is a monotonic change
sequence that derived indexes (search) use to catch up incrementally.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL wants a BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

papers = Table(
    "papers",
    metadata,
    Column("id", String(64), primary_key=True, comment="arXiv id without version, or the source's own id"),
    Column("version", Integer, nullable=True, comment="latest arXiv version number known"),
    Column("title", Text, nullable=False),
    Column("abstract", Text, nullable=False, default=""),
    Column("authors", JSON, nullable=False, comment="ordered list of names"),
    Column("categories", JSON, nullable=False, comment="list, primary first"),
    Column("primary_category", String(32), nullable=True),
    Column("submitted_at", DateTime, nullable=True, comment="first version"),
    Column("updated_at", DateTime, nullable=True, comment="latest version"),
    Column("announced_on", Date, nullable=True, comment="first day the paper appeared in a listing"),
    Column("doi", Text, nullable=True),
    Column("journal_ref", Text, nullable=True),
    Column("comments", Text, nullable=True),
    Column("license", Text, nullable=True),
    Column("code_links", JSON, nullable=False),
    Column("ai_summary", Text, nullable=True),
    Column("ai_keywords", JSON, nullable=False),
    Column("source", String(32), nullable=False, comment="source of the metadata now stored"),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("seq", BigInteger, nullable=False, comment="change sequence: bumped on every change"),
    Column("first_seen_at", DateTime, nullable=False),
    Column("changed_at", DateTime, nullable=False),
    Index("ix_papers_seq", "seq", unique=True),
    Index("ix_papers_announced_on", "announced_on"),
    Index("ix_papers_primary_category", "primary_category"),
    Index("ix_papers_submitted_at", "submitted_at"),
)

paper_versions = Table(
    "paper_versions",
    metadata,
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("submitted_at", DateTime, nullable=True),
    Column("size", String(32), nullable=True),
)

signals = Table(
    "signals",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(32), nullable=False, comment="hf_upvotes, github_stars, upvote, save, view, ..."),
    Column("value", Float, nullable=False),
    Column("at", DateTime, nullable=False),
    Column("source", String(32), nullable=False),
    Column("actor", String(128), nullable=False, default="", comment="user or visitor, for per-actor caps"),
    UniqueConstraint("paper_id", "kind", "source", "actor", "at", name="uq_signals_observation"),
    Index("ix_signals_kind_at", "kind", "at"),
    Index("ix_signals_paper_at", "paper_id", "at"),
)

harvest_state = Table(
    "harvest_state",
    metadata,
    Column("source", String(255), primary_key=True, comment="source plus its arguments, e.g. oai:arXiv:cs"),
    Column("status", String(16), nullable=False, comment="running, complete or failed"),
    Column("resume", JSON, nullable=True, comment="what the source needs to continue after the last page"),
    Column("last_datestamp", String(32), nullable=True, comment="newest OAI datestamp harvested"),
    Column("pages_done", Integer, nullable=False, default=0),
    Column("records_done", Integer, nullable=False, default=0),
    Column("error", Text, nullable=True),
    Column("started_at", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=False),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

paper_embeddings = Table(
    "paper_embeddings",
    metadata,
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("model", String(64), nullable=False, comment="embedder name; a different model re-embeds"),
    Column("dim", Integer, nullable=False),
    Column("vector", LargeBinary, nullable=False, comment="float16 little-endian, L2-normalised"),
    Column("paper_seq", BigInteger, nullable=False, comment="papers.seq when embedded: stale if it differs"),
)
