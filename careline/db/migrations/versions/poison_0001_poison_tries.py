"""Tries against messages of database-backed consumers, and parked ones (careline/poison).

Revision ID: poison_0001
Revises: profile_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "poison_0001"
down_revision = "profile_0001"
branch_labels = ("poison",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "poison_tries",
        sa.Column("consumer", sa.String(length=32), nullable=False),
        sa.Column("message_key", sa.String(length=255), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("consumer", "message_key"),
    )


def downgrade() -> None:
    op.drop_table("poison_tries")
