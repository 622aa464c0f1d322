"""The inbound journal: each accepted Twilio message keeps what its turn needs, in state
``received`` until its replies are handed to the sender (``answered``), so one whose
process died after the acknowledgement is re-driven after a lease instead of lost.

Rows accepted before this revision are taken as answered: there is nothing to re-drive.

Revision ID: channels_0003
Revises: channels_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "channels_0003"
down_revision = "channels_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_inbound_messages") as batch:
        batch.add_column(sa.Column("state", sa.String(16), nullable=False,
                                   server_default="answered"))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("redrives", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sender_address", sa.String(64), nullable=True))
        batch.add_column(sa.Column("proved_by", sa.String(32), nullable=True))
        batch.add_column(sa.Column("message", sa.Text(), nullable=True))
    op.create_index("ix_channel_inbound_messages_state_lease", "channel_inbound_messages",
                    ["state", "lease_until"])


def downgrade() -> None:
    op.drop_index("ix_channel_inbound_messages_state_lease",
                  table_name="channel_inbound_messages")
    with op.batch_alter_table("channel_inbound_messages") as batch:
        for column in ("message", "proved_by", "sender_address", "answered_at", "redrives",
                       "lease_until", "state"):
            batch.drop_column(column)
