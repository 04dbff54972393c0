"""Initial schema: papers, versions, signals, harvest state, counters.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "papers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("abstract", sa.Text, nullable=False),
        sa.Column("authors", sa.JSON, nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("primary_category", sa.String(32), nullable=True),
        sa.Column("submitted_at", sa.DateTime, nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=True),
        sa.Column("announced_on", sa.Date, nullable=True),
        sa.Column("doi", sa.Text, nullable=True),
        sa.Column("journal_ref", sa.Text, nullable=True),
        sa.Column("comments", sa.Text, nullable=True),
        sa.Column("license", sa.Text, nullable=True),
        sa.Column("code_links", sa.JSON, nullable=False),
        sa.Column("ai_summary", sa.Text, nullable=True),
        sa.Column("ai_keywords", sa.JSON, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("first_seen_at", sa.DateTime, nullable=False),
        sa.Column("changed_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_papers_seq", "papers", ["seq"], unique=True)
    op.create_index("ix_papers_announced_on", "papers", ["announced_on"])
    op.create_index("ix_papers_primary_category", "papers", ["primary_category"])
    op.create_index("ix_papers_submitted_at", "papers", ["submitted_at"])

    op.create_table(
        "paper_versions",
        sa.Column("paper_id", sa.String(64), sa.ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("submitted_at", sa.DateTime, nullable=True),
        sa.Column("size", sa.String(32), nullable=True),
    )

    op.create_table(
        "signals",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("paper_id", sa.String(64), sa.ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.UniqueConstraint("paper_id", "kind", "source", "actor", "at", name="uq_signals_observation"),
    )
    op.create_index("ix_signals_kind_at", "signals", ["kind", "at"])
    op.create_index("ix_signals_paper_at", "signals", ["paper_id", "at"])

    op.create_table(
        "harvest_state",
        sa.Column("source", sa.String(255), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resume", sa.JSON, nullable=True),
        sa.Column("last_datestamp", sa.String(32), nullable=True),
        sa.Column("pages_done", sa.Integer, nullable=False),
        sa.Column("records_done", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("started_at", sa.DateTime, nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )

    op.create_table(
        "counters",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in ("counters", "harvest_state", "signals", "paper_versions", "papers"):
        op.drop_table(table)
