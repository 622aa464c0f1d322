"""Proactive notices refused for a passing reason are tried again later: how many tries so
far, and when the next one is due (careline/proactive/retries.py).

Revision ID: insight_0002
Revises: insight_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "insight_0002"
down_revision = "insight_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("proactive_notifications") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_proactive_notifications_retry_at", "proactive_notifications",
                    ["retry_at"])


def downgrade() -> None:
    op.drop_index("ix_proactive_notifications_retry_at", table_name="proactive_notifications")
    with op.batch_alter_table("proactive_notifications") as batch:
        batch.drop_column("retry_at")
        batch.drop_column("attempts")
