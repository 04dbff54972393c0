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
    text,
)

from paperwire.core.signals import APP_SOURCE, REACTION_KINDS

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
    # A trending refresh reads every recent paper's day (and older ones' by id) from these alone.
    Index("ix_papers_day", "announced_on", "submitted_at", "deleted", "id"),
    Index("ix_papers_id_day", "id", "announced_on", "submitted_at", "deleted"),
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

users = Table(
    "users",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True, comment="normalised address"),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_login_at", DateTime, nullable=True),
)

used_tokens = Table(
    "used_tokens",
    metadata,
    Column("nonce", String(64), primary_key=True, comment="a single-use token's nonce, burnt on first use"),
    Column("purpose", String(32), nullable=False),
    Column("used_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False, comment="after this the row can be purged"),
    Index("ix_used_tokens_expires_at", "expires_at"),
)

dev_mail = Table(
    "dev_mail",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("to_addr", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("raw", Text, nullable=False, comment="the whole RFC 5322 message"),
    Column("created_at", DateTime, nullable=False),
)

# --- trending ---------------------------------------------------------------------------------------------

# Upvotes and saves are signals too (source "app", actor = the user), at most one per user, paper and kind:
# the database enforces it, so two racing clicks cannot count twice. Views and digest clicks are deduplicated
# per visitor (subscriber) and day by ``uq_signals_observation`` (their ``at`` is the day at 00:00).
_reaction_rows = f"source = '{APP_SOURCE}' AND kind IN ({', '.join(repr(k) for k in REACTION_KINDS)})"
Index(
    "uq_signals_reaction",
    signals.c.paper_id,
    signals.c.kind,
    signals.c.actor,
    unique=True,
    sqlite_where=text(_reaction_rows),
    postgresql_where=text(_reaction_rows),
)
# Every column a refresh reads from the signals it scores: it reads them from the index alone.
Index("ix_signals_trending", signals.c.kind, signals.c.at, signals.c.paper_id, signals.c.actor, signals.c.value)
# The events of the (paper, actor) pairs the per-actor cap may touch, found from the pairs (a few thousand).
Index("ix_signals_actor", signals.c.paper_id, signals.c.actor, signals.c.kind, signals.c.at)

# In-app events counted per paper, kind and moment, kept up to date as they are written (``db/signals.py``):
# views and digest clicks are stamped at their day's 00:00, so for them a row is a paper and day. A refresh
# sums these (decayed, in SQL) instead of grouping every event. ``t`` is ``at`` in epoch seconds.
signal_counts = Table(
    "signal_counts",
    metadata,
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("at", DateTime, primary_key=True),
    Column("t", Float, nullable=False, comment="at as seconds since the epoch"),
    Column("n", Integer, nullable=False, comment="events of this paper and kind at this moment"),
    # The refresh sums per (paper, kind) from this index alone, in its order: no sort, no table lookups (with
    # an index on `t` first, SQLite's planner took the range on `t` and sorted a million rows).
    Index("ix_signal_counts_paper", "paper_id", "kind", "t", "n"),
)

# How many signal rows were ever deleted (an un-vote, a scanner's click taken back): with the newest id, the
# refresh's inputs fingerprint without counting every signal (an insert raises the id, a delete bumps this).
signal_changes = Table(
    "signal_changes",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("deleted", BigInteger, nullable=False),
)

# (paper, actor) pairs with two or more in-app events: the only ones the per-actor cap can touch (one event
# never exceeds its actor's floor), so the refresh reads only their events one by one. Never shrinks.
signal_pairs = Table(
    "signal_pairs",
    metadata,
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("actor", String(128), primary_key=True),
)

trending_scores = Table(
    "trending_scores",
    metadata,
    Column("trend_window", String(8), primary_key=True, comment="day, week or month"),
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("score", Float, nullable=False),
    Column("parts", JSON, nullable=False, comment='{"why": {kind: amount}, "points": {part: points}}'),
    Column("categories", Text, nullable=False, comment="' cs.LG cs.AI ': the paper's categories, for LIKE"),
    Column("announced_on", Date, nullable=True, comment="tie-break: newer first"),
    Index("ix_trending_scores_rank", "trend_window", "score"),
)

trending_state = Table(
    "trending_state",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("as_of", DateTime, nullable=False, comment="the `now` the stored scores were computed for"),
    Column("fingerprint", String(64), nullable=False, comment="inputs digest: same digest, nothing to redo"),
    Column("computed_at", DateTime, nullable=False),
    Column("library_day", Date, nullable=True, comment="the newest day, when the library is older than a window"),
)

# --- subscriptions and mail ------------------------------------------------------------------------------

subscribers = Table(
    "subscribers",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True, comment="normalised address"),
    Column("status", String(16), nullable=False, comment="pending, confirmed or unsubscribed"),
    Column("topics", JSON, nullable=False, comment="free-text interests"),
    Column("categories", JSON, nullable=False),
    Column("authors", JSON, nullable=False, comment="authors to follow"),
    Column("liked", JSON, nullable=False, server_default=text("'[]'"), comment="ids of papers liked at sign-up"),
    Column("author_name", Text, nullable=True, comment="the reader's own name as an author (their papers)"),
    Column("frequency", String(8), nullable=False, comment="daily or weekly"),
    Column("weekday", Integer, nullable=False, comment="weekly digests: 0 = Monday"),
    Column("hour", Integer, nullable=False, comment="local delivery hour, 0-23"),
    Column("timezone", String(64), nullable=False, comment="IANA zone, e.g. Europe/Berlin"),
    Column("digest_size", Integer, nullable=False),
    Column("paused", Boolean, nullable=False),
    Column("hard_bounces", Integer, nullable=False),
    Column("suppressed_at", DateTime, nullable=True, comment="set: never mail this address again"),
    Column("suppressed_reason", Text, nullable=True),
    Column("confirm_sent_at", DateTime, nullable=True, comment="last confirmation mail (rate limit)"),
    Column("confirm_sent_count", Integer, nullable=False, comment="confirmation mails in the current day"),
    Column("created_at", DateTime, nullable=False),
    Column("confirmed_at", DateTime, nullable=True),
    Column("unsubscribed_at", DateTime, nullable=True),
    Index("ix_subscribers_status", "status"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("dedup_key", String(200), nullable=False, unique=True, comment="one row per (subscriber, period)"),
    Column("kind", String(16), nullable=False, comment="digest or confirm"),
    Column("subscriber_id", BigInteger, ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=False),
    Column("period", String(16), nullable=False, comment="2026-06-30 (daily) or 2026-W27 (weekly)"),
    Column("payload", JSON, nullable=False, comment="what the message says: papers and why"),
    Column("status", String(12), nullable=False, comment="pending, sending, sent, retry, failed"),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", DateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("message_id", String(255), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime, nullable=True),
    Index("ix_outbox_due", "status", "next_attempt_at"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("subscriber_id", BigInteger, ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True),
    Column("paper_id", String(64), primary_key=True, comment="never the same paper twice"),
    Column("outbox_id", BigInteger, nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("subscriber_id", BigInteger, ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True),
    Column("paper_id", String(64), primary_key=True),
    Column("kind", String(16), primary_key=True, comment="more, fewer (like this) or save"),
    Column("at", DateTime, nullable=False),
    Index("ix_feedback_subscriber_at", "subscriber_id", "at"),
)

# --- recommendations -------------------------------------------------------------------------------------

reader_profiles = Table(
    "reader_profiles",
    metadata,
    Column("reader", String(64), primary_key=True, comment="subscriber:12 or user:3"),
    Column("kind", String(16), nullable=False, comment="logistic (linear model) or centroid"),
    Column("embedder", String(64), nullable=False, comment="the embedding model the weights belong to"),
    Column("dim", Integer, nullable=False),
    Column("weights", LargeBinary, nullable=False, comment="float32 little-endian"),
    Column("bias", Float, nullable=False),
    Column("fingerprint", String(64), nullable=False, comment="digest of the feedback trained on"),
    Column("positives", Integer, nullable=False),
    Column("negatives", Integer, nullable=False),
    Column("trained_at", DateTime, nullable=False),
    Column("train_ms", Float, nullable=False),
)

# Every click on a digest's tracked paper link, at its exact moment. Mail security scanners open every link of
# a mail within seconds of its delivery; those clicks are flagged here and count for nothing (their trending
# click signal is withdrawn, and the profile reads only unflagged clicks).
mail_clicks = Table(
    "mail_clicks",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("subscriber_id", BigInteger, ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=False),
    Column("paper_id", String(64), nullable=False),
    Column("outbox_id", BigInteger, nullable=True, comment="the digest that carried the link, when known"),
    Column("clicked_at", DateTime, nullable=False),
    Column("scanner", Boolean, nullable=False, default=False, comment="looks like a mail scanner's: not interest"),
    Index("ix_mail_clicks_outbox", "outbox_id"),
    Index("ix_mail_clicks_subscriber", "subscriber_id", "paper_id"),
)

# A subscriber's personal feed is at a secret URL derived from (subscriber, generation) with the secret key:
# nothing secret is stored. "New feed link" bumps the generation, and the old URL stops working.
personal_feeds = Table(
    "personal_feeds",
    metadata,
    Column("subscriber_id", BigInteger, ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True),
    Column("generation", Integer, nullable=False, comment="bumped to revoke the feed's URL; none yet: 0"),
    Column("rotated_at", DateTime, nullable=False),
)

bounces = Table(
    "bounces",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False),
    Column("kind", String(16), nullable=False, comment="hard, soft or complaint"),
    Column("reason", Text, nullable=False),
    Column("at", DateTime, nullable=False),
    Index("ix_bounces_email", "email"),
)

job_leases = Table(
    "job_leases",
    metadata,
    Column("name", String(64), primary_key=True, comment="job name plus its period"),
    Column("owner", String(64), nullable=True),
    Column("lease_until", DateTime, nullable=True),
    Column("last_started_at", DateTime, nullable=True),
    Column("last_finished_at", DateTime, nullable=True),
    Column("last_status", String(16), nullable=True),
    Column("last_error", Text, nullable=True),
)
