"""Digest clicks with their exact time, and which of them look like a mail scanner's; the personal feeds'
revocable links (issue 14).

Revision ID: 0008
Revises: 0007 (chained after recommend's, merged into this branch)
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "mail_clicks",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "subscriber_id",
            sa.BigInteger,
            sa.ForeignKey("subscribers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("paper_id", sa.String(64), nullable=False),
        sa.Column("outbox_id", sa.BigInteger, nullable=True),
        sa.Column("clicked_at", sa.DateTime, nullable=False),
        sa.Column("scanner", sa.Boolean, nullable=False),
    )
    op.create_index("ix_mail_clicks_outbox", "mail_clicks", ["outbox_id"])
    op.create_index("ix_mail_clicks_subscriber", "mail_clicks", ["subscriber_id", "paper_id"])
    op.create_table(
        "personal_feeds",
        sa.Column(
            "subscriber_id",
            sa.BigInteger,
            sa.ForeignKey("subscribers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("rotated_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("personal_feeds")
    op.drop_table("mail_clicks")
