"""The inbound journal is pruned by age (careline/db/retention.py): an index on when each
message was received, so the hourly prune does not scan the table.

Revision ID: channels_0004
Revises: channels_0003
"""

from alembic import op

revision = "channels_0004"
down_revision = "channels_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_channel_inbound_messages_received_at", "channel_inbound_messages",
                    ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_channel_inbound_messages_received_at",
                  table_name="channel_inbound_messages")
