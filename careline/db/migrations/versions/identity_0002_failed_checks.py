"""Failed PIN and code checks per customer and purpose, for the cross-conversation lockout.

Revision ID: identity_0002
Revises: identity_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "identity_0002"
down_revision = "identity_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_failed_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_failed_checks")),
    )
    op.create_index("ix_identity_failed_checks_customer_purpose_failed_at",
                    "identity_failed_checks", ["customer_id", "purpose", "failed_at"])


def downgrade() -> None:
    op.drop_index("ix_identity_failed_checks_customer_purpose_failed_at",
                  table_name="identity_failed_checks")
    op.drop_table("identity_failed_checks")
