"""One-time codes for web chat sign-in and second factors.

Revision ID: identity_0001
Revises: profile_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "identity_0001"
down_revision = "profile_0001"
branch_labels = ("identity",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_one_time_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_one_time_codes")),
    )
    op.create_index(op.f("ix_identity_one_time_codes_customer_id"),
                    "identity_one_time_codes", ["customer_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_identity_one_time_codes_customer_id"),
                  table_name="identity_one_time_codes")
    op.drop_table("identity_one_time_codes")
