"""Account writes by idempotency key: a retried turn's dispute, fault case, plan change,
payment arrangement, roaming pass or contact note is made once.

Revision ID: profile_0002
Revises: profile_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "profile_0002"
down_revision = "profile_0001"
branch_labels = ("profile",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eng_account_writes",
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["crm_customers.id"], ondelete="CASCADE",
                                name=op.f("fk_eng_account_writes_customer_id_crm_customers")),
        sa.PrimaryKeyConstraint("idempotency_key", name=op.f("pk_eng_account_writes")),
    )


def downgrade() -> None:
    op.drop_table("eng_account_writes")
