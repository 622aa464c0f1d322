"""Account-write keys are pruned by age (careline/db/retention.py): an index on when each
was made, so the hourly prune does not scan the table.

Revision ID: profile_0003
Revises: profile_0002
"""

from alembic import op

revision = "profile_0003"
down_revision = "profile_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_eng_account_writes_created_at", "eng_account_writes", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_eng_account_writes_created_at", table_name="eng_account_writes")
