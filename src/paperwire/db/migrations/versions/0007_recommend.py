"""Recommendations: papers a subscriber likes and their own author name, learned reader profiles, feedback
kinds beyond "fewer" (more, save) with an index to read a reader's feedback in order.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscribers") as batch:
        batch.add_column(sa.Column("liked", sa.JSON, nullable=False, server_default=sa.text("'[]'")))
        batch.add_column(sa.Column("author_name", sa.Text, nullable=True))
    op.create_index("ix_feedback_subscriber_at", "feedback", ["subscriber_id", "at"])
    op.create_table(
        "reader_profiles",
        sa.Column("reader", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("embedder", sa.String(64), nullable=False),
        sa.Column("dim", sa.Integer, nullable=False),
        sa.Column("weights", sa.LargeBinary, nullable=False),
        sa.Column("bias", sa.Float, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("positives", sa.Integer, nullable=False),
        sa.Column("negatives", sa.Integer, nullable=False),
        sa.Column("trained_at", sa.DateTime, nullable=False),
        sa.Column("train_ms", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reader_profiles")
    op.drop_index("ix_feedback_subscriber_at", table_name="feedback")
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("author_name")
        batch.drop_column("liked")
