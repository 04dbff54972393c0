"""Trending: stored scores per window, refresh state, and one upvote/save per user and paper.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

REACTION_ROWS = "source = 'app' AND kind IN ('upvote', 'save')"


def upgrade() -> None:
    op.create_index(
        "uq_signals_reaction",
        "signals",
        ["paper_id", "kind", "actor"],
        unique=True,
        sqlite_where=sa.text(REACTION_ROWS),
        postgresql_where=sa.text(REACTION_ROWS),
    )
    # Every column a refresh reads from the signals it scores: it reads them from the index alone.
    op.create_index("ix_signals_trending", "signals", ["kind", "at", "paper_id", "actor", "value"])
    op.create_table(
        "trending_scores",
        sa.Column("trend_window", sa.String(8), primary_key=True),
        sa.Column("paper_id", sa.String(64), sa.ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("parts", sa.JSON, nullable=False),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("announced_on", sa.Date, nullable=True),
    )
    op.create_index("ix_trending_scores_rank", "trending_scores", ["trend_window", "score"])
    op.create_table(
        "trending_state",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("as_of", sa.DateTime, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("computed_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("trending_state")
    op.drop_table("trending_scores")
    op.drop_index("ix_signals_trending", table_name="signals")
    op.drop_index("uq_signals_reaction", table_name="signals")
