"""Agents' presence (available, away, offline) and skills (billing, network, vip) for routing.

Revision ID: desk_0005
Revises: desk_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "desk_0005"
down_revision = "desk_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("desk_agents") as batch:
        batch.add_column(sa.Column("presence", sa.String(length=16), nullable=False,
                                   server_default="offline"))
        batch.add_column(sa.Column("skills", sa.String(length=255), nullable=False,
                                   server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("desk_agents") as batch:
        batch.drop_column("skills")
        batch.drop_column("presence")
