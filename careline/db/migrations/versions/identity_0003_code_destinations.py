"""The number each one-time code was texted to, so code sending is limited per number too.

Revision ID: identity_0003
Revises: identity_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "identity_0003"
down_revision = "identity_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("identity_one_time_codes",
                  sa.Column("sent_to", sa.String(length=32), nullable=True))
    op.create_index("ix_identity_one_time_codes_sent_to_created_at",
                    "identity_one_time_codes", ["sent_to", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_identity_one_time_codes_sent_to_created_at",
                  table_name="identity_one_time_codes")
    with op.batch_alter_table("identity_one_time_codes") as batch:
        batch.drop_column("sent_to")
