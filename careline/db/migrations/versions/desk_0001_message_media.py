"""What a customer shared on a desk line: photos and a location (context package 1.1).

Revision ID: desk_0001
Revises: handoff_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "desk_0001"
down_revision = "handoff_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("desk_messages", sa.Column("shared_json", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("desk_messages") as batch:
        batch.drop_column("shared_json")
