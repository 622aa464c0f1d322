"""Web chat presence: live connections of verified customers (for proactive routing).

Revision ID: webchat_0001
Revises: profile_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "webchat_0001"
down_revision = "profile_0001"
branch_labels = ("webchat",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webchat_presence",
        sa.Column("connection_id", sa.String(64), nullable=False),
        sa.Column("sender_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("connection_id", name=op.f("pk_webchat_presence")),
    )
    op.create_index("ix_webchat_presence_customer_id_seen_at", "webchat_presence",
                    ["customer_id", "seen_at"])


def downgrade() -> None:
    op.drop_index("ix_webchat_presence_customer_id_seen_at", table_name="webchat_presence")
    op.drop_table("webchat_presence")
