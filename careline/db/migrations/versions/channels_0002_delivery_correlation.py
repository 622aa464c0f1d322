"""Each outbound message part names the turn (or request) that sent it: the correlation id
of careline/observability/correlation.py, the inbound MessageSid for a reply to an SMS or
WhatsApp turn, so a delivery is found from the turn's log lines and back.

Revision ID: channels_0002
Revises: channels_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "channels_0002"
down_revision = "channels_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_deliveries") as batch:
        batch.add_column(sa.Column("correlation_id", sa.String(64), nullable=True))
    op.create_index("ix_channel_deliveries_correlation_id", "channel_deliveries",
                    ["correlation_id"])


def downgrade() -> None:
    op.drop_index("ix_channel_deliveries_correlation_id", table_name="channel_deliveries")
    with op.batch_alter_table("channel_deliveries") as batch:
        batch.drop_column("correlation_id")
