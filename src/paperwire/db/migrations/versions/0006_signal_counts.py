"""Trending: in-app events counted per paper, kind and moment (kept on write), the (paper, actor) pairs the
per-actor cap can touch, and the newest library day of the stored scores.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

EVENTS = "('upvote', 'save', 'view', 'click')"


def upgrade() -> None:
    op.create_table(
        "signal_counts",
        sa.Column("paper_id", sa.String(64), sa.ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("at", sa.DateTime, primary_key=True),
        sa.Column("t", sa.Float, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.create_index("ix_signal_counts_t", "signal_counts", ["t", "paper_id", "kind", "n"])
    op.create_table(
        "signal_pairs",
        sa.Column("paper_id", sa.String(64), sa.ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("actor", sa.String(128), primary_key=True),
    )
    with op.batch_alter_table("trending_state") as batch:
        batch.add_column(sa.Column("library_day", sa.Date, nullable=True))
    epoch = (
        "CAST(EXTRACT(EPOCH FROM at) AS DOUBLE PRECISION)"
        if op.get_bind().dialect.name == "postgresql"
        else "(julianday(at) - 2440587.5) * 86400.0"
    )
    op.execute(
        f"INSERT INTO signal_counts (paper_id, kind, at, t, n) SELECT paper_id, kind, at, {epoch}, count(*) "
        f"FROM signals WHERE kind IN {EVENTS} GROUP BY paper_id, kind, at"
    )
    op.execute(
        "INSERT INTO signal_pairs (paper_id, actor) SELECT paper_id, actor FROM signals "
        f"WHERE kind IN {EVENTS} GROUP BY paper_id, actor HAVING count(*) >= 2"
    )


def downgrade() -> None:
    with op.batch_alter_table("trending_state") as batch:
        batch.drop_column("library_day")
    op.drop_table("signal_pairs")
    op.drop_index("ix_signal_counts_t", table_name="signal_counts")
    op.drop_table("signal_counts")
