"""One-question satisfaction after a resolved ticket: when it was asked, the score, the hand-back.

Revision ID: desk_0004
Revises: desk_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "desk_0004"
down_revision = "desk_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("desk_tickets") as batch:
        batch.add_column(sa.Column("rating_asked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("resumed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("desk_tickets") as batch:
        for column in ("resumed_at", "rated_at", "rating", "rating_asked_at"):
            batch.drop_column(column)
