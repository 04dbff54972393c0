"""Trending at 100k papers: a counter of deleted signals (the refresh fingerprints its inputs without counting
every signal) and covering indexes for the refresh's reads.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "signal_changes",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("deleted", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(table, [{"name": "signals", "deleted": 0}])
    op.create_index("ix_signal_counts_paper", "signal_counts", ["paper_id", "kind", "t", "n"])
    op.drop_index("ix_signal_counts_t", table_name="signal_counts")  # nothing reads by time alone any more
    op.create_index("ix_signals_actor", "signals", ["paper_id", "actor", "kind", "at"])
    op.create_index("ix_papers_day", "papers", ["announced_on", "submitted_at", "deleted", "id"])
    op.create_index("ix_papers_id_day", "papers", ["id", "announced_on", "submitted_at", "deleted"])


def downgrade() -> None:
    op.drop_index("ix_papers_id_day", table_name="papers")
    op.drop_index("ix_papers_day", table_name="papers")
    op.drop_index("ix_signals_actor", table_name="signals")
    op.create_index("ix_signal_counts_t", "signal_counts", ["t", "paper_id", "kind", "n"])
    op.drop_index("ix_signal_counts_paper", table_name="signal_counts")
    op.drop_table("signal_changes")
