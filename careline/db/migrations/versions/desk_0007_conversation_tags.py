"""Conversation tags from the conversation browser ("bad answer", "should have handed off").

Revision ID: desk_0007
Revises: desk_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "desk_0007"
down_revision = "desk_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "desk_conversation_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("tag", sa.String(length=32), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["desk_agents.id"], ondelete="SET NULL",
                                name=op.f("fk_desk_conversation_tags_agent_id_desk_agents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_conversation_tags")),
        sa.UniqueConstraint("conversation_id", "tag",
                            name=op.f("uq_desk_conversation_tags_conversation_id")),
    )
    op.create_index(op.f("ix_desk_conversation_tags_conversation_id"),
                    "desk_conversation_tags", ["conversation_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_desk_conversation_tags_conversation_id"),
                  table_name="desk_conversation_tags")
    op.drop_table("desk_conversation_tags")
