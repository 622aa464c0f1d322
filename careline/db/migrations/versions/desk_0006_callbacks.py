"""Call-backs booked after hours: the times offered and the one the customer chose.

Revision ID: desk_0006
Revises: desk_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "desk_0006"
down_revision = "desk_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("desk_tickets") as batch:
        batch.add_column(sa.Column("callback_offered", sa.Text(), nullable=True))
        batch.add_column(sa.Column("callback_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("desk_tickets") as batch:
        batch.drop_column("callback_at")
        batch.drop_column("callback_offered")
