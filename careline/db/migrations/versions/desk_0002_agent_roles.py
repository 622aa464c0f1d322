"""Agents' roles (agent, supervisor, designer) and disabling an agent without deleting them.

Revision ID: desk_0002
Revises: desk_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "desk_0002"
down_revision = "desk_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("desk_agents") as batch:
        batch.add_column(sa.Column("role", sa.String(length=16), nullable=False,
                                   server_default="agent"))
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("desk_agents") as batch:
        batch.drop_column("disabled_at")
        batch.drop_column("role")
