"""Channel layer tables: inbound MessageSids, conversation routes, deliveries.

Revision ID: channels_0001
Revises: profile_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "channels_0001"
down_revision = "profile_0001"
branch_labels = ("channels",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_inbound_messages",
        sa.Column("message_sid", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("idempotency_token", sa.String(128), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("message_sid", name=op.f("pk_channel_inbound_messages")),
    )
    op.create_table(
        "channel_routes",
        sa.Column("sender_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offered_choices", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("sender_id", "channel", name=op.f("pk_channel_routes")),
    )
    op.create_table(
        "channel_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_sid", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("sender_id", sa.String(64), nullable=True),
        sa.Column("to_address", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error_code", sa.String(16), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_deliveries")),
    )
    op.create_index(op.f("ix_channel_deliveries_message_sid"), "channel_deliveries",
                    ["message_sid"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_channel_deliveries_message_sid"), table_name="channel_deliveries")
    op.drop_table("channel_deliveries")
    op.drop_table("channel_routes")
    op.drop_table("channel_inbound_messages")
